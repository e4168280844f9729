/**
 * The simulator's clock: a binary heap of actions ordered by (time, insertion order), so two events at
 * the same microsecond always run in the order they were scheduled. Deterministic by construction.
 * An event is its own timer handle (no closure per event beyond the action), and an action may be a
 * function of one argument given with it (scheduleCall), so a hot caller needs no closure at all.
 *
 * A timer that is moved again and again (the retransmission timer restarted by every ACK, the delayed
 * ACK timer cancelled by every ACK sent and armed by the next data) keeps one event: reschedule()
 * gives the event its new time and a fresh order number, the ones schedule() would give a new event,
 * but leaves it where it sits in the heap; when it comes to the top at its old time it is put back at
 * the new one. The new time is never earlier than the old (reschedule() makes a new event otherwise),
 * so every event still runs in (time, order) sequence: exactly the run of cancel() and schedule().
 */
import type { TimerHandle } from './endpoint.js';

class QueuedEvent implements TimerHandle {
  cancelled = false;
  /** Made by post(): nobody holds it, so once run it goes back to the queue's free list. */
  posted = false;
  /** Still in the heap (not yet popped): reschedule() may move it. */
  queued = true;
  /** Set by reschedule() (dueOrder >= 0): it runs at (dueUs, dueOrder), not at (timeUs, order) where the heap has it. */
  dueUs = 0;
  dueOrder = -1;
  constructor(
    /** The heap's key: time, then order of scheduling. */
    public timeUs: number,
    public order: number,
    public action: ((arg: unknown) => void) | undefined,
    public arg: unknown,
    public thunk: (() => void) | undefined,
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
  /** Events of post() that have run, for the next post() (no handle to them exists). */
  private readonly free: QueuedEvent[] = [];
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

  /**
   * scheduleCall() without a handle (the event cannot be cancelled): its event object is reused once
   * it has run. For the simulator's packet deliveries, one per segment.
   */
  post<T>(timeUs: number, action: (arg: T) => void, arg: T): void {
    const event = this.free.pop();
    if (event === undefined) {
      // A new event, as scheduleCall() makes it, marked for the free list once it has run.
      (this.scheduleCall(timeUs, action, arg) as QueuedEvent).posted = true;
      return;
    }
    event.timeUs = Math.max(timeUs, this.nowUs);
    event.order = this.counter++;
    event.queued = true;
    event.action = action as (arg: unknown) => void;
    event.arg = arg;
    this.push(event);
  }

  /**
   * The same as `previous?.cancel(); return schedule(timeUs, action)`, reusing `previous` (a handle
   * schedule() or reschedule() of this queue returned) while it is still queued and due no later than
   * `timeUs`. The caller must hold no other reference to `previous`: it is the new timer.
   */
  reschedule(previous: TimerHandle | undefined, timeUs: number, action: () => void): TimerHandle {
    const at = Math.max(timeUs, this.nowUs);
    if (
      previous instanceof QueuedEvent &&
      previous.queued &&
      previous.action === undefined &&
      at >= previous.timeUs
    ) {
      previous.cancelled = false;
      previous.dueUs = at;
      previous.dueOrder = this.counter++;
      previous.thunk = action;
      return previous;
    }
    previous?.cancel();
    return this.schedule(timeUs, action);
  }

  /** Runs the next live event; false when none is left or the next one lies beyond `limitUs`. */
  runNext(limitUs = Number.POSITIVE_INFINITY): boolean {
    const heap = this.heap;
    for (;;) {
      const top = heap[0];
      if (top === undefined) return false;
      if (top.timeUs > limitUs) return false;
      this.pop();
      if (top.cancelled) {
        top.queued = false;
        continue;
      }
      if (top.dueOrder >= 0) {
        // Rescheduled: back into the heap at the time and order it was given.
        top.timeUs = top.dueUs;
        top.order = top.dueOrder;
        top.dueOrder = -1;
        this.push(top);
        continue;
      }
      top.queued = false;
      this.nowUs = top.timeUs;
      const thunk = top.thunk;
      if (thunk !== undefined) thunk();
      else if (top.posted) {
        const action = top.action as (arg: unknown) => void;
        const arg = top.arg;
        top.arg = undefined; // the segment it carried is not kept alive by the free list
        if (this.free.length < 4096) this.free.push(top);
        action(arg);
      } else (top.action as (arg: unknown) => void)(top.arg);
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
