/**
 * Generic Routing Encapsulation (RFC 2784) with the key and sequence number extensions (RFC 2890),
 * over IP protocol 47 (IPv4 and IPv6).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|R|K|S|    Reserved0    | Ver |         Protocol Type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Checksum (optional)      |       Reserved1 (optional)    |   if C
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         Key (optional)                        |   if K
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Sequence Number (optional)                    |   if S
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * R is RFC 1701's routing-present bit (RFC 2784 reserves it: must be 0); `reserved0` is the 9 bits
 * after S (RFC 1701's strict source route, recursion control and flags).
 *
 * Which optional words are written follows what is given: the checksum word when `chksum` or
 * `reserved1` is given or `c=1` (the checksum is then computed in `finish`, RFC 1071 over the GRE
 * header and payload, unless `c=0` is set: then it is written as given, or 0), the key when `key` is given or `k=1`, the sequence number when `seq` is given
 * or `s=1`. The C, K and S bits left out say what is there; set, they are written as set, even when
 * wrong (`k=0` with a key writes the key and a clear K bit). Decode reads the bits, so the fields it
 * gives re-encode the same bytes. The payload follows the protocol type, an EtherType (IPv4, IPv6,
 * 0x6558 Ethernet for transparent bridging, MPLS 0x8847). A version other than 0 (1 is PPTP's
 * enhanced GRE, RFC 2637, not decoded) or R=1 is a problem and leaves the payload raw.
 */
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { checksumVerifies, internetChecksum } from '../core/checksum.js';
import { hex16, uintOf } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { encodeBindings } from './numbers.js';
import { at, defaultOf, defineSchema, type FieldPosition, maxOf, offsetOf, shiftIn } from './schema.js';

/** GRE fields; defaults, ranges and docs in `greSchema`. */
export interface GreFields {
  c?: number;
  r?: number;
  k?: number;
  s?: number;
  reserved0?: number;
  version?: number;
  proto?: number;
  chksum?: number;
  reserved1?: number;
  key?: number;
  seq?: number;
}

export type GreLayer = LayerValue<'gre', GreFields>;

export function gre(fields: GreFields = {}): GreLayer {
  return { layer: 'gre', fields };
}

const C_BIT = 0x80;
const K_BIT = 0x20;
const S_BIT = 0x10;

/** Where an optional word sits in the header given by its first byte, or why it is not there. */
function optionalWord(which: 'chksum' | 'reserved1' | 'key' | 'seq') {
  return (bytes: Uint8Array, header: number): FieldPosition | string => {
    const flags = bytes[header] ?? 0;
    const checksumWord = (flags & C_BIT) !== 0 ? 4 : 0;
    const keyWord = (flags & K_BIT) !== 0 ? 4 : 0;
    switch (which) {
      case 'chksum':
        return checksumWord ? at(4, 2) : 'no checksum in this header (C is 0)';
      case 'reserved1':
        return checksumWord ? at(6, 2) : 'no checksum word in this header (C is 0)';
      case 'key':
        return keyWord ? at(4 + checksumWord, 4) : 'no key in this header (K is 0): set key or k=1';
      case 'seq':
        return (flags & S_BIT) !== 0
          ? at(4 + checksumWord + keyWord, 4)
          : 'no sequence number in this header (S is 0): set seq or s=1';
    }
  };
}

export const greSchema = defineSchema<GreFields>({
  c: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 2, 1, 15),
    auto: '1 when chksum or reserved1 is given, else 0',
    tshark: 'gre.flags.checksum',
    doc: 'C: checksum present (c=1 alone: the checksum is computed)',
  },
  r: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2, 1, 14),
    default: 0,
    tshark: 'gre.flags.routing',
    doc: 'R: RFC 1701 routing present, reserved (0) by RFC 2784',
  },
  k: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 2, 1, 13),
    auto: '1 when key is given, else 0',
    tshark: 'gre.flags.key',
    doc: 'K: key present',
  },
  s: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 2, 1, 12),
    auto: '1 when seq is given, else 0',
    tshark: 'gre.flags.sequence_number',
    doc: 'S: sequence number present',
  },
  reserved0: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2, 9, 3),
    default: 0,
    doc: 'the 9 reserved bits after S',
  },
  version: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 2, 3, 0),
    default: 0,
    tshark: 'gre.flags.version',
    doc: 'version (0; 1 is PPTP, not decoded)',
  },
  proto: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    auto: 'from the next layer (0x6558 Ethernet, else its EtherType)',
    tshark: 'gre.proto',
    doc: 'protocol type of the payload (an EtherType)',
  },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    locate: optionalWord('chksum'),
    max: 0xffff,
    covers: 'layer',
    auto: 'computed (RFC 1071 over header and payload) when C is 1',
    tshark: 'gre.checksum',
    tsharkWhen: (fields) => Number(fields.c ?? 0) === 1,
    doc: 'checksum (sets C)',
  },
  reserved1: {
    kind: 'uint',
    role: 'value',
    locate: optionalWord('reserved1'),
    max: 0xffff,
    auto: '0 when C is 1',
    tshark: 'gre.offset',
    tsharkWhen: (fields) => Number(fields.c ?? 0) === 1,
    doc: 'reserved word after the checksum (sets C)',
  },
  key: {
    kind: 'uint',
    role: 'value',
    locate: optionalWord('key'),
    max: 0xffffffff,
    auto: 'none (0 when k=1)',
    perPacket: true,
    tshark: 'gre.key',
    tsharkWhen: (fields) => Number(fields.k ?? 0) === 1,
    doc: 'key (sets K)',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    locate: optionalWord('seq'),
    max: 0xffffffff,
    auto: 'none (0 when s=1)',
    perPacket: true,
    tshark: 'gre.sequence_number',
    tsharkWhen: (fields) => Number(fields.s ?? 0) === 1,
    doc: 'sequence number (sets S)',
  },
});

