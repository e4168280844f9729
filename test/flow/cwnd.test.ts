/**
 * The congestion window trajectory of scripted loss scenarios, recomputed here from the captured ACK
 * stream with the RFCs' arithmetic, independently of src/flow/congestion.ts and endpoint.ts:
 *   RFC 5681 (2) slow start cwnd += min(N, SMSS); (3) congestion avoidance cwnd += SMSS*SMSS/cwnd;
 *   (4) ssthresh = max(FlightSize/2, 2*SMSS), FlightSize being the data sent and not yet acknowledged
 *   either cumulatively or by SACK; RFC 6928 IW = min(10*SMSS, max(2*SMSS, 14600));
 *   RFC 6582 fast recovery without SACK: cwnd = ssthresh + 3*SMSS, +SMSS per further duplicate ACK,
 *   partial ACK deflates by the bytes acked and adds back SMSS if at least SMSS was acked, full ACK
 *   sets cwnd = ssthresh; RFC 6675 with SACK: cwnd = ssthresh on entry and on exit. cwnd grows only
 *   while it limits the sender (RFC 7661, Linux tcp_is_cwnd_limited): in slow start while
 *   cwnd < 2 * FlightSize, in congestion avoidance while FlightSize + SMSS > cwnd.
 */
import { describe, expect, it } from 'vitest';
import { synthesizeFlow } from '../../src/flow/simulator.js';
import type { CapturedSegment } from '../../src/flow/types.js';

const SMSS = 1448; // MSS 1460 - 12 bytes of timestamp option

function expectedTrajectory(segments: CapturedSegment[], sack: boolean): number[] {
  const iss = segments.find((s) => s.from === 'client' && s.flags & 0x02)!.seq;
  const rel = (seq: number): number => (seq - iss) >>> 0;
  let cwnd = Math.min(10 * SMSS, Math.max(2 * SMSS, 14600));
  let ssthresh = Number.POSITIVE_INFINITY;
  let una = 1;
  let highest = 1;
  let dupAcks = 0;
  let inRecovery = false;
  let recover = 0;
  let lastWindow = -1;
  const out: number[] = [];
  const sacked: Array<[number, number]> = [];
  let handshakeSeen = false;
  for (const s of segments) {
    if (s.from === 'client') {
      if (s.payload.length > 0 || s.flags & 0x01) {
        highest = Math.max(highest, rel(s.seq) + s.payload.length + (s.flags & 0x01 ? 1 : 0));
      }
      continue;
    }
    if (s.flags & 0x02) {
      handshakeSeen = true;
      lastWindow = s.window;
      continue;
    }
    if (!handshakeSeen) continue;
    const ack = rel(s.ack);
    for (const [l, r] of s.sackBlocks ?? []) sacked.push([rel(l), rel(r)]);
    let sackedAbove = 0;
    for (let i = 0; i < sacked.length; i++) {
      const [l, r] = sacked[i]!;
      // count each byte once: clip against earlier blocks
      let lo = Math.max(l, ack);
      const hi = r;
      for (let j = 0; j < i; j++) {
        const [l2, r2] = sacked[j]!;
        if (l2 <= lo && r2 > lo) lo = Math.min(hi, r2);
      }
      if (hi > lo) sackedAbove += hi - lo;
    }
    const duplicate =
      ack === una && highest > una && s.payload.length === 0 && !(s.flags & 0x03) && s.window === lastWindow;
    lastWindow = s.window;
    if (ack > una) {
      const acked = ack - una;
      // Growth only while the window was in use (RFC 7661 / Linux tcp_is_cwnd_limited()).
      const flightBefore = highest - una;
      const limited = cwnd < ssthresh ? cwnd < 2 * flightBefore : flightBefore + SMSS > cwnd;
      una = ack;
      if (inRecovery) {
        if (ack >= recover) {
          cwnd = ssthresh;
          inRecovery = false;
        } else if (!sack) {
          cwnd = Math.max(cwnd - acked + (acked >= SMSS ? SMSS : 0), SMSS);
        }
      } else if (!limited) {
        // application- or receiver-limited: cwnd stays
      } else if (cwnd < ssthresh) {
        cwnd += Math.min(acked, SMSS);
      } else {
        cwnd += (SMSS * SMSS) / cwnd;
      }
      dupAcks = 0;
    } else if (duplicate) {
      dupAcks++;
      // RFC 6675: enter recovery on DupThresh duplicate ACKs, or when IsLost(HighACK+1): more than
      // (DupThresh - 1) * SMSS bytes SACKed above it.
      const isLost = sack && sackedAbove > 2 * SMSS;
      if (!inRecovery && (dupAcks === 3 || isLost) && una > recover) {
        const flight = highest - una - (sack ? sackedAbove : 0);
        ssthresh = Math.max(flight / 2, 2 * SMSS);
        cwnd = sack ? ssthresh : ssthresh + 3 * SMSS;
        recover = highest;
        inRecovery = true;
      } else if (inRecovery && !sack) {
        cwnd += SMSS;
      }
    }
    out.push(Math.round(cwnd));
  }
  return out;
}

