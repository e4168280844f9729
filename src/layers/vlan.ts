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

export interface Dot1qFields {
  /** Priority code point, 3 bits; default 0. */
  pcp?: number;
  /** Drop eligible indicator (formerly CFI), 1 bit; default 0. */
  dei?: number;
  /** VLAN identifier, 12 bits; default 1. */
  vlan?: number;
  /** EtherType of what follows the tag; default from the next layer. */
  type?: number;
}

export type Dot1qLayer = LayerValue<'dot1q', Dot1qFields>;

export function dot1q(fields: Dot1qFields = {}): Dot1qLayer {
  return { layer: 'dot1q', fields };
}

export const DOT1Q_HEADER_LENGTH = 4;

export const dot1qCodec: LayerCodec<Dot1qFields> = {
  name: 'dot1q',
  title: '802.1Q Virtual LAN',
  fieldInfo: {
    pcp: { kind: 'uint', max: 7, doc: 'priority code point (default 0)' },
    dei: { kind: 'uint', max: 1, doc: 'drop eligible indicator (default 0)' },
    vlan: { kind: 'uint', max: 0xfff, doc: 'VLAN ID (default 1)' },
    type: { kind: 'uint', max: 0xffff, doc: 'EtherType after the tag (default from the next layer)' },
  },

  headerLength(): number {
    return DOT1Q_HEADER_LENGTH;
  },

  encode(fields: Dot1qFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const pcp = uintOf('dot1q', 'pcp', fields.pcp, 7, 0);
    const dei = uintOf('dot1q', 'dei', fields.dei, 1, 0);
    const vlan = uintOf('dot1q', 'vlan', fields.vlan, 0xfff, 1);
    const type = uintOf(
      'dot1q',
      'type',
      fields.type,
      0xffff,
      etherTypeFor(frame.layers, frame.index + 1) ?? 0,
    );
    writeU16(out, offset, (pcp << 13) | (dei << 12) | vlan);
    writeU16(out, offset + 2, type);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Dot1qFields> {
    need('dot1q', offset, DOT1Q_HEADER_LENGTH, end);
    const tci = readU16(bytes, offset);
    const type = readU16(bytes, offset + 2);
    return {
      fields: { pcp: tci >>> 13, dei: (tci >>> 12) & 1, vlan: tci & 0xfff, type },
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
