/**
 * Ethernet II (IEEE 802.3 with an EtherType, no FCS).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination MAC (6 octets)                   |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                     Source MAC (6 octets)                     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           EtherType           |   payload ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `type` left out is taken from the next layer (IPv4 0x0800, IPv6 0x86dd, ARP 0x0806, 802.1Q 0x8100,
 * the outer of stacked tags 0x88a8); with no known next layer it is 0x0000... unless set.
 */
import { formatMac, writeMac } from '../core/address.js';
import { need, readU16, writeU16 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { etherTypeFor } from './numbers.js';

export interface EtherFields {
  /** Destination MAC; default 02:00:00:00:00:02. */
  dst?: string;
  /** Source MAC; default 02:00:00:00:00:01. */
  src?: string;
  /** EtherType; default from the next layer. */
  type?: number;
}

export type EtherLayer = LayerValue<'ether', EtherFields>;

export function ether(fields: EtherFields = {}): EtherLayer {
  return { layer: 'ether', fields };
}

export const ETHER_HEADER_LENGTH = 14;

export const etherCodec: LayerCodec<EtherFields> = {
  name: 'ether',
  title: 'Ethernet II',
  fieldInfo: {
    dst: { kind: 'mac', doc: 'destination MAC (default 02:00:00:00:00:02)' },
    src: { kind: 'mac', doc: 'source MAC (default 02:00:00:00:00:01)' },
    type: { kind: 'uint', max: 0xffff, doc: 'EtherType (default from the next layer)' },
  },

  headerLength(): number {
    return ETHER_HEADER_LENGTH;
  },

  encode(fields: EtherFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    try {
      writeMac(fields.dst ?? '02:00:00:00:00:02', out, offset);
      writeMac(fields.src ?? '02:00:00:00:00:01', out, offset + 6);
    } catch (error) {
      throw new FieldError(
        'ether',
        fields.dst !== undefined && !isMacLike(fields.dst) ? 'dst' : 'src',
        (error as Error).message,
      );
    }
    writeU16(out, offset + 12, fields.type ?? etherTypeFor(frame.layers, frame.index + 1) ?? 0);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<EtherFields> {
    need('ether', offset, ETHER_HEADER_LENGTH, end);
    const type = readU16(bytes, offset + 12);
    return {
      fields: { dst: formatMac(bytes, offset), src: formatMac(bytes, offset + 6), type },
      headerLength: ETHER_HEADER_LENGTH,
      contentEnd: end,
      next: context.bindings.etherType.get(type),
    };
  },

  summary(fields: EtherFields): string {
    return `Src: ${fields.src}, Dst: ${fields.dst}, Type: 0x${(fields.type ?? 0).toString(16).padStart(4, '0')}`;
  },
};

function isMacLike(text: string): boolean {
  return /^([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}$/.test(text);
}
