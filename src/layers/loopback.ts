/**
 * BSD loopback encapsulations: LINKTYPE_NULL (0) and OpenBSD's LINKTYPE_LOOP (108)
 * (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html), one 4-byte address family before the packet.
 *
 *   null: the family in the byte order of the host that wrote the capture (little-endian on
 *         x86/ARM, so that is what `null` writes unless `be=1`);
 *   loop: the family in network byte order.
 *
 * The family picks the payload as Wireshark does (packet-null.c): 2 (AF_INET) is IPv4; 24, 28 and 30
 * (AF_INET6 on NetBSD/OpenBSD, FreeBSD/DragonFly and Darwin) are IPv6; in `null` only, a value above
 * 1500 is an EtherType (some writers put one there; tshark shows it as `null.type`), bound like
 * Ethernet's; anything else is raw bytes. Left out, the family comes from the next layer (2, or 24
 * for IPv6; in `null`, else the next layer's EtherType). On decode, `null` reads the family
 * little-endian and, when that is not a 16-bit value but the big-endian reading is, takes the
 * big-endian one and says so with `be=1` (Wireshark's own byte-order guess), so the header
 * re-encodes byte-exact either way. Wireshark also takes a 16-bit family byte-swapped
 * within one half of the word (`00 02 00 00`, `00 00 02 00`) and PPP-in-HDLC (`ff 03`); pktcraft
 * keeps those as the 32-bit value it reads and a raw payload.
 */
import { need, readU32, writeU32 } from '../core/bytes.js';
import { uintOf } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerName, LayerValue } from './layer.js';
import { etherTypeFor } from './numbers.js';
import { at, defineSchema, maxOf } from './schema.js';

/** BSD address families Wireshark's null dissector knows for IP. */
export const BSD_AF = { inet: 2, inet6Bsd: 24, inet6FreeBsd: 28, inet6Darwin: 30 } as const;

/** Largest IEEE 802.3 length: a family above it is an EtherType (Wireshark's IEEE_802_3_MAX_LEN). */
const IEEE_802_3_MAX_LEN = 1500;

/** The layer a family announces; `null` takes EtherTypes too (`loop` does not: Wireshark's dissect_loop). */
function payloadOf(family: number, context: DecodeContext, etherTypes: boolean): LayerName | undefined {
  if (family === BSD_AF.inet) return 'ipv4';
  if (family === BSD_AF.inet6Bsd || family === BSD_AF.inet6FreeBsd || family === BSD_AF.inet6Darwin)
    return 'ipv6';
  if (etherTypes && family > IEEE_802_3_MAX_LEN && family <= 0xffff)
    return context.bindings.etherType.get(family);
  return undefined;
}

function familyFor(frame: EncodeFrame, etherTypes: boolean): number {
  const next = frame.layers[frame.index + 1]?.layer;
  if (next === 'ipv4') return BSD_AF.inet;
  if (next === 'ipv6') return BSD_AF.inet6Bsd;
  return etherTypes ? (etherTypeFor(frame.layers, frame.index + 1) ?? 0) : 0;
}

function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16)) +
    (bytes[offset + 3] ?? 0) * 0x1000000
  );
}

function writeU32LE(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >>> 8) & 0xff;
  out[offset + 2] = (value >>> 16) & 0xff;
  out[offset + 3] = (value >>> 24) & 0xff;
}

export const LOOPBACK_HEADER_LENGTH = 4;

// ---- null (LINKTYPE_NULL 0) ----

/** BSD loopback (LINKTYPE_NULL) fields; defaults, ranges and docs in `nullSchema`. */
export interface NullFields {
  family?: number;
  be?: number;
}

export type NullLayer = LayerValue<'null', NullFields>;

/** Named `nullLink` because `null` is a keyword; the layer and spec name is `null`. */
export function nullLink(fields: NullFields = {}): NullLayer {
  return { layer: 'null', fields };
}

export const nullSchema = defineSchema<NullFields>({
  family: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    auto: 'from the next layer (2 IPv4, 24 IPv6, else its EtherType)',
    tshark: 'null.family',
    // Above 1500 it is an EtherType, which tshark shows as null.type instead.
    tsharkWhen: (fields) => Number(fields.family ?? 0) <= IEEE_802_3_MAX_LEN,
    doc: 'address family (above 1500: an EtherType), in the byte order `be` says',
  },
  be: {
    kind: 'uint',
    role: 'shape',
    max: 1,
    default: 0,
    doc: '1: the family is written big-endian (a big-endian host wrote the capture)',
  },
});

export const nullCodec: LayerCodec<NullFields> = {
  name: 'null',
  title: 'Null/Loopback',
  schema: nullSchema,

  headerLength(): number {
    return LOOPBACK_HEADER_LENGTH;
  },

  encode(fields: NullFields, frame: EncodeFrame): void {
    const family = uintOf('null', 'family', fields.family, maxOf(nullSchema.family), familyFor(frame, true));
    if (uintOf('null', 'be', fields.be, 1, 0) === 1) writeU32(frame.out, frame.offset, family);
    else writeU32LE(frame.out, frame.offset, family);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<NullFields> {
    need('null', offset, LOOPBACK_HEADER_LENGTH, end);
    const little = readU32LE(bytes, offset);
    const big = readU32(bytes, offset);
    const swapped = little > 0xffff && big <= 0xffff;
    const family = swapped ? big : little;
    return {
      fields: { family, be: swapped ? 1 : 0 },
      headerLength: LOOPBACK_HEADER_LENGTH,
      contentEnd: end,
      next: end > offset + LOOPBACK_HEADER_LENGTH ? payloadOf(family, context, true) : undefined,
    };
  },

  summary(fields: NullFields): string {
    return `Family: ${fields.family ?? 0}`;
  },
};

/** The fields `decode` gives for null: the family and its byte order. */
export type NullDecodedFields = Required<NullFields>;

// ---- loop (LINKTYPE_LOOP 108, OpenBSD) ----

/** OpenBSD loopback (LINKTYPE_LOOP) fields; defaults, ranges and docs in `loopSchema`. */
export interface LoopFields {
  family?: number;
}

export type LoopLayer = LayerValue<'loop', LoopFields>;

export function loop(fields: LoopFields = {}): LoopLayer {
  return { layer: 'loop', fields };
}

export const loopSchema = defineSchema<LoopFields>({
  family: {
    kind: 'uint',
    role: 'value',
    at: at(0, 4),
    auto: 'from the next layer (2 IPv4, 24 IPv6)',
    tshark: 'null.family',
    doc: 'address family, network byte order',
  },
});

export const loopCodec: LayerCodec<LoopFields> = {
  name: 'loop',
  title: 'OpenBSD Loopback',
  schema: loopSchema,

  headerLength(): number {
    return LOOPBACK_HEADER_LENGTH;
  },

  encode(fields: LoopFields, frame: EncodeFrame): void {
    writeU32(
      frame.out,
      frame.offset,
      uintOf('loop', 'family', fields.family, maxOf(loopSchema.family), familyFor(frame, false)),
    );
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<LoopFields> {
    need('loop', offset, LOOPBACK_HEADER_LENGTH, end);
    const family = readU32(bytes, offset);
    return {
      fields: { family },
      headerLength: LOOPBACK_HEADER_LENGTH,
      contentEnd: end,
      next: end > offset + LOOPBACK_HEADER_LENGTH ? payloadOf(family, context, false) : undefined,
    };
  },

  summary(fields: LoopFields): string {
    return `Family: ${fields.family ?? 0}`;
  },
};

/** The fields `decode` gives for loop: the family. */
export type LoopDecodedFields = Required<LoopFields>;
