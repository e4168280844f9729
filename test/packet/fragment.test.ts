/**
 * fragment(): RFC 791 §3.2 (IPv4: MF, offsets in 8-octet units, options with the copied flag on
 * later fragments, DF) and RFC 8200 §4.5 (IPv6: the fragment header after the unfragmentable part),
 * checked against hand-derived header bytes; the Scapy and tshark oracles are in test/oracle/.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { copiedIpv4Options, fnv1a32, fragment, mtuWarning } from '../../src/packet/fragment.js';
import { parseSpec } from '../../src/packet/spec.js';

const frames = (stacks: LayerValue[][]) => stacks.map((stack) => encodePacket(stack).slice());
const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;

describe('IPv4 fragmentation', () => {
  const spec = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2,id=0x4242)/udp(sport=45678,dport=45679)/raw(len=3000)';

  it('cuts 3008 bytes of UDP into 1480 + 1480 + 48 at MTU 1500, MF on all but the last', () => {
    const out = frames(fragment(parseSpec(spec), 1500));
    expect(out.map((f) => f.length)).toEqual([14 + 1500, 14 + 1500, 14 + 20 + 48]);
    // Total length, flags+offset (MF = 0x2000; offsets 0, 185, 370 in 8-octet units), id.
    expect(out.map((f) => u16(f, 14 + 2))).toEqual([1500, 1500, 68]);
    expect(out.map((f) => u16(f, 14 + 6))).toEqual([0x2000, 0x2000 | 185, 370]);
    expect(out.map((f) => u16(f, 14 + 4))).toEqual([0x4242, 0x4242, 0x4242]);
    for (const f of out) {
      const decoded = decodePacket(f);
      expect(decoded.problems).toEqual([]);
      expect(decoded.layers[1]!.layer).toBe('ipv4');
      expect(decoded.layers[1]!.fields.proto).toBe(17);
    }
  });

  it('computes the UDP checksum over the whole datagram before cutting it', () => {
    const whole = encodePacket(parseSpec(spec));
    const out = frames(fragment(parseSpec(spec), 1500));
    // The UDP header (with its checksum) is the first 8 bytes of the first fragment's payload.
    expect(toHex(out[0]!.subarray(34, 42))).toBe(toHex(whole.subarray(34, 42)));
    // The pieces put back together are the original payload.
    const joined = new Uint8Array(3008);
    for (const f of out) joined.set(f.subarray(34, 14 + u16(f, 16)), (u16(f, 20) & 0x1fff) * 8);
    expect(toHex(joined)).toBe(toHex(whole.subarray(34)));
  });

  it('makes the last fragment use the whole MTU, the others a multiple of 8 (as Linux)', () => {
    // MTU 1001: 981 bytes of room, 976 per fragment; 1500 bytes of payload = 976 + 524.
    const out = frames(fragment(parseSpec('ipv4/raw(len=1500)'), 1001));
    expect(out.map((f) => f.length - 20)).toEqual([976, 524]);
  });

  it('repeats only the options with the copied flag on later fragments (RFC 791)', () => {
    // Record Route (7, not copied, 7 bytes) + NOP + Router Alert (148 = 0x94, copied).
    const options = '07070400000000' + '01' + '94040000';
    const out = frames(fragment(parseSpec(`ipv4(options=0x${options})/raw(len=64)`), 60));
    expect(out[0]![0]).toBe(0x48); // 20 + 12 (7 + 1 + 4) bytes of options
    expect(toHex(out[0]!.subarray(20, 32))).toBe(options);
    for (const f of out.slice(1)) {
      expect(f[0]).toBe(0x46);
      expect(toHex(f.subarray(20, 24))).toBe('94040000');
    }
    expect(out.flatMap((f) => decodePacket(f, { first: 'ipv4' }).problems)).toEqual([]);
    expect(toHex(copiedIpv4Options(Uint8Array.of(0x94, 4, 0, 0, 0x83, 3, 4, 1, 0)))).toBe('9404000083030400');
  });

  it('refuses DF unless forced, and keeps DF on forced fragments', () => {
    const df = parseSpec('ipv4(flags=DF)/raw(len=100)');
    expect(() => fragment(df, 68)).toThrow(/DF/);
    expect(() => fragment(df, 68)).toThrow(FieldError);
    const out = frames(fragment(df, 68, { force: true }));
    expect(out.map((f) => f[6]! >> 5)).toEqual([3, 3, 2]);
    // A datagram that fits is left alone, DF or not.
    expect(frames(fragment(df, 1500))).toEqual([encodePacket(df)]);
  });

  it('refuses an MTU that leaves fewer than 8 payload bytes, warns below 68', () => {
    const layers = parseSpec('ipv4/raw(len=100)');
    expect(() => fragment(layers, 27)).toThrow(/leaves 7 payload bytes/);
    expect(frames(fragment(layers, 28))).toHaveLength(13);
    expect(() => fragment(layers, 0)).toThrow(FieldError);
    expect(() => fragment(layers, 1500.5)).toThrow(FieldError);
    expect(() => fragment(parseSpec('ether/arp'), 100)).toThrow(/no IPv4 or IPv6/);
    expect(mtuWarning(layers, 67)).toMatch(/below IPv4's minimum link MTU 68/);
    expect(mtuWarning(layers, 68)).toBeUndefined();
    expect(mtuWarning(parseSpec('ipv6/raw'), 1279)).toMatch(/1280/);
  });

  it('orders: reversed, and overlapping by 8 identical bytes', () => {
    const layers = parseSpec('ipv4/raw(len=100)');
    const inOrder = frames(fragment(layers, 60));
    expect(frames(fragment(layers, 60, { order: 'reversed' }))).toEqual([...inOrder].reverse());
    const over = frames(fragment(layers, 60, { order: 'overlapping' }));
    // 40 bytes of room: [0,40), then [32,72) and [64,100), each after the first repeating 8 bytes.
    expect(over.map((f) => [(u16(f, 6) & 0x1fff) * 8, f.length - 20])).toEqual([
      [0, 40],
      [32, 40],
      [64, 36],
    ]);
    expect(toHex(over[1]!.subarray(20, 28))).toBe(toHex(over[0]!.subarray(52, 60)));
    expect(() => fragment(layers, 35, { order: 'overlapping' })).toThrow(/overlap/);
  });

  it('sets the identification from the option and refuses offsets beyond 13 bits', () => {
    const out = frames(fragment(parseSpec('ipv4(id=5)/raw(len=100)'), 60, { identification: 0xbeef }));
    expect(out.every((f) => u16(f, 4) === 0xbeef)).toBe(true);
    expect(() => fragment(parseSpec('ipv4(frag=8190)/raw(len=100)'), 60)).toThrow(/13 bits/);
  });
});

describe('IPv6 fragmentation', () => {
  const V6 = 'ipv6(src=2001:db8::1,dst=2001:db8::2)';

  it('inserts a fragment header (44) right after the IPv6 header', () => {
    const out = frames(fragment(parseSpec(`${V6}/udp(sport=45678,dport=45679)/raw(len=3000)`), 1280));
    expect(out.map((f) => f.length)).toEqual([1280, 1280, 40 + 8 + 3008 - 2 * 1232]);
    const id = out[0]!.subarray(44, 48);
    for (const [i, f] of out.entries()) {
      expect(f[6]).toBe(44);
      expect(u16(f, 4)).toBe(f.length - 40);
      expect(f[40]).toBe(17); // the fragment header's next header
      expect(u16(f, 42)).toBe((((i * 1232) / 8) << 3) | (i < 2 ? 1 : 0));
      expect(toHex(f.subarray(44, 48))).toBe(toHex(id));
    }
  });

  it('keeps hop-by-hop, destination options before routing and routing unfragmentable', () => {
    const layers = parseSpec(
      `${V6}/ipv6hop/ipv6dest/ipv6route(addresses="[\\"2001:db8::9\\"]")/ipv6dest/udp(sport=45678,dport=45679)/raw(len=1400)`,
    );
    const out = frames(fragment(layers, 1280));
    const decoded = out.map((f) => decodePacket(f, { first: 'ipv6' }));
    expect(decoded.map((d) => d.layers.map((l) => l.layer))).toEqual([
      ['ipv6', 'ipv6hop', 'ipv6dest', 'ipv6route', 'ipv6frag', 'raw'],
      ['ipv6', 'ipv6hop', 'ipv6dest', 'ipv6route', 'ipv6frag', 'raw'],
    ]);
    // The fragment header names the destination options header that followed the routing header.
    expect(decoded[0]!.layers[4]!.fields.nh).toBe(60);
    expect(decoded.flatMap((d) => d.problems)).toEqual([]);
  });

  it('keeps only hop-by-hop when there is no routing header', () => {
    const out = frames(fragment(parseSpec(`${V6}/ipv6hop/ipv6dest/udp/raw(len=1400)`), 1280));
    const layers = decodePacket(out[0]!, { first: 'ipv6' }).layers.map((l) => l.layer);
    expect(layers).toEqual(['ipv6', 'ipv6hop', 'ipv6frag', 'raw']);
  });

  it('uses a given ipv6frag layer and its id; else a deterministic id per datagram', () => {
    const given = frames(fragment(parseSpec(`${V6}/ipv6frag(id=0x1234)/udp/raw(len=2000)`), 1280));
    expect(given.map((f) => toHex(f.subarray(44, 48)))).toEqual(['00001234', '00001234']);
    const a = frames(fragment(parseSpec(`${V6}/udp/raw(len=2000)`), 1280));
    const again = frames(fragment(parseSpec(`${V6}/udp/raw(len=2000)`), 1280));
    const other = frames(fragment(parseSpec(`${V6}/udp/raw(len=2001)`), 1280));
    expect(a).toEqual(again);
    expect(toHex(a[0]!.subarray(44, 48))).not.toBe(toHex(other[0]!.subarray(44, 48)));
    const whole = encodePacket(parseSpec(`${V6}/udp/raw(len=2000)`));
    expect(((a[0]![44]! << 24) | (a[0]![45]! << 16) | (a[0]![46]! << 8) | a[0]![47]!) >>> 0).toBe(
      fnv1a32(whole),
    );
    // An ipv6frag layer without an id is placed, and the id is the hash.
    const placed = frames(fragment(parseSpec(`${V6}/ipv6frag/udp/raw(len=2000)`), 1280));
    expect(toHex(placed[0]!.subarray(44, 48))).toBe(
      fnv1a32(encodePacket(parseSpec(`${V6}/ipv6frag/udp/raw(len=2000)`)))
        .toString(16)
        .padStart(8, '0'),
    );
    const chosen = frames(fragment(parseSpec(`${V6}/udp/raw(len=2000)`), 1280, { identification: 7 }));
    expect(toHex(chosen[1]!.subarray(44, 48))).toBe('00000007');
  });

  it('refuses an MTU without 8 bytes of room after the unfragmentable part', () => {
    expect(() => fragment(parseSpec(`${V6}/raw(len=100)`), 55)).toThrow(/leaves 7 payload bytes/);
    expect(frames(fragment(parseSpec(`${V6}/raw(len=100)`), 56))).toHaveLength(13);
  });
});
