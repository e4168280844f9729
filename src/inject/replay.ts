/**
 * Replay of captured frames onto an interface, like tcpreplay: by default each frame leaves at its capture
 * time relative to the first (inter-packet gaps kept); `speed` divides the gaps, `pps` sends at a fixed rate,
 * `topspeed` sends as fast as sendmmsg takes them; `loop` repeats the capture. Every frame is checked against
 * the interface MTU before the first one is sent. Sending stops as soon as `signal` aborts.
 *
 * The schedule is absolute (frame i is due at start + offset_i), so late wake-ups never accumulate; waits use
 * clock_nanosleep on CLOCK_MONOTONIC through the addon (see timing.ts).
 */
import { InjectError } from '../core/errors.js';
import type { ReplayRecord } from './capture-file.js';
import { PacketLink, type ReceivedFrame } from './link.js';
import type { SafetyOptions } from './safety.js';
import { preciseClock, withRealtimePriority, yieldToEventLoop } from './timing.js';

export interface ReplayOptions extends SafetyOptions {
  /** Multiply the replay speed (2 = gaps halved). Default 1. */
  speed?: number;
  /** Send at this many packets per second, ignoring capture times. */
  pps?: number;
  /** Send as fast as possible. */
  topspeed?: boolean;
  /** Send the capture this many times (default 1). */
  loop?: number;
  /** Aborting stops sending immediately; the report says how far it got. */
  signal?: AbortSignal;
  /** Bypass the qdisc (faster topspeed). */
  qdiscBypass?: boolean;
  /**
   * Timed replays run in SCHED_FIFO (when permitted) so frames leave on time on a busy machine; default true.
   * The loop sleeps between frames, it never spins.
   */
  realtime?: boolean;
  /** Receive what the interface gets while replaying (the peers' answers) and hand each frame to `capture`. */
  capture?: ReplayCapture;
}

/** Where the frames received during a replay go (`pktcraft replay --capture FILE`). */
export interface ReplayCapture {
  /**
   * Called with each frame the interface receives from the first send until `waitMs` after the last
   * (our own sends excluded), with the kernel's receive time. The frame is reused: copy it to keep it.
   */
  onFrame(frame: ReceivedFrame): void;
  /** How long to keep receiving after the last frame was sent, in ms (default 1000). */
  waitMs?: number;
}

/** SO_RCVBUF of the answer socket: answers wait there while the replay sleeps between frames. */
const CAPTURE_RECEIVE_BUFFER = 8 * 1024 * 1024;
/** Longest blocking receive while waiting for the last answers, so a stop signal is seen at once. */
const CAPTURE_SLICE_MS = 20;

export interface ReplayReport {
  /** Frames the kernel took. */
  sent: number;
  /** Frames the kernel refused (queue full, size). */
  failed: number;
  /** Bytes of the frames sent. */
  bytes: number;
  /** From the first send to the last, in ms. */
  elapsedMs: number;
  /** Achieved packets per second (sent / elapsed). */
  packetsPerSecond: number;
  /** Achieved megabits per second. */
  megabitsPerSecond: number;
  /** True when the signal stopped the replay early. */
  interrupted: boolean;
  /** Frames that were due in total (records × loops). */
  total: number;
  /** Whether the timed replay ran with real-time scheduling. */
  realtime: boolean;
  /** Frames received during the replay and handed to `capture` (0 without one). */
  received: number;
}

/** The receiving side of a replay with `capture`: drains the answer socket between sends. */
class AnswerTap {
  received = 0;
  constructor(
    private readonly link: PacketLink,
    private readonly capture: ReplayCapture,
  ) {}

  /** Hands over every frame already queued, without waiting. */
  drain(): void {
    for (let frame = this.link.receive(0); frame; frame = this.link.receive(0)) {
      this.received++;
      this.capture.onFrame(frame);
    }
  }

