/**
 * Where the capture point sits and what it records.
 *
 * The capture point is a position on the path: 0 at the client, 1 at the server. For the
 * client-to-server direction that is how far a packet has travelled; for the other direction it is
 * 1 - position. Seen packets are collected with their capture time and sorted once at the end by
 * (time, the order they were sent in), which keeps cause before effect at equal times.
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

export class CaptureCollector {
  private readonly seen: Array<{ timeUs: number; order: number; segment: CapturedSegment }> = [];
  private order = 0;

  constructor(private readonly startUs: number) {}

  /** Records `segment` as seen at relative time `timeUs`. */
  record(segment: CapturedSegment, timeUs: number): void {
    this.seen.push({ timeUs, order: this.order++, segment: { ...segment, timeUs: this.startUs + timeUs } });
  }

  get count(): number {
    return this.seen.length;
  }

  /** Every captured segment in capture order. */
  finish(): CapturedSegment[] {
    this.seen.sort((a, b) => a.timeUs - b.timeUs || a.order - b.order);
    return this.seen.map((entry) => entry.segment);
  }
}
