/**
 * The Internet checksum (RFC 1071), its incremental update (RFC 1624) and the IPv4/IPv6
 * pseudo-headers used by UDP, TCP and ICMPv6.
 *
 * Sums are plain non-negative numbers, kept unfolded between calls (a double is exact below 2^53)
 * and folded once at the end. Long ranges are summed as 32-bit words (see `onesSum`).
 */

/** Below this many bytes the plain byte loop is faster than setting up the word view. */
const WORD_PATH_MIN = 24;

/** A Uint32Array view of the last ArrayBuffer summed (packets come from a few large buffers). */
let wordBuffer: ArrayBufferLike | undefined;
let wordView: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

function wordsOf(buffer: ArrayBufferLike, bytesNeeded: number): Uint32Array<ArrayBufferLike> {
  if (buffer !== wordBuffer || wordView.length * 4 < bytesNeeded) {
    wordBuffer = buffer;
    wordView = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return wordView;
}

/**
 * Adds the 16-bit big-endian words of bytes[start, end) to `initial`; an odd last byte is padded with
 * zero. Bytes past the end of the buffer count as zero. The result is not folded (see `foldSum`),
 * but it is not the plain word sum either: it is congruent to it modulo 0xffff and is 0 only when
 * every byte is 0, which is all a one's complement sum needs (fold it, or add it to other sums).
 */
export function onesSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  const stop = Math.min(end, bytes.length);
  if (stop - start < WORD_PATH_MIN) return initial + byteSum(bytes, start, stop);
  return initial + wordSum(bytes, start, stop);
}

/** The big-endian word sum of a short range, byte by byte (high and low bytes apart). */
function byteSum(bytes: Uint8Array, start: number, stop: number): number {
  let high = 0;
  let low = 0;
  let i = start;
  const evenEnd = stop - ((stop - start) & 1);
  for (; i < evenEnd; i += 2) {
    high += bytes[i]!;
    low += bytes[i + 1]!;
  }
  if (i < stop) high += bytes[i]!;
  return high * 256 + low;
}

/**
 * RFC 1071 §2(B), byte order independence: the sum of the 32-bit little-endian words of the aligned
 * middle (read through a Uint32Array over the whole ArrayBuffer), folded, is the little-endian sum;
 * swapping its two bytes gives the big-endian one. A byte at an even address of the ArrayBuffer is
 * a low byte in that sum (weight 1), at an odd address a high byte (weight 256); the unaligned head
 * and tail are added byte by byte with the same weights. When `start` sits at an odd address, the
 * big-endian words relative to `start` have exactly those weights and no swap is needed.
 * Each word is added as its two 16-bit halves into two small-integer accumulators (int32 adds, where
 * one accumulator of whole 32-bit words is a double); they are folded every 2^15 words, before either
 * could pass 2^31.
 */
function wordSum(bytes: Uint8Array, start: number, stop: number): number {
  const base = bytes.byteOffset;
  const first = base + start;
  const last = base + stop;
  let even = 0;
  let odd = 0;
  let at = first;
  const alignedStart = (first + 3) & ~3;
  for (; at < alignedStart; at++) {
    if (at & 1) odd += bytes[at - base]!;
    else even += bytes[at - base]!;
  }
  const alignedEnd = last & ~3;
  const words = wordsOf(bytes.buffer, alignedEnd);
  let sum = 0;
  let k = at >>> 2;
  const kEnd = alignedEnd >>> 2;
  while (k < kEnd) {
    const stopChunk = Math.min(kEnd, k + 0x8000);
    let lowHalves = 0;
    let highHalves = 0;
    for (; k < stopChunk; k++) {
      const word = words[k]!;
      lowHalves += word & 0xffff;
      highHalves += word >>> 16;
    }
    sum = foldSum(sum + lowHalves + highHalves);
  }
  for (at = Math.max(alignedEnd, at); at < last; at++) {
    if (at & 1) odd += bytes[at - base]!;
    else even += bytes[at - base]!;
  }
  const littleEndian = foldSum(sum + even + odd * 256);
  return first & 1 ? littleEndian : ((littleEndian & 0xff) << 8) | (littleEndian >>> 8);
}

/**
 * A region of one buffer already summed during a decode (`onesSum` of bytes[summedStart, summedEnd);
 * summedSum -1 or absent when none). The packet decoder's context carries one: the region the last
 * verified UDP checksum covered.
 */
export interface SummedRegion {
  summedStart?: number;
  summedEnd?: number;
  summedSum?: number;
}

/**
 * A sum of bytes[start, end) that a checksum check may use as `onesSum`'s: congruent to it modulo
 * 0xffff, which is all a one's complement comparison looks at once a nonzero initial sum (a
 * pseudo-header) is added. In a tunnel (GTP-U, VXLAN, Geneve) the outer UDP checksum's region ends
 * exactly where the inner TCP or UDP checksum's region ends. When `summed` ends at `end`, starts at
 * or before `start`, and start - summedStart is even (the 16-bit words line up), the result is that
 * sum minus the prefix [summedStart, start): in one's complement arithmetic subtracting P is adding
 * 0xffff - fold(P), so only the tunnel's headers (tens of bytes) are summed, not the whole inner
 * segment a second time.
 */
export function suffixSum(bytes: Uint8Array, start: number, end: number, summed: SummedRegion): number {
  const summedSum = summed.summedSum ?? -1;
  const summedStart = summed.summedStart ?? 0;
  if (
    summedSum >= 0 &&
    summed.summedEnd === end &&
    summedStart <= start &&
    ((start - summedStart) & 1) === 0
  ) {
    return summedSum + 0xffff - foldSum(onesSum(bytes, summedStart, start));
  }
  return onesSum(bytes, start, end);
}

