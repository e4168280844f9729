import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaptureRecord,
  captureProblems,
  readCapture,
  readCaptureStream,
} from '../../src/capture/index.js';
import { CaptureError } from '../../src/core/errors.js';
import {
  concat,
  ETHER_UDP_FRAME,
  enhancedPacket,
  hex,
  interfaceBlock,
  pcapHeader,
  pcapRecord,
  sectionHeader,
  textOption,
} from './spec-bytes.js';

const T0 = 1700000000;

interface Outcome {
  times: number[];
  error?: CaptureError | undefined;
}

function readAll(bytes: Uint8Array): Outcome {
  const times: number[] = [];
  try {
    for (const record of readCapture(bytes)) times.push(record.timestampNsec);
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    return { times, error };
  }
  return { times };
}

async function readAllStreaming(bytes: Uint8Array, chunk: number): Promise<Outcome> {
  const times: number[] = [];
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) pieces.push(Buffer.from(bytes.subarray(at, at + chunk)));
  try {
    for await (const record of readCaptureStream(Readable.from(pieces), { chunkSize: 16 })) {
      times.push((record as CaptureRecord).timestampNsec);
    }
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    return { times, error };
  }
  return { times };
}

// Three packets of different sizes, records at known offsets.
const frames = [ETHER_UDP_FRAME, ETHER_UDP_FRAME.subarray(0, 17), hex('0102')];
const pcapParts = [
  pcapHeader(true, false, 262144, 1),
  ...frames.map((frame, i) => pcapRecord(true, T0, i + 1, frame)),
];
const pcapngParts = [
  sectionHeader(true, [textOption(4, 'hand made')]),
  interfaceBlock(true, 1, 0, [textOption(2, 'eth0')]),
  ...frames.map((frame, i) =>
    enhancedPacket(true, 0, 0x60a24, 0x181e4000 + i + 1, frame, frame.length, [textOption(1, 'c')]),
  ),
];

/** Start offsets of every part and the file they make. */
function layout(parts: Uint8Array[]): { file: Uint8Array; starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const part of parts) {
    starts.push(at);
    at += part.length;
    ends.push(at);
  }
  return { file: concat(...parts), starts, ends };
}

describe.each([
  ['pcap', pcapParts],
  ['pcapng', pcapngParts],
])('%s truncated at every byte offset', (_name, parts) => {
  const { file, starts, ends } = layout(parts);
  const headerParts = parts.length - frames.length;
  it('yields every whole packet before the cut, then a CaptureError at the start of the cut unit', async () => {
    for (let cut = 0; cut <= file.length; cut++) {
      const outcome = readAll(file.subarray(0, cut));
      const whole = ends.filter((end, i) => i >= headerParts && end <= cut).length;
      expect(outcome.times, `cut at ${cut}`).toEqual([1, 2, 3].slice(0, whole).map((n) => n * 1000));
      const boundary = ends.includes(cut); // between whole blocks or records: a valid, shorter file
      if (boundary) {
        expect(outcome.error, `cut at ${cut}`).toBeUndefined();
        continue;
      }
      expect(outcome.error, `cut at ${cut}`).toBeInstanceOf(CaptureError);
      const unit = Math.max(...starts.filter((start) => start <= cut)); // the unit the cut falls in
      if (cut === 0) expect(outcome.error!.reason).toBe('empty file: no capture header');
      else {
        expect(outcome.error!.fileOffset, `cut at ${cut}`).toBe(cut < 4 ? 0 : unit);
        expect(outcome.error!.reason).toMatch(/^truncated /);
      }
      // The streaming reader, fed in tiny chunks, agrees exactly.
      const streamed = await readAllStreaming(file.subarray(0, cut), 3);
      expect(streamed.times).toEqual(outcome.times);
      expect(streamed.error?.message).toBe(outcome.error!.message);
    }
  });

  it('with allowCutShortTail, a cut inside a record or block after the headers ends the file cleanly', async () => {
    const headersEnd = ends[headerParts - 1]!;
    for (let cut = headersEnd; cut <= file.length; cut++) {
      const bytes = file.subarray(0, cut);
      const whole = ends.filter((end, i) => i >= headerParts && end <= cut).length;
      const expected = [1, 2, 3].slice(0, whole).map((n) => n * 1000);
      const reading = readCapture(bytes, { allowCutShortTail: true });
      expect(
        [...reading].map((record) => record.timestampNsec),
        `cut at ${cut}`,
      ).toEqual(expected);
      const boundary = ends.includes(cut);
      const unit = Math.max(...starts.filter((start) => start <= cut));
      expect(reading.cutShort, `cut at ${cut}`).toEqual(
        boundary ? undefined : { intactPackets: whole, fileOffset: unit, what: expect.any(String) },
      );
      expect(captureProblems(reading)).toEqual(
        boundary
          ? []
          : [`${whole} intact packet${whole === 1 ? '' : 's'}, the last record cut short at offset ${unit}`],
      );
      const pieces = [Buffer.from(bytes.subarray(0, 7)), Buffer.from(bytes.subarray(7))];
      const stream = readCaptureStream(Readable.from(pieces), { chunkSize: 16, allowCutShortTail: true });
      const streamed: number[] = [];
      for await (const record of stream) streamed.push(record.timestampNsec);
      expect(streamed).toEqual(expected);
      expect(stream.cutShort).toEqual(reading.cutShort);
    }
    // Inside the file header the file is not a capture at all: still an error.
    expect(() => [
      ...readCapture(file.subarray(0, Math.min(10, headersEnd - 1)), { allowCutShortTail: true }),
    ]).toThrow(CaptureError);
  });
});

