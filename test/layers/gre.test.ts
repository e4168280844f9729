import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { compileTemplate } from '../../src/engine/template.js';
import { ether } from '../../src/layers/ethernet.js';
import { gre, greCodec } from '../../src/layers/gre.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { raw } from '../../src/layers/raw.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  hex,
  newContext,
  stackOf,
} from './harness.js';

const OUTER = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)';
/** GRE starts after Ethernet (14) and a 20-byte IPv4 header. */
const AT = 34;

function greBytes(spec: string): string {
  return toHex(encodePacket(parseSpec(spec)), AT);
}

describe('gre', () => {
  it('encodes the RFC 2784 header: protocol type from the payload, IP protocol 47 from IPv4 and IPv6', () => {
    const bytes = encodePacket(parseSpec(`${OUTER}/gre/ipv4/icmp`));
    expect(bytes[14 + 9]).toBe(47);
    expect(toHex(bytes, AT, AT + 4)).toBe('00000800');
    const v6 = encodePacket(parseSpec('ether/ipv6/gre/ipv6/icmpv6'));
    expect(v6[14 + 6]).toBe(47);
    expect(toHex(v6, 54, 58)).toBe('000086dd');
    expect(greBytes(`${OUTER}/gre/ether/ipv4`).slice(0, 8)).toBe('00006558'); // transparent Ethernet bridging
    expect(greBytes(`${OUTER}/gre/mpls(label=16)/ipv4`).slice(0, 16)).toBe('0000884700010140');
  });

  it('writes the RFC 2890 key and sequence number and sets K and S from them', () => {
    // C=0 R=0 K=1 S=1 → 0x3000; protocol 0x0800; key 0x00001234; sequence number 7.
    expect(greBytes(`${OUTER}/gre(key=0x1234,seq=7)/ipv4`).slice(0, 24)).toBe(
      '30000800' + '00001234' + '00000007',
    );
    // k=1 / s=1 alone: the words are there, as 0.
    expect(greBytes(`${OUTER}/gre(k=1)/raw(len=0)`)).toBe('2000000000000000');
    expect(greBytes(`${OUTER}/gre(s=1)/raw(len=0)`)).toBe('1000000000000000');
  });

  it('computes the RFC 1071 checksum over header and payload when C is set', () => {
    // Header 8000 0000 | checksum | reserved1 0000, payload 0102 0304: the words sum to
    // 0x8000 + 0x0102 + 0x0304 = 0x8406, complemented 0x7bf9.
    expect(greBytes(`${OUTER}/gre(c=1)/raw(data=0x01020304)`)).toBe('80000000' + '7bf90000' + '01020304');
    // With a key after it, the sum covers the key too: 0x8000+0x2000 (C,K) + 0x0001 + 0x0102 + 0x0304.
    expect(greBytes(`${OUTER}/gre(c=1,key=1)/raw(data=0x01020304)`)).toBe(
      'a0000000' + '5bf80000' + '00000001' + '01020304',
    );
    const decoded = decodePacket(
      encodePacket(parseSpec(`${OUTER}/gre(c=1,key=9,seq=3)/ipv4/udp(sport=40000,dport=9)/raw(len=30)`)),
    );
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers[2]?.info).toEqual({ checksum: 'good' });
  });

  it('writes C, K and S as set even when wrong, and every value as given', () => {
    // k=0 with a key: the key is written, the K bit is clear (so a reader takes it for payload).
    expect(greBytes(`${OUTER}/gre(k=0,key=0xaabbccdd)/raw(len=0)`)).toBe('00000000aabbccdd');
    expect(greBytes(`${OUTER}/gre(c=0,chksum=0xbeef,reserved1=5)/raw(len=0)`)).toBe('00000000beef0005');
    // c=0 with only reserved1: the checksum word is there, but C says there is no checksum: it stays 0.
    expect(greBytes(`${OUTER}/gre(c=0,reserved1=5)/raw(data=0x01020304)`)).toBe(
      '00000000' + '00000005' + '01020304',
    );
    expect(greBytes(`${OUTER}/gre(r=1,reserved0=0x1ff,version=7,proto=0x1234)/raw(len=0)`)).toBe('4fff1234');
    expect(() => encodePacket([ether(), ipv4(), gre({ version: 8 }), raw()])).toThrow(FieldError);
    expect(() => encodePacket([ether(), ipv4(), gre({ key: 2 ** 32 }), raw()])).toThrow(FieldError);
    expect(() => encodePacket([ether(), ipv4(), gre({ c: 2 }), raw()])).toThrow(FieldError);
  });

  it('decodes every field, the optional words by their bits, and the payload by protocol type', () => {
    const decoded = decodePacket(
      hex(toHex(encodePacket(parseSpec(`${OUTER}/gre(key=0x1234,seq=7)/ipv4/udp/raw(len=4)`)))),
    );
    expect(stackOf(decoded)).toBe('ether/ipv4/gre/ipv4/udp/raw');
    expect(decoded.layers[2]?.fields).toEqual({
      c: 0,
      r: 0,
      k: 1,
      s: 1,
      reserved0: 0,
      version: 0,
      proto: 0x0800,
      key: 0x1234,
      seq: 7,
    });
    expect(decoded.layers[2]?.info).toEqual({ checksum: 'none' });
    for (const [spec, stack] of [
      ['ether/ipv6/gre/ipv6/udp/raw(len=2)', 'ether/ipv6/gre/ipv6/udp/raw'],
      [`${OUTER}/gre(key=1)/ether/dot1q/ipv4/icmp`, 'ether/ipv4/gre/ether/dot1q/ipv4/icmp'],
      [`${OUTER}/gre/mpls(label=16)/mpls(label=17)/ipv6/udp`, 'ether/ipv4/gre/mpls/mpls/ipv6/udp'],
    ] as const)
      expect(stackOf(decodePacket(encodePacket(parseSpec(spec)))), spec).toBe(stack);
  });

  it('round-trips through bytes, the text spec and JSON byte-exact, odd fields included', () => {
    for (const spec of [
      `${OUTER}/gre/ipv4/udp/raw(len=4)`,
      `${OUTER}/gre(c=1,key=0xffffffff,seq=0)/ether/ipv4/tcp(flags=S)`,
      `${OUTER}/gre(chksum=0x1111,reserved1=0x2222)/ipv6/udp`,
      `${OUTER}/gre(k=0,key=7)/raw(len=6)`,
      `${OUTER}/gre(version=1,k=1,s=1)/raw(len=6)`,
      `${OUTER}/gre(r=1,reserved0=0x100)/ipv4`,
    ]) {
      const text = toHex(encodePacket(parseSpec(spec)));
      expectJsonAndSpecRoundTrip(text, 'ether');
    }
  });

  it('reports a bad checksum, a version other than 0, R and the must-be-zero reserved bits as problems', () => {
    const bad = decodePacket(encodePacket(parseSpec(`${OUTER}/gre(chksum=0x1234)/raw(data=0x01020304)`)));
    expect(bad.problems).toEqual([
      expect.objectContaining({
        layer: 'gre',
        offset: AT + 4,
        kind: 'bad-checksum',
        field: 'chksum',
        expected: 0x7bf9,
        actual: 0x1234,
      }),
    ]);
    expect(bad.layers[2]?.info).toEqual({ checksum: 'bad' });
    // PPTP's enhanced GRE (version 1): a problem, and the payload stays raw.
    const pptp = decodePacket(encodePacket(parseSpec(`${OUTER}/gre(version=1,k=1,proto=0x880b)/raw(len=8)`)));
    expect(stackOf(pptp)).toBe('ether/ipv4/gre/raw');
    expect(pptp.problems).toEqual([
      expect.objectContaining({
        layer: 'gre',
        offset: AT,
        kind: 'bad-value',
        field: 'version',
        expected: 0,
        actual: 1,
      }),
    ]);
    const routed = decodePacket(encodePacket(parseSpec(`${OUTER}/gre(r=1,reserved0=0x180)/ipv4`)));
    expect(stackOf(routed)).toBe('ether/ipv4/gre/raw');
    expect(routed.problems.map((p) => [p.kind, p.field, p.actual])).toEqual([
      ['bad-value', 'r', 1],
      ['bad-value', 'reserved0', 0x180],
    ]);
    // Bits 6-12 are ignored on receipt (RFC 2784 §2.3): no problem.
    expect(decodePacket(encodePacket(parseSpec(`${OUTER}/gre(reserved0=0x7f)/ipv4`))).problems).toEqual([]);
  });

  it('survives hostile input: truncation at every byte, optional words cut short, random bytes', () => {
    const full = encodePacket(parseSpec(`${OUTER}/gre(c=1,key=5,seq=6)/ipv4/udp/raw(len=8)`));
    for (let cut = 0; cut <= full.length; cut++) expectRoundTrip(full.subarray(0, cut), 'ether');
    let error: unknown;
    try {
      greCodec.decode(hex('b0000800000000000000'), 0, 10, newContext());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ layer: 'gre', offset: 0, expected: 16, actual: 10 });
    checkDecodeThrowsOnlyDecodeError(greCodec);
    const prefix = encodePacket(parseSpec(`${OUTER}/gre`)).subarray(0, AT);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        expectRoundTrip(bytes, 'ether');
      }),
      { numRuns: 1000 },
    );
    checkMutatedRoundTrip([toHex(full)], 'ether');
  });

  it('varies with --vary gre.key=... and gre.seq=..., the checksum kept right, byte-identical to encoding', () => {
    const layers = parseSpec(`${OUTER}/gre(c=1,key=1,seq=1)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp/raw(len=6)`);
    const template = compileTemplate(layers, ['gre.key=100+', 'gre.seq=7+']);
    const out = new Uint8Array(template.length);
    for (const index of [0, 1, 77, 5000]) {
      template.writePacket(index, out, 0);
      const expected = encodePacket(
        layers.map((layer) =>
          layer.layer === 'gre'
            ? { ...layer, fields: { ...layer.fields, key: 100 + index, seq: 7 + index } }
            : layer,
        ),
      );
      expect(toHex(out)).toBe(toHex(expected));
    }
    // Without C, nothing is patched at the checksum's place (the key sits there).
    const plain = parseSpec(`${OUTER}/gre(key=1)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp/raw(len=6)`);
    const noChecksum = compileTemplate(plain, ['gre.key=100+']);
    noChecksum.writePacket(3, out, 0);
    const expected = encodePacket(
      plain.map((layer) =>
        layer.layer === 'gre' ? { ...layer, fields: { ...layer.fields, key: 103 } } : layer,
      ),
    );
    expect(toHex(out.subarray(0, noChecksum.length))).toBe(toHex(expected));
    // The checksum word with C clear (c=0 set on purpose): neither encode nor the template fills it.
    const unflagged = parseSpec(
      `${OUTER}/gre(c=0,reserved1=5)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp/raw(len=6)`,
    );
    const unflaggedTemplate = compileTemplate(unflagged, ['ipv4[1].src=10.0.0.0+']);
    unflaggedTemplate.writePacket(9, out, 0);
    const unflaggedExpected = encodePacket(
      unflagged.map((layer, i) =>
        i === 3 ? { ...layer, fields: { ...layer.fields, src: '10.0.0.9' } } : layer,
      ) as typeof unflagged,
    );
    expect(toHex(out.subarray(0, unflaggedTemplate.length))).toBe(toHex(unflaggedExpected));
    expect(toHex(unflaggedExpected, AT + 4, AT + 8)).toBe('00000005');
    expect(() => compileTemplate(plain, ['gre.seq=1+'])).toThrow(/no sequence number/);
    expect(() => compileTemplate(plain, ['gre.k=1'])).toThrow(/cannot vary: it shapes/);
  });
});