  /** Keeps receiving for `waitMs` after the last send, or until `signal` aborts. */
  async linger(signal: AbortSignal | undefined): Promise<void> {
    const end = performance.now() + (this.capture.waitMs ?? 1000);
    for (let left = end - performance.now(); left > 0 && !signal?.aborted; left = end - performance.now()) {
      const frame = this.link.receive(Math.min(CAPTURE_SLICE_MS, left));
      if (frame) {
        this.received++;
        this.capture.onFrame(frame);
        this.drain();
      }
      await yieldToEventLoop();
    }
    this.drain();
  }

  close(): void {
    this.link.close();
  }
}

const BATCH = 256;
/** A timed replay hands the event loop a turn at least this often (ms), so Ctrl-C and SIGTERM are seen. */
const YIELD_EVERY_MS = 10;
const FATAL_CODES = new Set(['ENETDOWN', 'ENODEV', 'EPERM', 'EBADF']);

/** Capture time offsets (ms) of each record from the first. */
function captureOffsetsMs(records: readonly ReplayRecord[]): Float64Array {
  const offsets = new Float64Array(records.length);
  if (records.length === 0) return offsets;
  const first = records[0]!;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const ms =
      (record.timestampSec - first.timestampSec) * 1000 + (record.timestampNsec - first.timestampNsec) / 1e6;
    // a capture going back in time sends that frame at once (like tcpreplay)
    offsets[i] = Math.max(i > 0 ? offsets[i - 1]! : 0, ms);
  }
  return offsets;
}

function validate(options: ReplayOptions): void {
  if (options.speed !== undefined && !(options.speed > 0))
    throw new InjectError('EINVAL', '--speed must be above 0');
  if (options.pps !== undefined && !(options.pps > 0))
    throw new InjectError('EINVAL', '--pps must be above 0');
  if (options.loop !== undefined && !(Number.isInteger(options.loop) && options.loop >= 1)) {
    throw new InjectError('EINVAL', '--loop must be a whole number of at least 1');
  }
  const modes = [options.speed !== undefined, options.pps !== undefined, options.topspeed === true].filter(
    Boolean,
  );
  if (modes.length > 1) throw new InjectError('EINVAL', 'give only one of --speed, --pps and --topspeed');
}

/** Replays Ethernet records onto `interfaceName` and reports what was sent. */
export async function replayRecords(
  interfaceName: string | undefined,
  records: readonly ReplayRecord[],
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  validate(options);
  const link = PacketLink.open(interfaceName, {
    ...options,
    receive: false,
    qdiscBypass: options.qdiscBypass ?? false,
  });
  let tap: AnswerTap | undefined;
  try {
    if (options.capture) {
      // Opened before the first send (the safety checks were the sending link's), so no answer is missed.
      const answers = PacketLink.open(link.interfaceName, {
        receive: true,
        skipInterfaceCheck: true,
        receiveBufferBytes: CAPTURE_RECEIVE_BUFFER,
      });
      tap = new AnswerTap(answers, options.capture);
    }
    records.forEach((record, index) => {
      if (record.linkType !== 1) {
        throw new InjectError(
          'ELINKTYPE',
          `record ${index + 1} has link type ${record.linkType}; replay sends Ethernet (link type 1) captures`,
        );
      }
      link.check(record.data, index);
    });
    const result = options.topspeed
      ? await replayTopspeed(link, records, options, tap)
      : await withRealtimePriority(options.realtime ?? true, (realtime) =>
          replayTimed(link, records, options, realtime, tap),
        );
    if (tap) {
      await tap.linger(options.signal);
      result.received = tap.received;
      if (options.signal?.aborted) result.interrupted = true;
    }
    return result;
  } finally {
    link.close();
    tap?.close();
  }
}

