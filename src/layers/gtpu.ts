/**
 * GTP-U version 1 (3GPP TS 29.281), the user-plane tunnel over UDP port 2152.
 *
 * Header (TS 29.281 figure 5.1-1); the 4 octets after the TEID are present when any of E, S, PN is set:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver=1|P|R|E|S|N| Message Type  |            Length             |
 *  |     |T| | | |P|               |  (octets after the first 8)   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Tunnel Endpoint Identifier (TEID)              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Sequence Number        | N-PDU Number  | Next Ext Type |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Each extension header (figure 5.2.1-1), chained while the next type is not 0:
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Length (n)   |  Content (4n-2 octets) ...                    |
 *  +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
 *  |                     ...                       | Next Ext Type |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * PDU Session Container 0x85 content (TS 38.415 §5.5.2): DL (pdu_type 0):
 * [pdu_type<<4 | QMP SNP MSNP spare] [PPP<<7 | RQI<<6 | QFI] ([PPI<<5] when PPP) padded to 4n-2;
 * UL (pdu_type 1): [0x10 | QMP, delay/SNP bits] [QFI]. UDP Port 0x40: a 2-octet port, length 1.
 *
 * Fields: `flags` is the whole first octet (version 3 bits, PT, reserved, E, S, PN), byte-exact; left
 * out it is 0x30 (version 1, PT 1) plus E when there are extension headers, S when `seq` is given and
 * PN when `npdu` is given. The 4 optional octets are written when flags has any of E/S/PN, or `seq`,
 * `npdu`, `next_ext` or an extension header is given. `len` left out = bytes after the first 8.
 * `next_ext` left out = the first extension's type (or 0).
 *
 * `extensions` is a list of { type, content?, len?, next?, ...convenience }: `content` (bytes, 4n-2
 * octets; shorter content is padded with zeros unless `len` is given) is written byte-exact; without
 * it type 0x85 is built from pdu_type/qfi/ppp/rqi/ppi and 0x40 from udp_port (others: 2 zero octets).
 * `len` (units of 4 octets) and `next` (the trailing next-type octet) left out are computed; an
 * explicit `len: 0` with no content writes just the zero length octet (a malformed header that ends
 * the chain, as decode returns it). The convenience fields qfi, pdu_type, ppp, rqi, ppi on the gtpu
 * layer itself build one PDU Session Container when `extensions` is not given.
 *
 * Message types: G-PDU 255 (default), Echo Request 1, Echo Response 2, Error Indication 26, Supported
 * Extension Headers Notification 31, End Marker 254. A G-PDU's payload is decoded as IPv4 when its
 * first octet is 0x45..0x4e and as IPv6 when its version nibble is 6 (Wireshark's heuristic),
 * otherwise it is raw; never Ethernet. Other messages carry IEs: they stay raw bytes (the next layer is
 * raw) and are parsed for display in `info.ies` (Recovery 14, TEID Data I 16, GTP-U Peer Address 133,
 * Extension Header Type List 141, Private Extension 255).
 */
import { formatIPv4, formatIPv6 } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, uintOf } from './field-check.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import {
  at,
  defaultOf,
  defineSchema,
  type FieldPosition,
  maxOf,
  offsetOf,
  type PositionLocator,
  type ProblemDetail,
} from './schema.js';

/** Fields of a PDU Session Container (extension header type 0x85). */
export interface PduSessionFields {
  /** PDU type, 4 bits: 0 DL PDU SESSION INFORMATION (default), 1 UL PDU SESSION INFORMATION. */
  pdu_type?: number;
  /** QoS Flow Identifier, 6 bits; default 0. */
  qfi?: number;
  /** Paging Policy Presence (DL), 1 bit; default 0 (1 when ppi is given). */
  ppp?: number;
  /** Reflective QoS Indicator (DL), 1 bit; default 0. */
  rqi?: number;
  /** Paging Policy Indicator (DL, when PPP), 3 bits; default 0. */
  ppi?: number;
}

/** One extension header. */
export interface GtpuExtension extends PduSessionFields {
  /** The extension header type (the next-type octet that announces it), e.g. 0x85, 0x40. */
  type: number;
  /** Content between the length octet and the next-type octet (4n-2 octets); byte-exact. */
  content?: BytesValue;
  /** The length octet, in 4-octet units; default from the content. */
  len?: number;
  /** The trailing next-type octet; default the next extension's type, or 0 for the last. */
  next?: number;
  /** UDP Port extension (0x40): the port. */
  udp_port?: number;
}

