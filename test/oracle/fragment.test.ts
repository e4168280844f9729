/**
 * Oracle: tshark 4.0.17 reads pktcraft's fragments as meant and reassembles them (its IPv4 and IPv6
 * reassembly is on by default): `ip.frag_offset`, `ip.flags.mf`, `ipv6.fraghdr.offset` and
 * `ipv6.fraghdr.more` (4.0.17's names for the IPv6 fragment header) per fragment, and with two
 * passes (`-2`) `ip.reassembled_in` / `ipv6.reassembled.in` naming the frame our Reassembler
 * completes the datagram at, with the same reassembled length. Checksum validation is on (the IPv4
 * header of every fragment, UDP/TCP over the reassembled datagram); no expert item at Warning or
 * above and no malformed packet. The overlapping order gives tshark's `ip.fragment.overlap`
 * (same bytes: no conflict, no warning).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { type FragmentOrder, fragment } from '../../src/packet/fragment.js';
import { Reassembler } from '../../src/packet/reassemble.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CHECKSUM_OPTIONS, tsharkRows } from '../tshark.js';
import { writeEthernetPcap } from './pcap-file.js';

const V4 = 'ipv4(src=192.0.2.1,dst=192.0.2.2';
const V6 = 'ipv6(src=2001:db8::1,dst=2001:db8::2)';
const UDP = 'udp(sport=45678,dport=45679)';
const DATAGRAMS: { spec: string; mtu: number; order?: FragmentOrder }[] = [
  { spec: `ether/${V4},id=1)/${UDP}/raw(len=3000)`, mtu: 1500 },
  { spec: `ether/${V4},id=2)/${UDP}/raw(len=1200)`, mtu: 576, order: 'reversed' },
  { spec: `ether/${V4},id=3)/${UDP}/raw(len=300)`, mtu: 120, order: 'overlapping' },
  // Router Alert (copied) and a NOP: later fragments repeat only the Router Alert.
  { spec: `ether/${V4},id=4,options=0x0194040000)/${UDP}/raw(len=500)`, mtu: 200 },
  { spec: `ether/${V4},id=5)/tcp(sport=45678,dport=45679,flags=A,seq=1,ack=1)/raw(len=2000)`, mtu: 1000 },
  { spec: `ether/${V6}/${UDP}/raw(len=3000)`, mtu: 1280 },
  { spec: `ether/${V6}/ipv6hop/${UDP}/raw(len=2000)`, mtu: 1280, order: 'reversed' },
  { spec: `ether/${V6}/ipv6frag(id=0x77)/${UDP}/raw(len=2500)`, mtu: 1280, order: 'overlapping' },
];

const FIELDS = [
  'frame.number',
  'ip.frag_offset',
  'ip.flags.mf',
  'ip.reassembled_in',
  'ip.reassembled.length',
  'ip.fragment.overlap',
  'ip.fragment.overlap.conflict',
  'ipv6.fragment.overlap',
  'ipv6.fragment.overlap.conflict',
  'ip.checksum.status',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'ipv6.reassembled.in',
  'ipv6.reassembled.length',
  'udp.checksum.status',
  'tcp.checksum.status',
  '_ws.expert.severity',
  '_ws.malformed',
] as const;

describe('tshark oracle: fragments and reassembly', () => {
  let dir: string;
  let rows: Record<(typeof FIELDS)[number], string>[];
  const frames: Uint8Array[] = [];
  /** Per datagram, its frame numbers (1-based). */
  const groups: number[][] = [];
  /** Frame number → what each fragment is, from our own fragment stacks. */
  const expected: { offset: number; more: number; v6: boolean }[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pktcraft-frag-'));
    for (const { spec, mtu, order } of DATAGRAMS) {
      const group: number[] = [];
      for (const stack of fragment(parseSpec(spec), mtu, order ? { order } : {})) {
        const bytes = encodePacket(stack).slice();
        frames.push(bytes);
        group.push(frames.length);
        const ip = stack.find((l) => l.layer === 'ipv4' || l.layer === 'ipv6frag')!;
        const fields = ip.fields as { frag?: number; offset?: number; flags?: number; m?: number };
        expected.push(
          ip.layer === 'ipv4'
            ? { offset: (fields.frag ?? 0) * 8, more: (fields.flags ?? 0) & 1, v6: false }
            : { offset: fields.offset ?? 0, more: fields.m ?? 0, v6: true },
        );
      }
      groups.push(group);
    }
    const file = join(dir, 'fragments.pcap');
    writeEthernetPcap(file, frames);
    rows = tsharkRows(file, FIELDS, ['-2', ...CHECKSUM_OPTIONS]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows every fragment with our offset and more-fragments flag', () => {
    expect(rows).toHaveLength(frames.length);
    rows.forEach((row, i) => {
      const want = expected[i]!;
      if (want.v6) {
        // ipv6.fraghdr.offset is in 8-octet units, as the field.
        expect([row['ipv6.fraghdr.offset'], row['ipv6.fraghdr.more']]).toEqual([
          String(want.offset),
          String(want.more),
        ]);
      } else {
        // ip.frag_offset is in 8-octet units, as the field.
        expect([row['ip.frag_offset'], row['ip.flags.mf']]).toEqual([
          String(want.offset / 8),
          String(want.more),
        ]);
        expect(row['ip.checksum.status']).toBe('1');
      }
    });
  });

  it('reassembles each datagram in the frame our Reassembler completes it, to the same length', () => {
    const reassembler = new Reassembler();
    const ours = new Map<number, number>();
    frames.forEach((bytes, i) => {
      const result = reassembler.push(decodePacket(bytes), bytes, 1700000000 + i, i + 1);
      if (result.reassembled) {
        // tshark's reassembled length counts the payload after the IP header / fragment header.
        const whole = result.reassembled;
        const header = whole.packet.layers[0]!.layer === 'ipv4' ? whole.packet.layers[0]!.headerLength : 40;
        const unfragmentable = whole.packet.layers
          .slice(1)
          .filter((l) => l.layer === 'ipv6hop')
          .reduce((sum, l) => sum + l.headerLength, 0);
        ours.set(i + 1, whole.bytes.length - header - unfragmentable);
      }
    });
    expect(reassembler.flush()).toEqual([]);
    expect(ours.size).toBe(DATAGRAMS.length);
    for (const group of groups) {
      const completing = group.find((number) => ours.has(number))!;
      expect(completing).toBeDefined();
      const row = rows[completing - 1]!;
      const length = row['ip.reassembled.length'] || row['ipv6.reassembled.length'];
      expect(Number(length)).toBe(ours.get(completing));
      for (const number of group) {
        if (number === completing) continue;
        const r = rows[number - 1]!;
        expect(r['ip.reassembled_in'] || r['ipv6.reassembled.in']).toBe(String(completing));
      }
      // The upper layer's checksum, computed over the whole datagram, verifies after reassembly.
      expect(row['udp.checksum.status'] || row['tcp.checksum.status']).toBe('1');
    }
  });

  it('flags the overlapping order as an overlap (same bytes), nothing else', () => {
    for (const [index, prefix] of [
      [2, 'ip'],
      [7, 'ipv6'],
    ] as const) {
      const group = groups[index]!;
      const last = rows[group[group.length - 1]! - 1]!;
      expect(last[`${prefix}.fragment.overlap`].split(';')).toEqual(group.slice(1).map(() => '1'));
      expect(last[`${prefix}.fragment.overlap.conflict`]).toBe('');
    }
    const others = groups.filter((_, i) => i !== 2 && i !== 7).flat();
    for (const n of others)
      expect(rows[n - 1]!['ip.fragment.overlap'] + rows[n - 1]!['ipv6.fragment.overlap']).toBe('');
    for (const row of rows) {
      expect(row['_ws.malformed'], `frame ${row['frame.number']}`).toBe('');
      const severities = row['_ws.expert.severity'].split(';').filter(Boolean).map(Number);
      expect(
        severities.filter((s) => s >= 6291456),
        `frame ${row['frame.number']}`,
      ).toEqual([]);
    }
  });

  it('agrees with tshark on an overlap with different bytes (its conflict, our overlap-conflict)', () => {
    const list = fragment(parseSpec(`ether/${V4},id=9)/${UDP}/raw(len=200)`), 120, {
      order: 'overlapping',
    }).map((stack) => encodePacket(stack).slice());
    // Change the first repeated byte of the second fragment (its IPv4 checksum covers only the header).
    list[1]![14 + 20] = list[1]![14 + 20]! ^ 0xff;
    const file = join(dir, 'conflict.pcap');
    writeEthernetPcap(file, list);
    const conflictRows = tsharkRows(file, ['ip.fragment.overlap.conflict', 'ip.checksum.status'] as const, [
      '-2',
      ...CHECKSUM_OPTIONS,
    ]);
    expect(conflictRows.map((row) => row['ip.fragment.overlap.conflict'])).toEqual(['', '', '1']);
    expect(conflictRows.every((row) => row['ip.checksum.status'] === '1')).toBe(true);
    const reassembler = new Reassembler();
    const reasons = list.flatMap((bytes, i) =>
      reassembler.push(decodePacket(bytes), bytes, 0, i + 1).problems.map((p) => p.reason),
    );
    expect(reasons).toEqual(['overlap-conflict', 'overlap']);
  });
});
