/**
 * Oracle: tshark 4.0.17 reads 802.1Q/802.1ad, ARP, IPv4 (options, fragments), IPv6 with extension
 * headers, ICMP and ICMPv6 packets built by pktcraft and sees exactly the fields that were meant,
 * with IPv4 checksum validation on (ICMP/ICMPv6 checksums are always validated by tshark).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arp } from '../../src/layers/arp.js';
import { ether } from '../../src/layers/ethernet.js';
import { icmp } from '../../src/layers/icmp.js';
import { icmpv6 } from '../../src/layers/icmpv6.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { ipv6dest, ipv6frag, ipv6hop, ipv6route } from '../../src/layers/ipv6-ext.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { raw } from '../../src/layers/raw.js';
import { dot1q } from '../../src/layers/vlan.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { tsharkRows } from '../tshark.js';
import { writeEthernetPcap } from './pcap-file.js';

const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };
const router4 = { src: '192.0.2.254', dst: '192.0.2.1' };
const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };

/** Each packet, in frame order (frame number = index + 1). */
const PACKETS: LayerValue[][] = [
  // 1: one 802.1Q tag
  [ether(), dot1q({ vlan: 100, pcp: 5, dei: 1 }), ipv4(v4), icmp({ id: 1, seq: 1 }), raw('hello')],
  // 2: 802.1ad S-tag + two C-tags, IPv6 inside
  [
    ether(),
    dot1q({ vlan: 10, pcp: 2 }),
    dot1q({ vlan: 20 }),
    dot1q({ vlan: 30 }),
    ipv6(v6),
    icmpv6({ id: 2, seq: 3 }),
  ],
  // 3-4: ARP request and reply
  [ether({ dst: 'ff:ff:ff:ff:ff:ff' }), arp()],
  [
    ether(),
    arp({
      op: 2,
      hwsrc: '02:00:00:00:00:02',
      psrc: '192.0.2.2',
      hwdst: '02:00:00:00:00:01',
      pdst: '192.0.2.1',
    }),
  ],
  // 5: DSCP/ECN, DF, record route + NOP + timestamp options
  [
    ether(),
    ipv4({
      ...v4,
      dscp: 46,
      ecn: 1,
      flags: 'DF',
      ttl: 30,
      options: '070b04c6336401c633640201440c0d01c6336403000003e8',
    }),
    icmp(),
  ],
  // 6: router alert option
  [ether(), ipv4({ ...v4, options: '94040000' }), icmp({ type: 0, id: 9, seq: 9 })],
  // 7: first fragment (MF)
  [ether(), ipv4({ ...v4, flags: 'MF', id: 77 }), raw({ len: 32 })],
  // 8: deliberately bad IPv4 checksum
  [ether(), ipv4({ ...v4, chksum: 0x1234 }), icmp()],
  // 9: deliberately bad ICMP checksum
  [ether(), ipv4(v4), icmp({ chksum: 0xdead })],
  // 10: fragmentation needed, quoting IPv4/ICMP
  [
    ether(),
    ipv4(router4),
    icmp({ type: 3, code: 4, mtu: 1400 }),
    ipv4({ ...v4, flags: 'DF' }),
    icmp({ id: 5, seq: 6 }),
  ],
  // 11: time exceeded
  [ether(), ipv4(router4), icmp({ type: 11 }), ipv4({ ...v4, ttl: 10 }), icmp({ id: 5, seq: 6 })],
  // 12: redirect
  [ether(), ipv4(router4), icmp({ type: 5, code: 1, gw: '192.0.2.253' }), ipv4(v4), icmp()],
  // 13: parameter problem pointing at an option
  [ether(), ipv4(router4), icmp({ type: 12, ptr: 20 }), ipv4({ ...v4, options: '01010100' }), icmp()],
  // 14: hop-by-hop, destination options, routing (SRH, segleft 0), fragment, ICMPv6
  [
    ether(),
    ipv6(v6),
    ipv6hop({ options: '05020000' }),
    ipv6dest(),
    ipv6route({ type: 4, addresses: ['2001:db8::2'], segleft: 0 }),
    ipv6frag({ id: 0xabcdef01 }),
    icmpv6({ id: 3, seq: 4 }),
  ],
  // 15: SRH with segments left: the checksum uses the final destination (Segment List[0])
  [ether(), ipv6(v6), ipv6route({ type: 4, addresses: ['2001:db8::30', '2001:db8::2'] }), icmpv6()],
  // 16: a later IPv6 fragment
  [ether(), ipv6(v6), ipv6frag({ offset: 100, m: 1, id: 5 }), raw({ len: 16 })],
  // 17: neighbour solicitation with the source link-layer address
  [
    ether(),
    ipv6({ src: 'fe80::1', dst: 'ff02::1:ff00:2', hlim: 255 }),
    icmpv6({ type: 135, target: 'fe80::2', lladdr: '02:00:00:00:00:01' }),
  ],
  // 18: neighbour advertisement, S and O
  [
    ether(),
    ipv6({ src: 'fe80::2', dst: 'fe80::1', hlim: 255 }),
    icmpv6({ type: 136, flags: 'SO', target: 'fe80::2', lladdr: '02:00:00:00:00:02' }),
  ],
  // 19: packet too big quoting IPv6/ICMPv6
  [ether(), ipv6(v6), icmpv6({ type: 2, mtu: 1400 }), ipv6(v6), icmpv6({ id: 1 }), raw({ len: 16 })],
  // 20: time exceeded
  [ether(), ipv6(v6), icmpv6({ type: 3 }), ipv6({ ...v6, hlim: 1 }), icmpv6()],
  // 21: deliberately bad ICMPv6 checksum
  [ether(), ipv6(v6), icmpv6({ chksum: 0xbeef })],
  // 22: destination options with an unknown option (PadN added)
  [ether(), ipv6(v6), ipv6dest({ options: '1e026162' }), icmpv6({ id: 4 })],
  // 23: router advertisement with source link-layer address and MTU options
  [
    ether(),
    ipv6({ src: 'fe80::1', dst: 'ff02::1', hlim: 255 }),
    icmpv6({
      type: 134,
      chlim: 64,
      raflags: 0xc8,
      reachabletime: 30000,
      retranstimer: 1000,
      lladdr: '02:00:00:00:00:01',
      options: '05010000000005dc',
    }),
  ],
  // 24: redirect with the target link-layer address
  [
    ether(),
    ipv6({ src: 'fe80::1', dst: '2001:db8::1', hlim: 255 }),
    icmpv6({ type: 137, target: 'fe80::2', dst: '2001:db8::99', lladdr: '02:00:00:00:00:02' }),
  ],
];

