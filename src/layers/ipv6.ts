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

export interface Ipv6Fields {
  /** Version, 4 bits; default 6. */
  version?: number;
  /** Traffic class (DSCP << 2 | ECN); default 0. */
  tc?: number;
  /** Flow label, 20 bits; default 0. */
  fl?: number;
  /** Payload length; default everything after the fixed header. */
  plen?: number;
  /** Next header; default from the next layer. */
  nh?: number;
  /** Hop limit; default 64. */
  hlim?: number;
  /** Source address, text or 16 bytes; default 2001:db8::1. Decoded: text. */
  src?: AddressValue;
  /** Destination address, text or 16 bytes; default 2001:db8::2. Decoded: text. */
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

export const ipv6Codec: LayerCodec<Ipv6Fields> = {
  name: 'ipv6',
  title: 'Internet Protocol Version 6',
  fieldInfo: {
    version: { kind: 'uint', max: 15, doc: 'version (default 6)' },
    tc: { kind: 'uint', max: 0xff, doc: 'traffic class (default 0)' },
    fl: { kind: 'uint', max: 0xfffff, doc: 'flow label (default 0)' },
    plen: { kind: 'uint', max: 0xffff, doc: 'payload length (default computed)' },
    nh: { kind: 'uint', max: 0xff, doc: 'next header (default from the next layer, 59 for none)' },
    hlim: { kind: 'uint', max: 0xff, doc: 'hop limit (default 64)' },
    src: { kind: 'ipv6', doc: 'source address (default 2001:db8::1)' },
    dst: { kind: 'ipv6', doc: 'destination address (default 2001:db8::2)' },
  },

  headerLength(): number {
    return IPV6_HEADER_LENGTH;
  },

  encode(fields: Ipv6Fields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const version = uintOf('ipv6', 'version', fields.version, 15, 6);
    const tc = uintOf('ipv6', 'tc', fields.tc, 0xff, 0);
    const fl = uintOf('ipv6', 'fl', fields.fl, 0xfffff, 0);
    writeU32(out, offset, ((version << 28) | (tc << 20) | fl) >>> 0);
    writeU16(out, offset + 4, uintOf('ipv6', 'plen', fields.plen, 0xffff, payloadLength(frame)));
    out[offset + 6] = uintOf(
      'ipv6',
      'nh',
      fields.nh,
      0xff,
      ipProtocolFor(frame.layers, frame.index + 1) ?? IP_PROTOCOL.none,
    );
    out[offset + 7] = uintOf('ipv6', 'hlim', fields.hlim, 0xff, 64);
    writeIPv6Field('ipv6', 'src', fields.src ?? '2001:db8::1', out, offset + 8);
    writeIPv6Field('ipv6', 'dst', fields.dst ?? '2001:db8::2', out, offset + 24);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Ipv6Fields> {
    need('ipv6', offset, IPV6_HEADER_LENGTH, end);
    const word = readU32(bytes, offset);
    const version = word >>> 28;
    const tc = (word >>> 20) & 0xff;
    const plen = readU16(bytes, offset + 4);
    const nh = bytes[offset + 6]!;
    if (version !== 6) {
      context.problems.push({
        layer: 'ipv6',
        offset,
        kind: 'bad-value',
        message: `version ${version}, should be 6`,
      });
    }
    const available = end - offset - IPV6_HEADER_LENGTH;
    let contentEnd = offset + IPV6_HEADER_LENGTH + plen;
    if (plen > available) {
      contentEnd = end;
      if (!context.insideIcmpError) {
        context.problems.push({
          layer: 'ipv6',
          offset,
          kind: 'bad-length',
          message: `payload length ${plen} exceeds the ${available} bytes available`,
        });
      }
    }
    context.ipVersion = 6;
    context.ipOffset = offset;
    return {
      fields: {
        version,
        tc,
        fl: word & 0xfffff,
        plen,
        nh,
        hlim: bytes[offset + 7]!,
        src: formatIPv6(bytes, offset + 8),
        dst: formatIPv6(bytes, offset + 24),
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
