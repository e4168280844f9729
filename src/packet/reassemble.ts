/**
 * Reassembling IPv4 and IPv6 fragments (RFC 791 §3.2, RFC 8200 §4.5) on read: `Reassembler.push`
 * takes each decoded packet and, at the fragment that completes a datagram, gives the whole
 * datagram decoded (from its IP header on), as tshark shows it "reassembled in" that frame.
 *
 * Fragments are grouped by (source, destination, protocol, identification) for IPv4 and (source,
 * destination, identification) for IPv6; the outermost IP layer that is a fragment is the one
 * reassembled. The datagram is the first fragment's IP header (IPv4: MF and offset cleared, total
 * length and checksum recomputed; IPv6: the unfragmentable part with the fragment header taken out
 * and the payload length recomputed) followed by the pieces.
 *
 * Problems (a `ReassemblyProblem`, with a `reason`):
 * - 'overlap': a fragment covers bytes already received with the same bytes;
 *   'overlap-conflict': with different bytes (the bytes received first are kept, as Wireshark);
 *   'overlap-dropped': an IPv6 overlap with `ipv6Overlaps: 'drop'`: the whole datagram discarded,
 *   as RFC 5722 tells a host to and Linux does;
 * - 'misaligned': a fragment with more to follow whose length is not a multiple of 8;
 * - 'too-long': the fragment would end past 65535 bytes of datagram (dropped);
 * - 'past-end' / 'conflicting-end': data past, or a second last fragment disagreeing with, the end
 *   a last fragment announced (dropped);
 * - 'timeout': no fragment completed the datagram within `timeout` seconds of its first one;
 * - 'evicted': dropped to keep `maxDatagrams` / `maxBytes` (the oldest pending datagram goes first);
 * - 'incomplete': still pending at `flush()` (the end of a capture).
 * The last three list the missing byte ranges. Memory is bounded: at most `maxDatagrams` pending
 * datagrams, `maxBytes` bytes held (each piece also costs `PIECE_OVERHEAD` bytes in that count, so
 * empty fragments are not free), and `maxFragments` pieces per datagram. `push` never throws for
 * any bytes and does work logarithmic in the pieces of one datagram plus the evictions it causes.
 */
import { formatIPv4, formatIPv6 } from '../core/address.js';
import { readU16, readU32, writeU16 } from '../core/bytes.js';
import { internetChecksum } from '../core/checksum.js';
import type { Problem } from '../layers/layer.js';
import { type DecodedPacket, type DecodeOptions, decodePacket } from './decode.js';

export type ReassemblyReason =
  | 'overlap'
  | 'overlap-conflict'
  | 'overlap-dropped'
  | 'misaligned'
  | 'too-long'
  | 'past-end'
  | 'conflicting-end'
  | 'timeout'
  | 'evicted'
  | 'incomplete';

export interface ReassemblyProblem extends Problem {
  readonly reason: ReassemblyReason;
  /** The datagram: 'ipv4 SRC > DST proto P id 0xID' or 'ipv6 SRC > DST id 0xID'. */
  readonly datagram: string;
  /** The packet number given to `push` when the problem arose from a packet. */
  readonly packet?: number;
  /** Byte ranges [start, end) of the fragmentable part not received (timeout, evicted, incomplete). */
  readonly missing?: readonly (readonly [number, number])[];
}

export interface ReassemblerOptions {
  /** Seconds from a datagram's first fragment until it is given up; default 30 (Linux's ipfrag_time). */
  timeout?: number;
  /** Pending datagrams at most; default 1024. */
  maxDatagrams?: number;
  /** Bytes held at most (pieces, headers and per-piece overhead); default 4 MiB (Linux's ipfrag_high_thresh). */
  maxBytes?: number;
  /** Pieces per datagram at most; default 8192 (every 8-byte piece of a 64 KiB datagram). */
  maxFragments?: number;
  /**
   * IPv6 fragments that overlap: 'keep-first' (default) keeps the bytes received first and goes on,
   * as Wireshark shows them; 'drop' discards the whole datagram, as RFC 5722 requires of a host
   * (and Linux does). IPv4 overlaps always keep the first bytes.
   */
  ipv6Overlaps?: 'keep-first' | 'drop';
  /** How the reassembled datagram is decoded (`first` is always set to its IP version). */
  decode?: Omit<DecodeOptions, 'first' | 'linkType'>;
}

