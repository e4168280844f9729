import { describe, expect, it } from 'vitest';
import { checksumVerifies } from '../../src/core/checksum.js';
import { FlowFrameEncoder, payloadSum } from '../../src/flow/frame-encoder.js';
import { PATTERN_PERIOD, PatternPayload, printablePatternBytes } from '../../src/flow/payload.js';
import type { CapturedSegment } from '../../src/flow/types.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Byte i of the pattern stream, straight from its definition (no period, no copies). */
function patternByte(i: number, salt: number): number {
  return i % 64 === 63 ? 0x0a : ALPHABET.charCodeAt((i + salt * 7 + Math.floor(i / 64)) % 62);
}

/** RFC 1071 by the book: 16-bit big-endian words, an odd last byte padded with zero, folded. */
function referenceSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2)
    sum += (bytes[i]! << 8) | (i + 1 < bytes.length ? bytes[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

describe('the pattern payload and its sums', () => {
  it('printablePatternBytes (one period computed, the rest copied) is the per-byte definition', () => {
    for (const salt of [1, 2, 9]) {
      for (const length of [0, 1, 63, PATTERN_PERIOD - 1, PATTERN_PERIOD, PATTERN_PERIOD + 1, 70_001]) {
        const bytes = printablePatternBytes(length, salt);
        expect(bytes.length).toBe(length);
        const expected = Uint8Array.from({ length }, (_, i) => patternByte(i, salt));
        expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });

  it('payloadSum of pattern views (one-period prefix sums) is the full RFC 1071 sum, at any offset', () => {
    const source = new PatternPayload(200 * 1024 * 1024, 1);
    // Stream offsets near 0, across period boundaries, far into the transfer; odd and even starts;
    // lengths from empty to a full 64 KiB segment, odd and even.
    const starts = [
      0,
      1,
      2,
      1447,
      PATTERN_PERIOD - 1,
      PATTERN_PERIOD,
      3 * PATTERN_PERIOD + 5,
      65_535,
      104_857_599,
    ];
    const lengths = [0, 1, 2, 3, 535, 1448, 1449, 8960, 65_535, 65_536];
    for (const start of starts) {
      for (const length of lengths) {
        const view = source.bytes(start, start + length);
        const expected = Uint8Array.from({ length }, (_, i) => patternByte(start + i, 1));
        expect(Buffer.from(view).equals(Buffer.from(expected))).toBe(true);
        expect(payloadSum(view), `start ${start} length ${length}`).toBe(referenceSum(expected));
      }
    }
  });

  it('payloadSum of caller bytes (no cached sums) is the RFC 1071 sum', () => {
    const bytes = Uint8Array.from({ length: 3001 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (const [start, end] of [
      [0, 3001],
      [1, 3000],
      [17, 18],
      [2, 2],
    ] as const) {
      expect(payloadSum(bytes.subarray(start, end))).toBe(referenceSum(bytes.slice(start, end)));
    }
  });

  it('the encoder’s TCP checksum verifies over the pseudo-header for pattern payloads far into the stream', () => {
    const encoder = new FlowFrameEncoder({
      ipVersion: 4,
      clientIp: '192.0.2.1',
      serverIp: '198.51.100.7',
      clientPort: 45678,
      serverPort: 33333,
      ethernet: false,
    });
    const source = new PatternPayload(20 * 1024 * 1024, 2);
    const out = new Uint8Array(2048);
    for (const start of [0, 1, 4_000, 1_000_001, 20 * 1024 * 1024 - 1448]) {
      const segment: CapturedSegment = {
        timeUs: 1_700_000_000_000_000,
        from: 'client',
        seq: 0x89abcdef,
        ack: 0xfedcba98,
        flags: 0x18,
        window: 501,
        tsval: 0x11223344,
        tsecr: 0x55667788,
        payload: source.bytes(start, start + 1448),
        connection: 0,
      };
      const length = encoder.frameLength(segment);
      expect(encoder.encode(segment, out, 0)).toBe(length);
      // Pseudo-header: source and destination addresses, protocol 6, TCP length.
      const tcpLength = length - 20;
      const pseudo = 0xc000 + 0x0201 + 0xc633 + 0x6407 + 6 + tcpLength;
      expect(checksumVerifies(out, 20, length, pseudo)).toBe(true);
    }
  });
});
