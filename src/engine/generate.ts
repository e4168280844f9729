/**
 * Streaming a compiled template into a capture: packet i of N goes straight into the capture writer's
 * buffer (`reserveRecord`), or, with worker threads, each worker fills whole chunks of framed records
 * (the same framing functions the writer uses) and the main thread appends them in order, so the file
 * is byte-identical to the single-threaded one.
 *
 * Stopping: when `signal` aborts (the CLI aborts it on SIGINT, SIGTERM, SIGHUP), every path stops
 * between chunks, lets a write under way finish and closes the file, which then holds whole records
 * only: packets [0, result.packets). The loops yield to the event loop between chunks so a signal
 * handler can run. The file is only ever appended to in order, so even SIGKILL leaves at most one
 * partial record, at the end.
 */
import { closeSync, openSync, write, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { formatFromPath } from '../capture/convert.js';
import { linkTypeForLayer } from '../capture/linktype.js';
import { PCAP_RECORD_HEADER_LENGTH, writePcapRecordHeader } from '../capture/pcap.js';
import { EPB_FIXED_LENGTH, EPB_HEADER_LENGTH, pad4, writeEnhancedPacketFrame } from '../capture/pcapng.js';
import { type TicksSlot, timeToTicks } from '../capture/timestamp.js';
import type { CaptureFormat, TsResolution } from '../capture/types.js';
import { createCaptureWriter } from '../capture/writer.js';
import { FieldError } from '../core/errors.js';
import type { LayerValue } from '../layers/layer.js';
import { CompiledTemplate } from './template.js';

/** Packet timestamps: packet i is at start + i·interval. */
export interface TimestampOptions {
  /** Seconds of the first packet; default 1700000000. */
  startSec?: number | undefined;
  /** Nanoseconds of the first packet; default 0. */
  startNsec?: number | undefined;
  /** Gap between packets in nanoseconds; default 1000 (1 µs). */
  intervalNs?: number | undefined;
  /** Capture resolution; default 'us'. */
  resolution?: TsResolution | undefined;
}

export interface GenerateOptions {
  /** The packet, outermost layer first (from the API or `parseSpec`). */
  layers: readonly LayerValue[];
  count: number;
  /** `--vary` expressions (see vary.ts): 'gtpu.teid=1..1000000', 'ipv4[1].src=10.0.0.0+'. */
  vary?: readonly string[] | undefined;
  /** Seed for `random` expressions without their own; default 1. */
  seed?: number | undefined;
  /**
   * Worker threads; default the number of cores less one (the file is written from a core of its
   * own). 1 (or a small count) generates on this thread, writing one buffer while it fills the next.
   */
  workers?: number | undefined;
  /** A file path, or a writable stream (streams are written from this thread only). */
  output: string | NodeJS.WritableStream;
  /** Default from the path's extension, else pcap. */
  format?: CaptureFormat | undefined;
  /** Default: Ethernet for a packet starting with ether, raw IP (101) for ipv4/ipv6. */
  linkType?: number | undefined;
  timestamps?: TimestampOptions | undefined;
  /** Called every few tens of thousands of packets and at the end. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Stops generating (between chunks) when aborted; `result.packets` says how many were written. */
  signal?: AbortSignal | undefined;
}

export interface GenerateResult {
  /** Packets written: `count`, or fewer when `signal` stopped the run. */
  packets: number;
  /** True when `signal` stopped the run before `count`. */
  interrupted: boolean;
  /** Bytes of the capture file (headers included). */
  bytes: number;
  seconds: number;
  packetsPerSecond: number;
  /** Worker threads used (0: generated on the calling thread). */
  workers: number;
  frameLength: number;
}

/** Below this many packets per worker, threads cost more than they save. */
export const MIN_PACKETS_PER_WORKER = 200_000;
const CHUNK_PACKETS = 16_384;
const PROGRESS_EVERY = 65_536;
/** Packets per buffer of the single-thread pipeline (a power of two dividing PROGRESS_EVERY). */
const PIPELINE_CHUNK_PACKETS = 4_096;

/** What a chunk of framed records needs to know (cloneable, sent to workers). */
export interface FramingOptions {
  format: CaptureFormat;
  startSec: number;
  startNsec: number;
  intervalNs: number;
  ticksPerSecond: number;
}

export function linkTypeFor(layers: readonly LayerValue[]): number {
  const first = layers[0]?.layer;
  const linkType = first === undefined ? undefined : linkTypeForLayer(first);
  if (linkType !== undefined) return linkType;
  throw new FieldError(
    'engine',
    'layers',
    `a capture needs the packet to start with ether, ipv4, ipv6, sll, sll2, null or loop, not ${first}`,
  );
}

function framingFor(options: GenerateOptions, format: CaptureFormat): FramingOptions {
  const ts = options.timestamps ?? {};
  const startSec = ts.startSec ?? 1_700_000_000;
  const startNsec = ts.startNsec ?? 0;
  const intervalNs = ts.intervalNs ?? 1000;
  if (
    !Number.isInteger(startSec) ||
    startSec < 0 ||
    !Number.isInteger(startNsec) ||
    startNsec < 0 ||
    startNsec >= 1e9
  ) {
    throw new FieldError('engine', 'timestamps', `bad start ${startSec}.${startNsec}`);
  }
  if (!Number.isInteger(intervalNs) || intervalNs < 0)
    throw new FieldError('engine', 'timestamps', `bad interval ${intervalNs} ns`);
  return { format, startSec, startNsec, intervalNs, ticksPerSecond: ts.resolution === 'ns' ? 1e9 : 1e6 };
}

/** Bytes one record takes in the capture (record header or EPB framing + packet). */
export function recordLength(format: CaptureFormat, frameLength: number): number {
  return format === 'pcap' ? PCAP_RECORD_HEADER_LENGTH + frameLength : EPB_FIXED_LENGTH + pad4(frameLength);
}

const ticks: TicksSlot = { high: 0, low: 0 };

/**
 * Writes packets [first, first + count) as framed records into `out` at `offset` (it must have
 * `count · recordLength` bytes); returns the offset after them. The framing is the capture writer's.
 * `templateInPlace`: `out` already holds records of this template at these offsets (a reused buffer
 * filled by an earlier call with the same `offset`), so only what varies is written.
 */
export function fillRecords(
  template: CompiledTemplate,
  framing: FramingOptions,
  first: number,
  count: number,
  out: Uint8Array,
  offset: number,
  templateInPlace = false,
): number {
  const length = template.length;
  const pcap = framing.format === 'pcap';
  const nano = framing.ticksPerSecond === 1e9;
  if (pcap && template.generated) {
    return template.generated.fillPcap(
      first,
      count,
      out,
      offset,
      !templateInPlace,
      framing.startSec,
      framing.startNsec,
      framing.intervalNs,
      nano,
    );
  }
  let at = offset;
  for (let i = first, last = first + count; i < last; i++) {
    const t = framing.startNsec + i * framing.intervalNs;
    const carry = Math.floor(t / 1e9);
    const sec = framing.startSec + carry;
    const nsec = t - carry * 1e9;
    if (pcap) {
      at = writePcapRecordHeader(out, at, sec, nano ? nsec : Math.floor(nsec / 1000), length, length);
      template.writePacket(i, out, at);
      at += length;
    } else {
      timeToTicks(sec, nsec, framing.ticksPerSecond, ticks);
      const end = writeEnhancedPacketFrame(
        out,
        at,
        0,
        ticks.high,
        ticks.low,
        length,
        length,
        undefined,
        undefined,
      );
      template.writePacket(i, out, at + EPB_HEADER_LENGTH);
      at = end;
    }
  }
  return at;
}

/** Generates `count` packets into a capture file or stream. */
export async function generateToCapture(options: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const count = options.count;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new FieldError('engine', 'count', `bad count ${count}`);
  const template = new CompiledTemplate(options.layers, options.vary ?? [], { seed: options.seed });
  const format =
    options.format ??
    (typeof options.output === 'string' ? formatFromPath(options.output) : undefined) ??
    'pcap';
  const framing = framingFor(options, format);
  const linkType = options.linkType ?? linkTypeFor(options.layers);
  const requested = options.workers ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(requested) || requested < 1)
    throw new FieldError('engine', 'workers', `bad worker count ${requested}`);
  const workers =
    typeof options.output === 'string' ? Math.min(requested, Math.floor(count / MIN_PACKETS_PER_WORKER)) : 0;
  const writer = createCaptureWriter(options.output, {
    format,
    linkType,
    tsResolution: framing.ticksPerSecond === 1e9 ? 'ns' : 'us',
  });
  let bytes: number;
  let packets: number;
  const signal = options.signal;
  if (workers >= 2) {
    writer.flushSync(); // the file header (and pcapng SHB/IDB), exactly as the writer makes it
    const headerBytes = writer.bytesWritten;
    writer.closeSync();
    const done = await generateWithWorkers(template, options, framing, workers, options.output as string);
    bytes = headerBytes + done.bytes;
    packets = done.packets;
  } else if (typeof options.output === 'string' && count >= CHUNK_PACKETS) {
    writer.flushSync();
    const headerBytes = writer.bytesWritten;
    writer.closeSync();
    const done = await generatePipelined(
      template,
      framing,
      count,
      options.output,
      options.onProgress,
      signal,
    );
    bytes = headerBytes + done.bytes;
    packets = done.packets;
  } else {
    try {
      packets = await generateOnThisThread(template, framing, writer, count, options.onProgress, signal);
    } finally {
      await writer.close();
    }
    bytes = writer.bytesWritten;
  }
  if (packets === count) options.onProgress?.(count, count);
  const seconds = (performance.now() - started) / 1000;
  return {
    packets,
    interrupted: packets < count,
    bytes,
    seconds,
    packetsPerSecond: seconds > 0 ? packets / seconds : 0,
    workers: workers >= 2 ? workers : 0,
    frameLength: template.length,
  };
}

