/**
 * The simulator's clock: a binary heap of actions ordered by (time, insertion order), so two events at
 * the same microsecond always run in the order they were scheduled. Deterministic by construction.
 */
import type { TimerHandle } from './endpoint.js';

interface QueuedEvent {
  timeUs: number;
  order: number;
  action: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private counter = 0;
  nowUs = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(timeUs: number, action: () => void): TimerHandle {
    const event: QueuedEvent = {
      timeUs: Math.max(timeUs, this.nowUs),
      order: this.counter++,
      action,
      cancelled: false,
    };
    this.push(event);
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  /** Runs the next live event; false when none is left or the next one lies beyond `limitUs`. */
  runNext(limitUs = Number.POSITIVE_INFINITY): boolean {
    for (;;) {
      const top = this.heap[0];
      if (!top) return false;
      if (top.timeUs > limitUs) return false;
      this.pop();
      if (top.cancelled) continue;
      this.nowUs = top.timeUs;
      top.action();
      return true;
    }
  }

  private less(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.order < b.order);
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && this.less(heap[l]!, heap[smallest]!)) smallest = l;
      if (r < heap.length && this.less(heap[r]!, heap[smallest]!)) smallest = r;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
