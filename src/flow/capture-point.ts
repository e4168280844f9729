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

/**
 * A FIFO of seen segments of one direction, ordered by (capture time, send order): parallel arrays of
 * times, orders and segments (no record per segment).
 */
class SeenQueue {
  private times: number[] = [];
  private orders: number[] = [];
  private segments: CapturedSegment[] = [];
  private head = 0;
  get size(): number {
    return this.segments.length - this.head;
  }
  /** Whether the queue is empty. */
  get empty(): boolean {
    return this.head >= this.segments.length;
  }
  /** The head's capture time and send order (the queue must not be empty). */
  get headTime(): number {
    return this.times[this.head] as number;
  }
  get headOrder(): number {
    return this.orders[this.head] as number;
  }
  /** Removes and returns the head (the queue must not be empty). */
  shift(): CapturedSegment {
    const head = this.head;
    const segment = this.segments[head] as CapturedSegment;
    this.segments[head] = EMPTY_SLOT;
    this.head = head + 1;
    if (this.head >= 4096 && this.head * 2 >= this.segments.length) {
      this.times = this.times.slice(this.head);
      this.orders = this.orders.slice(this.head);
      this.segments = this.segments.slice(this.head);
      this.head = 0;
    }
    return segment;
  }
  push(timeUs: number, order: number, segment: CapturedSegment): void {
    // Capture times of one direction only grow (the path never reorders); keep the order regardless.
    const times = this.times;
    let i = times.length;
    while (i > this.head && (times[i - 1] as number) > timeUs) i--;
    if (i === times.length) {
      times.push(timeUs);
      this.orders.push(order);
      this.segments.push(segment);
    } else {
      times.splice(i, 0, timeUs);
      this.orders.splice(i, 0, order);
      this.segments.splice(i, 0, segment);
    }
  }
}

const EMPTY_SLOT = undefined as unknown as CapturedSegment;

/**
 * Collects what the capture point sees and hands it on in capture order as soon as nothing can come
 * before it any more: a segment is recorded when it is sent, with a capture time no earlier than that,
 * so once the simulation clock has reached T every segment seen up to T is final.
 */
export class CaptureCollector {
  private readonly client = new SeenQueue();
  private readonly server = new SeenQueue();
  private order = 0;
  private recorded = 0;

  constructor(private readonly startUs: number) {}

  /**
   * Records `segment` as seen at relative time `timeUs`. The segment's `timeUs` is set to the absolute
   * capture time (the object is the sender's, used for nothing else once sent).
   */
  record(segment: CapturedSegment, timeUs: number): void {
    segment.timeUs = this.startUs + timeUs;
    (segment.from === 'client' ? this.client : this.server).push(timeUs, this.order++, segment);
    this.recorded++;
  }

  /** Segments recorded so far. */
  get count(): number {
    return this.recorded;
  }

  /** Segments recorded and not yet handed on. */
  get pending(): number {
    return this.client.size + this.server.size;
  }

  /** Hands on, in capture order, every segment seen at or before relative time `untilUs`. */
  drain(untilUs: number, sink: (segment: CapturedSegment) => void): void {
    const a = this.client;
    const b = this.server;
    for (;;) {
      let next: SeenQueue;
      if (a.empty) {
        if (b.empty) return;
        next = b;
      } else if (b.empty) next = a;
      else {
        const x = a.headTime;
        const y = b.headTime;
        next = x < y || (x === y && a.headOrder < b.headOrder) ? a : b;
      }
      if (next.headTime > untilUs) return;
      sink(next.shift());
    }
  }

  /** Every segment not yet handed on, in capture order. */
  finish(): CapturedSegment[] {
    const out: CapturedSegment[] = [];
    this.drain(Number.POSITIVE_INFINITY, (segment) => out.push(segment));
    return out;
  }
}
