/**
 * Decoding: walk the registry from the first layer (given, or from the capture's link type); where a
 * binding is missing or the bytes end, the rest is raw. Problems are collected, not thrown: a header
 * cut short becomes a 'truncated' problem and the remaining bytes a raw layer, so decodePacket never
 * throws for any input. Re-encoding the returned layers gives back exactly the input bytes.
 */
import { readU16 } from '../core/bytes.js';
import { DecodeError } from '../core/errors.js';
import { etherCodec } from '../layers/ethernet.js';
import { gtpuCodec } from '../layers/gtpu.js';
import { ipv4Codec } from '../layers/ipv4.js';
import { ipv6Codec } from '../layers/ipv6.js';
import type { Bindings, DecodeContext, LayerName, LengthBound, Problem } from '../layers/layer.js';
import { bindingsWith, defaultBindings } from '../layers/numbers.js';
import { rawCodec } from '../layers/raw.js';
import { codecs, type DecodedShapes, layerNames } from '../layers/registry.js';
import type { AnySchema } from '../layers/schema.js';
import { tcpCodec } from '../layers/tcp.js';
import { tlsCodec } from '../layers/tls.js';
import { udpCodec } from '../layers/udp.js';
import { vxlanCodec } from '../layers/vxlan.js';

type Step = ReturnType<(typeof codecs)[LayerName]['decode']>;

/**
 * The common layers are decoded through a switch, each case calling its own codec: every call site
 * sees one function (called directly, inlined when small), where `codecs[name].decode(...)` is a
 * keyed lookup and a megamorphic call per layer. Other layers take the generic call.
 */
function decodeLayer(
  name: LayerName,
  bytes: Uint8Array,
  offset: number,
  end: number,
  context: DecodeContext,
): Step {
  switch (name) {
    case 'ether':
      return etherCodec.decode(bytes, offset, end, context);
    case 'ipv4':
      return ipv4Codec.decode(bytes, offset, end, context);
    case 'ipv6':
      return ipv6Codec.decode(bytes, offset, end, context);
    case 'udp':
      return udpCodec.decode(bytes, offset, end, context);
    case 'tcp':
      return tcpCodec.decode(bytes, offset, end, context);
    case 'gtpu':
      return gtpuCodec.decode(bytes, offset, end, context);
    case 'vxlan':
      return vxlanCodec.decode(bytes, offset, end, context);
    case 'tls':
      return tlsCodec.decode(bytes, offset, end, context);
    case 'raw':
      return rawCodec.decode(bytes, offset, end, context);
    default:
      return codecs[name].decode(bytes, offset, end, context);
  }
}

/** Read by a name only known at run time (a tree printer, a field map): each value then unknown. */
type ByName = Readonly<Record<string, unknown>>;

/** One decoded layer of type N: `layer` tells which, and `fields` and `info` are typed by it. */
export type DecodedLayerOf<N extends LayerName> = {
  readonly layer: N;
  /** Every field exactly as on the wire (typed by `layer`; generic code may still index it by name). */
  readonly fields: DecodedShapes[N][0] & ByName;
  /** Where this layer starts in the decoded bytes. */
  readonly offset: number;
  readonly headerLength: number;
  /** Where this layer ends, its trailer included. */
  readonly end: number;
  /** Bytes after the inner layers that still belong to this one (Ethernet padding...). */
  readonly trailer?: Uint8Array;
} & (DecodedShapes[N][1] extends undefined
  ? { readonly info?: undefined }
  : {
      /** Derived facts for display (checksum status, parsed options); not needed to re-encode. */
      readonly info: DecodedShapes[N][1] & ByName;
    });

/**
 * A decoded layer: a union discriminated on `layer` (`if (layer.layer === 'tcp') layer.fields.sport`
 * is a number, `layer.info.checksum` the TCP checksum status).
 */
export type DecodedLayer = { [N in LayerName]: DecodedLayerOf<N> }[LayerName];

export interface DecodedPacket {
  readonly layers: DecodedLayer[];
  readonly problems: Problem[];
}

/**
 * Per layer, the length field that ends its content and where it counts from (schemas: `endsContent`).
 * A Map: the keyed lookup of a plain object filled in a loop (and missed for most layers) was ~17% of
 * decodePacket's own time.
 */
