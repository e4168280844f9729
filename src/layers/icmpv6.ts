/**
 * ICMPv6 (RFC 4443) with neighbour discovery solicitation/advertisement (RFC 4861).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              the 4 octets after the checksum, by type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  NS/NA: Target Address (16 octets), then NDP options ...      |
 *  |  RA: reachable time, retrans timer, then NDP options ...      |
 *  |  redirect: Target, Destination Address, then NDP options ...  |
 *  |  errors: as much of the invoking IPv6 packet as fits ...      |
 *  |  echo: data ...                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   NA: |R|S|O|                 Reserved (29 bits)                  |
 *
 * The 4 octets after the checksum, as fields, by type:
 *   128, 129 echo request/reply: id (16), seq (16)
 *   1 destination unreachable, 3 time exceeded: unused (32)
 *   2 packet too big: mtu (32);  4 parameter problem: ptr (32)
 *   133 router solicitation, 135 neighbour solicitation: res (32)
 *   136 neighbour advertisement: flags (3: R 4, S 2, O 1), res (29)
 *   134 router advertisement: chlim (8), raflags (8: M 0x80, O 0x40, H 0x20, Prf 0x18, P 0x04),
 *       routerlifetime (16); then reachabletime (32), retranstimer (32)
 *   137 redirect: res (32); then target and `dst` (the redirected destination)
 *   any other type: unused (32), and the rest of the message is raw data.
 * NS and NA continue with `target`; RS, NS, NA, RA and redirect end with `options` (NDP option
 * bytes, kept exact, up to the end of the message). `lladdr` is a convenience: a source (RS, NS,
 * RA) or target (NA, redirect) link-layer address option written before `options`.
 *
 * Defaults: type 128 (echo request), code 0, id 0, seq 0; NA flags R+O (Scapy's); NS target
 * 2001:db8::2, NA target 2001:db8::1 (the default IPv6 destination and source); RA as Scapy's
 * (chlim 0, raflags 0x08 = router preference medium, lifetime 1800, timers 0); redirect target
 * 2001:db8::fe, dst 2001:db8::2.
 * The checksum uses the enclosing IPv6 header's pseudo-header (upper-layer length end - offset,
 * next header 58; the final destination when a routing header has segments left, see
 * ipv6ChecksumDestination); without an enclosing IPv6 header it covers the message alone.
 * Errors 1-4 carry the quoted IPv6 packet: decode continues with 'ipv6' and sets
 * `context.insideIcmpError`.
 */
import { formatIPv6, formatMac } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { checksumVerifies, internetChecksum, onesSum, pseudoHeaderSumV6 } from '../core/checksum.js';
import { FieldError } from '../core/errors.js';
import { bytesField, hex16, uintOf, writeIPv6Field, writeMacField } from './field-check.js';
import { ipv6ChecksumDestination } from './ipv6-ext.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { IP_PROTOCOL } from './numbers.js';
import {
  at,
  defaultOf,
  defineSchema,
  type FieldPosition,
  maxOf,
  offsetOf,
  type PositionLocator,
} from './schema.js';

export interface Icmpv6Fields {
  /** Type; default 128 (echo request). */
  type?: number;
  /** Code; default 0. */
  code?: number;
  /** Checksum; default computed with the IPv6 pseudo-header. */
  chksum?: number;
  /** Echo identifier; default 0. */
  id?: number;
  /** Echo sequence number; default 0. */
  seq?: number;
  /** Errors 1 and 3 and unknown types: the 32 bits after the checksum; default 0. */
  unused?: number;
  /** Packet too big (2): MTU; default 1280 (Scapy's). */
  mtu?: number;
  /** Parameter problem (4): pointer; default 0. */
  ptr?: number;
  /** NA: R (4), S (2), O (1) as an integer or letters ('RSO', 'SO'); default R+O. */
  flags?: number | string;
  /** RS/NS/redirect: the 32 reserved bits; NA: the 29 reserved bits after the flags; default 0. */
  res?: number;
  /** NS/NA/redirect target address. */
  target?: string;
  /** RA: current hop limit; default 0 (unspecified). */
  chlim?: number;
  /** RA: the flags octet (M 0x80, O 0x40, H 0x20, Prf 0x18, P 0x04); default 0x08 (Prf medium, Scapy's). */
  raflags?: number;
  /** RA: router lifetime in seconds; default 1800 (Scapy's). */
  routerlifetime?: number;
  /** RA: reachable time in ms; default 0. */
  reachabletime?: number;
  /** RA: retransmission timer in ms; default 0. */
  retranstimer?: number;
  /** Redirect: the destination address being redirected; default 2001:db8::2. */
  dst?: string;
  /** NDP option bytes (RS/NS/NA), kept exact. */
  options?: BytesValue;
  /** Convenience: a source (RS/NS) or target (NA) link-layer address option with this MAC. */
  lladdr?: string;
}

