/**
 * Where the capture point sits and what it records.
 *
 * The capture point is a position on the path: 0 at the client, 1 at the server. For the
 * client-to-server direction that is how far a packet has travelled; for the other direction it is
 * 1 - position. Seen packets are ordered by (capture time, the order they were sent in), which keeps
 * cause before effect at equal times, and handed on as the simulation advances.
 */
import { FieldError } from '../core/errors.js';
import type { CapturedSegment, Side } from './types.js';

export type CapturePointSpec = 'client' | 'server' | number;

/** The capture position as a fraction of the path from the client (0) to the server (1). */
export function capturePosition(spec: CapturePointSpec): number {
  if (spec === 'client') return 0;
  if (spec === 'server') return 1;
  if (typeof spec !== 'number' || !Number.isFinite(spec) || spec < 0 || spec > 1) {
    throw new FieldError(
      'flow',
      'captureAt',
      `expected client, server or a fraction 0..1, got ${String(spec)}`,
    );
  }
  return spec;
}

/** The capture position seen from a sender: how far along its own direction the capture point is. */
export function capturePositionFor(from: Side, position: number): number {
  return from === 'client' ? position : 1 - position;
}

interface SeenSegment {
  timeUs: number;
  order: number;
  segment: CapturedSegment;
}

/** A FIFO of seen segments of one direction, ordered by (capture time, send order). */
class SeenQueue {
  private items: SeenSegment[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  peek(): SeenSegment | undefined {
    return this.items[this.head];
  }
  shift(): SeenSegment | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head] = EMPTY_SLOT;
    this.head++;
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  push(entry: SeenSegment): void {
    // Capture times of one direction only grow (the path never reorders); keep the order regardless.
    let i = this.items.length;
    while (i > this.head) {
      const before = this.items[i - 1];
      if (before === undefined || before.timeUs <= entry.timeUs) break;
      i--;
    }
    if (i === this.items.length) this.items.push(entry);
    else this.items.splice(i, 0, entry);
  }
}

const EMPTY_SLOT: SeenSegment = { timeUs: 0, order: 0, segment: undefined as unknown as CapturedSegment };

/**
 * Collects what the capture point sees and hands it on in capture order as soon as nothing can come
 * before it any more: a segment is recorded when it is sent, with a capture time no earlier than that,
 * so once the simulation clock has reached T every segment seen up to T is final.
 */
export class CaptureCollector {
  private readonly queues: Record<Side, SeenQueue> = { client: new SeenQueue(), server: new SeenQueue() };
  private order = 0;
  private recorded = 0;

  constructor(private readonly startUs: number) {}

  /**
   * Records `segment` as seen at relative time `timeUs`. The segment's `timeUs` is set to the absolute
   * capture time (the object is the sender's, used for nothing else once sent).
   */
  record(segment: CapturedSegment, timeUs: number): void {
    segment.timeUs = this.startUs + timeUs;
    this.queues[segment.from].push({ timeUs, order: this.order++, segment });
    this.recorded++;
  }

  /** Segments recorded so far. */
  get count(): number {
    return this.recorded;
  }

  /** Segments recorded and not yet handed on. */
  get pending(): number {
    return this.queues.client.size + this.queues.server.size;
  }

  /** Hands on, in capture order, every segment seen at or before relative time `untilUs`. */
  drain(untilUs: number, sink: (segment: CapturedSegment) => void): void {
    const a = this.queues.client;
    const b = this.queues.server;
    for (;;) {
      const x = a.peek();
      const y = b.peek();
      let next: SeenQueue;
      if (x === undefined) {
        if (y === undefined) return;
        next = b;
      } else if (y === undefined) next = a;
      else next = x.timeUs < y.timeUs || (x.timeUs === y.timeUs && x.order < y.order) ? a : b;
      const head = next.peek();
      if (head === undefined || head.timeUs > untilUs) return;
      next.shift();
      sink(head.segment);
    }
  }

  /** Every segment not yet handed on, in capture order. */
  finish(): CapturedSegment[] {
    const out: CapturedSegment[] = [];
    this.drain(Number.POSITIVE_INFINITY, (segment) => out.push(segment));
    return out;
  }
}
