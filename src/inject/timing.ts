/**
 * Precise waiting for rate-limited sends: a timer for the bulk of a wait, then a spin on the monotonic clock
 * for the last few milliseconds (Node timers wake up to a few ms late under load).
 */

const SPIN_MS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until performance.now() >= target (ms); returns early when `signal` aborts. */
export async function waitUntil(target: number, signal?: AbortSignal): Promise<void> {
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
}

/** Gives pending events (a Ctrl-C handler) a chance to run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
