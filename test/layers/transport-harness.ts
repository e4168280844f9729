/**
 * Shared helpers for the udp/tcp/gtpu/vxlan codec tests: hex vectors, a decode context, re-encoding a
 * decoded packet, and a one-layer round trip that does not depend on the other layers' codecs.
 */
import { bytesEqual, fromHex, toHex } from '../../src/core/bytes.js';
import { DecodeError } from '../../src/core/errors.js';
import type { DecodeContext, LayerCodec, LayerName, LayerValue } from '../../src/layers/layer.js';
import { defaultBindings } from '../../src/layers/numbers.js';
import { raw } from '../../src/layers/raw.js';
import { type DecodedPacket, decodePacket, type FirstLayer } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';

export function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`bad hex in test: ${text}`);
  return bytes;
}

export function newContext(ipVersion: 0 | 4 | 6 = 0, ipOffset = 0): DecodeContext {
  return { problems: [], bindings: defaultBindings, ipVersion, ipOffset, insideIcmpError: false };
}

/** The decoded layers as layer values again (fields and trailer only). */
export function asLayers(packet: DecodedPacket): LayerValue[] {
  return packet.layers.map((layer) =>
    layer.trailer
      ? { layer: layer.layer, fields: layer.fields, trailer: layer.trailer }
      : { layer: layer.layer, fields: layer.fields },
  );
}

/** decodePacket then encodePacket. */
export function reencode(bytes: Uint8Array, first: FirstLayer): Uint8Array {
  return encodePacket(asLayers(decodePacket(bytes, { first })));
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
    { layer: codec.name as LayerName, fields: step.fields, trailer: bytes.subarray(contentEnd) },
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
