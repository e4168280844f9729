import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIPv4,
  formatIPv6,
  formatMac,
  ipv4ToNumber,
  isIPv6,
  numberToIpv4,
  parseIPv4,
  parseIPv6,
  parseMac,
} from '../../src/core/address.js';

describe('IPv6 text (RFC 5952)', () => {
  // Examples from RFC 5952 §4 and §2.
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'], // §4.2.1 longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2 a single 0 is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3 the longest run is compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3 leftmost of equal runs
    ['2001:DB8::AbCd', '2001:db8::abcd'], // §4.3 lowercase
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'], // equal runs: the leftmost
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ];
  it.each(cases)('%s prints as %s', (input, expected) => {
    expect(formatIPv6(parseIPv6(input))).toBe(expected);
  });

  it('rejects invalid text', () => {
    for (const bad of ['1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', ':', '']) {
      expect(isIPv6(bad)).toBe(false);
    }
  });

  it('round-trips any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(parseIPv6(formatIPv6(bytes))).toEqual(bytes);
      }),
    );
  });
});

describe('IPv4 and MAC', () => {
  it('parses and prints dotted quads', () => {
    expect(parseIPv4('192.0.2.1')).toEqual(Uint8Array.from([192, 0, 2, 1]));
    expect(formatIPv4(Uint8Array.from([203, 0, 113, 10]))).toBe('203.0.113.10');
    expect(ipv4ToNumber('255.255.255.255')).toBe(0xffffffff);
    expect(numberToIpv4(0x0a000001)).toBe('10.0.0.1');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '1..2.3']) {
      expect(ipv4ToNumber(bad)).toBeUndefined();
    }
  });

  it('parses and prints MACs', () => {
    expect(parseMac('02:00:5E:10:00:01')).toEqual(Uint8Array.from([2, 0, 0x5e, 0x10, 0, 1]));
    expect(formatMac(Uint8Array.from([2, 0, 0x5e, 0x10, 0, 1]))).toBe('02:00:5e:10:00:01');
    expect(() => parseMac('02:00:00:00:00')).toThrow(TypeError);
  });
});
