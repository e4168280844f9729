import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { icmp, icmpCodec } from '../../src/layers/icmp.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { raw } from '../../src/layers/raw.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import {
  buildHex,
  hex as bytesOfHex,
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  decodeHex,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  networkBindings,
  stackOf,
} from './harness.js';

const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };
const router = { src: '192.0.2.254', dst: '192.0.2.1' };

// IP(src='192.0.2.1', dst='192.0.2.2')/ICMP(id=0x1234, seq=1)/Raw(b'abcdefgh')
const ECHO = '45000024000100004001f6d4c0000201c000020208005435123400016162636465666768';
// IP(src='192.0.2.254', dst='192.0.2.1')/ICMP(type=3, code=3)/IP(src=..., dst=..., proto=17, len=36)
//   /UDP(sport=40000, dport=33434, len=16, chksum=0x1111)     (the quote claims 36 bytes, has 28)
const PORT_UNREACHABLE =
  '45000038000100004001f5c4c00002fec00002010303cd000000000045000024000100004011f6c4c0000201c00002029c40829a00101111';
// IP(src='192.0.2.254', dst='192.0.2.1')/ICMP(type=3, code=4, nexthopmtu=1400)/IP(src=..., dst=..., flags='DF')/ICMP(id=5, seq=6)
const FRAG_NEEDED =
  '45000038000100004001f5c4c00002fec00002010304f783000005784500001c000140004001b6dcc0000201c00002020800f7f400050006';
// IP(src='192.0.2.254', dst='192.0.2.1')/ICMP(type=11, code=0)/IP(src=..., dst=..., ttl=1)/ICMP(id=5, seq=6)
const TIME_EXCEEDED =
  '45000038000100004001f5c4c00002fec00002010b00f4ff000000004500001c00010000010135ddc0000201c00002020800f7f400050006';
// IP(src='192.0.2.254', dst='192.0.2.1')/ICMP(type=5, code=1, gw='192.0.2.253')/IP(src=..., dst=...)/ICMP()
const REDIRECT =
  '45000038000100004001f5c4c00002fec000020105013801c00002fd4500001c000100004001f6dcc0000201c00002020800f7ff00000000';
// IP(src='192.0.2.254', dst='192.0.2.1')/ICMP(type=12, code=0, ptr=20)/IP(src=..., dst=..., ihl=6, options=[IPOption_NOP()]*4)/ICMP()
const PARAMETER_PROBLEM =
  '4500003c000100004001f5c0c00002fec00002010c00dfff1400000046000020000100004001f3d6c0000201c0000202010101010800f7ff00000000';
// IP(src='192.0.2.1', dst='192.0.2.2')/ICMP(chksum=0xdead)
const BAD_CHECKSUM = '4500001c000100004001f6dcc0000201c00002020800dead00000000';

const VECTORS = [
  ECHO,
  PORT_UNREACHABLE,
  FRAG_NEEDED,
  TIME_EXCEEDED,
  REDIRECT,
  PARAMETER_PROBLEM,
  BAD_CHECKSUM,
];

