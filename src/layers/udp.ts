/**
 * UDP (RFC 768), over IPv4 and IPv6 (RFC 8200 §8.1).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   data ...
 *
 * Left out: `len` = header + payload (+ this layer's trailer); `chksum` computed in `finish` over the
 * pseudo-header of the nearest enclosing IP header and the whole datagram, a computed 0 sent as
 * 0xFFFF; with no enclosing IP header it is 0. `chksum: 0` set on IPv4 means "no checksum".
 * Ports default to Scapy's 53 → 53 (DNS's port, so a bare `udp/raw` decodes as DNS, as in Scapy and
 * Wireshark), except: over a `gtpu` layer both are 2152; over `geneve` both are 6081; over `vxlan` the
 * destination is 4789 and the source is chosen per inner flow like Linux's `udp_flow_src_port`
 * (see `vxlanSourcePort`).
 *
 * Decode: the next layer is looked up by the lower port first, then the higher (Wireshark's order);
 * a length below 8 or beyond the bytes, a bad checksum, and a zero checksum over IPv6 are problems.
 */

import { need, readU16, writeU16 } from '../core/bytes.js';
import {
  foldSum,
  internetChecksum,
  noteRegionSum,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  regionSum,
  suffixSum,
} from '../core/checksum.js';
import { ETHER_HEADER_LENGTH, etherSchema } from './ethernet.js';
import { hex16, uintOf } from './field-check.js';
import { IPV4_HEADER_LENGTH, ipv4Schema } from './ipv4.js';
import { IPV6_HEADER_LENGTH, ipv6Schema } from './ipv6.js';
import { ipv6ChecksumDestination } from './ipv6-ext.js';
import type { DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { ETHERTYPE, encodeBindings, IP_PROTOCOL } from './numbers.js';
import { at, defaultOf, defineSchema, maxOf, offsetOf, type ProblemDetail, shiftIn } from './schema.js';
import { DOT1Q_HEADER_LENGTH } from './vlan.js';
import { VXLAN_HEADER_LENGTH } from './vxlan.js';

export interface UdpFields {
  /** Source port; see `udpSchema.sport`. */
  sport?: number;
  /** Destination port; see `udpSchema.dport`. */
  dport?: number;
  /** Length of header + data; see `udpSchema.len`. */
  len?: number;
  /** Checksum; see `udpSchema.chksum`. */
  chksum?: number;
}

export type UdpLayer = LayerValue<'udp', UdpFields>;

export function udp(fields: UdpFields = {}): UdpLayer {
  return { layer: 'udp', fields };
}

export const udpSchema = defineSchema<UdpFields>({
  sport: {
    kind: 'uint',
    role: 'value',
    at: at(0, 2),
    default: 53,
    perPacket: true,
    tshark: 'udp.srcport',
    doc: 'source port (2152 over gtpu, 6081 over geneve, a per-flow hash over vxlan: see the bindings)',
  },
  dport: {
    kind: 'uint',
    role: 'value',
    at: at(2, 2),
    default: 53,
    perPacket: true,
    tshark: 'udp.dstport',
    doc: "destination port (the next layer's port when it has one: see the bindings)",
  },
  len: {
    kind: 'uint',
    role: 'length',
    endsContent: 0,
    at: at(4, 2),
    auto: 'computed',
    tshark: 'udp.length',
    doc: 'length of header and data',
  },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    at: at(6, 2),
    auto: 'computed',
    covers: 'pseudo-header+layer',
    zeroAs: 0xffff,
    tshark: 'udp.checksum',
    doc: 'checksum (0 = none on IPv4)',
  },
});

export const UDP_HEADER_LENGTH = 8;
const SPORT = offsetOf(udpSchema.sport);
const DPORT = offsetOf(udpSchema.dport);
const LEN = offsetOf(udpSchema.len);
const CHKSUM = offsetOf(udpSchema.chksum);
const PORT_MAX = maxOf(udpSchema.sport);
const LEN_MAX = maxOf(udpSchema.len);
const CHKSUM_MAX = maxOf(udpSchema.chksum);
const ZERO_AS = udpSchema.chksum.zeroAs ?? 0;
const DEFAULT_SPORT = defaultOf(udpSchema.sport);
const DEFAULT_DPORT = defaultOf(udpSchema.dport);
const UDP_NEXT = encodeBindings('udp');

