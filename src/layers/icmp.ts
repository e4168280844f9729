/**
 * ICMP for IPv4 (RFC 792, RFC 1191 next-hop MTU, RFC 4884 length).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              the 4 octets after the checksum, by type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  data (echo), or the quoted IPv4 header + 8 octets (errors)  ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The 4 octets after the checksum, as fields, by type:
 *   0, 8, 13-18 (echo, timestamp, information, address mask): id (16), seq (16)
 *   3 destination unreachable: unused (16; its low octet is the RFC 4884 length), mtu (16; the
 *     next-hop MTU of code 4)
 *   5 redirect: gw (IPv4 address)
 *   12 parameter problem: ptr (8), unused (24)
 *   any other type (4, 11, ...): unused (32)
 * Fields that do not belong to the type are ignored. Defaults are Scapy's: type 8 (echo request),
 * code 0, id 0, seq 0, others 0 (gw 0.0.0.0).
 *
 * The checksum covers the whole ICMP message (header, data, quoted datagram) and is computed in
 * `finish`, after the quoted datagram is written. Errors 3, 4, 5, 11 and 12 carry the quoted IPv4
 * datagram: decode continues with 'ipv4' and sets `context.insideIcmpError`, so the quoted
 * header's lengths and checksums are not judged. Inside an ICMP error the checksum of an ICMP
 * message is not checked either (the quote is usually cut). RFC 4884 extension objects after the
 * quote are not parsed (they stay in the quoted datagram's bytes).
 */
import { formatIPv4 } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { checksumVerifies, internetChecksum, onesSum } from '../core/checksum.js';
import { hex16, uintOf, writeIPv4Field } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import {
  at,
  defaultOf,
  defineSchema,
  type FieldPosition,
  maxOf,
  offsetOf,
  type PositionLocator,
} from './schema.js';

/** ICMP fields; defaults, ranges and docs in `icmpSchema`. */
export interface IcmpFields {
  type?: number;
  code?: number;
  chksum?: number;
  /** Echo, timestamp, information, address mask types. */
  id?: number;
  /** Same types as id. */
  seq?: number;
  /** 16 bits for type 3, 24 for type 12, 32 otherwise. */
  unused?: number;
  /** Redirect (type 5). */
  gw?: string;
  /** Destination unreachable (type 3), RFC 1191. */
  mtu?: number;
  /** Parameter problem (type 12). */
  ptr?: number;
}

export type IcmpLayer = LayerValue<'icmp', IcmpFields>;

export function icmp(fields: IcmpFields = {}): IcmpLayer {
  return { layer: 'icmp', fields };
}

export const ICMP_TYPE = {
  echoReply: 0,
  destinationUnreachable: 3,
  sourceQuench: 4,
  redirect: 5,
  echoRequest: 8,
  timeExceeded: 11,
  parameterProblem: 12,
  timestampRequest: 13,
  addressMaskReply: 18,
} as const;
const T = ICMP_TYPE;

export const ICMP_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  4: 'Source quench',
  5: 'Redirect',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
};

/** Types whose 4 octets after the checksum are an identifier and a sequence number. */
export function icmpHasIdSeq(type: number): boolean {
  return (
    type === T.echoReply ||
    type === T.echoRequest ||
    (type >= T.timestampRequest && type <= T.addressMaskReply)
  );
}

/** Error types that quote the offending datagram. */
export function icmpIsError(type: number): boolean {
  return (
    type === T.destinationUnreachable ||
    type === T.sourceQuench ||
    type === T.redirect ||
    type === T.timeExceeded ||
    type === T.parameterProblem
  );
}

export const ICMP_HEADER_LENGTH = 8;

/** A position in the 4 octets after the checksum that only some types have. */
const forTypes =
  (has: (type: number) => boolean, position: FieldPosition, which: string): PositionLocator =>
  (bytes, header) =>
    has(bytes[header] ?? -1) ? position : `only for ${which}`;
const ECHO_LIKE = 'echo, timestamp, information and address mask types';