/** Lets pending I/O and signal handlers run between chunks. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Packets straight into the writer's buffer; returns how many were written. Every PROGRESS_EVERY
 * packets it waits for a stream to drain and, with a `signal`, yields and looks at it.
 */
async function generateOnThisThread(
  template: CompiledTemplate,
  framing: FramingOptions,
  writer: ReturnType<typeof createCaptureWriter>,
  count: number,
  onProgress: GenerateOptions['onProgress'],
  signal: AbortSignal | undefined,
): Promise<number> {
  const length = template.length;
  for (let i = 0; i < count; i++) {
    const t = framing.startNsec + i * framing.intervalNs;
    const carry = Math.floor(t / 1e9);
    const nsec = t - carry * 1e9;
    const slot = writer.reserveRecord(length, length, framing.startSec + carry, nsec);
    template.writePacket(i, slot.buffer, slot.offset);
    if ((i & (PROGRESS_EVERY - 1)) === PROGRESS_EVERY - 1) {
      onProgress?.(i + 1, count);
      if (writer.needsDrain) await writer.drain();
      if (signal) {
        await yieldToEventLoop();
        if (signal.aborted) return i + 1;
      }
    }
  }
  return count;
}

/** Writes `length` bytes of `view` to `fd` on libuv's thread pool (short writes continued). */
function writeAll(fd: number, view: Uint8Array, length: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (at: number): void => {
      if (at >= length) {
        resolve();
        return;
      }
      write(fd, view, at, length - at, null, (error, written) => {
        if (error) reject(error);
        else next(at + written);
      });
    };
    next(0);
  });
}

