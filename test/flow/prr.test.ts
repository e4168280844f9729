/**
 * Proportional Rate Reduction (RFC 6937, PRR-SSRB as Linux tcp_cwnd_reduction()) recomputed from the
 * capture, independently of endpoint.ts. For every ACK of a fast recovery (client-side capture):
 *   DeliveredData = the change in (snd.una + bytes SACKed above it); prr_delivered sums it;
 *   pipe = snd.max - snd.una - SACKed - lost + retransmitted, with the holes below the highest SACKed
 *   byte lost (RACK with reo_wnd = 0 in recovery, every segment sent in order);
 *   if pipe > ssthresh: sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out
 *   else:               sndcnt = MIN(ssthresh - pipe, MAX(prr_delivered - prr_out, DeliveredData)
 *                                    + SMSS if snd.una advanced and nothing was newly lost)
 *   and at least one segment while prr_out is 0 (the fast retransmit).
 * The sender then sends floor(sndcnt / SMSS) full segments before the next ACK; prr_out counts them.
 * RecoverFS is Linux's prior_cwnd, the window before the reduction (the sender's own, from the trace, as
 * the CUBIC reduction in cwnd.test.ts); ssthresh = 0.7 * that window (RFC 9438), checked there.
 * tshark judges the retransmission kinds, and its bytes-in-flight shows the flight brought down to
 * ssthresh by the end of the recovery rather than halved at once.
 */
import { describe, expect, it } from 'vitest';
import type { FlowOptions, FlowResult } from '../../src/flow/simulator.js';
import { analyze, type FrameAnalysis, framesWith, synthesizeToCapture } from './tshark-harness.js';

const SMSS = 1448;
const BASE: FlowOptions = {
  request: 400_000,
  response: 0,
  rttMs: 40,
  bandwidthBps: 20_000_000,
  queuePackets: 1000,
  rwnd: 1 << 20,
  // One ACK per segment, as RFC 6937's examples: Linux's SACK compression (sack-compression.test.ts)
  // would merge the duplicate ACKs after the third into one per millisecond. The last test here runs
  // with it.
  sackCompression: false,
};

interface AckStep {
  frame: number;
  delivered: number;
  pipe: number;
  expectedSent: number;
  sent: number;
}

