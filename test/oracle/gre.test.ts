/**
 * Oracle: tshark 4.0.17 reads pktcraft's GRE (RFC 2784 with RFC 2890 key and sequence number) as
 * meant: flags and version, protocol type, key, sequence number, checksum and its status (tshark
 * always verifies GRE checksums), over IPv4 and IPv6 (IP protocol 47), carrying IPv4, IPv6,
 * Ethernet (0x6558) and MPLS; with IPv4/UDP/TCP checksum validation on, no malformed packet and
 * only the expert item meant (the deliberately bad checksum).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CHECKSUM_OPTIONS, tsharkRows } from '../tshark.js';
import { writeEthernetPcap } from './pcap-file.js';

const V4 = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)';
const INNER4 = 'ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(sport=45678,dport=45679)/raw(len=24)';

interface Case {
  spec: string;
  protocols: string;
  /** gre.flags_and_version, gre.proto, gre.key, gre.sequence_number, gre.checksum, gre.checksum.status */
  gre: [string, string, string, string, string, string];
  expert?: string;
}

/** Each packet, in frame order (frame number = index + 1); the values written from what the RFCs mean. */
const CASES: Case[] = [
  {
    spec: `${V4}/gre/${INNER4}`,
    protocols: 'eth:ethertype:ip:gre:ip:udp:data',
    gre: ['0x0000', '0x0800', '', '', '', ''],
  },
  {
    // K and S: flags 0x3000 (RFC 2890 §2).
    spec: `${V4}/gre(key=0x1234abcd,seq=42)/${INNER4}`,
    protocols: 'eth:ethertype:ip:gre:ip:udp:data',
    gre: ['0x3000', '0x0800', '0x1234abcd', '42', '', ''],
  },
  {
    // C, K, S: the checksum computed over header and payload (status 1 = good).
    spec: `${V4}/gre(c=1,key=7,seq=1)/ipv6(src=2001:db8::1,dst=2001:db8::2)/udp(sport=45678,dport=45679)/raw(len=16)`,
    protocols: 'eth:ethertype:ip:gre:ipv6:udp:data',
    gre: ['0xb000', '0x86dd', '0x00000007', '1', 'computed', '1'],
  },
  {
    // Transparent Ethernet bridging over IPv6 (next header 47).
    spec: `ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/gre(key=100)/ether(src=02:00:00:00:01:01,dst=02:00:00:00:01:02)/${INNER4}`,
    protocols: 'eth:ethertype:ipv6:gre:eth:ethertype:ip:udp:data',
    gre: ['0x2000', '0x6558', '0x00000064', '', '', ''],
  },
  {
    // MPLS over GRE (protocol type 0x8847).
    spec: `${V4}/gre(c=1)/mpls(label=16004)/${INNER4}`,
    protocols: 'eth:ethertype:ip:gre:mpls:ip:udp:data',
    gre: ['0x8000', '0x8847', '', '', 'computed', '1'],
  },
  {
    // A deliberately wrong checksum: tshark must flag it (status 0 = bad).
    spec: `${V4}/gre(chksum=0x1234)/${INNER4}`,
    protocols: 'eth:ethertype:ip:gre:ip:udp:data',
    gre: ['0x8000', '0x0800', '', '', '0x1234', '0'],
    expert: 'Incorrect GRE Checksum',
  },
];

const FIELDS = [
  'frame.protocols',
  'gre.flags_and_version',
  'gre.proto',
  'gre.key',
  'gre.sequence_number',
  'gre.checksum',
  'gre.checksum.status',
  'gre.flags.checksum',
  'gre.flags.key',
  'gre.flags.sequence_number',
  'ip.proto',
  'ipv6.nxt',
  'ip.checksum.status',
  'udp.checksum.status',
  '_ws.malformed',
  '_ws.expert.message',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

let dir: string;
let rows: Row[];
const frames = CASES.map(({ spec }) => encodePacket(parseSpec(spec)));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-gre-'));
  const file = join(dir, 'gre.pcap');
  writeEthernetPcap(file, frames);
  rows = tsharkRows(file, FIELDS, CHECKSUM_OPTIONS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads our GRE packets as meant', () => {
  it('has one row per packet, no malformed packet and only the expert item meant', () => {
    expect(rows).toHaveLength(CASES.length);
    rows.forEach((row, i) => {
      expect(row['_ws.malformed'], `frame ${i + 1}`).toBe('');
      // For the bad checksum, the value tshark says it should be is the one our decoder expects.
      const expected = decodePacket(frames[i] ?? new Uint8Array(0)).problems.find(
        (p) => p.field === 'chksum',
      )?.expected;
      const expert = CASES[i]?.expert;
      expect(row['_ws.expert.message'], `frame ${i + 1}`).toBe(
        expert === undefined
          ? ''
          : `${expert} [should be 0x${Number(expected).toString(16).padStart(4, '0')}]`,
      );
    });
  });

  it.each(CASES.map((c, i) => [i + 1, c] as const))('frame %i: GRE field by field', (frame, c) => {
    const row = rows[frame - 1];
    const decoded = decodePacket(frames[frame - 1] ?? new Uint8Array(0));
    const layer = decoded.layers.find((l) => l.layer === 'gre');
    if (layer?.layer !== 'gre') throw new Error('no GRE layer decoded');
    // 'computed': the checksum our encoder filled; tshark must show the same value and call it good.
    const checksum =
      c.gre[4] === 'computed' ? `0x${(layer.fields.chksum ?? -1).toString(16).padStart(4, '0')}` : c.gre[4];
    expect(row?.['frame.protocols']).toBe(c.protocols);
    expect([
      row?.['gre.flags_and_version'],
      row?.['gre.proto'],
      row?.['gre.key'],
      row?.['gre.sequence_number'],
      row?.['gre.checksum'],
      row?.['gre.checksum.status'],
    ]).toEqual([c.gre[0], c.gre[1], c.gre[2], c.gre[3], checksum, c.gre[5]]);
    // The flag bits as tshark splits them agree with our decoded c/k/s.
    expect([row?.['gre.flags.checksum'], row?.['gre.flags.key'], row?.['gre.flags.sequence_number']]).toEqual(
      [String(layer.fields.c), String(layer.fields.k), String(layer.fields.s)],
    );
    const outer = c.spec.startsWith('ether/ipv6') ? row?.['ipv6.nxt'] : row?.['ip.proto'];
    expect(outer?.split(';')[0]).toBe('47');
    for (const field of ['ip.checksum.status', 'udp.checksum.status'] as const)
      for (const status of (row?.[field] ?? '').split(';'))
        if (status !== '') expect(status, field).toBe('1');
    expect(layer.info.checksum).toBe(c.gre[5] === '' ? 'none' : c.gre[5] === '1' ? 'good' : 'bad');
  });
});