function simulatedTrajectory(trace: ReturnType<typeof synthesizeFlow>['trace']): number[] {
  return trace.filter((e) => e.side === 'client' && e.kind === 'ack').map((e) => e.cwnd);
}

describe('congestion window trajectory follows the RFC arithmetic', () => {
  for (const sack of [false, true]) {
    it(`NewReno ${sack ? 'with SACK (RFC 6675)' : 'without SACK (RFC 6582)'}: slow start, loss, recovery, avoidance`, () => {
      const result = synthesizeFlow({
        request: 400_000,
        response: 100,
        drop: 'c30',
        cc: 'newreno',
        sack,
        // The RFC 6675 / RFC 6582 arithmetic of this trajectory is the --no-rack --no-prr sender's;
        // PRR's is recomputed in prr.test.ts.
        rack: false,
        prr: false,
        rttMs: 40,
        bandwidthBps: 20_000_000,
        queuePackets: 1000,
      });
      expect(result.summary.complete).toBe(true);
      const expected = expectedTrajectory(result.segments, sack);
      const actual = simulatedTrajectory(result.trace);
      expect(actual.length).toBe(expected.length);
      expect(actual).toEqual(expected);
      // The scenario really covers every phase.
      const recoveryStart = result.trace.find((e) => e.side === 'client' && e.kind === 'recovery-start');
      expect(recoveryStart).toBeDefined();
      const ssthresh = recoveryStart!.ssthresh!;
      const clientAcks = result.trace.filter((e) => e.side === 'client' && e.kind === 'ack');
      const beforeRecovery = clientAcks.filter((e) => e.timeUs < recoveryStart!.timeUs).length;
      expect(beforeRecovery).toBeGreaterThan(0);
      expect(Math.max(...expected.slice(0, beforeRecovery))).toBeGreaterThan(ssthresh);
      const afterRecovery = result.trace.filter(
        (e) => e.side === 'client' && e.kind === 'ack' && e.recovery === 'open',
      );
      const last = afterRecovery.at(-1)!;
      expect(last.cwnd).toBeGreaterThan(ssthresh); // congestion avoidance grew it again
    });
  }

  it('tail loss: RTO sets ssthresh = max(FlightSize/2, 2*SMSS) and cwnd = 1 SMSS, then slow start', () => {
    const result = synthesizeFlow({
      request: 14_480,
      response: 100,
      drop: 'c10,c11',
      cc: 'newreno',
      rttMs: 40,
      rack: false, // with RACK-TLP a probe repairs this tail (rack.test.ts)
    });
    const rtos = result.trace.filter(
      (e) => e.side === 'client' && e.kind === 'send' && /RTO/.test(e.note ?? ''),
    );
    expect(rtos).toHaveLength(2);
    // At the first timeout only the last segment was outstanding: FlightSize = SMSS, so ssthresh = 2*SMSS.
    for (const e of rtos) {
      expect(e.cwnd).toBe(SMSS);
      expect(e.ssthresh).toBe(2 * SMSS);
    }
  });
});

/** The sender's view rebuilt from a capture taken at the client: cumulative ACK, highest sequence, SACKed bytes. */
class CapturedScoreboard {
  una = 1;
  highest = 1;
  private sacked: Array<[number, number]> = [];
  constructor(private readonly iss: number) {}
  private rel(seq: number): number {
    return (seq - this.iss) >>> 0;
  }
  add(s: CapturedSegment): void {
    if (s.from === 'client') {
      if (s.payload.length > 0 || s.flags & 0x01) {
        this.highest = Math.max(this.highest, this.rel(s.seq) + s.payload.length + (s.flags & 0x01 ? 1 : 0));
      }
      return;
    }
    if (s.flags & 0x02 || !(s.flags & 0x10)) return;
    const ack = this.rel(s.ack);
    if (ack > this.una && ack <= this.highest) this.una = ack;
    for (const [l, r] of s.sackBlocks ?? []) this.sacked.push([this.rel(l), this.rel(r)]);
    // Merge and clip the blocks at the cumulative ACK.
    const blocks = this.sacked
      .map(([l, r]): [number, number] => [Math.max(l, this.una), r])
      .filter(([l, r]) => r > l)
      .sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [l, r] of blocks) {
      const last = merged.at(-1);
      if (last && l <= last[1]) last[1] = Math.max(last[1], r);
      else merged.push([l, r]);
    }
    this.sacked = merged;
  }
  get sackedBytes(): number {
    return this.sacked.reduce((sum, [l, r]) => sum + r - l, 0);
  }
  /** RFC 5681 FlightSize: sent, not yet acknowledged cumulatively or selectively. */
  get flightSize(): number {
    return this.highest - this.una - this.sackedBytes;
  }
}