/** Folds a sum to 16 bits with end-around carry. */
export function foldSum(sum: number): number {
  if (sum >= 0 && sum <= 0xffffffff) {
    // Below 2^32 (every packet's sum): two integer folds give at most 0xffff, as the loop below would.
    sum = (sum & 0xffff) + (sum >>> 16);
    return (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value: the one's complement of the folded sum. */
export function internetChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  return ~foldSum(onesSum(bytes, start, end, initial)) & 0xffff;
}

/** True when a region that includes its own checksum field sums to 0xffff (RFC 1071 verification). */
export function checksumVerifies(bytes: Uint8Array, start: number, end: number, initial = 0): boolean {
  return foldSum(onesSum(bytes, start, end, initial)) === 0xffff;
}

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes from
 * `oldWord` to `newWord`: HC' = ~(~HC + ~m + m').
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  const sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~foldSum(sum) & 0xffff;
}

/** RFC 1624 for a 32-bit value (two words), e.g. an IPv4 address or a TCP sequence number. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  const sum =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~foldSum(sum) & 0xffff;
}

/** Sum of the IPv4 pseudo-header (RFC 768/793): source, destination, zero+protocol, upper-layer length. */
export function pseudoHeaderSumV4(
  bytes: Uint8Array,
  ipHeaderOffset: number,
  protocol: number,
  length: number,
): number {
  const extra = protocol + (length & 0xffff) + Math.floor(length / 0x10000);
  const at = ipHeaderOffset + 12;
  if (at < 0 || at + 8 > bytes.length) return onesSum(bytes, at, at + 8, extra);
  return (
    extra +
    ((bytes[at]! << 8) | bytes[at + 1]!) +
    ((bytes[at + 2]! << 8) | bytes[at + 3]!) +
    ((bytes[at + 4]! << 8) | bytes[at + 5]!) +
    ((bytes[at + 6]! << 8) | bytes[at + 7]!)
  );
}

/** Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination, 32-bit length, next header. */
export function pseudoHeaderSumV6(
  bytes: Uint8Array,
  ipHeaderOffset: number,
  nextHeader: number,
  length: number,
  destinationOffset = ipHeaderOffset + 24,
): number {
  let sum = onesSum(bytes, ipHeaderOffset + 8, ipHeaderOffset + 24);
  sum = onesSum(bytes, destinationOffset, destinationOffset + 16, sum);
  return sum + (length >>> 16) + (length & 0xffff) + nextHeader;
}

// ---------------------------------------------------------------------------------------------
// Sums of finished regions, reused by an enclosing checksum within one encode.
//
// Encoding finishes checksums inside-out: an inner TCP segment is summed, its checksum written,
// then the outer UDP checksum covers those same bytes again. The encoder opens a scope over its
// output buffer (`beginRegionSums`); a layer that has just summed a region whose bytes are final
// notes that sum (`noteRegionSum`); `regionSum` then adds a noted region's sum instead of its
// bytes. The scope only holds while no byte of a noted region changes: the packet encoder keeps
// that (each layer writes its own header, trailer and checksum only, outer layers' finish runs
// after inner ones) and closes the scope when the packet is done. Outside a scope, or for another
// buffer, `noteRegionSum` does nothing and `regionSum` is `onesSum`.

const REGION_SLOTS = 16;
let regionBytes: Uint8Array | undefined;
let regionCount = 0;
const regionStarts = new Int32Array(REGION_SLOTS);
const regionEnds = new Int32Array(REGION_SLOTS);
const regionSums = new Float64Array(REGION_SLOTS);

/** Opens the scope of noted region sums over `bytes` (forgetting any noted before). */
export function beginRegionSums(bytes: Uint8Array): void {
  regionBytes = bytes;
  regionCount = 0;
}

/** Closes the scope: nothing noted is used again. */
export function endRegionSums(): void {
  regionBytes = undefined;
  regionCount = 0;
}

/**
 * Notes that bytes[start, end) sum to `sum` (a `onesSum`-style value relative to `start`: congruent to
 * the word sum modulo 0xffff, 0 only for all-zero bytes) and will not change in the current scope.
 */
export function noteRegionSum(bytes: Uint8Array, start: number, end: number, sum: number): void {
  if (bytes !== regionBytes || regionCount === REGION_SLOTS || !(end > start) || end > bytes.length) return;
  regionStarts[regionCount] = start;
  regionEnds[regionCount] = end;
  regionSums[regionCount] = sum;
  regionCount++;
}

/** `onesSum`, with the noted regions inside [start, end) added as their sums instead of byte by byte. */
export function regionSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  if (bytes !== regionBytes || regionCount === 0) return onesSum(bytes, start, end, initial);
  let sum = initial;
  let at = start;
  while (at < end) {
    // The longest noted region starting here, else the bytes up to the next noted region.
    let best = -1;
    let bestEnd = at;
    let next = end;
    for (let r = 0; r < regionCount; r++) {
      const regionStart = regionStarts[r]!;
      const regionEnd = regionEnds[r]!;
      if (regionStart < at || regionEnd > end) continue;
      if (regionStart === at) {
        if (regionEnd > bestEnd) {
          best = r;
          bestEnd = regionEnd;
        }
      } else if (regionStart < next) {
        next = regionStart;
      }
    }
    let part: number;
    let after: number;
    if (best >= 0) {
      part = regionSums[best]!;
      after = bestEnd;
    } else {
      part = onesSum(bytes, at, next);
      after = next;
    }
    // A part that starts an odd number of bytes after `start` has its bytes in the other halves of
    // the words: times 256 modulo 0xffff (a byte swap of the folded value).
    sum += (at - start) & 1 ? foldSum(part) * 256 : part;
    at = after;
  }
  return sum;
}