/**
 * One thread, two buffers: while the kernel copies one chunk of framed records into the file (on
 * libuv's thread pool, so on another core), this thread fills the next. The records are those of
 * `fillRecords`, the framing the workers use, so the file is the same bytes as every other path.
 */
async function generatePipelined(
  template: CompiledTemplate,
  framing: FramingOptions,
  count: number,
  path: string,
  onProgress: GenerateOptions['onProgress'],
  signal: AbortSignal | undefined,
): Promise<{ bytes: number; packets: number }> {
  const chunkPackets = PIPELINE_CHUNK_PACKETS;
  const chunkBytes = chunkPackets * recordLength(framing.format, template.length);
  const buffers = [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)];
  // Every record has the same length, so a buffer's second and later chunks find the template's
  // bytes already in place: only the varying bytes, checksums and timestamps are written again.
  const primed = [false, false];
  const fd = openSync(path, 'a');
  let written = 0;
  let packets = 0;
  let pending: Promise<void> | undefined;
  try {
    for (let first = 0, turn = 0; first < count; first += chunkPackets, turn ^= 1) {
      const out = buffers[turn]!;
      const chunk = Math.min(chunkPackets, count - first);
      const used = fillRecords(template, framing, first, chunk, out, 0, primed[turn]);
      primed[turn] = true;
      // Waiting for the previous write runs the event loop: a stop signal's handler runs here.
      if (pending) await pending;
      else if (signal) await yieldToEventLoop();
      pending = writeAll(fd, out, used);
      written += used;
      packets += chunk;
      const done = first + chunk;
      if (onProgress && done < count && (done & (PROGRESS_EVERY - 1)) === 0) onProgress(done, count);
      // Stopped: the chunk just filled is written too (it was handed over), then no more.
      if (signal?.aborted) break;
    }
    if (pending) await pending;
  } catch (error) {
    // Let a write already under way finish before the file is closed.
    await pending?.catch(() => undefined);
    throw error;
  } finally {
    closeSync(fd);
  }
  return { bytes: written, packets };
}

