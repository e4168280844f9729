/**
 * IPv6 extension headers (RFC 8200 §4): hop-by-hop options (`ipv6hop`), routing (`ipv6route`),
 * fragment (`ipv6frag`) and destination options (`ipv6dest`), each its own layer, chained in any
 * order after an `ipv6` layer (or each other).
 *
 * Hop-by-hop and destination options:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |  Hdr Ext Len  |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  .              Options (TLVs, padded with Pad1/PadN)            .
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Routing:
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  .                       type-specific data                      .
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   type 0/2 (RFC 2460/6275): 4 reserved octets, then addresses;
 *   type 4 (SRH, RFC 8754): last entry, flags, tag (16), then segments.
 *
 * Fragment:
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Identification                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Left out: nh from the next layer (59 when none or raw), len from the header size in 8-octet
 * units minus one. Options that do not fill 8-octet units get Pad1/PadN appended (as Scapy's
 * autopad); routing data is padded with zeros. `addresses` builds the routing data: 4 reserved
 * zero octets plus the addresses (types other than 4), or for type 4 an SRH prefix (last entry =
 * n - 1, flags 0, tag 0) plus the segments; segleft then defaults to n (n - 1 for type 4), as Scapy.
 * Decode returns `data` (the routing data exactly) and lists addresses/options in `info`. A
 * fragment with a non-zero offset or M set is followed by raw bytes (except a first fragment
 * quoted in an ICMPv6 error); a hop-by-hop header anywhere but right after the IPv6 header is
 * reported. Upper-layer checksums keep using the enclosing IPv6
 * header for their pseudo-header (with the final destination of a routing header).
 */
import { formatIPv6 } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, uintOf, writeIPv6Field } from './field-check.js';
import { IPV6_HEADER_LENGTH, ipv6Schema } from './ipv6.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { IP_PROTOCOL, ipProtocolFor } from './numbers.js';
import { at, defineSchema, type FieldSchema, maxOf, offsetOf, shiftIn } from './schema.js';

// ---------------------------------------------------------------------------------------------
// Types and builders

export interface Ipv6hopFields {
  /** Next header; default from the next layer. */
  nh?: number;
  /** Header length in 8-octet units, not counting the first 8; default computed. */
  len?: number;
  /** Option TLV bytes; Pad1/PadN appended to fill 8-octet units. */
  options?: BytesValue;
}
export type Ipv6destFields = Ipv6hopFields;

export interface Ipv6routeFields {
  /** Next header; default from the next layer. */
  nh?: number;
  /** Header length in 8-octet units, not counting the first 8; default computed. */
  len?: number;
  /** Routing type; default 0. */
  type?: number;
  /** Segments left; default the number of addresses (n - 1 for type 4), else 0. */
  segleft?: number;
  /** Type-specific data after the first 4 octets (reserved + addresses); wins over `addresses`. */
  data?: BytesValue;
  /** Addresses (segments) to build `data` from. */
  addresses?: readonly string[];
}

export interface Ipv6fragFields {
  /** Next header; default from the next layer. */
  nh?: number;
  /** The reserved octet after the next header; default 0. */
  res?: number;
  /** Fragment offset in 8-octet units, 13 bits; default 0. */
  offset?: number;
  /** The two reserved bits before M; default 0. */
  res2?: number;
  /** More fragments flag; default 0. */
  m?: number;
  /** Identification; default 0 (Scapy's). */
  id?: number;
}

export type Ipv6hopLayer = LayerValue<'ipv6hop', Ipv6hopFields>;
export type Ipv6destLayer = LayerValue<'ipv6dest', Ipv6destFields>;
export type Ipv6routeLayer = LayerValue<'ipv6route', Ipv6routeFields>;
export type Ipv6fragLayer = LayerValue<'ipv6frag', Ipv6fragFields>;

