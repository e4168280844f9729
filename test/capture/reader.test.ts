import { createReadStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaptureRecord,
  createCaptureWriter,
  openCaptureFile,
  readCapture,
  readCaptureStream,
  ticksToTime,
  timeToTicks,
} from '../../src/capture/index.js';
import { ETHER_UDP_FRAME } from './spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-reader-'));
const T0 = 1700000000;

function frameFor(i: number): Uint8Array {
  const frame = ETHER_UDP_FRAME.slice(0, 20 + (i % 27));
  frame[19] = i & 0xff;
  return frame;
}

async function makeFile(format: 'pcap' | 'pcapng', count: number): Promise<string> {
  const path = join(dir, `many.${format}`);
  const writer = createCaptureWriter(path, {
    format,
    interfaces: [{ linkType: 1, name: 'eth0', tsResolution: 'ns' }],
  });
  for (let i = 0; i < count; i++) {
    writer.writePacket(frameFor(i), T0 + i, i * 7, { comments: i % 100 === 0 ? [`c${i}`] : undefined });
  }
  await writer.close();
  return path;
}

describe.each(['pcap', 'pcapng'] as const)('%s streaming reader', (format) => {
  it('matches the in-memory reader for every chunk size; records stay valid after iterating', async () => {
    const path = await makeFile(format, 3000);
    const memory = [...readCapture(new Uint8Array(readFileSync(path)))];
    expect(memory).toHaveLength(3000);
    for (const chunkSize of [16, 61, 4096, 1 << 20]) {
      const streamed: CaptureRecord[] = [];
      const reader = openCaptureFile(path, { chunkSize });
      for await (const record of reader) streamed.push(record);
      expect(reader.format).toBe(format);
      expect(reader.interfaces).toHaveLength(1);
      expect(streamed.map((r) => [r.timestampSec, r.timestampNsec, r.fileOffset, r.comments])).toEqual(
        memory.map((r) => [r.timestampSec, r.timestampNsec, r.fileOffset, r.comments]),
      );
      for (let i = 0; i < streamed.length; i++) expect(streamed[i]!.data).toEqual(frameFor(i));
    }
  });

  it('bulk fast path reuses one record object over a shared buffer', async () => {
    const path = await makeFile(format, 3000);
    const seen = new Set<CaptureRecord>();
    let index = 0;
    for await (const record of openCaptureFile(path, { chunkSize: 4096, reuseRecord: true })) {
      seen.add(record);
      expect(record.data).toEqual(frameFor(index));
      expect(record.timestampNsec).toBe(index * 7);
      index++;
    }
    expect(index).toBe(3000);
    expect(seen.size).toBe(1);
  });

  it('reads from a stream', async () => {
    const path = await makeFile(format, 500);
    let count = 0;
    for await (const record of readCaptureStream(createReadStream(path, { highWaterMark: 1000 }))) {
      expect(record.data).toEqual(frameFor(count));
      count++;
    }
    expect(count).toBe(500);
  });
});

describe('timestamps', () => {
  it('convert to ticks and back exactly (checked against bigint arithmetic)', () => {
    const slot = { high: 0, low: 0 };
    const time = { sec: 0, nsec: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.constantFrom(1e6, 1e9),
        (sec, nsec, ticksPerSecond) => {
          const ticks = timeToTicks(sec, nsec, ticksPerSecond, slot);
          const expected =
            BigInt(sec) * BigInt(ticksPerSecond) + BigInt(Math.floor(nsec / (1e9 / ticksPerSecond)));
          expect((BigInt(ticks.high) << 32n) | BigInt(ticks.low)).toBe(expected);
          const back = ticksToTime(ticks.high, ticks.low, ticksPerSecond, time);
          expect(back.sec).toBe(sec);
          expect(back.nsec).toBe(ticksPerSecond === 1e9 ? nsec : nsec - (nsec % 1000));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('divides any 64-bit tick count by any resolution up to 2^37 exactly', () => {
    const time = { sec: 0, nsec: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(1, 10, 1000, 1e6, 1e9, 1024, 2 ** 20, 2 ** 30),
        (high, low, ticksPerSecond) => {
          const ticks = (BigInt(high) << 32n) | BigInt(low);
          const result = ticksToTime(high, low, ticksPerSecond, time);
          const sec = ticks / BigInt(ticksPerSecond);
          fc.pre(sec <= BigInt(Number.MAX_SAFE_INTEGER)); // seconds are numbers
          expect(BigInt(result.sec)).toBe(sec);
          const rem = ticks % BigInt(ticksPerSecond);
          expect(BigInt(result.nsec)).toBe((rem * 1_000_000_000n) / BigInt(ticksPerSecond));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