export interface Reassembled {
  /** The datagram decoded from its IP header on. */
  readonly packet: DecodedPacket;
  /** Its bytes. */
  readonly bytes: Uint8Array;
  /** The packet numbers of its fragments, in arrival order. */
  readonly fragments: readonly number[];
  readonly datagram: string;
}

export interface PushResult {
  /** Set when this packet completed a datagram. */
  readonly reassembled?: Reassembled;
  /** Problems found with this packet, and timeouts or evictions it caused. */
  readonly problems: ReassemblyProblem[];
  /** Whether the packet was a fragment (held, or completing a datagram). */
  readonly fragment: boolean;
}

/** What each held piece costs beyond its bytes in the `maxBytes` count. */
export const PIECE_OVERHEAD = 32;
/** What each pending datagram costs beyond its pieces and header. */
const DATAGRAM_OVERHEAD = 128;
const MAX_DATAGRAM = 0xffff;

interface Piece {
  start: number;
  end: number;
  data: Uint8Array;
}

interface Pending {
  readonly key: string;
  readonly version: 4 | 6;
  readonly firstTime: number;
  /** Sorted by start, disjoint. */
  readonly pieces: Piece[];
  covered: number;
  /** The fragmentable part's length once a last fragment was seen. */
  total: number | undefined;
  /** The IP header (IPv4) or unfragmentable part (IPv6) of the offset-0 fragment. */
  header: Uint8Array | undefined;
  /** IPv6: the next header the fragment header named (for the reassembled chain). */
  nextHeader: number;
  /** IPv6: where in `header` the next-header byte naming the fragment header is. */
  nextHeaderAt: number;
  bytes: number;
  readonly numbers: number[];
}

/** The fragment a packet carries, read from its bytes. */
interface FragmentInfo {
  key: string;
  version: 4 | 6;
  /** Offset of the IP header in the packet. */
  ipOffset: number;
  start: number;
  data: Uint8Array;
  more: boolean;
  /** IPv4: header length; IPv6: the unfragmentable part's length. */
  headerLength: number;
  nextHeader: number;
  nextHeaderAt: number;
}

