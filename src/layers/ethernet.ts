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
 * `src`/`dst` are text or the 6 address bytes (a Uint8Array, like gopacket's net.HardwareAddr); any
 * other length throws FieldError. Decode gives text.
 */
import { formatMac } from '../core/address.js';
import { need, readU16, writeU16 } from '../core/bytes.js';
import { type AddressValue, writeMacField } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { etherTypeFor } from './numbers.js';

export interface EtherFields {
  /** Destination MAC, text or 6 bytes; default 02:00:00:00:00:02. Decoded: text. */
  dst?: AddressValue;
  /** Source MAC, text or 6 bytes; default 02:00:00:00:00:01. Decoded: text. */
  src?: AddressValue;
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
    writeMacField('ether', 'dst', fields.dst ?? '02:00:00:00:00:02', out, offset);
    writeMacField('ether', 'src', fields.src ?? '02:00:00:00:00:01', out, offset + 6);
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
    const text = (value: AddressValue | undefined): string | undefined =>
      value === undefined || typeof value === 'string' ? value : formatMac(value);
    return `Src: ${text(fields.src)}, Dst: ${text(fields.dst)}, Type: 0x${(fields.type ?? 0).toString(16).padStart(4, '0')}`;
  },
};

/** The fields `decode` gives for Ethernet: every header field. */
export type EtherDecodedFields = Required<Omit<EtherFields, 'dst' | 'src'>> & {
  readonly dst: string;
  readonly src: string;
};