/** Checksum status shown in `info.checksum`. */
export type ChecksumStatus = 'good' | 'bad' | 'none' | 'unverified';

export const udpCodec: LayerCodec<UdpFields> = {
  name: 'udp',
  title: 'User Datagram Protocol',
  schema: udpSchema,

  headerLength(): number {
    return UDP_HEADER_LENGTH;
  },

  encode(fields: UdpFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    const next = frame.layers[frame.index + 1];
    // What the binding to the next layer fills when the ports are left out (GTP-U: 2152 → 2152).
    const fills = next === undefined ? undefined : UDP_NEXT.get(next.layer)?.fills;
    const defaultDport = fills?.dport ?? DEFAULT_DPORT;
    const defaultSport = fills?.sport ?? DEFAULT_SPORT;
    // Over VXLAN an unset source port depends on the inner bytes; `finish` writes it.
    writeU16(out, offset + SPORT, uintOf('udp', 'sport', fields.sport, PORT_MAX, defaultSport));
    writeU16(out, offset + DPORT, uintOf('udp', 'dport', fields.dport, PORT_MAX, defaultDport));
    writeU16(
      out,
      offset + LEN,
      uintOf('udp', 'len', fields.len, LEN_MAX, (frame.end - frame.offset) & LEN_MAX),
    );
    writeU16(out, offset + CHKSUM, uintOf('udp', 'chksum', fields.chksum, CHKSUM_MAX, 0));
  },

  finish(fields: UdpFields, frame: EncodeFrame): void {
    const { out, offset, end } = frame;
    if (fields.sport === undefined && frame.layers[frame.index + 1]?.layer === 'vxlan') {
      writeU16(
        out,
        offset + SPORT,
        vxlanSourcePort(out, offset + UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH, frame.payloadEnd),
      );
    }
    if (fields.chksum !== undefined || frame.ipVersion === 0) return;
    const length = end - offset;
    const initial =
      frame.ipVersion === 4
        ? pseudoHeaderSumV4(out, frame.ipOffset, IP_PROTOCOL.udp, length)
        : pseudoHeaderSumV6(
            out,
            frame.ipOffset,
            IP_PROTOCOL.udp,
            length,
            ipv6ChecksumDestination(out, frame.ipOffset, offset),
          );
    writeU16(out, offset + CHKSUM, 0);
    const sum = regionSum(out, offset, end);
    const computed = ~foldSum(sum + initial) & 0xffff;
    const chksum = computed === 0 ? ZERO_AS : computed;
    writeU16(out, offset + CHKSUM, chksum);
    // The finished datagram, for an enclosing checksum (UDP in a tunnel in UDP) to reuse.
    noteRegionSum(out, offset, end, sum + chksum);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<UdpFields> {
    need('udp', offset, UDP_HEADER_LENGTH, end);
    const sport = readU16(bytes, offset + SPORT);
    const dport = readU16(bytes, offset + DPORT);
    const len = readU16(bytes, offset + LEN);
    const chksum = readU16(bytes, offset + CHKSUM);
    const available = end - offset;
    const check = !context.insideIcmpError;
    let contentEnd = end;
    let checksum: ChecksumStatus = 'unverified';
    if (len < UDP_HEADER_LENGTH) {
      contentEnd = offset + UDP_HEADER_LENGTH;
      if (check)
        problem(context, offset + LEN, 'bad-length', `bad length ${len}, must be at least 8`, {
          field: 'len',
          expected: `>= ${UDP_HEADER_LENGTH}`,
          actual: len,
        });
    } else if (len > available) {
      if (check)
        problem(
          context,
          offset + LEN,
          'bad-length',
          `bad length ${len}, exceeds the ${available} bytes of the IP payload`,
          { field: 'len', expected: `<= ${available}`, actual: len, bound: context.bound ?? 'bytes' },
        );
    } else {
      contentEnd = offset + len;
    }
    if (check && len >= UDP_HEADER_LENGTH && len <= available) {
      if (chksum === 0 && context.ipVersion === 6) {
        checksum = 'bad';
        problem(
          context,
          offset + CHKSUM,
          'bad-checksum',
          'illegal checksum 0x0000 over IPv6, a checksum is mandatory',
          { field: 'chksum', expected: '!= 0', actual: 0 },
        );
      } else if (chksum === 0) {
        checksum = 'none';
      } else if (context.ipVersion !== 0) {
        const initial =
          context.ipVersion === 4
            ? pseudoHeaderSumV4(bytes, context.ipOffset, IP_PROTOCOL.udp, len)
            : pseudoHeaderSumV6(
                bytes,
                context.ipOffset,
                IP_PROTOCOL.udp,
                len,
                ipv6ChecksumDestination(bytes, context.ipOffset, offset),
              );
        const regionEnd = offset + len;
        const region = suffixSum(bytes, offset, regionEnd, context);
        // For an inner checksum over a suffix of this region (a tunnel's TCP or UDP).
        context.summedStart = offset;
        context.summedEnd = regionEnd;
        context.summedSum = region;
        if (foldSum(region + initial) === 0xffff) checksum = 'good';
        else {
          checksum = 'bad';
          const expected = udpChecksumOf(bytes, offset, offset + len, initial);
          problem(
            context,
            offset + CHKSUM,
            'bad-checksum',
            `bad checksum ${hex16(chksum)}, should be ${hex16(expected)}`,
            { field: 'chksum', expected, actual: chksum },
          );
        }
      }
    }
    const hasPayload = contentEnd > offset + UDP_HEADER_LENGTH;
    const low = Math.min(sport, dport);
    const high = Math.max(sport, dport);
    const next = hasPayload
      ? (context.bindings.udpPort.get(low) ?? context.bindings.udpPort.get(high))
      : undefined;
    return {
      fields: { sport, dport, len, chksum },
      headerLength: UDP_HEADER_LENGTH,
      contentEnd,
      next,
      info: { checksum },
    };
  },

  summary(fields: UdpFields): string {
    return `Src Port: ${fields.sport}, Dst Port: ${fields.dport}, Len: ${fields.len}, Checksum: ${hex16(fields.chksum ?? 0)}`;
  },
};

function problem(
  context: DecodeContext,
  offset: number,
  kind: 'bad-length' | 'bad-checksum',
  message: string,
  detail: ProblemDetail,
): void {
  context.problems.push({ layer: 'udp', offset, kind, message, ...detail });
}

/** The checksum the datagram at [start, end) should carry (its checksum field counted as zero). */
function udpChecksumOf(bytes: Uint8Array, start: number, end: number, initial: number): number {
  const stored = readU16(bytes, start + CHKSUM);
  // Sum without the stored checksum: subtracting in one's complement = adding its complement.
  const sum = internetChecksum(bytes, start, end, initial + (~stored & 0xffff));
  return sum === 0 ? ZERO_AS : sum;
}

/* ------------------------------------------------------------------------------------------------
 * VXLAN source port: RFC 7348 §5 asks for a hash of the inner frame's flow, mapped into the
 * dynamic range. We follow Linux's `udp_flow_src_port()` (include/net/udp.h):
 *
 *   hash ^= hash << 16;
 *   port = ((u64)hash * (max - min) >> 32) + min;      with min = 32768, max = 60999
 *
 * (the default ip_local_port_range, so ports 32768..60998). Linux's `skb_get_hash` uses a random
 * per-boot key; to be deterministic we hash with Linux's `jhash()` (Bob Jenkins' lookup3, as in
 * include/linux/jhash.h, little-endian word loads) over a flow key laid out as:
 *   inner Ethernet destination + source MAC (12 bytes)                          — always
 *   IPv4 source + destination (8) + protocol (1), or IPv6 source + destination (32) + next header (1)
 *   source + destination port (4)              — when the IP payload is unfragmented TCP or UDP
 * with initval = the inner EtherType (after up to two 802.1Q/802.1ad tags). With no inner IP this is
 * exactly Linux's fallback `jhash(skb->data, 2 * ETH_ALEN, skb->protocol)`.
 * ---------------------------------------------------------------------------------------------- */

export const VXLAN_SPORT_MIN = 32768;
export const VXLAN_SPORT_MAX = 60999;

// What Linux's flow dissector reads, at the places the Ethernet, IPv4 and IPv6 schemas give.
/** Both MAC addresses: everything before the EtherType. */
const MACS = offsetOf(etherSchema.type);
const V4 = ipv4Schema;
const V4_VERSION = offsetOf(V4.version);
const V4_VERSION_SHIFT = shiftIn(V4.version, V4_VERSION, 1);
const V4_IHL_MASK = maxOf(V4.ihl);
const V4_PROTO = offsetOf(V4.proto);
const V4_ADDRESSES = offsetOf(V4.src);
const V4_ADDRESSES_LENGTH = offsetOf(V4.dst) + 4 - V4_ADDRESSES;
const V4_FRAG_WORD = offsetOf(V4.frag);
/** MF or a fragment offset: the packet is a fragment (its ports are not read). */
const V4_FRAGMENT_MASK =
  (1 << shiftIn(V4.flags, V4_FRAG_WORD, 2)) | (maxOf(V4.frag) << shiftIn(V4.frag, V4_FRAG_WORD, 2));
const V6 = ipv6Schema;
const V6_VERSION = offsetOf(V6.version);
const V6_VERSION_SHIFT = shiftIn(V6.version, V6_VERSION, 1);
const V6_NH = offsetOf(V6.nh);
const V6_ADDRESSES = offsetOf(V6.src);
const V6_ADDRESSES_LENGTH = offsetOf(V6.dst) + 16 - V6_ADDRESSES;
/** Source and destination port: the first 4 octets of TCP and UDP. */
const PORTS_LENGTH = 4;
const ETHERTYPE_LENGTH = 2;

const flowKey = new Uint8Array(MACS + V6_ADDRESSES_LENGTH + 1 + PORTS_LENGTH);

/** The UDP source port for a VXLAN packet whose inner Ethernet frame is bytes[start, end). */
export function vxlanSourcePort(bytes: Uint8Array, start: number, end: number): number {
  let keyLength = 0;
  let etherType = 0;
  if (end - start >= ETHER_HEADER_LENGTH) {
    copyInto(bytes, start, MACS, 0);
    keyLength = MACS;
    let at = start + MACS;
    etherType = readU16(bytes, at);
    // Linux's flow dissector (skb_get_hash) steps over up to two 802.1Q/802.1AD tags, not 0x9100.
    for (
      let tags = 0;
      tags < 2 &&
      (etherType === ETHERTYPE.dot1q || etherType === ETHERTYPE.qinq) &&
      at + DOT1Q_HEADER_LENGTH + ETHERTYPE_LENGTH <= end;
      tags++
    ) {
      at += DOT1Q_HEADER_LENGTH;
      etherType = readU16(bytes, at);
    }
    at += ETHERTYPE_LENGTH;
    keyLength = appendIpFlow(bytes, at, end, etherType, keyLength);
  } else if (end > start) {
    copyInto(bytes, start, end - start, 0);
    keyLength = end - start;
  }
  return flowSourcePort(jhash(flowKey, keyLength, etherType), VXLAN_SPORT_MIN, VXLAN_SPORT_MAX);
}

/** Copies into the flow key without creating a view (no allocation per packet). */
function copyInto(bytes: Uint8Array, from: number, count: number, to: number): void {
  for (let i = 0; i < count; i++) flowKey[to + i] = bytes[from + i]!;
}

function appendIpFlow(
  bytes: Uint8Array,
  at: number,
  end: number,
  etherType: number,
  keyLength: number,
): number {
  let protocol = -1;
  let l4 = 0;
  if (
    etherType === ETHERTYPE.ipv4 &&
    at + IPV4_HEADER_LENGTH <= end &&
    bytes[at + V4_VERSION]! >> V4_VERSION_SHIFT === 4
  ) {
    copyInto(bytes, at + V4_ADDRESSES, V4_ADDRESSES_LENGTH, keyLength);
    keyLength += V4_ADDRESSES_LENGTH;
    protocol = bytes[at + V4_PROTO]!;
    flowKey[keyLength++] = protocol;
    const fragmented = (readU16(bytes, at + V4_FRAG_WORD) & V4_FRAGMENT_MASK) !== 0;
    l4 = fragmented ? -1 : at + (bytes[at]! & V4_IHL_MASK) * 4;
  } else if (
    etherType === ETHERTYPE.ipv6 &&
    at + IPV6_HEADER_LENGTH <= end &&
    bytes[at + V6_VERSION]! >> V6_VERSION_SHIFT === 6
  ) {
    copyInto(bytes, at + V6_ADDRESSES, V6_ADDRESSES_LENGTH, keyLength);
    keyLength += V6_ADDRESSES_LENGTH;
    protocol = bytes[at + V6_NH]!;
    flowKey[keyLength++] = protocol;
    l4 = at + IPV6_HEADER_LENGTH;
  }
  if ((protocol === IP_PROTOCOL.tcp || protocol === IP_PROTOCOL.udp) && l4 > 0 && l4 + PORTS_LENGTH <= end) {
    copyInto(bytes, l4, PORTS_LENGTH, keyLength);
    keyLength += PORTS_LENGTH;
  }
  return keyLength;
}

/** Linux's udp_flow_src_port() scaling of a 32-bit hash into [min, max). */
export function flowSourcePort(hash: number, min: number, max: number): number {
  const mixed = (hash ^ (hash << 16)) >>> 0;
  // mixed * (max - min) < 2^48, exact in a double; dividing by 2^32 and flooring is the >> 32.
  return Math.floor((mixed * (max - min)) / 0x100000000) + min;
}

/** Linux's jhash() (lookup3 hashlittle with JHASH_INITVAL 0xdeadbeef) over key[0, length). */
export function jhash(key: Uint8Array, length: number, initval: number): number {
  let a = (0xdeadbeef + length + initval) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  let remaining = length;
  while (remaining > 12) {
    a = (a + word(key, k)) >>> 0;
    b = (b + word(key, k + 4)) >>> 0;
    c = (c + word(key, k + 8)) >>> 0;
    // __jhash_mix
    a = (a - c) >>> 0;
    a ^= rol32(c, 4);
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b ^= rol32(a, 6);
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c ^= rol32(b, 8);
    b = (b + a) >>> 0;
    a = (a - c) >>> 0;
    a ^= rol32(c, 16);
    c = (c + b) >>> 0;
    b = (b - a) >>> 0;
    b ^= rol32(a, 19);
    a = (a + c) >>> 0;
    c = (c - b) >>> 0;
    c ^= rol32(b, 4);
    b = (b + a) >>> 0;
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    remaining -= 12;
    k += 12;
  }
  if (remaining === 0) return c >>> 0;
  // Last 1..12 bytes, little-endian, as the switch fall-through in jhash().
  let ta = 0;
  let tb = 0;
  let tc = 0;
  for (let i = 0; i < remaining; i++) {
    const byte = key[k + i]!;
    const shift = (i & 3) * 8;
    if (i < 4) ta += byte * 2 ** shift;
    else if (i < 8) tb += byte * 2 ** shift;
    else tc += byte * 2 ** shift;
  }
  a = (a + ta) >>> 0;
  b = (b + tb) >>> 0;
  c = (c + tc) >>> 0;
  // __jhash_final
  c ^= b;
  c = (c - rol32(b, 14)) >>> 0;
  a ^= c;
  a = (a - rol32(c, 11)) >>> 0;
  b ^= a;
  b = (b - rol32(a, 25)) >>> 0;
  c ^= b;
  c = (c - rol32(b, 16)) >>> 0;
  a ^= c;
  a = (a - rol32(c, 4)) >>> 0;
  b ^= a;
  b = (b - rol32(a, 14)) >>> 0;
  c ^= b;
  c = (c - rol32(b, 24)) >>> 0;
  return c >>> 0;
}

/** A little-endian 32-bit load (Linux's __get_unaligned_cpu32 on x86). */
function word(key: Uint8Array, i: number): number {
  return (key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)) >>> 0;
}

function rol32(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

/** What `decode` gives as `info` for UDP. */
export interface UdpInfo {
  readonly checksum: ChecksumStatus;
}

/** The fields `decode` gives for UDP: every header field. */
export type UdpDecodedFields = UdpFields & Required<Pick<UdpFields, 'sport' | 'dport' | 'len' | 'chksum'>>;
