/**
 * The HTTPS journey (the default) as tshark 4.0.17 sees it: at every front hop the request line, the
 * Idempotency-Key header and the JSON body decrypt from the pcapng's Decryption Secrets Block alone
 * (no TLS preference, no key file); the backend hop is plain HTTP; without the DSB the front hops show
 * only Application Data. tshark runs with its default preferences (no TCP preference either): the
 * journey's radio loss is the ClientHello, resent by the phone's retransmission timer, which tshark's
 * in-order reassembly decodes at every hop. A loss inside the request could not decode with the defaults,
 * whoever's bytes (test/lab/radio-loss.test.ts, docs/radio-reassembly.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJourney,
  hopFileName,
  type JourneyResult,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';

const FIELDS = [
  'tls.handshake.type',
  'tls.alert_message',
  'tls.app_data',
  'http.request.method',
  'http.request.uri',
  'http.request.line',
  'http.response.code',
  'json.value.string',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  '_ws.malformed',
  '_ws.expert.severity',
  '_ws.expert.message',
];

let root: string;
const variants: Record<string, { result: JourneyResult; dir: string }> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pktcraft-journey-https-'));
  const configs: Record<string, object> = {
    default: {},
    retry: { retry: { enabled: true }, name: 'jretry' },
    timeout: { retry: { enabled: true, break: 'timeout' }, name: 'jtimeout' },
    fiveG: { mode: '5g', name: 'j5g' },
  };
  for (const [name, file] of Object.entries(configs)) {
    const result = buildJourney(resolveJourneyConfig(file));
    const dir = join(root, name);
    await writeScenario(result.scenario, dir);
    variants[name] = { result, dir };
  }
  const plain = buildJourney(resolveJourneyConfig({ name: 'nodsb' }));
  const { tlsKeyLog: _secrets, ...withoutSecrets } = plain.scenario;
  await writeScenario(withoutSecrets, join(root, 'nodsb'));
  variants.nodsb = { result: plain, dir: join(root, 'nodsb') };
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function values(packets: readonly TsharkPacket[], field: string): string[] {
  return packets.flatMap((packet) => packet[field] ?? []);
}

function hopPath(name: string, hop: number, extension = 'pcapng'): string {
  const variant = variants[name];
  if (!variant) throw new Error(`no variant ${name}`);
  const hops = variant.result.hops;
  const entry = hops[hop];
  if (!entry) throw new Error(`no hop ${hop}`);
  return join(variant.dir, variant.result.config.name, `${hopFileName(hop, entry)}.${extension}`);
}

function errors(packets: readonly TsharkPacket[]): string[] {
  const out: string[] = [];
  for (const packet of packets) {
    const severities = packet['_ws.expert.severity'] ?? [];
    const messages = packet['_ws.expert.message'] ?? [];
    severities.forEach((severity, i) => {
      if (Number(severity) >= SEVERITY.error) out.push(messages[i] ?? severity);
    });
    if (packet['_ws.malformed']) out.push('malformed');
  }
  return out;
}

describe('HTTPS journey: every hop decrypts from the DSB', () => {
  it.each(['default', 'fiveG', 'retry', 'timeout'])(
    '%s: front hops show the decrypted order, the backend plain HTTP',
    async (name) => {
      const variant = variants[name];
      if (!variant) throw new Error(name);
      const hops = variant.result.hops;
      const key = variant.result.config.order.idempotencyKey;
      const attempts = variant.result.connections.length;
      // The front hops and HAProxy's backend hop (the tiers below it: test/oracle/journey-datacentre.test.ts).
      const lastHop = hops.findIndex((h) => h.id === 'backend');
      for (let hop = 0; hop <= lastHop; hop++) {
        // The tunnel setup's hops carry no order (test/oracle/journey-setup.test.ts).
        if (hops[hop]?.kind === 'gtp-control') continue;
        const packets = await tsharkFields(hopPath(name, hop), FIELDS);
        const where = `${name} hop ${hop + 1}`;
        expect(errors(packets), where).toEqual([]);
        expect(values(packets, 'tls.alert_message'), where).toEqual([]);
        expect(values(packets, 'http.request.method'), where).toEqual(Array(attempts).fill('POST'));
        expect(values(packets, 'http.request.uri'), where).toEqual(Array(attempts).fill('/orders'));
        const lines = values(packets, 'http.request.line').filter((line) =>
          line.startsWith('Idempotency-Key'),
        );
        expect(lines, where).toEqual(Array(attempts).fill(`Idempotency-Key: ${key}\r\n`));
        expect(values(packets, 'json.value.string').length, where).toBeGreaterThan(0);
        const handshakes = values(packets, 'tls.handshake.type');
        if (hops[hop]?.kind === 'backend') expect(handshakes, where).toEqual([]);
        else {
          // ClientHello, ServerHello, EE, Certificate, CertificateVerify, both Finished: every attempt.
          for (const type of ['1', '2', '8', '11', '15', '20']) expect(handshakes, where).toContain(type);
          expect(handshakes.filter((type) => type === '1')).toHaveLength(attempts);
        }
        // The loss lesson: the first attempt's ClientHello, lost on the radio after the phone's capture,
        // is resent by the timer (no duplicate ACKs: nothing follows it). Only the phone's capture holds both.
        const retransmissions = values(packets, 'tcp.analysis.retransmission').length;
        // (In the timeout variant the lost responses' retransmissions show at the hops before their loss.)
        const radio = hops[hop]?.kind === 'radio';
        if (name !== 'timeout') expect(retransmissions, where).toBe(radio ? 1 : 0);
        else if (radio) expect(retransmissions, where).toBe(1);
        expect(values(packets, 'tcp.analysis.fast_retransmission'), where).toEqual([]);
      }
    },
  );

  it('the retry: two TLS sessions, the same Idempotency-Key decrypted in both, one order created', async () => {
    const variant = variants.retry;
    if (!variant) throw new Error('retry');
    expect(variant.result.ordersCreated).toBe(1);
    expect(variant.result.keyLog.trim().split('\n')).toHaveLength(10);
    const combined = join(variant.dir, `${variant.result.config.name}.pcapng`);
    const packets = await tsharkFields(combined, ['tcp.stream', 'http.request.method', 'http.response.code']);
    const codes = values(packets, 'http.response.code');
    expect(codes).toContain('201');
    expect(codes).toContain('200');
  });

  it('without the DSB the front hops show only Application Data; the backend hop is still plain HTTP', async () => {
    const radioAt = variants.nodsb?.result.hops.findIndex((hop) => hop.kind === 'radio') ?? -1;
    const radio = await tsharkFields(hopPath('nodsb', radioAt, 'pcap'), FIELDS);
    expect(values(radio, 'http.request.method')).toEqual([]);
    expect(values(radio, 'json.value.string')).toEqual([]);
    expect(values(radio, 'tls.handshake.type')).toEqual(['1', '2']);
    expect(values(radio, 'tls.app_data').length).toBeGreaterThanOrEqual(3);
    const hops = variants.nodsb?.result.hops ?? [];
    const backend = await tsharkFields(
      hopPath(
        'nodsb',
        hops.findIndex((hop) => hop.id === 'backend'),
        'pcap',
      ),
      FIELDS,
    );
    expect(values(backend, 'http.request.method')).toEqual(['POST']);
  });
});
