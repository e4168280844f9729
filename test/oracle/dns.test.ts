/**
 * Oracle: tshark 4.0.17 reads pktcraft's DNS (RFC 1035, 3596, 2782, 6891; TCP framing of RFC 7766)
 * as meant, field by field: header flags and counts, questions, A, AAAA, CNAME, NS, PTR, MX, TXT,
 * SRV, SOA, an unknown type in RFC 3597's form, EDNS(0) with options, compressed and uncompressed
 * names, over UDP, over IPv6 and over TCP with two messages in one segment. IPv4/UDP/TCP checksum
 * validation on; no malformed packet and no expert item. Every expected value is written from what
 * the spec says, never read back from our own decoder.
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

interface Case {
  name: string;
  spec: string;
  protocols: string;
  /** tshark field → its occurrences joined by ';'. */
  expect: Record<string, string>;
}

let port = 41000;
const v4 = (dport = 53) => `ether/ipv4(src=10.45.0.2,dst=10.45.0.1)/udp(sport=${port++},dport=${dport})`;
const v4back = () => `ether/ipv4(src=10.45.0.1,dst=10.45.0.2)/udp(sport=53,dport=${port++})`;

const CASES: Case[] = [
  {
    name: 'a query for A, recursion desired',
    spec: `${v4()}/dns(id=7,qd=shop.example.com/A)`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.id': '0x0007',
      'dns.flags.response': '0',
      'dns.flags.opcode': '0',
      'dns.flags.recdesired': '1',
      'dns.flags.truncated': '0',
      'dns.count.queries': '1',
      'dns.count.answers': '0',
      'dns.qry.name': 'shop.example.com',
      'dns.qry.type': '1',
      'dns.qry.class': '0x0001',
    },
  },
  {
    name: 'the answer with three A records (the journey: three SLB addresses), names compressed',
    spec: `${v4back()}/dns(id=7,qr=1,ra=1,qd=shop.example.com/A,an='shop.example.com 300 A 198.51.100.10; shop.example.com 300 A 198.51.100.11; shop.example.com 60 A 198.51.100.12')`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.flags.response': '1',
      'dns.flags.recavail': '1',
      'dns.flags.authoritative': '0',
      'dns.flags.rcode': '0',
      'dns.count.answers': '3',
      'dns.resp.name': 'shop.example.com;shop.example.com;shop.example.com',
      'dns.resp.ttl': '300;300;60',
      'dns.a': '198.51.100.10;198.51.100.11;198.51.100.12',
    },
  },
  {
    name: 'a CNAME chain to AAAA, over IPv6',
    spec: `ether/ipv6(src=2001:db8::53,dst=2001:db8::2)/udp(sport=53,dport=${port++})/dns(id=0x1234,qr=1,aa=1,ad=1,qd=www.example.com/AAAA,an='www.example.com 60 CNAME shop.example.com; shop.example.com 120 IN AAAA 2001:db8::10')`,
    protocols: 'eth:ethertype:ipv6:udp:dns',
    expect: {
      'dns.id': '0x1234',
      'dns.flags.authoritative': '1',
      'dns.flags.authenticated': '1',
      'dns.qry.type': '28',
      'dns.cname': 'shop.example.com',
      'dns.aaaa': '2001:db8::10',
      'dns.resp.type': '5;28',
      'dns.resp.ttl': '60;120',
    },
  },
  {
    name: 'NXDOMAIN with the SOA in the authority section',
    spec: `${v4back()}/dns(id=9,qr=1,ra=1,rcode=NXDOMAIN,qd=nope.example.com,ns='example.com 900 SOA ns1.example.com hostmaster.example.com 2026120601 7200 3600 1209600 300')`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.flags.rcode': '3',
      'dns.count.auth_rr': '1',
      'dns.soa.mname': 'ns1.example.com',
      'dns.soa.rname': 'hostmaster.example.com',
      'dns.soa.serial_number': '2026120601',
      'dns.soa.refresh_interval': '7200',
      'dns.soa.retry_interval': '3600',
      'dns.soa.expire_limit': '1209600',
      'dns.soa.minimum_ttl': '300',
    },
  },
  {
    name: 'MX, TXT, NS and PTR, without compression',
    spec: `${v4back()}/dns(id=10,qr=1,compress=0,qd=example.com/ANY,an='example.com 3600 MX 10 mail.example.com; example.com 300 TXT "v=spf1 -all" "second string"; example.com 86400 NS ns1.example.com; 10.100.51.198.in-addr.arpa 60 PTR shop.example.com')`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.qry.type': '255',
      'dns.mx.preference': '10',
      'dns.mx.mail_exchange': 'mail.example.com',
      'dns.txt': 'v=spf1 -all;second string',
      'dns.ns': 'ns1.example.com',
      'dns.ptr.domain_name': 'shop.example.com',
      'dns.count.answers': '4',
    },
  },
  {
    name: 'SRV (the target never compressed) and HINFO written in the generic form',
    spec: `${v4back()}/dns(id=11,qr=1,qd=_sip._tcp.example.com/SRV,an='_sip._tcp.example.com 60 SRV 10 20 5060 sip.example.com; x.example.com 60 HINFO \\# 8 03783836036c696e')`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.srv.priority': '10',
      'dns.srv.weight': '20',
      'dns.srv.port': '5060',
      'dns.srv.target': 'sip.example.com',
      'dns.resp.type': '33;13',
      // SRV: 6 octets and sip.example.com in full (17); HINFO: "x86" "lin" as RFC 1035 strings.
      'dns.resp.len': '23;8',
      'dns.hinfo.cpu': 'x86',
      'dns.hinfo.os': 'lin',
    },
  },
  {
    name: 'EDNS(0): UDP size, DO, version, a cookie and padding',
    spec: `${v4()}/dns(id=12,ad=1,qd=shop.example.com/A,ar='OPT udp=1232 do cookie=0102030405060708 padding=00000000')`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.count.add_rr': '1',
      'dns.rr.udp_payload_size': '1232',
      'dns.resp.ext_rcode': '0x00',
      'dns.resp.edns0_version': '0',
      'dns.resp.z.do': '1',
      'dns.opt.code': '10;12',
      'dns.opt.len': '8;4',
      'dns.opt.cookie.client': '0102030405060708',
    },
  },
  {
    name: 'two queries over TCP in one segment, each with its length prefix',
    spec: `ether/ipv4(src=10.45.0.2,dst=10.45.0.1)/tcp(sport=${port++},dport=53,flags=PA,seq=1000,ack=1)/dns(id=21,qd=shop.example.com/A)/dns(id=22,qd=shop.example.com/AAAA)`,
    protocols: 'eth:ethertype:ip:tcp:dns',
    expect: {
      'dns.length': '34;34',
      'dns.id': '0x0015;0x0016',
      'dns.qry.type': '1;28',
    },
  },
  {
    name: 'a NOTIFY from an authoritative server',
    spec: `${v4()}/dns(id=13,opcode=NOTIFY,aa=1,rd=0,qd=example.com/SOA)`,
    protocols: 'eth:ethertype:ip:udp:dns',
    expect: {
      'dns.flags.opcode': '4',
      'dns.flags.recdesired': '0',
      'dns.qry.type': '6',
    },
  },
];

