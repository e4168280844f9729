/**
 * Address fields given as bytes (as gopacket's net.IP / net.HardwareAddr): ether, ipv4 and ipv6
 * `src`/`dst` take a Uint8Array of 6, 4 or 16 bytes and write exactly what the text form writes;
 * any other length or type is a FieldError naming the field; decode still gives text.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { uintOf } from '../../src/layers/field-check.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import { udp } from '../../src/layers/udp.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

function fieldErrorOf(run: () => unknown): FieldError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return error as FieldError;
  }
  throw new Error('expected a FieldError');
}

describe('address fields given as bytes', () => {
  it('ether/ipv4: bytes write the same packet as text, and decode gives text', () => {
    const text = encodePacket([
      ether({ src: '02:00:00:00:00:0a', dst: 'ff:ff:ff:ff:ff:ff' }),
      ipv4({ src: '10.1.2.3', dst: '203.0.113.10' }),
      udp(),
      raw({ len: 5 }),
    ]);
    const bytes = encodePacket([
      ether({ src: Uint8Array.of(2, 0, 0, 0, 0, 0x0a), dst: new Uint8Array(6).fill(0xff) }),
      ipv4({ src: Uint8Array.of(10, 1, 2, 3), dst: Uint8Array.of(203, 0, 113, 10) }),
      udp(),
      raw({ len: 5 }),
    ]);
    expect(toHex(bytes)).toBe(toHex(text));
    const decoded = decodePacket(bytes, { first: 'ether' });
    expect(decoded.layers[0]!.fields).toMatchObject({ src: '02:00:00:00:00:0a', dst: 'ff:ff:ff:ff:ff:ff' });
    expect(decoded.layers[1]!.fields).toMatchObject({ src: '10.1.2.3', dst: '203.0.113.10' });
  });

  it('ipv6: 16 bytes write the same packet as text', () => {
    const address = new Uint8Array(16);
    address.set([0x20, 0x01, 0x0d, 0xb8], 0);
    address[15] = 0x42;
    const text = encodePacket([ipv6({ src: '2001:db8::42', dst: '2001:db8::1' }), udp()]);
    const bytes = encodePacket([ipv6({ src: address, dst: '2001:db8::1' }), udp()]);
    expect(toHex(bytes)).toBe(toHex(text));
    expect(decodePacket(bytes, { first: 'ip' }).layers[0]!.fields).toMatchObject({ src: '2001:db8::42' });
  });

  it('reads the bytes at encode time (one array reused and rewritten per packet)', () => {
    const source = Uint8Array.of(10, 0, 0, 1);
    const layers = [ipv4({ src: source }), udp(), raw({ len: 2 })];
    const first = toHex(encodePacket(layers));
    source[3] = 2;
    const second = toHex(encodePacket(layers));
    expect(second).toBe(toHex(encodePacket([ipv4({ src: '10.0.0.2' }), udp(), raw({ len: 2 })])));
    expect(second).not.toBe(first);
  });

  it('works from a view at any byteOffset (a subarray of a bigger buffer)', () => {
    const backing = Uint8Array.of(9, 9, 9, 192, 0, 2, 77, 9);
    const bytes = encodePacket([ipv4({ dst: backing.subarray(3, 7) }), udp()]);
    expect(toHex(bytes)).toBe(toHex(encodePacket([ipv4({ dst: '192.0.2.77' }), udp()])));
  });

  it('a wrong length or type is a FieldError naming the layer and the field', () => {
    const cases: [() => unknown, string, string][] = [
      [() => encodePacket([ether({ src: new Uint8Array(5) })]), 'ether', 'src'],
      [() => encodePacket([ether({ dst: new Uint8Array(7) })]), 'ether', 'dst'],
      [() => encodePacket([ipv4({ src: new Uint8Array(16) })]), 'ipv4', 'src'],
      [() => encodePacket([ipv4({ dst: new Uint8Array(3) })]), 'ipv4', 'dst'],
      [() => encodePacket([ipv6({ src: new Uint8Array(4) })]), 'ipv6', 'src'],
      [() => encodePacket([ipv6({ dst: new Uint8Array(0) })]), 'ipv6', 'dst'],
      [() => encodePacket([ipv4({ src: 12 as unknown as string })]), 'ipv4', 'src'],
      [() => encodePacket([ether({ dst: [1, 2, 3, 4, 5, 6] as unknown as Uint8Array })]), 'ether', 'dst'],
    ];
    for (const [run, layer, field] of cases) {
      const error = fieldErrorOf(run);
      expect(error.layer).toBe(layer);
      expect(error.field).toBe(field);
    }
    expect(fieldErrorOf(() => encodePacket([ipv4({ src: new Uint8Array(16) })])).message).toMatch(
      /IPv4 address.*16 bytes/,
    );
  });

  it('text errors still name the field (ether src vs dst)', () => {
    expect(fieldErrorOf(() => encodePacket([ether({ dst: 'zz:00:00:00:00:01' })])).field).toBe('dst');
    expect(fieldErrorOf(() => encodePacket([ether({ src: '02:00:00:00:00' })])).field).toBe('src');
    expect(fieldErrorOf(() => encodePacket([ipv4({ dst: '192.0.2.300' })])).field).toBe('dst');
  });

  it('the spec writes address bytes as 0x hex, which it reads back', () => {
    const layers = [
      ether({ src: Uint8Array.of(2, 0, 0, 0, 0, 9) }),
      ipv4({ src: Uint8Array.of(10, 0, 0, 7) }),
    ];
    const spec = formatSpec(layers);
    expect(spec).toBe('ether(src=0x020000000009)/ipv4(src=0x0a000007)');
    expect(toHex(encodePacket(parseSpec(spec)))).toBe(toHex(encodePacket(layers)));
  });
});

describe('uintOf', () => {
  it('takes integers 0..max, gives the fallback for undefined, and throws FieldError otherwise', () => {
    expect(uintOf('l', 'f', undefined, 255, 7)).toBe(7);
    expect(uintOf('l', 'f', 0, 255, 7)).toBe(0);
    expect(uintOf('l', 'f', 255, 255, 7)).toBe(255);
    expect(uintOf('l', 'f', 0xffffffff, 0xffffffff, 0)).toBe(0xffffffff);
    for (const bad of [256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5', 5n, null, {}]) {
      const error = fieldErrorOf(() => uintOf('l', 'f', bad as number, 255, 0));
      expect(error.layer).toBe('l');
      expect(error.field).toBe('f');
    }
  });
});
