import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { raw } from '../../src/layers/raw.js';
import { sll, sll2, sll2Codec, sllCodec } from '../../src/layers/sll.js';
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

// LINKTYPE_LINUX_SLL (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html), written out by hand: packet type
// 4 (outgoing), ARPHRD_ETHER 1, address length 6, address 02:00:00:00:00:01 + 2 bytes of padding,
// protocol 0x0800.
const V1_HEADER = '0004' + '0001' + '0006' + '0200000000010000' + '0800';
// LINKTYPE_LINUX_SLL2: protocol 0x86dd, reserved 0, interface index 3, ARPHRD_ETHER 1, packet type 0
// (to us), address length 6, the same address padded to 8.
const V2_HEADER = '86dd' + '0000' + '00000003' + '0001' + '00' + '06' + '0200000000010000';

describe('sll (Linux cooked v1)', () => {
  it('encodes the 16-byte header: halen from the address, protocol from the next layer', () => {
    const bytes = encodePacket(parseSpec('sll(pkttype=4,addr=0x020000000001)/ipv4/udp/raw(len=4)'));
    expect(toHex(bytes, 0, 16)).toBe(V1_HEADER);
    expect(toHex(encodePacket(parseSpec('sll/ipv6')), 0, 16)).toBe('0000000100000000000000000000' + '86dd');
    expect(toHex(encodePacket(parseSpec('sll/mpls(label=16)/ipv4')), 14, 16)).toBe('8847');
    // Set fields are written as set, even when they disagree (halen 2 with 6 address bytes).
    expect(
      toHex(encodePacket([sll({ hatype: 772, halen: 2, addr: '0a0b0c0d0e0f', proto: 0x1234 }), raw()])),
    ).toBe('0000' + '0304' + '0002' + '0a0b0c0d0e0f0000' + '1234');
    expect(() => encodePacket([sll({ addr: '010203040506070809' }), raw()])).toThrow(FieldError);
    expect(() => encodePacket([sll({ pkttype: 0x10000 }), raw()])).toThrow(FieldError);
  });

  it('decodes every field, the MAC when ARPHRD_ETHER, and the payload by protocol', () => {
    const decoded = decodePacket(
      hex(`${V1_HEADER}${toHex(encodePacket([ipv4({ src: '192.0.2.1' }), raw({ len: 4 })]))}`),
      {
        linkType: 113,
      },
    );
    expect(stackOf(decoded)).toBe('sll/ipv4/raw');
    expect(decoded.problems).toEqual([]);
    const layer = decoded.layers[0];
    if (layer?.layer !== 'sll') throw new Error('no sll layer');
    expect({ ...layer.fields, addr: toHex(layer.fields.addr) }).toEqual({
      pkttype: 4,
      hatype: 1,
      halen: 6,
      addr: '0200000000010000',
      proto: 0x0800,
    });
    expect(layer.info.mac).toBe('02:00:00:00:00:01');
    // A protocol below 0x0600 (ETH_P_802_2 = 4) has no binding: raw.
    expect(stackOf(decodePacket(hex(`${V1_HEADER.slice(0, 28)}0004aaaa03`), { first: 'sll' }))).toBe(
      'sll/raw',
    );
  });

  it('round-trips byte-exact, nonzero padding included; truncation is a DecodeError, never anything else', () => {
    for (const spec of [
      'sll(addr=0x020000000001)/ipv4/udp/raw(len=4)',
      'sll(halen=6,addr=0x02000000000199ff)/ipv6/tcp',
    ]) {
      const text = toHex(encodePacket(parseSpec(spec)));
      expectJsonAndSpecRoundTrip(text, 'sll');
    }
    const full = encodePacket(parseSpec('sll(addr=0x020000000001)/ipv4/udp/raw(len=4)'));
    for (let cut = 0; cut <= full.length; cut++) expectRoundTrip(full.subarray(0, cut), 'sll');
    expect(() => sllCodec.decode(hex(V1_HEADER).subarray(0, 15), 0, 15, newContext())).toThrow(DecodeError);
    // An address length that lies (0xffff; Linux keeps at most 8 bytes): nothing is read or allocated
    // by it, the 8 address bytes are what there is, no MAC is claimed, and the bytes come back exactly.
    const lying = decodePacket(hex(`00040001ffff0200000000010000${'0800'}${'45'}`), { first: 'sll' });
    const first = lying.layers[0];
    if (first?.layer !== 'sll') throw new Error('no sll layer');
    expect(first.fields.halen).toBe(0xffff);
    expect(first.fields.addr.length).toBe(8);
    expect(first.info.mac).toBeUndefined();
    expectRoundTrip(hex(`00040001ffff0200000000010000${'0800'}${'45'}`), 'sll');
    checkDecodeThrowsOnlyDecodeError(sllCodec);
    checkRandomRoundTrip('sll');
  });
});

describe('sll2 (Linux cooked v2)', () => {
  it('encodes the 20-byte header in its own order', () => {
    const bytes = encodePacket(parseSpec('sll2(ifindex=3,addr=0x020000000001)/ipv6/udp/raw(len=4)'));
    expect(toHex(bytes, 0, 20)).toBe(V2_HEADER);
    expect(toHex(encodePacket([sll2({ reserved: 0xffff, pkttype: 3, hatype: 0xfffe }), raw()]))).toBe(
      '0000' + 'ffff' + '00000000' + 'fffe' + '03' + '00' + '0000000000000000',
    );
    expect(() => encodePacket([sll2({ halen: 256 }), raw()])).toThrow(FieldError);
  });

  it('decodes every field and the payload by protocol; round-trips byte-exact', () => {
    const bytes = encodePacket(parseSpec('sll2(ifindex=3,addr=0x020000000001)/ipv6/udp/raw(len=4)'));
    const decoded = decodePacket(bytes, { linkType: 276 });
    expect(stackOf(decoded)).toBe('sll2/ipv6/udp/raw');
    const layer = decoded.layers[0];
    if (layer?.layer !== 'sll2') throw new Error('no sll2 layer');
    expect({ ...layer.fields, addr: toHex(layer.fields.addr) }).toEqual({
      proto: 0x86dd,
      reserved: 0,
      ifindex: 3,
      hatype: 1,
      pkttype: 0,
      halen: 6,
      addr: '0200000000010000',
    });
    expect(layer.info.mac).toBe('02:00:00:00:00:01');
    expectJsonAndSpecRoundTrip(toHex(bytes), 'sll2');
    for (let cut = 0; cut <= bytes.length; cut++) expectRoundTrip(bytes.subarray(0, cut), 'sll2');
    checkDecodeThrowsOnlyDecodeError(sll2Codec);
    checkRandomRoundTrip('sll2');
  });
});