export function ipv6hop(fields: Ipv6hopFields = {}): Ipv6hopLayer {
  return { layer: 'ipv6hop', fields };
}
export function ipv6dest(fields: Ipv6destFields = {}): Ipv6destLayer {
  return { layer: 'ipv6dest', fields };
}
export function ipv6route(fields: Ipv6routeFields = {}): Ipv6routeLayer {
  return { layer: 'ipv6route', fields };
}
export function ipv6frag(fields: Ipv6fragFields = {}): Ipv6fragLayer {
  return { layer: 'ipv6frag', fields };
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function nextHeaderOf(layer: string, value: number | undefined, frame: EncodeFrame): number {
  return uintOf(layer, 'nh', value, NH_MAX, ipProtocolFor(frame.layers, frame.index + 1) ?? IP_PROTOCOL.none);
}

function lengthOf(layer: string, value: number | undefined, headerLength: number): number {
  const computed = headerLength / EXTENSION_UNIT - 1;
  if (value === undefined && computed > LEN_MAX) {
    throw new FieldError(
      layer,
      'len',
      `the header is ${headerLength} bytes, more than ${(LEN_MAX + 1) * EXTENSION_UNIT}`,
    );
  }
  return uintOf(layer, 'len', value, LEN_MAX, computed);
}

/** Reads nh and len and checks the whole header ((len + 1) * 8 octets) is there. */
function readExtensionStart(layer: string, bytes: Uint8Array, offset: number, end: number): number {
  need(layer, offset, LEN + 1, end);
  const headerLength = ((bytes[offset + LEN] ?? 0) + 1) * EXTENSION_UNIT;
  need(layer, offset, headerLength, end);
  return headerLength;
}

const padTo8 = (length: number) => (length + EXTENSION_UNIT - 1) & -EXTENSION_UNIT;

// ---------------------------------------------------------------------------------------------
// Hop-by-hop and destination options

/** One option TLV as parsed for display. */
export interface Ipv6Option {
  readonly type: number;
  readonly name: string;
  /** Offset within the options bytes. */
  readonly offset: number;
  /** Data length (the TLV's length octet; 0 for Pad1). */
  readonly length: number;
  /** Router alert value, jumbo payload length, tunnel encapsulation limit. */
  readonly value?: number;
  /** The TLV runs past the end of the header. */
  readonly malformed?: boolean;
}

const OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'Pad1',
  1: 'PadN',
  4: 'Tunnel Encapsulation Limit',
  5: 'Router Alert',
  7: 'CALIPSO',
  38: 'Quick-Start',
  49: 'IOAM',
  99: 'RPL Option',
  194: 'Jumbo Payload',
  201: 'Home Address',
};

/** Parses option TLVs for display; never throws. */
export function parseIpv6Options(options: Uint8Array): Ipv6Option[] {
  const list: Ipv6Option[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    const name = OPTION_NAMES[type] ?? `Unknown (0x${type.toString(16).padStart(2, '0')})`;
    if (type === 0) {
      list.push({ type, name, offset: at, length: 0 });
      at++;
      continue;
    }
    const length = options[at + 1];
    if (length === undefined || at + 2 + length > options.length) {
      list.push({ type, name, offset: at, length: length ?? 0, malformed: true });
      break;
    }
    let value: number | undefined;
    if (type === 0x05 && length === 2) value = readU16(options, at + 2);
    else if (type === 0xc2 && length === 4) value = readU32(options, at + 2);
    else if (type === 0x04 && length === 1) value = options[at + 2]!;
    list.push(
      value === undefined ? { type, name, offset: at, length } : { type, name, offset: at, length, value },
    );
    at += 2 + length;
  }
  return list;
}

const nextHeader: FieldSchema = {
  kind: 'uint',
  role: 'value',
  at: at(0, 1),
  auto: 'from the next layer',
  doc: 'next header',
};
const extensionLength: FieldSchema = {
  kind: 'uint',
  role: 'length',
  at: at(1, 1),
  auto: 'computed',
  doc: 'length in 8-octet units after the first 8',
};

export const ipv6OptionsSchema = defineSchema<Ipv6hopFields>({
  nh: nextHeader,
  len: extensionLength,
  options: {
    kind: 'bytes',
    role: 'shape',
    auto: 'none',
    doc: 'option TLVs; Pad1/PadN added to fill 8-octet units',
  },
});

