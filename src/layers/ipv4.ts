/**
 * IPv4 (RFC 791), with DSCP/ECN (RFC 2474, RFC 3168) and options kept byte-exact.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |E|D|M|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL > 5)          |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    flags: E = reserved ("evil", RFC 3514) 4, D = DF 2, M = MF 1
 *
 * Left out: ihl from the options (padded with zeros, EOL, to 4 octets), len from the packet
 * (end - offset), proto from the next layer (59 "no next header" when there is none or it is raw),
 * chksum computed in encode (it covers the header only). Defaults are Scapy's: id 1, ttl 64, tos 0,
 * flags 0; addresses 192.0.2.1 → 192.0.2.2. `tos` wins over `dscp`/`ecn` when both are given.
 * `src`/`dst` are text or the 4 address bytes (a Uint8Array, like gopacket's net.IP: no text to parse
 * per packet); any other length throws FieldError. Decode gives text.
 * `chksum: 0` is written as 0.
 *
 * Decode reports: ihl < 5 (header taken as 20 bytes, rest raw), total length 0, shorter than the
 * header or longer than the bytes, and a bad header checksum; inside an ICMP error's quoted
 * datagram lengths and checksum are not reported (the checksum status is still in `info`). A
 * header (with options) longer than the bytes throws DecodeError. A fragment (MF set or offset
 * ≠ 0) is followed by raw bytes, except a first fragment quoted in an ICMP error.
 */
import { formatIPv4 } from '../core/address.js';
import { need, readU16, readU32, writeU16 } from '../core/bytes.js';
import { checksumVerifies, foldSum, internetChecksum, noteRegionSum, onesSum } from '../core/checksum.js';
import { FieldError } from '../core/errors.js';
import { type AddressValue, bytesField, hex16, uintOf, writeIPv4Field } from './field-check.js';
import type {
  BytesValue,
  DecodeContext,
  DecodeStep,
  EncodeFrame,
  LayerCodec,
  LayerValue,
  Problem,
} from './layer.js';
import { IP_PROTOCOL, ipProtocolFor } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, type ProblemDetail, shiftIn } from './schema.js';

/** IPv4 fields; defaults, ranges and docs in `ipv4Schema`. */
export interface Ipv4Fields {
  version?: number;
  ihl?: number;
  tos?: number;
  /** A convenience used when `tos` is not given. */
  dscp?: number;
  /** A convenience used when `tos` is not given. */
  ecn?: number;
  len?: number;
  id?: number;
  /** 'DF', 'MF', 'DF+MF', 'evil' (reserved bit), combinations with '+', or an integer 0-7. */
  flags?: number | string;
  frag?: number;
  ttl?: number;
  proto?: number;
  chksum?: number;
  /** Text or 4 bytes; decoded: text. */
  src?: AddressValue;
  /** Text or 4 bytes; decoded: text. */
  dst?: AddressValue;
  /** Kept exact; padded with zeros to a multiple of 4 octets. */
  options?: BytesValue;
}

export type Ipv4Layer = LayerValue<'ipv4', Ipv4Fields>;

export function ipv4(fields: Ipv4Fields = {}): Ipv4Layer {
  return { layer: 'ipv4', fields };
}

export const IPV4_FLAG = { evil: 4, DF: 2, MF: 1 } as const;

/** Parses 'DF', 'MF', 'DF+MF', 'evil', 'RB', '' (none), combinations joined by + | , or space, or an integer 0-7. */
export function parseIpv4Flags(text: string): number | undefined {
  const trimmed = text.trim();
  switch (trimmed) {
    case '':
      return 0;
    case 'DF':
      return 2;
    case 'MF':
      return 1;
    case 'DF+MF':
      return 3;
  }
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(trimmed)) {
    const value = Number(trimmed);
    return value <= 7 ? value : undefined;
  }
  let value = 0;
  for (const part of trimmed.split(/[+|, ]+/)) {
    const name = part.toUpperCase();
    if (name === 'DF') value |= 2;
    else if (name === 'MF') value |= 1;
    else if (name === 'EVIL' || name === 'RB' || name === 'RESERVED') value |= 4;
    else return undefined;
  }
  return value;
}

function ipv4Problem(
  context: DecodeContext,
  offset: number,
  kind: Problem['kind'],
  message: string,
  detail: ProblemDetail,
): void {
  context.problems.push({ layer: 'ipv4', offset, kind, message, ...detail });
}

