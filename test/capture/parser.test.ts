import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureParser, STEP_END, STEP_RECORD } from '../../src/capture/parser.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import { CaptureError } from '../../src/core/errors.js';
import {
  concat,
  enhancedPacket,
  interfaceBlock,
  pcapHeader,
  pcapRecord,
  sectionHeader,
  textOption,
} from './spec-bytes.js';

interface Stepped {
  /** Every record as the parser gave it, with its data and where that data lies in the file. */
  records: { record: Omit<CaptureRecord, 'data'>; data: number[]; offset: number; length: number }[];
  /** The CaptureError message that ended the walk, if any. */
  error: string | undefined;
}

/** Steps over a whole in-memory file as the bulk decoders do (eof set, one buffer). */
function stepAll(bytes: Uint8Array, parser: CaptureParser, withData: boolean): Stepped {
  const records: Stepped['records'] = [];
  let error: string | undefined;
  try {
    for (let pos = 0; ; ) {
      const step = parser.step(bytes, pos, bytes.length, true, pos);
      pos = parser.pos;
      if (step === STEP_END) break;
      if (step !== STEP_RECORD) continue;
      const { data, ...record } = parser.record;
      const offset = parser.recordOffset;
      const length = parser.recordLength;
      if (withData) {
        // The view and the fields name the same bytes.
        expect(data.buffer).toBe(bytes.buffer);
        expect(data.byteOffset - bytes.byteOffset).toBe(offset);
        expect(data.length).toBe(length);
      }
      records.push({
        record: { ...record, comments: [...record.comments] },
        data: Array.from(bytes.subarray(offset, offset + length)),
        offset,
        length,
      });
    }
  } catch (caught) {
    if (!(caught instanceof CaptureError)) throw caught;
    error = caught.message;
  }
  return { records, error };
}

const packet = fc.record({
  data: fc.uint8Array({ maxLength: 70 }),
  extra: fc.nat(20),
  sec: fc.integer({ min: 1700000000, max: 1800000000 }),
  fraction: fc.nat(2_000_000_000),
  comment: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
});

const file = fc.oneof(
  fc.record({
    format: fc.constant('pcap' as const),
    little: fc.boolean(),
    nanosecond: fc.boolean(),
    snapLen: fc.constantFrom(0, 40, 65535, 262144, 0x7fffffff),
    packets: fc.array(packet, { maxLength: 12 }),
  }),
  fc.record({
    format: fc.constant('pcapng' as const),
    little: fc.boolean(),
    nanosecond: fc.boolean(),
    snapLen: fc.constantFrom(0, 40, 65535),
    packets: fc.array(packet, { maxLength: 12 }),
  }),
);

type FileSpec = typeof file extends fc.Arbitrary<infer T> ? T : never;

function build(spec: FileSpec): Uint8Array {
  const { little } = spec;
  if (spec.format === 'pcap') {
    return concat(
      pcapHeader(little, spec.nanosecond, spec.snapLen, 1),
      ...spec.packets.map((p) => pcapRecord(little, p.sec, p.fraction, p.data, p.data.length + p.extra)),
    );
  }
  return concat(
    sectionHeader(little),
    interfaceBlock(little, 1, spec.snapLen),
    ...spec.packets.map((p) =>
      enhancedPacket(
        little,
        0,
        Math.floor(p.sec / 4),
        p.fraction,
        p.data,
        p.data.length + p.extra,
        p.comment === undefined ? [] : [textOption(1, p.comment)],
      ),
    ),
  );
}