const FIELDS = [
  'frame.protocols',
  'vlan.id',
  'vlan.priority',
  'vlan.dei',
  'vlan.etype',
  'ieee8021ad.id',
  'ieee8021ad.priority',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'ip.hdr_len',
  'ip.len',
  'ip.id',
  'ip.dsfield.dscp',
  'ip.dsfield.ecn',
  'ip.flags',
  'ip.frag_offset',
  'ip.ttl',
  'ip.proto',
  'ip.checksum.status',
  'ip.opt.type',
  'ip.opt.ptr',
  'ip.opt.time_stamp_addr',
  'ip.opt.time_stamp',
  'ip.opt.ra',
  'icmp.type',
  'icmp.code',
  'icmp.ident',
  'icmp.seq',
  'icmp.mtu',
  'icmp.redir_gw',
  'icmp.pointer',
  'icmp.checksum.status',
  'ipv6.plen',
  'ipv6.nxt',
  'ipv6.hlim',
  'ipv6.hopopts.nxt',
  'ipv6.dstopts.nxt',
  'ipv6.opt.type',
  'ipv6.routing.type',
  'ipv6.routing.segleft',
  'ipv6.routing.srh.addr',
  'ipv6.fraghdr.ident',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.echo.identifier',
  'icmpv6.echo.sequence_number',
  'icmpv6.mtu',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.nd.na.flag.r',
  'icmpv6.nd.na.flag.s',
  'icmpv6.nd.na.flag.o',
  'icmpv6.opt.src_linkaddr',
  'icmpv6.opt.target_linkaddr',
  'icmpv6.nd.ra.cur_hop_limit',
  'icmpv6.nd.ra.flag',
  'icmpv6.nd.ra.router_lifetime',
  'icmpv6.nd.ra.reachable_time',
  'icmpv6.nd.ra.retrans_timer',
  'icmpv6.opt.mtu',
  'icmpv6.nd.rd.target_address',
  'icmpv6.rd.na.destination_address',
  'icmpv6.checksum.status',
  '_ws.malformed',
  '_ws.expert.message',
] as const;

type Row = Record<(typeof FIELDS)[number], string>;

