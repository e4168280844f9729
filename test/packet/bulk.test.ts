import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readU16, readU32 } from '../../src/core/bytes.js';
import { workloads } from '../../src/engine/workloads.js';
import {
  BULK_MAX_LAYERS,
  BulkDecoded,
  BulkLayer,
  type BulkLayerCode,
  decodeBulk,
} from '../../src/packet/bulk.js';
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
  // The bulk walk leaves TCP payloads raw: application layers (TLS on port 443) are not its business.
  const objects = decodePacket(bytes, { first, decodeAs: { tcpPort: { 443: 'raw' } } });
  const got = Array.from({ length: bulk.count }, (_, i) => [
    NAMES[bulk.kind(i)],
    bulk.offset(i),
    bulk.headerLength(i),
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
      expect(readU32(gtpu, bulk.offset(bulk.find(BulkLayer.gtpu)) + 4)).toBe(i);
      expect(readU16(gtpu, bulk.offset(bulk.find(BulkLayer.tcp, -1)))).toBe(1024 + (i % 60000));
      expect(bulk.find(BulkLayer.ipv4, 1)).toBe(bulk.find(BulkLayer.ipv4, -1));
      expect(bulk.find(BulkLayer.vxlan)).toBe(-1);
      const vxlan = encodePacket(workloads.vxlan.packet(i));
      expectLikeObjectDecoder(vxlan);
      decodeBulk(vxlan, bulk);
      expect(readU32(vxlan, bulk.offset(bulk.find(BulkLayer.vxlan)) + 4) >>> 8).toBe(i % 0x1000000);
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
    expect(Array.from({ length: bulk.count }, (_, i) => bulk.kind(i))).toEqual([
      BulkLayer.ether,
      BulkLayer.ipv4,
      BulkLayer.raw,
    ]);
    expect(bulk.offset(2)).toBe(34);
  });

  it('marks a frame cut at any byte as truncated instead of reading past it, and never throws', () => {
    const frame = encodePacket(
      parseSpec('ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=1,qfi=9)/ipv4/tcp/raw(len=4)'),
    );
    const bulk = new BulkDecoded();
    for (let cut = 0; cut <= frame.length; cut++) {
      const count = decodeBulk(frame.subarray(0, cut), bulk);
      for (let i = 0; i < count; i++) expect(bulk.offset(i) + bulk.headerLength(i)).toBeLessThanOrEqual(cut);
      if (cut > 0 && cut < 14) expect(bulk.truncated).toBe(true);
      // The same layers as decodePacket at every cut: a header cut short (an IPv4, TCP or GTP-U
      // header under its minimum too) is raw bytes with `truncated` set, never a 0-length layer.
      expectLikeObjectDecoder(frame.subarray(0, cut));
      for (let i = 0; i < count - 1; i++) expect(bulk.headerLength(i)).toBeGreaterThan(0);
    }
    for (const [cut, layers] of [
      [14 + 10, [BulkLayer.ether, BulkLayer.raw]], // inside the outer IPv4 header
      [14 + 20 + 8 + 4, [BulkLayer.ether, BulkLayer.ipv4, BulkLayer.udp, BulkLayer.raw]], // GTP-U
      [14 + 20 + 8 + 16 + 20 + 12, [1, 3, 5, 7, 3, 9]], // inside the inner TCP header
    ] as const) {
      const count = decodeBulk(frame.subarray(0, cut), bulk);
      expect(Array.from({ length: count }, (_, i) => bulk.kind(i))).toEqual(layers);
      expect(bulk.truncated).toBe(true);
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
            expect(bulk.offset(i)).toBeGreaterThanOrEqual(0);
            expect(bulk.offset(i) + bulk.headerLength(i)).toBeLessThanOrEqual(bytes.length);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('last(kind) is find(kind, -1), and stale layers of a previous walk are never found', () => {
    const bulk = new BulkDecoded();
    decodeBulk(encodePacket(workloads.gtpu.packet(7)), bulk);
    for (let kind = 1; kind <= 9; kind++) {
      expect(bulk.last(kind as BulkLayerCode)).toBe(bulk.find(kind as BulkLayerCode, -1));
    }
    expect(bulk.last(BulkLayer.tcp)).toBe(5);
    decodeBulk(encodePacket(parseSpec('ether/ipv4/udp(sport=1,dport=2)')), bulk);
    expect(bulk.last(BulkLayer.tcp)).toBe(-1);
    expect(bulk.last(BulkLayer.ipv4)).toBe(1);
  });

  // Frames that reach every case of the walk; the sweeps below change them byte by byte.
  const samples = [
    ...[0, 1, 65_535].map((i) => encodePacket(workloads.gtpu.packet(i))),
    ...[0, 1].map((i) => encodePacket(workloads.vxlan.packet(i))),
    ...[
      'ether/dot1q(vlan=5)/dot1q(vlan=6,type=0x88a8)/ipv4/udp(sport=1,dport=2)/raw(len=3)',
      'ether/ipv6/tcp/raw(len=10)',
      'ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=1,seq=9)/ipv6/udp(sport=5,dport=6)',
      'ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=1,seq=9,qfi=3)/ipv4/tcp/raw(len=4)',
      'ether/ipv4/udp(sport=3000,dport=2152)/gtpu(type=1)/raw(len=4)',
      'ether/ipv6/udp(sport=4789,dport=4789)/vxlan/ether/dot1q/ipv4/udp(sport=9,dport=2152)/gtpu/ipv6/tcp',
      'ether/ipv4/udp(sport=4789,dport=9999)/vxlan/ether/ipv6/udp',
      'ether/ipv4(options=0x01010101)/tcp(mss=1460,wscale=7,sackok=1,tsval=5)',
      'ether/ipv4(flags=MF)/udp/raw(len=8)',
      'ether/ipv4/ipv4/ipv6/udp(sport=1,dport=2)',
      `ether/${'ipv4/'.repeat(35)}udp`,
    ].map((spec) => encodePacket(parseSpec(spec))),
  ];
  // Header bytes that steer the walk: versions and lengths, EtherTypes, IP protocols, flags, the
  // GTP-U and VXLAN ports, GTP-U message types and extension lengths.
  const steering = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0c, 0x11, 0x12, 0x14, 0x20, 0x29, 0x30, 0x32,
    0x34, 0x3f, 0x40, 0x44, 0x45, 0x46, 0x4f, 0x50, 0x55, 0x60, 0x68, 0x81, 0x85, 0x86, 0x88, 0x91, 0xa8,
    0xb5, 0xdd, 0xf0, 0xfe, 0xff,
  ];
  const fast = new BulkDecoded();
  const reference = new BulkDecoded();
  const inBuffer = new BulkDecoded();
  const snapshot = (bulk: BulkDecoded, shift = 0) => ({
    count: bulk.count,
    truncated: bulk.truncated,
    layers: Array.from({ length: bulk.count }, (_, i) => [
      bulk.kind(i),
      bulk.offset(i) - shift,
      bulk.headerLength(i),
      bulk.end(i) - shift,
    ]),
  });
  /** decodeBulk against the reference walk; the full comparison only when a quick one differs. */
  const compare = (bytes: Uint8Array, first: number): void => {
    const count = decodeBulk(bytes, fast, first as BulkLayerCode);
    referenceDecodeBulk(bytes, reference, first);
    let same = count === fast.count && count === reference.count && fast.truncated === reference.truncated;
    for (let i = 0; same && i < count; i++) {
      same =
        fast.kind(i) === reference.kind(i) &&
        fast.offset(i) === reference.offset(i) &&
        fast.headerLength(i) === reference.headerLength(i) &&
        fast.end(i) === reference.end(i);
    }
    if (!same)
      expect({ bytes: Array.from(bytes), first, ...snapshot(fast) }).toEqual({
        bytes: Array.from(bytes),
        first,
        ...snapshot(reference),
      });
  };

  it('gives the results of the pre-rewrite walk for every one-byte change and every cut of the samples', () => {
    let walks = 0;
    for (const frame of samples) {
      for (let cut = 0; cut <= frame.length; cut++) {
        for (let first = 1; first <= 9; first++) compare(frame.subarray(0, cut), first);
        walks += 9;
      }
      const bytes = frame.slice();
      for (let at = 0; at < Math.min(bytes.length, 160); at++) {
        const original = bytes[at]!;
        for (const value of steering) {
          bytes[at] = value;
          compare(bytes, BulkLayer.ether);
          walks++;
        }
        bytes[at] = original;
      }
    }
    expect(walks).toBeGreaterThan(50_000);
  });

  it('gives the results of the pre-rewrite walk, on a slice of a larger buffer too (property)', () => {
    const input = fc.oneof(
      fc.record({
        bytes: fc.uint8Array({ maxLength: 200 }),
        first: fc.integer({ min: 1, max: 9 }),
      }),
      fc.record({
        bytes: fc
          .tuple(
            fc.constantFrom(...samples),
            // Changes anywhere, or near where a header starts (its fields steer the walk).
            fc.array(
              fc.tuple(
                fc.nat(199),
                fc.nat(15),
                fc.boolean(),
                fc.oneof(fc.constantFrom(...steering), fc.nat(255)),
              ),
              { maxLength: 6 },
            ),
            fc.nat(200),
          )
          .map(([frame, changes, cut]) => {
            const starts = decodePacket(frame).layers.map((layer) => layer.offset);
            const bytes = frame.slice(0, cut < 20 ? frame.length : Math.min(cut, frame.length));
            for (const [anywhere, delta, nearHeader, value] of changes) {
              const at = nearHeader ? starts[anywhere % starts.length]! + delta : anywhere;
              if (at < bytes.length) bytes[at] = value;
            }
            return bytes;
          }),
        first: fc.constant(1),
      }),
    );
    fc.assert(
      fc.property(input, fc.nat(40), fc.nat(40), ({ bytes, first }, before, after) => {
        compare(bytes, first);
        expect(fast.count).toBeLessThanOrEqual(BULK_MAX_LAYERS - 1);
        for (let kind = 1; kind <= 9; kind++) {
          expect(fast.last(kind as BulkLayerCode)).toBe(fast.find(kind as BulkLayerCode, -1));
        }
        // The same frame inside a larger buffer, walked in place: the same walk, offsets shifted.
        const buffer = new Uint8Array(before + bytes.length + after).fill(0x45);
        buffer.set(bytes, before);
        decodeBulk(buffer, inBuffer, first as BulkLayerCode, before, before + bytes.length);
        expect(snapshot(inBuffer, before)).toEqual(snapshot(fast));
      }),
      { numRuns: 3000 },
    );
  });
});