function report(
  sent: number,
  failed: number,
  bytes: number,
  start: number,
  end: number,
  total: number,
  interrupted: boolean,
  realtime = false,
): ReplayReport {
  const elapsedMs = Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0;
  const seconds = elapsedMs / 1000;
  return {
    sent,
    failed,
    bytes,
    elapsedMs,
    packetsPerSecond: seconds > 0 ? sent / seconds : 0,
    megabitsPerSecond: seconds > 0 ? (bytes * 8) / seconds / 1e6 : 0,
    interrupted,
    total,
    realtime,
    received: 0,
  };
}

async function replayTimed(
  link: PacketLink,
  records: readonly ReplayRecord[],
  options: ReplayOptions,
  realtime: boolean,
  tap: AnswerTap | undefined,
): Promise<ReplayReport> {
  const loops = options.loop ?? 1;
  const offsets = captureOffsetsMs(records);
  const speed = options.speed ?? 1;
  const duration = records.length > 0 ? offsets[records.length - 1]! : 0;
  const total = records.length * loops;
  let sent = 0;
  let failed = 0;
  let bytes = 0;
  let due = 0;
  // The schedule is anchored at the first frame's send: work still pending when replay starts (module
  // loading, a first GC) must not make the first frame late against the rest.
  const clock = preciseClock();
  let start = Number.NaN;
  let last = 0;
  let lastYield = clock.now();
  for (let loop = 0; loop < loops; loop++) {
    for (let i = 0; i < records.length; i++) {
      if (options.signal?.aborted) return report(sent, failed, bytes, start, last, total, true, realtime);
      const at =
        options.pps !== undefined ? (due * 1000) / options.pps : (loop * duration + offsets[i]!) / speed;
      due++;
      if (Number.isNaN(start)) {
        // let pending work run and warm the wait path up before the clock starts
        await clock.waitUntil(clock.now() + 10, options.signal);
        start = clock.now() - at;
        last = start;
      } else {
        await clock.waitUntil(start + at, options.signal);
      }
      if (options.signal?.aborted) return report(sent, failed, bytes, start, last, total, true, realtime);
      const data = records[i]!.data;
      try {
        if (link.sendUnchecked(data)) {
          sent++;
          bytes += data.length;
        } else {
          failed++;
        }
      } catch (error) {
        if (error instanceof InjectError && FATAL_CODES.has(error.code)) throw error;
        failed++;
      }
      last = clock.now();
      tap?.drain();
      // Waits shorter than the clock's slice never reach the event loop: let a stop signal's handler run
      // now and then, right after a send, where the schedule has the most slack.
      if (last - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = clock.now();
      }
    }
  }
  return report(sent, failed, bytes, start, last, total, false, realtime);
}

async function replayTopspeed(
  link: PacketLink,
  records: readonly ReplayRecord[],
  options: ReplayOptions,
  tap: AnswerTap | undefined,
): Promise<ReplayReport> {
  const loops = options.loop ?? 1;
  const total = records.length * loops;
  const frames = records.map((record) => record.data);
  let sent = 0;
  let failed = 0;
  let bytes = 0;
  let stalls = 0;
  let batches = 0;
  const start = performance.now();
  for (let loop = 0; loop < loops; loop++) {
    let i = 0;
    while (i < frames.length) {
      if (options.signal?.aborted) return report(sent, failed, bytes, start, performance.now(), total, true);
      const batch = frames.slice(i, i + BATCH);
      const taken = link.sendBatch(batch, true);
      for (let k = 0; k < taken; k++) bytes += batch[k]!.length;
      sent += taken;
      i += taken;
      tap?.drain();
      if (taken < batch.length) {
        // the queue is full: give the kernel a moment; a frame it keeps refusing counts as failed
        stalls++;
        if (stalls > 1000) {
          failed++;
          i++;
          stalls = 0;
        }
        await yieldToEventLoop();
      } else {
        stalls = 0;
        // let Ctrl-C through between batches
        batches++;
        if (batches % 16 === 0) await yieldToEventLoop();
      }
    }
  }
  return report(sent, failed, bytes, start, performance.now(), total, false);
}