export const ipv6routeSchema = defineSchema<Ipv6routeFields>({
  nh: nextHeader,
  len: extensionLength,
  type: { kind: 'uint', role: 'shape', at: at(2, 1), default: 0, doc: 'routing type' },
  segleft: { kind: 'uint', role: 'value', at: at(3, 1), auto: 'from the addresses', doc: 'segments left' },
  data: {
    kind: 'bytes',
    role: 'shape',
    auto: 'from the addresses',
    doc: 'type-specific data after the first 4 octets',
  },
  addresses: {
    kind: 'json',
    role: 'shape',
    auto: 'none',
    doc: 'list of IPv6 addresses to build the data from',
  },
});

export const ipv6fragSchema = defineSchema<Ipv6fragFields>({
  nh: nextHeader,
  res: { kind: 'uint', role: 'value', at: at(1, 1), default: 0, doc: 'reserved octet' },
  offset: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2, 13, 3),
    default: 0,
    shapesNext: true,
    doc: 'fragment offset in 8-octet units',
  },
  res2: { kind: 'uint', role: 'value', at: at(2, 2, 2, 1), default: 0, doc: 'reserved bits' },
  m: { kind: 'uint', role: 'value', at: at(2, 2, 1, 0), default: 0, shapesNext: true, doc: 'more fragments' },
  id: { kind: 'uint', role: 'value', at: at(4, 4), default: 0, doc: 'identification' },
});

// Positions and limits, from the schemas (module constants, computed once).
/** Extension header lengths count 8-octet units (RFC 8200 §4.3). */
const EXTENSION_UNIT = 8;
const O = ipv6OptionsSchema;
const NH = offsetOf(O.nh);
const NH_MAX = maxOf(O.nh);
const LEN = offsetOf(O.len);
const LEN_MAX = maxOf(O.len);
/** Options (and a routing header's type-specific part) follow the next-header and length octets. */
const OPTIONS = LEN + 1;
const R = ipv6routeSchema;
const ROUTE_TYPE = offsetOf(R.type);
const ROUTE_TYPE_MAX = maxOf(R.type);
const SEGLEFT = offsetOf(R.segleft);
const SEGLEFT_MAX = maxOf(R.segleft);
/** Routing data: everything after segments left. */
const ROUTE_DATA = SEGLEFT + 1;
/** Routing data built from addresses: 4 reserved octets (types 0/2) or the SRH prefix (type 4), then addresses. */
const ROUTE_DATA_PREFIX = 4;
const ADDRESS_LENGTH = 16;
/** Segment Routing Header (RFC 8754): last entry, flags, tag before the segments. */
const ROUTING_TYPE_SRH = 4;
const F = ipv6fragSchema;
const FRAG_RES = offsetOf(F.res);
const FRAG_RES_MAX = maxOf(F.res);
const FRAG_WORD = offsetOf(F.offset);
const FRAG_OFFSET_SHIFT = shiftIn(F.offset, FRAG_WORD, 2);
const FRAG_OFFSET_MAX = maxOf(F.offset);
const FRAG_RES2_SHIFT = shiftIn(F.res2, FRAG_WORD, 2);
const FRAG_RES2_MAX = maxOf(F.res2);
const FRAG_M_SHIFT = shiftIn(F.m, FRAG_WORD, 2);
const FRAG_M_MAX = maxOf(F.m);
const FRAG_ID = offsetOf(F.id);
const FRAG_ID_MAX = maxOf(F.id);
/** The enclosing IPv6 header: its next header, destination address and length. */
const IPV6_NH = offsetOf(ipv6Schema.nh);
const IPV6_DST = offsetOf(ipv6Schema.dst);