/** Rebuilds the first recovery of the flow from the capture and the RFC 6937 rules. */
function recomputePrr(result: FlowResult): { steps: AckStep[]; ssthresh: number; recoverFs: number } {
  const segments = result.segments;
  const iss = segments[0]!.seq;
  const rel = (s: number): number => (s - iss) >>> 0;
  const events = result.trace.filter((e) => e.side === 'client' && e.kind !== 'drop');
  const startIndex = events.findIndex((e) => e.kind === 'recovery-start');
  const start = events[startIndex]!;
  const recoverFs = events[startIndex - 1]!.cwnd;
  const ssthresh = start.ssthresh!;
  const startUs = result.summary.startTimeUs + start.timeUs;
  let una = 1;
  let highest = 1;
  let sacked: Array<[number, number]> = [];
  const retransmitted = new Map<number, number>(); // hole start -> length, resent and not yet acked
  const sackedAbove = (): number => sacked.reduce((sum, [l, r]) => sum + r - Math.max(l, una), 0);
  const highestSacked = (): number => sacked.reduce((m, [, r]) => Math.max(m, r), una);
  const lostBytes = (): number => {
    // un-SACKed bytes between snd.una and the highest SACKed byte
    const top = highestSacked();
    let covered = 0;
    for (const [l, r] of sacked) covered += Math.min(r, top) - Math.max(l, una);
    return top - una - covered;
  };
  const rexmitBytes = (): number => {
    let sum = 0;
    for (const [s, len] of retransmitted) if (s + len > una) sum += len;
    return sum;
  };
  let inRecovery = false;
  let recoverPoint = 0;
  let prrDelivered = 0;
  let prrOut = 0;
  let pending: AckStep | undefined;
  const steps: AckStep[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.from === 'client') {
      if (s.payload.length === 0) continue;
      const seq = rel(s.seq);
      if (seq < highest) retransmitted.set(seq, s.payload.length);
      highest = Math.max(highest, seq + s.payload.length);
      if (pending) {
        pending.sent++;
        prrOut += s.payload.length;
      }
      continue;
    }
    if (s.flags & 0x02) continue;
    const before = una + sackedAbove();
    const lostBefore = lostBytes();
    const ack = rel(s.ack);
    if (ack > una) una = ack;
    const blocks = (s.sackBlocks ?? []).map(([l, r]): [number, number] => [rel(l), rel(r)]);
    const merged = [...sacked, ...blocks]
      .map(([l, r]): [number, number] => [Math.max(l, una), r])
      .filter(([l, r]) => r > l)
      .sort((a, b) => a[0] - b[0]);
    sacked = [];
    for (const [l, r] of merged) {
      const last = sacked.at(-1);
      if (last && l <= last[1]) last[1] = Math.max(last[1], r);
      else sacked.push([l, r]);
    }
    const delivered = una + sackedAbove() - before;
    if (pending) steps.push(pending);
    pending = undefined;
    if (!inRecovery && s.timeUs === startUs && !steps.length) {
      inRecovery = true;
      recoverPoint = highest;
    }
    if (!inRecovery) continue;
    if (una >= recoverPoint) break; // the full ACK: cwnd = ssthresh, recovery over
    prrDelivered += delivered;
    const pipe = highest - una - sackedAbove() - lostBytes() + rexmitBytes();
    let sndcnt: number;
    if (pipe > ssthresh) sndcnt = Math.ceil((prrDelivered * ssthresh) / recoverFs) - prrOut;
    else {
      const newlyLost = lostBytes() > lostBefore;
      const bonus = ack > una - delivered && !newlyLost ? SMSS : 0;
      sndcnt = Math.min(ssthresh - pipe, Math.max(prrDelivered - prrOut, delivered) + bonus);
    }
    if (prrOut === 0) sndcnt = Math.max(sndcnt, SMSS);
    if (delivered <= 0 && prrOut > 0) sndcnt = 0; // Linux: no delivery, no change of cwnd
    pending = {
      frame: i + 1,
      delivered,
      pipe,
      expectedSent: Math.max(0, Math.floor(sndcnt / SMSS)),
      sent: 0,
    };
  }
  return { steps, ssthresh, recoverFs };
}

async function judged(options: FlowOptions): Promise<{ result: FlowResult; frames: FrameAnalysis[] }> {
  const { result, path } = await synthesizeToCapture(options);
  return { result, frames: analyze(path) };
}

