/**
 * Reassembler: fragments back to the datagram they were cut from (in order, reversed, overlapping),
 * overlaps with the same and with different bytes, timeouts, missing pieces, and hostile input: a
 * flood of unfinished fragments stays within the memory bounds, an offset past 65535 is dropped,
 * and mutated fragments never make push throw.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { type FragmentOrder, fragment } from '../../src/packet/fragment.js';
import { PIECE_OVERHEAD, Reassembler, type ReassemblyProblem } from '../../src/packet/reassemble.js';
import { parseSpec } from '../../src/packet/spec.js';

const frames = (stacks: LayerValue[][]) => stacks.map((stack) => encodePacket(stack).slice());

function feed(reassembler: Reassembler, list: Uint8Array[], time = 0) {
  const results = list.map((bytes, i) =>
    reassembler.push(
      decodePacket(bytes, { first: bytes[0]! >> 4 === 4 ? 'ipv4' : 'ether' }),
      bytes,
      time,
      i + 1,
    ),
  );
  return {
    results,
    done: results.flatMap((r) => (r.reassembled ? [r.reassembled] : [])),
    problems: results.flatMap((r) => r.problems),
  };
}

const V4 = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2,id=99)/udp(sport=45678,dport=45679)/raw(len=3000)';
const V6 = 'ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/ipv6hop/udp(sport=45678,dport=45679)/raw(len=3000)';

describe('Reassembler', () => {
  for (const spec of [V4, V6]) {
    for (const order of ['in-order', 'reversed', 'overlapping'] as FragmentOrder[]) {
      it(`gives back the datagram (${spec.slice(6, 10)}, ${order}) at the fragment that completes it`, () => {
        const layers = parseSpec(spec);
        const list = frames(fragment(layers, 1280, { order }));
        const { results, done, problems } = feed(new Reassembler(), list);
        expect(done).toHaveLength(1);
        expect(results.findIndex((r) => r.reassembled)).toBe(list.length - 1);
        // The datagram as encoded unfragmented (from the IP header on).
        expect(toHex(done[0]!.bytes)).toBe(toHex(encodePacket(layers.slice(1))));
        expect(done[0]!.fragments).toEqual(list.map((_, i) => i + 1));
        expect(done[0]!.packet.problems).toEqual([]);
        expect(done[0]!.packet.layers.map((l) => l.layer)).toContain('udp');
        const overlaps = problems.filter((p) => p.reason === 'overlap');
        expect(overlaps).toHaveLength(order === 'overlapping' ? list.length - 1 : 0);
        expect(problems.length).toBe(overlaps.length);
      });
    }
  }

  it('reports an overlap with different bytes and keeps the first bytes', () => {
    const list = frames(fragment(parseSpec('ipv4(id=1)/raw(len=100)'), 60, { order: 'overlapping' }));
    const forged = list[1]!.slice();
    forged[20] = forged[20]! ^ 0xff; // the first overlapping byte of fragment 2
    forged[10] = 0;
    forged[11] = 0; // (the IPv4 checksum is not what reassembly judges)
    const reassembler = new Reassembler();
    const { done, problems } = feed(reassembler, [list[0]!, forged, list[2]!]);
    expect(problems.map((p) => p.reason)).toEqual(['overlap-conflict', 'overlap']);
    expect(problems[0]!.kind).toBe('malformed');
    expect(problems[0]!.message).toMatch(/bytes 32-40 .*different bytes/);
    expect(toHex(done[0]!.bytes)).toBe(toHex(encodePacket(parseSpec('ipv4(id=1)/raw(len=100)'))));
  });

  it("discards an IPv6 datagram with overlapping fragments with ipv6Overlaps: 'drop' (RFC 5722); IPv4 keeps the first bytes", () => {
    const v6 = frames(fragment(parseSpec(V6), 1280, { order: 'overlapping' }));
    const kept = feed(new Reassembler(), v6);
    expect(kept.done).toHaveLength(1);
    expect(kept.problems[0]!.message).toMatch(/RFC 5722: a host discards the whole datagram/);
    const strict = new Reassembler({ ipv6Overlaps: 'drop' });
    const dropped = feed(strict, v6);
    expect(dropped.done).toHaveLength(0);
    expect(dropped.problems[0]).toMatchObject({ reason: 'overlap-dropped', kind: 'malformed', packet: 2 });
    // IPv4 is not RFC 5722's: the same policy still reassembles it.
    const v4 = frames(fragment(parseSpec(V4), 1280, { order: 'overlapping' }));
    expect(feed(new Reassembler({ ipv6Overlaps: 'drop' }), v4).done).toHaveLength(1);
  });

  it('keys IPv4 by (src, dst, protocol, id): the same id from another source is another datagram', () => {
    const a = frames(fragment(parseSpec('ipv4(src=192.0.2.1,id=7)/raw(len=100)'), 60));
    const b = frames(fragment(parseSpec('ipv4(src=192.0.2.9,id=7)/raw(len=100)'), 60));
    const reassembler = new Reassembler();
    const { done } = feed(reassembler, [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!]);
    expect(done).toHaveLength(1);
    expect(reassembler.pendingDatagrams).toBe(1);
  });

  it('times a datagram out, naming the missing bytes, and flushes the rest as incomplete', () => {
    const list = frames(fragment(parseSpec('ipv4(id=3)/raw(len=100)'), 60));
    const reassembler = new Reassembler({ timeout: 30 });
    reassembler.push(decodePacket(list[0]!, { first: 'ipv4' }), list[0]!, 100, 1);
    expect(reassembler.expire(130)).toEqual([]);
    const late = reassembler.push(decodePacket(list[2]!, { first: 'ipv4' }), list[2]!, 131, 2);
    expect(late.problems.map((p) => p.reason)).toEqual(['timeout']);
    expect(late.problems[0]!.missing).toEqual([[40, Infinity]]);
    expect(late.problems[0]!.message).toMatch(
      /packets 1\) not complete 30 s .*missing bytes 40-\(end unknown\)/,
    );
    const rest = reassembler.flush();
    expect(rest.map((p) => [p.reason, p.missing])).toEqual([['incomplete', [[0, 80]]]]);
    expect(reassembler.pendingDatagrams).toBe(0);
    expect(reassembler.pendingBytes).toBe(0);
  });

  it('passes non-fragments through and ignores IPv6 atomic fragments', () => {
    const plain = encodePacket(parseSpec('ether/ipv4/udp/raw(len=10)'));
    const atomic = encodePacket(parseSpec('ether/ipv6/ipv6frag(id=5)/udp/raw(len=10)'));
    const reassembler = new Reassembler();
    expect(feed(reassembler, [plain, atomic]).results.map((r) => r.fragment)).toEqual([false, false]);
    expect(reassembler.pendingDatagrams).toBe(0);
  });
});

describe('Reassembler on hostile input', () => {
  it('keeps a flood of 200k unfinished fragments within maxDatagrams and maxBytes', () => {
    const maxDatagrams = 500;
    const maxBytes = 64 * 1024;
    const reassembler = new Reassembler({ maxDatagrams, maxBytes });
    // First fragments (MF set, 64 bytes of data) with a new id each: none is ever completed.
    const bytes = encodePacket(
      parseSpec('ipv4(src=198.51.100.1,dst=192.0.2.2,flags=MF,proto=17)/raw(len=64)'),
    ).slice();
    const decoded = decodePacket(bytes, { first: 'ipv4' });
    let peakDatagrams = 0;
    let peakBytes = 0;
    let evicted = 0;
    const started = performance.now();
    for (let i = 0; i < 200_000; i++) {
      bytes[4] = (i >>> 8) & 0xff;
      bytes[5] = i & 0xff;
      bytes[14] = (i >>> 16) & 0xff; // the source address varies too, so ids do not repeat
      const result = reassembler.push(decoded, bytes, i * 1e-6, i + 1);
      evicted += result.problems.filter((p) => p.reason === 'evicted').length;
      peakDatagrams = Math.max(peakDatagrams, reassembler.pendingDatagrams);
      peakBytes = Math.max(peakBytes, reassembler.pendingBytes);
    }
    const seconds = (performance.now() - started) / 1000;
    expect(peakDatagrams).toBeLessThanOrEqual(maxDatagrams);
    expect(peakBytes).toBeLessThanOrEqual(maxBytes);
    expect(evicted + reassembler.pendingDatagrams).toBe(200_000);
    expect(seconds).toBeLessThan(20);
  });

  it('bounds the pieces of one datagram (a flood of tiny fragments into one id)', () => {
    const reassembler = new Reassembler({ maxFragments: 100 });
    const problems: ReassemblyProblem[] = [];
    const bytes = encodePacket(parseSpec('ipv4(id=1,flags=MF,proto=17)/raw(len=8)')).slice();
    const decoded = decodePacket(bytes, { first: 'ipv4' });
    for (let i = 0; i < 150; i++) {
      // Every other 8-byte slot, so no two pieces merge.
      const units = 2 * i;
      bytes[6] = 0x20 | (units >> 8);
      bytes[7] = units & 0xff;
      problems.push(...reassembler.push(decoded, bytes, 0, i + 1).problems);
      expect(reassembler.pendingBytes).toBeLessThanOrEqual(128 + 20 + 101 * (8 + PIECE_OVERHEAD));
    }
    expect(problems.filter((p) => p.reason === 'evicted')).toHaveLength(1);
  });

  it('drops a fragment that would end the datagram past 65535 bytes', () => {
    // Offset 8189 units = 65512 bytes, 48 bytes of data: 20 + 65560 > 65535.
    const bytes = encodePacket(parseSpec('ipv4(id=1,frag=8189,proto=17)/raw(len=48)'));
    const reassembler = new Reassembler();
    const result = reassembler.push(decodePacket(bytes, { first: 'ipv4' }), bytes, 0, 1);
    expect(result.problems.map((p) => [p.reason, p.kind])).toEqual([['too-long', 'bad-length']]);
    expect(reassembler.pendingDatagrams).toBe(0);
    const v6 = encodePacket(parseSpec('ipv6/ipv6frag(id=1,offset=8191,nh=17)/raw(len=64)'));
    const r6 = reassembler.push(decodePacket(v6, { first: 'ipv6' }), v6, 0, 2);
    expect(r6.problems.map((p) => p.reason)).toEqual(['too-long']);
  });

  it('reports a misaligned middle fragment and conflicting last fragments', () => {
    const reassembler = new Reassembler();
    const odd = encodePacket(parseSpec('ipv4(id=2,flags=MF,proto=17)/raw(len=13)'));
    expect(
      reassembler.push(decodePacket(odd, { first: 'ipv4' }), odd, 0, 1).problems.map((p) => p.reason),
    ).toEqual(['misaligned']);
    const lastA = encodePacket(parseSpec('ipv4(id=2,frag=4,proto=17)/raw(len=8)'));
    const lastB = encodePacket(parseSpec('ipv4(id=2,frag=5,proto=17)/raw(len=8)'));
    reassembler.push(decodePacket(lastA, { first: 'ipv4' }), lastA, 0, 2);
    const conflict = reassembler.push(decodePacket(lastB, { first: 'ipv4' }), lastB, 0, 3);
    expect(conflict.problems.map((p) => p.reason)).toEqual(['conflicting-end']);
  });

  it('never throws on mutated fragments', () => {
    const list = [...frames(fragment(parseSpec(V4), 600)), ...frames(fragment(parseSpec(V6), 1280))];
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const reassembler = new Reassembler({ maxDatagrams: 50, maxBytes: 1 << 20 });
    for (let round = 0; round < 3000; round++) {
      const source = list[Math.floor(random() * list.length)]!;
      const bytes = source.slice(0, Math.max(1, Math.floor(random() * (source.length + 1))));
      for (let k = 0; k < 4; k++) {
        const at = Math.floor(random() * Math.min(bytes.length, 80));
        bytes[at] = Math.floor(random() * 256);
      }
      expect(() => reassembler.push(decodePacket(bytes), bytes, round * 0.01, round)).not.toThrow();
    }
    expect(reassembler.pendingDatagrams).toBeLessThanOrEqual(50);
    expect(() => reassembler.flush()).not.toThrow();
  });
});