/**
 * The walk as it was before it was rewritten for speed (one generic tail per layer), kept as the
 * reference for the property above. One deliberate change: an IPv4, TCP or GTP-U header shorter
 * than its minimum used to give a 0-length layer with `truncated` unset; it is truncated now, as the
 * module's documentation says and as decodePacket does.
 */
function referenceDecodeBulk(
  bytes: Uint8Array,
  out: BulkDecoded,
  first: number = BulkLayer.ether,
  start = 0,
  end = bytes.length,
): number {
  const slots = out.slots;
  let count = 0;
  let kind: number = first;
  let at = start;
  let limit = end;
  out.truncated = false;
  while (at < limit && count < BULK_MAX_LAYERS - 1) {
    let length = 0;
    let next = 0;
    let contentEnd = limit;
    switch (kind) {
      case BulkLayer.ether:
      case BulkLayer.dot1q: {
        length = kind === BulkLayer.ether ? 14 : 4;
        if (at + length > limit) break;
        const type = readU16(bytes, at + length - 2);
        next = etherNext(type);
        break;
      }
      case BulkLayer.ipv4: {
        length = 20; // (fix: a header cut short is truncated, not a 0-length layer)
        if (at + 20 > limit) break;
        const ihl = (bytes[at]! & 0x0f) * 4;
        if (bytes[at]! >> 4 !== 4 || ihl < 20) {
          length = -1;
          break;
        }
        length = ihl;
        if (at + length > limit) break;
        const total = readU16(bytes, at + 2);
        if (total >= ihl && at + total < limit) contentEnd = at + total;
        // Fragments (MF or an offset) carry raw bytes, as in decodePacket.
        next = (readU16(bytes, at + 6) & 0x3fff) !== 0 ? BulkLayer.raw : ipNext(bytes[at + 9]!);
        break;
      }
      case BulkLayer.ipv6: {
        length = 40;
        if (at + length > limit) break;
        const payload = readU16(bytes, at + 4);
        if (at + 40 + payload < limit) contentEnd = at + 40 + payload;
        next = ipNext(bytes[at + 6]!);
        break;
      }
      case BulkLayer.udp: {
        length = 8;
        if (at + length > limit) break;
        const sport = readU16(bytes, at);
        const dport = readU16(bytes, at + 2);
        const udpLength = readU16(bytes, at + 4);
        if (udpLength >= 8 && at + udpLength < limit) contentEnd = at + udpLength;
        const low = Math.min(sport, dport);
        const high = Math.max(sport, dport);
        next = portNext(low);
        if (next === 0) next = portNext(high);
        break;
      }
      case BulkLayer.tcp: {
        length = 20; // (fix, as above)
        if (at + 20 > limit) break;
        length = (bytes[at + 12]! >> 4) * 4;
        if (length < 20) length = -1;
        break;
      }
      case BulkLayer.gtpu: {
        length = 8; // (fix, as above)
        if (at + 8 > limit) break;
        const flags = bytes[at]!;
        const content = at + 8 + readU16(bytes, at + 2);
        if (content < limit) contentEnd = content;
        length = 8;
        if (flags & 0x07) {
          length = 12;
          if (at + 12 > limit) break;
          let extension = bytes[at + 11]!;
          // Extension headers: a length octet in 4-octet units, the last octet names the next one.
          while (extension !== 0) {
            if (at + length >= limit) {
              length = limit - at + 1; // cut short: the bounds check below marks it truncated
              break;
            }
            const units = bytes[at + length]!;
            if (units === 0) {
              length = -1;
              break;
            }
            length += units * 4;
            if (at + length > limit) break;
            extension = bytes[at + length - 1]!;
          }
          if (length < 0) break;
        }
        if (bytes[at + 1] !== 255) {
          next = BulkLayer.raw;
          break;
        }
        const version = at + length < contentEnd ? bytes[at + length]! : 0;
        next =
          version >= 0x45 && version <= 0x4e
            ? BulkLayer.ipv4
            : version >> 4 === 6
              ? BulkLayer.ipv6
              : BulkLayer.raw;
        break;
      }
      case BulkLayer.vxlan:
        length = 8;
        next = BulkLayer.ether;
        break;
      default:
        length = limit - at;
        break;
    }
    if (length < 0) {
      // Not the protocol it was bound to (wrong version, bad header length): the rest is raw.
      kind = BulkLayer.raw;
      continue;
    }
    if (at + length > limit) {
      out.truncated = true;
      kind = BulkLayer.raw;
      length = limit - at;
      next = 0;
    }
    slots.set([kind, at, length, contentEnd], 4 * count);
    count++;
    if (kind === BulkLayer.raw) break;
    at += length;
    limit = contentEnd;
    kind = next === 0 ? BulkLayer.raw : next;
  }
  out.count = count;
  return count;
}

function etherNext(type: number): number {
  switch (type) {
    case 0x0800:
      return BulkLayer.ipv4;
    case 0x86dd:
      return BulkLayer.ipv6;
    case 0x8100:
    case 0x88a8:
    case 0x9100:
      return BulkLayer.dot1q;
    default:
      return BulkLayer.raw;
  }
}

function ipNext(protocol: number): number {
  switch (protocol) {
    case 6:
      return BulkLayer.tcp;
    case 17:
      return BulkLayer.udp;
    case 4:
      return BulkLayer.ipv4;
    case 41:
      return BulkLayer.ipv6;
    default:
      return BulkLayer.raw;
  }
}

function portNext(port: number): number {
  if (port === 2152) return BulkLayer.gtpu;
  if (port === 4789) return BulkLayer.vxlan;
  return 0;
}
