/**
 * Linux "cooked" capture headers: what `tcpdump -i any` writes (LINKTYPE_LINUX_SLL 113 and
 * LINKTYPE_LINUX_SLL2 276, https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and
 * LINKTYPE_LINUX_SLL2.html), with the field names of Wireshark's `sll.*`.
 *
 * SLL (v1), 16 bytes:                       SLL2, 20 bytes:
 *   0      packet type (2)                    0      protocol type (2)
 *   2      ARPHRD_ type (2)                   2      reserved, 0 (2)
 *   4      link-layer address length (2)      4      interface index (4)
 *   6      link-layer address (8, padded)     8      ARPHRD_ type (2)
 *   14     protocol type (2)                  10     packet type (1)
 *                                             11     link-layer address length (1)
 *                                             12     link-layer address (8, padded)
 *
 * The packet type is the direction (0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by
 * us); the protocol type is an EtherType and picks the next layer like Ethernet's (IPv4, IPv6, ARP,
 * 802.1Q, MPLS), left out it comes from the next layer. `addr` is the 8 address bytes as given,
 * padded with zeros (decode gives all 8, so the padding round-trips); `halen` left out is the length
 * of the address given. Protocol values below 0x0600 (Linux's ETH_P_802_2, ETH_P_CAN, the netlink
 * family...) have no binding and are kept as raw bytes.
 */
import { formatMac } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, hex16, uintOf } from './field-check.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { etherTypeFor } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf } from './schema.js';

/** Linux packet types (linux/if_packet.h). */
export const SLL_PACKET_TYPE = { host: 0, broadcast: 1, multicast: 2, otherhost: 3, outgoing: 4 } as const;

const ADDRESS_BYTES = 8;
const NO_ADDRESS = new Uint8Array(0);

function addressOf(layer: 'sll' | 'sll2', fields: { addr?: BytesValue }): Uint8Array {
  if (fields.addr === undefined) return NO_ADDRESS;
  const address = bytesField(layer, 'addr', fields.addr);
  if (address.length > ADDRESS_BYTES)
    throw new FieldError(layer, 'addr', `${address.length} bytes, at most ${ADDRESS_BYTES}`);
  return address;
}

/** The MAC address when the header holds an Ethernet one (ARPHRD_ETHER 1, length 6). */
function macOf(bytes: Uint8Array, at: number, hatype: number, halen: number): string | undefined {
  return hatype === 1 && halen === 6 ? formatMac(bytes, at) : undefined;
}

/** What `decode` gives as `info` for SLL and SLL2: the address as a MAC when it is one. */
export interface SllInfo {
  readonly mac: string | undefined;
}

// ---- SLL (v1) ----

/** Linux cooked v1 fields; defaults, ranges and docs in `sllSchema`. */
export interface SllFields {
  pkttype?: number;
  hatype?: number;
  halen?: number;
  addr?: BytesValue;
  proto?: number;
}

export type SllLayer = LayerValue<'sll', SllFields>;

export function sll(fields: SllFields = {}): SllLayer {
  return { layer: 'sll', fields };
}

export const sllSchema = defineSchema<SllFields>({
  pkttype: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2),
    default: 0,
    tshark: 'sll.pkttype',
    doc: 'packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us',
  },
  hatype: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    default: 1,
    tshark: 'sll.hatype',
    doc: 'ARPHRD_ link-layer address type (1 Ethernet)',
  },
  halen: {
    kind: 'uint',
    role: 'value',
    at: at(4, 2),
    auto: 'the length of addr',
    tshark: 'sll.halen',
    doc: 'link-layer address length',
  },
  addr: {
    kind: 'bytes',
    role: 'value',
    auto: 'none (8 zero bytes)',
    doc: 'link-layer address, up to 8 bytes, padded with zeros to 8',
  },
  proto: {
    kind: 'uint',
    role: 'value',
    at: at(14, 2),
    auto: 'from the next layer (an EtherType)',
    tshark: 'sll.etype',
    doc: 'protocol type (an EtherType)',
  },
});

