import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { compileTemplate } from '../../src/engine/template.js';
import { ether } from '../../src/layers/ethernet.js';
import { mpls, mplsCodec } from '../../src/layers/mpls.js';
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

const ETH = '020000000002' + '020000000001';
// RFC 3032 §2.1 label stack entry, written out by hand as label(20) | TC(3) | S(1) | TTL(8):
//  label 16004 = 0x03e84 → 0x03e84 << 12 = 0x03e84000; TC 0; S 0; TTL 64 → 03 e8 40 40
//  label 100 = 0x00064 → 0x00064000; TC 5 → 0xa00; S 1 → 0x100; TTL 64 → 00 06 4b 40
const OUTER_LABEL = '03e84040';
const INNER_LABEL = '00064b40';
// A minimal IPv4 header (RFC 791) 192.0.2.1 → 192.0.2.2, protocol 253 (experimental), total length 24,
// checksum 0xebe5 (RFC 1071: the header words sum to 0x21418, folded 0x141a, complemented).
const IPV4 = '45000018000000004afd' + 'ebe5' + 'c0000201c0000202' + '01020304';

describe('mpls', () => {
  it('encodes RFC 3032 label stack entries: S computed from the stack, EtherType 0x8847', () => {
    const bytes = encodePacket(
      parseSpec(
        `ether(src=02:00:00:00:00:01,dst=02:00:00:00:00:02)/mpls(label=16004)/mpls(label=100,tc=5)/ipv4(src=192.0.2.1,dst=192.0.2.2,id=0,ttl=74,proto=253)/raw(data=0x01020304)`,
      ),
    );
    expect(toHex(bytes)).toBe(`${ETH}8847${OUTER_LABEL}${INNER_LABEL}${IPV4}`);
    // One label, nothing after it: still the bottom of the stack.
    expect(toHex(encodePacket(parseSpec('ether/mpls(label=1048575,tc=7,ttl=255)')), 12)).toBe('8847ffffffff');
  });

  it('writes a set S, EtherType 0x8848 and the label values as given, even when wrong', () => {
    const bytes = encodePacket(parseSpec('ether(type=0x8848)/mpls(label=16,s=1)/mpls(label=17,s=0,ttl=0)'));
    expect(toHex(bytes, 12)).toBe('8848' + '00010140' + '00011000');
    expect(() => encodePacket([ether(), mpls({ label: 1048576 })])).toThrow(FieldError);
    expect(() => encodePacket([ether(), mpls({ tc: 8 })])).toThrow(FieldError);
    expect(() => encodePacket([ether(), mpls({ s: 2 })])).toThrow(FieldError);
    expect(() => parseSpec('ether/mpls(label=1048576)')).toThrow(
      /mpls.label: 1048576 is larger than 1048575/,
    );
  });

  it('decodes every field and the payload by the first nibble after the bottom label', () => {
    const decoded = decodePacket(hex(`${ETH}8847${OUTER_LABEL}${INNER_LABEL}${IPV4}`));
    expect(decoded.problems).toEqual([]);
    expect(stackOf(decoded)).toBe('ether/mpls/mpls/ipv4/raw');
    expect(decoded.layers[1]?.fields).toEqual({ label: 16004, tc: 0, s: 0, ttl: 64 });
    expect(decoded.layers[2]?.fields).toEqual({ label: 100, tc: 5, s: 1, ttl: 64 });
    // 0x8848 decodes as MPLS too; IPv6 by nibble 6; nibble 0 (a pseudowire control word) stays raw.
    const v6 = encodePacket(parseSpec('ether(type=0x8848)/mpls(label=2)/ipv6/udp/raw(len=4)'));
    expect(stackOf(decodePacket(v6))).toBe('ether/mpls/ipv6/udp/raw');
    const pw = decodePacket(hex(`${ETH}8847${'0001f140'}00000000${ETH}0800`));
    expect(stackOf(pw)).toBe('ether/mpls/raw');
    expect(pw.problems).toEqual([]);
  });

  it('round-trips through bytes, the text spec and JSON byte-exact', () => {
    for (const spec of [
      'ether/mpls(label=16004)/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=1,dport=2)/raw(len=20)',
      'ether/mpls(label=16,tc=1)/mpls(label=17,tc=2)/mpls(label=18,tc=3,ttl=1)/ipv6/tcp(flags=S)',
      'ether/dot1q(vlan=5)/mpls(label=3,s=0)/raw(len=3)',
      'ether/mpls(label=77)/raw(data=0x0000000011223344)',
    ]) {
      const text = toHex(encodePacket(parseSpec(spec)));
      expectJsonAndSpecRoundTrip(text, 'ether');
      expectRoundTrip(hex(text), 'ether');
    }
  });

  it('reports S=0 on the last label as a truncated problem on s', () => {
    const decoded = decodePacket(hex(`${ETH}8847${OUTER_LABEL}`));
    expect(stackOf(decoded)).toBe('ether/mpls');
    expect(decoded.problems).toEqual([
      expect.objectContaining({
        layer: 'mpls',
        offset: 16,
        kind: 'truncated',
        field: 's',
        expected: 1,
        actual: 0,
      }),
    ]);
    // Two bytes of a next label: the next entry is cut short (a DecodeError turned into a problem).
    const cut = decodePacket(hex(`${ETH}8847${OUTER_LABEL}0006`));
    expect(stackOf(cut)).toBe('ether/mpls/raw');
    expect(cut.problems).toEqual([
      expect.objectContaining({ layer: 'mpls', offset: 18, kind: 'truncated', expected: 4, actual: 2 }),
    ]);
  });

  it('survives hostile stacks: S never 1 until the bytes end, and 1,000 labels', () => {
    // 1,000 labels with S=0: the decoder stops at its layer limit, the rest raw, bytes kept exactly.
    const never = hex(`${ETH}8847${OUTER_LABEL.repeat(1000)}`);
    const decoded = expectRoundTrip(never, 'ether');
    expect(decoded.layers.length).toBeLessThanOrEqual(64);
    expect(decoded.layers.at(-1)?.layer).toBe('raw');
    // 1,000 labels, the last with S=1, then IPv4: same, round trip exact.
    const deep = hex(`${ETH}8847${OUTER_LABEL.repeat(999)}${INNER_LABEL}${IPV4}`);
    expectRoundTrip(deep, 'ether');
    // The deepest stack the encoder takes (62 labels in 64 layers) has S only on the last label;
    // 1,000 label layers are refused as a FieldError, not a crash.
    const built = encodePacket(parseSpec(`ether/${'mpls(label=16)/'.repeat(62)}raw(len=1)`));
    expect(built.length).toBe(14 + 4 * 62 + 1);
    expect(toHex(built, 14 + 4 * 60, 14 + 4 * 62)).toBe('0001004000010140');
    expect(() => encodePacket(parseSpec(`ether/${'mpls/'.repeat(1000)}raw`))).toThrow(FieldError);
    // Truncated at every byte: only problems, and the bytes come back exactly.
    const full = hex(`${ETH}8847${OUTER_LABEL}${INNER_LABEL}${IPV4}`);
    for (let cutAt = 0; cutAt <= full.length; cutAt++) expectRoundTrip(full.subarray(0, cutAt), 'ether');
  });

  it('decodes with bounds checks only: a header cut short is a typed DecodeError', () => {
    let error: unknown;
    try {
      mplsCodec.decode(hex('03e840'), 0, 3, newContext());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ layer: 'mpls', offset: 0, expected: 4, actual: 3 });
    checkDecodeThrowsOnlyDecodeError(mplsCodec);
  });

  it('random bytes after EtherType 0x8847 decode without throwing and re-encode exactly', () => {
    const prefix = hex(`${ETH}8847`);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        expectRoundTrip(bytes, 'ether');
      }),
      { numRuns: 1000 },
    );
    checkMutatedRoundTrip([`${ETH}8847${OUTER_LABEL}${INNER_LABEL}${IPV4}`], 'ether');
  });

  it('varies with --vary mpls.label=16000+, byte-identical to encoding each packet', () => {
    const layers = parseSpec('ether/mpls(label=1)/mpls(tc=2)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp/raw(len=6)');
    const template = compileTemplate(layers, ['mpls.label=16000+']);
    const out = new Uint8Array(template.length);
    for (const index of [0, 1, 77, 5000]) {
      template.writePacket(index, out, 0);
      let first = true;
      const expected = encodePacket(
        layers.map((layer) => {
          if (layer.layer !== 'mpls' || !first) return layer;
          first = false;
          return { ...layer, fields: { ...layer.fields, label: 16000 + index } };
        }),
      );
      expect(toHex(out)).toBe(toHex(expected));
    }
    expect(() => compileTemplate(layers, ['mpls.s=1'])).toThrow(/cannot vary: it shapes/);
  });
});
