/**
 * IPv6 fixed header (RFC 8200). Extension headers are their own layers (ipv6-ext.ts).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                     Source Address (16 octets)                +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +                  Destination Address (16 octets)              +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Left out: plen = end - offset - 40 (everything after the fixed header, extension headers
 * included), nh from the next layer (59 "no next header" when none or raw). Defaults: tc 0, fl 0,
 * hlim 64, 2001:db8::1 → 2001:db8::2. `src`/`dst` are text or the 16 address bytes (a Uint8Array, like
 * gopacket's net.IP); any other length throws FieldError. Decode gives text.
 *
 * Decode: plen 0 means no payload (bytes after the header become the trailer; jumbograms are not
 * supported), plen past the bytes is reported and clipped. Inside an ICMP error's quoted packet
 * the length is not checked.
 */
import { formatIPv6 } from '../core/address.js';
import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { type AddressValue, uintOf, writeIPv6Field } from './field-check.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { IP_PROTOCOL, ipProtocolFor } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, shiftIn } from './schema.js';

/** IPv6 fixed-header fields; defaults, ranges and docs in `ipv6Schema`. */
export interface Ipv6Fields {
  version?: number;
  tc?: number;
  fl?: number;
  plen?: number;
  nh?: number;
  hlim?: number;
  /** Text or 16 bytes; decoded: text. */
  src?: AddressValue;
  /** Text or 16 bytes; decoded: text. */
  dst?: AddressValue;
}

export type Ipv6Layer = LayerValue<'ipv6', Ipv6Fields>;

export function ipv6(fields: Ipv6Fields = {}): Ipv6Layer {
  return { layer: 'ipv6', fields };
}

export const IPV6_HEADER_LENGTH = 40;

function payloadLength(frame: EncodeFrame): number {
  const length = frame.end - frame.offset - IPV6_HEADER_LENGTH;
  if (length > 0xffff)
    throw new FieldError('ipv6', 'plen', `the payload is ${length} bytes, more than 65535`);
  return length;
}

export const ipv6Schema = defineSchema<Ipv6Fields>({
  version: { kind: 'uint', role: 'shape', at: at(0, 1, 4, 4), default: 6, doc: 'version' },
  tc: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2, 8, 4),
    default: 0,
    tshark: 'ipv6.tclass',
    doc: 'traffic class, DSCP << 2 | ECN',
  },
  fl: {
    kind: 'uint',
    role: 'value',
    at: at(1, 3, 20),
    default: 0,
    perPacket: true,
    tshark: 'ipv6.flow',
    doc: 'flow label',
  },
  plen: {
    kind: 'uint',
    role: 'length',
    endsContent: 40,
    at: at(4, 2),
    auto: 'computed',
    tshark: 'ipv6.plen',
    doc: 'payload length (everything after the fixed header)',
  },
  nh: {
    kind: 'uint',
    role: 'value',
    at: at(6, 1),
    auto: 'from the next layer, 59 for none',
    tshark: 'ipv6.nxt',
    doc: 'next header',
  },
  hlim: {
    kind: 'uint',
    role: 'value',
    at: at(7, 1),
    default: 64,
    perPacket: true,
    tshark: 'ipv6.hlim',
    doc: 'hop limit',
  },
  src: {
    kind: 'ipv6',
    role: 'value',
    at: at(8, 16),
    default: '2001:db8::1',
    tshark: 'ipv6.src',
    doc: 'source address',
  },
  dst: {
    kind: 'ipv6',
    role: 'value',
    at: at(24, 16),
    default: '2001:db8::2',
    tshark: 'ipv6.dst',
    doc: 'destination address',
  },
});

const S = ipv6Schema;
/** Version, traffic class and flow label are read and written as the first 32-bit word. */
const FIRST_WORD = offsetOf(S.version);
const VERSION_SHIFT = shiftIn(S.version, FIRST_WORD, 4);
const TC_SHIFT = shiftIn(S.tc, FIRST_WORD, 4);
const FL_MASK = maxOf(S.fl);
const TC_MASK = maxOf(S.tc);
const PLEN = offsetOf(S.plen);
const NH = offsetOf(S.nh);
const HLIM = offsetOf(S.hlim);
const SRC = offsetOf(S.src);
const DST = offsetOf(S.dst);
const DEFAULT_SRC = String(S.src.default);
const DEFAULT_DST = String(S.dst.default);

