import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { compileTemplate } from '../../src/engine/template.js';
import { gtpv2, gtpv2Codec, parseGtpv2Ies } from '../../src/layers/gtpv2.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  checkDecodeThrowsOnlyDecodeError,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  hex,
  stackOf,
} from './harness.js';

// TS 29.274 §5.1: flags 0x48 = version 2, T; message type; length counts everything after the first
// 4 octets (TEID, sequence number, spare, IEs: §5.5.1). §8.2.1: IE type, length of the value alone,
// spare/instance octet.
// Echo Request (§7.1.1, no TEID: flags 0x40), sequence 7, Recovery 3: length 4 + 5 = 9.
const ECHO = '4001' + '0009' + '000007' + '00' + '03' + '0001' + '00' + '03';
// F-TEID (§8.22): flags V4 | interface type 10 (S11 MME GTP-C), TEID 1, IPv4 10.0.0.1.
const FTEID = '57' + '0009' + '00' + '8a' + '00000001' + '0a000001';
// IMSI 001010123456789 (§8.3): TBCD, two digits per octet low nibble first (00 10 10 12 34 56 78 9F),
// the odd last digit padded with F.
const IMSI = '01' + '0008' + '00' + '00010121436587f9';

function message(bytes: Uint8Array) {
  const decoded = decodePacket(bytes, { first: 'gtpv2' });
  const layer = decoded.layers[0];
  if (layer?.layer !== 'gtpv2') throw new Error(`not gtpv2: ${stackOf(decoded)}`);
  return { decoded, layer };
}

describe('gtpv2: encode', () => {
  it('writes an Echo Request without a TEID and lengths as TS 29.274 counts them', () => {
    expect(toHex(encodePacket([gtpv2({ type: 'echo_request', seq: 7, ies: 'recovery=3' })]))).toBe(ECHO);
    expect(toHex(encodePacket(parseSpec("gtpv2(type=1,seq=7,ies='recovery=3')")))).toBe(ECHO);
    // Over UDP both ports are 2123 (§4.2) unless set.
    const frame = encodePacket(parseSpec("ether/ipv4/udp/gtpv2(seq=7,ies='recovery=3')"));
    expect(toHex(frame, 34, 38)).toBe('084b084b');
    expect(toHex(frame, 42)).toBe(ECHO);
  });

  it('writes the T flag, TEID, TBCD digits, F-TEIDs and grouped IEs', () => {
    const bytes = encodePacket(
      parseSpec(
        "gtpv2(type=create_session_request,seq=0x010203,ies='imsi=001010123456789; fteid=s11-mme/0x1/10.0.0.1; bearer#0(ebi=5)')",
      ),
    );
    // Bearer Context (93) holding EBI 5 (73, length 1): 4 + 5 octets.
    const bearer = '5d' + '0005' + '00' + '49000100' + '05';
    const ies = IMSI + FTEID + bearer;
    expect(toHex(bytes)).toBe(
      `4820${(8 + ies.length / 2).toString(16).padStart(4, '0')}00000000010203` + `00${ies}`,
    );
  });

  it('writes every typed IE as §8 lays it out', () => {
    const ies = (text: string) => toHex(encodePacket([gtpv2({ ies: text })]), 8);
    expect(ies('cause=16/cs')).toBe('02000200' + '1001');
    expect(ies('apn=internet.mnc001.mcc001.gprs')).toBe(
      `47001c00${'08696e7465726e6574'}066d6e63303031066d63633030310467707273`,
    );
    expect(ies('ambr=50000/100000')).toBe('48000800' + '0000c350' + '000186a0');
    expect(ies('ip=2001:db8::1')).toBe('4a001000' + '20010db8000000000000000000000001');
    expect(ies('msisdn=15551234567')).toBe('4c000600' + '5155214365f7');
    // PAA (§8.14): PDN type 3, prefix length 64, IPv6 prefix, IPv4.
    expect(ies('paa=2001:db8:1::/64/10.45.0.2')).toBe(
      '4f001600' + '03' + '40' + '20010db8000100000000000000000000' + '0a2d0002',
    );
    // Bearer QoS (§8.15): PCI bit 6, PL bits 5-2, PVI bit 0; QCI; four 40-bit rates.
    expect(ies('qos=qci=1/pl=2/pci=1/mbr_ul=1000/gbr_dl=64')).toBe(
      '50001600' + '48' + '01' + '00000003e8' + '0000000000' + '0000000000' + '0000000040',
    );
    // Serving Network (§8.18, TS 24.008 PLMN): MCC 310, MNC 410 → 13 00 14; MNC 01 with F.
    expect(ies('serving_network=310-410')).toBe('53000300' + '130014');
    expect(ies('serving_network=001-01')).toBe('53000300' + '00f110');
    expect(ies('rat=NR; pdn_type=ipv4v6; selection_mode=1; apn_restriction=2')).toBe(
      '52000100' + '0a' + '63000100' + '03' + '80000100' + '01' + '7f000100' + '02',
    );
    // F-TEID with both addresses (V4 | V6 = 0xc0, interface 0), instance 2: 1 + 4 + 4 + 16 = 25 octets (0x19).
    expect(ies('fteid#2=s1u-enb/0xdeadbeef/10.3.0.1/2001:db8::3')).toBe(
      '57001902' + 'c0' + 'deadbeef' + '0a030001' + '20010db8000000000000000000000003',
    );
    // Unknown IEs as ieN=HEX, a priority with MP.
    expect(ies('ie86=0x1800f110000100f110000001')).toBe('56000c00' + '1800f110000100f110000001');
    const priority = encodePacket([gtpv2({ type: 32, priority: 5 })]);
    expect(toHex(priority, 0, 12)).toBe('4c20000800000000' + '00000050');
  });

  it('refuses what cannot be on the wire, naming the IE', () => {
    expect(() => parseGtpv2Ies('imsi=12a')).toThrow(/imsi must be 1 to 16 digits/);
    expect(() => parseGtpv2Ies('fteid=s11-mme')).toThrow(/INTERFACE\/TEID/);
    expect(() => parseGtpv2Ies('ebi=16')).toThrow(/ebi must be an integer from 0 to 15/);
    expect(() => parseGtpv2Ies('nosuch=1')).toThrow(/unknown IE 'nosuch'/);
    expect(() => parseGtpv2Ies('bearer(ebi=5')).toThrow(/not closed/);
    expect(() => parseGtpv2Ies('ebi=5)')).toThrow(/closes no group/);
    expect(() => parseGtpv2Ies('imsi(ebi=5)')).toThrow(/not a grouped IE/);
    expect(() => parseGtpv2Ies('fteid#16=s11-mme/1')).toThrow(/instance 16/);
    expect(() => parseGtpv2Ies(`${'bearer('.repeat(10)}ebi=5${')'.repeat(10)}`)).toThrow(/nested deeper/);
    expect(() => encodePacket([gtpv2({ type: 1, t: 0, teid: 5 })])).toThrow(FieldError);
    expect(() => parseSpec('gtpv2(type=bogus)')).toThrow();
  });

  it('varies the sequence number and the TEID in place', () => {
    const layers = parseSpec(
      "ether/ipv4/udp/gtpv2(type=modify_bearer_request,teid=0x200,seq=1,ies='bearer(ebi=5)')",
    );
    const template = compileTemplate(layers, ['gtpv2.seq=100+', 'gtpv2.teid=0x1000+']);
    const out = new Uint8Array(template.length);
    template.writePacket(3, out, 0);
    expect(toHex(out, 42 + 4, 42 + 11)).toBe('00001003' + '000067');
    expect(decodePacket(out).problems).toEqual([]);
    expect(() => compileTemplate(parseSpec('ether/ipv4/udp/gtpv2(type=1)'), ['gtpv2.teid=1+'])).toThrow(
      /no TEID/,
    );
  });
});

