/**
 * Every position a schema declares is checked against what `encode` writes: each field is set to a
 * distinctive value, the packet encoded, and the value read back at the schema's offset, shift and
 * mask. A second encode with the field at 0 must differ only in the field's own bits (and in a
 * checksum), so a mask that is too narrow or too wide, or a wrong offset, cannot survive.
 */
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, formatMac } from '../../src/core/address.js';
import type { LayerName, LayerValue } from '../../src/layers/layer.js';
import { codecs, layerNames } from '../../src/layers/registry.js';
import {
  type AnySchema,
  defineSchema,
  describeDefault,
  type FieldPosition,
  type FieldSchema,
  shiftIn,
} from '../../src/layers/schema.js';
import { udpSchema } from '../../src/layers/udp.js';
import { vxlanSchema } from '../../src/layers/vxlan.js';
import { encodePacket } from '../../src/packet/encode.js';

/** Fields that only have their place in some messages: what the layer needs for them to be there. */
const CONTEXT: Partial<Record<LayerName, Record<string, Record<string, unknown>>>> = {
  icmp: { gw: { type: 5 }, mtu: { type: 3 }, ptr: { type: 12 } },
};

/** Fields that only have their place over some layer (DNS's TCP length prefix): the layer below. */
const BELOW: Partial<Record<LayerName, Record<string, LayerName>>> = { dns: { len: 'tcp' } };

/** The `bits`-wide distinctive value: 0b1011 0110 1101 ... cut to the field (never all zeros or all ones). */
function distinctive(bits: number): number {
  if (bits === 1) return 1;
  let value = 0;
  for (let i = 0; i < bits; i++) value = value * 2 + ([1, 0, 1, 1, 0, 1][i % 6] ?? 0);
  return value;
}

function readWord(bytes: Uint8Array, offset: number, width: number): number {
  let word = 0;
  for (let i = 0; i < width; i++) word = word * 256 + (bytes[offset + i] ?? 0);
  return word;
}

function readField(bytes: Uint8Array, header: number, position: FieldPosition): number {
  const word = readWord(bytes, header + position.offset, position.width);
  return Math.floor(word / 2 ** position.shift) % 2 ** position.bits;
}

/** The layer's own bytes, encoded alone or over `below` (default fields). */
function encodeOne(layer: LayerName, fields: Record<string, unknown>, below?: LayerName): Uint8Array {
  if (below === undefined) return encodePacket([{ layer, fields } as LayerValue]);
  const under = { layer: below, fields: {} } as LayerValue;
  const bytes = encodePacket([under, { layer, fields } as LayerValue]);
  return bytes.subarray(codecs[below].headerLength(under.fields));
}

/** Byte ranges of the layer's checksum fields (they follow every change). */
function checksumBytes(schema: AnySchema): Set<number> {
  const bytes = new Set<number>();
  for (const field of Object.values(schema)) {
    if (field.role === 'checksum' && field.at)
      for (let i = 0; i < field.at.width; i++) bytes.add(field.at.offset + i);
  }
  return bytes;
}

interface Case {
  layer: LayerName;
  name: string;
  field: FieldSchema;
}

const cases: Case[] = layerNames.flatMap((layer) =>
  Object.entries(codecs[layer].schema as AnySchema)
    .filter(([, field]) => field.at !== undefined || field.locate !== undefined)
    .map(([name, field]) => ({ layer, name, field })),
);