function expectError(bytes: Uint8Array, offset: number, reason: RegExp, packetsBefore: number): void {
  const outcome = readAll(bytes);
  expect(outcome.times).toHaveLength(packetsBefore);
  expect(outcome.error).toBeInstanceOf(CaptureError);
  expect(outcome.error!.fileOffset).toBe(offset);
  expect(outcome.error!.reason).toMatch(reason);
}

describe('damaged length fields and magic', () => {
  const pcap = layout(pcapParts);
  const ng = layout(pcapngParts);

  it('bad magic', () => {
    expectError(hex('0102030405060708'), 0, /bad magic 0x01020304/, 0);
    const ngBom = ng.file.slice();
    ngBom[8] = 0;
    expectError(ngBom, 8, /unknown byte-order magic/, 0);
  });

  it('pcap captured length above 262144, above the snap length, or past the end', () => {
    const second = pcap.starts[2]!;
    const huge = pcap.file.slice();
    new DataView(huge.buffer).setUint32(second + 8, 0xffffffff, true);
    expectError(
      huge,
      second + 8,
      /captured length 4294967295 is above the maximum of 262144 for link type 1/,
      1,
    );
    // Above the snap length is not damage: wiretap reads it (the snap length is advisory); it is noted.
    const snap = concat(pcapHeader(true, false, 16, 1), pcapRecord(true, T0, 0, ETHER_UDP_FRAME));
    const reading = readCapture(snap);
    expect([...reading].map((record) => record.data.length)).toEqual([ETHER_UDP_FRAME.length]);
    expect(reading.snapLengthExcess).toEqual([
      { interfaceId: 0, snapLen: 16, records: 1, longest: ETHER_UDP_FRAME.length, firstOffset: 24 },
    ]);
    const longer = pcap.file.slice();
    new DataView(longer.buffer).setUint32(second + 8, 1000, true);
    expectError(longer, second, /truncated record body: need 1016 bytes/, 1);
  });

  it('pcapng block lengths: below 12, not a multiple of 4, above the largest EPB, mismatched trailer', () => {
    const second = ng.starts[3]!;
    const cases: [number, RegExp][] = [
      [8, /block total length 8 is below 12/],
      [66, /block total length 66 is not a multiple of 4/],
      [0x7ffffffc, /block total length 2147483644 is above the maximum of 134348832/],
    ];
    for (const [length, reason] of cases) {
      const bad = ng.file.slice();
      new DataView(bad.buffer).setUint32(second + 4, length, true);
      expectError(bad, second + 4, reason, 1);
    }
    const trailer = ng.file.slice();
    const end = ng.ends[3]!;
    new DataView(trailer.buffer).setUint32(end - 4, 1000, true);
    expectError(trailer, end - 4, /block total lengths \(first \d+ and second 1000\) don't match/, 1);
    // A longer (still aligned) first length reads into the next block: its trailer disagrees or runs out.
    const longer = ng.file.slice();
    new DataView(longer.buffer).setUint32(second + 4, ng.ends[3]! - second + 8, true);
    const outcome = readAll(longer);
    expect(outcome.times).toHaveLength(1);
    expect(outcome.error).toBeInstanceOf(CaptureError);
  });

  it('pcapng captured length overrunning its block, and an option overrunning the block', () => {
    const second = ng.starts[3]!;
    const caplen = ng.file.slice();
    new DataView(caplen.buffer).setUint32(second + 20, 200, true);
    expectError(caplen, second + 20, /captured length 200 overruns the \d+-byte block/, 1);
    const option = ng.file.slice();
    const optionStart = second + 28 + 20; // 17 data bytes padded to 20
    new DataView(option.buffer).setUint16(optionStart + 2, 400, true);
    expectError(option, optionStart, /option 1 of length 400 overruns its block/, 1);
  });
});

describe('arbitrary bytes never crash or hang the reader', () => {
  it('random bytes: only CaptureError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        readAll(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('valid headers followed by random bytes, and valid files with random byte flips', () => {
    const prefixes = [pcapParts[0]!, concat(pcapngParts[0]!, pcapngParts[1]!)];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 400 }), (prefix, tail) => {
        readAll(concat(prefix, tail));
      }),
      { numRuns: 2000 },
    );
    const files = [layout(pcapParts).file, layout(pcapngParts).file];
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (file, flips) => {
          const bytes = file.slice();
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const outcome = readAll(bytes);
          expect(outcome.times.length).toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the streaming reader agrees with the in-memory one on random input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(pcapParts[0]!, concat(pcapngParts[0]!, pcapngParts[1]!)),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        async (prefix, tail, chunk) => {
          const bytes = concat(prefix, tail);
          const memory = readAll(bytes);
          const streamed = await readAllStreaming(bytes, chunk);
          expect(streamed.times).toEqual(memory.times);
          expect(streamed.error?.message).toEqual(memory.error?.message);
        },
      ),
      { numRuns: 300 },
    );
  });
});
