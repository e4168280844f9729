import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { icmpv6 } from '../../src/layers/icmpv6.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import {
  ipv6ChecksumDestination,
  ipv6dest,
  ipv6destCodec,
  ipv6frag,
  ipv6fragCodec,
  ipv6hop,
  ipv6hopCodec,
  ipv6route,
  ipv6routeCodec,
  parseIpv6Options,
} from '../../src/layers/ipv6-ext.js';
import { raw } from '../../src/layers/raw.js';
import {
  buildHex,
  hex as bytesOfHex,
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  decodeHex,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  stackOf,
} from './harness.js';

const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };
const a10 = '2001:db8::10';
const a11 = '2001:db8::11';

// IPv6(src='2001:db8::1', dst='2001:db8::2')/IPv6ExtHdrHopByHop(options=[RouterAlert()])/IPv6ExtHdrDestOpt()
//   /IPv6ExtHdrRouting(addresses=['2001:db8::10','2001:db8::11'], segleft=0)/IPv6ExtHdrFragment(id=0xabcdef01)
//   /ICMPv6EchoRequest(id=3, seq=4)
const CHAIN =
  '600000000048004020010db800000000000000000000000120010db80000000000000000000000023c000502000001002b000104000000002c0400000000000020010db800000000000000000000001020010db80000000000000000000000113a000000abcdef018000244100030004';
// IPv6(...)/IPv6ExtHdrSegmentRouting(addresses=['2001:db8::2','2001:db8::20'], segleft=0, lastentry=1)
//   /IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=b'ab')])/Raw(b'data')
const SRH_DEST =
  '6000000000342b4020010db800000000000000000000000120010db80000000000000000000000023c0404000100000020010db800000000000000000000000220010db80000000000000000000000203b001e026162010064617461';
// IPv6(...)/IPv6ExtHdrFragment(nh=58, offset=100, m=1, id=5, res1=0x11, res2=2)/Raw(bytes(range(8)))
const FRAGMENT =
  '6000000000102c4020010db800000000000000000000000120010db80000000000000000000000023a110325000000050001020304050607';
// Upper-layer checksums over the final destination (tshark 4.0.17 reports all three checksums good):
// IPv6(...)/IPv6ExtHdrRouting(addresses=['2001:db8::10','2001:db8::11'])/ICMPv6EchoRequest()
const RH0_FINAL =
  '6000000000302b4020010db800000000000000000000000120010db80000000000000000000000023a0400020000000020010db800000000000000000000001020010db80000000000000000000000118000243900000000';
// IPv6(...)/IPv6ExtHdrSegmentRouting(addresses=['2001:db8::30','2001:db8::2'])/ICMPv6EchoRequest()
const SRH_FINAL =
  '6000000000302b4020010db800000000000000000000000120010db80000000000000000000000023a0404010100000020010db800000000000000000000003020010db80000000000000000000000028000241a00000000';
// IPv6(...)/IPv6ExtHdrRouting(type=2, addresses=['2001:db8::40'])/ICMPv6EchoRequest()
const RH2_FINAL =
  '6000000000202b4020010db800000000000000000000000120010db80000000000000000000000023a0202010000000020010db80000000000000000000000408000240a00000000';

const VECTORS = [CHAIN, SRH_DEST, FRAGMENT, RH0_FINAL, SRH_FINAL, RH2_FINAL];