export interface GtpuFields extends PduSessionFields {
  /** The first octet: version (3 bits), PT, reserved, E, S, PN; default 0x30 plus E/S/PN as needed. */
  flags?: number;
  /** Message type; default 255 (G-PDU). */
  type?: number;
  /** Length of everything after the first 8 octets; default computed. */
  len?: number;
  /** Tunnel endpoint identifier; default 0. */
  teid?: number;
  /** Sequence number (optional octets); default 0 when they are present. */
  seq?: number;
  /** N-PDU number (optional octets); default 0 when they are present. */
  npdu?: number;
  /** Next extension header type (optional octets); default the first extension's type, or 0. */
  next_ext?: number;
  /** The extension header chain. */
  extensions?: readonly GtpuExtension[];
}

export type GtpuLayer = LayerValue<'gtpu', GtpuFields>;

export function gtpu(fields: GtpuFields = {}): GtpuLayer {
  return { layer: 'gtpu', fields };
}

export const GTPU_HEADER_LENGTH = 8;
export const GTPU_OPTIONAL_LENGTH = 4;

export const GTPU_FLAG = { version1: 0x20, PT: 0x10, reserved: 0x08, E: 0x04, S: 0x02, PN: 0x01 } as const;

export const GTPU_MESSAGE = {
  echoRequest: 1,
  echoResponse: 2,
  errorIndication: 26,
  supportedExtensionHeadersNotification: 31,
  endMarker: 254,
  gpdu: 255,
} as const;

export const GTPU_EXTENSION = {
  none: 0x00,
  udpPort: 0x40,
  ranContainer: 0x81,
  longPdcpPduNumber: 0x82,
  nrRanContainer: 0x84,
  pduSessionContainer: 0x85,
  pdcpPduNumber: 0xc0,
} as const;

const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  1: 'Echo Request',
  2: 'Echo Response',
  26: 'Error Indication',
  31: 'Supported Extension Headers Notification',
  254: 'End Marker',
  255: 'G-PDU',
};

const EXTENSION_NAMES: Readonly<Record<number, string>> = {
  1: 'MBMS support indication',
  2: 'MS Info Change Reporting support indication',
  3: 'Long PDCP PDU Number',
  32: 'Service Class Indicator',
  64: 'UDP Port',
  129: 'RAN Container',
  130: 'Long PDCP PDU Number',
  131: 'Xw RAN Container',
  132: 'NR RAN Container',
  133: 'PDU Session Container',
  192: 'PDCP PDU Number',
  193: 'Suspend Request',
  194: 'Suspend Response',
};

const IE_NAMES: Readonly<Record<number, string>> = {
  14: 'Recovery',
  16: 'TEID Data I',
  133: 'GTP-U Peer Address',
  141: 'Extension Header Type List',
  255: 'Private Extension',
};

/** Lengths of the TV-format IEs (type < 128) that GTP-U uses (TS 29.281 §8). */
const TV_LENGTHS: Readonly<Record<number, number>> = { 14: 1, 16: 4 };

export function gtpuMessageName(type: number): string {
  return MESSAGE_NAMES[type] ?? `Unknown (${type})`;
}

export function gtpuExtensionName(type: number): string {
  return EXTENSION_NAMES[type] ?? 'Unknown';
}

/* ------------------------------------------------------------------------------------------------
 * Encode
 * ---------------------------------------------------------------------------------------------- */

const NO_EXTENSIONS: readonly GtpuExtension[] = [];
const TWO_ZEROS = new Uint8Array(2);
/** Scratch for built PDU Session Container / UDP Port content (never more than 6 octets). */
const scratch = new Uint8Array(8);
const scratch6 = scratch.subarray(0, 6);
const scratch2 = scratch.subarray(0, 2);

function hasPduSessionFields(fields: PduSessionFields): boolean {
  return (
    fields.qfi !== undefined ||
    fields.pdu_type !== undefined ||
    fields.ppp !== undefined ||
    fields.rqi !== undefined ||
    fields.ppi !== undefined
  );
}

