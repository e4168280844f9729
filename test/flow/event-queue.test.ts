import { describe, expect, it } from 'vitest';
import type { TimerHandle } from '../../src/flow/endpoint.js';
import { EventQueue } from '../../src/flow/event-queue.js';
import { SeededRandom } from '../../src/flow/random.js';

/**
 * EventQueue.reschedule() must run exactly what `cancel(); schedule()` runs, and post() what
 * scheduleCall() runs, in the same order: a simulation driven both ways gives the same log of
 * (time, event) pairs.
 */
function drive(seed: number, lazy: boolean): string[] {
  const queue = new EventQueue();
  const random = new SeededRandom(seed, 3);
  const log: string[] = [];
  const timers: Array<TimerHandle | undefined> = [undefined, undefined, undefined];
  let next = 0;
  const fire = (timer: number, id: number) => (): void => {
    timers[timer] = undefined;
    log.push(`${queue.nowUs} t${timer}#${id}`);
    step();
  };
  const arm = (timer: number, atUs: number): void => {
    const id = next++;
    const previous = timers[timer];
    if (lazy) timers[timer] = queue.reschedule(previous, atUs, fire(timer, id));
    else {
      previous?.cancel();
      timers[timer] = queue.schedule(atUs, fire(timer, id));
    }
  };
  const step = (): void => {
    // A few timer moves per event: later, earlier (a new event), at the same microsecond, in the past.
    for (let k = random.nextInt(4); k > 0; k--) {
      const timer = random.nextInt(3);
      const choice = random.nextInt(10);
      if (choice === 0) {
        timers[timer]?.cancel();
        timers[timer] = undefined;
      } else {
        const delay = choice === 1 ? 0 : choice === 2 ? -5 : random.nextInt(50);
        arm(timer, queue.nowUs + delay);
      }
    }
    // One-shot events beside the timers (as packet deliveries are), some at the same times: through
    // post() (events reused once run) in the lazy run, scheduleCall() in the other.
    for (let k = 1 + random.nextInt(2); k > 0 && log.length < 3000; k--) {
      const id = next++;
      const deliver = (tag: string): void => {
        log.push(`${queue.nowUs} ${tag}`);
        if (random.nextInt(3) > 0) step();
      };
      const at = queue.nowUs + random.nextInt(30);
      if (lazy) queue.post(at, deliver, `p#${id}`);
      else queue.scheduleCall(at, deliver, `p#${id}`);
    }
  };
  for (let i = 0; i < 5; i++) queue.schedule(i * 7, step);
  while (queue.runNext()) {
    if (log.length > 5000) break;
  }
  return log;
}

describe('EventQueue.reschedule and post', () => {
  it('run the same events at the same times in the same order as cancel() and schedule(), scheduleCall()', () => {
    for (const seed of [1, 2, 3, 42, 1234]) {
      const eager = drive(seed, false);
      expect(eager.length).toBeGreaterThan(500);
      expect(drive(seed, true)).toEqual(eager);
    }
  });

  it('moves a pending timer later without a new event; an earlier time makes a new one', () => {
    const queue = new EventQueue();
    const runs: string[] = [];
    const first = queue.schedule(100, () => runs.push('first'));
    const moved = queue.reschedule(first, 200, () => runs.push('moved'));
    expect(moved).toBe(first);
    expect(queue.size).toBe(1);
    const earlier = queue.reschedule(moved, 50, () => runs.push('earlier'));
    expect(earlier).not.toBe(moved);
    while (queue.runNext()) {}
    expect(runs).toEqual(['earlier']);
    expect(queue.nowUs).toBe(50);
  });
});