export type Icmpv6Layer = LayerValue<'icmpv6', Icmpv6Fields>;

export function icmpv6(fields: Icmpv6Fields = {}): Icmpv6Layer {
  return { layer: 'icmpv6', fields };
}

export const ICMPV6_TYPE = {
  destinationUnreachable: 1,
  packetTooBig: 2,
  timeExceeded: 3,
  parameterProblem: 4,
  echoRequest: 128,
  echoReply: 129,
  routerSolicitation: 133,
  routerAdvertisement: 134,
  neighborSolicitation: 135,
  neighborAdvertisement: 136,
  redirect: 137,
} as const;

export const ICMPV6_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'Destination Unreachable',
  2: 'Packet Too Big',
  3: 'Time Exceeded',
  4: 'Parameter Problem',
  128: 'Echo (ping) request',
  129: 'Echo (ping) reply',
  133: 'Router Solicitation',
  134: 'Router Advertisement',
  135: 'Neighbor Solicitation',
  136: 'Neighbor Advertisement',
  137: 'Redirect',
};

export const NA_FLAG = { R: 4, S: 2, O: 1 } as const;

/** Parses NA flags: letters R, S, O in any order ('RSO', 'S+O'), '' for none, or an integer 0-7. */
export function parseNaFlags(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(trimmed)) {
    const value = Number(trimmed);
    return value <= 7 ? value : undefined;
  }
  let value = 0;
  for (const letter of trimmed.toUpperCase().replace(/[+|, ]/g, '')) {
    const bit = NA_FLAG[letter as keyof typeof NA_FLAG];
    if (bit === undefined) return undefined;
    value |= bit;
  }
  return value;
}

export function formatNaFlags(flags: number): string {
  return `${flags & 4 ? 'R' : ''}${flags & 2 ? 'S' : ''}${flags & 1 ? 'O' : ''}`;
}

function naFlagsOf(value: number | string | undefined): number {
  if (value === undefined) return NA_FLAG.R | NA_FLAG.O;
  if (typeof value === 'number') return uintOf('icmpv6', 'flags', value, 7, 0);
  const parsed = parseNaFlags(value);
  if (parsed === undefined)
    throw new FieldError('icmpv6', 'flags', `not NA flags: '${value}' (letters R, S, O or 0-7)`);
  return parsed;
}

export function icmpv6IsError(type: number): boolean {
  return type >= 1 && type <= 4;
}

/** Where the NDP options start (RS 8, RA 16, NS/NA 24, redirect 40), or 0 for types without options. */
function optionsStart(type: number): number {
  switch (type) {
    case ICMPV6_TYPE.routerSolicitation:
      return 8;
    case ICMPV6_TYPE.routerAdvertisement:
      return 16;
    case ICMPV6_TYPE.neighborSolicitation:
    case ICMPV6_TYPE.neighborAdvertisement:
      return 24;
    case ICMPV6_TYPE.redirect:
      return 40;
    default:
      return 0;
  }
}

/** The link-layer address option `lladdr` writes: target (2) for NA and redirect, else source (1). */
function lladdrOptionType(type: number): number {
  return type === ICMPV6_TYPE.neighborAdvertisement || type === ICMPV6_TYPE.redirect ? 2 : 1;
}

