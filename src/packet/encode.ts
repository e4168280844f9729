/**
 * Encoding a layer stack (outermost first): the generic encoder of encode-generic.ts, with one
 * shortcut. Stacks of one shape encoded again and again (the same layer objects with some fields set
 * between encodes, as gopacket's SerializeLayers is used, or new objects built alike each time) are
 * compiled after a few encodes (engine/reuse.ts); from then on each encode checks that only patchable
 * fields differ and patches a template, with the same bytes as the generic encoder. Any other change
 * (a flag, an option, a length, a payload) goes through the generic encoder, and the compiled form is
 * dropped; a shape whose other fields keep changing stops being compiled.
 */
import { bytesEqual } from '../core/bytes.js';
import type { LayerValue } from '../layers/layer.js';
import {
  allocatePacket,
  encodedLengthGeneric,
  encodePacketGeneric,
  encodePacketIntoGeneric,
  writeLaidOut,
} from './encode-generic.js';

export { MAX_LAYERS } from './encode-generic.js';

/** A stack array compiled for repeated encoding (engine/reuse.ts makes them). */
export interface ReusedStack {
  /** The stack it was compiled from (its shape: the layer names in order). */
  readonly layers: readonly LayerValue[];
  readonly length: number;
  /** Patchable field values, filled by `check`. */
  readonly values: Float64Array;
  /** True when `layers` may take the shortcut (only patchable fields changed, to valid values); fills `values`. */
  readonly check: (layers: readonly LayerValue[], values: Float64Array) => boolean;
  /** Writes the packet with `values` at `base` (the same bytes as the generic encoder). */
  readonly write: (values: Float64Array, out: Uint8Array, base: number) => void;
}

/**
 * Compiles a stack; `changing` names the fields seen changing ("layer index.field"): only those need
 * to be patchable (a field not in it may be compiled in as a constant).
 */
export type ReusedStackCompiler = (
  layers: readonly LayerValue[],
  changing?: ReadonlySet<string>,
) => ReusedStack | undefined;

let compileReusedStack: ReusedStackCompiler | undefined;

/**
 * Sets the compiler of reused stacks (engine/index.ts registers the engine's), or turns the shortcut
 * off with undefined. Encoding gives the same bytes either way.
 */
export function useReusedStacks(compiler: ReusedStackCompiler | undefined): void {
  compileReusedStack = compiler;
  compiled = undefined;
  compiledSnapshot = undefined;
  lastSeen = undefined;
  early = undefined;
  seenInARow = 0;
  lastShapeDone = false;
  shapes.clear();
}

/** Encodes of stacks of one shape (the same layer names in order), in a row, before it is compiled. */
const COMPILE_AFTER = 8;
/** Compilations of one shape before it is left to the generic encoder for good. */
const MAX_COMPILES = 8;

let compiled: ReusedStack | undefined;
/** The field values `compiled` was made with (to learn which field broke it). */
let compiledSnapshot: Map<string, unknown> | undefined;
let lastSeen: readonly LayerValue[] | undefined;
let seenInARow = 0;
/** The shape seen last has used up its compilations: nothing to learn until another shape comes. */
let lastShapeDone = false;
/** The field values at the second encode in a row: what differs at the compile changes per packet. */
let early: Map<string, unknown> | undefined;
/** Per shape ("ether/ipv4/udp/..."): compilations so far, and the fields seen changing. */
const shapes = new Map<string, { compiles: number; changing: Set<string> }>();
const MAX_SHAPES = 1024;

/** Same number of layers with the same names, in order. */
function sameShape(a: readonly LayerValue[], b: readonly LayerValue[] | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.layer !== b[i]?.layer) return false;
  return true;
}

function shapeOf(layers: readonly LayerValue[]): { compiles: number; changing: Set<string> } {
  const key = layers.map((layer) => layer.layer).join('/');
  let shape = shapes.get(key);
  if (shape === undefined) {
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shape = { compiles: 0, changing: new Set() };
    shapes.set(key, shape);
  }
  return shape;
}

/** Every field value of the stack by "index.field" (address and payload bytes copied). */
function snapshotOf(layers: readonly LayerValue[]): Map<string, unknown> {
  const snapshot = new Map<string, unknown>();
  layers.forEach((layer, i) => {
    for (const [key, value] of Object.entries(layer.fields)) {
      snapshot.set(`${i}.${key}`, value instanceof Uint8Array ? value.slice() : value);
    }
  });
  return snapshot;
}