const FIELDS = [
  'frame.protocols',
  '_ws.malformed',
  '_ws.expert.message',
  'ip.checksum.status',
  'udp.checksum.status',
  'tcp.checksum.status',
  ...new Set(CASES.flatMap((c) => Object.keys(c.expect))),
] as const;

let dir: string;
let rows: Record<string, string>[];
const frames = CASES.map(({ spec }) => encodePacket(parseSpec(spec)));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-dns-'));
  const file = join(dir, 'dns.pcap');
  writeEthernetPcap(file, frames);
  rows = tsharkRows(file, FIELDS, CHECKSUM_OPTIONS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads our DNS messages as meant', () => {
  it('has one row per packet, good checksums, no malformed packet and no expert item', () => {
    expect(rows).toHaveLength(CASES.length);
    rows.forEach((row, i) => {
      expect(row['_ws.malformed'], `frame ${i + 1}`).toBe('');
      expect(row['_ws.expert.message'], `frame ${i + 1}`).toBe('');
      for (const field of ['ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status'])
        for (const status of (row[field] ?? '').split(';'))
          if (status !== '') expect(status, field).toBe('1');
    });
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i]!;
    const row = rows[i]!;
    expect(row['frame.protocols']).toBe(c.protocols);
    for (const [field, value] of Object.entries(c.expect)) expect(row[field], field).toBe(value);
    // And our decoder reads the same packet back to the same bytes, with no problem.
    const decoded = decodePacket(frames[i]!);
    expect(decoded.problems).toEqual([]);
    expect(Buffer.from(encodePacket(decoded.layers)).equals(Buffer.from(frames[i]!))).toBe(true);
  });

  it("agrees with our decoder's header fields on every packet (the schema's tshark names)", () => {
    frames.forEach((frame, i) => {
      const row = rows[i]!;
      const layers = decodePacket(frame).layers.filter((layer) => layer.layer === 'dns');
      const ids = layers.map(
        (layer) => `0x${(layer.fields as { id: number }).id.toString(16).padStart(4, '0')}`,
      );
      if (row['dns.id'] !== undefined && CASES[i]!.expect['dns.id'] !== undefined)
        expect(row['dns.id']).toBe(ids.join(';'));
    });
  });
});
