/**
 * 64-bit timestamps as two 32-bit halves, converted to and from seconds + nanoseconds with plain
 * numbers (no bigint per packet). Exact for every tick rate up to 2^37 per second and seconds below
 * 2^53 / 2^16.
 */

const TWO_32 = 4294967296;
const TWO_16 = 65536;

/** Output slot for `ticksToTime` (reused, so the hot path does not allocate). */
export interface TimeSlot {
  sec: number;
  nsec: number;
}

/** Output slot for `timeToTicks`. */
export interface TicksSlot {
  high: number;
  low: number;
}

/**
 * seconds + nanoseconds → ticks (rounded down to the tick) as high/low 32-bit halves.
 * `ticksPerSecond` must be 1e6 or 1e9 (the resolutions the writer produces) or another divisor of 1e9.
 */
export function timeToTicks(sec: number, nsec: number, ticksPerSecond: number, out: TicksSlot): TicksSlot {
  const frac = ticksPerSecond === 1e9 ? nsec : Math.floor(nsec / (1e9 / ticksPerSecond));
  if (ticksPerSecond <= 1e6 && sec < 9e9) {
    const t = sec * ticksPerSecond + frac;
    const high = Math.floor(t / TWO_32);
    out.high = high;
    out.low = t - high * TWO_32;
    return out;
  }
  const secLow = sec % TWO_16;
  const secHigh = (sec - secLow) / TWO_16;
  const a = secHigh * ticksPerSecond;
  const aLow = a % TWO_16;
  const aHigh = (a - aLow) / TWO_16;
  const c = aLow * TWO_16 + secLow * ticksPerSecond + frac;
  const carry = Math.floor(c / TWO_32);
  out.high = aHigh + carry;
  out.low = c - carry * TWO_32;
  return out;
}

/** Ticks (high/low halves, unsigned) → seconds + nanoseconds (rounded down to the nanosecond). */
export function ticksToTime(high: number, low: number, ticksPerSecond: number, out: TimeSlot): TimeSlot {
  let sec: number;
  let rem: number;
  if (high < 0x200000) {
    // Below 2^53: exact in a double.
    const t = high * TWO_32 + low;
    sec = Math.floor(t / ticksPerSecond);
    rem = t - sec * ticksPerSecond;
    if (rem < 0) {
      sec -= 1;
      rem += ticksPerSecond;
    } else if (rem >= ticksPerSecond) {
      sec += 1;
      rem -= ticksPerSecond;
    }
  } else if (ticksPerSecond <= 2 ** 37) {
    // Long division in base 2^16: every intermediate stays below 2^53.
    let r = 0;
    let cur = r * TWO_16 + (high >>> 16);
    const q3 = Math.floor(cur / ticksPerSecond);
    r = cur - q3 * ticksPerSecond;
    cur = r * TWO_16 + (high & 0xffff);
    const q2 = Math.floor(cur / ticksPerSecond);
    r = cur - q2 * ticksPerSecond;
    cur = r * TWO_16 + (low >>> 16);
    const q1 = Math.floor(cur / ticksPerSecond);
    r = cur - q1 * ticksPerSecond;
    cur = r * TWO_16 + (low & 0xffff);
    const q0 = Math.floor(cur / ticksPerSecond);
    r = cur - q0 * ticksPerSecond;
    sec = ((q3 * TWO_16 + q2) * TWO_16 + q1) * TWO_16 + q0;
    rem = r;
  } else {
    // Absurd resolutions (finer than 2^-37 s): approximate, but bounded.
    const t = high * TWO_32 + low;
    sec = Math.floor(t / ticksPerSecond);
    rem = Math.max(0, t - sec * ticksPerSecond);
  }
  out.sec = sec;
  if (ticksPerSecond === 1e9) out.nsec = rem;
  else if (ticksPerSecond === 1e6) out.nsec = rem * 1000;
  else if (ticksPerSecond < 1e9 && 1e9 % ticksPerSecond === 0) out.nsec = rem * (1e9 / ticksPerSecond);
  else if (ticksPerSecond > 1e9 && ticksPerSecond % 1e9 === 0)
    out.nsec = Math.floor(rem / (ticksPerSecond / 1e9));
  else if (Number.isSafeInteger(rem) && Number.isSafeInteger(ticksPerSecond)) {
    // Rare resolutions (2^-n): exact with bigint, off the decimal hot paths.
    out.nsec = Number((BigInt(rem) * 1_000_000_000n) / BigInt(ticksPerSecond));
  } else out.nsec = Math.min(999_999_999, Math.floor((rem * 1e9) / ticksPerSecond));
  return out;
}

/** The tick rate an if_tsresol byte means: 10^-n, or 2^-n when the top bit is set. */
export function ticksPerSecondFromTsresol(tsresol: number): number {
  return tsresol & 0x80 ? 2 ** (tsresol & 0x7f) : 10 ** tsresol;
}

/** Formats seconds + nanoseconds as `1700000000.000000001`. */
export function formatEpoch(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** Compares two timestamps: negative, zero or positive. */
export function compareTime(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return aSec !== bSec ? aSec - bSec : aNsec - bNsec;
}
