/**
 * Oracle: tshark 4.0.17 reads pktcraft's GTPv2-C (3GPP TS 29.274) as meant, field by field: the
 * header (version, T, message type, length, TEID, sequence number), the typed IEs of an attach
 * (IMSI, MSISDN, MEI, Serving Network, RAT Type, F-TEID with IPv4 and IPv6, APN, AMBR, PDN Type, PAA,
 * Bearer Context with EBI, Bearer QoS and Cause, Recovery), an IE written as bytes (ULI) that tshark
 * dissects, and a piggybacked message. IPv4/UDP checksum validation on; no malformed packet and no
 * expert item. The expected values are written from the spec's meaning, never from our decoder.
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
  expect: Record<string, string>;
}

const MME = '10.10.0.1';
const SGW_C = '10.10.0.2';
const PGW_C = '10.20.0.2';
const path = (src: string, dst: string) => `ether/ipv4(src=${src},dst=${dst})/udp`;

const CASES: Case[] = [
  {
    name: 'S11 Create Session Request (MME → SGW), TEID 0: the SGW has none yet',
    spec: `${path(MME, SGW_C)}/gtpv2(type=create_session_request,teid=0,seq=0x1001,ies='imsi=001010123456789; msisdn=15551234567; mei=3584211122233301; serving_network=001-01; rat=EUTRAN; fteid=s11-mme/0x11/${MME}; fteid#1=s5c-pgw/0/${PGW_C}; apn=internet; pdn_type=ipv4; paa=0.0.0.0; ambr=50000/100000; bearer(ebi=5; qos=qci=9/pl=15/pvi=1); recovery=3')`,
    expect: {
      'gtpv2.version': '2',
      'gtpv2.t': '1',
      'gtpv2.message_type': '32',
      'gtpv2.teid': '0x00000000',
      'gtpv2.seq': '0x001001',
      'e212.imsi': '001010123456789',
      'e164.msisdn': '15551234567',
      'gtpv2.mei': '3584211122233301',
      'gtpv2.rat_type': '6',
      'gtpv2.f_teid_interface_type': '10;7',
      'gtpv2.f_teid_gre_key': '0x00000011;0x00000000',
      'gtpv2.f_teid_ipv4': `${MME};${PGW_C}`,
      'gtpv2.apn': 'internet',
      // The PDN Type IE and the PAA's own PDN type: both IPv4 (tshark names both gtpv2.pdn_type).
      'gtpv2.pdn_type': '1;1',
      'gtpv2.pdn_addr_and_prefix.ipv4': '0.0.0.0',
      'gtpv2.ambr_up': '50000',
      'gtpv2.ambr_down': '100000',
      'gtpv2.ebi': '5',
      'gtpv2.bearer_qos_label_qci': '9',
      'gtpv2.bearer_qos_pl': '15',
      'gtpv2.bearer_qos_pvi': '1',
      'gtpv2.rec': '3',
    },
  },
  {
    name: 'S5 Create Session Response (PGW → SGW): cause accepted, the PGW F-TEIDs and the UE address',
    spec: `${path(PGW_C, SGW_C)}/gtpv2(type=create_session_response,teid=0x21,seq=0x2001,ies='cause=16; fteid#1=s5c-pgw/0x22/${PGW_C}; paa=10.45.0.2; ambr=50000/100000; bearer(ebi=5; cause=16; fteid#2=s5u-pgw/0x5001/10.20.1.2)')`,
    expect: {
      'gtpv2.message_type': '33',
      'gtpv2.teid': '0x00000021',
      'gtpv2.cause': '16;16',
      'gtpv2.f_teid_interface_type': '7;5',
      'gtpv2.f_teid_gre_key': '0x00000022;0x00005001',
      'gtpv2.pdn_addr_and_prefix.ipv4': '10.45.0.2',
      'gtpv2.instance': '0;1;0;0;0;0;0;2',
    },
  },
  {
    name: 'S11 Modify Bearer Request (MME → SGW) with the eNodeB S1-U F-TEID, IPv4 and IPv6',
    spec: `${path(MME, SGW_C)}/gtpv2(type=modify_bearer_request,teid=0x31,seq=0x1002,ies='bearer(ebi=5; fteid=s1u-enb/0xe0001/10.30.0.1/2001:db8:30::1)')`,
    expect: {
      'gtpv2.message_type': '34',
      'gtpv2.f_teid_interface_type': '0',
      'gtpv2.f_teid_gre_key': '0x000e0001',
      'gtpv2.f_teid_v4': '1',
      'gtpv2.f_teid_v6': '1',
      'gtpv2.f_teid_ipv4': '10.30.0.1',
      'gtpv2.f_teid_ipv6': '2001:db8:30::1',
      // Header 8 after the first 4; Bearer Context 4 + (EBI 5 + F-TEID 4 + 25).
      'gtpv2.msg_length': String(8 + 4 + 5 + 29),
    },
  },
  {
    name: 'S11 Modify Bearer Response, and a User Location Info IE written as bytes (TAI + ECGI)',
    spec: `${path(SGW_C, MME)}/gtpv2(type=modify_bearer_response,teid=0x11,seq=0x1002,ies='cause=16; bearer(ebi=5; cause=16); ie86=0x1800f110000100f11000000101')`,
    expect: {
      'gtpv2.message_type': '35',
      'gtpv2.cause': '16;16',
      'gtpv2.uli_tai_flg': '1',
      'gtpv2.uli_ecgi_flg': '1',
      'gtpv2.ie_type': '2;93;73;2;86',
    },
  },
  {
    name: 'Echo Request without a TEID (T = 0)',
    spec: `${path(SGW_C, PGW_C)}/gtpv2(type=echo_request,seq=0x3001,ies='recovery=9')`,
    expect: {
      'gtpv2.t': '0',
      'gtpv2.message_type': '1',
      'gtpv2.teid': '',
      'gtpv2.rec': '9',
      'gtpv2.msg_length': '9',
    },
  },
  {
    name: 'Delete Session Request and a piggybacked message (P = 1)',
    spec: `${path(MME, SGW_C)}/gtpv2(p=1,type=delete_session_request,teid=0x31,seq=0x1003,ies='ebi=5')/gtpv2(type=delete_bearer_request,teid=0x31,seq=0x1004,ies='ebi=6')`,
    expect: {
      'gtpv2.p': '1;0',
      'gtpv2.message_type': '36;99',
      'gtpv2.seq': '0x001003;0x001004',
      'gtpv2.ebi': '5;6',
    },
  },
];

const FIELDS = [
  'frame.protocols',
  '_ws.malformed',
  '_ws.expert.message',
  'ip.checksum.status',
  'udp.checksum.status',
  'udp.srcport',
  'udp.dstport',
  ...new Set(CASES.flatMap((c) => Object.keys(c.expect))),
] as const;

let dir: string;
let rows: Record<string, string>[];
const frames = CASES.map(({ spec }) => encodePacket(parseSpec(spec)));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-gtpv2-'));
  const file = join(dir, 'gtpv2.pcap');
  writeEthernetPcap(file, frames);
  rows = tsharkRows(file, FIELDS, CHECKSUM_OPTIONS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tshark reads our GTPv2-C messages as meant', () => {
  it('has one row per packet on UDP 2123, good checksums, no malformed packet, no expert item', () => {
    // tshark's GTP dissector owns UDP 2123 and hands version 2 on to gtpv2.
    expect(rows).toHaveLength(CASES.length);
    rows.forEach((row, i) => {
      expect(row['frame.protocols'], `frame ${i + 1}`).toBe('eth:ethertype:ip:udp:gtp:gtpv2');
      expect(row['_ws.malformed'], `frame ${i + 1}`).toBe('');
      expect(row['_ws.expert.message'], `frame ${i + 1}`).toBe('');
      expect([row['udp.srcport'], row['udp.dstport']]).toEqual(['2123', '2123']);
      expect(row['ip.checksum.status']).toBe('1');
      expect(row['udp.checksum.status']).toBe('1');
    });
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i]!;
    const row = rows[i]!;
    for (const [field, value] of Object.entries(c.expect)) expect(row[field], field).toBe(value);
    const decoded = decodePacket(frames[i]!);
    expect(decoded.problems).toEqual([]);
    expect(Buffer.from(encodePacket(decoded.layers)).equals(Buffer.from(frames[i]!))).toBe(true);
  });

  it('every F-TEID our decoder lists is one tshark shows', () => {
    frames.forEach((frame, i) => {
      const fteids = decodePacket(frame).layers.flatMap((layer) =>
        layer.layer === 'gtpv2' ? layer.info.fteids : [],
      );
      const keys = rows[i]!['gtpv2.f_teid_gre_key'] ?? '';
      expect(fteids.map((f) => `0x${f.teid.toString(16).padStart(8, '0')}`).join(';')).toBe(keys);
    });
  });
});
