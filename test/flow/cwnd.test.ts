/**
 * The congestion window trajectory of scripted loss scenarios, recomputed here from the captured ACK
 * stream with the RFCs' arithmetic, independently of src/flow/congestion.ts and endpoint.ts:
 *   RFC 5681 (2) slow start cwnd += min(N, SMSS); (3) congestion avoidance cwnd += SMSS*SMSS/cwnd;
 *   (4) ssthresh = max(FlightSize/2, 2*SMSS); RFC 6928 IW = min(10*SMSS, max(2*SMSS, 14600));
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
        const flight = highest - una;
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
      expect(
        Math.max(...expected.slice(0, expected.indexOf(ssthresh + (sack ? 0 : 3 * SMSS)))),
      ).toBeGreaterThan(ssthresh);
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
