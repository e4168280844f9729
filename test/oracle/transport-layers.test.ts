/**
 * Oracle: tshark 4.0.17 reads UDP, TCP, GTP-U and VXLAN packets built by pktcraft and sees exactly the
 * fields that were meant, with IP/UDP/TCP checksum validation on (see shared/reference/tshark-oracle.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ether } from '../../src/layers/ethernet.js';
import { gtpu } from '../../src/layers/gtpu.js';
import { icmp } from '../../src/layers/icmp.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { raw } from '../../src/layers/raw.js';
import { tcp } from '../../src/layers/tcp.js';
import { udp } from '../../src/layers/udp.js';
import { vxlan } from '../../src/layers/vxlan.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { CHECKSUM_OPTIONS, tsharkRows } from '../tshark.js';
import { writeEthernetPcap } from './pcap-file.js';

const INNER4 = { src: '10.0.0.1', dst: '10.0.0.2' };

/** Each packet, in frame order (frame number = index + 1). Ports 45678/33333 are clean in tshark. */
const PACKETS: LayerValue[][] = [
  // 1: G-PDU with a DL PDU Session Container (PPP, RQI, QFI 9, PPI 5)
  [
    ether(),
    ipv4(),
    udp(),
    gtpu({ teid: 0x11223344, qfi: 9, ppp: 1, rqi: 1, ppi: 5 }),
    ipv4(INNER4),
    icmp(),
    raw('hello'),
  ],
  // 2: UL container, S and PN, IPv6 inside
  [
    ether(),
    ipv4(),
    udp(),
    gtpu({ teid: 2, pdu_type: 1, qfi: 5, seq: 0x1234, npdu: 3 }),
    ipv6({ src: '2001:db8::10', dst: '2001:db8::20' }),
    udp({ sport: 1000, dport: 2000 }),
    raw('x'),
  ],
  // 3: UDP Port, unknown 0x99 (len 2) and PDU Session Container chained
  [
    ether(),
    ipv4(),
    udp(),
    gtpu({
      teid: 3,
      extensions: [
        { type: 0x40, udp_port: 2152 },
        { type: 0x99, content: 'aabbccddeeff' },
        { type: 0x85, qfi: 1 },
      ],
    }),
    ipv4(INNER4),
    icmp(),
  ],
  // 4: Error Indication with TEID Data I and GTP-U Peer Address IEs
  [ether(), ipv4(), udp(), gtpu({ type: 26, seq: 0 }), raw({ data: '1011223344850004c0000201' })],
  // 5: Supported Extension Headers Notification with an Extension Header Type List
  [ether(), ipv4(), udp(), gtpu({ type: 31, seq: 0 }), raw({ data: '8d024085' })],
  // 6: Echo Response with Recovery
  [ether(), ipv4(), udp(), gtpu({ type: 2, seq: 1 }), raw({ data: '0e07' })],
  // 7: VXLAN over IPv6, inner SYN with every option
  [
    ether(),
    ipv6(),
    udp(),
    vxlan({ vni: 0xabcdef }),
    ether({ src: '02:00:00:00:01:01', dst: '02:00:00:00:01:02' }),
    ipv4(INNER4),
    tcp({ sport: 45678, dport: 33333, flags: 'S', mss: 1460, sackok: 1, tsval: 1, wscale: 7 }),
  ],
  // 8: SYN-ACK without timestamps
  [ether(), ipv4(), tcp({ sport: 45600, dport: 33333, flags: 'SA', mss: 1400, sackok: 1, wscale: 7 })],
  // 9: ACK with timestamps and three SACK blocks over IPv6
  [
    ether(),
    ipv6(),
    tcp({
      sport: 45679,
      dport: 33333,
      flags: 'A',
      seq: 100,
      ack: 200,
      tsval: 100,
      tsecr: 200,
      sack: '1000-2000;3000-4000;5000-6000',
    }),
    raw({ len: 10 }),
  ],
  // 10: every flag, unknown option kind kept
  [ether(), ipv4(), tcp({ sport: 45670, dport: 33333, flags: 'FSRPAUECN', options: 'fe06abcdef010101' })],
  // 11: deliberately bad UDP checksum
  [ether(), ipv4(), udp({ sport: 45678, dport: 33333, chksum: 0x1234 }), raw('bad')],
  // 12: UDP over IPv6
  [ether(), ipv6(), udp({ sport: 45678, dport: 33333 }), raw('good')],
  // 13: deliberately bad TCP checksum
  [ether(), ipv4(), tcp({ sport: 45671, dport: 33333, chksum: 0x1234 })],
  // 14: VXLAN with the I flag cleared
  [ether(), ipv4(), udp(), vxlan({ flags: 0, vni: 7 }), ether(), ipv4(), icmp()],
];

