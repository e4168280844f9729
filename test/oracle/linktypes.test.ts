/**
 * Oracle: captures pktcraft writes with link types 113 (Linux cooked v1), 276 (Linux cooked v2),
 * 0 (BSD loopback) and 108 (OpenBSD loopback) open in tshark 4.0.17 without a warning, and tshark
 * sees the header fields as meant (`sll.pkttype`, `sll.hatype`, `sll.halen`, `sll.etype`,
 * `sll.ifindex`, `sll.src.eth`, `null.family`, `null.type`), the payload decoded, checksums good, nothing
 * malformed and no expert item. The writer picks the link type from the first layer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkTypeForLayer } from '../../src/capture/linktype.js';
import { createCaptureWriter } from '../../src/capture/writer.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CHECKSUM_OPTIONS, tsharkRows } from '../tshark.js';

const UDP4 = 'ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=45678,dport=45679)/raw(len=12)';
const UDP6 = 'ipv6(src=2001:db8::1,dst=2001:db8::2)/udp(sport=45678,dport=45679)/raw(len=12)';

interface LinkCase {
  name: string;
  linkType: number;
  specs: string[];
  fields: readonly string[];
  /** Per packet: the fields' values as tshark prints them. */
  expected: string[][];
  protocols: string[];
}

const CASES: LinkCase[] = [
  {
    name: 'Linux cooked v1 (113)',
    linkType: 113,
    specs: [
      `sll(pkttype=4,addr=0x020000000001)/${UDP4}`,
      `sll(pkttype=0,hatype=1,addr=0x020000000002)/${UDP6}`,
      'sll(pkttype=1,addr=0x020000000003)/arp(op=1,psrc=192.0.2.1,pdst=192.0.2.2)',
      `sll(pkttype=3,addr=0x020000000004)/dot1q(vlan=7)/${UDP4}`,
    ],
    fields: ['sll.pkttype', 'sll.hatype', 'sll.halen', 'sll.src.eth', 'sll.etype'],
    expected: [
      ['4', '1', '6', '02:00:00:00:00:01', '0x0800'],
      ['0', '1', '6', '02:00:00:00:00:02', '0x86dd'],
      ['1', '1', '6', '02:00:00:00:00:03', '0x0806'],
      ['3', '1', '6', '02:00:00:00:00:04', '0x8100'],
    ],
    protocols: [
      'sll:ethertype:ip:udp:data',
      'sll:ethertype:ipv6:udp:data',
      'sll:ethertype:arp',
      'sll:ethertype:vlan:ethertype:ip:udp:data',
    ],
  },
  {
    name: 'Linux cooked v2 (276)',
    linkType: 276,
    specs: [
      `sll2(ifindex=3,pkttype=4,addr=0x020000000001)/${UDP4}`,
      `sll2(ifindex=70000,addr=0x020000000002)/${UDP6}`,
      `sll2(ifindex=1,pkttype=2,addr=0x020000000005)/mpls(label=16004)/${UDP4}`,
    ],
    fields: ['sll.etype', 'sll.ifindex', 'sll.hatype', 'sll.pkttype', 'sll.halen', 'sll.src.eth'],
    expected: [
      ['0x0800', '3', '1', '4', '6', '02:00:00:00:00:01'],
      ['0x86dd', '70000', '1', '0', '6', '02:00:00:00:00:02'],
      ['0x8847', '1', '1', '2', '6', '02:00:00:00:00:05'],
    ],
    protocols: ['sll:ethertype:ip:udp:data', 'sll:ethertype:ipv6:udp:data', 'sll:ethertype:mpls:ip:udp:data'],
  },
  {
    name: 'BSD loopback (0)',
    linkType: 0,
    specs: [
      `null/${UDP4}`,
      `null/${UDP6}`,
      `null(family=30)/${UDP6}`,
      `null(be=1)/${UDP4}`,
      `null(family=28,be=1)/${UDP6}`,
      // A value above 1500 is an EtherType (tshark's null.type), either byte order.
      'null/arp(op=1,psrc=192.0.2.1,pdst=192.0.2.2)',
      `null(be=1)/dot1q(vlan=7)/${UDP4}`,
    ],
    fields: ['null.family', 'null.type'],
    expected: [
      ['2', ''],
      ['24', ''],
      ['30', ''],
      ['2', ''],
      ['28', ''],
      ['', '0x0806'],
      ['', '0x8100'],
    ],
    protocols: [
      'null:ip:udp:data',
      'null:ipv6:udp:data',
      'null:ipv6:udp:data',
      'null:ip:udp:data',
      'null:ipv6:udp:data',
      'null:arp',
      'null:vlan:ethertype:ip:udp:data',
    ],
  },
  {
    name: 'OpenBSD loopback (108)',
    linkType: 108,
    // OpenBSD's loop has no EtherType fallback (Wireshark's dissect_loop): family 0x0806 is data.
    specs: [`loop/${UDP4}`, `loop/${UDP6}`, 'loop(family=0x0806)/raw(len=28)'],
    fields: ['null.family', 'null.type'],
    expected: [
      ['2', ''],
      ['24', ''],
      ['2054', ''],
    ],
    protocols: ['null:ip:udp:data', 'null:ipv6:udp:data', 'null:data'],
  },
];