export const icmpSchema = defineSchema<IcmpFields>({
  type: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1),
    default: 8,
    tshark: 'icmp.type',
    doc: 'type (8 echo request)',
  },
  code: { kind: 'uint', role: 'value', at: at(1, 1), default: 0, tshark: 'icmp.code', doc: 'code' },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    at: at(2, 2),
    auto: 'computed',
    covers: 'layer',
    tshark: 'icmp.checksum',
    doc: 'checksum over the whole message',
  },
  id: {
    kind: 'uint',
    role: 'value',
    locate: forTypes(icmpHasIdSeq, at(4, 2), ECHO_LIKE),
    max: 0xffff,
    default: 0,
    perPacket: true,
    tshark: 'icmp.ident',
    tsharkWhen: (fields) => fields.type === T.echoReply || fields.type === T.echoRequest,
    doc: 'identifier (echo and similar types)',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    locate: forTypes(icmpHasIdSeq, at(6, 2), ECHO_LIKE),
    max: 0xffff,
    default: 0,
    perPacket: true,
    tshark: 'icmp.seq',
    tsharkWhen: (fields) => fields.type === T.echoReply || fields.type === T.echoRequest,
    doc: 'sequence number (echo and similar types)',
  },
  unused: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 0,
    doc: 'unused bits after the checksum (16 for type 3, 24 for 12, else 32)',
  },
  gw: {
    kind: 'ipv4',
    role: 'value',
    locate: forTypes((type) => type === T.redirect, at(4, 4), 'type 5 (redirect)'),
    default: '0.0.0.0',
    doc: 'gateway address (type 5 redirect)',
  },
  mtu: {
    kind: 'uint',
    role: 'value',
    locate: forTypes(
      (type) => type === T.destinationUnreachable,
      at(6, 2),
      'type 3 (destination unreachable)',
    ),
    max: 0xffff,
    default: 0,
    doc: 'next-hop MTU (type 3)',
  },
  ptr: {
    kind: 'uint',
    role: 'value',
    locate: forTypes((type) => type === T.parameterProblem, at(4, 1), 'type 12 (parameter problem)'),
    max: 0xff,
    default: 0,
    doc: 'pointer (type 12 parameter problem)',
  },
});

const S = icmpSchema;
const TYPE = offsetOf(S.type);
const CODE = offsetOf(S.code);
const CHKSUM = offsetOf(S.chksum);