const FIELDS = [
  'frame.protocols',
  'udp.srcport',
  'udp.dstport',
  'udp.checksum.status',
  'tcp.checksum.status',
  'gtp.flags',
  'gtp.message',
  'gtp.length',
  'gtp.teid',
  'gtp.seq_number',
  'gtp.npdu_number',
  'gtp.ext_hdr.next',
  'gtp.ext_hdr.length',
  'gtp.ext_hdr.pdu_ses_con.pdu_type',
  'gtp.ext_hdr.pdu_ses_con.qos_flow_id',
  'gtp.ext_hdr.pdu_ses_cont.ppp',
  'gtp.ext_hdr.pdu_ses_cont.rqi',
  'gtp.ext_hdr.pdu_ses_cont.ppi',
  'gtp.ext_hdr.udp_port',
  'gtp.recovery',
  'gtp.teid_data',
  'gtp.gsn_ipv4',
  'gtp.num_ext_hdr_types',
  'gtp.ext_hdr_type',
  'vxlan.flags',
  'vxlan.vni',
  'tcp.flags',
  'tcp.hdr_len',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.sack_perm',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
  'tcp.options.sack.count',
  'tcp.option_kind',
  '_ws.malformed',
  '_ws.expert.message',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

let dir: string;
let rows: Row[];
let frames: Uint8Array[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-transport-'));
  frames = PACKETS.map((layers) => encodePacket(layers));
  const file = join(dir, 'transport.pcap');
  writeEthernetPcap(file, frames);
  rows = tsharkRows(file, FIELDS, CHECKSUM_OPTIONS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const row = (frame: number): Row => rows[frame - 1]!;

describe('tshark reads our UDP/TCP/GTP-U/VXLAN packets as meant', () => {
  it('has one row per packet and no malformed packet', () => {
    expect(rows).toHaveLength(PACKETS.length);
    for (const r of rows) expect(r['_ws.malformed']).toBe('');
  });

  it('G-PDU with a DL PDU Session Container', () => {
    const r = row(1);
    expect(r['frame.protocols']).toBe('eth:ethertype:ip:udp:gtp:ip:icmp:data');
    expect([r['udp.srcport'], r['udp.dstport'], r['udp.checksum.status']]).toEqual(['2152', '2152', '1']);
    expect(r['gtp.flags']).toBe('0x34');
    expect(r['gtp.teid']).toBe('0x11223344');
    expect(r['gtp.length']).toBe(String(frames[0]!.length - 42 - 8));
    expect(r['gtp.ext_hdr.next']).toBe('0x85;0x00');
    expect(r['gtp.ext_hdr.length']).toBe('2');
    expect(r['gtp.ext_hdr.pdu_ses_con.pdu_type']).toBe('0');
    expect(r['gtp.ext_hdr.pdu_ses_con.qos_flow_id']).toBe('9');
    expect([
      r['gtp.ext_hdr.pdu_ses_cont.ppp'],
      r['gtp.ext_hdr.pdu_ses_cont.rqi'],
      r['gtp.ext_hdr.pdu_ses_cont.ppi'],
    ]).toEqual(['1', '1', '5']);
    expect(r['_ws.expert.message']).toBe('');
  });

  it('UL container with S and PN, IPv6 payload', () => {
    const r = row(2);
    expect(r['frame.protocols']).toBe('eth:ethertype:ip:udp:gtp:ipv6:udp:data');
    expect(r['gtp.flags']).toBe('0x37');
    expect(r['gtp.seq_number']).toBe('0x1234');
    expect(r['gtp.npdu_number']).toBe('0x03');
    expect(r['gtp.ext_hdr.pdu_ses_con.pdu_type']).toBe('1');
    expect(r['gtp.ext_hdr.pdu_ses_con.qos_flow_id']).toBe('5');
    expect(r['udp.checksum.status']).toBe('1;1');
  });

  it('an extension chain with UDP Port, an unknown type and a PDU Session Container', () => {
    const r = row(3);
    expect(r['frame.protocols']).toBe('eth:ethertype:ip:udp:gtp:ip:icmp');
    expect(r['gtp.ext_hdr.next']).toBe('0x40;0x99;0x85;0x00');
    expect(r['gtp.ext_hdr.length']).toBe('1;2;1');
    expect(r['gtp.ext_hdr.udp_port']).toBe('2152');
    expect(r['gtp.ext_hdr.pdu_ses_con.qos_flow_id']).toBe('1');
  });

  it('signalling messages and their IEs', () => {
    expect(row(4)['gtp.message']).toBe('0x1a');
    expect(row(4)['gtp.teid_data']).toBe('0x11223344');
    expect(row(4)['gtp.gsn_ipv4']).toBe('192.0.2.1');
    expect(row(5)['gtp.num_ext_hdr_types']).toBe('2');
    expect(row(5)['gtp.ext_hdr_type']).toBe('64;133');
    expect(row(6)['gtp.recovery']).toBe('7');
    for (const frame of [4, 5, 6]) expect(row(frame)['_ws.expert.message']).toBe('');
  });

  it('VXLAN over IPv6 with a Linux-style SYN inside', () => {
    const r = row(7);
    expect(r['frame.protocols']).toBe('eth:ethertype:ipv6:udp:vxlan:eth:ethertype:ip:tcp');
    expect(r['udp.dstport']).toBe('4789');
    const sport = Number(r['udp.srcport']);
    expect(sport).toBeGreaterThanOrEqual(32768);
    expect(sport).toBeLessThan(60999);
    expect(r['udp.checksum.status']).toBe('1');
    expect(r['vxlan.flags']).toBe('0x0800');
    expect(r['vxlan.vni']).toBe(String(0xabcdef));
    expect(r['tcp.checksum.status']).toBe('1');
    expect(r['tcp.option_kind']).toBe('2;4;8;1;3');
    expect([
      r['tcp.options.mss_val'],
      r['tcp.options.wscale.shift'],
      r['tcp.options.timestamp.tsval'],
    ]).toEqual(['1460', '7', '1']);
    expect(r['tcp.hdr_len']).toBe('40');
  });

  it('TCP option layouts without timestamps and with SACK blocks', () => {
    expect(row(8)['tcp.flags']).toBe('0x0012');
    expect(row(8)['tcp.option_kind']).toBe('2;1;1;4;1;3');
    expect(row(8)['tcp.checksum.status']).toBe('1');
    const r = row(9);
    expect(r['tcp.option_kind']).toBe('1;1;8;1;1;5');
    expect(r['tcp.options.timestamp.tsecr']).toBe('200');
    expect(r['tcp.options.sack.count']).toBe('3');
    expect(r['tcp.checksum.status']).toBe('1');
  });

  it('every TCP flag including AE, and an unknown option kind', () => {
    const r = row(10);
    expect(r['tcp.flags']).toBe('0x01ff');
    expect(r['tcp.option_kind']).toBe('254;1;1');
    expect(r['tcp.checksum.status']).toBe('1');
  });

  it('deliberately wrong checksums are bad; good ones over IPv6 are good', () => {
    expect(row(11)['udp.checksum.status']).toBe('0');
    expect(row(11)['_ws.expert.message']).toMatch(/Bad checksum \[should be 0x[0-9a-f]{4}\]/);
    expect(row(12)['udp.checksum.status']).toBe('1');
    expect(row(13)['tcp.checksum.status']).toBe('0');
    // Our decoder says the same value tshark says it should be.
    const expected = /should be (0x[0-9a-f]{4})/.exec(row(13)['_ws.expert.message'])![1]!;
    const problems = decodePacket(frames[12]!).problems;
    expect(problems.map((p) => p.message)).toEqual([`bad checksum 0x1234, should be ${expected}`]);
  });

  it('VXLAN without the I flag still shows the VNI and the inner frame', () => {
    const r = row(14);
    expect(r['frame.protocols']).toBe('eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp');
    expect(r['vxlan.flags']).toBe('0x0000');
    expect(r['vxlan.vni']).toBe('7');
  });

  it('our decoder agrees: every packet decodes without unexpected problems and re-encodes byte-exact', () => {
    frames.forEach((frame, i) => {
      const packet = decodePacket(frame);
      const expectedProblems = i === 10 || i === 12 ? ['bad-checksum'] : i === 13 ? ['bad-value'] : [];
      expect(
        packet.problems.map((p) => p.kind),
        `frame ${i + 1}`,
      ).toEqual(expectedProblems);
      const again = encodePacket(
        packet.layers.map((l) => ({
          layer: l.layer,
          fields: l.fields,
          ...(l.trailer ? { trailer: l.trailer } : {}),
        })),
      );
      expect(Buffer.from(again).equals(Buffer.from(frame)), `frame ${i + 1}`).toBe(true);
    });
  });
});
