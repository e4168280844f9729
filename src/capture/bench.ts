/**
 * Capture throughput benchmark: writes `count` packets of 130 bytes to a temporary file and reads
 * them back with the streaming fast path. `npm run bench` prints the result.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openCaptureFile } from './reader.js';
import type { CaptureFormat } from './types.js';
import { createCaptureWriter } from './writer.js';

export interface ThroughputResult {
  packets: number;
  bytes: number;
  seconds: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
}

export interface CaptureBenchResult {
  format: CaptureFormat;
  packetSize: number;
  /** writePacket: the packet copied from the caller's buffer. */
  write: ThroughputResult;
  /** reserveRecord: the packet written in place (zero copy). */
  writeInPlace: ThroughputResult;
  /** openCaptureFile with reuseRecord (views into a shared buffer). */
  read: ThroughputResult;
  /** Peak resident set size of the process so far, in bytes. */
  peakRssBytes: number;
}

const PACKET_SIZE = 130;

function throughput(packets: number, bytes: number, seconds: number): ThroughputResult {
  return {
    packets,
    bytes,
    seconds,
    packetsPerSecond: packets / seconds,
    megabytesPerSecond: bytes / seconds / 1e6,
  };
}

export async function benchCapture(
  count = 1_000_000,
  format: CaptureFormat = 'pcap',
): Promise<CaptureBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pktcraft-bench-'));
  const path = join(dir, `bench.${format}`);
  const packet = new Uint8Array(PACKET_SIZE);
  for (let i = 0; i < PACKET_SIZE; i++) packet[i] = i;
  try {
    let start = performance.now();
    const writer = createCaptureWriter(path, { format, linkType: 1 });
    for (let i = 0; i < count; i++) {
      packet[PACKET_SIZE - 1] = i;
      writer.writePacket(packet, 1700000000 + Math.floor(i / 1e6), (i % 1e6) * 1000);
    }
    await writer.close();
    const write = throughput(count, statSync(path).size, (performance.now() - start) / 1000);

    start = performance.now();
    const inPlace = createCaptureWriter(path, { format, linkType: 1 });
    for (let i = 0; i < count; i++) {
      const slot = inPlace.reserveRecord(
        PACKET_SIZE,
        PACKET_SIZE,
        1700000000 + Math.floor(i / 1e6),
        (i % 1e6) * 1000,
      );
      slot.buffer.set(packet, slot.offset);
      slot.buffer[slot.offset + PACKET_SIZE - 1] = i;
    }
    await inPlace.close();
    const writeInPlace = throughput(count, statSync(path).size, (performance.now() - start) / 1000);

    start = performance.now();
    let packets = 0;
    let checksum = 0;
    for await (const record of openCaptureFile(path, { reuseRecord: true })) {
      packets++;
      checksum += record.data[record.data.length - 1]!;
    }
    if (packets !== count || checksum < 0) throw new Error(`bench read ${packets} packets, wrote ${count}`);
    const read = throughput(packets, statSync(path).size, (performance.now() - start) / 1000);
    return {
      format,
      packetSize: PACKET_SIZE,
      write,
      writeInPlace,
      read,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
