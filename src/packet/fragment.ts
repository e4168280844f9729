/**
 * Fragmenting a datagram (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6): `fragment(layers, mtu)`
 * gives one layer stack per fragment, each ready for `encodePacket`.
 *
 * The outermost IPv4 or IPv6 layer is fragmented. Its datagram (that layer and everything inside
 * it) is encoded whole first, so the upper layer's checksum (UDP, TCP, ICMP) covers the whole
 * datagram; then its payload is cut into pieces of at most MTU bytes per fragment (the IP header,
 * and for IPv6 the unfragmentable part and the 8-byte fragment header, included). Every piece but
 * the last carries a multiple of 8 bytes; the last may use the whole MTU (as Linux does). The
 * layers before the IP layer (Ethernet, 802.1Q, ...) are repeated on every fragment.
 *
 * IPv4: each fragment gets the datagram's header (version, TOS, id, TTL, protocol, addresses),
 * MF set on all but the last (the last keeps the datagram's own MF), the offset in 8-byte units
 * (added to the datagram's own offset: a fragment can be fragmented again), and its total length
 * and checksum recomputed. The first fragment keeps every option; the others only the options
 * whose copied flag (0x80 of the type) is set, padded with EOL to 4 octets (RFC 791; Linux instead
 * overwrites the others with NOPs and keeps the header length). A datagram with DF set is refused
 * unless `force`. The identification is the datagram's `id` unless `identification` is given.
 *
 * IPv6: a fragment header (next header 44) is inserted after the unfragmentable part: the IPv6
 * header, a hop-by-hop header, and every extension header up to and including the last routing
 * header (destination options before routing included). When the stack already holds an
 * `ipv6frag` layer it is used as that fragment header (as Scapy's fragment6 does): the headers
 * before it are the unfragmentable part, and its `id`, when given, is the identification. The identification
 * is one per datagram: `identification`, else that layer's `id`, else a deterministic FNV-1a hash
 * of the datagram's bytes (the same datagram always gets the same id, different ones differ).
 *
 * Order: 'in-order' (default), 'reversed' (last fragment first), or 'overlapping' (in order, each
 * fragment after the first starting 8 bytes before the previous one ends, with the same bytes:
 * a test case for reassemblers; RFC 5722 has IPv6 receivers drop such datagrams).
 *
 * A datagram that fits the MTU is returned as it is (one stack). An MTU that leaves fewer than 8
 * payload bytes per fragment (16 for 'overlapping') throws FieldError; an MTU below the
 * protocol's minimum (68 for IPv4, 1280 for IPv6) is allowed for lab use (Scapy allows any) and
 * `mtuWarning` describes it.
 */
