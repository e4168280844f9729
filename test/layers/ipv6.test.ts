import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv6 } from '../../src/core/address.js';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { icmpv6 } from '../../src/layers/icmpv6.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6, ipv6Codec } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import {
  buildHex,
  hex as bytesOfHex,
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  decodeHex,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  networkBindings,
  stackOf,
} from './harness.js';

const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };

// IPv6(src='2001:db8::1', dst='2001:db8::2', tc=0x2e, fl=0x12345, hlim=255)/ICMPv6EchoRequest(id=0x1234, seq=9, data=b'ping')
const ECHO =
  '62e12345000c3aff20010db800000000000000000000000120010db8000000000000000000000002800033361234000970696e67';
// IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoReply(id=1, seq=2, data=b'hello')
const REPLY =
  '60000000000d3a4020010db800000000000000000000000120010db80000000000000000000000028100df6d0001000268656c6c6f';

describe('ipv6', () => {
  it('builds like Scapy: traffic class, flow label, hop limit, payload length and next header', () => {
    expect(
      buildHex([
        ipv6({ ...v6, tc: 0x2e, fl: 0x12345, hlim: 255 }),
        icmpv6({ id: 0x1234, seq: 9 }),
        raw('ping'),
      ]),
    ).toBe(ECHO);
    expect(buildHex([ipv6(), icmpv6({ type: 129, id: 1, seq: 2 }), raw('hello')])).toBe(REPLY);
  });

  it('decodes every field', () => {
    const decoded = decodeHex(ECHO, 'ipv6');
    expect(stackOf(decoded)).toBe('ipv6/icmpv6/raw');
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers[0]!.fields).toEqual({
      version: 6,
      tc: 0x2e,
      fl: 0x12345,
      plen: 12,
      nh: 58,
      hlim: 255,
      src: '2001:db8::1',
      dst: '2001:db8::2',
    });
    expect(decoded.layers[0]!.info).toEqual({ dscp: 11, ecn: 2 });
  });

  it('nh defaults to 59 with no next layer or raw data, and IPv4-in-IPv6 gets 4', () => {
    expect(buildHex([ipv6()]).slice(12, 16)).toBe('3b40');
    expect(buildHex([ipv6(), raw('x')]).slice(8, 16)).toBe('00013b40');
    const tunnel = buildHex([ipv6(), ipv4(), raw('x')]);
    expect(tunnel.slice(12, 14)).toBe('04');
    expect(stackOf(decodeHex(tunnel, 'ipv6'))).toBe('ipv6/ipv4/raw');
  });

  it('plen past the bytes is reported; plen 0 leaves the bytes as trailer', () => {
    const long = decodeHex(buildHex([ipv6({ plen: 50 }), icmpv6()]), 'ipv6');
    expect(long.problems.map((problem) => problem.message)).toEqual([
      'payload length 50 exceeds the 8 bytes available',
    ]);
    expect(stackOf(long)).toBe('ipv6/icmpv6');
    const zero = expectRoundTrip(bytesOfHex(buildHex([ipv6({ plen: 0 }), icmpv6()])), 'ipv6');
    expect(stackOf(zero)).toBe('ipv6');
    expect(zero.layers[0]!.trailer!.length).toBe(8);
  });

  it('a wrong version is reported and the bytes kept', () => {
    const decoded = expectRoundTrip(bytesOfHex(buildHex([ipv6({ version: 4 }), raw('x')])), 'ipv6');
    expect(decoded.problems.map((problem) => problem.message)).toEqual(['version 4, should be 6']);
  });

  it('makes Ethernet padding after a short packet the Ethernet trailer', () => {
    const frame = encodePacket([ether(), ipv6()]);
    const padded = new Uint8Array(64);
    padded.set(frame);
    const decoded = expectRoundTrip(padded, 'ether');
    expect(stackOf(decoded)).toBe('ether/ipv6');
    expect(decoded.layers[0]!.trailer!.length).toBe(64 - frame.length);
  });

  it('rejects values that do not fit and bad addresses', () => {
    expect(() => buildHex([ipv6({ fl: 0x100000 })])).toThrow(FieldError);
    expect(() => buildHex([ipv6({ src: '2001:db8:::1' })])).toThrow(FieldError);
    expect(() => buildHex([ipv6({ dst: '192.0.2.1' })])).toThrow(FieldError);
    expect(() => buildHex([ipv6(), raw({ len: 70000 })])).toThrow(FieldError);
  });

  it('property: random valid headers decode to the fields they were built from', () => {
    const address = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => formatIPv6(bytes));
    fc.assert(
      fc.property(
        fc.record({ tc: fc.nat(255), fl: fc.nat(0xfffff), hlim: fc.nat(255), src: address, dst: address }),
        fc.uint8Array({ maxLength: 64 }),
        (fields, payload) => {
          const bytes = encodePacket([ipv6(fields), raw(payload)]);
          const decoded = decodePacket(bytes, { first: 'ipv6', bindings: networkBindings });
          expect(decoded.problems).toEqual([]);
          expect(decoded.layers[0]!.fields).toEqual({ version: 6, plen: payload.length, nh: 59, ...fields });
          expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of [ECHO, REPLY]) expectJsonAndSpecRoundTrip(hex, 'ipv6');
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(ipv6Codec);
  });

  it('property: random and mutated headers round-trip byte-exact', () => {
    checkRandomRoundTrip('ipv6', bytesOfHex('60'));
    checkRandomRoundTrip('ipv6', bytesOfHex('60000000000c3a40'), 140);
    checkMutatedRoundTrip([ECHO, REPLY], 'ipv6');
  });
});