let dir: string;
let rows: Row[];
let frames: Uint8Array[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-network-'));
  frames = PACKETS.map((layers) => encodePacket(layers));
  const file = join(dir, 'network.pcap');
  writeEthernetPcap(file, frames);
  rows = tsharkRows(file, FIELDS, ['-o', 'ip.check_checksum:TRUE']);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const row = (frame: number): Row => rows[frame - 1]!;
const pick = (frame: number, ...fields: (typeof FIELDS)[number][]) =>
  fields.map((field) => row(frame)[field]);

describe('tshark reads our VLAN/ARP/IPv4/IPv6/ICMP/ICMPv6 packets as meant', () => {
  it('has one row per packet, no malformed packet, and only the expert items we meant', () => {
    expect(rows).toHaveLength(PACKETS.length);
    for (const r of rows) expect(r['_ws.malformed']).toBe('');
    const expected: Record<number, string> = {
      8: 'Bad checksum [should be 0xf6dc]',
      9: 'Bad checksum [should be 0xf7ff]',
      21: 'Bad checksum [should be 0x2448]',
    };
    rows.forEach((r, i) => {
      expect(r['_ws.expert.message'], `frame ${i + 1}`).toBe(expected[i + 1] ?? '');
    });
  });

  it('802.1Q and stacked 802.1ad tags', () => {
    expect(pick(1, 'frame.protocols', 'vlan.id', 'vlan.priority', 'vlan.dei', 'vlan.etype')).toEqual([
      'eth:ethertype:vlan:ethertype:ip:icmp:data',
      '100',
      '5',
      '1',
      '0x0800',
    ]);
    expect(
      pick(2, 'frame.protocols', 'ieee8021ad.id', 'ieee8021ad.priority', 'vlan.id', 'vlan.etype'),
    ).toEqual([
      'eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:vlan:ethertype:ipv6:icmpv6',
      '10',
      '2',
      '20;30',
      '0x8100;0x86dd',
    ]);
    expect(row(2)['icmpv6.checksum.status']).toBe('1');
  });

  it('ARP request and reply', () => {
    expect(
      pick(3, 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4'),
    ).toEqual(['1', '02:00:00:00:00:01', '192.0.2.1', '00:00:00:00:00:00', '192.0.2.2']);
    expect(
      pick(4, 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4'),
    ).toEqual(['2', '02:00:00:00:00:02', '192.0.2.2', '02:00:00:00:00:01', '192.0.2.1']);
  });

  it('IPv4 header fields and options', () => {
    expect(
      pick(
        5,
        'ip.hdr_len',
        'ip.len',
        'ip.dsfield.dscp',
        'ip.dsfield.ecn',
        'ip.flags',
        'ip.ttl',
        'ip.proto',
        'ip.checksum.status',
      ),
    ).toEqual(['44', '52', '46', '1', '0x02', '30', '1', '1']);
    expect(pick(5, 'ip.opt.type', 'ip.opt.ptr', 'ip.opt.time_stamp_addr', 'ip.opt.time_stamp')).toEqual([
      '7;1;68',
      '4;13',
      '198.51.100.3',
      '1000',
    ]);
    expect(pick(6, 'ip.hdr_len', 'ip.opt.type', 'ip.opt.ra', 'icmp.type', 'icmp.ident', 'icmp.seq')).toEqual([
      '24',
      '148',
      '0',
      '0',
      '9',
      '9',
    ]);
    expect(pick(7, 'frame.protocols', 'ip.flags', 'ip.id', 'ip.proto')).toEqual([
      'eth:ethertype:ip:data',
      '0x01',
      '0x004d',
      '59',
    ]);
  });

  it('deliberately wrong checksums are bad, and our decoder says the same value should be', () => {
    expect(row(8)['ip.checksum.status']).toBe('0');
    expect(row(9)['icmp.checksum.status']).toBe('0');
    expect(row(21)['icmpv6.checksum.status']).toBe('0');
    for (const frame of [8, 9, 21]) {
      const should = /should be (0x[0-9a-f]{4})/.exec(row(frame)['_ws.expert.message'])![1]!;
      const problems = decodePacket(frames[frame - 1]!).problems;
      expect(problems.map((problem) => problem.message)).toEqual([
        expect.stringMatching(new RegExp(`should be ${should}$`)),
      ]);
    }
  });

  it('ICMP errors with their quoted datagram', () => {
    expect(pick(10, 'frame.protocols', 'icmp.type', 'icmp.code', 'icmp.mtu', 'icmp.checksum.status')).toEqual(
      ['eth:ethertype:ip:icmp:ip:icmp', '3;8', '4;0', '1400', '1;2'],
    );
    expect(pick(11, 'icmp.type', 'ip.ttl', 'icmp.ident', 'icmp.seq')).toEqual(['11;8', '64;10', '5', '6']);
    expect(pick(12, 'icmp.type', 'icmp.code', 'icmp.redir_gw', 'icmp.checksum.status')).toEqual([
      '5;8',
      '1;0',
      '192.0.2.253',
      '1;2',
    ]);
    expect(pick(13, 'icmp.type', 'icmp.pointer', 'ip.hdr_len', 'icmp.checksum.status')).toEqual([
      '12;8',
      '20',
      '20;24',
      '1;2',
    ]);
  });

  it('IPv6 extension header chain', () => {
    expect(row(14)['frame.protocols']).toBe(
      'eth:ethertype:ipv6:ipv6.hopopts:ipv6.dstopts:ipv6.routing:ipv6.fraghdr:icmpv6',
    );
    expect(
      pick(
        14,
        'ipv6.nxt',
        'ipv6.hopopts.nxt',
        'ipv6.dstopts.nxt',
        'ipv6.routing.type',
        'ipv6.routing.segleft',
        'ipv6.opt.type',
      ),
    ).toEqual(['0', '60', '43', '4', '0', '0x05;0x01;0x01']);
    expect(
      pick(14, 'ipv6.fraghdr.ident', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'icmpv6.checksum.status'),
    ).toEqual(['0xabcdef01', '0', '0', '1']);
    expect(
      pick(
        15,
        'ipv6.routing.type',
        'ipv6.routing.segleft',
        'ipv6.routing.srh.addr',
        'icmpv6.checksum.status',
      ),
    ).toEqual(['4', '1', '2001:db8::30;2001:db8::2', '1']);
    expect(
      pick(16, 'frame.protocols', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident'),
    ).toEqual(['eth:ethertype:ipv6:ipv6.fraghdr:data', '100', '1', '0x00000005']);
    expect(pick(22, 'frame.protocols', 'ipv6.opt.type', 'icmpv6.checksum.status')).toEqual([
      'eth:ethertype:ipv6:ipv6.dstopts:icmpv6',
      '0x1e;0x01',
      '1',
    ]);
  });

  it('neighbour discovery', () => {
    expect(
      pick(
        17,
        'icmpv6.type',
        'icmpv6.nd.ns.target_address',
        'icmpv6.opt.src_linkaddr',
        'icmpv6.checksum.status',
      ),
    ).toEqual(['135', 'fe80::2', '02:00:00:00:00:01', '1']);
    expect(
      pick(
        18,
        'icmpv6.type',
        'icmpv6.nd.na.target_address',
        'icmpv6.nd.na.flag.r',
        'icmpv6.nd.na.flag.s',
        'icmpv6.nd.na.flag.o',
        'icmpv6.opt.target_linkaddr',
        'icmpv6.checksum.status',
      ),
    ).toEqual(['136', 'fe80::2', '0', '1', '1', '02:00:00:00:00:02', '1']);
  });

  it('router advertisement and redirect', () => {
    expect(
      pick(
        23,
        'icmpv6.type',
        'icmpv6.nd.ra.cur_hop_limit',
        'icmpv6.nd.ra.flag',
        'icmpv6.nd.ra.router_lifetime',
        'icmpv6.nd.ra.reachable_time',
        'icmpv6.nd.ra.retrans_timer',
        'icmpv6.opt.src_linkaddr',
        'icmpv6.opt.mtu',
        'icmpv6.checksum.status',
      ),
    ).toEqual(['134', '64', '0xc8', '1800', '30000', '1000', '02:00:00:00:00:01', '1500', '1']);
    expect(
      pick(
        24,
        'icmpv6.type',
        'icmpv6.nd.rd.target_address',
        'icmpv6.rd.na.destination_address',
        'icmpv6.opt.target_linkaddr',
        'icmpv6.checksum.status',
      ),
    ).toEqual(['137', 'fe80::2', '2001:db8::99', '02:00:00:00:00:02', '1']);
  });

  it('ICMPv6 errors with their quoted packet', () => {
    expect(
      pick(19, 'frame.protocols', 'icmpv6.type', 'icmpv6.mtu', 'ipv6.plen', 'icmpv6.checksum.status'),
    ).toEqual(['eth:ethertype:ipv6:icmpv6:ipv6:icmpv6:data', '2;128', '1400', '72;24', '1;2']);
    expect(pick(20, 'frame.protocols', 'icmpv6.type', 'ipv6.hlim', 'icmpv6.checksum.status')).toEqual([
      'eth:ethertype:ipv6:icmpv6:ipv6:icmpv6',
      '3;128',
      '64;1',
      '1;2',
    ]);
  });

  it('our decoder agrees: the same stacks, only the problems we meant, byte-exact re-encoding', () => {
    frames.forEach((frame, i) => {
      const packet = decodePacket(frame);
      const expectedProblems = [8, 9, 21].includes(i + 1) ? ['bad-checksum'] : [];
      expect(
        packet.problems.map((problem) => problem.kind),
        `frame ${i + 1}`,
      ).toEqual(expectedProblems);
      expect(
        packet.layers.map((layer) => layer.layer),
        `frame ${i + 1}`,
      ).toEqual(PACKETS[i]!.map((layer) => layer.layer));
      expect(Buffer.from(encodePacket(packet.layers)).equals(Buffer.from(frame)), `frame ${i + 1}`).toBe(
        true,
      );
    });
  });
});