import { formatIPv4, formatIPv6 } from '../core/address.js';
import { readU16, readU32 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import type { Ipv4Fields } from '../layers/ipv4.js';
import type { Ipv6fragFields } from '../layers/ipv6-ext.js';
import type { LayerValue } from '../layers/layer.js';
import { encodePacket } from './encode.js';

export type FragmentOrder = 'in-order' | 'reversed' | 'overlapping';

export const FRAGMENT_ORDERS: readonly FragmentOrder[] = ['in-order', 'reversed', 'overlapping'];

export interface FragmentOptions {
  /** The order of the fragments; default 'in-order'. */
  order?: FragmentOrder;
  /** Fragment an IPv4 datagram even though DF is set (DF stays set on the fragments). */
  force?: boolean;
  /** The identification: IPv4 16 bits (default the datagram's id), IPv6 32 bits (default see above). */
  identification?: number;
}

/** The smallest MTU each IP version requires of a link (RFC 791: 68; RFC 8200: 1280). */
export const MINIMUM_MTU = { ipv4: 68, ipv6: 1280 } as const;

const FRAGMENT_HEADER_LENGTH = 8;
const UNIT = 8;
const MAX_OFFSET_UNITS = 0x1fff;

/** Where the IP layer to fragment is: the outermost IPv4 or IPv6. */
function ipIndexOf(layers: readonly LayerValue[]): number {
  const index = layers.findIndex((layer) => layer.layer === 'ipv4' || layer.layer === 'ipv6');
  if (index < 0)
    throw new FieldError('fragment', 'layers', 'the packet has no IPv4 or IPv6 layer to fragment');
  return index;
}

/** A sentence when `mtu` is below the minimum link MTU of the stack's IP version, else undefined. */
export function mtuWarning(layers: readonly LayerValue[], mtu: number): string | undefined {
  const index = layers.findIndex((layer) => layer.layer === 'ipv4' || layer.layer === 'ipv6');
  if (index < 0) return undefined;
  const version = layers[index]!.layer === 'ipv4' ? 'ipv4' : 'ipv6';
  const minimum = MINIMUM_MTU[version];
  if (mtu >= minimum) return undefined;
  return `MTU ${mtu} is below ${version === 'ipv4' ? 'IPv4' : 'IPv6'}'s minimum link MTU ${minimum} (${version === 'ipv4' ? 'RFC 791' : 'RFC 8200'}); fragments built anyway`;
}

function checkMtu(mtu: number): void {
  if (!Number.isInteger(mtu) || mtu < 1 || mtu > 0xffff)
    throw new FieldError('fragment', 'mtu', `the MTU must be an integer from 1 to 65535, got ${mtu}`);
}

/** The byte ranges [start, end) of the payload each fragment carries, in order. */
function pieces(
  length: number,
  room: (index: number) => number,
  overlapping: boolean,
  mtu: number,
): [number, number][] {
  const list: [number, number][] = [];
  let position = 0;
  for (let index = 0; position < length || index === 0; index++) {
    const start = overlapping && index > 0 ? position - UNIT : position;
    const available = room(index);
    if (length - start <= available) {
      list.push([start, length]);
      break;
    }
    const size = Math.floor(available / UNIT) * UNIT;
    const least = overlapping && index > 0 ? 2 * UNIT : UNIT;
    if (size < least) {
      throw new FieldError(
        'fragment',
        'mtu',
        `MTU ${mtu} leaves ${Math.max(0, available)} payload bytes per fragment; at least ${least} are needed${overlapping ? " (8 of them overlap with 'overlapping')" : ''}`,
      );
    }
    list.push([start, start + size]);
    position = start + size;
  }
  return list;
}

/** IPv4 options with the copied flag set (the ones every fragment repeats), padded to 4 octets. */
export function copiedIpv4Options(options: Uint8Array): Uint8Array {
  const kept: number[] = [];
  let at = 0;
  while (at < options.length) {
    const kind = options[at]!;
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    const length = options[at + 1];
    if (length === undefined || length < 2 || at + length > options.length) break;
    if (kind & 0x80) for (let i = 0; i < length; i++) kept.push(options[at + i]!);
    at += length;
  }
  const out = new Uint8Array((kept.length + 3) & ~3);
  out.set(kept);
  return out;
}

/** FNV-1a (32 bits) of the bytes: the deterministic default IPv6 identification. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

function ordered<T>(list: T[], order: FragmentOrder): T[] {
  return order === 'reversed' ? list.reverse() : list;
}

/**
 * Splits the datagram of the outermost IP layer of `layers` into fragments of at most `mtu` bytes
 * (from the IP header on); gives one layer stack per fragment (the layers before IP, the IP
 * header with its fragment fields, for IPv6 the unfragmentable extension headers and an
 * `ipv6frag`, then `raw` with the piece). Throws FieldError for a bad MTU, DF without `force`, or
 * a datagram whose fragments would need an offset beyond 13 bits.
 */
/** A fragment's offset in 8-byte units, refused where it does not fit the 13-bit field. */
function offsetUnits(baseUnits: number, start: number, field: string): number {
  const units = baseUnits + start / UNIT;
  if (units > MAX_OFFSET_UNITS) {
    throw new FieldError(
      'fragment',
      field,
      `fragment offset ${units} (8-byte units) does not fit in 13 bits (at most ${MAX_OFFSET_UNITS})`,
    );
  }
  return units;
}

export function fragment(
  layers: readonly LayerValue[],
  mtu: number,
  options: FragmentOptions = {},
): LayerValue[][] {
  checkMtu(mtu);
  const order = options.order ?? 'in-order';
  if (!FRAGMENT_ORDERS.includes(order))
    throw new FieldError('fragment', 'order', `not an order: '${order}' (in-order, reversed, overlapping)`);
  const index = ipIndexOf(layers);
  // A copy: encodePacket may give a view into a shared slab.
  const datagram = encodePacket(layers.slice(index)).slice();
  const prefix = layers.slice(0, index);
  if (datagramLength(datagram, layers[index]!.layer === 'ipv4') <= mtu) return [[...layers]];
  return layers[index]!.layer === 'ipv4'
    ? fragmentIpv4(prefix, datagram, mtu, order, options)
    : fragmentIpv6(layers, index, datagram, mtu, order, options);
}

/** The datagram's length as its header states it (clipped to the bytes). */
function datagramLength(d: Uint8Array, isIpv4: boolean): number {
  const stated = isIpv4 ? readU16(d, 2) : 40 + readU16(d, 4);
  return Math.min(stated, d.length);
}

function fragmentIpv4(
  prefix: readonly LayerValue[],
  d: Uint8Array,
  mtu: number,
  order: FragmentOrder,
  options: FragmentOptions,
): LayerValue[][] {
  const ihl = (d[0]! & 0x0f) * 4;
  const stated = readU16(d, 2);
  const total = stated >= ihl && stated <= d.length ? stated : d.length;
  const flags = d[6]! >>> 5;
  if (flags & 2 && !options.force) {
    throw new FieldError(
      'fragment',
      'flags',
      "the datagram has DF (don't fragment) set; clear it (flags=0) or force it (option force, --force on the command line)",
    );
  }
  const baseUnits = readU16(d, 6) & 0x1fff;
  const payload = d.subarray(ihl, total);
  const allOptions = d.subarray(20, ihl);
  const copied = copiedIpv4Options(allOptions);
  const list = pieces(
    payload.length,
    (i) => mtu - (i === 0 ? ihl : 20 + copied.length),
    order === 'overlapping',
    mtu,
  );
  const fragments = list.map(([start, end], i) => {
    const units = offsetUnits(baseUnits, start, 'frag');
    const last = i === list.length - 1;
    const mf = last ? flags & 1 : 1;
    const header = ipv4Layer(d, ihl, (flags & ~1) | mf, units, options, start === 0 ? allOptions : copied);
    return [...prefix, header, ...rawOf(payload.subarray(start, end))];
  });
  return ordered(fragments, order);
}

function rawOf(data: Uint8Array): LayerValue[] {
  return data.length ? [{ layer: 'raw', fields: { data } }] : [];
}

function ipv4Layer(
  d: Uint8Array,
  ihl: number,
  flags: number,
  frag: number,
  options: FragmentOptions,
  headerOptions: Uint8Array = d.subarray(20, ihl),
): LayerValue {
  const fields: Ipv4Fields = {
    version: d[0]! >>> 4,
    tos: d[1]!,
    id: options.identification ?? readU16(d, 4),
    flags,
    frag,
    ttl: d[8]!,
    proto: d[9]!,
    src: formatIPv4(d, 12),
    dst: formatIPv4(d, 16),
    ...(headerOptions.length ? { options: headerOptions } : {}),
  };
  return { layer: 'ipv4', fields };
}

const UNFRAGMENTABLE_EXTENSIONS = new Set(['ipv6hop', 'ipv6route', 'ipv6dest']);

function fragmentIpv6(
  layers: readonly LayerValue[],
  index: number,
  d: Uint8Array,
  mtu: number,
  order: FragmentOrder,
  options: FragmentOptions,
): LayerValue[][] {
  // The extension headers right after the IPv6 header, and an ipv6frag among them.
  let chainEnd = index + 1;
  let fragAt = -1;
  let lastRoute = -1;
  while (chainEnd < layers.length) {
    const name = layers[chainEnd]!.layer;
    if (name === 'ipv6frag') {
      fragAt = chainEnd;
      break;
    }
    if (!UNFRAGMENTABLE_EXTENSIONS.has(name)) break;
    if (name === 'ipv6route') lastRoute = chainEnd;
    chainEnd++;
  }
  let unfragmentableCount: number;
  if (fragAt >= 0) unfragmentableCount = fragAt - index - 1;
  else if (lastRoute >= 0) unfragmentableCount = lastRoute - index;
  else unfragmentableCount = layers[index + 1]?.layer === 'ipv6hop' ? 1 : 0;

  const plen = readU16(d, 4);
  const datagramEnd = Math.min(d.length, 40 + plen);
  let offset = 40;
  let nextHeader = d[6]!;
  for (let k = 0; k < unfragmentableCount; k++) {
    nextHeader = d[offset]!;
    offset += (d[offset + 1]! + 1) * UNIT;
  }
  let baseUnits = 0;
  let lastM = 0;
  let existing: Ipv6fragFields = {};
  let fragmentable: Uint8Array;
  if (fragAt >= 0) {
    existing = layers[fragAt]!.fields as Ipv6fragFields;
    nextHeader = d[offset]!;
    baseUnits = readU16(d, offset + 2) >>> 3;
    lastM = d[offset + 3]! & 1;
    fragmentable = d.subarray(offset + FRAGMENT_HEADER_LENGTH, datagramEnd);
  } else {
    fragmentable = d.subarray(offset, datagramEnd);
  }
  const unfragmentableLength = offset;
  // An ipv6frag layer without an id (its encoded 0) gets the hash too, as Scapy draws one.
  const id = options.identification ?? existing.id ?? fnv1a32(d.subarray(0, datagramEnd));
  const fragmentHeader = (units: number, m: number): LayerValue => ({
    layer: 'ipv6frag',
    fields: {
      nh: nextHeader,
      res: existing.res ?? 0,
      offset: units,
      res2: existing.res2 ?? 0,
      m,
      id,
    },
  });
  const ipHeader: LayerValue = {
    layer: 'ipv6',
    fields: {
      version: d[0]! >>> 4,
      tc: (readU32(d, 0) >>> 20) & 0xff,
      fl: readU32(d, 0) & 0xfffff,
      hlim: d[7]!,
      src: formatIPv6(d, 8),
      dst: formatIPv6(d, 24),
    },
  };
  const unfragmentable = layers
    .slice(index + 1, index + 1 + unfragmentableCount)
    .map((layer, k) => (k === unfragmentableCount - 1 ? withoutNextHeader(layer) : layer));
  const head = [...layers.slice(0, index), ipHeader, ...unfragmentable];
  const list = pieces(
    fragmentable.length,
    () => mtu - unfragmentableLength - FRAGMENT_HEADER_LENGTH,
    order === 'overlapping',
    mtu,
  );
  const fragments = list.map(([start, end], i) => {
    const units = offsetUnits(baseUnits, start, 'offset');
    const m = i === list.length - 1 ? lastM : 1;
    return [...head, fragmentHeader(units, m), ...rawOf(fragmentable.subarray(start, end))];
  });
  return ordered(fragments, order);
}

/** The layer with its next header left to the encoder (the fragment header that now follows). */
function withoutNextHeader(layer: LayerValue): LayerValue {
  const { nh: _nh, ...fields } = layer.fields as { nh?: number };
  return { layer: layer.layer, fields } as LayerValue;
}
