/**
 * The simulator's clock: a binary heap of actions ordered by (time, insertion order), so two events at
 * the same microsecond always run in the order they were scheduled. Deterministic by construction.
 * An event is its own timer handle (no closure per event beyond the action), and an action may be a
 * function of one argument given with it (scheduleCall), so a hot caller needs no closure at all.
 */
import type { TimerHandle } from './endpoint.js';

class QueuedEvent implements TimerHandle {
  cancelled = false;
  constructor(
    readonly timeUs: number,
    readonly order: number,
    readonly action: ((arg: unknown) => void) | undefined,
    readonly arg: unknown,
    readonly thunk: (() => void) | undefined,
  ) {}
  cancel(): void {
    this.cancelled = true;
  }
}

function less(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.order < b.order);
}

export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private counter = 0;
  nowUs = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(timeUs: number, action: () => void): TimerHandle {
    const event = new QueuedEvent(Math.max(timeUs, this.nowUs), this.counter++, undefined, undefined, action);
    this.push(event);
    return event;
  }

  /** Schedules `action(arg)` (as schedule() with a closure, without making one). */
  scheduleCall<T>(timeUs: number, action: (arg: T) => void, arg: T): TimerHandle {
    const event = new QueuedEvent(
      Math.max(timeUs, this.nowUs),
      this.counter++,
      action as (arg: unknown) => void,
      arg,
      undefined,
    );
    this.push(event);
    return event;
  }

  /** Runs the next live event; false when none is left or the next one lies beyond `limitUs`. */
  runNext(limitUs = Number.POSITIVE_INFINITY): boolean {
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined) return false;
      if (top.timeUs > limitUs) return false;
      this.pop();
      if (top.cancelled) continue;
      this.nowUs = top.timeUs;
      const thunk = top.thunk;
      if (thunk !== undefined) thunk();
      else (top.action as (arg: unknown) => void)(top.arg);
      return true;
    }
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as QueuedEvent;
      if (!less(event, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as QueuedEvent;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      let smallest = heap[l] as QueuedEvent;
      if (r < n) {
        const right = heap[r] as QueuedEvent;
        if (less(right, smallest)) {
          child = r;
          smallest = right;
        }
      }
      if (!less(smallest, last)) break;
      heap[i] = smallest;
      i = child;
    }
    heap[i] = last;
  }
}
