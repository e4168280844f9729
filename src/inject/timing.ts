/**
 * Precise waiting for rate-limited sends. A Clock schedules on CLOCK_MONOTONIC: with the AF_PACKET addon it
 * sleeps in clock_nanosleep(TIMER_ABSTIME) (precise to ~50 µs, no spinning, which would also delay the
 * kernel's own packet processing on a busy CPU), in slices of at most 20 ms with a trip through the event
 * loop between them so Ctrl-C is handled at once. Without the addon it falls back to timers plus a short spin.
 */
import { loadNativeAddon } from './native.js';

const SLICE_MS = 20;
const SPIN_MS = 2;

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Waits until now() >= target; returns early when `signal` aborts. */
  waitUntil(target: number, signal?: AbortSignal): Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Gives pending events (a Ctrl-C handler) a chance to run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Timers for the bulk of a wait, a spin on performance.now() for the last stretch. */
export const timerClock: Clock = {
  now: () => performance.now(),
  async waitUntil(target, signal) {
    for (;;) {
      if (signal?.aborted) return;
      const remaining = target - performance.now();
      if (remaining <= 0) return;
      if (remaining > SPIN_MS + 1) {
        await sleep(remaining - SPIN_MS);
        continue;
      }
      while (performance.now() < target) {
        // spin: timers are not finer than about 1 ms
      }
      return;
    }
  },
};

let nativeClockInstance: Clock | undefined;

/** The clock_nanosleep clock when the addon is built, else the timer clock. */
export function preciseClock(): Clock {
  if (nativeClockInstance) return nativeClockInstance;
  let addon: ReturnType<typeof loadNativeAddon>;
  try {
    addon = loadNativeAddon();
  } catch {
    return timerClock;
  }
  nativeClockInstance = {
    now: () => addon.monotonicMs(),
    async waitUntil(target, signal) {
      for (;;) {
        if (signal?.aborted) return;
        const now = addon.monotonicMs();
        if (now >= target) return;
        if (target - now > SLICE_MS) {
          addon.sleepUntilMs(now + SLICE_MS);
          await yieldToEventLoop();
          continue;
        }
        addon.sleepUntilMs(target);
        return;
      }
    },
  };
  return nativeClockInstance;
}

/** Waits until performance.now() >= target with the timer clock (for code without the addon). */
export function waitUntil(target: number, signal?: AbortSignal): Promise<void> {
  return timerClock.waitUntil(target, signal);
}

/**
 * Runs the calling thread in SCHED_FIFO (priority 10) while `work` runs, when permitted (root / CAP_SYS_NICE).
 * The replay loop sleeps in clock_nanosleep most of the time, so this costs the machine nothing, but it
 * lets frames leave on time even when other processes keep every CPU busy. Returns whether it was applied.
 */
export async function withRealtimePriority<T>(
  enabled: boolean,
  work: (realtime: boolean) => Promise<T>,
): Promise<T> {
  let applied = false;
  if (enabled) {
    try {
      applied = loadNativeAddon().setRealtime(10);
    } catch {
      applied = false;
    }
  }
  try {
    return await work(applied);
  } finally {
    if (applied) loadNativeAddon().setRealtime(0);
  }
}
