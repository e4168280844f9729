/**
 * Encoding a layer stack (outermost first): the generic encoder of encode-generic.ts, with one
 * shortcut. A stack array encoded again and again (its layer objects reused, some fields set between
 * encodes, as gopacket's SerializeLayers is used) is compiled after a few encodes (reuse.ts); from then
 * on each encode checks that only patchable fields changed and patches a template, with the same bytes
 * as the generic encoder. Any other change (a new layer, an option, a length, a payload) goes through
 * the generic encoder, and the compiled form is dropped; a stack whose other fields keep changing stops
 * being compiled.
 */
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
  /** The stack array this was compiled for. */
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
}

/** Encodes of the same stack array (in a row) before it is compiled. */
const COMPILE_AFTER = 8;
/** Compilations of one stack array before it is left to the generic encoder for good. */
const MAX_COMPILES = 8;

let compiled: ReusedStack | undefined;
/** The field values `compiled` was made with (to learn which field broke it). */
let compiledSnapshot: Map<string, unknown> | undefined;
let lastSeen: readonly LayerValue[] | undefined;
let seenInARow = 0;
/** The field values at the second encode in a row: what differs at the compile changes per packet. */
let early: Map<string, unknown> | undefined;
const compiles = new WeakMap<readonly LayerValue[], number>();
/** Per stack array, the fields ("layer index.field") seen changing between encodes. */
const changing = new WeakMap<readonly LayerValue[], Set<string>>();

function changingFields(layers: readonly LayerValue[]): Set<string> {
  let fields = changing.get(layers);
  if (fields === undefined) {
    fields = new Set();
    changing.set(layers, fields);
  }
  return fields;
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
        ? value.length === before.length && value.every((byte, k) => byte === before[k])
        : Object.is(value, before);
    if (!same) into.add(key);
  }
  for (const key of snapshot.keys()) if (!now.has(key)) into.add(key);
}

/** The compiled form of `layers` with `values` filled, or undefined (use the generic encoder). */
function reused(layers: readonly LayerValue[]): ReusedStack | undefined {
  if (compileReusedStack === undefined) return undefined;
  const current = compiled;
  if (current !== undefined && current.layers === layers) {
    if (current.check(layers, current.values)) return current;
    // Something else changed: learn what, and compile again later with it patchable (if it can be).
    if (compiledSnapshot !== undefined) noteChanges(compiledSnapshot, layers, changingFields(layers));
    compiled = undefined;
    compiledSnapshot = undefined;
    seenInARow = 0;
    return undefined;
  }
  if (layers !== lastSeen) {
    lastSeen = layers;
    seenInARow = 1;
    early = undefined;
    return undefined;
  }
  seenInARow++;
  if (seenInARow === 2) early = snapshotOf(layers);
  if (seenInARow < COMPILE_AFTER) return undefined;
  const times = compiles.get(layers) ?? 0;
  if (times >= MAX_COMPILES) return undefined;
  compiles.set(layers, times + 1);
  seenInARow = 0;
  const fields = changingFields(layers);
  if (early !== undefined) noteChanges(early, layers, fields);
  early = undefined;
  const made = compileReusedStack(layers, fields);
  if (made === undefined) {
    compiles.set(layers, MAX_COMPILES);
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