export const ipv6Codec: LayerCodec<Ipv6Fields> = {
  name: 'ipv6',
  title: 'Internet Protocol Version 6',
  schema: ipv6Schema,

  headerLength(): number {
    return IPV6_HEADER_LENGTH;
  },

  encode(fields: Ipv6Fields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const version = uintOf('ipv6', 'version', fields.version, maxOf(S.version), defaultOf(S.version));
    const tc = uintOf('ipv6', 'tc', fields.tc, TC_MASK, defaultOf(S.tc));
    const fl = uintOf('ipv6', 'fl', fields.fl, FL_MASK, defaultOf(S.fl));
    writeU32(out, offset + FIRST_WORD, ((version << VERSION_SHIFT) | (tc << TC_SHIFT) | fl) >>> 0);
    writeU16(out, offset + PLEN, uintOf('ipv6', 'plen', fields.plen, maxOf(S.plen), payloadLength(frame)));
    out[offset + NH] = uintOf(
      'ipv6',
      'nh',
      fields.nh,
      maxOf(S.nh),
      ipProtocolFor(frame.layers, frame.index + 1) ?? IP_PROTOCOL.none,
    );
    out[offset + HLIM] = uintOf('ipv6', 'hlim', fields.hlim, maxOf(S.hlim), defaultOf(S.hlim));
    writeIPv6Field('ipv6', 'src', fields.src ?? DEFAULT_SRC, out, offset + SRC);
    writeIPv6Field('ipv6', 'dst', fields.dst ?? DEFAULT_DST, out, offset + DST);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Ipv6Fields> {
    need('ipv6', offset, IPV6_HEADER_LENGTH, end);
    const word = readU32(bytes, offset + FIRST_WORD);
    const version = word >>> VERSION_SHIFT;
    const tc = (word >>> TC_SHIFT) & TC_MASK;
    const plen = readU16(bytes, offset + PLEN);
    const nh = bytes[offset + NH] ?? 0;
    if (version !== 6) {
      context.problems.push({
        layer: 'ipv6',
        offset: offset + FIRST_WORD,
        kind: 'bad-value',
        message: `version ${version}, should be 6`,
        field: 'version',
        expected: 6,
        actual: version,
      });
    }
    const available = end - offset - IPV6_HEADER_LENGTH;
    let contentEnd = offset + IPV6_HEADER_LENGTH + plen;
    if (plen > available) {
      contentEnd = end;
      if (!context.insideIcmpError) {
        context.problems.push({
          layer: 'ipv6',
          offset: offset + PLEN,
          kind: 'bad-length',
          message: `payload length ${plen} exceeds the ${available} bytes available`,
          field: 'plen',
          expected: `<= ${available}`,
          actual: plen,
          bound: context.bound ?? 'bytes',
        });
      }
    }
    context.ipVersion = 6;
    context.ipOffset = offset;
    return {
      fields: {
        version,
        tc,
        fl: word & FL_MASK,
        plen,
        nh,
        hlim: bytes[offset + HLIM] ?? 0,
        src: formatIPv6(bytes, offset + SRC),
        dst: formatIPv6(bytes, offset + DST),
      },
      headerLength: IPV6_HEADER_LENGTH,
      contentEnd,
      next: context.bindings.ipProtocol.get(nh),
      info: { dscp: tc >>> 2, ecn: tc & 3 },
    };
  },

  summary(fields: Ipv6Fields): string {
    const text = (value: AddressValue | undefined, fallback: string): string =>
      value === undefined ? fallback : typeof value === 'string' ? value : formatIPv6(value);
    return `Src: ${text(fields.src, '2001:db8::1')}, Dst: ${text(fields.dst, '2001:db8::2')}`;
  },
};

/** What `decode` gives as `info` for IPv6. */
export interface Ipv6Info {
  readonly dscp: number;
  readonly ecn: number;
}

/** The fields `decode` gives for IPv6: every header field. */
export type Ipv6DecodedFields = Omit<Ipv6Fields, 'src' | 'dst'> &
  Required<Pick<Ipv6Fields, 'version' | 'tc' | 'fl' | 'plen' | 'nh' | 'hlim'>> & {
    readonly src: string;
    readonly dst: string;
  };
