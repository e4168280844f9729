/**
 * The one set of shared checks for the layer tests: hex vectors, decode contexts, byte-exact round
 * trips through the packet model (whole packets, one layer with the rest as raw bytes, JSON and the
 * text spec), and the fast-check properties every decoder must satisfy.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { bytesEqual, fromHex, toHex } from '../../src/core/bytes.js';
import { DecodeError } from '../../src/core/errors.js';
import type { Bindings, DecodeContext, LayerCodec, LayerName, LayerValue } from '../../src/layers/layer.js';
import { defaultBindings } from '../../src/layers/numbers.js';
import { raw } from '../../src/layers/raw.js';
import { type DecodedPacket, decodePacket, type FirstLayer } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { layersFromJson, packetToJson } from '../../src/packet/json.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

/** Bytes from hex text (a test's own vector: bad hex is a bug in the test). */
export function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`bad hex in test: ${text}`);
  return bytes;
}

export function buildHex(layers: readonly LayerValue[]): string {
  return toHex(encodePacket(layers));
}

export function decodeHex(text: string, first: FirstLayer, bindings?: Bindings): DecodedPacket {
  return decodePacket(hex(text), bindings ? { first, bindings } : { first });
}

/** The layer names of a decoded packet, joined with '/'. */
export function stackOf(decoded: DecodedPacket): string {
  return decoded.layers.map((layer) => layer.layer).join('/');
}

/**
 * Bindings restricted to the link and network layers, so that property tests exercise vlan, arp,
 * ipv4, ipv6 (+ extension headers), icmp and icmpv6 and not the transport codecs.
 */
export const networkBindings: Bindings = {
  etherType: defaultBindings.etherType,
  ipProtocol: new Map<number, LayerName>([
    [0, 'ipv6hop'],
    [1, 'icmp'],
    [4, 'ipv4'],
    [41, 'ipv6'],
    [43, 'ipv6route'],
    [44, 'ipv6frag'],
    [58, 'icmpv6'],
    [60, 'ipv6dest'],
  ]),
  udpPort: new Map(),
  tcpPort: new Map(),
};

/** A decode context as decodePacket starts one (default bindings unless given). */
export function newContext(
  ipVersion: 0 | 4 | 6 = 0,
  ipOffset = 0,
  bindings = defaultBindings,
): DecodeContext {
  return { problems: [], bindings, ipVersion, ipOffset, insideIcmpError: false };
}

/** decodePacket then encodePacket of the decoded layers unchanged. */
export function reencode(bytes: Uint8Array, first: FirstLayer, bindings?: Bindings): Uint8Array {
  return encodePacket(decodePacket(bytes, bindings ? { first, bindings } : { first }).layers);
}

/** Decodes, re-encodes the decoded layers unchanged, and expects the same bytes. */
export function expectRoundTrip(bytes: Uint8Array, first: FirstLayer, bindings?: Bindings): DecodedPacket {
  const decoded = decodePacket(bytes, bindings ? { first, bindings } : { first });
  expect(toHex(encodePacket(decoded.layers))).toBe(toHex(bytes));
  return decoded;
}

/**
 * Decodes, and rebuilds the same bytes from the JSON form (through JSON text) and from the text
 * spec that the decoded packet prints as.
 */
export function expectJsonAndSpecRoundTrip(text: string, first: FirstLayer): void {
  const decoded = decodePacket(hex(text), { first });
  const json = JSON.parse(JSON.stringify(packetToJson(decoded)));
  expect(buildHex(layersFromJson(json))).toBe(text);
  expect(buildHex(parseSpec(formatSpec(decoded.layers)))).toBe(text);
}

/**
 * Decodes one layer with its codec and encodes it again with the rest as raw bytes (the bytes past
 * the layer's claimed end as its trailer), so only this codec is exercised. Returns undefined when the
 * decode threw a DecodeError; rethrows anything else.
 */
export function oneLayerRoundTrip<F extends object>(
  codec: LayerCodec<F>,
  bytes: Uint8Array,
  context: DecodeContext = newContext(),
): { out: Uint8Array; fields: F } | undefined {
  let step: ReturnType<LayerCodec<F>['decode']>;
  try {
    step = codec.decode(bytes, 0, bytes.length, context);
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
  const contentEnd = Math.min(Math.max(step.contentEnd, step.headerLength), bytes.length);
  const layers: LayerValue[] = [
    { layer: codec.name, fields: step.fields, trailer: bytes.subarray(contentEnd) },
    raw(bytes.subarray(step.headerLength, contentEnd)),
  ];
  return { out: encodePacket(layers), fields: step.fields };
}

export function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (!bytesEqual(actual, expected)) {
    throw new Error(`bytes differ:\n  got      ${toHex(actual)}\n  expected ${toHex(expected)}`);
  }
  return true;
}

/** Property: the codec's decode throws nothing but DecodeError on any bytes, at any offset. */
export function checkDecodeThrowsOnlyDecodeError(codec: LayerCodec<object>, maxLength = 96): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength }), fc.nat(8), fc.boolean(), (bytes, start, insideIcmpError) => {
      const offset = Math.min(start, bytes.length);
      const context = newContext(0, 0, networkBindings);
      context.insideIcmpError = insideIcmpError;
      try {
        const step = codec.decode(bytes, offset, bytes.length, context);
        expect(step.headerLength).toBeGreaterThanOrEqual(0);
        expect(offset + step.headerLength).toBeLessThanOrEqual(bytes.length);
        expect(step.contentEnd).toBeLessThanOrEqual(bytes.length);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
      }
    }),
    { numRuns: 2000 },
  );
}

/** Property: any bytes decoded from `first` re-encode to the same bytes. */
export function checkRandomRoundTrip(
  first: FirstLayer,
  prefix: Uint8Array = new Uint8Array(0),
  maxLength = 120,
): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength }), (tail) => {
      const bytes = new Uint8Array(prefix.length + tail.length);
      bytes.set(prefix);
      bytes.set(tail, prefix.length);
      expectRoundTrip(bytes, first, networkBindings);
    }),
    { numRuns: 1000 },
  );
}

/** Property: vectors with random bytes overwritten (and random truncation) re-encode exactly. */
export function checkMutatedRoundTrip(vectors: readonly string[], first: FirstLayer): void {
  const sources = vectors.map(hex);
  fc.assert(
    fc.property(
      fc.constantFrom(...sources),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      (source, edits, cut) => {
        let bytes = Uint8Array.from(source);
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
        expectRoundTrip(bytes, first, networkBindings);
      },
    ),
    { numRuns: 1500 },
  );
}