/** One NDP option as parsed for display. */
export interface NdpOption {
  readonly type: number;
  readonly name: string;
  readonly offset: number;
  /** Length in octets (the length field × 8). */
  readonly length: number;
  /** Source/target link-layer address (types 1/2, length 8). */
  readonly lladdr?: string;
  /** MTU option (type 5). */
  readonly mtu?: number;
  /** Prefix information (type 3). */
  readonly prefixLength?: number;
  readonly prefix?: string;
  /** Length field 0 or past the end: parsing stopped here. */
  readonly malformed?: boolean;
}

const NDP_OPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'Source link-layer address',
  2: 'Target link-layer address',
  3: 'Prefix information',
  4: 'Redirected header',
  5: 'MTU',
  14: 'Nonce',
  25: 'Recursive DNS Server',
};

/** Parses NDP options for display; never throws, stops at a zero or overlong length. */
export function parseNdpOptions(options: Uint8Array): NdpOption[] {
  const list: NdpOption[] = [];
  let at = 0;
  while (at < options.length) {
    const type = options[at]!;
    const name = NDP_OPTION_NAMES[type] ?? `Unknown (${type})`;
    const units = options[at + 1];
    if (units === undefined || units === 0 || at + units * 8 > options.length) {
      list.push({ type, name, offset: at, length: (units ?? 0) * 8, malformed: true });
      break;
    }
    const length = units * 8;
    if ((type === 1 || type === 2) && length === 8) {
      list.push({ type, name, offset: at, length, lladdr: formatMac(options, at + 2) });
    } else if (type === 5 && length === 8) {
      list.push({ type, name, offset: at, length, mtu: readU32(options, at + 4) });
    } else if (type === 3 && length === 32) {
      list.push({
        type,
        name,
        offset: at,
        length,
        prefixLength: options[at + 2]!,
        prefix: formatIPv6(options, at + 16),
      });
    } else {
      list.push({ type, name, offset: at, length });
    }
    at += length;
  }
  return list;
}

export const ICMPV6_HEADER_LENGTH = 8;

function icmpv6Type(fields: Icmpv6Fields): number {
  return uintOf('icmpv6', 'type', fields.type, maxOf(icmpv6Schema.type), defaultOf(icmpv6Schema.type));
}

/** The sum of the pseudo-header of the enclosing IPv6 header, or 0 when there is none. */
function pseudoSum(
  bytes: Uint8Array,
  ipVersion: 0 | 4 | 6,
  ipOffset: number,
  offset: number,
  end: number,
): number {
  if (ipVersion !== 6) return 0;
  const destination = ipv6ChecksumDestination(bytes, ipOffset, offset);
  return pseudoHeaderSumV6(bytes, ipOffset, IP_PROTOCOL.icmpv6, end - offset, destination);
}

const isEcho = (fields: Readonly<Record<string, unknown>>): boolean =>
  fields.type === ICMPV6_TYPE.echoRequest || fields.type === ICMPV6_TYPE.echoReply;
const echoAt =
  (position: FieldPosition): PositionLocator =>
  (bytes, header) =>
    bytes[header] === ICMPV6_TYPE.echoRequest || bytes[header] === ICMPV6_TYPE.echoReply
      ? position
      : 'only for echo request/reply';