export class Reassembler {
  private readonly timeout: number;
  private readonly maxDatagrams: number;
  private readonly maxBytes: number;
  private readonly maxFragments: number;
  private readonly decodeOptions: Omit<DecodeOptions, 'first' | 'linkType'>;
  private readonly dropIpv6Overlaps: boolean;
  /** Insertion order is creation order: the first entry is the oldest. */
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.timeout = options.timeout ?? 30;
    this.maxDatagrams = Math.max(1, options.maxDatagrams ?? 1024);
    this.maxBytes = Math.max(1, options.maxBytes ?? 4 * 1024 * 1024);
    this.maxFragments = Math.max(1, options.maxFragments ?? 8192);
    this.decodeOptions = options.decode ?? {};
    this.dropIpv6Overlaps = options.ipv6Overlaps === 'drop';
  }

  /** Datagrams waiting for fragments. */
  get pendingDatagrams(): number {
    return this.pending.size;
  }

  /** Bytes held for them (as counted against `maxBytes`). */
  get pendingBytes(): number {
    return this.heldBytes;
  }

  /**
   * Takes one decoded packet (`bytes` are the ones it was decoded from, `time` in seconds, `number`
   * its packet number). Non-fragments give `{ fragment: false }` (plus any timeouts).
   */
  push(decoded: DecodedPacket, bytes: Uint8Array, time = 0, number = 0): PushResult {
    const problems: ReassemblyProblem[] = [];
    this.expire(time, problems);
    const info = fragmentOf(decoded, bytes);
    if (info === undefined) return { problems, fragment: false };
    const problem = (
      reason: ReassemblyReason,
      kind: Problem['kind'],
      message: string,
      extra: Partial<ReassemblyProblem> = {},
    ) =>
      problems.push({
        layer: info.version === 4 ? 'ipv4' : 'ipv6',
        offset: info.ipOffset,
        kind,
        message,
        reason,
        datagram: info.key,
        packet: number,
        ...extra,
      });
    const end = info.start + info.data.length;
    if (info.start + info.data.length + info.headerLength > MAX_DATAGRAM) {
      problem(
        'too-long',
        'bad-length',
        `fragment at offset ${info.start} with ${info.data.length} bytes ends the datagram at ${end + info.headerLength} bytes, past 65535: dropped`,
        { expected: `<= ${MAX_DATAGRAM}`, actual: end + info.headerLength },
      );
      return { problems, fragment: true };
    }
    if (info.more && info.data.length % 8 !== 0) {
      problem(
        'misaligned',
        'bad-length',
        `fragment with more to follow carries ${info.data.length} bytes, not a multiple of 8`,
        { expected: 'a multiple of 8', actual: info.data.length },
      );
    }
    let entry = this.pending.get(info.key);
    if (entry === undefined) {
      while (this.pending.size >= this.maxDatagrams) this.evictOldest(problems, 'maxDatagrams');
      entry = {
        key: info.key,
        version: info.version,
        firstTime: time,
        pieces: [],
        covered: 0,
        total: undefined,
        header: undefined,
        nextHeader: 0,
        nextHeaderAt: 0,
        bytes: DATAGRAM_OVERHEAD,
        numbers: [],
      };
      this.pending.set(info.key, entry);
      this.heldBytes += DATAGRAM_OVERHEAD;
    }
    entry.numbers.push(number);
    if (!info.more) {
      if (entry.total !== undefined && entry.total !== end) {
        problem(
          'conflicting-end',
          'bad-length',
          `a second last fragment ends the datagram at ${end}, the first said ${entry.total}: dropped`,
          { expected: entry.total, actual: end },
        );
        return { problems, fragment: true };
      }
      const last = entry.pieces[entry.pieces.length - 1];
      if (last !== undefined && last.end > end) {
        problem(
          'past-end',
          'bad-length',
          `the last fragment ends the datagram at ${end}, but bytes up to ${last.end} were received`,
          { expected: `>= ${last.end}`, actual: end },
        );
        return { problems, fragment: true };
      }
      entry.total = end;
    } else if (entry.total !== undefined && end > entry.total) {
      problem(
        'past-end',
        'bad-length',
        `fragment ends at ${end}, past the datagram's end ${entry.total}: dropped`,
        {
          expected: `<= ${entry.total}`,
          actual: end,
        },
      );
      return { problems, fragment: true };
    }
    if (info.start === 0 && entry.header === undefined) {
      entry.header = bytes.slice(info.ipOffset, info.ipOffset + info.headerLength);
      entry.nextHeader = info.nextHeader;
      entry.nextHeaderAt = info.nextHeaderAt;
      this.charge(entry, entry.header.length);
    }
    // RFC 5722: an IPv6 host discards a datagram with overlapping fragments; say so either way.
    const rfc5722 = info.version === 6 ? ' (RFC 5722: a host discards the whole datagram)' : '';
    let overlapped = false;
    this.insert(entry, info.start, info.data, (same, from, to) => {
      overlapped = true;
      if (info.version === 6 && this.dropIpv6Overlaps) return;
      if (same)
        problem(
          'overlap',
          'bad-value',
          `fragment bytes ${from}-${to} overlap bytes already received (same bytes)${rfc5722}`,
        );
      else
        problem(
          'overlap-conflict',
          'malformed',
          `fragment bytes ${from}-${to} overlap bytes already received with different bytes (the first ones kept)${rfc5722}`,
        );
    });
    if (overlapped && info.version === 6 && this.dropIpv6Overlaps) {
      this.drop(entry);
      problem(
        'overlap-dropped',
        'malformed',
        `fragment at offset ${info.start} overlaps bytes already received: the datagram is discarded (RFC 5722)`,
      );
      return { problems, fragment: true };
    }
    if (entry.pieces.length > this.maxFragments) {
      this.drop(entry);
      problem('evicted', 'truncated', `more than ${this.maxFragments} pieces: datagram dropped`, {
        missing: missingOf(entry),
      });
      return { problems, fragment: true };
    }
    if (
      this.pending.get(entry.key) === entry &&
      entry.total !== undefined &&
      entry.covered === entry.total &&
      entry.header
    ) {
      this.drop(entry);
      return { problems, fragment: true, reassembled: this.build(entry) };
    }
    while (this.heldBytes > this.maxBytes && this.pending.size > 0) this.evictOldest(problems, 'maxBytes');
    return { problems, fragment: true };
  }

  /** Gives up every datagram whose first fragment is more than `timeout` seconds before `now`. */
  expire(now: number, problems: ReassemblyProblem[] = []): ReassemblyProblem[] {
    for (const entry of this.pending.values()) {
      if (now - entry.firstTime <= this.timeout) break;
      this.drop(entry);
      problems.push(
        this.entryProblem(entry, 'timeout', `not complete ${this.timeout} s after its first fragment`),
      );
    }
    return problems;
  }

  /** Ends reassembly (the end of a capture): every pending datagram as an 'incomplete' problem. */
  flush(): ReassemblyProblem[] {
    const problems: ReassemblyProblem[] = [];
    for (const entry of this.pending.values())
      problems.push(this.entryProblem(entry, 'incomplete', 'still incomplete at the end'));
    this.pending.clear();
    this.heldBytes = 0;
    return problems;
  }

  private entryProblem(entry: Pending, reason: ReassemblyReason, why: string): ReassemblyProblem {
    const missing = missingOf(entry);
    const text = missing.map(([from, to]) => (to === Infinity ? `${from}-(end unknown)` : `${from}-${to}`));
    return {
      layer: entry.version === 4 ? 'ipv4' : 'ipv6',
      offset: 0,
      kind: 'truncated',
      message: `datagram ${entry.key} (fragments in packets ${entry.numbers.join(', ')}) ${why}; missing bytes ${text.join(', ')}`,
      reason,
      datagram: entry.key,
      missing,
    };
  }

  private evictOldest(problems: ReassemblyProblem[], limit: string): void {
    const oldest = this.pending.values().next().value as Pending | undefined;
    if (oldest === undefined) return;
    this.drop(oldest);
    problems.push(this.entryProblem(oldest, 'evicted', `evicted to stay within ${limit}`));
  }

  private drop(entry: Pending): void {
    if (this.pending.get(entry.key) !== entry) return;
    this.pending.delete(entry.key);
    this.heldBytes -= entry.bytes;
  }

  private charge(entry: Pending, bytes: number): void {
    entry.bytes += bytes;
    this.heldBytes += bytes;
  }

  /** Stores the parts of [start, start + data.length) not yet held; reports each overlap once. */
  private insert(
    entry: Pending,
    start: number,
    data: Uint8Array,
    overlap: (same: boolean, from: number, to: number) => void,
  ): void {
    const end = start + data.length;
    const pieces = entry.pieces;
    // The first piece that ends after `start` (pieces are disjoint and sorted, so ends are sorted).
    let low = 0;
    let high = pieces.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (pieces[mid]!.end <= start) low = mid + 1;
      else high = mid;
    }
    const added: Piece[] = [];
    let cursor = start;
    let index = low;
    let same = true;
    let overlapFrom = -1;
    let overlapTo = -1;
    while (index < pieces.length && pieces[index]!.start < end) {
      const piece = pieces[index]!;
      if (piece.start > cursor)
        added.push({
          start: cursor,
          end: piece.start,
          data: data.slice(cursor - start, piece.start - start),
        });
      const from = Math.max(cursor, piece.start);
      const to = Math.min(end, piece.end);
      for (let i = from; i < to && same; i++)
        if (piece.data[i - piece.start] !== data[i - start]) same = false;
      if (overlapFrom < 0) overlapFrom = from;
      overlapTo = to;
      cursor = Math.max(cursor, piece.end);
      index++;
    }
    if (cursor < end) added.push({ start: cursor, end, data: data.slice(cursor - start) });
    if (overlapFrom >= 0) overlap(same, overlapFrom, overlapTo);
    if (added.length === 0) return;
    pieces.splice(low, 0, ...added);
    // Keep the order: the added pieces interleave with the overlapped ones.
    if (added.length > 1 || index > low) pieces.sort((a, b) => a.start - b.start);
    for (const piece of added) {
      entry.covered += piece.end - piece.start;
      this.charge(entry, piece.end - piece.start + PIECE_OVERHEAD);
    }
  }

  private build(entry: Pending): Reassembled {
    const header = entry.header!;
    const total = entry.total!;
    const out = new Uint8Array(header.length + total);
    out.set(header);
    for (const piece of entry.pieces) out.set(piece.data, header.length + piece.start);
    if (entry.version === 4) {
      writeU16(out, 2, out.length);
      // Clear MF and the offset, keep DF and the reserved bit.
      writeU16(out, 6, readU16(out, 6) & 0xc000);
      writeU16(out, 10, 0);
      writeU16(out, 10, internetChecksum(out, 0, header.length));
    } else {
      writeU16(out, 4, out.length - 40);
      out[entry.nextHeaderAt] = entry.nextHeader;
    }
    return {
      packet: decodePacket(out, { ...this.decodeOptions, first: entry.version === 4 ? 'ipv4' : 'ipv6' }),
      bytes: out,
      fragments: entry.numbers,
      datagram: entry.key,
    };
  }
}