/** The extension list the layer writes: `extensions`, or one PDU Session Container from the convenience fields. */
function extensionsOf(fields: GtpuFields): readonly GtpuExtension[] {
  if (fields.extensions !== undefined) {
    if (!Array.isArray(fields.extensions))
      throw new FieldError('gtpu', 'extensions', 'expected a list of extension headers');
    return fields.extensions;
  }
  if (!hasPduSessionFields(fields)) return NO_EXTENSIONS;
  // One reused container for the convenience fields: no allocation per packet.
  const session = convenienceExtension[0]!;
  session.pdu_type = fields.pdu_type;
  session.qfi = fields.qfi;
  session.ppp = fields.ppp;
  session.rqi = fields.rqi;
  session.ppi = fields.ppi;
  return convenienceExtension;
}

const convenienceExtension: [GtpuExtension] = [{ type: 0x85 }];

/**
 * The content octets of an extension header: given bytes, or built into the shared scratch buffer
 * (valid until the next call).
 */
function contentOf(extension: GtpuExtension): Uint8Array {
  if (extension.content !== undefined) return bytesField('gtpu', 'extensions.content', extension.content);
  if (extension.type === GTPU_EXTENSION.pduSessionContainer) {
    const pduType = uintOf('gtpu', 'pdu_type', extension.pdu_type, 15, 0);
    const qfi = uintOf('gtpu', 'qfi', extension.qfi, 0x3f, 0);
    const ppp = uintOf('gtpu', 'ppp', extension.ppp, 1, extension.ppi !== undefined ? 1 : 0);
    const rqi = uintOf('gtpu', 'rqi', extension.rqi, 1, 0);
    const ppi = uintOf('gtpu', 'ppi', extension.ppi, 7, 0);
    scratch.fill(0);
    scratch[0] = pduType << 4;
    scratch[1] = (ppp << 7) | (rqi << 6) | qfi;
    if (ppp) {
      scratch[2] = ppi << 5;
      return scratch6;
    }
    return scratch2;
  }
  if (extension.type === GTPU_EXTENSION.udpPort && extension.udp_port !== undefined) {
    writeU16(scratch, 0, uintOf('gtpu', 'udp_port', extension.udp_port, 0xffff, 0));
    return scratch2;
  }
  return TWO_ZEROS;
}

/** Octets an extension header takes on the wire. */
function extensionSize(extension: GtpuExtension): number {
  if (typeof extension !== 'object' || extension === null) {
    throw new FieldError(
      'gtpu',
      'extensions',
      'each extension header must be an object { type, content?, ... }',
    );
  }
  uintOf('gtpu', 'extensions.type', extension.type, 0xff, 0);
  if (extension.len === 0 && extension.content === undefined) return 1;
  const length = contentOf(extension).length;
  if (extension.len !== undefined) return 2 + length;
  return 2 + (((length + 2 + 3) & ~3) - 2);
}

/** The flags octet to write. */
function flagsOf(fields: GtpuFields, extensions: readonly GtpuExtension[]): number {
  if (fields.flags !== undefined) return uintOf('gtpu', 'flags', fields.flags, 0xff, 0);
  let flags = GTPU_FLAG.version1 | GTPU_FLAG.PT;
  if (extensions.length > 0) flags |= GTPU_FLAG.E;
  if (fields.seq !== undefined) flags |= GTPU_FLAG.S;
  if (fields.npdu !== undefined) flags |= GTPU_FLAG.PN;
  return flags;
}

function hasOptionalOctets(fields: GtpuFields, flags: number, extensions: readonly GtpuExtension[]): boolean {
  return (
    (flags & 0x07) !== 0 ||
    fields.seq !== undefined ||
    fields.npdu !== undefined ||
    fields.next_ext !== undefined ||
    extensions.length > 0
  );
}

/** The optional octets (sequence number, N-PDU number, next extension type) exist when E, S or PN is set. */
const optionalAt =
  (position: FieldPosition, field: string): PositionLocator =>
  (bytes, header) =>
    (bytes[header] ?? 0) & (GTPU_FLAG.E | GTPU_FLAG.S | GTPU_FLAG.PN)
      ? position
      : `the header has no optional octets (set ${field} in the packet first)`;

