/**
 * The tshark oracle over a corpus of 200+ varied packets: tshark (checksum validation on) must see
 * exactly what each spec meant, field by field, with no malformed packet and no expert warning except
 * the bad checksums set on purpose, which tshark must call bad.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaptureWriter } from '../../src/capture/writer.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { verifyCapture } from '../../src/verify/capture.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';
import { buildCorpus, type CorpusEntry } from './corpus.js';

const STATUS_FIELDS = [
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  'icmp.checksum.status',
  'icmpv6.checksum.status',
];

function normalise(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = value.trim().toLowerCase();
  if (/^0x[0-9a-f]+$/.test(text)) return String(Number.parseInt(text, 16));
  if (text === 'true') return '1';
  if (text === 'false') return '0';
  return text;
}

const corpus = buildCorpus();
const byLink = {
  ether: corpus.filter((entry) => entry.linkType !== 'raw'),
  raw: corpus.filter((entry) => entry.linkType === 'raw'),
};
let directory = '';
const files: Record<'ether' | 'raw', string> = { ether: '', raw: '' };
const tshark: Record<'ether' | 'raw', TsharkPacket[]> = { ether: [], raw: [] };

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'pktcraft-corpus-'));
  for (const link of ['ether', 'raw'] as const) {
    const path = join(directory, `${link}.pcap`);
    files[link] = path;
    const writer = createCaptureWriter(path, { format: 'pcap', linkType: link === 'ether' ? 1 : 101 });
    byLink[link].forEach((entry, index) => {
      writer.writePacket(encodePacket(parseSpec(entry.spec)), 1700000000 + index, 0);
    });
    await writer.close();
    const fields = [
      ...new Set([...byLink[link].flatMap((entry) => Object.keys(entry.expect)), ...STATUS_FIELDS]),
    ];
    tshark[link] = await tsharkFields(path, fields);
  }
});

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('tshark oracle over the packet corpus', () => {
  it('has at least 200 packets covering every layer', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const specs = corpus.map((entry) => entry.spec).join(' ');
    for (const layer of [
      'ether',
      'dot1q',
      'arp',
      'ipv4',
      'ipv6',
      'ipv6hop',
      'ipv6frag',
      'ipv6dest',
      'icmp',
      'icmpv6',
      'udp',
      'tcp',
      'gtpu',
      'vxlan',
      'geneve',
      'raw',
    ]) {
      expect(specs).toContain(`${layer}`);
    }
  });

  for (const link of ['ether', 'raw'] as const) {
    it(`tshark shows what each ${link} packet meant, field by field`, () => {
      const packets = tshark[link];
      expect(packets).toHaveLength(byLink[link].length);
      const mismatches: string[] = [];
      byLink[link].forEach((entry: CorpusEntry, index) => {
        const packet = packets[index]!;
        for (const [field, expected] of Object.entries(entry.expect)) {
          const seen = (packet[field] ?? []).map(normalise);
          const meant = expected.map(normalise);
          if (JSON.stringify(seen) !== JSON.stringify(meant)) {
            mismatches.push(
              `#${index + 1} ${entry.spec}\n    ${field}: meant ${JSON.stringify(meant)}, tshark ${JSON.stringify(seen)}`,
            );
          }
        }
        const quotesDatagram = /icmp\(type=(3|11)/.test(entry.spec);
        for (const status of STATUS_FIELDS) {
          const values = (packet[status] ?? []).map(normalise);
          if (entry.badChecksums?.includes(status)) {
            if (!values.includes('0'))
              mismatches.push(
                `#${index + 1} ${entry.spec}\n    ${status}: meant a bad checksum, tshark ${JSON.stringify(values)}`,
              );
            continue;
          }
          const allowed = quotesDatagram ? ['1', '2'] : ['1'];
          if (values.some((value) => !allowed.includes(value))) {
            mismatches.push(`#${index + 1} ${entry.spec}\n    ${status}: tshark ${JSON.stringify(values)}`);
          }
        }
      });
      expect(mismatches).toEqual([]);
    });

    it(`tshark and pktcraft agree on every mapped field of the ${link} packets; no malformed packet or unexpected warning`, async () => {
      const report = await verifyCapture(files[link]);
      expect(report.packets).toBe(byLink[link].length);
      const problems: string[] = [];
      report.verdicts.forEach((verdict, index) => {
        const entry = byLink[link][index]!;
        for (const d of verdict.disagreements)
          problems.push(
            `#${verdict.frame} ${entry.spec}: ${d.layer}.${d.field} ours ${d.ours} tshark ${d.tshark}`,
          );
        for (const item of verdict.expert) {
          if (item.severity < SEVERITY.warning) continue;
          const intended =
            (entry.badChecksums !== undefined && /checksum/i.test(item.message)) ||
            entry.intendedWarning?.test(item.message) === true;
          if (!intended) problems.push(`#${verdict.frame} ${entry.spec}: expert ${item.message}`);
        }
        if (
          entry.intendedWarning &&
          !verdict.expert.some((item) => entry.intendedWarning!.test(item.message))
        ) {
          problems.push(`#${verdict.frame} ${entry.spec}: the intended warning was not raised`);
        }
        if (entry.badChecksums && !verdict.expert.some((item) => /checksum/i.test(item.message))) {
          problems.push(`#${verdict.frame} ${entry.spec}: the deliberate bad checksum raised no expert item`);
        }
      });
      expect(problems).toEqual([]);
    });
  }
});
