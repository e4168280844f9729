/**
 * Oracle: tshark 4.0.17 reads pktcraft's MPLS label stacks (RFC 3032) as meant: every label entry
 * field by field (`mpls.label`, `mpls.exp`, `mpls.bottom`, `mpls.ttl`; 4.0.17 still calls TC "exp"),
 * the payload after the bottom label by its first nibble, EtherType 0x8847 and 0x8848, with IPv4,
 * UDP and TCP checksum validation on, no malformed packet and no expert item.
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

const V4 = 'ipv4(src=192.0.2.1,dst=192.0.2.2)';
/** Each packet, in frame order (frame number = index + 1), with what tshark must show. */
const CASES: { spec: string; protocols: string; label: string; exp: string; bottom: string; ttl: string }[] =
  [
    {
      // An SR-MPLS prefix SID label (16004 in the default SRGB 16000-23999) over IPv4/UDP.
      spec: `ether/mpls(label=16004)/${V4}/udp(sport=45678,dport=45679)/raw(len=40)`,
      protocols: 'eth:ethertype:mpls:ip:udp:data',
      label: '16004',
      exp: '0',
      bottom: '1',
      ttl: '64',
    },
    {
      // Three labels (transport, service, bottom), each TC and TTL its own; S only on the last.
      spec: `ether/mpls(label=16004,tc=5,ttl=250)/mpls(label=100,tc=3)/mpls(label=200,ttl=1)/${V4}/icmp(id=1,seq=1)/raw(len=32)`,
      protocols: 'eth:ethertype:mpls:ip:icmp:data',
      label: '16004;100;200',
      exp: '5;3;0',
      bottom: '0;0;1',
      ttl: '250;64;1',
    },
    {
      // IPv6 explicit null (label 2) over IPv6/UDP.
      spec: 'ether/mpls(label=2)/ipv6(src=2001:db8::1,dst=2001:db8::2)/udp(sport=45678,dport=45679)/raw(len=16)',
      protocols: 'eth:ethertype:mpls:ipv6:udp:data',
      label: '2',
      exp: '0',
      bottom: '1',
      ttl: '64',
    },
    {
      // Multicast MPLS: EtherType 0x8848 when the user sets it.
      spec: `ether(type=0x8848)/mpls(label=300,tc=1)/${V4}/tcp(sport=45678,dport=45679,flags=S)/raw(len=24)`,
      protocols: 'eth:ethertype:mpls:ip:tcp:data',
      label: '300',
      exp: '1',
      bottom: '1',
      ttl: '64',
    },
    {
      // Behind an 802.1Q tag, the largest label and TC.
      spec: `ether/dot1q(vlan=10)/mpls(label=1048575,tc=7,ttl=255)/mpls(label=16,ttl=0)/${V4}/udp(sport=33333,dport=45679)/raw(len=20)`,
      protocols: 'eth:ethertype:vlan:ethertype:mpls:ip:udp:data',
      label: '1048575;16',
      exp: '7;0',
      bottom: '0;1',
      ttl: '255;0',
    },
  ];

const FIELDS = [
  'frame.protocols',
  'eth.type',
  'mpls.label',
  'mpls.exp',
  'mpls.bottom',
  'mpls.ttl',
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  '_ws.malformed',
  '_ws.expert.message',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

let dir: string;
let rows: Row[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-mpls-'));
  const file = join(dir, 'mpls.pcap');
  writeEthernetPcap(
    file,
    CASES.map(({ spec }) => encodePacket(parseSpec(spec))),
  );
  rows = tsharkRows(file, FIELDS, CHECKSUM_OPTIONS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads our MPLS label stacks as meant', () => {
  it('has one row per packet, no malformed packet and only the expert item meant (the SYN chat)', () => {
    expect(rows).toHaveLength(CASES.length);
    const expected: Record<number, string> = { 4: 'Connection establish request (SYN): server port 45679' };
    rows.forEach((row, i) => {
      expect(row['_ws.malformed'], `frame ${i + 1}`).toBe('');
      expect(row['_ws.expert.message'], `frame ${i + 1}`).toBe(expected[i + 1] ?? '');
    });
  });

  it.each(CASES.map((c, i) => [i + 1, c] as const))(
    'frame %i: every label entry field by field',
    (frame, c) => {
      const row = rows[frame - 1];
      expect(row?.['frame.protocols']).toBe(c.protocols);
      expect([row?.['mpls.label'], row?.['mpls.exp'], row?.['mpls.bottom'], row?.['mpls.ttl']]).toEqual([
        c.label,
        c.exp,
        c.bottom,
        c.ttl,
      ]);
      // The inner checksums tshark validated (1 = good; 0 bad, 2 unverified).
      for (const field of ['ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status'] as const)
        if (row?.[field] !== '') expect(row?.[field], field).toBe('1');
      // Our decoder agrees with tshark on the stack.
      const decoded = decodePacket(encodePacket(parseSpec(c.spec)));
      expect(decoded.problems).toEqual([]);
      const labels = decoded.layers.flatMap((layer) => (layer.layer === 'mpls' ? [layer.fields.label] : []));
      expect(labels.join(';')).toBe(c.label);
    },
  );

  it('EtherType 0x8847 by default, 0x8848 when set', () => {
    expect(rows.map((row) => row['eth.type'])).toEqual(['0x8847', '0x8847', '0x8847', '0x8848', '0x8100']);
  });
});