const COMMON = [
  'frame.protocols',
  'ip.checksum.status',
  'udp.checksum.status',
  '_ws.malformed',
  '_ws.expert.message',
];

let dir: string;
const results = new Map<string, { rows: Record<string, string>[]; stderr: string }>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-linktypes-'));
  for (const c of CASES) {
    const frames = c.specs.map((spec) => encodePacket(parseSpec(spec)));
    const first = parseSpec(c.specs[0] ?? '')[0]?.layer ?? 'raw';
    const linkType = linkTypeForLayer(first);
    expect(linkType, c.name).toBe(c.linkType);
    const file = join(dir, `link-${c.linkType}.pcap`);
    const writer = createCaptureWriter(file, { format: 'pcap', linkType: c.linkType });
    frames.forEach((frame, i) => {
      writer.writePacket(frame, 1700000000 + i, 0);
    });
    writer.closeSync();
    const open = spawnSync('tshark', ['-n', '-r', file], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C', WIRESHARK_CONFIG_DIR: dir },
    });
    const stderr = open.stderr
      .split('\n')
      .filter((line) => line !== '' && !/Running as user "root"/.test(line))
      .join('\n');
    results.set(c.name, { rows: tsharkRows(file, [...COMMON, ...c.fields], CHECKSUM_OPTIONS), stderr });
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads our Linux cooked and loopback captures as meant', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const result = results.get(name);
    expect(result?.stderr).toBe('');
    const rows = result?.rows ?? [];
    expect(rows).toHaveLength(c.specs.length);
    rows.forEach((row, i) => {
      const frame = `frame ${i + 1}`;
      expect(row['frame.protocols'], frame).toBe(c.protocols[i]);
      expect(
        c.fields.map((field) => row[field]),
        frame,
      ).toEqual(c.expected[i]);
      expect(row['_ws.malformed'], frame).toBe('');
      expect(row['_ws.expert.message'], frame).toBe('');
      for (const status of ['ip.checksum.status', 'udp.checksum.status'])
        if (row[status] !== '') expect(row[status], `${frame} ${status}`).toBe('1');
      // Our decoder reads the same file's link type back to the same layers, no problem.
      const decoded = decodePacket(encodePacket(parseSpec(c.specs[i] ?? '')), { linkType: c.linkType });
      expect(decoded.problems, frame).toEqual([]);
      expect(decoded.layers.map((l) => l.layer).join('/'), frame).toBe(
        parseSpec(c.specs[i] ?? '')
          .map((l) => l.layer)
          .join('/'),
      );
    });
  });
});