export const icmpCodec: LayerCodec<IcmpFields> = {
  name: 'icmp',
  title: 'Internet Control Message Protocol',
  schema: icmpSchema,

  headerLength(): number {
    return ICMP_HEADER_LENGTH;
  },

  encode(fields: IcmpFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const type = uintOf('icmp', 'type', fields.type, maxOf(S.type), defaultOf(S.type));
    out[offset + TYPE] = type;
    out[offset + CODE] = uintOf('icmp', 'code', fields.code, maxOf(S.code), defaultOf(S.code));
    writeU16(out, offset + CHKSUM, 0);
    const rest = offset + 4;
    if (icmpHasIdSeq(type)) {
      writeU16(out, rest, uintOf('icmp', 'id', fields.id, 0xffff, 0));
      writeU16(out, rest + 2, uintOf('icmp', 'seq', fields.seq, 0xffff, 0));
    } else if (type === ICMP_TYPE.destinationUnreachable) {
      writeU16(out, rest, uintOf('icmp', 'unused', fields.unused, 0xffff, 0));
      writeU16(out, rest + 2, uintOf('icmp', 'mtu', fields.mtu, 0xffff, 0));
    } else if (type === ICMP_TYPE.redirect) {
      writeIPv4Field('icmp', 'gw', fields.gw ?? '0.0.0.0', out, rest);
    } else if (type === ICMP_TYPE.parameterProblem) {
      writeU32(out, rest, uintOf('icmp', 'unused', fields.unused, 0xffffff, 0));
      out[rest] = uintOf('icmp', 'ptr', fields.ptr, 0xff, 0);
    } else {
      writeU32(out, rest, uintOf('icmp', 'unused', fields.unused, 0xffffffff, 0));
    }
  },

  finish(fields: IcmpFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const chksum =
      fields.chksum === undefined
        ? internetChecksum(out, offset, frame.end)
        : uintOf('icmp', 'chksum', fields.chksum, maxOf(S.chksum), 0);
    writeU16(out, offset + CHKSUM, chksum);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<IcmpFields> {
    need('icmp', offset, ICMP_HEADER_LENGTH, end);
    const type = bytes[offset + TYPE] ?? 0;
    const code = bytes[offset + CODE] ?? 0;
    const chksum = readU16(bytes, offset + CHKSUM);
    const rest = offset + 4;
    let fields: IcmpFields;
    if (icmpHasIdSeq(type)) {
      fields = { type, code, chksum, id: readU16(bytes, rest), seq: readU16(bytes, rest + 2) };
    } else if (type === ICMP_TYPE.destinationUnreachable) {
      fields = { type, code, chksum, unused: readU16(bytes, rest), mtu: readU16(bytes, rest + 2) };
    } else if (type === ICMP_TYPE.redirect) {
      fields = { type, code, chksum, gw: formatIPv4(bytes, rest) };
    } else if (type === ICMP_TYPE.parameterProblem) {
      fields = { type, code, chksum, ptr: bytes[rest]!, unused: readU32(bytes, rest) & 0xffffff };
    } else {
      fields = { type, code, chksum, unused: readU32(bytes, rest) };
    }

    let checksum: 'good' | 'bad' | 'none' = 'none';
    if (!context.insideIcmpError) {
      if (checksumVerifies(bytes, offset, end)) checksum = 'good';
      else {
        checksum = 'bad';
        const expected = internetChecksum(
          bytes,
          offset + CHKSUM + 2,
          end,
          onesSum(bytes, offset, offset + CHKSUM),
        );
        context.problems.push({
          layer: 'icmp',
          offset: offset + CHKSUM,
          kind: 'bad-checksum',
          message: `bad checksum ${hex16(chksum)}, should be ${hex16(expected)}`,
          field: 'chksum',
          expected,
          actual: chksum,
        });
      }
    }

    const quotes = icmpIsError(type) && end - offset - ICMP_HEADER_LENGTH >= 20;
    if (quotes) context.insideIcmpError = true;
    const info: Record<string, unknown> = {
      typeName: ICMP_TYPE_NAMES[type] ?? `Unknown (${type})`,
      checksum,
    };
    if (type === T.destinationUnreachable || type === T.timeExceeded || type === T.parameterProblem)
      info.length = bytes[rest + 1];
    return {
      fields,
      headerLength: ICMP_HEADER_LENGTH,
      contentEnd: end,
      next: quotes ? 'ipv4' : undefined,
      info,
    };
  },

  summary(fields: IcmpFields): string {
    const type = fields.type ?? T.echoRequest;
    const name = ICMP_TYPE_NAMES[type] ?? `Type ${type}`;
    if (icmpHasIdSeq(type))
      return `${name}, id=0x${(fields.id ?? 0).toString(16).padStart(4, '0')}, seq=${fields.seq ?? 0}`;
    return `${name} (code ${fields.code ?? 0})`;
  },
};

/** What `decode` gives as `info` for ICMP. */
export interface IcmpInfo {
  readonly typeName: string;
  /** 'none' inside an ICMP error's quote. */
  readonly checksum: 'good' | 'bad' | 'none';
  /** The RFC 4884 length of the original datagram (types 3, 11, 12). */
  readonly length?: number;
}

/**
 * The fields `decode` gives for ICMP: type, code and checksum, and the rest of the header as the
 * type has it (id/seq for echo and the like, unused/mtu, gw, ptr, or unused).
 */
export type IcmpDecodedFields = IcmpFields & Required<Pick<IcmpFields, 'type' | 'code' | 'chksum'>>;
