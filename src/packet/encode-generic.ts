/**
 * The generic encoder behind encode.ts and behind every stack `compileStack` (engine/reuse.ts) does
 * not cover. Encoding a layer stack: size everything first, allocate once (or write into the
 * caller's buffer), write headers outside-in, then finish checksums inside-out so an outer checksum covers finished
 * inner bytes. The per-layer bookkeeping lives in preallocated typed arrays: no allocation per layer.
 *
 * While a packet is written, the sums of finished regions (an IPv4 header, a TCP segment, a payload
 * pattern) are noted (core/checksum.ts `noteRegionSum`) and an enclosing checksum adds them instead
 * of summing those bytes again. That holds because every layer writes only its own header, its
 * trailer and, in `finish`, its own checksum or header fields, and finishes run inside-out: once a
 * region is noted, no byte of it changes until the packet is done.
 */
import { beginRegionSums, endRegionSums } from '../core/checksum.js';
import { FieldError } from '../core/errors.js';
import { type EtherFields, etherCodec } from '../layers/ethernet.js';
import { type GtpuFields, gtpuCodec } from '../layers/gtpu.js';
import { type Ipv4Fields, ipv4Codec } from '../layers/ipv4.js';
import type { EncodeFrame, LayerCodec, LayerName, LayerValue } from '../layers/layer.js';
import { type RawFields, rawCodec } from '../layers/raw.js';
import { codecs } from '../layers/registry.js';
import { type TcpFields, tcpCodec } from '../layers/tcp.js';
import { type UdpFields, udpCodec } from '../layers/udp.js';

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

/**
 * The most common layers are called through a switch on a small number, each case calling its own
 * codec: every such call site sees one function, which the optimizing compiler calls directly (and
 * inlines when small), where `codec.encode(...)` across seven codecs is a megamorphic lookup and an
 * indirect call per layer, four times per layer and packet. Any other layer takes the generic call.
 */
const KIND_OTHER = 0;
const KIND_ETHER = 1;
const KIND_IPV4 = 2;
const KIND_UDP = 3;
const KIND_TCP = 4;
const KIND_GTPU = 5;
const KIND_RAW = 6;
const layerKinds = new Uint8Array(MAX_LAYERS);
/**
 * True when the last layout holds only those layers: their encode writes every byte of the header
 * they were sized for (ether, ipv4, udp, tcp, gtpu, raw; checked by test/packet/encode.test.ts on a
 * dirty buffer), so `encodePacketInto` need not zero the packet first.
 */
let writesEveryByte = false;

function kindOf(codec: LayerCodec<object>): number {
  if (codec === etherCodec) return KIND_ETHER;
  if (codec === ipv4Codec) return KIND_IPV4;
  if (codec === udpCodec) return KIND_UDP;
  if (codec === tcpCodec) return KIND_TCP;
  if (codec === gtpuCodec) return KIND_GTPU;
  if (codec === rawCodec) return KIND_RAW;
  return KIND_OTHER;
}

function headerLengthOf(i: number, fields: object, below: LayerName | undefined): number {
  switch (layerKinds[i]) {
    case KIND_ETHER:
      return etherCodec.headerLength(fields as EtherFields);
    case KIND_IPV4:
      return ipv4Codec.headerLength(fields as Ipv4Fields);
    case KIND_UDP:
      return udpCodec.headerLength(fields as UdpFields);
    case KIND_TCP:
      return tcpCodec.headerLength(fields as TcpFields);
    case KIND_GTPU:
      return gtpuCodec.headerLength(fields as GtpuFields);
    case KIND_RAW:
      return rawCodec.headerLength(fields as RawFields);
    default:
      return layerCodecs[i]!.headerLength(fields, below);
  }
}

function encodeLayer(i: number, fields: object): void {
  switch (layerKinds[i]) {
    case KIND_ETHER:
      etherCodec.encode(fields as EtherFields, frame);
      return;
    case KIND_IPV4:
      ipv4Codec.encode(fields as Ipv4Fields, frame);
      return;
    case KIND_UDP:
      udpCodec.encode(fields as UdpFields, frame);
      return;
    case KIND_TCP:
      tcpCodec.encode(fields as TcpFields, frame);
      return;
    case KIND_GTPU:
      gtpuCodec.encode(fields as GtpuFields, frame);
      return;
    case KIND_RAW:
      rawCodec.encode(fields as RawFields, frame);
      return;
    default:
      layerCodecs[i]!.encode(fields, frame);
  }
}

