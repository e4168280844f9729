/**
 * One's-complement helpers of the engine (RFC 1071, RFC 1624), shared by the interpreter in
 * template.ts and the generated writers of codegen.ts.
 */

/** index mod span for non-negative integers; int32 division when both fit (a float % is a libc call). */
export function remainder(index: number, span: number): number {
  if (index <= 0x7fffffff && span <= 0x7fffffff) return (index | 0) % (span | 0);
  return index - Math.floor(index / span) * span;
}

/** End-around-carry fold of a non-negative int32 sum to 16 bits (0xFFFF and 0 are both zero). */
export function fold(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/** The two bytes of a 16-bit value swapped (a sum taken at an odd offset). */
export function swap16(value: number): number {
  return ((value & 0xff) << 8) | (value >>> 8);
}

/** One's-complement contribution of bytes[base+start, base+end) with word alignment on even frame offsets. */
export function contribution(bytes: Uint8Array, base: number, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += i & 1 ? bytes[base + i]! : bytes[base + i]! << 8;
  return sum;
}