/** The options of a header without any: one shared empty view (nothing in it to change). */
const NO_OPTIONS = new Uint8Array(0);
/** The options `info` of a header without options, shared (not a fresh empty array per decode). */
const NO_OPTION_INFO: readonly Ipv4Option[] = Object.freeze([]);

/** Flag names joined with '+' ('DF', 'evil+MF'); '' for none. */
export function formatIpv4Flags(flags: number): string {
  const names: string[] = [];
  if (flags & 4) names.push('evil');
  if (flags & 2) names.push('DF');
  if (flags & 1) names.push('MF');
  return names.join('+');
}

const IPV4_FLAG_TEXT: readonly string[] = Array.from({ length: 8 }, (_, flags) => formatIpv4Flags(flags));

function flagsOf(value: number | string | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return uintOf('ipv4', 'flags', value, 7, 0);
  const parsed = parseIpv4Flags(value);
  if (parsed === undefined)
    throw new FieldError('ipv4', 'flags', `not IPv4 flags: '${value}' (DF, MF, DF+MF, evil or 0-7)`);
  return parsed;
}

function tosOf(fields: Ipv4Fields): number {
  const s = ipv4Schema;
  if (fields.tos !== undefined) return uintOf('ipv4', 'tos', fields.tos, maxOf(s.tos), defaultOf(s.tos));
  return (
    (uintOf('ipv4', 'dscp', fields.dscp, maxOf(s.dscp), defaultOf(s.dscp)) << (s.dscp.at?.shift ?? 0)) |
    uintOf('ipv4', 'ecn', fields.ecn, maxOf(s.ecn), defaultOf(s.ecn))
  );
}

function optionsLength(fields: Ipv4Fields): number {
  if (fields.options === undefined) return 0;
  const length =
    typeof fields.options === 'string'
      ? bytesField('ipv4', 'options', fields.options).length
      : fields.options.length;
  return (length + 3) & ~3;
}

/** One IPv4 option as parsed for display. */
export interface Ipv4Option {
  readonly kind: number;
  readonly name: string;
  /** Offset of the option within the options bytes. */
  readonly offset: number;
  /** Total option length (1 for EOL/NOP). */
  readonly length: number;
  /** Record route / source routes: the pointer and the addresses. */
  readonly pointer?: number;
  readonly addresses?: readonly string[];
  /** Timestamp: overflow, flag and the entries (timestamps, with addresses for flag 1/3). */
  readonly overflow?: number;
  readonly flag?: number;
  readonly timestamps?: readonly { address?: string; timestamp: number }[];
  /** Router alert value. */
  readonly value?: number;
  /** The option could not be parsed (length byte missing, < 2 or past the end). */
  readonly malformed?: boolean;
}

const OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'EOL',
  1: 'NOP',
  7: 'Record Route',
  68: 'Timestamp',
  130: 'Security',
  131: 'Loose Source Route',
  133: 'Extended Security',
  136: 'Stream ID',
  137: 'Strict Source Route',
  148: 'Router Alert',
};

/** Parses IPv4 options for display; never throws, stops at EOL or a malformed option. */
export function parseIpv4Options(options: Uint8Array): Ipv4Option[] {
  const list: Ipv4Option[] = [];
  let at = 0;
  while (at < options.length) {
    const kind = options[at]!;
    const name = OPTION_NAMES[kind] ?? `Unknown (${kind})`;
    if (kind === 0 || kind === 1) {
      list.push({ kind, name, offset: at, length: 1 });
      at++;
      if (kind === 0) break;
      continue;
    }
    const length = options[at + 1];
    if (length === undefined || length < 2 || at + length > options.length) {
      list.push({ kind, name, offset: at, length: options.length - at, malformed: true });
      break;
    }
    const body = options.subarray(at + 2, at + length);
    if ((kind === 7 || kind === 131 || kind === 137) && body.length >= 1) {
      const addresses: string[] = [];
      for (let i = 1; i + 4 <= body.length; i += 4) addresses.push(formatIPv4(body, i));
      list.push({ kind, name, offset: at, length, pointer: body[0]!, addresses });
    } else if (kind === 68 && body.length >= 2) {
      const flag = body[1]! & 0x0f;
      const step = flag === 1 || flag === 3 ? 8 : 4;
      const timestamps: { address?: string; timestamp: number }[] = [];
      for (let i = 2; i + step <= body.length; i += step) {
        if (step === 8) timestamps.push({ address: formatIPv4(body, i), timestamp: readU32(body, i + 4) });
        else timestamps.push({ timestamp: readU32(body, i) });
      }
      list.push({
        kind,
        name,
        offset: at,
        length,
        pointer: body[0]!,
        overflow: body[1]! >>> 4,
        flag,
        timestamps,
      });
    } else if (kind === 148 && body.length === 2) {
      list.push({ kind, name, offset: at, length, value: readU16(body, 0) });
    } else {
      list.push({ kind, name, offset: at, length });
    }
    at += length;
  }
  return list;
}