interface CheckedEvent {
  kind: 'rto' | 'recovery-start' | 'tlp-loss' | 'undo' | 'recovery-end';
  /** The sender was in this recovery state when the event happened. */
  during: string;
  repeated: boolean;
  expected: number;
  actual: number;
  cwndAfter: number;
}

/**
 * Every congestion event of a flow, with ssthresh recomputed from the capture (FlightSize) or, for
 * CUBIC, from the window in use just before the event (RFC 9438 4.6 / 4.8: ssthresh = cwnd * 0.7,
 * at least 2 SMSS). Only the reduction is recomputed; the window it starts from is the sender's own
 * (taken from the trace event just before), its growth being covered by the trajectory tests above.
 * A timeout that strikes again before anything new was acknowledged (the same segment resent by the
 * timer again) keeps ssthresh (RFC 5681 3.1).
 */
function checkCongestionEvents(
  result: ReturnType<typeof synthesizeFlow>,
  cc: 'newreno' | 'cubic',
): CheckedEvent[] {
  const segments = result.segments;
  const iss = segments.find((s) => s.from === 'client' && s.flags & 0x02)!.seq;
  const board = new CapturedScoreboard(iss);
  const start = result.summary.startTimeUs;
  // The path's drop events carry no sender state.
  const events = result.trace.filter((e) => e.side === 'client' && e.connection === 0 && e.kind !== 'drop');
  const checked: CheckedEvent[] = [];
  let next = 0;
  let lastRtoUna = -1;
  let ssthresh = Number.POSITIVE_INFINITY;
  // Linux tcp_enter_loss(): what an undo restores (prior_cwnd; prior_ssthresh = max(ssthresh, 3/4 cwnd)).
  let priorCwnd = 0;
  let priorSsthresh = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === 'undo') {
      const before = events[i - 1]!;
      // RFC 5682 / Linux tcp_undo_cwnd_reduction(): cwnd = max(cwnd, prior_cwnd), ssthresh raised back.
      checked.push({
        kind: 'undo',
        during: before.recovery,
        repeated: false,
        expected: Math.max(before.ssthresh ?? Number.POSITIVE_INFINITY, priorSsthresh),
        actual: e.ssthresh ?? Number.POSITIVE_INFINITY,
        cwndAfter: e.cwnd - Math.round(Math.max(before.cwnd, priorCwnd)),
      });
      ssthresh = e.ssthresh ?? Number.POSITIVE_INFINITY;
      continue;
    }
    if (e.kind === 'recovery-end') {
      // RFC 6675 / RFC 6937: cwnd = ssthresh when recovery ends (a timeout's loss state keeps slow start).
      const before = events[i - 1]!;
      if (before.recovery === 'recovery') {
        checked.push({
          kind: 'recovery-end',
          during: 'recovery',
          repeated: false,
          expected: e.ssthresh ?? Number.NaN,
          actual: e.cwnd,
          cwndAfter: e.cwnd,
        });
      }
      continue;
    }
    if (e.kind !== 'rto' && e.kind !== 'recovery-start' && e.kind !== 'tlp-loss') continue;
    if (
      e.kind === 'rto' &&
      e.state !== 'ESTABLISHED' &&
      e.state !== 'FIN_WAIT_1' &&
      e.state !== 'CLOSE_WAIT' &&
      e.state !== 'LAST_ACK' &&
      e.state !== 'CLOSING'
    )
      continue;
    const at = start + e.timeUs;
    // What the sender knew: ACKs that arrived up to now, data it sent before now.
    for (; next < segments.length; next++) {
      const s = segments[next]!;
      if (s.timeUs > at || (s.timeUs === at && s.from === 'client')) break;
      board.add(s);
    }
    const before = e.kind === 'rto' ? e : events[i - 1]!;
    const after = e.kind === 'rto' ? events[i + 1]! : e;
    const repeated = e.kind === 'rto' && board.una === lastRtoUna;
    if (e.kind === 'rto' && !repeated && e.recovery === 'open') {
      priorCwnd = e.cwnd;
      priorSsthresh = Math.max(e.ssthresh ?? Number.POSITIVE_INFINITY, 0.75 * e.cwnd);
    }
    let expected: number;
    if (repeated) expected = ssthresh;
    else if (cc === 'newreno') expected = Math.max(board.flightSize / 2, 2 * SMSS);
    else expected = Math.max(before.cwnd * 0.7, 2 * SMSS);
    if (e.kind === 'rto') lastRtoUna = board.una;
    ssthresh = after.ssthresh ?? Number.POSITIVE_INFINITY;
    checked.push({
      kind: e.kind,
      during: e.recovery,
      repeated,
      expected,
      actual: after.ssthresh ?? Number.NaN,
      cwndAfter: after.cwnd,
    });
  }
  return checked;
}

