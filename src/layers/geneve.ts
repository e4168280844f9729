/**
 * Geneve (RFC 8926), with the field names of Scapy's `scapy.contrib.geneve`.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |        Virtual Network Identifier (VNI)       |    Reserved   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Variable-Length Options                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The options (class 16, type 8, 3 reserved bits, length 5 bits in 4-octet units, data) are kept
 * byte-exact as `options`, padded with zeros to 4 octets; `info.options` lists them parsed. The
 * payload follows the protocol type (an EtherType; 0x6558 is an Ethernet frame), as the bindings
 * declare it; a version other than 0 is a problem and the payload is left as raw bytes.
 */
import { need, readU16, readU24, writeU16, writeU24 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, hex16, uintOf } from './field-check.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { encodeBindings } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, shiftIn } from './schema.js';

/** Geneve fields; defaults, ranges and docs in `geneveSchema`. */
export interface GeneveFields {
  version?: number;
  optionlen?: number;
  oam?: number;
  critical?: number;
  reserved?: number;
  proto?: number;
  vni?: number;
  reserved2?: number;
  options?: BytesValue;
}

export type GeneveLayer = LayerValue<'geneve', GeneveFields>;

export function geneve(fields: GeneveFields = {}): GeneveLayer {
  return { layer: 'geneve', fields };
}

export const geneveSchema = defineSchema<GeneveFields>({
  version: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 2, 6),
    default: 0,
    tshark: 'geneve.version',
    doc: 'version',
  },
  optionlen: {
    kind: 'uint',
    role: 'length',
    at: at(0, 1, 6, 0),
    auto: 'computed from options',
    doc: 'length of the options in 4-octet units',
  },
  oam: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1, 1, 7),
    default: 0,
    tshark: 'geneve.flags.oam',
    doc: 'O: OAM packet',
  },
  critical: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1, 1, 6),
    default: 0,
    tshark: 'geneve.flags.critical',
    doc: 'C: critical options present',
  },
  reserved: {
    kind: 'uint',
    role: 'value',
    at: at(1, 1, 6, 0),
    default: 0,
    doc: 'the 6 reserved bits after O and C',
  },
  proto: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    auto: 'from the next layer (0x6558 Ethernet, else its EtherType)',
    tshark: 'geneve.proto_type',
    doc: 'protocol type of the payload (an EtherType)',
  },
  vni: {
    kind: 'uint',
    role: 'value',
    at: at(4, 3),
    default: 0,
    perPacket: true,
    tshark: 'geneve.vni',
    doc: 'virtual network identifier, 24 bits',
  },
  reserved2: {
    kind: 'uint',
    role: 'value',
    at: at(7, 1),
    default: 0,
    tshark: 'geneve.reserved',
    doc: 'last reserved octet',
  },
  options: {
    kind: 'bytes',
    role: 'shape',
    auto: 'none',
    doc: 'option TLVs (class, type, length, data), byte-exact, padded with zeros to 4 octets',
  },
});

export const GENEVE_HEADER_LENGTH = 8;
const S = geneveSchema;
const FIRST = offsetOf(S.version);
const VERSION_SHIFT = shiftIn(S.version, FIRST, 1);
const OPTIONLEN_MAX = maxOf(S.optionlen);
const FLAGS = offsetOf(S.oam);
const OAM_SHIFT = shiftIn(S.oam, FLAGS, 1);
const CRITICAL_SHIFT = shiftIn(S.critical, FLAGS, 1);
const RESERVED_MAX = maxOf(S.reserved);
const PROTO = offsetOf(S.proto);
const VNI = offsetOf(S.vni);
const RESERVED2 = offsetOf(S.reserved2);
const GENEVE_NEXT = encodeBindings('geneve');
const NO_OPTIONS = new Uint8Array(0);

/** One option TLV as parsed for display. */
export interface GeneveOption {
  readonly class: number;
  readonly type: number;
  /** Data length in bytes (the length field × 4). */
  readonly length: number;
  readonly data: Uint8Array;
}

function optionsOf(fields: GeneveFields): Uint8Array {
  return fields.options === undefined ? NO_OPTIONS : bytesField('geneve', 'options', fields.options);
}

