/**
 * Benchmark: synthesize a 100 MB transfer with 1% random loss and write it as a capture, streaming
 * (the segments go to the writer as the simulation produces them).
 * The lead wires `benchFlow()` into `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FlowSegmentBatches, writeFlowCapture } from './packets.js';
import { streamFlow } from './simulator.js';

export interface FlowBenchResult {
  bytes: number;
  loss: number;
  segments: number;
  retransmissions: number;
  synthesizeMs: number;
  writeMs: number;
  totalMs: number;
  fileBytes: number;
  /** Captured segments per second of wall time, synthesis and writing together. */
  packetsPerSecond: number;
  /** Application megabytes per second of wall time. */
  megabytesPerSecond: number;
  /**
   * The process's peak RSS: Linux's high-water mark (VmHWM, since the process started, so it covers
   * every moment of the run), elsewhere the larger of the RSS before and after the run.
   */
  peakRssBytes: number;
}

/**
 * VmHWM from /proc/self/status, in bytes (undefined where there is none). Read once after the run:
 * sampling the RSS per batch instead costs a /proc read each time (0.1 to 25 ms apiece while the
 * writer's buffers are being written and the collector runs, some 20% of the whole run), and can miss
 * the peak between two samples.
 */
function highWaterMarkBytes(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface FlowBenchOptions {
  /** Application bytes to transfer (client to server). Default 100 MB. */
  bytes?: number;
  /** Random loss probability. Default 0.01. */
  loss?: number;
  /** Where to write the capture; default a temporary file that is removed afterwards. */
  path?: string;
  format?: 'pcap' | 'pcapng';
  seed?: number;
  /** Keep this many bytes of each frame (`tcpdump -s`); default whole frames. */
  snapLen?: number;
}

export async function benchFlow(options: FlowBenchOptions = {}): Promise<FlowBenchResult> {
  const bytes = options.bytes ?? 100 * 1024 * 1024;
  const loss = options.loss ?? 0.01;
  const dir = options.path === undefined ? mkdtempSync(join(tmpdir(), 'pktcraft-bench-flow-')) : undefined;
  const path = options.path ?? join(dir ?? tmpdir(), 'flow.pcap');
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const stream = streamFlow({
    request: bytes,
    response: 0,
    loss,
    seed: options.seed ?? 1,
    rttMs: 40,
    bandwidthBps: 1_000_000_000,
    queuePackets: 1000,
    rwnd: 4 * 1024 * 1024,
    tracing: false,
  });
  // Synthesis and writing are interleaved (the segments stream into the writer a batch at a time):
  // the time spent producing segments is measured around each batch.
  let synthesizeMs = 0;
  const timed: FlowSegmentBatches = {
    batches: () => {
      const inner = stream.batches();
      return {
        next: () => {
          const before = performance.now();
          const step = inner.next();
          synthesizeMs += performance.now() - before;
          return step;
        },
      };
    },
  };
  const segments = await writeFlowCapture(path, timed, {
    format: options.format ?? 'pcap',
    ipVersion: 4,
    clientIp: '192.0.2.1',
    serverIp: '198.51.100.7',
    clientPort: 45678,
    serverPort: 33333,
    comments: false,
    snapLen: options.snapLen,
  });
  const t2 = performance.now();
  peakRss = Math.max(peakRss, process.memoryUsage().rss, highWaterMarkBytes() ?? 0);
  const summary = stream.summary();
  const fileBytes = statSync(path).size;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  const totalMs = t2 - t0;
  return {
    bytes,
    loss,
    segments,
    retransmissions: summary.retransmissions,
    synthesizeMs,
    writeMs: totalMs - synthesizeMs,
    totalMs,
    fileBytes,
    packetsPerSecond: (segments * 1000) / totalMs,
    megabytesPerSecond: bytes / 1e6 / (totalMs / 1000),
    peakRssBytes: peakRss,
  };
}

/** One line for the bench report. */
export function formatFlowBench(r: FlowBenchResult): string {
  return (
    `flow: ${(r.bytes / 1048576).toFixed(0)} MiB at ${(r.loss * 100).toFixed(1)}% loss -> ${r.segments} segments ` +
    `(${r.retransmissions} retransmissions), synthesize ${r.synthesizeMs.toFixed(0)} ms + write ${r.writeMs.toFixed(0)} ms ` +
    `= ${r.totalMs.toFixed(0)} ms, ${Math.round(r.packetsPerSecond)} pkt/s, ${r.megabytesPerSecond.toFixed(1)} MB/s, ` +
    `peak RSS ${(r.peakRssBytes / 1048576).toFixed(0)} MiB`
  );
}