describe('CaptureParser recordOffset / recordLength and recordData: false', () => {
  it('gives the same records, positions and errors as stepping with views (property)', () => {
    fc.assert(
      fc.property(file, fc.nat(2000), fc.nat(8), (spec, cutAt, shift) => {
        const whole = build(spec);
        // Sometimes cut the file short (the same CaptureError must end both walks), and place it
        // at an offset inside a larger buffer (offsets are positions in the buffer given to step).
        const cut = cutAt % 3 === 0 ? whole.subarray(0, cutAt % (whole.length + 1)) : whole;
        const buffer = new Uint8Array(cut.length + shift + 3);
        buffer.set(cut, shift);
        const bytes = buffer.subarray(shift, shift + cut.length);
        const withViews = stepAll(bytes, new CaptureParser(), true);
        const withoutViews = stepAll(
          bytes,
          new CaptureParser({ reuseRecord: true, recordData: false }),
          false,
        );
        expect(withoutViews).toEqual(withViews);
        // And both are what the file says (the classic pcap record layout, from the spec).
        withViews.records.forEach(({ record, data, offset }, i) => {
          const p = spec.packets[i]!;
          expect(data).toEqual(Array.from(p.data));
          expect(record.originalLength).toBe(p.data.length + p.extra);
          if (spec.format !== 'pcap') return;
          const unit = spec.nanosecond ? 1e9 : 1e6;
          expect(offset).toBe(
            24 + 16 * (i + 1) + spec.packets.slice(0, i).reduce((n, q) => n + q.data.length, 0),
          );
          expect(record.timestampSec).toBe(p.sec + Math.floor(p.fraction / unit));
          expect(record.timestampNsec).toBe((p.fraction % unit) * (1e9 / unit));
          expect(record.fileOffset).toBe(offset - 16);
        });
        if (cut === whole && withViews.error === undefined) {
          expect(withViews.records).toHaveLength(spec.packets.length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves record.data alone with recordData: false and makes no view per packet', () => {
    const frames = [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6, 7, 8)];
    const bytes = concat(
      pcapHeader(true, false, 65535, 1),
      ...frames.map((frame, i) => pcapRecord(true, 1700000000 + i, 5, frame)),
    );
    const parser = new CaptureParser({ reuseRecord: true, recordData: false });
    const before = parser.record.data;
    const seen: number[][] = [];
    for (let pos = 0; ; ) {
      const step = parser.step(bytes, pos, bytes.length, true, pos);
      pos = parser.pos;
      if (step === STEP_END) break;
      if (step !== STEP_RECORD) continue;
      expect(parser.record.data).toBe(before);
      expect(parser.record.timestampSec).toBeGreaterThanOrEqual(1700000000);
      expect(parser.record.timestampNsec).toBe(5000);
      seen.push(Array.from(bytes.subarray(parser.recordOffset, parser.recordOffset + parser.recordLength)));
    }
    expect(seen).toEqual(frames.map((frame) => Array.from(frame)));
    expect(parser.recordOffset).toBe(24 + 16 + 3 + 16);
  });

  it('reads records above the snap length (noted) and refuses those above the 262144 maximum', () => {
    const frame = new Uint8Array(50);
    const small = concat(
      pcapHeader(false, false, 40, 1),
      pcapRecord(false, 1700000000, 0, frame),
      pcapRecord(false, 1700000000, 1, frame.subarray(0, 30)),
      pcapRecord(false, 1700000000, 2, new Uint8Array(60)),
    );
    for (const recordData of [true, false]) {
      const parser = new CaptureParser({ recordData });
      const lenient = stepAll(small, parser, recordData);
      expect(lenient.error).toBeUndefined();
      expect(lenient.records.map((entry) => entry.length)).toEqual([50, 30, 60]);
      expect(parser.snapLengthExcess).toEqual([
        { interfaceId: 0, snapLen: 40, records: 2, longest: 60, firstOffset: 24 },
      ]);
      const huge = concat(pcapHeader(true, false, 0, 1), pcapRecord(true, 1700000000, 0, frame));
      huge[24 + 8] = 0xff;
      huge[24 + 9] = 0xff;
      huge[24 + 10] = 0x04; // 0x0004ffff: above the maximum whatever the snap length says
      expect(stepAll(huge, new CaptureParser({ recordData }), recordData).error).toMatch(
        /captured length 327679 is above the maximum of 262144 for link type 1/,
      );
    }
  });
});
