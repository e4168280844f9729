/**
 * The packet model's round-trip promise (test/packet/roundtrip.test.ts) for MPLS, GRE and the link
 * type layers (sll, sll2, null, loop): well-formed packets decode without a problem, and any
 * mutation, truncation or extension of them, or any bytes at all from these first layers, decode
 * without throwing and rebuild exactly the same bytes from the layers, the JSON form and the spec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { decodePacket, type FirstLayer } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { layersFromJson, packetToJson } from '../../src/packet/json.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

const INNER = 'ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(sport=1234,dport=5678)/raw(len=12)';
const SEEDS: { spec: string; first: FirstLayer }[] = [
  { spec: `ether/mpls(label=16004)/mpls(label=100,tc=5,ttl=9)/${INNER}`, first: 'ether' },
  {
    spec: 'ether/dot1q(vlan=4,type=0x8848)/mpls(label=2)/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(flags=S,mss=1400)',
    first: 'ether',
  },
  { spec: `ether/ipv4/gre(c=1,key=7,seq=9)/${INNER}`, first: 'ether' },
  { spec: `ether/ipv6/gre(key=100)/ether/dot1q(vlan=3)/${INNER}`, first: 'ether' },
  { spec: `ether/ipv4/gre/mpls(label=16)/mpls(label=17)/${INNER}`, first: 'ether' },
  { spec: `sll(pkttype=4,addr=0x020000000001)/${INNER}`, first: 'sll' },
  { spec: `sll2(ifindex=3,addr=0x020000000001)/mpls(label=16004)/${INNER}`, first: 'sll2' },
  { spec: 'null/ipv6(src=::1,dst=::1)/udp(sport=1,dport=2)/raw(text="lo")', first: 'null' },
  { spec: `null(be=1)/${INNER}`, first: 'null' },
  { spec: `loop/${INNER}`, first: 'loop' },
];

function roundTrips(bytes: Uint8Array, first: FirstLayer): void {
  const decoded = decodePacket(bytes, { first });
  expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
  const json = JSON.parse(JSON.stringify(packetToJson(decoded))) as { layers: unknown[] };
  expect(toHex(encodePacket(layersFromJson(json)))).toBe(toHex(bytes));
  if (decoded.layers.length)
    expect(toHex(encodePacket(parseSpec(formatSpec(decoded.layers))))).toBe(toHex(bytes));
}

describe('decode → encode is byte-exact for MPLS, GRE and the link type layers', () => {
  it.each(SEEDS.map(({ spec, first }) => [spec, first] as const))('valid packet %s', (spec, first) => {
    const bytes = encodePacket(parseSpec(spec));
    const decoded = decodePacket(bytes, { first });
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers.map((layer) => layer.layer).join('/')).toBe(
      parseSpec(spec)
        .map((layer) => layer.layer)
        .join('/'),
    );
    roundTrips(bytes, first);
  });

  it('holds for every seed with random byte mutations, truncations and extensions', () => {
    const seeds = SEEDS.map(({ spec, first }) => ({ bytes: encodePacket(parseSpec(spec)), first }));
    fc.assert(
      fc.property(
        fc.nat({ max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 12 }),
        (index, mutations, cut, extra) => {
          const seed = seeds[index];
          if (seed === undefined) return;
          const bytes = Uint8Array.from(seed.bytes);
          for (const [position, value] of mutations) bytes[position % bytes.length] = value;
          const truncated = bytes.subarray(0, cut % (bytes.length + 1));
          const withExtra = new Uint8Array(truncated.length + extra.length);
          withExtra.set(truncated);
          withExtra.set(extra, truncated.length);
          roundTrips(withExtra, seed.first);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('holds for arbitrary bytes from each of these first layers', () => {
    const firsts: FirstLayer[] = ['mpls', 'gre', 'sll', 'sll2', 'null', 'loop'];
    fc.assert(
      fc.property(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: 200 }), (first, bytes) => {
        roundTrips(bytes, first);
      }),
      { numRuns: 2000 },
    );
  });
});
