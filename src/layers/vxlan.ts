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

export interface VxlanFields {
  /** The first 16 bits of flags; default 0x0800 (I: the VNI is valid). */
  flags?: number;
  /** Group Policy ID (reserved in RFC 7348), 16 bits; default 0. */
  gbp?: number;
  /** VXLAN Network Identifier, 24 bits; default 0. */
  vni?: number;
  /** The last reserved octet; default 0. */
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

export const vxlanCodec: LayerCodec<VxlanFields> = {
  name: 'vxlan',
  title: 'Virtual eXtensible Local Area Network',
  fieldInfo: {
    flags: {
      kind: 'flags',
      max: 0xffff,
      doc: 'flags, 16 bits (default 0x0800 = I); names G, I, D, A joined with +',
      parseFlags: parseVxlanFlags,
    },
    gbp: { kind: 'uint', max: 0xffff, doc: 'group policy ID / reserved, 16 bits (default 0)' },
    vni: { kind: 'uint', max: 0xffffff, doc: 'VXLAN network identifier, 24 bits (default 0)' },
    reserved: { kind: 'uint', max: 0xff, doc: 'last reserved octet (default 0)' },
  },

  headerLength(): number {
    return VXLAN_HEADER_LENGTH;
  },

  encode(fields: VxlanFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    writeU16(out, offset, uintOf('vxlan', 'flags', fields.flags, 0xffff, VXLAN_FLAG_I));
    writeU16(out, offset + 2, uintOf('vxlan', 'gbp', fields.gbp, 0xffff, 0));
    writeU24(out, offset + 4, uintOf('vxlan', 'vni', fields.vni, 0xffffff, 0));
    out[offset + 7] = uintOf('vxlan', 'reserved', fields.reserved, 0xff, 0);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<VxlanFields> {
    need('vxlan', offset, VXLAN_HEADER_LENGTH, end);
    const flags = readU16(bytes, offset);
    const fields: VxlanFields = {
      flags,
      gbp: readU16(bytes, offset + 2),
      vni: readU24(bytes, offset + 4),
      reserved: bytes[offset + 7]!,
    };
    if ((flags & VXLAN_FLAG_I) === 0) {
      context.problems.push({
        layer: 'vxlan',
        offset,
        kind: 'bad-value',
        message: `I flag not set in flags ${hex16(flags)}, should be set (0x0800): the VNI is not marked valid`,
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
