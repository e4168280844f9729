/**
 * `pktcraft tcp-client --tls` against Debian's `openssl s_server` (TLS 1.3 only, the test Ed25519
 * certificate) in the lab's server namespace: a full handshake, an HTTP request and its answer, a
 * clean close; `-o` writes the connection with the key log in a DSB and tshark (no preference set)
 * decrypts it. The lab (unique namespaces) and the server are removed even when a test fails.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CERTIFICATE_PEM, TEST_PRIVATE_KEY_PEM } from '../../src/tls/test-certificate.js';
import { tsharkRows, tsharkSync } from '../tshark.js';
import { useLab } from './lab.js';

const lab = useLab({ vni: 443 });
const dir = mkdtempSync(join(tmpdir(), 'pkc-tls-'));
let server: ChildProcess | undefined;
afterAll(async () => {
  if (server) await lab().stop(server);
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(port: number): Promise<ChildProcess> {
  writeFileSync(join(dir, 'cert.pem'), TEST_CERTIFICATE_PEM);
  writeFileSync(join(dir, 'key.pem'), TEST_PRIVATE_KEY_PEM);
  const child = lab().start('server', [
    'openssl',
    's_server',
    '-accept',
    String(port),
    '-tls1_3',
    '-cert',
    join(dir, 'cert.pem'),
    '-key',
    join(dir, 'key.pem'),
    '-www',
    '-naccept',
    '1',
  ]);
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`openssl s_server did not start: ${text}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ACCEPT')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl s_server exited with ${code}: ${text}`));
    });
  });
  return child;
}

describe('tcp-client --tls against openssl s_server', () => {
  it('completes TLS 1.3, gets the HTTP answer, and writes a capture tshark decrypts from its DSB', async () => {
    // Encrypted handshake messages and the NewSessionTicket (types 8, 11, 15, 20, 4) are visible to
    // tshark only when it decrypts.
    const { client, server: host } = lab().info;
    const port = 4433;
    server = await startServer(port);
    const capture = join(dir, 'tls.pcapng');
    const result = lab().pktcraft('client', [
      'tcp-client',
      host.ip,
      String(port),
      '--interface',
      client.interface,
      '--src',
      client.pktcraftIp,
      '--sport',
      '40443',
      '--tls',
      '--sni',
      'shop.example.com',
      '--request',
      'GET / HTTP/1.0\\r\\nHost: shop.example.com\\r\\n\\r\\n',
      '-o',
      capture,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      response: string;
      resetsReceived: number;
      tls: {
        cipherSuite: string;
        certificateVerified: boolean;
        certificateSubject: string;
        alerts: string[];
        sessionTickets: number;
      };
    };
    expect(json.response).toMatch(/^HTTP\/1\.0 200 ok\r\n/i);
    expect(json.response).toContain('TLSv1.3');
    expect(json.tls.cipherSuite).toBe('TLS_AES_128_GCM_SHA256');
    expect(json.tls.certificateVerified).toBe(true);
    expect(json.tls.certificateSubject).toContain('CN=shop.example.com');
    expect(json.tls.sessionTickets).toBeGreaterThanOrEqual(1);
    expect(json.resetsReceived).toBe(0);

    const rows = tsharkRows(capture, [
      'tls.handshake.type',
      'tls.handshake.extensions_server_name',
      'http.request.method',
      'http.request.uri',
      'tls.alert_message',
      '_ws.malformed',
    ]);
    const column = (field: string) =>
      rows.map((row) => (row as Record<string, string>)[field] ?? '').filter((value) => value !== '');
    expect(column('tls.handshake.extensions_server_name')).toEqual(['shop.example.com']);
    expect(column('http.request.method')).toEqual(['GET']);
    expect(column('http.request.uri')).toEqual(['/']);
    // openssl's HTTP/1.0 answer has no Content-Length (its body ends with the connection), so tshark
    // shows it in the decrypted TLS stream rather than as a dissected HTTP response.
    const stream = tsharkSync(['-r', capture, '-q', '-z', 'follow,tls,ascii,0']);
    expect(stream).toContain('GET / HTTP/1.0');
    expect(stream).toMatch(/HTTP\/1\.0 200 ok/i);
    expect(column('_ws.malformed')).toEqual([]);
    const handshakes = column('tls.handshake.type').join(';').split(';');
    for (const type of ['1', '2', '8', '11', '15', '20', '4']) expect(handshakes).toContain(type);
  });
});