export const GRE_HEADER_LENGTH = 4;
const S = greSchema;
const FLAGS = offsetOf(S.c);
const C_SHIFT = shiftIn(S.c, FLAGS, 2);
const R_SHIFT = shiftIn(S.r, FLAGS, 2);
const K_SHIFT = shiftIn(S.k, FLAGS, 2);
const S_SHIFT = shiftIn(S.s, FLAGS, 2);
const RESERVED0_SHIFT = shiftIn(S.reserved0, FLAGS, 2);
const RESERVED0_MAX = maxOf(S.reserved0);
const VERSION_MAX = maxOf(S.version);
const PROTO = offsetOf(S.proto);
/** RFC 2784 §2.3: bits 4 and 5 (the top two of reserved0) non-zero means "discard" (unless RFC 1701). */
const RESERVED0_MUST_BE_ZERO = 0x180;
const GRE_NEXT = encodeBindings('gre');

function hasChecksumWord(fields: GreFields): boolean {
  return fields.chksum !== undefined || fields.reserved1 !== undefined || fields.c === 1;
}
function hasKey(fields: GreFields): boolean {
  return fields.key !== undefined || fields.k === 1;
}
function hasSeq(fields: GreFields): boolean {
  return fields.seq !== undefined || fields.s === 1;
}

