import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  beginRegionSums,
  checksumVerifies,
  endRegionSums,
  foldSum,
  internetChecksum,
  noteRegionSum,
  onesSum,
  regionSum,
  suffixSum,
  updateChecksum16,
  updateChecksum32,
} from '../../src/core/checksum.js';

describe('Internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum (one's complement) to 0xddf2.
    const bytes = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(foldSum(onesSum(bytes, 0, bytes.length))).toBe(0xddf2);
    expect(internetChecksum(bytes, 0, bytes.length)).toBe(0x220d);
  });

  it('checks a real IPv4 header (Wikipedia/RFC 791 example header, checksum 0xb861)', () => {
    const header = Uint8Array.from([
      0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0,
      0xa8, 0x00, 0xc7,
    ]);
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(checksumVerifies(header, 0, 20)).toBe(true);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(Uint8Array.from([0x01]), 0, 1)).toBe(0xfeff);
  });
});

describe('incremental update (RFC 1624)', () => {
  it('gives the RFC 1624 §4 result (0x0000, not the -0 of eqn. 2)', () => {
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it('equals a full recomputation for any 16- and 32-bit change', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 64 }).filter((b) => b.length % 2 === 0),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (bytes, position, value) => {
          const at = (position % (bytes.length / 2 - 1)) * 2;
          const before = internetChecksum(bytes, 0, bytes.length);
          const old16 = (bytes[at]! << 8) | bytes[at + 1]!;
          const copy = Uint8Array.from(bytes);
          copy[at] = (value >>> 8) & 0xff;
          copy[at + 1] = value & 0xff;
          const updated16 = updateChecksum16(before, old16, value & 0xffff);
          const full16 = internetChecksum(copy, 0, copy.length);
          // Both forms of zero are the same one's complement value.
          expect(updated16 === full16 || (updated16 | full16) === 0xffff).toBe(true);
          if (at + 4 <= bytes.length) {
            const old32 =
              ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
            const copy32 = Uint8Array.from(bytes);
            copy32[at] = value >>> 24;
            copy32[at + 1] = value >>> 16;
            copy32[at + 2] = value >>> 8;
            copy32[at + 3] = value;
            const updated32 = updateChecksum32(before, old32, value);
            const full32 = internetChecksum(copy32, 0, copy32.length);
            expect(updated32 === full32 || (updated32 | full32) === 0xffff).toBe(true);
          }
        },
      ),
    );
  });
});