export const gtpuSchema = defineSchema<GtpuFields>({
  flags: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1),
    auto: '0x30 + E/S/PN as needed',
    tshark: 'gtp.flags',
    doc: 'first octet: version, PT, reserved, E, S, PN',
  },
  type: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1),
    default: GTPU_MESSAGE.gpdu,
    shapesNext: true,
    tshark: 'gtp.message',
    doc: 'message type: 255 G-PDU, 1 echo req, 2 echo resp, 26, 31, 254',
  },
  len: {
    kind: 'uint',
    role: 'length',
    endsContent: GTPU_HEADER_LENGTH,
    at: at(2, 2),
    auto: 'computed',
    tshark: 'gtp.length',
    doc: 'length of what follows the first 8 octets',
  },
  teid: {
    kind: 'uint',
    role: 'value',
    at: at(4, 4),
    default: 0,
    perPacket: true,
    tshark: 'gtp.teid',
    doc: 'tunnel endpoint identifier',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    locate: optionalAt(at(8, 2), 'seq'),
    max: 0xffff,
    auto: 'none (0 when the optional octets are present)',
    perPacket: true,
    tshark: 'gtp.seq_number',
    tsharkWhen: (fields) => (Number(fields.flags ?? 0) & GTPU_FLAG.S) !== 0,
    doc: 'sequence number (sets S)',
  },
  npdu: {
    kind: 'uint',
    role: 'value',
    locate: optionalAt(at(10, 1), 'npdu'),
    max: 0xff,
    auto: 'none (0 when the optional octets are present)',
    perPacket: true,
    tshark: 'gtp.npdu_number',
    tsharkWhen: (fields) => (Number(fields.flags ?? 0) & GTPU_FLAG.PN) !== 0,
    doc: 'N-PDU number (sets PN)',
  },
  next_ext: {
    kind: 'uint',
    role: 'shape',
    max: 0xff,
    auto: 'from extensions',
    doc: 'next extension header type',
  },
  extensions: {
    kind: 'json',
    role: 'shape',
    auto: 'none',
    doc: 'extension headers: [{"type":133,"qfi":9}, {"type":64,"content":"0868"}, ...]',
  },
  qfi: {
    kind: 'uint',
    role: 'shape',
    max: 0x3f,
    auto: 'none',
    doc: 'QoS flow identifier: adds a PDU Session Container (0x85)',
  },
  pdu_type: {
    kind: 'uint',
    role: 'value',
    max: 15,
    default: 0,
    doc: 'PDU Session Container PDU type: 0 DL, 1 UL',
  },
  ppp: {
    kind: 'uint',
    role: 'value',
    max: 1,
    auto: '1 when ppi is given',
    doc: 'PDU Session Container paging policy presence',
  },
  rqi: {
    kind: 'uint',
    role: 'value',
    max: 1,
    default: 0,
    doc: 'PDU Session Container reflective QoS indicator',
  },
  ppi: {
    kind: 'uint',
    role: 'value',
    max: 7,
    default: 0,
    doc: 'PDU Session Container paging policy indicator (sets ppp)',
  },
});

const S = gtpuSchema;
const FLAGS = offsetOf(S.flags);
const TYPE = offsetOf(S.type);
const LEN = offsetOf(S.len);
const TEID = offsetOf(S.teid);
/** The optional octets follow the mandatory header: sequence number, N-PDU number, next extension type. */
const SEQ = GTPU_HEADER_LENGTH;
const NPDU = SEQ + 2;
const NEXT_EXT = SEQ + 3;

