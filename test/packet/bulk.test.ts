import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readU16, readU32 } from '../../src/core/bytes.js';
import { workloads } from '../../src/engine/workloads.js';
import { BulkDecoded, BulkLayer, decodeBulk } from '../../src/packet/bulk.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

const NAMES: Record<number, string> = {
  [BulkLayer.ether]: 'ether',
  [BulkLayer.dot1q]: 'dot1q',
  [BulkLayer.ipv4]: 'ipv4',
  [BulkLayer.ipv6]: 'ipv6',
  [BulkLayer.udp]: 'udp',
  [BulkLayer.tcp]: 'tcp',
  [BulkLayer.gtpu]: 'gtpu',
  [BulkLayer.vxlan]: 'vxlan',
  [BulkLayer.raw]: 'raw',
};

/** The bulk walk must find the same layers at the same offsets as decodePacket. */
function expectLikeObjectDecoder(bytes: Uint8Array, first: 'ether' | 'ipv4' | 'ipv6' = 'ether'): BulkDecoded {
  const bulk = new BulkDecoded();
  decodeBulk(bytes, bulk, BulkLayer[first]);
  const objects = decodePacket(bytes, { first });
  const got = Array.from({ length: bulk.count }, (_, i) => [
    NAMES[bulk.kinds[i]!],
    bulk.offsets[i],
    bulk.headerLengths[i],
  ]);
  const want = objects.layers.map((layer) => [layer.layer, layer.offset, layer.headerLength]);
  expect(got).toEqual(want);
  return bulk;
}

describe('decodeBulk', () => {
  it('walks the gtpu and vxlan workloads like decodePacket and reads the inner fields', () => {
    const bulk = new BulkDecoded();
    for (const i of [0, 1, 59_999, 60_000, 123_456]) {
      const gtpu = encodePacket(workloads.gtpu.packet(i));
      expectLikeObjectDecoder(gtpu);
      decodeBulk(gtpu, bulk);
      expect(readU32(gtpu, bulk.offsets[bulk.find(BulkLayer.gtpu)]! + 4)).toBe(i);
      expect(readU16(gtpu, bulk.offsets[bulk.find(BulkLayer.tcp, -1)]!)).toBe(1024 + (i % 60000));
      expect(bulk.find(BulkLayer.ipv4, 1)).toBe(bulk.find(BulkLayer.ipv4, -1));
      expect(bulk.find(BulkLayer.vxlan)).toBe(-1);
      const vxlan = encodePacket(workloads.vxlan.packet(i));
      expectLikeObjectDecoder(vxlan);
      decodeBulk(vxlan, bulk);
      expect(readU32(vxlan, bulk.offsets[bulk.find(BulkLayer.vxlan)]! + 4) >>> 8).toBe(i % 0x1000000);
      expect(bulk.find(BulkLayer.ether, 1)).toBeGreaterThan(0);
    }
  });

  it('agrees with decodePacket on other stacks (VLAN, IPv6, GTP-U options and extensions, padding, fragments)', () => {
    const specs = [
      'ether/dot1q(vlan=5)/dot1q(vlan=6)/ipv4/udp(sport=1,dport=2)/raw(len=3)',
      'ether/ipv6/tcp/raw(len=10)',
      'ipv6/udp(sport=2152,dport=2152)/gtpu(teid=1,seq=9)/ipv6/udp(sport=5,dport=6)',
      'ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=1,qfi=9)/ipv4/tcp',
      'ether/ipv4/udp(sport=3000,dport=2152)/gtpu(type=1)/raw(len=4)',
      'ether/ipv4(flags=MF)/udp/raw(len=8)',
      'ether/ipv4/udp(sport=4789,dport=9999)/vxlan/ether/ipv6/udp',
      'ether/ipv4/tcp(mss=1460,wscale=7,sackok=1,tsval=5)',
      'ether/ipv4/udp(sport=1,dport=2)',
    ];
    for (const spec of specs) {
      const first = spec.startsWith('ipv6') ? 'ipv6' : spec.startsWith('ipv4') ? 'ipv4' : 'ether';
      expectLikeObjectDecoder(encodePacket(parseSpec(spec)), first);
    }
    // Protocols outside the bulk set (ICMP here) are left as raw bytes where they start.
    const bulk = new BulkDecoded();
    decodeBulk(encodePacket(parseSpec('ether/ipv4/icmp/raw(len=4)')), bulk);
    expect(Array.from(bulk.kinds.subarray(0, bulk.count))).toEqual([
      BulkLayer.ether,
      BulkLayer.ipv4,
      BulkLayer.raw,
    ]);
    expect(bulk.offsets[2]).toBe(34);
  });

  it('marks a frame cut at any byte as truncated instead of reading past it, and never throws', () => {
    const frame = encodePacket(
      parseSpec('ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=1,qfi=9)/ipv4/tcp/raw(len=4)'),
    );
    const bulk = new BulkDecoded();
    for (let cut = 0; cut <= frame.length; cut++) {
      const count = decodeBulk(frame.subarray(0, cut), bulk);
      for (let i = 0; i < count; i++)
        expect(bulk.offsets[i]! + bulk.headerLengths[i]!).toBeLessThanOrEqual(cut);
      if (cut > 0 && cut < 14) expect(bulk.truncated).toBe(true);
    }
  });

  it('never throws or loops on arbitrary bytes (property)', () => {
    const bulk = new BulkDecoded();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(BulkLayer.ether, BulkLayer.ipv4, BulkLayer.ipv6),
        (bytes, first) => {
          const count = decodeBulk(bytes, bulk, first);
          expect(count).toBeLessThanOrEqual(32);
          for (let i = 0; i < count; i++) {
            expect(bulk.offsets[i]!).toBeGreaterThanOrEqual(0);
            expect(bulk.offsets[i]! + bulk.headerLengths[i]!).toBeLessThanOrEqual(bytes.length);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