export const ipv4Schema = defineSchema<Ipv4Fields>({
  version: { kind: 'uint', role: 'shape', at: at(0, 1, 4, 4), default: 4, doc: 'version' },
  ihl: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 4, 0),
    auto: '5 + the options',
    doc: 'header length in 32-bit words',
  },
  tos: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1),
    default: 0,
    tshark: 'ip.dsfield',
    doc: 'type of service byte, DSCP << 2 | ECN',
  },
  dscp: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1, 6, 2),
    default: 0,
    doc: 'DSCP, used when tos is not given',
  },
  ecn: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1, 2, 0),
    default: 0,
    doc: 'ECN, used when tos is not given',
  },
  len: {
    kind: 'uint',
    role: 'length',
    endsContent: 0,
    at: at(2, 2),
    auto: 'computed',
    tshark: 'ip.len',
    doc: 'total length',
  },
  id: {
    kind: 'uint',
    role: 'value',
    at: at(4, 2),
    default: 1,
    perPacket: true,
    tshark: 'ip.id',
    doc: 'identification',
  },
  flags: {
    kind: 'flags',
    role: 'value',
    at: at(6, 1, 3, 5),
    default: 0,
    shapesNext: true,
    doc: 'flags: DF, MF, DF+MF, evil, or 0-7',
    parseFlags: parseIpv4Flags,
  },
  frag: {
    kind: 'uint',
    role: 'value',
    at: at(6, 2, 13, 0),
    default: 0,
    shapesNext: true,
    doc: 'fragment offset in 8-octet units',
  },
  ttl: {
    kind: 'uint',
    role: 'value',
    at: at(8, 1),
    default: 64,
    perPacket: true,
    tshark: 'ip.ttl',
    doc: 'time to live',
  },
  proto: {
    kind: 'uint',
    role: 'value',
    at: at(9, 1),
    auto: 'from the next layer, 59 for none',
    tshark: 'ip.proto',
    doc: 'protocol',
  },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    at: at(10, 2),
    auto: 'computed',
    covers: 'header',
    tshark: 'ip.checksum',
    doc: 'header checksum',
  },
  src: {
    kind: 'ipv4',
    role: 'value',
    at: at(12, 4),
    default: '192.0.2.1',
    perPacket: true,
    tshark: 'ip.src',
    doc: 'source address',
  },
  dst: {
    kind: 'ipv4',
    role: 'value',
    at: at(16, 4),
    default: '192.0.2.2',
    perPacket: true,
    tshark: 'ip.dst',
    doc: 'destination address',
  },
  options: {
    kind: 'bytes',
    role: 'shape',
    auto: 'none',
    doc: 'options bytes, padded with zeros to 4 octets',
  },
});

export const IPV4_HEADER_LENGTH = 20;
const S = ipv4Schema;
const VERSION_IHL = offsetOf(S.version);
const VERSION_SHIFT = S.version.at?.shift ?? 0;
const IHL_MASK = maxOf(S.ihl);
const TOS = offsetOf(S.tos);
const LEN = offsetOf(S.len);
const ID = offsetOf(S.id);
const FLAGS_FRAG = offsetOf(S.frag);
const FLAGS_SHIFT = shiftIn(S.flags, FLAGS_FRAG, 2);
const FRAG_MASK = maxOf(S.frag);
const TTL = offsetOf(S.ttl);
const PROTO = offsetOf(S.proto);
const CHKSUM = offsetOf(S.chksum);
const SRC = offsetOf(S.src);
const DST = offsetOf(S.dst);
const DEFAULT_SRC = String(S.src.default);
const DEFAULT_DST = String(S.dst.default);

function totalLength(frame: EncodeFrame): number {
  const length = frame.end - frame.offset;
  if (length > 0xffff) throw new FieldError('ipv4', 'len', `the packet is ${length} bytes, more than 65535`);
  return length;
}