describe('schema positions agree with encode', () => {
  it('covers the fixed header of every layer that has one', () => {
    const layers = new Set(cases.map((c) => c.layer));
    // null's one field is in host byte order (little-endian unless be=1): no big-endian position.
    for (const layer of layerNames)
      if (layer !== 'raw' && layer !== 'null') expect(layers.has(layer)).toBe(true);
    expect(cases.length).toBeGreaterThan(60);
  });

  for (const { layer, name, field } of cases) {
    it(`${layer}.${name}`, () => {
      const context = CONTEXT[layer]?.[name] ?? {};
      const below = BELOW[layer]?.[name];
      const integer = field.kind === 'uint' || field.kind === 'flags';
      const probe = (value: unknown): { bytes: Uint8Array; position: FieldPosition } => {
        const bytes = encodeOne(layer, { ...context, [name]: value }, below);
        const header = 0;
        const headerLength = codecs[layer].headerLength({ ...context, [name]: value }, below);
        const located = field.at ?? field.locate?.(bytes, header, headerLength, below);
        if (located === undefined || typeof located === 'string')
          throw new Error(`${layer}.${name} has no position in its probe packet: ${String(located)}`);
        return { bytes, position: located };
      };
      if (integer) {
        const bits = field.at?.bits ?? Math.round(Math.log2((field.max ?? 0) + 1));
        const max = field.max ?? 2 ** bits - 1;
        expect(max).toBe(2 ** bits - 1);
        const value = distinctive(bits);
        const set = probe(value);
        expect(set.position.bits).toBe(bits);
        expect(readField(set.bytes, 0, set.position)).toBe(value);
        const ones = probe(max);
        expect(readField(ones.bytes, 0, ones.position)).toBe(max);
        // With the field at 0, the packet differs only in the field's bits (and a checksum).
        const zero = probe(0);
        expect(readField(zero.bytes, 0, zero.position)).toBe(0);
        if (zero.bytes.length === ones.bytes.length) {
          const skip = checksumBytes(codecs[layer].schema as AnySchema);
          const { offset, width, shift, bits: size } = ones.position;
          for (let i = 0; i < ones.bytes.length; i++) {
            if (skip.has(i)) continue;
            const diff = (ones.bytes[i] ?? 0) ^ (zero.bytes[i] ?? 0);
            let expected = 0;
            if (i >= offset && i < offset + width) {
              // The bits of the field that fall in byte i of its word.
              const byteShift = 8 * (offset + width - 1 - i);
              for (let bit = 0; bit < 8; bit++) {
                const at = byteShift + bit;
                if (at >= shift && at < shift + size) expected |= 1 << bit;
              }
            }
            if (diff !== expected && !isLengthDriven(layer, name))
              throw new Error(
                `${layer}.${name}: byte ${i} differs by 0x${diff.toString(16)}, schema says 0x${expected.toString(16)}`,
              );
          }
        }
      } else {
        const value =
          field.kind === 'mac'
            ? '0a:1b:2c:3d:4e:5f'
            : field.kind === 'ipv4'
              ? '198.51.100.77'
              : '2001:db8:a:b::77';
        const { bytes, position } = probe(value);
        const at = position.offset;
        const text =
          field.kind === 'mac'
            ? formatMac(bytes, at)
            : field.kind === 'ipv4'
              ? formatIPv4(bytes, at)
              : formatIPv6(bytes, at);
        expect(text).toBe(value);
        expect(position.width).toBe(field.kind === 'mac' ? 6 : field.kind === 'ipv4' ? 4 : 16);
      }
    });
  }
});

/** Setting these changes bytes besides their own by design (GTP-U flags add the optional octets). */
function isLengthDriven(layer: LayerName, name: string): boolean {
  return layer === 'gtpu' && name === 'flags';
}

describe('schema helpers', () => {
  it('derives the maximum from a position, and a word shift from a byte shift', () => {
    const schema = defineSchema<{ a?: number }>({
      a: { kind: 'uint', role: 'value', at: { offset: 1, width: 1, shift: 4, bits: 4 }, doc: 'a' },
    });
    expect(schema.a.max).toBe(15);
    expect(shiftIn(schema.a, 0, 2)).toBe(4);
    expect(shiftIn(schema.a, 0, 4)).toBe(20);
    expect(() => shiftIn(schema.a, 2, 2)).toThrow(/outside the word/);
  });

  it('states a default as a constant or as how it is filled', () => {
    expect(describeDefault(udpSchema.sport)).toBe('53');
    expect(describeDefault(udpSchema.len)).toBe('computed');
    expect(describeDefault(vxlanSchema.flags)).toBe('0x800');
  });
});
