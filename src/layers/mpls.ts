/**
 * MPLS label stack entry (RFC 3032 §2.1; the EXP bits renamed Traffic Class by RFC 5462), one layer
 * per label: a stack of three labels is `mpls/mpls/mpls/ipv4`.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Label                  | TC  |S|      TTL      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The stack follows EtherType 0x8847 (unicast; 0x8848 multicast decodes too, and is written when the
 * user sets the EtherType) or GRE protocol type 0x8847. `s` (bottom of stack) left out is 1 on the
 * last label before a non-MPLS layer and 0 on the others.
 *
 * What follows the bottom label is not announced on the wire: like Wireshark's first-nibble logic
 * (packet-mpls.c, BCP 128 / RFC 4928), a first nibble 4 is IPv4 and 6 is IPv6; anything else is kept
 * as raw bytes. Wireshark additionally tries Ethernet pseudowires (with or without the RFC 4385
 * control word, nibble 0) and the G-ACh (label 13, nibble 1) heuristically; pktcraft does not guess
 * those: decode them with a raw payload and re-encode byte-exact. A label with S=0 that is the last
 * 4 bytes is a `truncated` problem on `s`: the bottom of the stack never came.
 */
import { need, readU24 } from '../core/bytes.js';
import { uintOf } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerName, LayerValue } from './layer.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, shiftIn } from './schema.js';

/** MPLS label stack entry fields; defaults, ranges and docs in `mplsSchema`. */
export interface MplsFields {
  label?: number;
  tc?: number;
  s?: number;
  ttl?: number;
}

export type MplsLayer = LayerValue<'mpls', MplsFields>;

export function mpls(fields: MplsFields = {}): MplsLayer {
  return { layer: 'mpls', fields };
}

/** Reserved label values (RFC 3032 §2.1, RFC 7274): 0-15. */
export const MPLS_LABEL = {
  ipv4ExplicitNull: 0,
  routerAlert: 1,
  ipv6ExplicitNull: 2,
  implicitNull: 3,
  entropyIndicator: 7,
  gal: 13,
  oamAlert: 14,
} as const;

export const mplsSchema = defineSchema<MplsFields>({
  label: {
    kind: 'uint',
    role: 'value',
    at: at(0, 3, 20, 4),
    default: 0,
    perPacket: true,
    tshark: 'mpls.label',
    doc: 'label value, 20 bits (0-15 reserved)',
  },
  tc: {
    kind: 'uint',
    role: 'value',
    at: at(2, 1, 3, 1),
    default: 0,
    perPacket: true,
    tshark: 'mpls.exp',
    doc: 'traffic class (formerly EXP), 3 bits',
  },
  s: {
    kind: 'uint',
    role: 'shape',
    at: at(2, 1, 1, 0),
    auto: '1 on the last label of the stack, else 0',
    tshark: 'mpls.bottom',
    doc: 'bottom of stack',
  },
  ttl: {
    kind: 'uint',
    role: 'value',
    at: at(3, 1),
    default: 64,
    perPacket: true,
    tshark: 'mpls.ttl',
    doc: 'time to live',
  },
});

export const MPLS_HEADER_LENGTH = 4;
const S = mplsSchema;
const LABEL = offsetOf(S.label);
const LABEL_SHIFT = shiftIn(S.label, LABEL, 3);
const FLAGS = offsetOf(S.tc);
const TC_SHIFT = shiftIn(S.tc, FLAGS, 1);
const TTL = offsetOf(S.ttl);
const [LABEL_MAX, TC_MAX, S_MAX, TTL_MAX] = [maxOf(S.label), maxOf(S.tc), maxOf(S.s), maxOf(S.ttl)];
const [LABEL_DEFAULT, TC_DEFAULT, TTL_DEFAULT] = [defaultOf(S.label), defaultOf(S.tc), defaultOf(S.ttl)];

/** The layer after the bottom label, by the first nibble (4 IPv4, 6 IPv6), or undefined for raw. */
function payloadByNibble(bytes: Uint8Array, offset: number, end: number): LayerName | undefined {
  if (offset >= end) return undefined;
  const nibble = (bytes[offset] ?? 0) >>> 4;
  return nibble === 4 ? 'ipv4' : nibble === 6 ? 'ipv6' : undefined;
}

export const mplsCodec: LayerCodec<MplsFields> = {
  name: 'mpls',
  title: 'MultiProtocol Label Switching Header',
  schema: mplsSchema,

  headerLength(): number {
    return MPLS_HEADER_LENGTH;
  },

  encode(fields: MplsFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const label = uintOf('mpls', 'label', fields.label, LABEL_MAX, LABEL_DEFAULT);
    const tc = uintOf('mpls', 'tc', fields.tc, TC_MAX, TC_DEFAULT);
    const bottom = frame.layers[frame.index + 1]?.layer === 'mpls' ? 0 : 1;
    const s = uintOf('mpls', 's', fields.s, S_MAX, bottom);
    const ttl = uintOf('mpls', 'ttl', fields.ttl, TTL_MAX, TTL_DEFAULT);
    // label (20 bits) | tc (3) | s (1) in the first three bytes, then the TTL.
    const word = label * 2 ** LABEL_SHIFT + ((tc << TC_SHIFT) | s);
    out[offset + LABEL] = (word >>> 16) & 0xff;
    out[offset + LABEL + 1] = (word >>> 8) & 0xff;
    out[offset + LABEL + 2] = word & 0xff;
    out[offset + TTL] = ttl;
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<MplsFields> {
    need('mpls', offset, MPLS_HEADER_LENGTH, end);
    const word = readU24(bytes, offset + LABEL);
    const s = word & 1;
    const after = offset + MPLS_HEADER_LENGTH;
    if (s === 0 && after >= end) {
      context.problems.push({
        layer: 'mpls',
        offset: offset + FLAGS,
        kind: 'truncated',
        message: 'S is 0 but no label follows: the bottom of the stack is missing',
        field: 's',
        expected: 1,
        actual: 0,
      });
    }
    return {
      fields: {
        label: word >>> LABEL_SHIFT,
        tc: (word >>> TC_SHIFT) & TC_MAX,
        s,
        ttl: bytes[offset + TTL] ?? 0,
      },
      headerLength: MPLS_HEADER_LENGTH,
      contentEnd: end,
      next: s === 0 ? (after < end ? 'mpls' : undefined) : payloadByNibble(bytes, after, end),
    };
  },

  summary(fields: MplsFields): string {
    return `Label: ${fields.label ?? 0}, Exp: ${fields.tc ?? 0}, S: ${fields.s ?? 1}, TTL: ${fields.ttl ?? 0}`;
  },
};

/** The fields `decode` gives for MPLS: every field of the label stack entry. */
export type MplsDecodedFields = Required<MplsFields>;
