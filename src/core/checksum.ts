/**
 * The Internet checksum (RFC 1071), its incremental update (RFC 1624) and the IPv4/IPv6
 * pseudo-headers used by UDP, TCP and ICMPv6.
 *
 * Sums are kept unfolded as plain numbers (a 32-bit accumulator cannot overflow for any packet
 * this toolkit handles: 65535 words of 0xffff is below 2^32) and folded once at the end.
 */

/**
 * Adds the 16-bit big-endian words of bytes[start, end) to `initial`; an odd last byte is padded with
 * zero. Bytes past the end of the buffer count as zero. The result is not folded (see `foldSum`).
 */
export function onesSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  // High and low bytes summed apart (small integers, eight bytes a turn), joined at the end:
  // the same sum as adding (hi << 8 | lo) word by word, in fewer operations.
  const stop = Math.min(end, bytes.length);
  let high = 0;
  let low = 0;
  let i = start;
  const end8 = stop - ((stop - start) & 7);
  for (; i < end8; i += 8) {
    high += bytes[i]! + bytes[i + 2]! + bytes[i + 4]! + bytes[i + 6]!;
    low += bytes[i + 1]! + bytes[i + 3]! + bytes[i + 5]! + bytes[i + 7]!;
  }
  const evenEnd = stop - ((stop - start) & 1);
  for (; i < evenEnd; i += 2) {
    high += bytes[i]!;
    low += bytes[i + 1]!;
  }
  if (i < stop) high += bytes[i]!;
  return initial + high * 256 + low;
}

/** Folds a sum to 16 bits with end-around carry. */
export function foldSum(sum: number): number {
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
  return onesSum(
    bytes,
    ipHeaderOffset + 12,
    ipHeaderOffset + 20,
    protocol + (length & 0xffff) + Math.floor(length / 0x10000),
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
