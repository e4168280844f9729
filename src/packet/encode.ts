/**
 * Encoding a layer stack (outermost first): the generic encoder of encode-generic.ts, stateless. Every
 * call lays the stack out and encodes it; nothing is remembered between calls. To encode many packets
 * of one shape fast, compile the shape once with `compileStack` (engine/reuse.ts) and encode through
 * the compiled stack: same bytes, same errors.
 */
import type { LayerValue } from '../layers/layer.js';
import {
  encodedLengthGeneric,
  encodePacketGeneric,
  encodePacketIntoGeneric,
  writeLaidOut,
} from './encode-generic.js';

export { MAX_LAYERS } from './encode-generic.js';

/** The number of bytes `layers` encode to. */
export function encodedLength(layers: readonly LayerValue[]): number {
  return encodedLengthGeneric(layers);
}

/**
 * Encodes a layer stack (outermost first) into a new buffer, filling every field left out. The
 * result may be a view into a shared slab (its `byteOffset` is then not 0); copy it, or use
 * `encodePacketInto`, when its underlying ArrayBuffer matters.
 */
export function encodePacket(layers: readonly LayerValue[]): Uint8Array {
  return encodePacketGeneric(layers);
}

/**
 * Encodes into `out` at `offset` (no allocation); returns the number of bytes written.
 * Throws RangeError if `out` is too small.
 */
export function encodePacketInto(layers: readonly LayerValue[], out: Uint8Array, offset = 0): number {
  return encodePacketIntoGeneric(layers, out, offset);
}

/** Gives room for a packet once its length is known (a capture writer's next record, a ring slot). */
export interface PacketSink {
  reservePacket(length: number): { readonly buffer: Uint8Array; readonly offset: number };
}

/**
 * Something that encodes layer stacks into the room a sink gives: a `compileStack` result (what
 * `CaptureWriter.writeCompiled` takes).
 */
export interface PacketEncoder {
  /** Encodes `layers` into the room `sink` reserves for its length; returns the length. */
  encodeTo(layers: readonly LayerValue[], sink: PacketSink): number;
}

/**
 * Encodes `layers` into the room `sink` gives for its length, sizing the stack once (where
 * `encodedLength` then `encodePacketInto` size it twice); returns the length.
 */
export function encodePacketTo(layers: readonly LayerValue[], sink: PacketSink): number {
  const total = encodedLengthGeneric(layers);
  const slot = sink.reservePacket(total);
  // The sink reserves room and encodes nothing, so the layout just made is still the one in place.
  return writeLaidOut(layers, slot.buffer, slot.offset, total);
}
