/**
 * One direction of the network path between the endpoints.
 *
 * A packet leaves its sender at position 0 and reaches the receiver at position 1. Along the way:
 *   - propagation: position x is reached after x * oneWayDelay (plus queueing once past the bottleneck);
 *   - the bottleneck at `bottleneckAt`: a FIFO served at `bandwidthBps`, dropping at the tail when
 *     `queuePackets` packets are already waiting (a tail-drop queue), then a per-packet extra delay drawn
 *     from [0, jitter) that never reorders packets;
 *   - the loss point at `lossAt`: where scripted drops and the random loss process act;
 *   - ECN (RFC 3168 section 5): an ECN-capable packet that finds at least `ecnThresholdPackets` packets
 *     waiting at the bottleneck is marked CE instead of waiting for the tail drop (a step-marking AQM).
 * The capture point sits at `captureAt` (0 = at the sender, 1 = at the receiver). A packet dropped at
 * position p is seen by the capture point only if captureAt <= p.
 */
import type { LossProcess } from './random.js';
import { noLoss, SeededRandom } from './random.js';

export interface PathDirectionConfig {
  /** Propagation delay from sender to receiver, microseconds. */
  oneWayDelayUs: number;
  /** Extra random delay at the bottleneck exit in [0, jitterUs), never reordering. */
  jitterUs: number;
  /** Bottleneck rate in bits per second; 0 means unlimited. */
  bandwidthBps: number;
  /** Packets the bottleneck queue holds (including the one in service) before tail drop. */
  queuePackets: number;
  /** Position of the bottleneck, 0..1 from the sender. */
  bottleneckAt: number;
  /** Position where losses happen, 0..1 from the sender. */
  lossAt: number;
  /** Position of the capture point, 0..1 from the sender. */
  captureAt: number;
  // --- rcv ---
  /** Queue length (packets waiting) from which ECN-capable packets are marked CE; undefined: never. */
  ecnThresholdPackets?: number | undefined;
  // --- end rcv ---
}

export type DropReason = 'loss' | 'scripted' | 'queue';

/** What happens to one packet on its way. */
export interface PathTransit {
  /** Time the receiver gets it; undefined when dropped. */
  arrivalUs: number | undefined;
  /** Time the capture point sees it; undefined when it never gets there. */
  captureUs: number | undefined;
  /** Why it was dropped, when it was. */
  dropped: DropReason | undefined;
  // --- rcv ---
  /** The bottleneck marked it CE (ECN-capable packets only). */
  ceMarked: boolean;
  // --- end rcv ---
}

export class PathDirection {
  private readonly departures: number[] = [];
  private departureHead = 0;
  private linkFreeUs = 0;
  private lastExitUs = 0;
  private readonly jitterRandom: SeededRandom;

  constructor(
    readonly config: PathDirectionConfig,
    private readonly loss: LossProcess = noLoss,
    jitterSeed = 0,
  ) {
    this.jitterRandom = new SeededRandom(jitterSeed, 7);
  }

  /** What the last transitInPlace() did (see PathTransit; NaN for undefined times, '' for no drop). */
  lastArrivalUs = Number.NaN;
  lastCaptureUs = Number.NaN;
  lastDropped: DropReason | '' = '';
  lastCeMarked = false;

  /**
   * Sends one packet of `wireBytes` at `sendUs` (calls must come in non-decreasing send time).
   * `scriptedDrop` forces a loss at the loss point.
   */
  transit(sendUs: number, wireBytes: number, scriptedDrop: boolean, ecnCapable = false): PathTransit {
    this.transitInPlace(sendUs, wireBytes, scriptedDrop, ecnCapable);
    return {
      arrivalUs: Number.isNaN(this.lastArrivalUs) ? undefined : this.lastArrivalUs,
      captureUs: Number.isNaN(this.lastCaptureUs) ? undefined : this.lastCaptureUs,
      dropped: this.lastDropped === '' ? undefined : this.lastDropped,
      ceMarked: this.lastCeMarked,
    };
  }

  /** The loss point: a scripted drop, else a draw of the loss process. */
  private drawLoss(scriptedDrop: boolean): DropReason | '' {
    if (scriptedDrop) return 'scripted';
    return this.loss.lose() ? 'loss' : '';
  }

  /** transit() with its outcome in the `last*` fields instead of a new object (the simulator's hot path). */
  transitInPlace(sendUs: number, wireBytes: number, scriptedDrop: boolean, ecnCapable: boolean): void {
    const c = this.config;
    const d = c.oneWayDelayUs;
    const bottleneckAt = c.bottleneckAt;
    let exitUs = Number.NaN;
    let dropAt = Number.POSITIVE_INFINITY;
    let dropped: DropReason | '' = '';
    let ceMarked = false;

    const lossFirst = c.lossAt < bottleneckAt;
    if (lossFirst) {
      dropped = this.drawLoss(scriptedDrop);
      if (dropped !== '') dropAt = c.lossAt;
    }
    if (dropped === '') {
      const atBottleneck = sendUs + Math.round(bottleneckAt * d);
      if (c.bandwidthBps > 0) {
        const departures = this.departures;
        while (this.departureHead < departures.length && departures[this.departureHead]! <= atBottleneck) {
          this.departureHead++;
        }
        if (this.departureHead > 4096) {
          departures.splice(0, this.departureHead);
          this.departureHead = 0;
        }
        const waiting = departures.length - this.departureHead;
        if (waiting >= c.queuePackets) {
          dropped = 'queue';
          dropAt = bottleneckAt;
        } else {
          // --- rcv ---
          const threshold = c.ecnThresholdPackets;
          if (ecnCapable && threshold !== undefined && waiting >= threshold) ceMarked = true;
          // --- end rcv ---
          const serviceUs = Math.max(1, Math.round((wireBytes * 8 * 1_000_000) / c.bandwidthBps));
          const departure = Math.max(atBottleneck, this.linkFreeUs) + serviceUs;
          this.linkFreeUs = departure;
          departures.push(departure);
          exitUs = departure;
        }
      } else {
        exitUs = atBottleneck;
      }
      if (dropped === '') {
        const jitter = c.jitterUs > 0 ? this.jitterRandom.nextInt(c.jitterUs) : 0;
        exitUs = Math.max(exitUs + jitter, this.lastExitUs);
        this.lastExitUs = exitUs;
      }
    }
    if (!lossFirst && dropped === '') {
      dropped = this.drawLoss(scriptedDrop);
      if (dropped !== '') dropAt = c.lossAt;
    }

    // Position p is reached at sendUs + p*d before the bottleneck, exitUs + (p - bottleneckAt)*d after it.
    this.lastArrivalUs =
      dropped !== ''
        ? Number.NaN
        : 1 <= bottleneckAt
          ? sendUs + Math.round(d)
          : exitUs + Math.round((1 - bottleneckAt) * d);
    let captureUs = Number.NaN;
    const captureAt = c.captureAt;
    if (captureAt <= dropAt) {
      captureUs =
        captureAt <= bottleneckAt
          ? sendUs + Math.round(captureAt * d)
          : exitUs + Math.round((captureAt - bottleneckAt) * d);
    }
    this.lastCaptureUs = captureUs;
    this.lastDropped = dropped;
    this.lastCeMarked = ceMarked;
  }
}