export const SLL_HEADER_LENGTH = 16;
const V1 = sllSchema;
const V1_PKTTYPE = offsetOf(V1.pkttype);
const V1_HATYPE = offsetOf(V1.hatype);
const V1_HALEN = offsetOf(V1.halen);
const V1_ADDR = 6;
const V1_PROTO = offsetOf(V1.proto);

export const sllCodec: LayerCodec<SllFields> = {
  name: 'sll',
  title: 'Linux cooked capture v1',
  schema: sllSchema,

  headerLength(): number {
    return SLL_HEADER_LENGTH;
  },

  encode(fields: SllFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const address = addressOf('sll', fields);
    writeU16(
      out,
      offset + V1_PKTTYPE,
      uintOf('sll', 'pkttype', fields.pkttype, maxOf(V1.pkttype), defaultOf(V1.pkttype)),
    );
    writeU16(
      out,
      offset + V1_HATYPE,
      uintOf('sll', 'hatype', fields.hatype, maxOf(V1.hatype), defaultOf(V1.hatype)),
    );
    writeU16(out, offset + V1_HALEN, uintOf('sll', 'halen', fields.halen, maxOf(V1.halen), address.length));
    out.set(address, offset + V1_ADDR);
    out.fill(0, offset + V1_ADDR + address.length, offset + V1_ADDR + ADDRESS_BYTES);
    writeU16(
      out,
      offset + V1_PROTO,
      uintOf('sll', 'proto', fields.proto, maxOf(V1.proto), etherTypeFor(frame.layers, frame.index + 1) ?? 0),
    );
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<SllFields> {
    need('sll', offset, SLL_HEADER_LENGTH, end);
    const hatype = readU16(bytes, offset + V1_HATYPE);
    const halen = readU16(bytes, offset + V1_HALEN);
    const proto = readU16(bytes, offset + V1_PROTO);
    return {
      fields: {
        pkttype: readU16(bytes, offset + V1_PKTTYPE),
        hatype,
        halen,
        addr: bytes.subarray(offset + V1_ADDR, offset + V1_ADDR + ADDRESS_BYTES),
        proto,
      },
      headerLength: SLL_HEADER_LENGTH,
      contentEnd: end,
      next: context.bindings.etherType.get(proto),
      info: { mac: macOf(bytes, offset + V1_ADDR, hatype, halen) },
    };
  },

  summary(fields: SllFields): string {
    return `Packet type: ${fields.pkttype ?? 0}, ARPHRD: ${fields.hatype ?? 1}, Protocol: ${hex16(fields.proto ?? 0)}`;
  },
};

/** The fields `decode` gives for SLL: every header field, the address as its 8 bytes. */
export type SllDecodedFields = Required<Omit<SllFields, 'addr'>> & { addr: Uint8Array };

// ---- SLL2 ----

/** Linux cooked v2 fields; defaults, ranges and docs in `sll2Schema`. */
export interface Sll2Fields {
  proto?: number;
  reserved?: number;
  ifindex?: number;
  hatype?: number;
  pkttype?: number;
  halen?: number;
  addr?: BytesValue;
}

export type Sll2Layer = LayerValue<'sll2', Sll2Fields>;

export function sll2(fields: Sll2Fields = {}): Sll2Layer {
  return { layer: 'sll2', fields };
}

export const sll2Schema = defineSchema<Sll2Fields>({
  proto: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2),
    auto: 'from the next layer (an EtherType)',
    tshark: 'sll.etype',
    doc: 'protocol type (an EtherType)',
  },
  reserved: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    default: 0,
    doc: 'reserved, 0',
  },
  ifindex: {
    kind: 'uint',
    role: 'value',
    at: at(4, 4),
    default: 0,
    perPacket: true,
    tshark: 'sll.ifindex',
    doc: 'interface index',
  },
  hatype: {
    kind: 'uint',
    role: 'value',
    at: at(8, 2),
    default: 1,
    tshark: 'sll.hatype',
    doc: 'ARPHRD_ link-layer address type (1 Ethernet)',
  },
  pkttype: {
    kind: 'uint',
    role: 'value',
    at: at(10, 1),
    default: 0,
    tshark: 'sll.pkttype',
    doc: 'packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us',
  },
  halen: {
    kind: 'uint',
    role: 'value',
    at: at(11, 1),
    auto: 'the length of addr',
    tshark: 'sll.halen',
    doc: 'link-layer address length',
  },
  addr: {
    kind: 'bytes',
    role: 'value',
    auto: 'none (8 zero bytes)',
    doc: 'link-layer address, up to 8 bytes, padded with zeros to 8',
  },
});

