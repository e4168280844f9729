/**
 * VXLAN (RFC 7348), with the Group Based Policy extension's field names (draft-smith-vxlan-group-policy).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |G|R|R|R|I|R|R|R|R|D|R|R|A|R|R|R|        Group Policy ID        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          VXLAN Network Identifier (VNI)       |   Reserved    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   inner Ethernet frame (no FCS) ...
 *
 * RFC 7348 has 8 flag bits (only I = 0x08 used) and 24 reserved bits before the VNI; Wireshark shows
 * the first two octets as `vxlan.flags` (I = 0x0800, G = 0x8000, D = 0x0040, A = 0x0008) and the
 * next two as `vxlan.gbp`. Every bit is kept byte-exact. The payload is always an Ethernet frame.
 * Decoding a header without the I flag reports a bad-value problem but still decodes the inner frame.
 */
import { need, readU16, readU24, writeU16, writeU24 } from '../core/bytes.js';
import { hex16, uintOf } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf } from './schema.js';

/** VXLAN header fields; defaults, ranges and docs in `vxlanSchema`. */
export interface VxlanFields {
  flags?: number;
  gbp?: number;
  vni?: number;
  reserved?: number;
}

export type VxlanLayer = LayerValue<'vxlan', VxlanFields>;

export function vxlan(fields: VxlanFields = {}): VxlanLayer {
  return { layer: 'vxlan', fields };
}

export const VXLAN_HEADER_LENGTH = 8;
export const VXLAN_FLAG_I = 0x0800;
export const VXLAN_FLAG_G = 0x8000;

const FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['G', 0x8000],
  ['I', 0x0800],
  ['D', 0x0040],
  ['A', 0x0008],
];

/** Parses VXLAN flag names ("I", "G+I") to the 16-bit flags value. */
export function parseVxlanFlags(text: string): number | undefined {
  let value = 0;
  for (const name of text.split(/[+|,]/)) {
    const bit = FLAG_NAMES.find(([flag]) => flag === name.trim().toUpperCase());
    if (!bit) return undefined;
    value |= bit[1];
  }
  return value;
}

export const vxlanSchema = defineSchema<VxlanFields>({
  flags: {
    kind: 'flags',
    role: 'value',
    at: at(0, 2),
    default: VXLAN_FLAG_I,
    tshark: 'vxlan.flags',
    doc: 'flags, 16 bits (0x0800 = I); names G, I, D, A joined with +',
    parseFlags: parseVxlanFlags,
  },
  gbp: { kind: 'uint', role: 'value', at: at(2, 2), default: 0, doc: 'group policy ID / reserved, 16 bits' },
  vni: {
    kind: 'uint',
    role: 'value',
    at: at(4, 3),
    default: 0,
    perPacket: true,
    tshark: 'vxlan.vni',
    doc: 'VXLAN network identifier, 24 bits',
  },
  reserved: { kind: 'uint', role: 'value', at: at(7, 1), default: 0, doc: 'last reserved octet' },
});

const S = vxlanSchema;
const FLAGS = offsetOf(S.flags);
const GBP = offsetOf(S.gbp);
const VNI = offsetOf(S.vni);
const RESERVED = offsetOf(S.reserved);
const [FLAGS_MAX, GBP_MAX, VNI_MAX, RESERVED_MAX] = [
  maxOf(S.flags),
  maxOf(S.gbp),
  maxOf(S.vni),
  maxOf(S.reserved),
];
const [FLAGS_DEFAULT, GBP_DEFAULT, VNI_DEFAULT, RESERVED_DEFAULT] = [
  defaultOf(S.flags),
  defaultOf(S.gbp),
  defaultOf(S.vni),
  defaultOf(S.reserved),
];

export const vxlanCodec: LayerCodec<VxlanFields> = {
  name: 'vxlan',
  title: 'Virtual eXtensible Local Area Network',
  schema: vxlanSchema,

  headerLength(): number {
    return VXLAN_HEADER_LENGTH;
  },

  encode(fields: VxlanFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    writeU16(out, offset + FLAGS, uintOf('vxlan', 'flags', fields.flags, FLAGS_MAX, FLAGS_DEFAULT));
    writeU16(out, offset + GBP, uintOf('vxlan', 'gbp', fields.gbp, GBP_MAX, GBP_DEFAULT));
    writeU24(out, offset + VNI, uintOf('vxlan', 'vni', fields.vni, VNI_MAX, VNI_DEFAULT));
    out[offset + RESERVED] = uintOf('vxlan', 'reserved', fields.reserved, RESERVED_MAX, RESERVED_DEFAULT);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<VxlanFields> {
    need('vxlan', offset, VXLAN_HEADER_LENGTH, end);
    const flags = readU16(bytes, offset + FLAGS);
    const fields: VxlanFields = {
      flags,
      gbp: readU16(bytes, offset + GBP),
      vni: readU24(bytes, offset + VNI),
      reserved: bytes[offset + RESERVED] ?? 0,
    };
    if ((flags & VXLAN_FLAG_I) === 0) {
      context.problems.push({
        layer: 'vxlan',
        offset: offset + FLAGS,
        kind: 'bad-value',
        message: `I flag not set in flags ${hex16(flags)}, should be set (0x0800): the VNI is not marked valid`,
        field: 'flags',
        expected: 'I set',
        actual: flags,
      });
    }
    const names = FLAG_NAMES.filter(([, bit]) => flags & bit).map(([name]) => name);
    return {
      fields,
      headerLength: VXLAN_HEADER_LENGTH,
      contentEnd: end,
      next: end > offset + VXLAN_HEADER_LENGTH ? 'ether' : undefined,
      info: { flagNames: names, vniValid: (flags & VXLAN_FLAG_I) !== 0 },
    };
  },

  summary(fields: VxlanFields): string {
    return `Flags: ${hex16(fields.flags ?? VXLAN_FLAG_I)}, VNI: ${fields.vni ?? 0}`;
  },
};

/** What `decode` gives as `info` for VXLAN. */
export interface VxlanInfo {
  readonly flagNames: readonly string[];
  /** The I flag: the VNI is marked valid. */
  readonly vniValid: boolean;
}

/** The fields `decode` gives for VXLAN: every header field. */
export type VxlanDecodedFields = VxlanFields &
  Required<Pick<VxlanFields, 'flags' | 'gbp' | 'vni' | 'reserved'>>;
