import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv6 } from '../../src/core/address.js';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import {
  formatNaFlags,
  icmpv6,
  icmpv6Codec,
  parseNaFlags,
  parseNdpOptions,
} from '../../src/layers/icmpv6.js';
import { ipv6 } from '../../src/layers/ipv6.js';
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

const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };
const router = { src: '2001:db8::fe', dst: '2001:db8::1' };

// IPv6(src='2001:db8::1', dst='2001:db8::2', tc=0x2e, fl=0x12345, hlim=255)/ICMPv6EchoRequest(id=0x1234, seq=9, data=b'ping')
const ECHO =
  '62e12345000c3aff20010db800000000000000000000000120010db8000000000000000000000002800033361234000970696e67';
// IPv6(src='2001:db8::1', dst='ff02::1:ff00:2', hlim=255)/ICMPv6ND_NS(tgt='2001:db8::2')/ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01')
const NS =
  '6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff00000287001c270000000020010db80000000000000000000000020101020000000001';
// IPv6(src='2001:db8::2', dst='2001:db8::1', hlim=255)/ICMPv6ND_NA(R=0, S=1, O=1, tgt='2001:db8::2')/ICMPv6NDOptDstLLAddr(lladdr='02:00:00:00:00:02')
const NA =
  '6000000000203aff20010db800000000000000000000000220010db800000000000000000000000188008a716000000020010db80000000000000000000000020201020000000002';
// IPv6(src='2001:db8::fe', dst='2001:db8::1')/ICMPv6PacketTooBig(mtu=1400)/IPv6(src=..., dst=...)/ICMPv6EchoRequest(data=b'x'*16)
const TOO_BIG =
  '6000000000483a4020010db80000000000000000000000fe20010db80000000000000000000000010200018e000005786000000000183a4020010db800000000000000000000000120010db8000000000000000000000002800060740000000078787878787878787878787878787878';
// IPv6(src='2001:db8::fe', dst='2001:db8::1')/ICMPv6DestUnreach(code=4)/IPv6(src=..., dst=...)/UDP(sport=40000, dport=33434)
const UNREACHABLE =
  '6000000000383a4020010db80000000000000000000000fe20010db8000000000000000000000001010430e900000000600000000008114020010db800000000000000000000000120010db80000000000000000000000029c40829a0008858e';
// IPv6(src='2001:db8::fe', dst='2001:db8::1')/ICMPv6TimeExceeded()/IPv6(src=..., dst=..., hlim=1)/ICMPv6EchoRequest()
const TIME_EXCEEDED =
  '6000000000383a4020010db80000000000000000000000fe20010db800000000000000000000000103000655000000006000000000083a0120010db800000000000000000000000120010db80000000000000000000000028000244800000000';
// IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoRequest(cksum=0xbeef)
const BAD_CHECKSUM =
  '6000000000083a4020010db800000000000000000000000120010db80000000000000000000000028000beef00000000';

// IPv6(src='fe80::1', dst='ff02::1', hlim=255)/ICMPv6ND_RA(chlim=64, M=1, O=1, prf=1, routerlifetime=1800,
//   reachabletime=30000, retranstimer=1000)/ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01')
//   /ICMPv6NDOptMTU(mtu=1500)/ICMPv6NDOptPrefixInfo(prefix='2001:db8::', prefixlen=64)
const RA =
  '6000000000403afffe800000000000000000000000000001ff02000000000000000000000000000186003bba40c8070800007530000003e8010102000000000105010000000005dc030440c0ffffffffffffffff0000000020010db8000000000000000000000000';
// IPv6(src='fe80::1', dst='2001:db8::1', hlim=255)/ICMPv6ND_Redirect(tgt='fe80::2', dst='2001:db8::99')
//   /ICMPv6NDOptDstLLAddr(lladdr='02:00:00:00:00:02')
const REDIRECT =
  '6000000000303afffe80000000000000000000000000000120010db80000000000000000000000018900198100000000fe80000000000000000000000000000220010db80000000000000000000000990201020000000002';

const VECTORS = [ECHO, NS, NA, TOO_BIG, UNREACHABLE, TIME_EXCEEDED, BAD_CHECKSUM, RA, REDIRECT];