describe('every timeout and every recovery of random-loss flows follows RFC 5681 / RFC 9438', () => {
  const flows: Array<{ cc: 'newreno' | 'cubic'; seed: number; bytes: number; loss: number }> = [];
  for (const cc of ['newreno', 'cubic'] as const) {
    for (let seed = 1; seed <= 12; seed++) flows.push({ cc, seed, bytes: 1_000_000, loss: 0.02 });
    // RACK-TLP repairs nearly every 2% loss without a timeout; at 8% lost retransmissions at the end
    // of the data and losses of a whole window still end in timeouts, in and out of recovery.
    for (let seed = 1; seed <= 6; seed++) flows.push({ cc, seed, bytes: 1_000_000, loss: 0.08 });
  }
  // The flows of issue 12, where a timeout during recovery used to raise ssthresh.
  flows.push({ cc: 'cubic', seed: 7, bytes: 2_000_000, loss: 0.01 });
  flows.push({ cc: 'newreno', seed: 23, bytes: 2_000_000, loss: 0.01 });

  for (const cc of ['newreno', 'cubic'] as const) {
    it(`${cc}, RACK and PRR on: ssthresh at each recovery, TLP-detected loss and RTO, cwnd = 1 SMSS after an RTO, undo and recovery end`, () => {
      const all: CheckedEvent[] = [];
      for (const flow of flows.filter((f) => f.cc === cc)) {
        const result = synthesizeFlow({
          request: flow.bytes,
          response: 0,
          rttMs: 40,
          bandwidthBps: 20_000_000,
          loss: flow.loss,
          seed: flow.seed,
          cc,
        });
        expect(result.summary.complete).toBe(true);
        for (const c of checkCongestionEvents(result, cc)) {
          const where = `${cc} seed ${flow.seed} loss ${flow.loss}: ${c.kind} during ${c.during}`;
          if (c.kind === 'undo') {
            expect(c.actual, `${where}: ssthresh restored`).toBeCloseTo(c.expected, -1);
            expect(Math.abs(c.cwndAfter), `${where}: cwnd restored`).toBeLessThanOrEqual(1);
            all.push(c);
            continue;
          }
          if (c.kind === 'recovery-end') {
            expect(Math.abs(c.actual - c.expected), `${where}: cwnd = ssthresh`).toBeLessThanOrEqual(1);
            all.push(c);
            continue;
          }
          // The trace rounds cwnd to whole bytes, so CUBIC's product may differ by under a byte.
          expect(
            Math.abs(c.actual - c.expected),
            `${where}: ssthresh ${c.actual}, expected ${c.expected}`,
          ).toBeLessThanOrEqual(1);
          if (c.kind === 'rto') expect(c.cwndAfter, where).toBe(SMSS);
          all.push(c);
        }
      }
      // The flows really contain what is checked: recoveries, timeouts, and timeouts during recovery.
      expect(all.filter((c) => c.kind === 'recovery-start').length).toBeGreaterThan(50);
      const rtos = all.filter((c) => c.kind === 'rto');
      expect(rtos.length).toBeGreaterThanOrEqual(4);
      expect(rtos.filter((c) => c.during === 'recovery').length).toBeGreaterThanOrEqual(2);
      expect(all.filter((c) => c.kind === 'recovery-end').length).toBeGreaterThan(50);
    });
  }

  it('a timeout during recovery never raises ssthresh (issue 12: CUBIC seed 7 went 19,258 -> 75,006)', () => {
    for (const flow of flows) {
      const result = synthesizeFlow({
        request: flow.bytes,
        response: 0,
        rttMs: 40,
        bandwidthBps: 20_000_000,
        loss: flow.loss,
        seed: flow.seed,
        cc: flow.cc,
      });
      const events = result.trace.filter((e) => e.side === 'client' && e.kind !== 'drop');
      for (let i = 0; i + 1 < events.length; i++) {
        const e = events[i]!;
        if (e.kind !== 'rto' || e.recovery !== 'recovery') continue;
        const after = events[i + 1]!;
        if (e.ssthresh! > 2 * SMSS) expect(after.ssthresh!).toBeLessThan(e.ssthresh!);
        else expect(after.ssthresh!).toBe(2 * SMSS);
        // Slow start after the timeout stops at the new ssthresh.
        const grown = events.slice(i + 1).find((x) => x.kind === 'ack' && x.cwnd >= after.ssthresh!);
        if (grown) expect(grown.cwnd).toBeLessThan(after.ssthresh! + SMSS + 1);
      }
    }
  });
});
