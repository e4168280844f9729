/**
 * Oracle: tshark 4.0.17 with no preference set (empty configuration directory) decrypts a synthesized
 * TLS 1.3 flow from the Decryption Secrets Block alone; without the DSB it sees only Application Data.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeFlow } from '../../src/flow/index.js';
import { orderExchange, writeTlsFlowCapture } from '../../src/tls/https-flow.js';
import { synthesizeTlsSession } from '../../src/tls/session.js';
import { tsharkRows, tsharkSync } from '../tshark.js';

const directory = mkdtempSync(join(tmpdir(), 'pktcraft-tls-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const FIELDS = [
  'frame.number',
  '_ws.col.Info',
  'tls.record.content_type',
  'tls.handshake.type',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
  'tls.handshake.extensions_alpn_str',
  'tls.app_data',
  'tls.alert_message',
  'http.request.method',
  'http.request.uri',
  'http.request.line',
  'http.response.code',
  'json.value.string',
  '_ws.malformed',
  '_ws.expert.severity',
] as const;

async function writeSession(
  name: string,
  options: { seed?: number; cipherSuite?: number; embedSecrets?: boolean; alpn?: string[]; loss?: string },
): Promise<string> {
  const seed = options.seed ?? 7;
  const exchange = orderExchange({
    host: 'shop.example.com',
    seed,
    requestBytes: 2500,
    responseBytes: 20000,
  });
  const session = synthesizeTlsSession({
    seed,
    cipherSuite: options.cipherSuite,
    alpn: options.alpn,
    request: exchange.request,
    response: exchange.response,
  });
  const flow = synthesizeFlow({
    seed,
    conversation: session.conversation,
    ...(options.loss ? { drop: options.loss } : {}),
  });
  expect(flow.summary.complete).toBe(true);
  const path = join(directory, name);
  await writeTlsFlowCapture(path, flow.segments, {
    clientIp: '192.0.2.1',
    serverIp: '198.51.100.7',
    clientPort: 45678,
    serverPort: 443,
    ipVersion: 4,
    keyLog: session.keyLog,
    embedSecrets: options.embedSecrets ?? true,
  });
  return path;
}

function column(rows: Record<string, string>[], field: string): string[] {
  return rows.map((row) => row[field] ?? '').filter((value) => value.length > 0);
}

/** Severities of every expert item at Warning (6291456) or above. */
function warnings(rows: Record<string, string>[]): string[] {
  return column(rows, '_ws.expert.severity')
    .flatMap((value) => value.split(';'))
    .filter((severity) => Number(severity) >= 6291456);
}

describe('tshark decrypts a synthesized TLS 1.3 HTTPS flow from the DSB, no preference set', () => {
  let rows: Record<(typeof FIELDS)[number], string>[];
  beforeAll(async () => {
    rows = tsharkRows(await writeSession('aes.pcapng', {}), FIELDS);
  });

  it('the HTTP request line, Idempotency-Key and JSON body are visible; no alert, no malformed, no warning', () => {
    expect(column(rows, 'http.request.method')).toEqual(['POST']);
    expect(column(rows, 'http.request.uri')).toEqual(['/orders']);
    expect(column(rows, 'http.request.line').join(';')).toMatch(/Idempotency-Key: [0-9a-f-]{36}\\r\\n/);
    const strings = column(rows, 'json.value.string').join(';');
    expect(strings).toContain('espresso-beans-1kg');
    expect(strings).toContain('created');
    expect(column(rows, 'http.response.code')).toEqual(['201']);
    expect(column(rows, 'tls.alert_message')).toEqual([]);
    expect(column(rows, '_ws.malformed')).toEqual([]);
    expect(warnings(rows)).toEqual([]);
  });

  it('the handshake is TLS 1.3 with the offered SNI and ALPN; handshake messages decrypt', () => {
    const types = column(rows, 'tls.handshake.type').join(';').split(';');
    // ClientHello 1, ServerHello 2, EncryptedExtensions 8, Certificate 11, CertificateVerify 15, Finished 20 (twice), NewSessionTicket 4.
    expect(types).toEqual(['1', '2', '8', '11', '15', '20', '20', '4']);
    expect(column(rows, 'tls.handshake.extensions_server_name')).toEqual(['shop.example.com']);
    expect(column(rows, 'tls.handshake.extensions_alpn_str')).toEqual(['http/1.1', 'http/1.1']);
    expect(column(rows, 'tls.handshake.ciphersuite')[1]).toBe('0x1301');
  });

  it('the same capture without its DSB shows only Application Data', async () => {
    const plain = tsharkRows(await writeSession('nodsb.pcapng', { embedSecrets: false }), FIELDS);
    expect(column(plain, 'http.request.method')).toEqual([]);
    expect(column(plain, 'json.value.string')).toEqual([]);
    expect(column(plain, 'tls.handshake.type').join(';').split(';')).toEqual(['1', '2']);
    const infos = column(plain, '_ws.col.Info').filter((info) => /Application Data/.test(info));
    expect(infos.length).toBeGreaterThanOrEqual(3);
    expect(column(plain, 'tls.app_data').length).toBeGreaterThanOrEqual(3);
  });

  // A client segment lost after the client-side capture point is retransmitted in order, which tshark
  // reassembles with its defaults. (A gap before the capture point needs tcp.reassemble_out_of_order,
  // off by default: then tshark cannot find the records after the gap.)
  it('TLS_CHACHA20_POLY1305_SHA256 decrypts too, with a retransmission of request data', async () => {
    const chacha = tsharkRows(await writeSession('chacha.pcapng', { cipherSuite: 0x1303, loss: 'c3' }), [
      ...FIELDS,
      'tcp.analysis.retransmission',
    ]);
    expect(column(chacha, 'tls.handshake.ciphersuite')[1]).toBe('0x1303');
    expect(column(chacha, 'tcp.analysis.retransmission')).toHaveLength(1);
    expect(column(chacha, 'http.request.method')).toEqual(['POST']);
    expect(column(chacha, 'json.value.string').join(';')).toContain('created');
    expect(column(chacha, 'tls.alert_message')).toEqual([]);
    expect(column(chacha, '_ws.malformed')).toEqual([]);
  });

  it('capinfos counts one decryption secret; the same seed gives the same bytes, another seed others', async () => {
    const path = await writeSession('again.pcapng', {});
    const info = spawnSync('capinfos', ['-D', path], { encoding: 'utf8' });
    expect(info.stdout).toMatch(/Number of decryption secrets in file: 1/);
    const first = readFileSync(join(directory, 'aes.pcapng'));
    expect(readFileSync(path).equals(first)).toBe(true);
    expect(readFileSync(await writeSession('other.pcapng', { seed: 8 })).equals(first)).toBe(false);
    // The key log lines are the NSS SSLKEYLOGFILE format, keyed by the ClientHello random tshark shows.
    const random = tsharkSync([
      '-r',
      path,
      '-Y',
      'tls.handshake.type == 1',
      '-T',
      'fields',
      '-e',
      'tls.handshake.random',
    ]).trim();
    const keyLog = synthesizeTlsSession({
      seed: 7,
      request: new Uint8Array(1),
      response: new Uint8Array(1),
    }).keyLog;
    expect(keyLog).toContain(`CLIENT_TRAFFIC_SECRET_0 ${random.replace(/:/g, '')} `);
  });
});
