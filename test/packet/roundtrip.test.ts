/**
 * The packet model's central promise: for any bytes, decoding and re-encoding the decoded layers
 * unchanged gives back exactly the same bytes, valid or not; and decodePacket never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { decodePacket, type FirstLayer } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { layersFromJson, packetToJson } from '../../src/packet/json.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

const SEEDS = [
  'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(teid=0x1234,qfi=9,seq=7)/ipv4(src=10.0.0.1,dst=203.0.113.10)/tcp(sport=40000,dport=443,flags=S,mss=1400,wscale=7,sackok=1,tsval=1,tsecr=0)',
  'ether/ipv4/udp(sport=50000)/vxlan(vni=77)/ether/ipv4(src=10.1.0.1,dst=10.1.0.2)/tcp(flags=PA,tsval=5,tsecr=6,sack="100-200")/raw(len=40)',
  'ether/dot1q(vlan=10)/dot1q(vlan=20)/ipv6(src=2001:db8::1,dst=2001:db8::2)/ipv6hop/ipv6frag(id=9)/ipv6dest/udp(sport=40000,dport=9)/raw(text="x")',
  'ether/ipv4(options=0x070b040000000000000000)/icmp(type=3,code=1)/ipv4/udp(sport=40000,dport=9)/raw(len=8)',
  'ether/ipv6/icmpv6(type=136,flags=3,target=2001:db8::5,lladdr=02:00:00:00:00:09)',
  'ether/arp(op=2,hwsrc=02:00:00:00:00:01,psrc=192.0.2.1,hwdst=02:00:00:00:00:02,pdst=192.0.2.2)',
  'ipv4(src=10.0.0.1,dst=198.51.100.1)/tcp(flags=SA,mss=1460)',
  'ipv6/udp(sport=2152,dport=2152)/gtpu(type=1,teid=0,seq=1)',
];

function firstOf(spec: string): FirstLayer {
  return spec.startsWith('ether') ? 'ether' : 'ip';
}

function roundTrips(bytes: Uint8Array, first: FirstLayer): void {
  const decoded = decodePacket(bytes, { first });
  const again = encodePacket(decoded.layers);
  expect(toHex(again)).toBe(toHex(bytes));
  // The JSON form and the spec form rebuild the same bytes too.
  const json = JSON.parse(JSON.stringify(packetToJson(decoded))) as { layers: unknown[] };
  expect(toHex(encodePacket(layersFromJson(json)))).toBe(toHex(bytes));
  if (decoded.layers.length)
    expect(toHex(encodePacket(parseSpec(formatSpec(decoded.layers))))).toBe(toHex(bytes));
}

describe('decode → encode is byte-exact', () => {
  it.each(SEEDS)('valid packet %s', (spec) => {
    const bytes = encodePacket(parseSpec(spec));
    const decoded = decodePacket(bytes, { first: firstOf(spec) });
    expect(decoded.problems).toEqual([]);
    roundTrips(bytes, firstOf(spec));
  });

  it('holds for every seed with random byte mutations, truncations and extensions', () => {
    const seeds = SEEDS.map((spec) => ({ bytes: encodePacket(parseSpec(spec)), first: firstOf(spec) }));
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 12 }),
        (index, mutations, cut, extra) => {
          const seed = seeds[index]!;
          const bytes = Uint8Array.from(seed.bytes);
          for (const [position, value] of mutations) bytes[position % bytes.length] = value;
          const truncated = bytes.subarray(0, cut % (bytes.length + 1));
          const withExtra = new Uint8Array(truncated.length + extra.length);
          withExtra.set(truncated);
          withExtra.set(extra, truncated.length);
          roundTrips(withExtra, seed.first);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('holds for arbitrary bytes from every first layer', () => {
    const firsts: FirstLayer[] = [
      'ether',
      'ip',
      'ipv4',
      'ipv6',
      'udp',
      'tcp',
      'gtpu',
      'vxlan',
      'icmp',
      'icmpv6',
      'arp',
      'dot1q',
      'ipv6hop',
      'ipv6route',
      'ipv6frag',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: 200 }), (first, bytes) => {
        roundTrips(bytes, first);
      }),
      { numRuns: 3000 },
    );
  });

  it('reports problems instead of throwing: bad checksum, bad length, truncation', () => {
    const bad = decodePacket(encodePacket(parseSpec('ether/ipv4(chksum=0x1234)/udp(len=99)/raw(len=4)')));
    expect(bad.problems.map((problem) => `${problem.layer}:${problem.kind}`)).toEqual(
      expect.arrayContaining(['ipv4:bad-checksum', 'udp:bad-length']),
    );
    const cut = decodePacket(encodePacket(parseSpec('ether/ipv4/tcp')).subarray(0, 40));
    expect(
      cut.problems.some((problem) => problem.kind === 'truncated' || problem.kind === 'bad-length'),
    ).toBe(true);
    expect(cut.layers.at(-1)!.layer).toBe('raw');
  });
});
