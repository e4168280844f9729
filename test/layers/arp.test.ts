import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { arp, arpCodec } from '../../src/layers/arp.js';
import { ether } from '../../src/layers/ethernet.js';
import {
  buildHex,
  hex as bytesOfHex,
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  decodeHex,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  stackOf,
} from './harness.js';

// Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01')/ARP(hwsrc='02:00:00:00:00:01', psrc='192.0.2.1', hwdst='00:00:00:00:00:00', pdst='192.0.2.2')
const REQUEST = 'ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000202';
// Ether(dst='02:00:00:00:00:01', src='02:00:00:00:00:02')/ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='192.0.2.2', hwdst='02:00:00:00:00:01', pdst='192.0.2.1')
const REPLY = '02000000000102000000000208060001080006040002020000000002c0000202020000000001c0000201';
// The request padded to 60 bytes: Ether(...)/ARP(...)/Padding(b'\x00' * 18)
const PADDED = `${REQUEST}${'00'.repeat(18)}`;
// Hand-made: hwtype 6, ptype 0x0800, hwlen 8, plen 6 (unusual sizes decode byte-exact as bytes)
const ODD_SIZES =
  '000608000806' + '0001' + '0102030405060708' + 'a1a2a3a4a5a6' + '1112131415161718' + 'b1b2b3b4b5b6';

describe('arp', () => {
  it('builds a request like Scapy (defaults: op 1, Ethernet/IPv4 sizes)', () => {
    expect(
      buildHex([
        ether({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01' }),
        arp({ hwsrc: '02:00:00:00:00:01', psrc: '192.0.2.1', pdst: '192.0.2.2' }),
      ]),
    ).toBe(REQUEST);
    // the defaults are the same addresses
    expect(buildHex([ether({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01' }), arp()])).toBe(REQUEST);
  });

  it('builds a reply like Scapy', () => {
    expect(
      buildHex([
        ether({ dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02' }),
        arp({
          op: 2,
          hwsrc: '02:00:00:00:00:02',
          psrc: '192.0.2.2',
          hwdst: '02:00:00:00:00:01',
          pdst: '192.0.2.1',
        }),
      ]),
    ).toBe(REPLY);
  });

  it('decodes every field', () => {
    const decoded = decodeHex(REPLY, 'ether');
    expect(stackOf(decoded)).toBe('ether/arp');
    expect(decoded.layers[1]!.fields).toEqual({
      hwtype: 1,
      ptype: 0x0800,
      hwlen: 6,
      plen: 4,
      op: 2,
      hwsrc: '02:00:00:00:00:02',
      psrc: '192.0.2.2',
      hwdst: '02:00:00:00:00:01',
      pdst: '192.0.2.1',
    });
    expect(decoded.layers[1]!.info).toEqual({ operation: 'reply' });
    const message = decoded.layers[1];
    if (message?.layer !== 'arp') throw new Error('the second layer is not ARP');
    expect(arpCodec.summary!(message.fields)).toBe('192.0.2.2 is at 02:00:00:00:00:02');
    expect(decoded.problems).toEqual([]);
  });

  it('leaves Ethernet padding after the message as the Ethernet trailer', () => {
    const decoded = expectRoundTrip(bytesOfHex(PADDED), 'ether');
    expect(stackOf(decoded)).toBe('ether/arp');
    expect(toHex(decoded.layers[0]!.trailer!)).toBe('00'.repeat(18));
  });

  it('decodes other address sizes as bytes and re-encodes them exactly', () => {
    const decoded = expectRoundTrip(bytesOfHex(ODD_SIZES), 'arp');
    const fields = decoded.layers[0]!.fields;
    expect(fields.hwlen).toBe(8);
    expect(fields.plen).toBe(6);
    expect(toHex(fields.hwsrc as Uint8Array)).toBe('0102030405060708');
    expect(toHex(fields.pdst as Uint8Array)).toBe('b1b2b3b4b5b6');
    // and from hex strings, as the JSON form gives them back
    expect(
      buildHex([
        arp({
          hwtype: 6,
          hwsrc: '0102030405060708',
          psrc: 'a1a2a3a4a5a6',
          hwdst: '1112131415161718',
          pdst: 'b1b2b3b4b5b6',
        }),
      ]),
    ).toBe(ODD_SIZES);
  });

  it('accepts IPv6 strings for 16-byte protocol addresses, decoded as bytes', () => {
    const hex = buildHex([arp({ ptype: 0x86dd, psrc: '2001:db8::1', pdst: '2001:db8::2' })]);
    expect(hex.slice(8, 12)).toBe('0610');
    const fields = decodeHex(hex, 'arp').layers[0]!.fields;
    expect(toHex(fields.psrc as Uint8Array)).toBe('20010db8000000000000000000000001');
    expect(toHex(fields.pdst as Uint8Array)).toBe('20010db8000000000000000000000002');
    expectJsonAndSpecRoundTrip(hex, 'arp');
  });

  it('writes wrong hwlen/plen as set', () => {
    const hex = buildHex([arp({ hwlen: 7, plen: 3 })]);
    expect(hex.slice(8, 12)).toBe('0703');
    expect(hex.length / 2).toBe(28);
  });

  it('rejects bad addresses and mismatched sizes', () => {
    expect(() => buildHex([arp({ hwsrc: 'zz:00:00:00:00:01' })])).toThrow(FieldError);
    expect(() => buildHex([arp({ psrc: '192.0.2.300' })])).toThrow(FieldError);
    expect(() => buildHex([arp({ psrc: '2001:db8::1' })])).toThrow(FieldError);
    expect(() => buildHex([arp({ op: 0x10000 })])).toThrow(FieldError);
  });

  it('a message cut short is truncated, the rest raw', () => {
    const decoded = decodeHex(REQUEST.slice(0, 60), 'ether');
    expect(stackOf(decoded)).toBe('ether/raw');
    expect(decoded.problems.map((problem) => problem.kind)).toEqual(['truncated']);
  });

  it('rebuilds the vectors from their JSON form and their text spec', () => {
    for (const hex of [REQUEST, REPLY, PADDED]) expectJsonAndSpecRoundTrip(hex, 'ether');
    for (const hex of [ODD_SIZES]) expectJsonAndSpecRoundTrip(hex, 'arp');
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(arpCodec);
  });

  it('property: random and mutated messages round-trip byte-exact', () => {
    checkRandomRoundTrip('arp');
    checkMutatedRoundTrip([REQUEST, REPLY, PADDED, `ffffffffffff0200000000010806${ODD_SIZES}`], 'ether');
  });
});