describe('icmpv6', () => {
  it('builds echo with the IPv6 pseudo-header checksum, like Scapy', () => {
    expect(
      buildHex([
        ipv6({ ...v6, tc: 0x2e, fl: 0x12345, hlim: 255 }),
        icmpv6({ id: 0x1234, seq: 9 }),
        raw('ping'),
      ]),
    ).toBe(ECHO);
  });

  it('builds neighbour solicitation and advertisement with the link-layer address option', () => {
    expect(
      buildHex([
        ipv6({ src: '2001:db8::1', dst: 'ff02::1:ff00:2', hlim: 255 }),
        icmpv6({ type: 135, target: '2001:db8::2', lladdr: '02:00:00:00:00:01' }),
      ]),
    ).toBe(NS);
    expect(
      buildHex([
        ipv6({ src: '2001:db8::2', dst: '2001:db8::1', hlim: 255 }),
        icmpv6({ type: 136, flags: 'SO', target: '2001:db8::2', lladdr: '02:00:00:00:00:02' }),
      ]),
    ).toBe(NA);
    // the same option given as bytes
    expect(
      buildHex([
        ipv6({ src: '2001:db8::2', dst: '2001:db8::1', hlim: 255 }),
        icmpv6({ type: 136, flags: 3, target: '2001:db8::2', options: '0201020000000002' }),
      ]),
    ).toBe(NA);
  });

  it('builds a router advertisement and a redirect like Scapy', () => {
    const options = '05010000000005dc030440c0ffffffffffffffff0000000020010db8000000000000000000000000';
    expect(
      buildHex([
        ipv6({ src: 'fe80::1', dst: 'ff02::1', hlim: 255 }),
        icmpv6({
          type: 134,
          chlim: 64,
          raflags: 0xc8,
          reachabletime: 30000,
          retranstimer: 1000,
          lladdr: '02:00:00:00:00:01',
          options,
        }),
      ]),
    ).toBe(RA);
    expect(
      buildHex([
        ipv6({ src: 'fe80::1', dst: '2001:db8::1', hlim: 255 }),
        icmpv6({ type: 137, target: 'fe80::2', dst: '2001:db8::99', lladdr: '02:00:00:00:00:02' }),
      ]),
    ).toBe(REDIRECT);
  });

  it('decodes a router advertisement and a redirect', () => {
    const ra = decodeHex(RA, 'ipv6');
    expect(ra.problems).toEqual([]);
    expect(ra.layers[1]!.fields).toMatchObject({
      type: 134,
      chlim: 64,
      raflags: 0xc8,
      routerlifetime: 1800,
      reachabletime: 30000,
      retranstimer: 1000,
    });
    expect(ra.layers[1]!.info!.options).toEqual([
      { type: 1, name: 'Source link-layer address', offset: 0, length: 8, lladdr: '02:00:00:00:00:01' },
      { type: 5, name: 'MTU', offset: 8, length: 8, mtu: 1500 },
      { type: 3, name: 'Prefix information', offset: 16, length: 32, prefixLength: 64, prefix: '2001:db8::' },
    ]);
    const redirect = decodeHex(REDIRECT, 'ipv6');
    expect(redirect.problems).toEqual([]);
    expect(redirect.layers[1]!.fields).toMatchObject({
      type: 137,
      res: 0,
      target: 'fe80::2',
      dst: '2001:db8::99',
    });
    expect(redirect.layers[1]!.info).toMatchObject({ lladdr: '02:00:00:00:00:02', checksum: 'good' });
  });

  it('builds errors quoting the offending packet', () => {
    expect(
      buildHex([ipv6(router), icmpv6({ type: 2, mtu: 1400 }), ipv6(v6), icmpv6(), raw('x'.repeat(16))]),
    ).toBe(TOO_BIG);
    expect(
      buildHex([
        ipv6(router),
        icmpv6({ type: 1, code: 4 }),
        ipv6({ ...v6, nh: 17 }),
        raw({ data: '9c40829a0008858e' }),
      ]),
    ).toBe(UNREACHABLE);
    expect(buildHex([ipv6(router), icmpv6({ type: 3 }), ipv6({ ...v6, hlim: 1 }), icmpv6()])).toBe(
      TIME_EXCEEDED,
    );
  });

  it('decodes NS and NA with target, flags and options', () => {
    const ns = decodeHex(NS, 'ipv6');
    expect(stackOf(ns)).toBe('ipv6/icmpv6');
    expect(ns.problems).toEqual([]);
    const nsLayer = ns.layers[1]!;
    expect({ ...nsLayer.fields, options: toHex(nsLayer.fields.options as Uint8Array) }).toEqual({
      type: 135,
      code: 0,
      chksum: 0x1c27,
      res: 0,
      target: '2001:db8::2',
      options: '0101020000000001',
    });
    expect(nsLayer.info).toMatchObject({
      typeName: 'Neighbor Solicitation',
      checksum: 'good',
      lladdr: '02:00:00:00:00:01',
    });

    const na = decodeHex(NA, 'ipv6').layers[1]!;
    expect(na.fields).toMatchObject({ type: 136, flags: 3, res: 0, target: '2001:db8::2' });
    expect(na.info).toMatchObject({ flags: 'SO', lladdr: '02:00:00:00:00:02', checksum: 'good' });
  });

  it('decodes echo and error fields, and the quoted packet without judging it', () => {
    expect(decodeHex(ECHO, 'ipv6').layers[1]!.fields).toEqual({
      type: 128,
      code: 0,
      chksum: 0x3336,
      id: 0x1234,
      seq: 9,
    });
    const tooBig = decodeHex(TOO_BIG, 'ipv6');
    expect(stackOf(tooBig)).toBe('ipv6/icmpv6/ipv6/icmpv6/raw');
    expect(tooBig.layers[1]!.fields).toEqual({ type: 2, code: 0, chksum: 0x018e, mtu: 1400 });
    expect(tooBig.layers[3]!.info).toMatchObject({ checksum: 'none' });
    expect(tooBig.problems).toEqual([]);
    const unreachable = decodeHex(UNREACHABLE, 'ipv6', networkBindings);
    expect(stackOf(unreachable)).toBe('ipv6/icmpv6/ipv6/raw');
    expect(unreachable.layers[1]!.fields).toEqual({ type: 1, code: 4, chksum: 0x30e9, unused: 0 });
    expect(unreachable.problems).toEqual([]);
    const timeExceeded = decodeHex(TIME_EXCEEDED, 'ipv6');
    expect(stackOf(timeExceeded)).toBe('ipv6/icmpv6/ipv6/icmpv6');
    expect(timeExceeded.problems).toEqual([]);
  });

  it('a cut quote (payload length larger than the bytes) is not reported', () => {
    const quote = bytesOfHex(buildHex([ipv6(v6), icmpv6(), raw({ len: 40 })])).subarray(0, 56);
    const decoded = expectRoundTrip(
      bytesOfHex(buildHex([ipv6(router), icmpv6({ type: 3 }), raw({ data: quote })])),
      'ipv6',
    );
    expect(stackOf(decoded)).toBe('ipv6/icmpv6/ipv6/icmpv6/raw');
    expect(decoded.layers[2]!.fields.plen).toBe(48);
    expect(decoded.problems).toEqual([]);
  });

  it('reports a bad checksum with the right value', () => {
    const decoded = decodeHex(BAD_CHECKSUM, 'ipv6');
    expect(decoded.problems.map(({ message: _, ...structured }) => structured)).toEqual([
      {
        layer: 'icmpv6',
        offset: 42,
        kind: 'bad-checksum',
        field: 'chksum',
        expected: 0x2448,
        actual: 0xbeef,
      },
    ]);
    expect(buildHex([ipv6(v6), icmpv6({ chksum: 0xbeef })])).toBe(BAD_CHECKSUM);
  });

  it('reports an NDP option of length 0', () => {
    const hex = buildHex([ipv6(v6), icmpv6({ type: 135, options: '0100020000000001' })]);
    const decoded = expectRoundTrip(bytesOfHex(hex), 'ipv6');
    expect(decoded.problems.map((problem) => problem.kind)).toEqual(['malformed']);
  });

  it('parses NA flags and NDP options', () => {
    expect(parseNaFlags('RSO')).toBe(7);
    expect(parseNaFlags('S+O')).toBe(3);
    expect(parseNaFlags('')).toBe(0);
    expect(parseNaFlags('5')).toBe(5);
    expect(parseNaFlags('X')).toBeUndefined();
    expect(formatNaFlags(5)).toBe('RO');
    expect(parseNdpOptions(bytesOfHex('0101020000000001050100000000050c'))).toEqual([
      { type: 1, name: 'Source link-layer address', offset: 0, length: 8, lladdr: '02:00:00:00:00:01' },
      { type: 5, name: 'MTU', offset: 8, length: 8, mtu: 1292 },
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(parseNdpOptions(bytes).length).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });

  it('defaults: NA flags R+O (Scapy), NS target 2001:db8::2', () => {
    const na = decodeHex(buildHex([ipv6(), icmpv6({ type: 136 })]), 'ipv6').layers[1]!;
    expect(na.fields).toMatchObject({ flags: 5, target: '2001:db8::1' });
    const ns = decodeHex(buildHex([ipv6(), icmpv6({ type: 135 })]), 'ipv6').layers[1]!;
    expect(ns.fields).toMatchObject({ target: '2001:db8::2' });
  });

  it('rejects values that do not fit and bad addresses', () => {
    expect(() => buildHex([ipv6(), icmpv6({ type: 136, flags: 'X' })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), icmpv6({ type: 136, res: 0x20000000 })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), icmpv6({ type: 135, target: '192.0.2.1' })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), icmpv6({ type: 135, lladdr: '02:00' })])).toThrow(FieldError);
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of VECTORS) expectJsonAndSpecRoundTrip(hex, 'ipv6');
  });

  it('property: random valid messages of every layout decode to the fields they were built from', () => {
    const address = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => formatIPv6(bytes));
    fc.assert(
      fc.property(
        fc.constantFrom(128, 129, 1, 2, 3, 4, 133, 134, 135, 136, 137, 200),
        fc.nat(255),
        fc.nat(0xffff),
        fc.nat(0xffff),
        fc.nat(7),
        address,
        fc.uint8Array({ maxLength: 5 }).map((units) => units.map((unit) => (unit % 3) + 1)),
        (type, code, a, b, flags, target, optionUnits) => {
          // NDP options: well-formed TLVs of 1-3 units (type 0x1e, zero data)
          const options = new Uint8Array(optionUnits.reduce((sum, unit) => sum + unit * 8, 0));
          let at = 0;
          for (const unit of optionUnits) {
            options[at] = 0x1e;
            options[at + 1] = unit;
            at += unit * 8;
          }
          const word = a * 0x10000 + b;
          const fields =
            type === 128 || type === 129
              ? { type, code, id: a, seq: b }
              : type === 2
                ? { type, code, mtu: word }
                : type === 4
                  ? { type, code, ptr: word }
                  : type === 133
                    ? { type, code, res: word, options }
                    : type === 135
                      ? { type, code, res: word, target, options }
                      : type === 136
                        ? { type, code, flags, res: word & 0x1fffffff, target, options }
                        : type === 134
                          ? {
                              type,
                              code,
                              chlim: a & 255,
                              raflags: b & 255,
                              routerlifetime: a,
                              reachabletime: word,
                              retranstimer: b,
                              options,
                            }
                          : type === 137
                            ? { type, code, res: word, target, dst: target, options }
                            : { type, code, unused: word };
          const bytes = encodePacket([
            ipv6(v6),
            icmpv6(fields),
            raw({ len: type >= 128 && type <= 129 ? 10 : 0 }),
          ]);
          const decoded = decodePacket(bytes, { first: 'ipv6', bindings: networkBindings });
          expect(decoded.problems).toEqual([]);
          expect(decoded.layers[1]!.fields).toMatchObject({
            ...fields,
            ...('options' in fields ? { options: expect.any(Uint8Array) } : {}),
          });
          if ('options' in fields)
            expect(toHex(decoded.layers[1]!.fields.options as Uint8Array)).toBe(toHex(options));
          expect(decoded.layers[1]!.info).toMatchObject({ checksum: 'good' });
          expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(icmpv6Codec);
  });

  it('property: random and mutated messages round-trip byte-exact', () => {
    checkRandomRoundTrip('icmpv6');
    checkRandomRoundTrip('icmpv6', bytesOfHex('87'));
    checkRandomRoundTrip('icmpv6', bytesOfHex('88'));
    checkRandomRoundTrip(
      'ipv6',
      bytesOfHex('6000000000383a4020010db80000000000000000000000fe20010db8000000000000000000000001'),
      100,
    );
    checkMutatedRoundTrip(VECTORS, 'ipv6');
  });
});
