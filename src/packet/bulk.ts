/**
 * The bulk decoder: an allocation-free walk over a frame that fills a reused struct of typed arrays
 * with where each layer is, for Ethernet (and 802.1Q tags), IPv4, IPv6, UDP, TCP, GTP-U and VXLAN.
 * It follows the default bindings like `decodePacket` (EtherType, IP protocol, UDP ports 2152/4789
 * with the lower port tried first, the GTP-U G-PDU's version nibble) and stops at anything else,
 * which is left as raw bytes. It never throws and never allocates: a header cut short ends the walk
 * with `truncated` set. No checksums are verified here (use `decodePacket` for that).
 *
 * Read fields with core/bytes readers at the offsets, e.g. the innermost TCP source port:
 *   const at = bulk.find(BulkLayer.tcp, -1); if (at >= 0) readU16(bytes, bulk.offsets[at]);
 */
import { readU16 } from '../core/bytes.js';

/** Layer codes stored in `BulkDecoded.kinds`. */
export const BulkLayer = {
  ether: 1,
  dot1q: 2,
  ipv4: 3,
  ipv6: 4,
  udp: 5,
  tcp: 6,
  gtpu: 7,
  vxlan: 8,
  raw: 9,
} as const;

export type BulkLayerCode = (typeof BulkLayer)[keyof typeof BulkLayer];

export const BULK_MAX_LAYERS = 32;

/** The reusable result struct: one instance per reader, refilled by every `decodeBulk` call. */
export class BulkDecoded {
  /** Number of layers found (a trailing raw payload counts as one). */
  count = 0;
  /** True when a header was cut short (the walk stopped there; the rest is raw). */
  truncated = false;
  readonly kinds = new Uint8Array(BULK_MAX_LAYERS);
  /** Header start of each layer. */
  readonly offsets = new Int32Array(BULK_MAX_LAYERS);
  readonly headerLengths = new Int32Array(BULK_MAX_LAYERS);
  /** Where each layer's content ends (IPv4 total length, UDP length, GTP-U length; else the frame end). */
  readonly ends = new Int32Array(BULK_MAX_LAYERS);

  /** Index of the `occurrence`-th layer of `kind` (negative: from the inside), or -1. */
  find(kind: BulkLayerCode, occurrence = 0): number {
    if (occurrence >= 0) {
      let seen = 0;
      for (let i = 0; i < this.count; i++) if (this.kinds[i] === kind && seen++ === occurrence) return i;
      return -1;
    }
    let seen = -1;
    for (let i = this.count - 1; i >= 0; i--) if (this.kinds[i] === kind && seen-- === occurrence) return i;
    return -1;
  }
}

const GTPU_PORT = 2152;
const VXLAN_PORT = 4789;

/**
 * Walks `bytes[start, end)` starting with `first` (a BulkLayer code: ether, ipv4 or ipv6) and fills
 * `out`; returns the number of layers.
 */