export const icmpv6Schema = defineSchema<Icmpv6Fields>({
  type: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1),
    default: ICMPV6_TYPE.echoRequest,
    tshark: 'icmpv6.type',
    doc: 'type (128 echo request)',
  },
  code: { kind: 'uint', role: 'value', at: at(1, 1), default: 0, tshark: 'icmpv6.code', doc: 'code' },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    at: at(2, 2),
    auto: 'computed',
    covers: 'layer+pseudo-header-v6',
    tshark: 'icmpv6.checksum',
    doc: 'checksum (with the IPv6 pseudo-header)',
  },
  id: {
    kind: 'uint',
    role: 'value',
    locate: echoAt(at(4, 2)),
    max: 0xffff,
    default: 0,
    perPacket: true,
    tshark: 'icmpv6.echo.identifier',
    tsharkWhen: isEcho,
    doc: 'echo identifier',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    locate: echoAt(at(6, 2)),
    max: 0xffff,
    default: 0,
    perPacket: true,
    tshark: 'icmpv6.echo.sequence_number',
    tsharkWhen: isEcho,
    doc: 'echo sequence number',
  },
  unused: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 0,
    doc: 'the 32 bits after the checksum (types 1, 3, others)',
  },
  mtu: { kind: 'uint', role: 'value', max: 0xffffffff, default: 1280, doc: 'MTU (type 2 packet too big)' },
  ptr: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 0,
    doc: 'pointer (type 4 parameter problem)',
  },
  flags: {
    kind: 'flags',
    role: 'value',
    max: 7,
    auto: 'RO (NA)',
    doc: 'NA flags R, S, O',
    parseFlags: parseNaFlags,
  },
  res: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 0,
    doc: 'reserved bits (RS/NS/redirect 32, NA 29)',
  },
  chlim: { kind: 'uint', role: 'value', max: 0xff, default: 0, doc: 'RA current hop limit' },
  raflags: {
    kind: 'uint',
    role: 'value',
    max: 0xff,
    default: 0x08,
    doc: 'RA flags octet: M 0x80, O 0x40, H 0x20, Prf 0x18, P 0x04',
  },
  routerlifetime: { kind: 'uint', role: 'value', max: 0xffff, default: 1800, doc: 'RA router lifetime' },
  reachabletime: { kind: 'uint', role: 'value', max: 0xffffffff, default: 0, doc: 'RA reachable time' },
  retranstimer: { kind: 'uint', role: 'value', max: 0xffffffff, default: 0, doc: 'RA retransmission timer' },
  target: {
    kind: 'ipv6',
    role: 'value',
    auto: '2001:db8::2 (NS), 2001:db8::fe (redirect), else 2001:db8::1',
    doc: 'NS/NA/redirect target address',
  },
  dst: { kind: 'ipv6', role: 'value', default: '2001:db8::2', doc: 'redirect destination address' },
  options: { kind: 'bytes', role: 'shape', auto: 'none', doc: 'NDP option bytes (RS/RA/NS/NA/redirect)' },
  lladdr: {
    kind: 'mac',
    role: 'shape',
    auto: 'none',
    doc: 'source (RS/NS/RA) or target (NA/redirect) link-layer address option',
  },
});

const S = icmpv6Schema;
const TYPE = offsetOf(S.type);
const CODE = offsetOf(S.code);
const CHKSUM = offsetOf(S.chksum);