/** The byte ranges of the fragmentable part not held (the end Infinity while no last fragment came). */
function missingOf(entry: Pending): [number, number][] {
  const missing: [number, number][] = [];
  let cursor = 0;
  for (const piece of entry.pieces) {
    if (piece.start > cursor) missing.push([cursor, piece.start]);
    cursor = Math.max(cursor, piece.end);
  }
  const end = entry.total ?? Infinity;
  if (cursor < end) missing.push([cursor, end]);
  return missing;
}

/** The outermost IP fragment in a decoded packet, read from its bytes; undefined when none. */
function fragmentOf(decoded: DecodedPacket, bytes: Uint8Array): FragmentInfo | undefined {
  const layers = decoded.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    if (layer.layer === 'icmp' || layer.layer === 'icmpv6') return undefined;
    if (layer.layer === 'ipv4') {
      const o = layer.offset;
      if (o + 20 > bytes.length) return undefined;
      const word = readU16(bytes, o + 6);
      const more = (word & 0x2000) !== 0;
      const start = (word & 0x1fff) * 8;
      if (!more && start === 0) continue;
      const headerLength = layer.headerLength;
      // The total length ends the data (a trailer, such as Ethernet padding, is not part of it).
      const dataEnd = Math.min(o + Math.max(readU16(bytes, o + 2), headerLength), bytes.length);
      const data = bytes.subarray(Math.min(o + headerLength, dataEnd), dataEnd);
      return {
        key: `ipv4 ${formatIPv4(bytes, o + 12)} > ${formatIPv4(bytes, o + 16)} proto ${bytes[o + 9]} id 0x${readU16(
          bytes,
          o + 4,
        )
          .toString(16)
          .padStart(4, '0')}`,
        version: 4,
        ipOffset: o,
        start,
        data,
        more,
        headerLength,
        nextHeader: bytes[o + 9]!,
        nextHeaderAt: 9,
      };
    }
    if (layer.layer === 'ipv6') {
      // The fragment header in this IPv6 header's extension chain.
      let previousNextHeaderAt = layer.offset + 6;
      for (let j = i + 1; j < layers.length; j++) {
        const ext = layers[j]!;
        if (ext.layer === 'ipv6frag') {
          const f = ext.offset;
          if (f + 8 > bytes.length) return undefined;
          const word = readU16(bytes, f + 2);
          const more = (word & 1) !== 0;
          const start = (word >>> 3) * 8;
          if (!more && start === 0) {
            // An atomic fragment (RFC 6946): not part of any reassembly.
            return undefined;
          }
          const o = layer.offset;
          const dataEnd = Math.min(o + 40 + readU16(bytes, o + 4), bytes.length);
          return {
            key: `ipv6 ${formatIPv6(bytes, o + 8)} > ${formatIPv6(bytes, o + 24)} id 0x${readU32(bytes, f + 4)
              .toString(16)
              .padStart(8, '0')}`,
            version: 6,
            ipOffset: o,
            start,
            data: bytes.subarray(Math.min(f + 8, dataEnd), dataEnd),
            more,
            headerLength: f - o,
            nextHeader: bytes[f]!,
            nextHeaderAt: previousNextHeaderAt - o,
          };
        }
        if (ext.layer !== 'ipv6hop' && ext.layer !== 'ipv6dest' && ext.layer !== 'ipv6route') break;
        previousNextHeaderAt = ext.offset;
      }
      // Not a fragment: an inner IP layer (a tunnel) may be.
    }
  }
  return undefined;
}