export const gtpuCodec: LayerCodec<GtpuFields> = {
  name: 'gtpu',
  tsharkProtocol: 'gtp',
  title: 'GPRS Tunneling Protocol User Plane',
  schema: gtpuSchema,

  headerLength(fields: GtpuFields): number {
    const extensions = extensionsOf(fields);
    const flags = flagsOf(fields, extensions);
    if (!hasOptionalOctets(fields, flags, extensions)) return GTPU_HEADER_LENGTH;
    let length = GTPU_HEADER_LENGTH + GTPU_OPTIONAL_LENGTH;
    for (const extension of extensions) length += extensionSize(extension);
    return length;
  },

  encode(fields: GtpuFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const extensions = extensionsOf(fields);
    const flags = flagsOf(fields, extensions);
    out[offset + FLAGS] = flags;
    out[offset + TYPE] = uintOf('gtpu', 'type', fields.type, maxOf(S.type), defaultOf(S.type));
    writeU16(
      out,
      offset + LEN,
      uintOf('gtpu', 'len', fields.len, maxOf(S.len), (frame.end - offset - GTPU_HEADER_LENGTH) & 0xffff),
    );
    writeU32(out, offset + TEID, uintOf('gtpu', 'teid', fields.teid, maxOf(S.teid), defaultOf(S.teid)));
    if (!hasOptionalOctets(fields, flags, extensions)) return;
    writeU16(out, offset + SEQ, uintOf('gtpu', 'seq', fields.seq, maxOf(S.seq), 0));
    out[offset + NPDU] = uintOf('gtpu', 'npdu', fields.npdu, maxOf(S.npdu), 0);
    out[offset + NEXT_EXT] = uintOf(
      'gtpu',
      'next_ext',
      fields.next_ext,
      maxOf(S.next_ext),
      extensions[0]?.type ?? 0,
    );
    let at = offset + GTPU_HEADER_LENGTH + GTPU_OPTIONAL_LENGTH;
    for (let i = 0; i < extensions.length; i++) {
      const extension = extensions[i]!;
      if (extension.len === 0 && extension.content === undefined) {
        out[at++] = 0;
        continue;
      }
      const content = contentOf(extension);
      const padded = extension.len !== undefined ? content.length : ((content.length + 2 + 3) & ~3) - 2;
      out[at] = uintOf('gtpu', 'extensions.len', extension.len, 0xff, (padded + 2) >>> 2);
      out.set(content, at + 1);
      out.fill(0, at + 1 + content.length, at + 1 + padded);
      at += 1 + padded;
      out[at++] = uintOf('gtpu', 'extensions.next', extension.next, 0xff, extensions[i + 1]?.type ?? 0);
    }
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<GtpuFields> {
    need('gtpu', offset, GTPU_HEADER_LENGTH, end);
    const flags = bytes[offset + FLAGS] ?? 0;
    const type = bytes[offset + TYPE] ?? 0;
    const len = readU16(bytes, offset + LEN);
    const fields: GtpuFields = { flags, type, len, teid: readU32(bytes, offset + TEID) };
    const info: Record<string, unknown> = {
      version: flags >>> 5,
      pt: (flags >>> 4) & 1,
      e: (flags >>> 2) & 1,
      s: (flags >>> 1) & 1,
      pn: flags & 1,
      message: gtpuMessageName(type),
    };
    const check = !context.insideIcmpError;
    if (check && flags >>> 5 !== 1) {
      problem(
        context,
        offset + FLAGS,
        'bad-value',
        `version ${flags >>> 5} in flags 0x${hex8(flags)}, should be 1 for GTP-U`,
        { field: 'flags', expected: 'version 1', actual: flags },
      );
    }
    if (check && (flags & GTPU_FLAG.PT) === 0) {
      problem(
        context,
        offset + FLAGS,
        'bad-value',
        `PT bit 0 in flags 0x${hex8(flags)} means GTP', should be 1 for GTP`,
        { field: 'flags', expected: 'PT 1', actual: flags },
      );
    }
    let at = offset + GTPU_HEADER_LENGTH;
    if (flags & 0x07) {
      need('gtpu', at, GTPU_OPTIONAL_LENGTH, end, 'optional fields (E/S/PN set)');
      fields.seq = readU16(bytes, at);
      fields.npdu = bytes[at + 2]!;
      const nextExt = bytes[at + 3]!;
      fields.next_ext = nextExt;
      at += GTPU_OPTIONAL_LENGTH;
      const extensions: GtpuExtension[] = [];
      const parsed: Record<string, unknown>[] = [];
      if (flags & GTPU_FLAG.E) {
        let nextType = nextExt;
        while (nextType !== 0) {
          need('gtpu', at, 1, end, 'extension header length');
          const extLen = bytes[at]!;
          if (extLen === 0) {
            extensions.push({ type: nextType, len: 0 });
            parsed.push({ type: nextType, name: gtpuExtensionName(nextType), offset: at, len: 0 });
            problem(
              context,
              at,
              'malformed',
              `extension header 0x${hex8(nextType)} has length 0, must be at least 1`,
            );
            at += 1;
            break;
          }
          need('gtpu', at, extLen * 4, end, `extension header 0x${hex8(nextType)}`);
          const content = bytes.subarray(at + 1, at + extLen * 4 - 1);
          extensions.push({ type: nextType, len: extLen, content });
          parsed.push(describeExtension(nextType, extLen, content, at, context, info));
          at += extLen * 4;
          nextType = bytes[at - 1]!;
        }
      }
      fields.extensions = extensions;
      info.extensions = parsed;
    }
    const headerLength = at - offset;
    let contentEnd = offset + GTPU_HEADER_LENGTH + len;
    if (contentEnd > end) {
      if (check) {
        problem(
          context,
          offset + LEN,
          'bad-length',
          `length ${len} exceeds the ${end - offset - GTPU_HEADER_LENGTH} octets after the first 8, should be ${end - offset - GTPU_HEADER_LENGTH}`,
          {
            field: 'len',
            expected: end - offset - GTPU_HEADER_LENGTH,
            actual: len,
            bound: context.bound ?? 'bytes',
          },
        );
      }
      contentEnd = end;
    } else if (contentEnd < at && check) {
      problem(
        context,
        offset + LEN,
        'bad-length',
        `length ${len} does not cover the ${headerLength - GTPU_HEADER_LENGTH} octets of optional fields and extension headers`,
        { field: 'len', expected: `>= ${headerLength - GTPU_HEADER_LENGTH}`, actual: len },
      );
    }
    let next: DecodeStep<GtpuFields>['next'];
    if (type === GTPU_MESSAGE.gpdu) {
      if (at < contentEnd) {
        const first = bytes[at]!;
        if (first >= 0x45 && first <= 0x4e) next = 'ipv4';
        else if ((first & 0xf0) === 0x60) next = 'ipv6';
      }
    } else if (type !== GTPU_MESSAGE.endMarker && at < contentEnd) {
      info.ies = parseIes(bytes, at, contentEnd);
    }
    return { fields, headerLength, contentEnd, next, info };
  },

  summary(fields: GtpuFields, info?: Readonly<Record<string, unknown>>): string {
    let text = `${gtpuMessageName(fields.type ?? 255)}, TEID: 0x${(fields.teid ?? 0).toString(16).padStart(8, '0')}`;
    if (info?.qfi !== undefined) text += `, QFI: ${info.qfi}`;
    return text;
  },
};

/* ------------------------------------------------------------------------------------------------
 * Decode helpers (display only)
 * ---------------------------------------------------------------------------------------------- */

function describeExtension(
  type: number,
  len: number,
  content: Uint8Array,
  offset: number,
  context: DecodeContext,
  info: Record<string, unknown>,
): Record<string, unknown> {
  const entry: Record<string, unknown> = { type, name: gtpuExtensionName(type), offset, len };
  if (type === GTPU_EXTENSION.pduSessionContainer) {
    // A length of at least 1 (checked by the caller) leaves at least 2 content octets.
    const pduType = content[0]! >>> 4;
    entry.pdu_type = pduType;
    entry.qfi = content[1]! & 0x3f;
    if (pduType === 0) {
      entry.ppp = content[1]! >>> 7;
      entry.rqi = (content[1]! >>> 6) & 1;
      // The PPI octet follows only in a container long enough to hold it (length 2 or more).
      const ppiOctet = content[2];
      if (entry.ppp === 1 && ppiOctet !== undefined) entry.ppi = ppiOctet >>> 5;
      else if (entry.ppp === 1 && !context.insideIcmpError) {
        problem(
          context,
          offset,
          'bad-length',
          `PDU Session Container length ${len} has no room for the PPI that PPP 1 announces, should be at least 2`,
          { field: 'extensions', expected: '>= 2', actual: len },
        );
      }
    } else if (pduType !== 1 && !context.insideIcmpError) {
      problem(
        context,
        offset + 1,
        'bad-value',
        `unknown PDU Session Container PDU type ${pduType}, should be 0 (DL) or 1 (UL)`,
      );
    }
    if (info.qfi === undefined) {
      info.qfi = entry.qfi;
      info.pdu_type = pduType;
      if (entry.ppp !== undefined) info.ppp = entry.ppp;
      if (entry.rqi !== undefined) info.rqi = entry.rqi;
      if (entry.ppi !== undefined) info.ppi = entry.ppi;
    }
  } else if (type === GTPU_EXTENSION.udpPort) {
    if (len === 1) {
      entry.udp_port = readU16(content, 0);
      if (info.udp_port === undefined) info.udp_port = entry.udp_port;
    } else if (!context.insideIcmpError) {
      problem(context, offset, 'bad-length', `UDP Port extension header length ${len}, should be 1`);
    }
  } else if (type === GTPU_EXTENSION.pdcpPduNumber) {
    if (len === 1) entry.pdcp_sn = readU16(content, 0);
    else if (!context.insideIcmpError)
      problem(context, offset, 'bad-length', `PDCP PDU Number extension header length ${len}, should be 1`);
  } else if (type === GTPU_EXTENSION.longPdcpPduNumber) {
    if (len === 2) entry.long_pdcp_sn = ((content[0]! & 0x03) << 16) | readU16(content, 1);
    else if (!context.insideIcmpError) {
      problem(
        context,
        offset,
        'bad-length',
        `Long PDCP PDU Number extension header length ${len}, should be 2`,
      );
    }
  }
  return entry;
}

/** Parses IEs for display; stops at an unknown TV type or at an IE cut short. */
function parseIes(bytes: Uint8Array, start: number, end: number): Record<string, unknown>[] {
  const ies: Record<string, unknown>[] = [];
  let at = start;
  while (at < end) {
    const type = bytes[at]!;
    const name = IE_NAMES[type] ?? 'Unknown';
    if (type < 128) {
      const length = TV_LENGTHS[type];
      if (length === undefined || at + 1 + length > end) {
        ies.push({ type, name, offset: at, error: length === undefined ? 'unknown TV type' : 'truncated' });
        break;
      }
      const entry: Record<string, unknown> = { type, name, offset: at, length };
      if (type === 14) entry.recovery = bytes[at + 1]!;
      else if (type === 16) entry.teid_data = readU32(bytes, at + 1);
      ies.push(entry);
      at += 1 + length;
      continue;
    }
    // TS 29.281 §8.5: the Extension Header Type List has a 1-octet length; other TLVs a 2-octet one.
    const lengthOctets = type === 141 ? 1 : 2;
    if (at + 1 + lengthOctets > end) {
      ies.push({ type, name, offset: at, error: 'truncated' });
      break;
    }
    const length = lengthOctets === 1 ? bytes[at + 1]! : readU16(bytes, at + 1);
    const valueAt = at + 1 + lengthOctets;
    if (valueAt + length > end) {
      ies.push({ type, name, offset: at, length, error: 'truncated' });
      break;
    }
    const entry: Record<string, unknown> = { type, name, offset: at, length };
    if (type === 133) {
      if (length === 4) entry.address = formatIPv4(bytes, valueAt);
      else if (length === 16) entry.address = formatIPv6(bytes, valueAt);
    } else if (type === 141) {
      entry.types = Array.from(bytes.subarray(valueAt, valueAt + length));
    } else {
      entry.value = bytes.subarray(valueAt, valueAt + length);
    }
    ies.push(entry);
    at = valueAt + length;
  }
  return ies;
}

function hex8(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function problem(
  context: DecodeContext,
  offset: number,
  kind: 'bad-value' | 'bad-length' | 'malformed',
  message: string,
  detail: ProblemDetail = { field: 'extensions' },
): void {
  context.problems.push({ layer: 'gtpu', offset, kind, message, ...detail });
}

/** What `decode` gives as `info` for GTP-U. */
export interface GtpuInfo {
  /** The flag bits. */
  readonly version: number;
  readonly pt: number;
  readonly e: number;
  readonly s: number;
  readonly pn: number;
  /** The message type's name. */
  readonly message: string;
  /** The extension headers, parsed (when E, S or PN is set). */
  readonly extensions?: readonly Readonly<Record<string, unknown>>[];
  /** The first PDU Session Container's values. */
  readonly qfi?: number;
  readonly pdu_type?: number;
  readonly ppp?: number;
  readonly rqi?: number;
  readonly ppi?: number;
  /** The first UDP Port extension's port. */
  readonly udp_port?: number;
  /** Information elements of a signalling message (echo, error indication...). */
  readonly ies?: readonly Readonly<Record<string, unknown>>[];
}

/** The fields `decode` gives for GTP-U: the mandatory header, and the optional fields when E/S/PN is set. */
export type GtpuDecodedFields = GtpuFields & Required<Pick<GtpuFields, 'flags' | 'type' | 'len' | 'teid'>>;