/** RFC 1071 as written: 16-bit big-endian words, an odd last byte padded with zero, end-around carry. */
function referenceChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) {
    sum += (bytes[i]! << 8) | (i + 1 < end ? bytes[i + 1]! : 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe('word-at-a-time sum (byte order independence, RFC 1071 §2(B))', () => {
  it('equals the plain 16-bit sum at every alignment and length, in a view at any byteOffset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 1600 }),
        fc.nat({ max: 7 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0x3ffff }),
        (data, viewOffset, a, b, initial) => {
          // The same bytes placed at every byteOffset 0..7 of a larger ArrayBuffer.
          const backing = new Uint8Array(data.length + 16);
          backing.set(data, viewOffset);
          const bytes = backing.subarray(viewOffset, viewOffset + data.length);
          const start = data.length === 0 ? 0 : a % (data.length + 1);
          const end = start + (b % (data.length - start + 1));
          const expected = referenceChecksum(data, start, end, initial);
          expect(internetChecksum(bytes, start, end, initial)).toBe(expected);
          expect(foldSum(onesSum(bytes, start, end, initial))).toBe(~expected & 0xffff);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('handles every start and end offset of a 64-byte range exhaustively, all-0xff bytes included', () => {
    const backing = new Uint8Array(80);
    for (let i = 0; i < backing.length; i++) backing[i] = (i * 151 + 7) & 0xff;
    const ones = new Uint8Array(80).fill(0xff);
    for (const source of [backing, ones]) {
      for (let shift = 0; shift < 4; shift++) {
        const bytes = source.subarray(shift, shift + 72);
        for (let start = 0; start < 64; start++) {
          for (let end = start; end <= 72; end++) {
            expect(internetChecksum(bytes, start, end)).toBe(referenceChecksum(bytes, start, end));
          }
        }
      }
    }
  });

  it('gives 0 for all-zero bytes and counts bytes past the end of the buffer as zero', () => {
    const zeros = new Uint8Array(200);
    expect(onesSum(zeros, 0, 200)).toBe(0);
    expect(onesSum(zeros, 3, 197, 5)).toBe(5);
    const bytes = new Uint8Array(100).fill(0x12);
    expect(internetChecksum(bytes, 10, 500)).toBe(referenceChecksum(bytes, 10, 100));
  });

  it('sums views of different ArrayBuffers (Buffer pool slices too) one after another', () => {
    const first = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    const second = new Uint8Array(Array.from({ length: 301 }, (_, i) => (i * 13) & 0xff));
    for (const bytes of [first, second, first.subarray(1), second.subarray(3), first]) {
      expect(internetChecksum(bytes, 1, bytes.length - 2)).toBe(
        referenceChecksum(bytes, 1, bytes.length - 2),
      );
    }
  });
});

describe('noted region sums (reused by an enclosing checksum)', () => {
  it('regionSum equals the byte sum for nested and adjacent noted regions at any parity', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        (bytes, cuts, a, b) => {
          beginRegionSums(bytes);
          try {
            for (const [x, y] of cuts) {
              const start = x % bytes.length;
              const end = start + 1 + (y % (bytes.length - start));
              noteRegionSum(bytes, start, end, onesSum(bytes, start, end));
            }
            const start = a % bytes.length;
            const end = start + (b % (bytes.length - start + 1));
            expect(foldSum(regionSum(bytes, start, end, 3))).toBe(foldSum(onesSum(bytes, start, end, 3)));
          } finally {
            endRegionSums();
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('ignores notes outside a scope or for another buffer', () => {
    const bytes = new Uint8Array(64).fill(1);
    const other = new Uint8Array(64);
    noteRegionSum(bytes, 0, 64, 12345); // no scope open: ignored
    expect(regionSum(bytes, 0, 64)).toBe(onesSum(bytes, 0, 64));
    beginRegionSums(other);
    noteRegionSum(bytes, 0, 64, 12345); // another buffer: ignored
    expect(regionSum(bytes, 0, 64)).toBe(onesSum(bytes, 0, 64));
    noteRegionSum(other, 8, 16, 0x1234); // used: a note is trusted within its scope
    expect(foldSum(regionSum(other, 0, 64))).toBe(0x1234);
    endRegionSums();
    expect(regionSum(other, 0, 64)).toBe(0);
  });

  it('sums more than 2^20 words (folding on the way) exactly', () => {
    const bytes = new Uint8Array((1 << 22) + 6).fill(0xff);
    bytes[5] = 0x12;
    expect(internetChecksum(bytes, 1, bytes.length)).toBe(referenceChecksum(bytes, 1, bytes.length));
    expect(internetChecksum(bytes, 0, bytes.length - 1)).toBe(referenceChecksum(bytes, 0, bytes.length - 1));
  });
});

describe("suffix sums (an inner checksum over the end of an outer checksum's region)", () => {
  it('checks like the RFC 1071 sum of the suffix, for any recorded region, aligned or not', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        // A pseudo-header sum: never 0 (it holds the protocol number and a length).
        fc.integer({ min: 1, max: 0x3ffff }),
        fc.boolean(),
        (data, a, b, c, initial, endsTogether) => {
          const n = data.length;
          const summedStart = a % (n + 1);
          const summedEnd = summedStart + (b % (n - summedStart + 1));
          const start = summedStart + (c % (summedEnd - summedStart + 1));
          // The suffix ends where the region does, or (not reusable) one byte earlier.
          const end = endsTogether || summedEnd === start ? summedEnd : summedEnd - 1;
          const recorded = onesSum(data, summedStart, summedEnd);
          const derived = suffixSum(data, start, end, { summedStart, summedEnd, summedSum: recorded });
          const expected = ~referenceChecksum(data, start, end, initial) & 0xffff;
          expect(foldSum(derived + initial)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