export function decodeBulk(
  bytes: Uint8Array,
  out: BulkDecoded,
  first: BulkLayerCode = BulkLayer.ether,
  start = 0,
  end = bytes.length,
): number {
  const kinds = out.kinds;
  const offsets = out.offsets;
  const headerLengths = out.headerLengths;
  const ends = out.ends;
  let count = 0;
  let kind: number = first;
  let at = start;
  let limit = end;
  out.truncated = false;
  while (at < limit && count < BULK_MAX_LAYERS - 1) {
    let length = 0;
    let next = 0;
    let contentEnd = limit;
    switch (kind) {
      case BulkLayer.ether:
      case BulkLayer.dot1q: {
        length = kind === BulkLayer.ether ? 14 : 4;
        if (at + length > limit) break;
        const type = readU16(bytes, at + length - 2);
        next = etherNext(type);
        break;
      }
      case BulkLayer.ipv4: {
        if (at + 20 > limit) break;
        const ihl = (bytes[at]! & 0x0f) * 4;
        if (bytes[at]! >> 4 !== 4 || ihl < 20) {
          length = -1;
          break;
        }
        length = ihl;
        if (at + length > limit) break;
        const total = readU16(bytes, at + 2);
        if (total >= ihl && at + total < limit) contentEnd = at + total;
        // Fragments (MF or an offset) carry raw bytes, as in decodePacket.
        next = (readU16(bytes, at + 6) & 0x3fff) !== 0 ? BulkLayer.raw : ipNext(bytes[at + 9]!);
        break;
      }
      case BulkLayer.ipv6: {
        length = 40;
        if (at + length > limit) break;
        const payload = readU16(bytes, at + 4);
        if (at + 40 + payload < limit) contentEnd = at + 40 + payload;
        next = ipNext(bytes[at + 6]!);
        break;
      }
      case BulkLayer.udp: {
        length = 8;
        if (at + length > limit) break;
        const sport = readU16(bytes, at);
        const dport = readU16(bytes, at + 2);
        const udpLength = readU16(bytes, at + 4);
        if (udpLength >= 8 && at + udpLength < limit) contentEnd = at + udpLength;
        const low = Math.min(sport, dport);
        const high = Math.max(sport, dport);
        next = portNext(low);
        if (next === 0) next = portNext(high);
        break;
      }
      case BulkLayer.tcp: {
        if (at + 20 > limit) break;
        length = (bytes[at + 12]! >> 4) * 4;
        if (length < 20) length = -1;
        break;
      }
      case BulkLayer.gtpu: {
        if (at + 8 > limit) break;
        const flags = bytes[at]!;
        const content = at + 8 + readU16(bytes, at + 2);
        if (content < limit) contentEnd = content;
        length = 8;
        if (flags & 0x07) {
          length = 12;
          if (at + 12 > limit) break;
          let extension = bytes[at + 11]!;
          // Extension headers: a length octet in 4-octet units, the last octet names the next one.
          while (extension !== 0) {
            if (at + length >= limit) {
              length = limit - at + 1; // cut short: the bounds check below marks it truncated
              break;
            }
            const units = bytes[at + length]!;
            if (units === 0) {
              length = -1;
              break;
            }
            length += units * 4;
            if (at + length > limit) break;
            extension = bytes[at + length - 1]!;
          }
          if (length < 0) break;
        }
        if (bytes[at + 1] !== 255) {
          next = BulkLayer.raw;
          break;
        }
        const version = at + length < contentEnd ? bytes[at + length]! : 0;
        next =
          version >= 0x45 && version <= 0x4e
            ? BulkLayer.ipv4
            : version >> 4 === 6
              ? BulkLayer.ipv6
              : BulkLayer.raw;
        break;
      }
      case BulkLayer.vxlan:
        length = 8;
        next = BulkLayer.ether;
        break;
      default:
        length = limit - at;
        break;
    }
    if (length < 0) {
      // Not the protocol it was bound to (wrong version, bad header length): the rest is raw.
      kind = BulkLayer.raw;
      continue;
    }
    if (at + length > limit) {
      out.truncated = true;
      kind = BulkLayer.raw;
      length = limit - at;
      next = 0;
    }
    kinds[count] = kind;
    offsets[count] = at;
    headerLengths[count] = length;
    ends[count] = contentEnd;
    count++;
    if (kind === BulkLayer.raw) break;
    at += length;
    limit = contentEnd;
    kind = next === 0 ? BulkLayer.raw : next;
  }
  out.count = count;
  return count;
}

function etherNext(type: number): number {
  switch (type) {
    case 0x0800:
      return BulkLayer.ipv4;
    case 0x86dd:
      return BulkLayer.ipv6;
    case 0x8100:
    case 0x88a8:
    case 0x9100:
      return BulkLayer.dot1q;
    default:
      return BulkLayer.raw;
  }
}

function ipNext(protocol: number): number {
  switch (protocol) {
    case 6:
      return BulkLayer.tcp;
    case 17:
      return BulkLayer.udp;
    case 4:
      return BulkLayer.ipv4;
    case 41:
      return BulkLayer.ipv6;
    default:
      return BulkLayer.raw;
  }
}

function portNext(port: number): number {
  if (port === GTPU_PORT) return BulkLayer.gtpu;
  if (port === VXLAN_PORT) return BulkLayer.vxlan;
  return 0;
}
