/**
 * Encoding a layer stack: size everything first, allocate once (or write into the caller's buffer),
 * write headers outside-in, then finish checksums inside-out so an outer checksum covers finished
 * inner bytes. The per-layer bookkeeping lives in preallocated typed arrays: no allocation per layer.
 */
import { FieldError } from '../core/errors.js';
import type { EncodeFrame, LayerCodec, LayerValue } from '../layers/layer.js';
import { codecs } from '../layers/registry.js';

/** The deepest stack the encoder accepts (QinQ in VXLAN in GTP-U is far below this). */
export const MAX_LAYERS = 64;

const headerLengths = new Int32Array(MAX_LAYERS);
const offsets = new Int32Array(MAX_LAYERS);
const payloadEnds = new Int32Array(MAX_LAYERS);
const ends = new Int32Array(MAX_LAYERS);
const ipVersions = new Uint8Array(MAX_LAYERS);
const ipOffsets = new Int32Array(MAX_LAYERS);
// biome-ignore lint/suspicious/noExplicitAny: codecs of every fields type, looked up once per layer
const layerCodecs: LayerCodec<any>[] = new Array(MAX_LAYERS).fill(undefined);
/**
 * The layer name each slot of `layerCodecs` was looked up for. A stream of packets repeats the same
 * stack, so the codec of slot i is usually the last one: one string comparison (names are interned
 * literals, so it is a pointer comparison) instead of a keyed lookup in the registry.
 */
const layerCodecNames: (string | undefined)[] = new Array(MAX_LAYERS).fill(undefined);

/** Uint8Array's own fill: a Buffer's (Node's) adds argument checks on every call. */
const fillBytes = Uint8Array.prototype.fill;

const frame: EncodeFrame = {
  out: new Uint8Array(0),
  offset: 0,
  headerLength: 0,
  payloadEnd: 0,
  end: 0,
  layers: [],
  index: 0,
  ipVersion: 0,
  ipOffset: 0,
};

/** Lays the stack out in the scratch arrays; returns the total length in bytes. */
function layout(layers: readonly LayerValue[]): number {
  const count = layers.length;
  if (count > MAX_LAYERS)
    throw new FieldError('packet', 'layers', `at most ${MAX_LAYERS} layers, got ${count}`);
  let offset = 0;
  let ipVersion: 0 | 4 | 6 = 0;
  let ipOffset = 0;
  for (let i = 0; i < count; i++) {
    const layer = layers[i]!;
    const name = layer.layer;
    let codec = layerCodecs[i]!;
    if (name !== layerCodecNames[i]) {
      codec = codecs[name];
      if (!codec) throw new FieldError('packet', 'layer', `unknown layer '${String(name)}'`);
      layerCodecs[i] = codec;
      layerCodecNames[i] = name;
    }
    const length = codec.headerLength(layer.fields);
    headerLengths[i] = length;
    offsets[i] = offset;
    ipVersions[i] = ipVersion;
    ipOffsets[i] = ipOffset;
    offset += length;
    if (name === 'ipv4') {
      ipVersion = 4;
      ipOffset = offsets[i]!;
    } else if (name === 'ipv6') {
      ipVersion = 6;
      ipOffset = offsets[i]!;
    }
  }
  let end = offset;
  for (let i = count - 1; i >= 0; i--) {
    payloadEnds[i] = end;
    end += layers[i]!.trailer?.length ?? 0;
    ends[i] = end;
  }
  return end;
}

function run(layers: readonly LayerValue[], out: Uint8Array, base: number): void {
  const count = layers.length;
  frame.out = out;
  frame.layers = layers;
  for (let i = 0; i < count; i++) {
    setFrame(i, base);
    const layer = layers[i]!;
    layerCodecs[i]!.encode(layer.fields, frame);
    const trailer = layer.trailer;
    if (trailer && trailer.length > 0) out.set(trailer, base + payloadEnds[i]!);
  }
  for (let i = count - 1; i >= 0; i--) {
    const codec = layerCodecs[i]!;
    if (codec.finish) {
      setFrame(i, base);
      codec.finish(layers[i]!.fields, frame);
    }
  }
  frame.out = EMPTY;
  frame.layers = NO_LAYERS;
}

const EMPTY = new Uint8Array(0);
const NO_LAYERS: readonly LayerValue[] = [];

function setFrame(i: number, base: number): void {
  frame.index = i;
  frame.offset = base + offsets[i]!;
  frame.headerLength = headerLengths[i]!;
  frame.payloadEnd = base + payloadEnds[i]!;
  frame.end = base + ends[i]!;
  frame.ipVersion = ipVersions[i]! as 0 | 4 | 6;
  frame.ipOffset = base + ipOffsets[i]!;
}

/** The number of bytes `layers` encode to. */
export function encodedLength(layers: readonly LayerValue[]): number {
  return layout(layers);
}

/**
 * Small packets are carved from a shared slab (each packet its own, never reused region), like
 * Node's Buffer pool: one ArrayBuffer per ~64 KiB of packets instead of one per packet.
 */
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_PACKET = 4096;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

function allocatePacket(length: number): Uint8Array {
  if (length > SLAB_MAX_PACKET) return new Uint8Array(length);
  if (slabUsed + length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += (length + 7) & ~7;
  return out;
}

/**
 * Encodes a layer stack (outermost first) into a new buffer, filling every field left out. The
 * result may be a view into a shared slab (its `byteOffset` is then not 0); copy it, or use
 * `encodePacketInto`, when its underlying ArrayBuffer matters.
 */
export function encodePacket(layers: readonly LayerValue[]): Uint8Array {
  const total = layout(layers);
  const out = allocatePacket(total);
  run(layers, out, 0);
  return out;
}

/**
 * Encodes into `out` at `offset` (no allocation); returns the number of bytes written.
 * Throws RangeError if `out` is too small.
 */
export function encodePacketInto(layers: readonly LayerValue[], out: Uint8Array, offset = 0): number {
  const total = layout(layers);
  if (offset + total > out.length) {
    throw new RangeError(
      `encodePacketInto: packet of ${total} bytes does not fit at ${offset} in ${out.length}`,
    );
  }
  fillBytes.call(out, 0, offset, offset + total);
  run(layers, out, offset);
  return total;
}
