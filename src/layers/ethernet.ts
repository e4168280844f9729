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
import { at, defineSchema, offsetOf } from './schema.js';

export interface EtherFields {
  /** Destination MAC, text or 6 bytes (decoded: text); see `etherSchema`. */
  dst?: AddressValue;
  /** Source MAC, text or 6 bytes (decoded: text). */
  src?: AddressValue;
  /** EtherType. */
  type?: number;
}

export type EtherLayer = LayerValue<'ether', EtherFields>;

export function ether(fields: EtherFields = {}): EtherLayer {
  return { layer: 'ether', fields };
}

export const etherSchema = defineSchema<EtherFields>({
  dst: {
    kind: 'mac',
    role: 'value',
    at: at(0, 6),
    default: '02:00:00:00:00:02',
    perPacket: true,
    tshark: 'eth.dst',
    doc: 'destination MAC',
  },
  src: {
    kind: 'mac',
    role: 'value',
    at: at(6, 6),
    default: '02:00:00:00:00:01',
    perPacket: true,
    tshark: 'eth.src',
    doc: 'source MAC',
  },
  type: { kind: 'uint', role: 'value', at: at(12, 2), auto: 'from the next layer', doc: 'EtherType' },
});

export const ETHER_HEADER_LENGTH = 14;
const DST = offsetOf(etherSchema.dst);
const SRC = offsetOf(etherSchema.src);
const TYPE = offsetOf(etherSchema.type);
const DEFAULT_DST = String(etherSchema.dst.default);
const DEFAULT_SRC = String(etherSchema.src.default);

export const etherCodec: LayerCodec<EtherFields> = {
  name: 'ether',
  tsharkProtocol: 'eth',
  title: 'Ethernet II',
  schema: etherSchema,

  headerLength(): number {
    return ETHER_HEADER_LENGTH;
  },

  encode(fields: EtherFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    writeMacField('ether', 'dst', fields.dst ?? DEFAULT_DST, out, offset + DST);
    writeMacField('ether', 'src', fields.src ?? DEFAULT_SRC, out, offset + SRC);
    writeU16(out, offset + TYPE, fields.type ?? etherTypeFor(frame.layers, frame.index + 1) ?? 0);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<EtherFields> {
    need('ether', offset, ETHER_HEADER_LENGTH, end);
    const type = readU16(bytes, offset + TYPE);
    return {
      fields: { dst: formatMac(bytes, offset + DST), src: formatMac(bytes, offset + SRC), type },
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