describe('gtpv2: decode', () => {
  it('reads the header and the IEs as text, F-TEIDs in info', () => {
    const bytes = encodePacket(
      parseSpec(
        "gtpv2(type=create_session_response,teid=1,seq=9,ies='cause=16; fteid#1=s11-sgw/0x200/10.0.0.2; bearer(ebi=5; cause=16; fteid=s1u-sgw/0x300/10.2.0.1)')",
      ),
    );
    const { decoded, layer } = message(bytes);
    expect(decoded.problems).toEqual([]);
    expect(layer.fields).toMatchObject({
      version: 2,
      p: 0,
      t: 1,
      mp: 0,
      type: 33,
      teid: 1,
      seq: 9,
      spare2: 0,
    });
    expect(layer.fields.ies).toBe(
      'cause=16; fteid#1=s11-sgw/0x00000200/10.0.0.2; bearer(ebi=5; cause=16; fteid=s1u-sgw/0x00000300/10.2.0.1)',
    );
    expect(layer.info.message).toBe('Create Session Response');
    expect(layer.info.fteids).toEqual([
      { path: 'fteid#1', interfaceType: 11, interfaceName: 's11-sgw', teid: 0x200, ipv4: '10.0.0.2' },
      { path: 'bearer.fteid', interfaceType: 1, interfaceName: 's1u-sgw', teid: 0x300, ipv4: '10.2.0.1' },
    ]);
    expect(gtpv2Codec.summary?.(layer.fields, layer.info)).toBe(
      'Create Session Response, TEID 0x00000001, Seq 9',
    );
    expectJsonAndSpecRoundTrip(toHex(bytes), 'gtpv2');
  });

  it('keeps IEs not in the form pktcraft writes as ieN=HEX, byte-exact', () => {
    // A Cause with an offending IE (6 octets, §8.4), an EBI with its spare nibble set, a Private
    // Extension (255), an IMSI with a non-digit nibble.
    const ies =
      '02000600' + '40000000' + '0100' + '49000100' + 'f5' + 'ff000300' + '0001aa' + '01000200' + '1a32';
    const bytes = hex(`4820${(8 + ies.length / 2).toString(16).padStart(4, '0')}0000000100000100${ies}`);
    const { decoded, layer } = message(bytes);
    expect(decoded.problems).toEqual([]);
    expect(layer.fields.ies).toBe('ie2=0x400000000100; ie73=0xf5; ie255=0x0001aa; ie1=0x1a32');
    expect(layer.fields.body).toBeUndefined();
    expectRoundTrip(bytes, 'gtpv2');
  });

  it('reports IEs past their group or message, a length shorter than the header, version 1', () => {
    // A Bearer Context claiming 9 octets holding an EBI claiming 200: the inner IE runs past its group.
    const overrun = hex('48200015' + '00000000' + '00000100' + '5d000900' + '4900c800' + '0500000000');
    const a = message(overrun);
    expect(a.decoded.problems).toMatchObject([{ kind: 'bad-length', field: 'ies' }]);
    expect(a.layer.fields.ies).toBe('ie93=0x4900c8000500000000');
    expectRoundTrip(overrun, 'gtpv2');
    // A message length past the datagram; and three octets left over: too few for an IE header.
    const long = hex('4820ff00' + '00000000' + '00000100' + '030001' + '00' + '07');
    expect(message(long).decoded.problems.map((p) => p.kind)).toEqual(['bad-length']);
    expectRoundTrip(long, 'gtpv2');
    const tail = hex('4820000b' + '00000000' + '00000100' + '030001');
    expect(message(tail).decoded.problems).toMatchObject([{ kind: 'truncated', field: 'ies' }]);
    expect(toHex(message(tail).layer.fields.body as Uint8Array)).toBe('030001');
    expectRoundTrip(tail, 'gtpv2');
    const short = hex('48200002' + '00000000' + '00000100');
    expect(message(short).decoded.problems).toMatchObject([{ kind: 'bad-length', field: 'len' }]);
    expectRoundTrip(short, 'gtpv2');
    const v1 = hex('3201000400000000' + '00000000');
    expect(message(v1).decoded.problems.map((p) => p.field)).toContain('version');
    expectRoundTrip(v1, 'gtpv2');
  });

  it('reads a piggybacked message as the next layer (P set, §5.5.1)', () => {
    const bytes = encodePacket(
      parseSpec(
        "ether/ipv4/udp/gtpv2(p=1,type=create_session_response,teid=1,seq=1,ies='cause=16')/gtpv2(type=create_bearer_request,teid=1,seq=2,ies='ebi=5')",
      ),
    );
    const decoded = expectRoundTrip(bytes, 'ether');
    expect(stackOf(decoded)).toBe('ether/ipv4/udp/gtpv2/gtpv2');
    expect(decoded.problems).toEqual([]);
  });
});

