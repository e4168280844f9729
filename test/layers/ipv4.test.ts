import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { icmp } from '../../src/layers/icmp.js';
import { formatIpv4Flags, ipv4, ipv4Codec, parseIpv4Flags, parseIpv4Options } from '../../src/layers/ipv4.js';
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

// IP(src='192.0.2.1', dst='192.0.2.2', tos=0xb8, id=0x1234, flags='DF', ttl=32)/ICMP(id=0x4242, seq=7)/Raw(b'abc')
const DF_ECHO = '45b8001f123440002001c3eec0000201c00002020800f15342420007616263';
// IP(src=..., dst=..., options=[IPOption_RR(routers=['198.51.100.1','198.51.100.2']), IPOption_NOP(),
//    IPOption_Timestamp(flg=1, pointer=13, internet_address='198.51.100.3', timestamp=1000)])/ICMP()
const OPTIONS =
  '4b000034000100004001fb37c0000201c0000202070b04c6336401c633640201440c0d01c6336403000003e80800f7ff00000000';
// IP(src=..., dst=..., ttl=1, options=[IPOption_Router_Alert()])/Raw(b'x')   (Scapy leaves proto 0)
const ROUTER_ALERT = '46000019000100000100a0dcc0000201c00002029404000078';
// IP(src=..., dst=..., proto=17, flags='MF', id=99)/Raw(bytes(range(16)))
const FIRST_FRAGMENT = '45000024006320004011d662c0000201c0000202000102030405060708090a0b0c0d0e0f';
// IP(src=..., dst=..., proto=17, frag=185, id=99)/Raw(bytes(range(16)))
const LATER_FRAGMENT = '45000024006300b94011f5a9c0000201c0000202000102030405060708090a0b0c0d0e0f';
// IP(src=..., dst=..., flags='evil+DF', proto=6, id=7)/Raw(b'zz')
const EVIL = '450000160007c000400636d7c0000201c00002027a7a';
// IP(src=..., dst=..., chksum=0x1234)/ICMP()
const BAD_CHECKSUM = '4500001c0001000040011234c0000201c00002020800f7ff00000000';

const VECTORS = [DF_ECHO, OPTIONS, ROUTER_ALERT, FIRST_FRAGMENT, LATER_FRAGMENT, EVIL, BAD_CHECKSUM];