/** Adds to `into` the fields whose values differ from `snapshot`. */
function noteChanges(snapshot: Map<string, unknown>, layers: readonly LayerValue[], into: Set<string>): void {
  const now = snapshotOf(layers);
  for (const [key, value] of now) {
    const before = snapshot.get(key);
    const same =
      value instanceof Uint8Array && before instanceof Uint8Array
        ? bytesEqual(value, before)
        : Object.is(value, before);
    if (!same) into.add(key);
  }
  for (const key of snapshot.keys()) if (!now.has(key)) into.add(key);
}

/** The compiled form that takes `layers`, with `values` filled, or undefined (use the generic encoder). */
function reused(layers: readonly LayerValue[]): ReusedStack | undefined {
  if (compileReusedStack === undefined) return undefined;
  const current = compiled;
  if (current !== undefined) {
    if (current.check(layers, current.values)) return current;
    if (sameShape(layers, current.layers)) {
      // The same shape with something else changed: learn what, and compile again later with it
      // patchable (if it can be).
      if (compiledSnapshot !== undefined) noteChanges(compiledSnapshot, layers, shapeOf(layers).changing);
      compiled = undefined;
      compiledSnapshot = undefined;
      lastSeen = layers;
      seenInARow = 1;
      early = undefined;
      lastShapeDone = false;
      return undefined;
    }
  }
  if (!sameShape(layers, lastSeen)) {
    lastSeen = layers;
    seenInARow = 1;
    early = undefined;
    lastShapeDone = false;
    return undefined;
  }
  lastSeen = layers;
  if (lastShapeDone) return undefined;
  seenInARow++;
  if (seenInARow === 2) early = snapshotOf(layers);
  if (seenInARow < COMPILE_AFTER) return undefined;
  seenInARow = 0;
  const shape = shapeOf(layers);
  if (shape.compiles >= MAX_COMPILES) {
    lastShapeDone = true; // no more snapshots for this run of the shape
    return undefined;
  }
  shape.compiles++;
  if (early !== undefined) noteChanges(early, layers, shape.changing);
  early = undefined;
  const made = compileReusedStack(layers, shape.changing);
  if (made === undefined) {
    shape.compiles = MAX_COMPILES;
    return undefined;
  }
  compiled = made;
  compiledSnapshot = snapshotOf(layers);
  return made.check(layers, made.values) ? made : undefined;
}

/** The number of bytes `layers` encode to. */
export function encodedLength(layers: readonly LayerValue[]): number {
  const stack = reused(layers);
  return stack !== undefined ? stack.length : encodedLengthGeneric(layers);
}

/**
 * Encodes a layer stack (outermost first) into a new buffer, filling every field left out. The
 * result may be a view into a shared slab (its `byteOffset` is then not 0); copy it, or use
 * `encodePacketInto`, when its underlying ArrayBuffer matters.
 */
export function encodePacket(layers: readonly LayerValue[]): Uint8Array {
  const stack = reused(layers);
  if (stack === undefined) return encodePacketGeneric(layers);
  const out = allocatePacket(stack.length);
  stack.write(stack.values, out, 0);
  return out;
}

/**
 * Encodes into `out` at `offset` (no allocation); returns the number of bytes written.
 * Throws RangeError if `out` is too small.
 */
export function encodePacketInto(layers: readonly LayerValue[], out: Uint8Array, offset = 0): number {
  const stack = reused(layers);
  if (stack === undefined) return encodePacketIntoGeneric(layers, out, offset);
  const total = stack.length;
  if (offset < 0 || offset + total > out.length) {
    throw new RangeError(
      `encodePacketInto: packet of ${total} bytes does not fit at ${offset} in ${out.length}`,
    );
  }
  stack.write(stack.values, out, offset);
  return total;
}

/** Gives room for a packet once its length is known (a capture writer's next record, a ring slot). */
export interface PacketSink {
  reservePacket(length: number): { readonly buffer: Uint8Array; readonly offset: number };
}

/**
 * Encodes `layers` into the room `sink` gives for its length, sizing the stack once (where
 * `encodedLength` then `encodePacketInto` size it twice); returns the length.
 */
export function encodePacketTo(layers: readonly LayerValue[], sink: PacketSink): number {
  const stack = reused(layers);
  if (stack !== undefined) {
    const slot = sink.reservePacket(stack.length);
    stack.write(stack.values, slot.buffer, slot.offset);
    return stack.length;
  }
  const total = encodedLengthGeneric(layers);
  const slot = sink.reservePacket(total);
  // The sink reserves room and encodes nothing, so the layout just made is still the one in place.
  return writeLaidOut(layers, slot.buffer, slot.offset, total);
}