/** Runs layer i's `finish`, if it has one. */
function finishLayer(i: number, fields: object, base: number): void {
  switch (layerKinds[i]) {
    case KIND_ETHER:
    case KIND_IPV4:
    case KIND_GTPU:
    case KIND_RAW:
      return;
    case KIND_UDP:
      setFrame(i, base);
      udpCodec.finish!(fields as UdpFields, frame);
      return;
    case KIND_TCP:
      setFrame(i, base);
      tcpCodec.finish!(fields as TcpFields, frame);
      return;
    default: {
      const codec = layerCodecs[i]!;
      if (codec.finish) {
        setFrame(i, base);
        codec.finish(fields, frame);
      }
    }
  }
}

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
  let every = true;
  for (let i = 0; i < count; i++) {
    const layer = layers[i]!;
    const name = layer.layer;
    if (name !== layerCodecNames[i]) {
      const codec = codecs[name];
      if (!codec) throw new FieldError('packet', 'layer', `unknown layer '${String(name)}'`);
      layerCodecs[i] = codec;
      layerCodecNames[i] = name;
      layerKinds[i] = kindOf(codec);
    }
    const length = headerLengthOf(i, layer.fields, i > 0 ? layers[i - 1]!.layer : undefined);
    if (layerKinds[i] === KIND_OTHER) every = false;
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
  writesEveryByte = every;
  let end = offset;
  for (let i = count - 1; i >= 0; i--) {
    payloadEnds[i] = end;
    end += layers[i]!.trailer?.length ?? 0;
    ends[i] = end;
  }
  return end;
}

function run(layers: readonly LayerValue[], out: Uint8Array, base: number): void {
  frame.out = out;
  frame.layers = layers;
  beginRegionSums(out);
  try {
    writeLayers(layers, out, base);
  } finally {
    endRegionSums();
    frame.out = EMPTY;
    frame.layers = NO_LAYERS;
  }
}

function writeLayers(layers: readonly LayerValue[], out: Uint8Array, base: number): void {
  const count = layers.length;
  for (let i = 0; i < count; i++) {
    setFrame(i, base);
    const layer = layers[i]!;
    encodeLayer(i, layer.fields);
    const trailer = layer.trailer;
    if (trailer && trailer.length > 0) out.set(trailer, base + payloadEnds[i]!);
  }
  for (let i = count - 1; i >= 0; i--) finishLayer(i, layers[i]!.fields, base);
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
export function encodedLengthGeneric(layers: readonly LayerValue[]): number {
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

export function allocatePacket(length: number): Uint8Array {
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
export function encodePacketGeneric(layers: readonly LayerValue[]): Uint8Array {
  const total = layout(layers);
  const out = allocatePacket(total);
  run(layers, out, 0);
  return out;
}

/**
 * Encodes into `out` at `offset` (no allocation); returns the number of bytes written.
 * Throws RangeError if `out` is too small.
 */
export function encodePacketIntoGeneric(layers: readonly LayerValue[], out: Uint8Array, offset = 0): number {
  return writeLaidOut(layers, out, offset, layout(layers));
}

/**
 * The second half of `encodePacketIntoGeneric`: writes `layers` as laid out by the last
 * `encodedLengthGeneric(layers)` (`total` is what it returned). Nothing may be encoded in between.
 */
export function writeLaidOut(
  layers: readonly LayerValue[],
  out: Uint8Array,
  offset: number,
  total: number,
): number {
  if (offset < 0 || offset + total > out.length) {
    throw new RangeError(
      `encodePacketInto: packet of ${total} bytes does not fit at ${offset} in ${out.length}`,
    );
  }
  // Zero the packet first unless every layer is one whose encode writes each byte of its header
  // (and trailers cover their own bytes): then there is nothing left to zero.
  if (!writesEveryByte) fillBytes.call(out, 0, offset, offset + total);
  run(layers, out, offset);
  return total;
}