/** Messages between the main thread and a worker. */
export interface WorkerRequest {
  chunk: number;
  first: number;
  count: number;
  buffer: ArrayBuffer;
}
export interface WorkerReply {
  chunk: number;
  buffer: ArrayBuffer;
  used: number;
  error?: string;
}
export interface WorkerSetup {
  layers: readonly LayerValue[];
  vary: readonly string[];
  seed: number | undefined;
  framing: FramingOptions;
}

/**
 * Starts an engine worker. From built JavaScript it is `worker.js`; when this module runs as
 * TypeScript (tsx, vitest) a small bootstrap registers tsx's loader in the worker before importing
 * `worker.ts`.
 */
function startWorker(setup: WorkerSetup): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
  const target = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: setup });
}

async function generateWithWorkers(
  template: CompiledTemplate,
  options: GenerateOptions,
  framing: FramingOptions,
  workerCount: number,
  path: string,
): Promise<{ bytes: number; packets: number }> {
  const count = options.count;
  const signal = options.signal;
  const chunkBytes = CHUNK_PACKETS * recordLength(framing.format, template.length);
  const chunks = Math.ceil(count / CHUNK_PACKETS);
  const setup: WorkerSetup = {
    layers: options.layers,
    vary: options.vary ?? [],
    seed: options.seed,
    framing,
  };
  const pool: Worker[] = [];
  const fd = openSync(path, 'a');
  let written = 0;
  let writtenChunks = 0;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const ready = new Map<number, WorkerReply>();
      const spare: ArrayBuffer[] = [];
      let nextToSend = 0;
      let nextToWrite = 0;
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      let stopping = false;
      // Chunks are written in order as soon as they are contiguous, synchronously, so when the stop
      // signal's handler runs no write is under way: the file ends on a chunk boundary.
      onAbort = (): void => {
        stopping = true;
        resolve();
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const send = (worker: Worker): void => {
        if (nextToSend >= chunks || failed || stopping) return;
        const chunk = nextToSend++;
        const first = chunk * CHUNK_PACKETS;
        const buffer = spare.pop() ?? new ArrayBuffer(chunkBytes);
        const request: WorkerRequest = {
          chunk,
          first,
          count: Math.min(CHUNK_PACKETS, count - first),
          buffer,
        };
        worker.postMessage(request, [buffer]);
      };
      const onReply = (worker: Worker, reply: WorkerReply): void => {
        if (stopping) return;
        if (reply.error) {
          fail(new Error(reply.error));
          return;
        }
        ready.set(reply.chunk, reply);
        while (ready.has(nextToWrite)) {
          const done = ready.get(nextToWrite)!;
          ready.delete(nextToWrite);
          const view = new Uint8Array(done.buffer, 0, done.used);
          let at = 0;
          while (at < view.length) at += writeSync(fd, view, at, view.length - at);
          written += done.used;
          spare.push(done.buffer);
          nextToWrite++;
          writtenChunks = nextToWrite;
          const packets = Math.min(nextToWrite * CHUNK_PACKETS, count);
          if (options.onProgress && (nextToWrite & 3) === 0) options.onProgress(packets, count);
        }
        if (nextToWrite >= chunks) {
          resolve();
          return;
        }
        send(worker);
      };
      if (chunks === 0) {
        resolve();
        return;
      }
      for (let w = 0; w < workerCount; w++) {
        const worker = startWorker(setup);
        pool.push(worker);
        worker.on('message', (reply: WorkerReply) => onReply(worker, reply));
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (code !== 0 && nextToWrite < chunks && !stopping)
            fail(new Error(`engine worker exited with code ${code}`));
        });
        // Two chunks in flight per worker: one being filled, one waiting to be written.
        send(worker);
        send(worker);
      }
    });
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    closeSync(fd);
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  // The template on this thread was compiled to validate the options before any worker started.
  void template;
  return { bytes: written, packets: Math.min(writtenChunks * CHUNK_PACKETS, count) };
}