function optionsCodec(name: 'ipv6hop' | 'ipv6dest', title: string): LayerCodec<Ipv6hopFields> {
  return {
    name,
    title,
    schema: ipv6OptionsSchema,

    headerLength(fields: Ipv6hopFields): number {
      return padTo8(OPTIONS + bytesField(name, 'options', fields.options).length);
    },

    encode(fields: Ipv6hopFields, frame: EncodeFrame): void {
      const { out, offset, headerLength } = frame;
      out[offset + NH] = nextHeaderOf(name, fields.nh, frame);
      out[offset + LEN] = lengthOf(name, fields.len, headerLength);
      const options = bytesField(name, 'options', fields.options);
      out.set(options, offset + OPTIONS);
      const padStart = offset + OPTIONS + options.length;
      const pad = offset + headerLength - padStart;
      if (pad === 1) out[padStart] = 0;
      else if (pad >= 2) {
        out[padStart] = 1;
        out[padStart + 1] = pad - 2;
        out.fill(0, padStart + 2, offset + headerLength);
      }
    },

    decode(
      bytes: Uint8Array,
      offset: number,
      end: number,
      context: DecodeContext,
    ): DecodeStep<Ipv6hopFields> {
      const headerLength = readExtensionStart(name, bytes, offset, end);
      const nh = bytes[offset + NH]!;
      const options = bytes.subarray(offset + OPTIONS, offset + headerLength);
      const parsed = parseIpv6Options(options);
      if (parsed.length && parsed[parsed.length - 1]!.malformed) {
        context.problems.push({
          layer: name,
          offset,
          kind: 'malformed',
          message: 'an option runs past the end of the header',
        });
      }
      // RFC 8200 §4.1 (and Wireshark's warning): hop-by-hop options come right after the IPv6 header.
      if (
        name === 'ipv6hop' &&
        !(context.ipVersion === 6 && context.ipOffset + IPV6_HEADER_LENGTH === offset)
      ) {
        context.problems.push({
          layer: name,
          offset,
          kind: 'bad-value',
          message: 'the hop-by-hop options header must come immediately after the IPv6 header',
        });
      }
      return {
        fields: { nh, len: bytes[offset + LEN]!, options },
        headerLength,
        contentEnd: end,
        next: context.bindings.ipProtocol.get(nh),
        info: { options: parsed },
      };
    },

    summary(fields: Ipv6hopFields): string {
      return `Next Header: ${fields.nh ?? '?'}, Length: ${fields.len ?? '?'}`;
    },
  };
}

export const ipv6hopCodec: LayerCodec<Ipv6hopFields> = optionsCodec('ipv6hop', 'IPv6 Hop-by-Hop Option');
export const ipv6destCodec: LayerCodec<Ipv6destFields> = optionsCodec(
  'ipv6dest',
  'Destination Options for IPv6',
);

// ---------------------------------------------------------------------------------------------
// Routing

function routeDataLength(fields: Ipv6routeFields): number {
  if (fields.data !== undefined) return bytesField('ipv6route', 'data', fields.data).length;
  return ROUTE_DATA_PREFIX + ADDRESS_LENGTH * (fields.addresses?.length ?? 0);
}

export const ipv6routeCodec: LayerCodec<Ipv6routeFields> = {
  name: 'ipv6route',
  title: 'Routing Header for IPv6',
  schema: ipv6routeSchema,

  headerLength(fields: Ipv6routeFields): number {
    return padTo8(ROUTE_DATA + routeDataLength(fields));
  },

  encode(fields: Ipv6routeFields, frame: EncodeFrame): void {
    const { out, offset, headerLength } = frame;
    const type = uintOf('ipv6route', 'type', fields.type, ROUTE_TYPE_MAX, 0);
    const count = fields.addresses?.length ?? 0;
    const segleftDefault =
      fields.data === undefined && count > 0 ? (type === ROUTING_TYPE_SRH ? count - 1 : count) : 0;
    out[offset + NH] = nextHeaderOf('ipv6route', fields.nh, frame);
    out[offset + LEN] = lengthOf('ipv6route', fields.len, headerLength);
    out[offset + ROUTE_TYPE] = type;
    out[offset + SEGLEFT] = uintOf(
      'ipv6route',
      'segleft',
      fields.segleft,
      SEGLEFT_MAX,
      Math.min(segleftDefault, SEGLEFT_MAX),
    );
    let at = offset + ROUTE_DATA;
    if (fields.data !== undefined) {
      const data = bytesField('ipv6route', 'data', fields.data);
      out.set(data, at);
      at += data.length;
    } else {
      // SRH: last entry = n - 1, flags 0, tag 0; types 0/2: 4 reserved zero octets.
      out.fill(0, at, at + ROUTE_DATA_PREFIX);
      if (type === ROUTING_TYPE_SRH) out[at] = Math.max(0, Math.min(count - 1, 0xff));
      at += ROUTE_DATA_PREFIX;
      for (const address of fields.addresses ?? []) {
        writeIPv6Field('ipv6route', 'addresses', address, out, at);
        at += ADDRESS_LENGTH;
      }
    }
    out.fill(0, at, offset + headerLength);
  },

  decode(
    bytes: Uint8Array,
    offset: number,
    end: number,
    context: DecodeContext,
  ): DecodeStep<Ipv6routeFields> {
    const headerLength = readExtensionStart('ipv6route', bytes, offset, end);
    const nh = bytes[offset + NH]!;
    const type = bytes[offset + ROUTE_TYPE]!;
    const segleft = bytes[offset + SEGLEFT]!;
    const data = bytes.subarray(offset + ROUTE_DATA, offset + headerLength);
    const info: Record<string, unknown> = {};
    if ((data.length - ROUTE_DATA_PREFIX) % ADDRESS_LENGTH === 0) {
      const addresses: string[] = [];
      for (let i = ROUTE_DATA_PREFIX; i < data.length; i += ADDRESS_LENGTH)
        addresses.push(formatIPv6(data, i));
      info.addresses = addresses;
      if (type === ROUTING_TYPE_SRH) {
        info.lastEntry = data[0];
        info.flags = data[1];
        info.tag = readU16(data, 2);
      }
    }
    return {
      fields: { nh, len: bytes[offset + LEN]!, type, segleft, data },
      headerLength,
      contentEnd: end,
      next: context.bindings.ipProtocol.get(nh),
      info,
    };
  },

  summary(fields: Ipv6routeFields): string {
    return `Type: ${fields.type ?? 0}, Segments Left: ${fields.segleft ?? '?'}`;
  },
};