describe('gtpv2: robustness', () => {
  it('decode throws nothing but DecodeError on any bytes', () => {
    checkDecodeThrowsOnlyDecodeError(gtpv2Codec, 200);
  });

  it('grouped IEs nested deeper than the bytes allow, or than the depth bound, end as problems', () => {
    // 2000 Bearer Contexts, each claiming to hold the next: every length is larger than what is left.
    const depth = 2000;
    let ies = '';
    for (let i = 0; i < depth; i++) ies += `5d${(4 * (depth - i)).toString(16).padStart(4, '0')}00`;
    const bytes = hex(`4820${(8 + ies.length / 2).toString(16).padStart(4, '0')}0000000000000100${ies}`);
    const { decoded } = message(bytes);
    expect(decoded.problems.length).toBeGreaterThan(0);
    expectRoundTrip(bytes, 'gtpv2');
    // Twelve well-formed levels: past the bound of 8 the inner groups stay bytes, with a problem.
    let nested = '49000100' + '05';
    for (let i = 0; i < 12; i++) nested = `5d${(nested.length / 2).toString(16).padStart(4, '0')}00${nested}`;
    const deep = hex(`4820${(8 + nested.length / 2).toString(16).padStart(4, '0')}0000000000000100${nested}`);
    const deepDecoded = message(deep);
    expect(deepDecoded.decoded.problems).toMatchObject([{ kind: 'malformed', field: 'ies' }]);
    expectRoundTrip(deep, 'gtpv2');
  });

  it('any bytes decode and re-encode identically', () => {
    const seeds = [
      hex(ECHO),
      encodePacket(
        parseSpec(
          "gtpv2(type=32,seq=1,ies='imsi=001010123456789; msisdn=15551234567; serving_network=001-01; rat=EUTRAN; fteid=s11-mme/1/10.0.0.1/2001:db8::1; apn=internet; paa=2001:db8::/64/0.0.0.0; ambr=1/2; bearer(ebi=5; qos=qci=9/pl=15; fteid#2=s5u-sgw/2/10.1.0.1); recovery=1')",
        ),
      ),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (source, edits, cut) => {
          let bytes = Uint8Array.from(source);
          for (const [position, value] of edits) bytes[position % bytes.length] = value;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          expectRoundTrip(bytes, 'gtpv2');
        },
      ),
      { numRuns: 3000 },
    );
  });
});