export const greCodec: LayerCodec<GreFields> = {
  name: 'gre',
  title: 'Generic Routing Encapsulation',
  schema: greSchema,

  headerLength(fields: GreFields): number {
    return (
      GRE_HEADER_LENGTH +
      (hasChecksumWord(fields) ? 4 : 0) +
      (hasKey(fields) ? 4 : 0) +
      (hasSeq(fields) ? 4 : 0)
    );
  },

  encode(fields: GreFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const checksumWord = hasChecksumWord(fields);
    const key = hasKey(fields);
    const seq = hasSeq(fields);
    const c = uintOf('gre', 'c', fields.c, 1, checksumWord ? 1 : 0);
    const r = uintOf('gre', 'r', fields.r, 1, defaultOf(S.r));
    const k = uintOf('gre', 'k', fields.k, 1, key ? 1 : 0);
    const s = uintOf('gre', 's', fields.s, 1, seq ? 1 : 0);
    const reserved0 = uintOf('gre', 'reserved0', fields.reserved0, RESERVED0_MAX, defaultOf(S.reserved0));
    const version = uintOf('gre', 'version', fields.version, VERSION_MAX, defaultOf(S.version));
    const next = frame.layers[frame.index + 1];
    const proto = uintOf(
      'gre',
      'proto',
      fields.proto,
      maxOf(S.proto),
      next === undefined ? 0 : (GRE_NEXT.get(next.layer)?.value ?? 0),
    );
    writeU16(
      out,
      offset + FLAGS,
      (c << C_SHIFT) |
        (r << R_SHIFT) |
        (k << K_SHIFT) |
        (s << S_SHIFT) |
        (reserved0 << RESERVED0_SHIFT) |
        version,
    );
    writeU16(out, offset + PROTO, proto);
    let at = offset + GRE_HEADER_LENGTH;
    if (checksumWord) {
      // The checksum is written in finish (computed over the finished payload) unless given.
      writeU16(out, at, uintOf('gre', 'chksum', fields.chksum, 0xffff, 0));
      writeU16(out, at + 2, uintOf('gre', 'reserved1', fields.reserved1, 0xffff, 0));
      at += 4;
    }
    if (key) {
      writeU32(out, at, uintOf('gre', 'key', fields.key, 0xffffffff, 0));
      at += 4;
    }
    if (seq) writeU32(out, at, uintOf('gre', 'seq', fields.seq, 0xffffffff, 0));
  },

  finish(fields: GreFields, frame: EncodeFrame): void {
    // c=0 set on purpose with the word present: the word stays as given (0), as the template does.
    if (fields.chksum !== undefined || fields.c === 0 || !hasChecksumWord(fields)) return;
    const { out, offset } = frame;
    writeU16(out, offset + GRE_HEADER_LENGTH, 0);
    writeU16(out, offset + GRE_HEADER_LENGTH, internetChecksum(out, offset, frame.end));
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<GreFields> {
    need('gre', offset, GRE_HEADER_LENGTH, end);
    const word = readU16(bytes, offset + FLAGS);
    const c = (word >>> C_SHIFT) & 1;
    const r = (word >>> R_SHIFT) & 1;
    const k = (word >>> K_SHIFT) & 1;
    const s = (word >>> S_SHIFT) & 1;
    const reserved0 = (word >>> RESERVED0_SHIFT) & RESERVED0_MAX;
    const version = word & VERSION_MAX;
    const proto = readU16(bytes, offset + PROTO);
    const headerLength = GRE_HEADER_LENGTH + 4 * (c + k + s);
    need('gre', offset, headerLength, end, 'optional fields');
    const fields: GreFields = { c, r, k, s, reserved0, version, proto };
    let at = offset + GRE_HEADER_LENGTH;
    let checksum: GreChecksumStatus = 'none';
    if (c) {
      fields.chksum = readU16(bytes, at);
      fields.reserved1 = readU16(bytes, at + 2);
      at += 4;
      if (context.insideIcmpError) checksum = 'unverified';
      else {
        // RFC 2784 §2.5: the one's complement sum over header and payload with the field as 0.
        const good = checksumVerifies(bytes, offset, end);
        const computed = internetChecksum(bytes, offset, end, ~fields.chksum & 0xffff);
        checksum = good ? 'good' : 'bad';
        if (!good) {
          context.problems.push({
            layer: 'gre',
            offset: offset + GRE_HEADER_LENGTH,
            kind: 'bad-checksum',
            message: `checksum ${hex16(fields.chksum)}, should be ${hex16(computed)}`,
            field: 'chksum',
            expected: computed,
            actual: fields.chksum,
          });
        }
      }
    }
    if (k) {
      fields.key = readU32(bytes, at);
      at += 4;
    }
    if (s) fields.seq = readU32(bytes, at);
    const problem = (field: string, message: string, expected: number, actual: number): void => {
      context.problems.push({
        layer: 'gre',
        offset: offset + FLAGS,
        kind: 'bad-value',
        message,
        field,
        expected,
        actual,
      });
    };
    if (version !== 0) problem('version', `version ${version}, should be 0 (RFC 2784)`, 0, version);
    if (r !== 0) problem('r', 'R (routing present, RFC 1701) is set; RFC 2784 reserves it', 0, r);
    if ((reserved0 & RESERVED0_MUST_BE_ZERO) !== 0)
      problem(
        'reserved0',
        `reserved0 0x${reserved0.toString(16)}: its first two bits must be 0 (RFC 2784)`,
        0,
        reserved0,
      );
    const next =
      version === 0 && r === 0 && end > offset + headerLength
        ? context.bindings.etherType.get(proto)
        : undefined;
    return { fields, headerLength, contentEnd: end, next, info: { checksum } };
  },

  summary(fields: GreFields): string {
    const parts = [
      `Flags: 0x${(((fields.c ?? 0) << 15) | ((fields.k ?? 0) << 13) | ((fields.s ?? 0) << 12)).toString(16).padStart(4, '0')}`,
    ];
    parts.push(`Protocol Type: ${hex16(fields.proto ?? 0)}`);
    if (fields.key !== undefined) parts.push(`Key: 0x${fields.key.toString(16).padStart(8, '0')}`);
    if (fields.seq !== undefined) parts.push(`Seq: ${fields.seq}`);
    return parts.join(', ');
  },
};

/** The GRE checksum: 'none' without C, 'unverified' inside an ICMP error's quote. */
export type GreChecksumStatus = 'good' | 'bad' | 'none' | 'unverified';

/** What `decode` gives as `info` for GRE: the checksum status. */
export interface GreInfo {
  readonly checksum: GreChecksumStatus;
}

/** The fields `decode` gives for GRE: the first word always; the optional words when their bit is set. */
export type GreDecodedFields = Required<Omit<GreFields, 'chksum' | 'reserved1' | 'key' | 'seq'>> &
  Pick<GreFields, 'chksum' | 'reserved1' | 'key' | 'seq'>;