// ---------------------------------------------------------------------------------------------
// Fragment

export const IPV6_FRAGMENT_HEADER_LENGTH = 8;

export const ipv6fragCodec: LayerCodec<Ipv6fragFields> = {
  name: 'ipv6frag',
  title: 'Fragment Header for IPv6',
  schema: ipv6fragSchema,

  headerLength(): number {
    return IPV6_FRAGMENT_HEADER_LENGTH;
  },

  encode(fields: Ipv6fragFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    out[offset + NH] = nextHeaderOf('ipv6frag', fields.nh, frame);
    out[offset + FRAG_RES] = uintOf('ipv6frag', 'res', fields.res, FRAG_RES_MAX, 0);
    const fragmentOffset = uintOf('ipv6frag', 'offset', fields.offset, FRAG_OFFSET_MAX, 0);
    const res2 = uintOf('ipv6frag', 'res2', fields.res2, FRAG_RES2_MAX, 0);
    const m = uintOf('ipv6frag', 'm', fields.m, FRAG_M_MAX, 0);
    writeU16(
      out,
      offset + FRAG_WORD,
      (fragmentOffset << FRAG_OFFSET_SHIFT) | (res2 << FRAG_RES2_SHIFT) | (m << FRAG_M_SHIFT),
    );
    writeU32(out, offset + FRAG_ID, uintOf('ipv6frag', 'id', fields.id, FRAG_ID_MAX, 0));
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Ipv6fragFields> {
    need('ipv6frag', offset, IPV6_FRAGMENT_HEADER_LENGTH, end);
    const nh = bytes[offset + NH]!;
    const word = readU16(bytes, offset + FRAG_WORD);
    const fragmentOffset = (word >>> FRAG_OFFSET_SHIFT) & FRAG_OFFSET_MAX;
    const m = (word >>> FRAG_M_SHIFT) & FRAG_M_MAX;
    const fragment = fragmentOffset !== 0 || m !== 0;
    // Inside an ICMPv6 error the first fragment's upper-layer header is still shown (as for IPv4).
    const follow = !fragment || (context.insideIcmpError && fragmentOffset === 0);
    return {
      fields: {
        nh,
        res: bytes[offset + FRAG_RES]!,
        offset: fragmentOffset,
        res2: (word >>> FRAG_RES2_SHIFT) & FRAG_RES2_MAX,
        m,
        id: readU32(bytes, offset + FRAG_ID),
      },
      headerLength: IPV6_FRAGMENT_HEADER_LENGTH,
      contentEnd: end,
      next: follow ? context.bindings.ipProtocol.get(nh) : undefined,
      info: { fragment },
    };
  },

  summary(fields: Ipv6fragFields): string {
    return `Offset: ${fields.offset ?? 0}, More: ${fields.m ?? 0}, Ident: 0x${(fields.id ?? 0).toString(16).padStart(8, '0')}`;
  },
};

// ---------------------------------------------------------------------------------------------
// Upper-layer checksums

/**
 * Where the destination address of the IPv6 pseudo-header is (RFC 8200 §8.1: the final
 * destination when there is a routing header), for an upper layer at `upperOffset` inside the IPv6
 * packet at `ipv6Offset`. Walks the extension headers between them (as written in `bytes`); the
 * routing header nearest the upper layer with segments left ≠ 0 gives its final address, as Scapy's
 * in6_chksum and Wireshark do: the last address for types 0/2, the first segment (Segment List[0])
 * for type 4 (SRH). Otherwise the IPv6 header's destination. Never reads outside the headers.
 */
export function ipv6ChecksumDestination(bytes: Uint8Array, ipv6Offset: number, upperOffset: number): number {
  let destination = ipv6Offset + IPV6_DST;
  let nh = bytes[ipv6Offset + IPV6_NH];
  let at = ipv6Offset + IPV6_HEADER_LENGTH;
  // The smallest routing header that holds an address: its first 8 octets plus one address.
  const routeWithAddress = ROUTE_DATA + ROUTE_DATA_PREFIX + ADDRESS_LENGTH;
  while (at + EXTENSION_UNIT <= upperOffset) {
    let headerLength: number;
    if (nh === IP_PROTOCOL.ipv6frag) headerLength = IPV6_FRAGMENT_HEADER_LENGTH;
    else if (nh === IP_PROTOCOL.ipv6hop || nh === IP_PROTOCOL.ipv6dest || nh === IP_PROTOCOL.ipv6route) {
      headerLength = ((bytes[at + LEN] ?? 0) + 1) * EXTENSION_UNIT;
    } else break;
    if (at + headerLength > upperOffset) break;
    if (nh === IP_PROTOCOL.ipv6route && bytes[at + SEGLEFT] !== 0 && headerLength >= routeWithAddress) {
      const type = bytes[at + ROUTE_TYPE];
      const addresses = ROUTE_DATA + ROUTE_DATA_PREFIX;
      if (type === ROUTING_TYPE_SRH) destination = at + addresses;
      else if ((headerLength - addresses) % ADDRESS_LENGTH === 0)
        destination = at + headerLength - ADDRESS_LENGTH;
    }
    nh = bytes[at + NH];
    at += headerLength;
  }
  return destination;
}

/** What `decode` gives as `info` for hop-by-hop and destination options. */
export interface Ipv6hopInfo {
  readonly options: readonly Ipv6Option[];
}

export type Ipv6destInfo = Ipv6hopInfo;

/** What `decode` gives as `info` for a routing header (addresses when the data is whole addresses). */
export interface Ipv6routeInfo {
  readonly addresses?: readonly string[];
  /** Segment routing (type 4): last entry, flags and tag. */
  readonly lastEntry?: number;
  readonly flags?: number;
  readonly tag?: number;
}

/** What `decode` gives as `info` for a fragment header. */
export interface Ipv6fragInfo {
  /** M set or a fragment offset: the payload is not decoded further. */
  readonly fragment: boolean;
}

/** The fields `decode` gives for hop-by-hop (and destination) options. */
export type Ipv6hopDecodedFields = Omit<Ipv6hopFields, 'options'> &
  Required<Pick<Ipv6hopFields, 'nh' | 'len'>> & {
    readonly options: Uint8Array;
  };
export type Ipv6destDecodedFields = Ipv6hopDecodedFields;
/** The fields `decode` gives for a routing header (`data` exactly, the addresses in `info`). */
export type Ipv6routeDecodedFields = Omit<Ipv6routeFields, 'data'> &
  Required<Pick<Ipv6routeFields, 'nh' | 'len' | 'type' | 'segleft'>> & { readonly data: Uint8Array };
/** The fields `decode` gives for a fragment header: every header field. */
export type Ipv6fragDecodedFields = Ipv6fragFields &
  Required<Pick<Ipv6fragFields, 'nh' | 'res' | 'offset' | 'res2' | 'm' | 'id'>>;
