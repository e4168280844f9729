import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError } from '../../src/core/errors.js';
import { loopCodec, nullCodec, nullLink } from '../../src/layers/loopback.js';
import { raw } from '../../src/layers/raw.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  checkDecodeThrowsOnlyDecodeError,
  checkRandomRoundTrip,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  hex,
  newContext,
  stackOf,
} from './harness.js';

// A minimal IPv4 header 192.0.2.1 → 192.0.2.2, protocol 253, total length 20, checksum 0xebe9
// (RFC 1071: the words sum to 0x21414, folded 0x1416, complemented).
const IPV4 = '45000014000000004afdebe9c0000201c0000202';

describe('null (LINKTYPE_NULL: host byte order family)', () => {
  it('writes the family little-endian by default, big-endian with be=1, from the next layer when left out', () => {
    expect(toHex(encodePacket(parseSpec('null/ipv4')), 0, 4)).toBe('02000000');
    expect(toHex(encodePacket(parseSpec('null/ipv6')), 0, 4)).toBe('18000000');
    expect(toHex(encodePacket(parseSpec('null(be=1)/ipv4')), 0, 4)).toBe('00000002');
    expect(toHex(encodePacket([nullLink({ family: 30 }), raw({ len: 1 })]))).toBe('1e00000000');
  });

  it('decodes AF_INET as IPv4 and 24, 28, 30 as IPv6, either byte order, anything else raw', () => {
    const v4 = decodePacket(hex(`02000000${IPV4}`), { linkType: 0 });
    expect(stackOf(v4)).toBe('null/ipv4');
    expect(v4.layers[0]?.fields).toEqual({ family: 2, be: 0 });
    const swapped = decodePacket(hex(`00000002${IPV4}`), { linkType: 0 });
    expect(stackOf(swapped)).toBe('null/ipv4');
    expect(swapped.layers[0]?.fields).toEqual({ family: 2, be: 1 });
    for (const family of [24, 28, 30]) {
      const bytes = encodePacket([nullLink({ family }), ...parseSpec('ipv6/udp/raw(len=2)')]);
      expect(stackOf(decodePacket(bytes, { linkType: 0 })), String(family)).toBe('null/ipv6/udp/raw');
    }
    expect(stackOf(decodePacket(hex('17000000ffff'), { first: 'null' }))).toBe('null/raw');
    // Both readings wider than 16 bits: kept little-endian, re-encoded exactly.
    expectRoundTrip(hex('01020304aabb'), 'null');
  });

  it('takes a value above 1500 as an EtherType (Wireshark: null.type), either byte order', () => {
    // 0x0800 little-endian (00 08 00 00) then IPv4; 0x86dd big-endian (00 00 86 dd) then 4 bytes.
    const v4 = decodePacket(hex(`00080000${IPV4}`), { linkType: 0 });
    expect(stackOf(v4)).toBe('null/ipv4');
    expect(v4.layers[0]?.fields).toEqual({ family: 0x0800, be: 0 });
    expect(v4.problems).toEqual([]);
    const tagged = decodePacket(hex(`00008100${'0007'}0800${IPV4}`), { linkType: 0 });
    expect(stackOf(tagged)).toBe('null/dot1q/ipv4');
    expect(tagged.layers[0]?.fields).toEqual({ family: 0x8100, be: 1 });
    // 1500 and below with no known family: raw. Left out before a layer with an EtherType: that EtherType.
    expect(stackOf(decodePacket(hex(`dc050000${IPV4}`), { linkType: 0 }))).toBe('null/raw');
    expect(toHex(encodePacket(parseSpec('null/arp')), 0, 4)).toBe('06080000');
    expect(toHex(encodePacket(parseSpec('null(be=1)/dot1q/ipv4')), 0, 4)).toBe('00008100');
    expectJsonAndSpecRoundTrip(toHex(encodePacket(parseSpec('null/arp(op=2)'))), 'null');
  });

  it('round-trips byte-exact; truncation is a DecodeError', () => {
    for (const text of [
      toHex(encodePacket(parseSpec('null/ipv4/udp/raw(len=3)'))),
      `00000002${IPV4}`,
      '1e000000',
    ])
      expectJsonAndSpecRoundTrip(text, 'null');
    expect(() => nullCodec.decode(hex('020000'), 0, 3, newContext())).toThrow(DecodeError);
    checkDecodeThrowsOnlyDecodeError(nullCodec);
    checkRandomRoundTrip('null');
  });
});

describe('loop (LINKTYPE_LOOP: network byte order family)', () => {
  it('writes and reads the family big-endian', () => {
    expect(toHex(encodePacket(parseSpec('loop/ipv4')), 0, 4)).toBe('00000002');
    expect(toHex(encodePacket(parseSpec('loop/ipv6')), 0, 4)).toBe('00000018');
    const decoded = decodePacket(hex(`00000002${IPV4}`), { linkType: 108 });
    expect(stackOf(decoded)).toBe('loop/ipv4');
    expect(decoded.layers[0]?.fields).toEqual({ family: 2 });
    // Little-endian AF_INET on a LOOP link is family 0x02000000: not IP, raw.
    expect(stackOf(decodePacket(hex(`02000000${IPV4}`), { linkType: 108 }))).toBe('loop/raw');
    // No EtherType fallback on LOOP (Wireshark's dissect_loop has none): 0x0800 is raw, and left out
    // before a non-IP layer the family is 0.
    expect(stackOf(decodePacket(hex(`00000800${IPV4}`), { linkType: 108 }))).toBe('loop/raw');
    expect(toHex(encodePacket(parseSpec('loop/arp')), 0, 4)).toBe('00000000');
    expectJsonAndSpecRoundTrip(toHex(encodePacket(parseSpec('loop/ipv6/udp/raw(len=3)'))), 'loop');
    checkDecodeThrowsOnlyDecodeError(loopCodec);
    checkRandomRoundTrip('loop');
  });
});