export const geneveCodec: LayerCodec<GeneveFields> = {
  name: 'geneve',
  title: 'Generic Network Virtualization Encapsulation',
  schema: geneveSchema,

  headerLength(fields: GeneveFields): number {
    const length = (optionsOf(fields).length + 3) & ~3;
    if (length > OPTIONLEN_MAX * 4)
      throw new FieldError('geneve', 'options', `${length} bytes of options, at most ${OPTIONLEN_MAX * 4}`);
    return GENEVE_HEADER_LENGTH + length;
  },

  encode(fields: GeneveFields, frame: EncodeFrame): void {
    const { out, offset, headerLength } = frame;
    const version = uintOf('geneve', 'version', fields.version, maxOf(S.version), defaultOf(S.version));
    const optionlen = uintOf(
      'geneve',
      'optionlen',
      fields.optionlen,
      OPTIONLEN_MAX,
      (headerLength - GENEVE_HEADER_LENGTH) >>> 2,
    );
    const oam = uintOf('geneve', 'oam', fields.oam, maxOf(S.oam), defaultOf(S.oam));
    const critical = uintOf('geneve', 'critical', fields.critical, maxOf(S.critical), defaultOf(S.critical));
    const reserved = uintOf('geneve', 'reserved', fields.reserved, RESERVED_MAX, defaultOf(S.reserved));
    const next = frame.layers[frame.index + 1];
    const proto = uintOf(
      'geneve',
      'proto',
      fields.proto,
      maxOf(S.proto),
      next === undefined ? 0 : (GENEVE_NEXT.get(next.layer)?.value ?? 0),
    );
    out[offset + FIRST] = (version << VERSION_SHIFT) | optionlen;
    out[offset + FLAGS] = (oam << OAM_SHIFT) | (critical << CRITICAL_SHIFT) | reserved;
    writeU16(out, offset + PROTO, proto);
    writeU24(out, offset + VNI, uintOf('geneve', 'vni', fields.vni, maxOf(S.vni), defaultOf(S.vni)));
    out[offset + RESERVED2] = uintOf(
      'geneve',
      'reserved2',
      fields.reserved2,
      maxOf(S.reserved2),
      defaultOf(S.reserved2),
    );
    const options = optionsOf(fields);
    out.set(options, offset + GENEVE_HEADER_LENGTH);
    out.fill(0, offset + GENEVE_HEADER_LENGTH + options.length, offset + headerLength);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<GeneveFields> {
    need('geneve', offset, GENEVE_HEADER_LENGTH, end);
    const first = bytes[offset + FIRST] ?? 0;
    const flags = bytes[offset + FLAGS] ?? 0;
    const version = first >>> VERSION_SHIFT;
    const optionlen = first & OPTIONLEN_MAX;
    const headerLength = GENEVE_HEADER_LENGTH + 4 * optionlen;
    need('geneve', offset, headerLength, end, 'options');
    const proto = readU16(bytes, offset + PROTO);
    const options =
      optionlen === 0 ? NO_OPTIONS : bytes.subarray(offset + GENEVE_HEADER_LENGTH, offset + headerLength);
    const parsed = parseGeneveOptions(options);
    if (parsed.malformed) {
      context.problems.push({
        layer: 'geneve',
        offset: offset + GENEVE_HEADER_LENGTH,
        kind: 'malformed',
        message: 'an option runs past the end of the options',
        field: 'options',
      });
    }
    if (version !== 0) {
      context.problems.push({
        layer: 'geneve',
        offset: offset + FIRST,
        kind: 'bad-value',
        message: `version ${version}, should be 0`,
        field: 'version',
        expected: 0,
        actual: version,
      });
    }
    const next =
      version === 0 && end > offset + headerLength ? context.bindings.etherType.get(proto) : undefined;
    return {
      fields: {
        version,
        optionlen,
        oam: (flags >>> OAM_SHIFT) & 1,
        critical: (flags >>> CRITICAL_SHIFT) & 1,
        reserved: flags & RESERVED_MAX,
        proto,
        vni: readU24(bytes, offset + VNI),
        reserved2: bytes[offset + RESERVED2] ?? 0,
        options,
      },
      headerLength,
      contentEnd: end,
      next,
      info: { options: parsed.options },
    };
  },

  summary(fields: GeneveFields): string {
    return `VNI: ${fields.vni ?? 0}, Protocol Type: ${hex16(fields.proto ?? 0)}, Options: ${4 * (fields.optionlen ?? 0)} bytes`;
  },
};

/** The option TLVs in `options`; `malformed` when the last one runs past the end. */
export function parseGeneveOptions(options: Uint8Array): { options: GeneveOption[]; malformed: boolean } {
  const list: GeneveOption[] = [];
  let at = 0;
  while (at < options.length) {
    if (at + 4 > options.length) return { options: list, malformed: true };
    const length = 4 * ((options[at + 3] ?? 0) & 0x1f);
    if (at + 4 + length > options.length) return { options: list, malformed: true };
    list.push({
      class: readU16(options, at),
      type: options[at + 2] ?? 0,
      length,
      data: options.subarray(at + 4, at + 4 + length),
    });
    at += 4 + length;
  }
  return { options: list, malformed: false };
}

/** What `decode` gives as `info` for Geneve: the option TLVs parsed. */
export interface GeneveInfo {
  readonly options: readonly GeneveOption[];
}

/** The fields `decode` gives for Geneve: every header field, the options as bytes. */
export type GeneveDecodedFields = Required<Omit<GeneveFields, 'options'>> & { options: Uint8Array };