export const SLL2_HEADER_LENGTH = 20;
const V2 = sll2Schema;
const V2_PROTO = offsetOf(V2.proto);
const V2_RESERVED = offsetOf(V2.reserved);
const V2_IFINDEX = offsetOf(V2.ifindex);
const V2_HATYPE = offsetOf(V2.hatype);
const V2_PKTTYPE = offsetOf(V2.pkttype);
const V2_HALEN = offsetOf(V2.halen);
const V2_ADDR = 12;

export const sll2Codec: LayerCodec<Sll2Fields> = {
  name: 'sll2',
  title: 'Linux cooked capture v2',
  schema: sll2Schema,

  headerLength(): number {
    return SLL2_HEADER_LENGTH;
  },

  encode(fields: Sll2Fields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const address = addressOf('sll2', fields);
    writeU16(
      out,
      offset + V2_PROTO,
      uintOf(
        'sll2',
        'proto',
        fields.proto,
        maxOf(V2.proto),
        etherTypeFor(frame.layers, frame.index + 1) ?? 0,
      ),
    );
    writeU16(out, offset + V2_RESERVED, uintOf('sll2', 'reserved', fields.reserved, maxOf(V2.reserved), 0));
    writeU32(out, offset + V2_IFINDEX, uintOf('sll2', 'ifindex', fields.ifindex, maxOf(V2.ifindex), 0));
    writeU16(
      out,
      offset + V2_HATYPE,
      uintOf('sll2', 'hatype', fields.hatype, maxOf(V2.hatype), defaultOf(V2.hatype)),
    );
    out[offset + V2_PKTTYPE] = uintOf(
      'sll2',
      'pkttype',
      fields.pkttype,
      maxOf(V2.pkttype),
      defaultOf(V2.pkttype),
    );
    out[offset + V2_HALEN] = uintOf('sll2', 'halen', fields.halen, maxOf(V2.halen), address.length);
    out.set(address, offset + V2_ADDR);
    out.fill(0, offset + V2_ADDR + address.length, offset + V2_ADDR + ADDRESS_BYTES);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Sll2Fields> {
    need('sll2', offset, SLL2_HEADER_LENGTH, end);
    const proto = readU16(bytes, offset + V2_PROTO);
    const hatype = readU16(bytes, offset + V2_HATYPE);
    const halen = bytes[offset + V2_HALEN] ?? 0;
    return {
      fields: {
        proto,
        reserved: readU16(bytes, offset + V2_RESERVED),
        ifindex: readU32(bytes, offset + V2_IFINDEX),
        hatype,
        pkttype: bytes[offset + V2_PKTTYPE] ?? 0,
        halen,
        addr: bytes.subarray(offset + V2_ADDR, offset + V2_ADDR + ADDRESS_BYTES),
      },
      headerLength: SLL2_HEADER_LENGTH,
      contentEnd: end,
      next: context.bindings.etherType.get(proto),
      info: { mac: macOf(bytes, offset + V2_ADDR, hatype, halen) },
    };
  },

  summary(fields: Sll2Fields): string {
    return `Protocol: ${hex16(fields.proto ?? 0)}, Interface: ${fields.ifindex ?? 0}, Packet type: ${fields.pkttype ?? 0}`;
  },
};

/** The fields `decode` gives for SLL2: every header field, the address as its 8 bytes. */
export type Sll2DecodedFields = Required<Omit<Sll2Fields, 'addr'>> & { addr: Uint8Array };