type ContentBound = {
  readonly field: string;
  readonly from: number;
  readonly bound: LengthBound;
  /**
   * Where a whole 16-bit length field sits in the header (every such field today), so that its value
   * is read from the bytes, as the codec read it, instead of by name from the decoded fields (a
   * megamorphic keyed load per layer, ~4% of a decode); -1 for any other length field.
   */
  readonly wordAt: number;
};
const BOUND_OF = new Map<LayerName, ContentBound>();
for (const layer of layerNames) {
  for (const [field, schema] of Object.entries(codecs[layer].schema as AnySchema))
    if (schema.endsContent !== undefined) {
      const at = schema.at;
      const wordAt = at !== undefined && at.width === 2 && at.bits === 16 && at.shift === 0 ? at.offset : -1;
      BOUND_OF.set(layer, {
        field,
        from: schema.endsContent,
        bound: `${layer}.${field}` as LengthBound,
        wordAt,
      });
    }
}
const BOUND_IPV4 = BOUND_OF.get('ipv4');
const BOUND_IPV6 = BOUND_OF.get('ipv6');
const BOUND_UDP = BOUND_OF.get('udp');
const BOUND_GTPU = BOUND_OF.get('gtpu');
const BOUND_ETHER = BOUND_OF.get('ether');
const BOUND_TCP = BOUND_OF.get('tcp');
const BOUND_VXLAN = BOUND_OF.get('vxlan');
const BOUND_TLS = BOUND_OF.get('tls');

/**
 * The common layers' bounds by a switch on the (internalized) name, as `decodeLayer` dispatches:
 * even the Map's lookup was ~12% of decodePacket's own time. The values still come from the schemas.
 */
function boundOf(name: LayerName): ContentBound | undefined {
  switch (name) {
    case 'ether':
      return BOUND_ETHER;
    case 'ipv4':
      return BOUND_IPV4;
    case 'ipv6':
      return BOUND_IPV6;
    case 'udp':
      return BOUND_UDP;
    case 'tcp':
      return BOUND_TCP;
    case 'gtpu':
      return BOUND_GTPU;
    case 'vxlan':
      return BOUND_VXLAN;
    case 'tls':
      return BOUND_TLS;
    default:
      return BOUND_OF.get(name);
  }
}

/** What the bytes start with: a layer name, 'ip' (IPv4 or IPv6 by the version nibble), or a pcap link type. */
export type FirstLayer = LayerName | 'ip';

export interface DecodeAs {
  etherType?: Record<number, LayerName>;
  ipProtocol?: Record<number, LayerName>;
  udpPort?: Record<number, LayerName>;
  tcpPort?: Record<number, LayerName>;
}

export interface DecodeOptions {
  /** The first layer; default 'ether'. */
  first?: FirstLayer;
  /**
   * A pcap/pcapng link type instead of `first` (0 BSD loopback, 1 Ethernet, 101 raw IP, 108 OpenBSD
   * loopback, 113 Linux cooked v1, 228 IPv4, 229 IPv6, 276 Linux cooked v2); any other is raw bytes.
   */
  linkType?: number;
  /** "Decode as" overrides, like Wireshark's. */
  decodeAs?: DecodeAs;
  /** Complete bindings (overrides decodeAs). */
  bindings?: Bindings;
}

const MAX_DECODE_LAYERS = 64;

export function firstLayerOf(linkType: number): FirstLayer | undefined {
  switch (linkType) {
    case 1:
      return 'ether';
    case 101:
    case 12:
    case 14:
      return 'ip';
    case 228:
      return 'ipv4';
    case 229:
      return 'ipv6';
    case 0:
      return 'null';
    case 108:
      return 'loop';
    case 113:
      return 'sll';
    case 276:
      return 'sll2';
    default:
      return undefined;
  }
}