export const ipv4Codec: LayerCodec<Ipv4Fields> = {
  name: 'ipv4',
  tsharkProtocol: 'ip',
  title: 'Internet Protocol Version 4',
  schema: ipv4Schema,

  headerLength(fields: Ipv4Fields): number {
    return IPV4_HEADER_LENGTH + optionsLength(fields);
  },

  encode(fields: Ipv4Fields, frame: EncodeFrame): void {
    const { out, offset, headerLength } = frame;
    const version = uintOf('ipv4', 'version', fields.version, maxOf(S.version), defaultOf(S.version));
    const ihl = uintOf('ipv4', 'ihl', fields.ihl, IHL_MASK, headerLength >>> 2);
    const tos =
      fields.tos === undefined && fields.dscp === undefined && fields.ecn === undefined ? 0 : tosOf(fields);
    const len = uintOf('ipv4', 'len', fields.len, maxOf(S.len), totalLength(frame));
    const id = uintOf('ipv4', 'id', fields.id, maxOf(S.id), defaultOf(S.id));
    const flagsFrag =
      ((fields.flags === undefined ? 0 : flagsOf(fields.flags)) << FLAGS_SHIFT) |
      uintOf('ipv4', 'frag', fields.frag, FRAG_MASK, defaultOf(S.frag));
    const ttl = uintOf('ipv4', 'ttl', fields.ttl, maxOf(S.ttl), defaultOf(S.ttl));
    const proto =
      fields.proto === undefined
        ? (ipProtocolFor(frame.layers, frame.index + 1) ?? IP_PROTOCOL.none)
        : uintOf('ipv4', 'proto', fields.proto, maxOf(S.proto), 0);
    out[offset + VERSION_IHL] = (version << VERSION_SHIFT) | ihl;
    out[offset + TOS] = tos;
    writeU16(out, offset + LEN, len);
    writeU16(out, offset + ID, id);
    writeU16(out, offset + FLAGS_FRAG, flagsFrag);
    out[offset + TTL] = ttl;
    out[offset + PROTO] = proto;
    writeU16(out, offset + CHKSUM, 0);
    writeIPv4Field('ipv4', 'src', fields.src ?? DEFAULT_SRC, out, offset + SRC);
    writeIPv4Field('ipv4', 'dst', fields.dst ?? DEFAULT_DST, out, offset + DST);
    if (headerLength > IPV4_HEADER_LENGTH) {
      const options = bytesField('ipv4', 'options', fields.options);
      out.set(options, offset + IPV4_HEADER_LENGTH);
      out.fill(0, offset + IPV4_HEADER_LENGTH + options.length, offset + headerLength);
    }
    if (fields.chksum === undefined) {
      // The header's words, summed here (the first five from the values, the rest from the bytes).
      let sum = ((version << 12) | (ihl << 8) | tos) + len + id + flagsFrag + ((ttl << 8) | proto);
      for (let at = offset + SRC; at < offset + headerLength; at += 2) sum += (out[at]! << 8) | out[at + 1]!;
      const chksum = ~foldSum(sum) & 0xffff;
      writeU16(out, offset + CHKSUM, chksum);
      // The finished header, for an enclosing checksum (a tunnel's UDP) to add without summing it again.
      noteRegionSum(out, offset, offset + headerLength, sum + chksum);
    } else {
      writeU16(out, offset + CHKSUM, uintOf('ipv4', 'chksum', fields.chksum, maxOf(S.chksum), 0));
    }
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Ipv4Fields> {
    need('ipv4', offset, IPV4_HEADER_LENGTH, end);
    const check = !context.insideIcmpError;
    const version = (bytes[offset + VERSION_IHL] ?? 0) >>> VERSION_SHIFT;
    const ihl = (bytes[offset + VERSION_IHL] ?? 0) & IHL_MASK;
    const tos = bytes[offset + TOS] ?? 0;
    const len = readU16(bytes, offset + LEN);
    const flagsFrag = readU16(bytes, offset + FLAGS_FRAG);
    const flags = flagsFrag >>> FLAGS_SHIFT;
    const frag = flagsFrag & FRAG_MASK;
    const proto = bytes[offset + PROTO] ?? 0;
    const chksum = readU16(bytes, offset + CHKSUM);
    const available = end - offset;
    let usable = true;
    if (version !== 4)
      ipv4Problem(context, offset + VERSION_IHL, 'bad-value', `version ${version}, should be 4`, {
        field: 'version',
        expected: 4,
        actual: version,
      });

    let headerLength = ihl * 4;
    if (ihl < 5) {
      ipv4Problem(
        context,
        offset,
        'bad-length',
        `bad header length ${headerLength} (ihl ${ihl}), should be at least 20`,
        { field: 'ihl', expected: '>= 5', actual: ihl },
      );
      headerLength = IPV4_HEADER_LENGTH;
      usable = false;
    } else {
      need('ipv4', offset, headerLength, end, 'header with options');
    }
    const options =
      headerLength > IPV4_HEADER_LENGTH
        ? bytes.subarray(offset + IPV4_HEADER_LENGTH, offset + headerLength)
        : NO_OPTIONS;

    // The quoted header of an ICMP error is whole, so its checksum status is shown (as Wireshark
    // does) but a bad one is not reported as a problem there.
    let checksumStatus: 'good' | 'bad' | 'none' = 'none';
    if (usable) {
      if (checksumVerifies(bytes, offset, offset + headerLength)) checksumStatus = 'good';
      else {
        checksumStatus = 'bad';
        const expected = internetChecksum(
          bytes,
          offset + CHKSUM + 2,
          offset + headerLength,
          onesSum(bytes, offset, offset + CHKSUM),
        );
        if (check)
          ipv4Problem(
            context,
            offset + CHKSUM,
            'bad-checksum',
            `bad checksum ${hex16(chksum)}, should be ${hex16(expected)}`,
            { field: 'chksum', expected, actual: chksum },
          );
      }
    }

    let contentEnd = end;
    if (len === 0) {
      if (check)
        ipv4Problem(
          context,
          offset + LEN,
          'bad-length',
          'total length 0 (Wireshark takes it as TSO); the packet is taken to end with the bytes',
          { field: 'len', expected: `>= ${headerLength}`, actual: 0, bound: context.bound ?? 'bytes' },
        );
    } else if (len < headerLength) {
      if (check)
        ipv4Problem(
          context,
          offset + LEN,
          'bad-length',
          `total length ${len} is less than the header length ${headerLength}`,
          { field: 'len', expected: `>= ${headerLength}`, actual: len },
        );
      contentEnd = offset + headerLength;
      usable = false;
    } else if (len > available) {
      if (check)
        ipv4Problem(
          context,
          offset + LEN,
          'bad-length',
          `total length ${len} exceeds the ${available} bytes available`,
          { field: 'len', expected: `<= ${available}`, actual: len, bound: context.bound ?? 'bytes' },
        );
    } else {
      contentEnd = offset + len;
    }

    context.ipVersion = 4;
    context.ipOffset = offset;
    const fragment = (flags & IPV4_FLAG.MF) !== 0 || frag !== 0;
    return {
      fields: {
        version,
        ihl,
        tos,
        len,
        id: readU16(bytes, offset + ID),
        flags,
        frag,
        ttl: bytes[offset + TTL] ?? 0,
        proto,
        chksum,
        src: formatIPv4(bytes, offset + SRC),
        dst: formatIPv4(bytes, offset + DST),
        options,
      },
      headerLength,
      contentEnd,
      // Inside an ICMP error the first fragment's transport header is still shown (as Wireshark).
      next:
        usable && (!fragment || (context.insideIcmpError && frag === 0))
          ? context.bindings.ipProtocol.get(proto)
          : undefined,
      info: {
        dscp: tos >>> 2,
        ecn: tos & 3,
        flags: IPV4_FLAG_TEXT[flags]!,
        fragment,
        checksum: checksumStatus,
        options: options.length === 0 ? NO_OPTION_INFO : parseIpv4Options(options),
      },
    };
  },

  summary(fields: Ipv4Fields): string {
    const text = (value: AddressValue | undefined, fallback: string): string =>
      value === undefined ? fallback : typeof value === 'string' ? value : formatIPv4(value);
    return `Src: ${text(fields.src, '192.0.2.1')}, Dst: ${text(fields.dst, '192.0.2.2')}`;
  },
};

/** What `decode` gives as `info` for IPv4. */
export interface Ipv4Info {
  readonly dscp: number;
  readonly ecn: number;
  /** The flags as names ("DF", "MF+evil", ""). */
  readonly flags: string;
  /** MF set or a fragment offset: the payload is not decoded further. */
  readonly fragment: boolean;
  /** Header checksum: 'none' inside an ICMP error's quote. */
  readonly checksum: 'good' | 'bad' | 'none';
  readonly options: readonly Ipv4Option[];
}

/** The fields `decode` gives for IPv4: every header field (`options` as the raw option bytes). */
export type Ipv4DecodedFields = Omit<Ipv4Fields, 'flags' | 'src' | 'dst' | 'options'> &
  Required<
    Pick<Ipv4Fields, 'version' | 'ihl' | 'tos' | 'len' | 'id' | 'frag' | 'ttl' | 'proto' | 'chksum'>
  > & { readonly flags: number; readonly src: string; readonly dst: string; readonly options: Uint8Array };