describe('PRR (RFC 6937) during fast recovery', () => {
  it('one drop: per ACK the sender sends CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out', async () => {
    const { result, frames } = await judged({ ...BASE, drop: 'c30' });
    expect(result.summary.complete).toBe(true);
    const { steps, ssthresh, recoverFs } = recomputePrr(result);
    expect(steps.length).toBeGreaterThan(20);
    for (const step of steps) {
      expect(step.sent, `ACK frame ${step.frame} (pipe ${step.pipe}, delivered ${step.delivered})`).toBe(
        step.expectedSent,
      );
    }
    // The proportional part really ran: pipe stays above ssthresh, and about ssthresh/RecoverFS
    // (0.7) segments go per segment delivered, spread over the recovery instead of in a burst.
    // Both branches ran: proportional while pipe > ssthresh (most of the recovery, about 0.7 segment
    // per segment delivered), then PRR-SSRB once the flight has come down to ssthresh.
    const proportional = steps.filter((s) => s.pipe > ssthresh);
    expect(proportional.length).toBeGreaterThan(steps.length / 2);
    expect(proportional.length).toBeLessThan(steps.length);
    const sent = proportional.reduce((n, s) => n + s.sent, 0);
    const delivered = proportional.reduce((n, s) => n + s.delivered, 0) / SMSS;
    expect(Math.abs(sent - (delivered * ssthresh) / recoverFs)).toBeLessThanOrEqual(1.5);
    // tshark: one resend, nothing spurious. RACK resends the hole once the segment sent 10 ms after it
    // (the ACK clock of slow start) is SACKed and reo_wnd = min_rtt/4 has passed, after a single
    // duplicate ACK: tshark then calls it out-of-order rather than fast (it wants two), as it does
    // Linux's RACK retransmissions (kernel-tcp.test.ts).
    const resent = framesWith(frames, 'retransmission').concat(framesWith(frames, 'out_of_order'));
    expect(resent).toHaveLength(1);
    expect(framesWith(frames, 'spurious_retransmission')).toEqual([]);
    // tshark's bytes in flight at the last data segment of the recovery: down to about ssthresh.
    const lastSent = steps.filter((s) => s.sent > 0).at(-1)!;
    const lastFrame = frames.slice(lastSent.frame).find((f) => f.tcpLen > 0)!;
    expect(Math.abs(lastFrame.bytesInFlight! - ssthresh)).toBeLessThanOrEqual(3 * SMSS);
  });

  it('a burst of four drops: proportional, then slow start back to ssthresh (PRR-SSRB)', async () => {
    const { result, frames } = await judged({ ...BASE, drop: 'c30,c31,c32,c33' });
    expect(result.summary.complete).toBe(true);
    const { steps } = recomputePrr(result);
    for (const step of steps) {
      expect(step.sent, `ACK frame ${step.frame} (pipe ${step.pipe}, delivered ${step.delivered})`).toBe(
        step.expectedSent,
      );
    }
    const resent = framesWith(frames, 'retransmission').concat(framesWith(frames, 'out_of_order'));
    expect(resent).toHaveLength(4);
    expect(framesWith(frames, 'spurious_retransmission')).toEqual([]);
  });

  it('with SACK compression (fewer, larger ACKs) every ACK still follows the same rule', async () => {
    const { result, frames } = await judged({ ...BASE, drop: 'c30', sackCompression: true });
    expect(result.summary.complete).toBe(true);
    const { steps } = recomputePrr(result);
    expect(steps.length).toBeGreaterThan(10);
    expect(steps.some((s) => s.delivered > SMSS)).toBe(true); // a compressed SACK delivered several
    for (const step of steps) {
      expect(step.sent, `ACK frame ${step.frame} (pipe ${step.pipe}, delivered ${step.delivered})`).toBe(
        step.expectedSent,
      );
    }
    expect(framesWith(frames, 'spurious_retransmission')).toEqual([]);
  });

  it('--no-prr: cwnd = ssthresh at once (RFC 6675), so nothing new goes until pipe falls below it', async () => {
    const { result } = await judged({ ...BASE, drop: 'c30', prr: false });
    const events = result.trace.filter((e) => e.side === 'client' && e.kind !== 'drop');
    const start = events.find((e) => e.kind === 'recovery-start')!;
    expect(start.cwnd).toBe(start.ssthresh);
    const end = events.find((e) => e.kind === 'recovery-end')!;
    const inRecovery = events.filter(
      (e) => e.kind === 'send' && e.timeUs > start.timeUs && e.timeUs < end.timeUs,
    );
    // The first sends of the recovery wait for pipe < ssthresh: about RecoverFS - ssthresh delivered.
    const firstNew = inRecovery.find((e) => (e.len ?? 0) > 0 && !/retransmission/.test(e.note ?? ''))!;
    const before = events[events.indexOf(start) - 1]!;
    const waitedAcks = events.filter(
      (e) => e.kind === 'ack' && e.timeUs > start.timeUs && e.timeUs <= firstNew.timeUs,
    );
    const expectedAcks = (before.cwnd - start.ssthresh!) / SMSS;
    expect(Math.abs(waitedAcks.length - expectedAcks)).toBeLessThanOrEqual(2);
  });
});
