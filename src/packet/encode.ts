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

export type ReusedStackCompiler = (layers: readonly LayerValue[]) => ReusedStack | undefined;

let compileReusedStack: ReusedStackCompiler | undefined;

/**
 * Sets the compiler of reused stacks (engine/index.ts registers the engine's), or turns the shortcut
 * off with undefined. Encoding gives the same bytes either way.
 */
export function useReusedStacks(compiler: ReusedStackCompiler | undefined): void {
  compileReusedStack = compiler;
  compiled = undefined;
  lastSeen = undefined;
  seenInARow = 0;
}

/** Encodes of the same stack array (in a row) before it is compiled. */
const COMPILE_AFTER = 8;
/** Compilations of one stack array before it is left to the generic encoder for good. */
const MAX_COMPILES = 3;

let compiled: ReusedStack | undefined;
let lastSeen: readonly LayerValue[] | undefined;
let seenInARow = 0;
const compiles = new WeakMap<readonly LayerValue[], number>();

/** The compiled form of `layers` with `values` filled, or undefined (use the generic encoder). */
function reused(layers: readonly LayerValue[]): ReusedStack | undefined {
  if (compileReusedStack === undefined) return undefined;
  const current = compiled;
  if (current !== undefined && current.layers === layers) {
    if (current.check(layers, current.values)) return current;
    compiled = undefined;
    seenInARow = 0;
    return undefined;
  }
  if (layers !== lastSeen) {
    lastSeen = layers;
    seenInARow = 1;
    return undefined;
  }
  if (++seenInARow < COMPILE_AFTER) return undefined;
  const times = compiles.get(layers) ?? 0;
  if (times >= MAX_COMPILES) return undefined;
  compiles.set(layers, times + 1);
  seenInARow = 0;
  const made = compileReusedStack(layers);
  if (made === undefined) {
    compiles.set(layers, MAX_COMPILES);
    return undefined;
  }
  compiled = made;
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