function ipByVersion(bytes: Uint8Array, offset: number, end: number): LayerName | undefined {
  if (offset >= end) return undefined;
  const version = bytes[offset]! >> 4;
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

export function decodePacket(bytes: Uint8Array, options: DecodeOptions = {}): DecodedPacket {
  const bindings = options.bindings ?? (options.decodeAs ? bindingsWith(options.decodeAs) : defaultBindings);
  const problems: Problem[] = [];
  const context: DecodeContext = {
    problems,
    bindings,
    ipVersion: 0,
    ipOffset: 0,
    insideIcmpError: false,
    bound: 'bytes',
    // In the literal, so that setting them per layer never changes the context's shape.
    below: undefined,
    summedStart: 0,
    summedEnd: 0,
    summedSum: -1,
  };
  const first: FirstLayer | undefined =
    options.linkType !== undefined ? firstLayerOf(options.linkType) : (options.first ?? 'ether');
  const layers: DecodedLayer[] = [];
  let name: LayerName | undefined = first === 'ip' ? ipByVersion(bytes, 0, bytes.length) : first;
  if (first === 'ip' && name === undefined && bytes.length > 0) {
    problems.push({
      layer: 'ip',
      offset: 0,
      kind: 'bad-value',
      message: `IP version ${bytes[0]! >> 4} is neither 4 nor 6`,
    });
  }
  let offset = 0;
  let end = bytes.length;
  /** The last layer pushed, kept here: reading it back from `layers` per layer cost ~10% of a decode. */
  let below: LayerName | undefined;
  /** Whether some layer ended before the one below it: only then does the trailer pass run. */
  let trailers = false;
  while (offset < end) {
    if (name === undefined || layers.length >= MAX_DECODE_LAYERS - 1) name = 'raw';
    let step: Step;
    context.below = below;
    try {
      step = decodeLayer(name, bytes, offset, end, context);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      const bound = context.bound ?? 'bytes';
      error.bound = bound;
      problems.push({
        layer: error.layer,
        offset: error.offset,
        kind: 'truncated',
        message: error.reason,
        ...(error.field !== undefined ? { field: error.field } : {}),
        ...(error.expected !== undefined ? { expected: error.expected } : {}),
        ...(error.actual !== undefined ? { actual: error.actual } : {}),
        bound,
      });
      name = 'raw';
      continue;
    }
    const contentEnd = Math.min(Math.max(step.contentEnd, offset + step.headerLength), end);
    // Bytes of the layer below past this one's end are its trailer (set in the pass after the loop).
    if (contentEnd < end) trailers = true;
    // One shape for every layer the loop makes (`info` undefined where a layer has none; only a layer
    // given a trailer below is remade): the trailer pass's and the caller's loads stay monomorphic.
    // The codec of `name` made `fields` and `info`: the one place their types are asserted.
    layers.push({
      layer: name,
      fields: step.fields,
      offset,
      headerLength: step.headerLength,
      end: contentEnd,
      info: step.info,
    } as DecodedLayer);
    below = name;
    if (name === 'raw') break;
    if (name === 'ipv4' || name === 'ipv6') {
      context.ipVersion = name === 'ipv4' ? 4 : 6;
      context.ipOffset = offset;
    }
    if ((name === 'icmp' || name === 'icmpv6') && step.next !== undefined) context.insideIcmpError = true;
    // A length field that cut the bytes short bounds every read inside it.
    const bounding = boundOf(name);
    if (bounding !== undefined) {
      const length =
        bounding.wordAt >= 0
          ? readU16(bytes, offset + bounding.wordAt)
          : Number(step.fields[bounding.field as keyof typeof step.fields]);
      if (offset + bounding.from + length === contentEnd) context.bound = bounding.bound;
    }
    offset += step.headerLength;
    end = contentEnd;
    name = step.next;
    if (name === undefined && offset < end) name = 'raw';
  }
  // Trailers: bytes a layer holds after what its inner layer claims (Ethernet padding and the like).
  // The first layer also keeps what lies beyond its own claimed end. Each layer's `end` is still
  // its content end here (only layers before i have been replaced), so no separate list is kept.
  // Without a short inner layer the only possible trailer is the last layer's (a header that ended
  // the loop before its content did) or the first layer's end short of the bytes.
  const count = layers.length;
  if (!trailers && count > 0) {
    const last = layers[count - 1]!;
    trailers = last.end > last.offset + last.headerLength || layers[0]!.end !== bytes.length;
  }
  if (trailers) {
    for (let i = 0; i < count; i++) {
      const layer = layers[i]!;
      const innerEnd = i + 1 < count ? layers[i + 1]!.end : layer.offset + layer.headerLength;
      const outerEnd = i === 0 ? bytes.length : layer.end;
      if (outerEnd > innerEnd) {
        layers[i] = { ...layer, end: outerEnd, trailer: bytes.subarray(innerEnd, outerEnd) };
      } else if (i === 0 && layer.end !== outerEnd) {
        layers[i] = { ...layer, end: outerEnd };
      }
    }
  }
  return { layers, problems };
}
