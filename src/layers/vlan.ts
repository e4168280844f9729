/**
 * IEEE 802.1Q VLAN tag (C-tag) and 802.1ad service tag (S-tag), stacked to any depth (QinQ).
 *
 * The TPID (0x8100, or 0x88a8 for the outer of stacked tags) is the EtherType written by the layer
 * before (Ethernet or an outer tag); this layer is the 4 bytes after it:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | PCP |D|         VLAN ID       |     EtherType (after the tag) |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        DEI
 *
 * `type` left out is taken from the next layer like Ethernet's (IPv4, IPv6, ARP, another tag).
 * Defaults are Scapy's Dot1Q: vlan 1, pcp 0, dei 0.
 */
import { need, readU16, writeU16 } from '../core/bytes.js';
import { uintOf } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { etherTypeFor } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, shiftIn } from './schema.js';

export interface Dot1qFields {
  /** Priority code point; defaults, ranges and docs in `dot1qSchema`. */
  pcp?: number;
  dei?: number;
  vlan?: number;
  type?: number;
}

export type Dot1qLayer = LayerValue<'dot1q', Dot1qFields>;

export function dot1q(fields: Dot1qFields = {}): Dot1qLayer {
  return { layer: 'dot1q', fields };
}

export const dot1qSchema = defineSchema<Dot1qFields>({
  pcp: {
    kind: 'uint',
    role: 'value',
    at: at(0, 1, 3, 5),
    default: 0,
    perPacket: true,
    tshark: 'vlan.priority',
    doc: 'priority code point',
  },
  dei: {
    kind: 'uint',
    role: 'value',
    at: at(0, 1, 1, 4),
    default: 0,
    perPacket: true,
    tshark: 'vlan.dei',
    doc: 'drop eligible indicator (formerly CFI)',
  },
  vlan: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2, 12),
    default: 1,
    perPacket: true,
    tshark: 'vlan.id',
    doc: 'VLAN ID',
  },
  type: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    auto: 'from the next layer',
    tshark: 'vlan.etype',
    doc: 'EtherType after the tag',
  },
});

export const DOT1Q_HEADER_LENGTH = 4;
const S = dot1qSchema;
const TCI = offsetOf(S.vlan);
const TYPE = offsetOf(S.type);
const [PCP_SHIFT, DEI_SHIFT] = [shiftIn(S.pcp, TCI, 2), shiftIn(S.dei, TCI, 2)];
const [PCP_MAX, DEI_MAX, VLAN_MAX, TYPE_MAX] = [maxOf(S.pcp), maxOf(S.dei), maxOf(S.vlan), maxOf(S.type)];
const [PCP_DEFAULT, DEI_DEFAULT, VLAN_DEFAULT] = [defaultOf(S.pcp), defaultOf(S.dei), defaultOf(S.vlan)];

export const dot1qCodec: LayerCodec<Dot1qFields> = {
  name: 'dot1q',
  tsharkProtocol: 'vlan',
  title: '802.1Q Virtual LAN',
  schema: dot1qSchema,

  headerLength(): number {
    return DOT1Q_HEADER_LENGTH;
  },

  encode(fields: Dot1qFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const pcp = uintOf('dot1q', 'pcp', fields.pcp, PCP_MAX, PCP_DEFAULT);
    const dei = uintOf('dot1q', 'dei', fields.dei, DEI_MAX, DEI_DEFAULT);
    const vlan = uintOf('dot1q', 'vlan', fields.vlan, VLAN_MAX, VLAN_DEFAULT);
    const type = uintOf(
      'dot1q',
      'type',
      fields.type,
      TYPE_MAX,
      etherTypeFor(frame.layers, frame.index + 1) ?? 0,
    );
    writeU16(out, offset + TCI, (pcp << PCP_SHIFT) | (dei << DEI_SHIFT) | vlan);
    writeU16(out, offset + TYPE, type);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Dot1qFields> {
    need('dot1q', offset, DOT1Q_HEADER_LENGTH, end);
    const tci = readU16(bytes, offset + TCI);
    const type = readU16(bytes, offset + TYPE);
    return {
      fields: { pcp: tci >>> PCP_SHIFT, dei: (tci >>> DEI_SHIFT) & DEI_MAX, vlan: tci & VLAN_MAX, type },
      headerLength: DOT1Q_HEADER_LENGTH,
      contentEnd: end,
      next: context.bindings.etherType.get(type),
    };
  },

  summary(fields: Dot1qFields): string {
    return `PRI: ${fields.pcp ?? 0}, DEI: ${fields.dei ?? 0}, ID: ${fields.vlan ?? 1}, Type: 0x${(fields.type ?? 0).toString(16).padStart(4, '0')}`;
  },
};

/** The fields `decode` gives for 802.1Q: every header field. */
export type Dot1qDecodedFields = Required<Dot1qFields>;