describe('ipv4', () => {
  it('builds like Scapy: tos, id, DF, ttl, computed length, protocol and checksum', () => {
    expect(
      buildHex([
        ipv4({ ...v4, tos: 0xb8, id: 0x1234, flags: 'DF', ttl: 32 }),
        icmp({ id: 0x4242, seq: 7 }),
        raw('abc'),
      ]),
    ).toBe(DF_ECHO);
    // DSCP EF (46) and ECN 0 give the same tos byte
    expect(
      buildHex([
        ipv4({ ...v4, dscp: 46, id: 0x1234, flags: 2, ttl: 32 }),
        icmp({ id: 0x4242, seq: 7 }),
        raw('abc'),
      ]),
    ).toBe(DF_ECHO);
  });

  it('builds options byte-exact (record route, NOP, timestamp) with ihl from their length', () => {
    const options = '070b04c6336401c633640201440c0d01c6336403000003e8';
    expect(buildHex([ipv4({ ...v4, options }), icmp()])).toBe(OPTIONS);
    expect(buildHex([ipv4({ ...v4, ttl: 1, proto: 0, options: '94040000' }), raw('x')])).toBe(ROUTER_ALERT);
  });

  it('pads options with zeros (EOL) to 4 octets', () => {
    const hex = buildHex([ipv4({ ...v4, options: '01' }), raw('x')]);
    expect(hex.slice(0, 2)).toBe('46');
    expect(hex.slice(40, 48)).toBe('01000000');
    expect(decodeHex(hex, 'ipv4').problems).toEqual([]);
  });

  it('writes fragments and the evil bit like Scapy', () => {
    expect(buildHex([ipv4({ ...v4, proto: 17, flags: 'MF', id: 99 }), raw({ len: 16 })])).toBe(
      FIRST_FRAGMENT,
    );
    expect(buildHex([ipv4({ ...v4, proto: 17, frag: 185, id: 99 }), raw({ len: 16 })])).toBe(LATER_FRAGMENT);
    expect(buildHex([ipv4({ ...v4, flags: 'evil+DF', proto: 6, id: 7 }), raw('zz')])).toBe(EVIL);
  });

  it('decodes every field and the parsed options', () => {
    const decoded = decodeHex(OPTIONS, 'ipv4');
    expect(stackOf(decoded)).toBe('ipv4/icmp');
    expect(decoded.problems).toEqual([]);
    const layer = decoded.layers[0]!;
    expect({ ...layer.fields, options: toHex(layer.fields.options as Uint8Array) }).toEqual({
      version: 4,
      ihl: 11,
      tos: 0,
      len: 52,
      id: 1,
      flags: 0,
      frag: 0,
      ttl: 64,
      proto: 1,
      chksum: 0xfb37,
      src: '192.0.2.1',
      dst: '192.0.2.2',
      options: '070b04c6336401c633640201440c0d01c6336403000003e8',
    });
    expect(layer.info).toMatchObject({ checksum: 'good', dscp: 0, ecn: 0, flags: '', fragment: false });
    expect(layer.info!.options).toEqual([
      {
        kind: 7,
        name: 'Record Route',
        offset: 0,
        length: 11,
        pointer: 4,
        addresses: ['198.51.100.1', '198.51.100.2'],
      },
      { kind: 1, name: 'NOP', offset: 11, length: 1 },
      {
        kind: 68,
        name: 'Timestamp',
        offset: 12,
        length: 12,
        pointer: 13,
        overflow: 0,
        flag: 1,
        timestamps: [{ address: '198.51.100.3', timestamp: 1000 }],
      },
    ]);
  });

  it('shows DSCP/ECN and flag names in info', () => {
    const layer = decodeHex(DF_ECHO, 'ipv4').layers[0]!;
    expect(layer.fields.flags).toBe(2);
    expect(layer.info).toMatchObject({ dscp: 46, ecn: 0, flags: 'DF', checksum: 'good' });
    expect(decodeHex(EVIL, 'ipv4').layers[0]!.info).toMatchObject({ flags: 'evil+DF' });
  });

  it('parses and prints flags', () => {
    expect(parseIpv4Flags('DF')).toBe(2);
    expect(parseIpv4Flags('MF')).toBe(1);
    expect(parseIpv4Flags('DF+MF')).toBe(3);
    expect(parseIpv4Flags('MF+DF')).toBe(3);
    expect(parseIpv4Flags('evil')).toBe(4);
    expect(parseIpv4Flags('5')).toBe(5);
    expect(parseIpv4Flags('')).toBe(0);
    expect(parseIpv4Flags('8')).toBeUndefined();
    expect(parseIpv4Flags('XF')).toBeUndefined();
    expect(formatIpv4Flags(7)).toBe('evil+DF+MF');
  });

  it('follows fragments with raw bytes', () => {
    expect(stackOf(decodeHex(FIRST_FRAGMENT, 'ipv4'))).toBe('ipv4/raw');
    expect(stackOf(decodeHex(LATER_FRAGMENT, 'ipv4'))).toBe('ipv4/raw');
    expect(decodeHex(LATER_FRAGMENT, 'ipv4').layers[0]!.info).toMatchObject({ fragment: true });
  });

  it('reports a bad checksum with the right value, and writes chksum 0 as 0', () => {
    const decoded = decodeHex(BAD_CHECKSUM, 'ipv4');
    expect(decoded.problems.map(({ message: _, ...structured }) => structured)).toEqual([
      { layer: 'ipv4', offset: 10, kind: 'bad-checksum', field: 'chksum', expected: 0xf6dc, actual: 0x1234 },
    ]);
    expect(decoded.layers[0]!.info).toMatchObject({ checksum: 'bad' });
    expect(buildHex([ipv4({ ...v4, chksum: 0x1234 }), icmp()])).toBe(BAD_CHECKSUM);
    expect(buildHex([ipv4({ ...v4, chksum: 0 }), icmp()]).slice(20, 24)).toBe('0000');
  });

  it('reports total length larger than the bytes, smaller than the header, and 0', () => {
    const long = decodeHex(buildHex([ipv4({ ...v4, len: 100 }), icmp()]), 'ipv4');
    expect(long.problems.map((problem) => problem.message)).toEqual([
      'total length 100 exceeds the 28 bytes available',
    ]);
    expect(stackOf(long)).toBe('ipv4/icmp');

    const short = expectRoundTrip(bytesOfHex(buildHex([ipv4({ ...v4, len: 12 }), icmp()])), 'ipv4');
    expect(short.problems.map((problem) => problem.message)).toEqual([
      'total length 12 is less than the header length 20',
    ]);
    expect(stackOf(short)).toBe('ipv4');
    expect(short.layers[0]!.trailer!.length).toBe(8);

    const zero = decodeHex(buildHex([ipv4({ ...v4, len: 0 }), icmp()]), 'ipv4');
    expect(zero.problems[0]!.kind).toBe('bad-length');
    expect(stackOf(zero)).toBe('ipv4/icmp');
  });

  it('reports ihl < 5 and a wrong version, keeping the bytes', () => {
    const decoded = expectRoundTrip(
      bytesOfHex(buildHex([ipv4({ ...v4, ihl: 3, version: 5 }), icmp()])),
      'ipv4',
    );
    expect(decoded.problems.map((problem) => problem.message)).toEqual([
      'version 5, should be 4',
      'bad header length 12 (ihl 3), should be at least 20',
    ]);
    expect(stackOf(decoded)).toBe('ipv4/raw');
  });

  it('a header with options longer than the bytes is truncated', () => {
    const decoded = decodeHex(OPTIONS.slice(0, 60), 'ipv4');
    expect(stackOf(decoded)).toBe('raw');
    expect(decoded.problems[0]!.kind).toBe('truncated');
  });

  it('makes Ethernet padding after a short packet the Ethernet trailer', () => {
    const frame = encodePacket([ether(), ipv4(v4), icmp()]);
    const padded = new Uint8Array(60);
    padded.set(frame);
    const decoded = expectRoundTrip(padded, 'ether');
    expect(stackOf(decoded)).toBe('ether/ipv4/icmp');
    expect(decoded.layers[0]!.trailer!.length).toBe(60 - frame.length);
    expect(decoded.problems).toEqual([]);
  });

  it('defaults: id 1, ttl 64, 192.0.2.1 -> 192.0.2.2, protocol 59 before raw data', () => {
    const hex = buildHex([ipv4(), raw('x')]);
    // IP(src='192.0.2.1', dst='192.0.2.2', proto=59)/Raw(b'x')
    expect(hex).toBe('4500001500010000403bf6a9c0000201c000020278');
    expect(decodeHex(hex, 'ipv4').problems).toEqual([]);
  });

  it('rejects values that do not fit and bad addresses', () => {
    expect(() => buildHex([ipv4({ ttl: 256 })])).toThrow(FieldError);
    expect(() => buildHex([ipv4({ flags: 'XF' })])).toThrow(FieldError);
    expect(() => buildHex([ipv4({ flags: 8 })])).toThrow(FieldError);
    expect(() => buildHex([ipv4({ src: '192.0.2' })])).toThrow(FieldError);
    expect(() => buildHex([ipv4({ frag: 0x2000 })])).toThrow(FieldError);
    expect(() => buildHex([ipv4({ options: 'xyz' })])).toThrow(FieldError);
    expect(() => buildHex([ipv4(), raw({ len: 70000 })])).toThrow(FieldError);
  });

  it('option parsing never loops or throws on junk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const options = parseIpv4Options(bytes);
        expect(options.length).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });

  it('property: random valid headers decode to the fields they were built from', () => {
    fc.assert(
      fc.property(
        fc.record({
          tos: fc.nat(255),
          id: fc.nat(0xffff),
          flags: fc.nat(3).map((value) => value & 2),
          ttl: fc.nat(255),
          src: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.')),
          dst: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.')),
          options: fc.uint8Array({ maxLength: 40 }).map((bytes) => bytes.map(() => 1)),
        }),
        fc.uint8Array({ maxLength: 64 }),
        (fields, payload) => {
          const bytes = encodePacket([ipv4(fields), raw(payload)]);
          const decoded = decodePacket(bytes, { first: 'ipv4', bindings: networkBindings });
          expect(decoded.problems).toEqual([]);
          const got = decoded.layers[0]!.fields;
          expect(got).toMatchObject({
            tos: fields.tos,
            id: fields.id,
            flags: fields.flags,
            ttl: fields.ttl,
            src: fields.src,
            dst: fields.dst,
          });
          expect((got.options as Uint8Array).length).toBe((fields.options.length + 3) & ~3);
          expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of VECTORS) expectJsonAndSpecRoundTrip(hex, 'ipv4');
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(ipv4Codec);
  });

  it('property: random and mutated headers round-trip byte-exact', () => {
    checkRandomRoundTrip('ipv4', bytesOfHex('45'));
    checkRandomRoundTrip('ipv4', bytesOfHex('4f'));
    checkRandomRoundTrip('ipv4');
    checkMutatedRoundTrip(VECTORS, 'ipv4');
  });
});