export const icmpv6Codec: LayerCodec<Icmpv6Fields> = {
  name: 'icmpv6',
  title: 'Internet Control Message Protocol v6',
  schema: icmpv6Schema,

  headerLength(fields: Icmpv6Fields): number {
    const start = optionsStart(icmpv6Type(fields));
    if (start === 0) return ICMPV6_HEADER_LENGTH;
    return (
      start + (fields.lladdr !== undefined ? 8 : 0) + bytesField('icmpv6', 'options', fields.options).length
    );
  },

  encode(fields: Icmpv6Fields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const type = icmpv6Type(fields);
    out[offset + TYPE] = type;
    out[offset + CODE] = uintOf('icmpv6', 'code', fields.code, maxOf(S.code), defaultOf(S.code));
    writeU16(out, offset + CHKSUM, 0);
    const rest = offset + 4;
    switch (type) {
      case ICMPV6_TYPE.echoRequest:
      case ICMPV6_TYPE.echoReply:
        writeU16(out, rest, uintOf('icmpv6', 'id', fields.id, 0xffff, 0));
        writeU16(out, rest + 2, uintOf('icmpv6', 'seq', fields.seq, 0xffff, 0));
        break;
      case ICMPV6_TYPE.packetTooBig:
        writeU32(out, rest, uintOf('icmpv6', 'mtu', fields.mtu, 0xffffffff, 1280));
        break;
      case ICMPV6_TYPE.parameterProblem:
        writeU32(out, rest, uintOf('icmpv6', 'ptr', fields.ptr, 0xffffffff, 0));
        break;
      case ICMPV6_TYPE.routerSolicitation:
      case ICMPV6_TYPE.neighborSolicitation:
      case ICMPV6_TYPE.redirect:
        writeU32(out, rest, uintOf('icmpv6', 'res', fields.res, 0xffffffff, 0));
        break;
      case ICMPV6_TYPE.routerAdvertisement:
        out[rest] = uintOf('icmpv6', 'chlim', fields.chlim, 0xff, 0);
        out[rest + 1] = uintOf('icmpv6', 'raflags', fields.raflags, 0xff, 0x08);
        writeU16(out, rest + 2, uintOf('icmpv6', 'routerlifetime', fields.routerlifetime, 0xffff, 1800));
        writeU32(out, rest + 4, uintOf('icmpv6', 'reachabletime', fields.reachabletime, 0xffffffff, 0));
        writeU32(out, rest + 8, uintOf('icmpv6', 'retranstimer', fields.retranstimer, 0xffffffff, 0));
        break;
      case ICMPV6_TYPE.neighborAdvertisement:
        writeU32(
          out,
          rest,
          ((naFlagsOf(fields.flags) << 29) | uintOf('icmpv6', 'res', fields.res, 0x1fffffff, 0)) >>> 0,
        );
        break;
      default:
        writeU32(out, rest, uintOf('icmpv6', 'unused', fields.unused, 0xffffffff, 0));
    }
    const start = optionsStart(type);
    if (start === 0) return;
    if (start >= 24) {
      const fallback =
        type === ICMPV6_TYPE.neighborSolicitation
          ? '2001:db8::2'
          : type === ICMPV6_TYPE.redirect
            ? '2001:db8::fe'
            : '2001:db8::1';
      writeIPv6Field('icmpv6', 'target', fields.target ?? fallback, out, offset + 8);
    }
    if (start === 40) writeIPv6Field('icmpv6', 'dst', fields.dst ?? '2001:db8::2', out, offset + 24);
    let at = offset + start;
    if (fields.lladdr !== undefined) {
      out[at] = lladdrOptionType(type);
      out[at + 1] = 1;
      writeMacField('icmpv6', 'lladdr', fields.lladdr, out, at + 2);
      at += 8;
    }
    out.set(bytesField('icmpv6', 'options', fields.options), at);
  },

  finish(fields: Icmpv6Fields, frame: EncodeFrame): void {
    const { out, offset, end } = frame;
    const chksum =
      fields.chksum === undefined
        ? internetChecksum(out, offset, end, pseudoSum(out, frame.ipVersion, frame.ipOffset, offset, end))
        : uintOf('icmpv6', 'chksum', fields.chksum, maxOf(S.chksum), 0);
    writeU16(out, offset + CHKSUM, chksum);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Icmpv6Fields> {
    need('icmpv6', offset, ICMPV6_HEADER_LENGTH, end);
    const type = bytes[offset + TYPE] ?? 0;
    const code = bytes[offset + CODE] ?? 0;
    const chksum = readU16(bytes, offset + CHKSUM);
    const word = readU32(bytes, offset + 4);
    const info: Record<string, unknown> = { typeName: ICMPV6_TYPE_NAMES[type] ?? `Unknown (${type})` };
    let fields: Icmpv6Fields;
    switch (type) {
      case ICMPV6_TYPE.echoRequest:
      case ICMPV6_TYPE.echoReply:
        fields = { type, code, chksum, id: word >>> 16, seq: word & 0xffff };
        break;
      case ICMPV6_TYPE.packetTooBig:
        fields = { type, code, chksum, mtu: word };
        break;
      case ICMPV6_TYPE.parameterProblem:
        fields = { type, code, chksum, ptr: word };
        break;
      case ICMPV6_TYPE.routerSolicitation:
      case ICMPV6_TYPE.neighborSolicitation:
      case ICMPV6_TYPE.redirect:
        fields = { type, code, chksum, res: word };
        break;
      case ICMPV6_TYPE.routerAdvertisement:
        fields = {
          type,
          code,
          chksum,
          chlim: word >>> 24,
          raflags: (word >>> 16) & 0xff,
          routerlifetime: word & 0xffff,
        };
        break;
      case ICMPV6_TYPE.neighborAdvertisement:
        fields = { type, code, chksum, flags: word >>> 29, res: word & 0x1fffffff };
        info.flags = formatNaFlags(word >>> 29);
        break;
      default:
        fields = { type, code, chksum, unused: word };
    }
    let headerLength = ICMPV6_HEADER_LENGTH;
    const start = optionsStart(type);
    if (start !== 0) {
      need('icmpv6', offset, start, end, start <= 16 ? 'header' : 'target address');
      if (start === 16) {
        fields.reachabletime = readU32(bytes, offset + 8);
        fields.retranstimer = readU32(bytes, offset + 12);
      }
      if (start >= 24) fields.target = formatIPv6(bytes, offset + 8);
      if (start === 40) fields.dst = formatIPv6(bytes, offset + 24);
      const options = bytes.subarray(offset + start, end);
      fields.options = options;
      const parsed = parseNdpOptions(options);
      info.options = parsed;
      const lladdr = parsed.find((option) => option.lladdr !== undefined)?.lladdr;
      if (lladdr !== undefined) info.lladdr = lladdr;
      if (parsed.length && parsed[parsed.length - 1]!.malformed) {
        context.problems.push({
          layer: 'icmpv6',
          offset: offset + start,
          kind: 'malformed',
          message: 'an NDP option has length 0 or runs past the end of the message',
        });
      }
      headerLength = end - offset;
    }

    let checksum: 'good' | 'bad' | 'none' = 'none';
    if (!context.insideIcmpError && context.ipVersion === 6) {
      const pseudo = pseudoSum(bytes, context.ipVersion, context.ipOffset, offset, end);
      if (checksumVerifies(bytes, offset, end, pseudo)) checksum = 'good';
      else {
        checksum = 'bad';
        const expected = internetChecksum(
          bytes,
          offset + CHKSUM + 2,
          end,
          onesSum(bytes, offset, offset + CHKSUM, pseudo),
        );
        context.problems.push({
          layer: 'icmpv6',
          offset: offset + CHKSUM,
          kind: 'bad-checksum',
          message: `bad checksum ${hex16(chksum)}, should be ${hex16(expected)}`,
          field: 'chksum',
          expected,
          actual: chksum,
        });
      }
    }
    info.checksum = checksum;

    const quotes = icmpv6IsError(type) && end - offset - ICMPV6_HEADER_LENGTH >= 40;
    if (quotes) context.insideIcmpError = true;
    return { fields, headerLength, contentEnd: end, next: quotes ? 'ipv6' : undefined, info };
  },

  summary(fields: Icmpv6Fields): string {
    const type = fields.type ?? ICMPV6_TYPE.echoRequest;
    const name = ICMPV6_TYPE_NAMES[type] ?? `Type ${type}`;
    if (type === 128 || type === 129)
      return `${name}, id=0x${(fields.id ?? 0).toString(16).padStart(4, '0')}, seq=${fields.seq ?? 0}`;
    if (fields.target !== undefined) return `${name} for ${fields.target}`;
    return `${name} (code ${fields.code ?? 0})`;
  },
};

/** What `decode` gives as `info` for ICMPv6. */
export interface Icmpv6Info {
  readonly typeName: string;
  /** 'none' inside an ICMPv6 error's quote or without an IPv6 header. */
  readonly checksum: 'good' | 'bad' | 'none';
  /** Neighbor advertisement flags as letters. */
  readonly flags?: string;
  /** NDP options (router/neighbor discovery and redirect messages). */
  readonly options?: readonly NdpOption[];
  /** The first link-layer address option's address. */
  readonly lladdr?: string;
}

/** The fields `decode` gives for ICMPv6: type, code and checksum, and the rest as the type has it. */
export type Icmpv6DecodedFields = Omit<Icmpv6Fields, 'flags' | 'options'> &
  Required<Pick<Icmpv6Fields, 'type' | 'code' | 'chksum'>> & {
    readonly flags?: number;
    readonly options?: Uint8Array;
  };