describe('icmp', () => {
  it('builds an echo request like Scapy', () => {
    expect(buildHex([ipv4(v4), icmp({ id: 0x1234, seq: 1 }), raw('abcdefgh')])).toBe(ECHO);
  });

  it('builds errors with their quoted datagram, the checksum covering the quote', () => {
    // the quoted UDP header given as raw bytes: 40000 -> 33434, len 16, checksum 0x1111
    expect(
      buildHex([
        ipv4(router),
        icmp({ type: 3, code: 3 }),
        ipv4({ ...v4, proto: 17, len: 36 }),
        raw({ data: '9c40829a00101111' }),
      ]),
    ).toBe(PORT_UNREACHABLE);
    expect(
      buildHex([
        ipv4(router),
        icmp({ type: 3, code: 4, mtu: 1400 }),
        ipv4({ ...v4, flags: 'DF' }),
        icmp({ id: 5, seq: 6 }),
      ]),
    ).toBe(FRAG_NEEDED);
    expect(
      buildHex([ipv4(router), icmp({ type: 11 }), ipv4({ ...v4, ttl: 1 }), icmp({ id: 5, seq: 6 })]),
    ).toBe(TIME_EXCEEDED);
    expect(buildHex([ipv4(router), icmp({ type: 5, code: 1, gw: '192.0.2.253' }), ipv4(v4), icmp()])).toBe(
      REDIRECT,
    );
    expect(
      buildHex([ipv4(router), icmp({ type: 12, ptr: 20 }), ipv4({ ...v4, options: '01010101' }), icmp()]),
    ).toBe(PARAMETER_PROBLEM);
  });

  it('decodes the fields of each type', () => {
    expect(decodeHex(ECHO, 'ipv4').layers[1]!.fields).toEqual({
      type: 8,
      code: 0,
      chksum: 0x5435,
      id: 0x1234,
      seq: 1,
    });
    expect(decodeHex(FRAG_NEEDED, 'ipv4').layers[1]!.fields).toEqual({
      type: 3,
      code: 4,
      chksum: 0xf783,
      unused: 0,
      mtu: 1400,
    });
    expect(decodeHex(TIME_EXCEEDED, 'ipv4').layers[1]!.fields).toEqual({
      type: 11,
      code: 0,
      chksum: 0xf4ff,
      unused: 0,
    });
    expect(decodeHex(REDIRECT, 'ipv4').layers[1]!.fields).toEqual({
      type: 5,
      code: 1,
      chksum: 0x3801,
      gw: '192.0.2.253',
    });
    expect(decodeHex(PARAMETER_PROBLEM, 'ipv4').layers[1]!.fields).toEqual({
      type: 12,
      code: 0,
      chksum: 0xdfff,
      ptr: 20,
      unused: 0,
    });
    expect(decodeHex(ECHO, 'ipv4').layers[1]!.info).toEqual({
      typeName: 'Echo (ping) request',
      checksum: 'good',
    });
  });

  it('decodes the quoted datagram without judging its lengths or checksums', () => {
    const unreachable = decodeHex(PORT_UNREACHABLE, 'ipv4', networkBindings);
    expect(stackOf(unreachable)).toBe('ipv4/icmp/ipv4/raw');
    expect(unreachable.problems).toEqual([]);
    expect(unreachable.layers[2]!.fields).toMatchObject({
      len: 36,
      proto: 17,
      src: '192.0.2.1',
      dst: '192.0.2.2',
    });

    for (const hex of [FRAG_NEEDED, TIME_EXCEEDED, REDIRECT, PARAMETER_PROBLEM]) {
      const decoded = decodeHex(hex, 'ipv4');
      expect(stackOf(decoded)).toBe('ipv4/icmp/ipv4/icmp');
      expect(decoded.problems).toEqual([]);
      expect(decoded.layers[2]!.info).toMatchObject({ checksum: 'good' });
      expect(decoded.layers[3]!.info).toMatchObject({ checksum: 'none' });
    }

    // a quote cut after 8 bytes of the echo: its checksum and total length are wrong, and not reported
    const quote = encodePacket([ipv4(v4), icmp({ id: 5 }), raw({ len: 8 })]).subarray(0, 28);
    const full = encodePacket([ipv4(router), icmp({ type: 11 }), raw({ data: quote })]);
    const decoded = expectRoundTrip(full, 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/icmp/ipv4/icmp');
    expect(decoded.problems).toEqual([]);

    // a quoted header with a wrong checksum: shown bad in info, not reported
    const badQuote = encodePacket([
      ipv4(router),
      icmp({ type: 11 }),
      ipv4({ ...v4, chksum: 0x1234 }),
      icmp(),
    ]);
    const bad = expectRoundTrip(badQuote, 'ipv4');
    expect(bad.problems).toEqual([]);
    expect(bad.layers[2]!.info).toMatchObject({ checksum: 'bad' });
  });

  it('a quoted first fragment still shows what it carries (as Wireshark)', () => {
    // tshark 4.0.17 shows eth:ethertype:ip:icmp:ip:udp for Scapy's Ether()/IP(...)/ICMP(type=11)
    //   /IP(src='192.0.2.1', dst='192.0.2.2', flags='MF', proto=17, len=1500)/Raw(bytes.fromhex('9c40829a05c81234'))
    const bytes = encodePacket([
      ipv4(router),
      icmp({ type: 11 }),
      ipv4({ ...v4, flags: 'MF', proto: 1, len: 1500 }),
      icmp({ id: 5, seq: 6 }),
    ]);
    const decoded = expectRoundTrip(bytes, 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/icmp/ipv4/icmp');
    expect(decoded.problems).toEqual([]);
    const later = encodePacket([
      ipv4(router),
      icmp({ type: 11 }),
      ipv4({ ...v4, frag: 10, proto: 1 }),
      icmp(),
    ]);
    expect(stackOf(expectRoundTrip(later, 'ipv4'))).toBe('ipv4/icmp/ipv4/raw');
  });

  it('the quoted UDP header decodes with the default bindings without problems', () => {
    const decoded = decodeHex(PORT_UNREACHABLE, 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/icmp/ipv4/udp');
    expect(decoded.problems).toEqual([]);
  });

  it('an error whose quote is shorter than an IPv4 header keeps it raw', () => {
    const decoded = decodeHex(buildHex([ipv4(router), icmp({ type: 3, code: 1 }), raw('4500001c')]), 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/icmp/raw');
    expect(decoded.problems).toEqual([]);
  });

  it('reports a bad checksum with the right value', () => {
    const decoded = decodeHex(BAD_CHECKSUM, 'ipv4');
    expect(decoded.problems.map(({ message: _, ...structured }) => structured)).toEqual([
      { layer: 'icmp', offset: 22, kind: 'bad-checksum', field: 'chksum', expected: 0xf7ff, actual: 0xdead },
    ]);
    expect(decoded.layers[1]!.info).toMatchObject({ checksum: 'bad' });
    expect(buildHex([ipv4(v4), icmp({ chksum: 0xdead })])).toBe(BAD_CHECKSUM);
  });

  it('an odd-length message checksums with a zero pad byte', () => {
    const hex = buildHex([ipv4(v4), icmp({ id: 7, seq: 9 }), raw('abc')]);
    expect(decodeHex(hex, 'ipv4').problems).toEqual([]);
    // IP(src='192.0.2.1', dst='192.0.2.2')/ICMP(id=7, seq=9)/Raw(b'abc')
    expect(hex).toBe('4500001f000100004001f6d9c0000201c00002020800338d00070009616263');
  });

  it('rejects values that do not fit', () => {
    expect(() => buildHex([ipv4(), icmp({ type: 256 })])).toThrow(FieldError);
    expect(() => buildHex([ipv4(), icmp({ id: 0x10000 })])).toThrow(FieldError);
    expect(() => buildHex([ipv4(), icmp({ type: 5, gw: 'x' })])).toThrow(FieldError);
    expect(() => buildHex([ipv4(), icmp({ type: 12, unused: 0x1000000 })])).toThrow(FieldError);
  });

  it('a message shorter than 8 bytes is truncated', () => {
    const decoded = decodeHex('4500001a000100004001f6dec0000201c000020208000000', 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/raw');
    expect(decoded.problems.map((problem) => problem.kind)).toEqual(['bad-length', 'truncated']);
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of VECTORS) expectJsonAndSpecRoundTrip(hex, 'ipv4');
  });

  it('property: random valid messages of every layout decode to the fields they were built from', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 8, 13, 3, 5, 11, 12, 4, 42),
        fc.nat(255),
        fc.nat(0xffff),
        fc.nat(0xffff),
        fc.nat(255),
        fc.uint8Array({ maxLength: 40 }),
        (type, code, a, b, c, payload) => {
          const fields =
            type === 0 || type === 8 || type === 13
              ? { type, code, id: a, seq: b }
              : type === 3
                ? { type, code, unused: a, mtu: b }
                : type === 5
                  ? { type, code, gw: `192.0.${c}.${a & 255}` }
                  : type === 12
                    ? { type, code, ptr: c, unused: a * 256 + (b & 255) }
                    : { type, code, unused: a * 0x10000 + b };
          const bytes = encodePacket([ipv4(v4), icmp(fields), raw(payload)]);
          const decoded = decodePacket(bytes, { first: 'ipv4', bindings: networkBindings });
          expect(decoded.problems.filter((problem) => problem.layer === 'icmp')).toEqual([]);
          expect(decoded.layers[1]!.fields).toMatchObject(fields);
          expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(icmpCodec);
  });

  it('property: random and mutated messages round-trip byte-exact', () => {
    checkRandomRoundTrip('icmp');
    checkRandomRoundTrip('icmp', bytesOfHex('0303'));
    checkRandomRoundTrip('ipv4', bytesOfHex('45000038000100004001f5c4c00002fec00002010b00f4ff0000000045'));
    checkMutatedRoundTrip(VECTORS, 'ipv4');
  });
});