describe('IPv6 extension headers', () => {
  it('builds a hop-by-hop / destination / routing / fragment chain like Scapy, with nh, len and padding computed', () => {
    expect(
      buildHex([
        ipv6(v6),
        ipv6hop({ options: '05020000' }),
        ipv6dest(),
        ipv6route({ addresses: [a10, a11], segleft: 0 }),
        ipv6frag({ id: 0xabcdef01 }),
        icmpv6({ id: 3, seq: 4 }),
      ]),
    ).toBe(CHAIN);
  });

  it('builds an SRH and destination options with PadN, like Scapy', () => {
    expect(
      buildHex([
        ipv6(v6),
        ipv6route({ type: 4, addresses: ['2001:db8::2', '2001:db8::20'], segleft: 0 }),
        ipv6dest({ options: '1e026162' }),
        raw('data'),
      ]),
    ).toBe(SRH_DEST);
  });

  it('builds a fragment header with every bit, like Scapy', () => {
    expect(
      buildHex([
        ipv6(v6),
        ipv6frag({ nh: 58, offset: 100, m: 1, id: 5, res: 0x11, res2: 2 }),
        raw({ len: 8 }),
      ]),
    ).toBe(FRAGMENT);
  });

  it('pads with Pad1 when one octet is missing', () => {
    const hex = buildHex([ipv6(v6), ipv6hop({ options: '1e03616263' })]);
    expect(hex.slice(80)).toBe('3b001e0361626300');
  });

  it('computes upper-layer checksums over the final destination of a routing header (as Scapy and Wireshark)', () => {
    expect(buildHex([ipv6(v6), ipv6route({ addresses: [a10, a11] }), icmpv6()])).toBe(RH0_FINAL);
    expect(
      buildHex([ipv6(v6), ipv6route({ type: 4, addresses: ['2001:db8::30', '2001:db8::2'] }), icmpv6()]),
    ).toBe(SRH_FINAL);
    expect(buildHex([ipv6(v6), ipv6route({ type: 2, addresses: ['2001:db8::40'] }), icmpv6()])).toBe(
      RH2_FINAL,
    );
    for (const hex of [RH0_FINAL, SRH_FINAL, RH2_FINAL]) {
      const decoded = decodeHex(hex, 'ipv6');
      expect(decoded.problems).toEqual([]);
      expect(decoded.layers[2]!.info).toMatchObject({ checksum: 'good' });
    }
    const bytes = bytesOfHex(RH0_FINAL);
    expect(ipv6ChecksumDestination(bytes, 0, 80)).toBe(64);
    expect(ipv6ChecksumDestination(bytesOfHex(CHAIN), 0, 112)).toBe(24); // segleft 0: the IPv6 destination
  });

  it('decodes the chain with every field', () => {
    const decoded = decodeHex(CHAIN, 'ipv6');
    expect(stackOf(decoded)).toBe('ipv6/ipv6hop/ipv6dest/ipv6route/ipv6frag/icmpv6');
    expect(decoded.problems).toEqual([]);
    const [, hop, dest, route, frag] = decoded.layers;
    expect({ ...hop!.fields, options: toHex(hop!.fields.options as Uint8Array) }).toEqual({
      nh: 60,
      len: 0,
      options: '050200000100',
    });
    expect(hop!.info).toEqual({
      options: [
        { type: 5, name: 'Router Alert', offset: 0, length: 2, value: 0 },
        { type: 1, name: 'PadN', offset: 4, length: 0 },
      ],
    });
    expect(dest!.fields.nh).toBe(43);
    expect({ ...route!.fields, data: toHex(route!.fields.data as Uint8Array) }).toEqual({
      nh: 44,
      len: 4,
      type: 0,
      segleft: 0,
      data: `00000000${'20010db8000000000000000000000010'}${'20010db8000000000000000000000011'}`,
    });
    expect(route!.info).toEqual({ addresses: [a10, a11] });
    expect(frag!.fields).toEqual({ nh: 58, res: 0, offset: 0, res2: 0, m: 0, id: 0xabcdef01 });
    expect(frag!.info).toEqual({ fragment: false });
  });

  it('decodes SRH segments and a fragment with an offset as raw', () => {
    const srh = decodeHex(SRH_DEST, 'ipv6');
    expect(stackOf(srh)).toBe('ipv6/ipv6route/ipv6dest/raw');
    expect(srh.layers[1]!.info).toEqual({
      addresses: ['2001:db8::2', '2001:db8::20'],
      lastEntry: 1,
      flags: 0,
      tag: 0,
    });
    const fragment = decodeHex(FRAGMENT, 'ipv6');
    expect(stackOf(fragment)).toBe('ipv6/ipv6frag/raw');
    expect(fragment.layers[1]!.fields).toEqual({ nh: 58, res: 0x11, offset: 100, res2: 2, m: 1, id: 5 });
  });

  it('a first fragment quoted in an ICMPv6 error still shows its upper layer', () => {
    const quoted = [ipv6(v6), ipv6frag({ m: 1, id: 9 }), icmpv6({ id: 7 })];
    const bytes = bytesOfHex(buildHex([ipv6(v6), icmpv6({ type: 3 }), ...quoted]));
    const decoded = expectRoundTrip(bytes, 'ipv6');
    expect(stackOf(decoded)).toBe('ipv6/icmpv6/ipv6/ipv6frag/icmpv6');
    expect(stackOf(decodeHex(buildHex(quoted), 'ipv6'))).toBe('ipv6/ipv6frag/raw');
  });

  it('writes a wrong len as set; decode then reports the header cut short', () => {
    const hex = buildHex([ipv6(v6), ipv6hop({ len: 3 }), raw('abcdefgh')]);
    expect(hex.slice(80, 84)).toBe('3b03');
    const decoded = expectRoundTrip(bytesOfHex(hex), 'ipv6');
    expect(stackOf(decoded)).toBe('ipv6/raw');
    expect(decoded.problems[0]!.kind).toBe('truncated');
  });

  it('reports an option that runs past its header', () => {
    const hex = buildHex([ipv6(v6), ipv6dest({ options: '1e0f616263000000' }), raw('x')]);
    const decoded = expectRoundTrip(bytesOfHex(hex), 'ipv6');
    expect(decoded.problems.map((problem) => problem.kind)).toEqual(['malformed']);
  });

  it('reports a hop-by-hop header that does not follow the IPv6 header', () => {
    const hex = buildHex([ipv6(v6), ipv6dest(), ipv6hop(), icmpv6()]);
    const decoded = expectRoundTrip(bytesOfHex(hex), 'ipv6');
    expect(stackOf(decoded)).toBe('ipv6/ipv6dest/ipv6hop/icmpv6');
    expect(decoded.problems).toEqual([
      {
        layer: 'ipv6hop',
        offset: 48,
        kind: 'bad-value',
        message: 'the hop-by-hop options header must come immediately after the IPv6 header',
      },
    ]);
  });

  it('rejects values that do not fit and bad addresses', () => {
    expect(() => buildHex([ipv6(), ipv6frag({ offset: 0x2000 })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), ipv6frag({ m: 2 })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), ipv6route({ addresses: ['nope'] })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), ipv6hop({ options: 'zz' })])).toThrow(FieldError);
  });

  it('option parsing never loops or throws on junk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(parseIpv6Options(bytes).length).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });

  it('property: random option bytes build, decode and round-trip in any order of headers', () => {
    const header = fc.oneof(
      fc.uint8Array({ maxLength: 30 }).map((options) => ipv6hop({ options })),
      fc.uint8Array({ maxLength: 30 }).map((options) => ipv6dest({ options })),
      fc
        .array(fc.constantFrom(a10, a11, '::1'), { maxLength: 3 })
        .map((addresses) => ipv6route({ addresses })),
      fc
        .record({ id: fc.nat(), offset: fc.constant(0), m: fc.constant(0) })
        .map((fields) => ipv6frag(fields)),
    );
    fc.assert(
      fc.property(fc.array(header, { maxLength: 4 }), (headers) => {
        const bytes = bytesOfHex(buildHex([ipv6(v6), ...headers, icmpv6({ id: 1 })]));
        const decoded = expectRoundTrip(bytes, 'ipv6');
        expect(decoded.layers.map((layer) => layer.layer)).toEqual([
          'ipv6',
          ...headers.map((h) => h.layer),
          'icmpv6',
        ]);
        expect(decoded.problems.filter((problem) => problem.kind === 'bad-checksum')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of VECTORS) expectJsonAndSpecRoundTrip(hex, 'ipv6');
  });

  it('property: decode throws only DecodeError', () => {
    for (const codec of [ipv6hopCodec, ipv6destCodec, ipv6routeCodec, ipv6fragCodec])
      checkDecodeThrowsOnlyDecodeError(codec);
  });

  it('property: random and mutated chains round-trip byte-exact', () => {
    checkRandomRoundTrip('ipv6hop');
    checkRandomRoundTrip('ipv6route');
    checkRandomRoundTrip('ipv6frag');
    checkMutatedRoundTrip(VECTORS, 'ipv6');
  });
});
