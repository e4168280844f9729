/**
 * Spurious retransmission timeouts and their undo (RFC 5682 F-RTO, RFC 3522 Eifel with timestamps, as
 * Linux tcp_process_loss() / tcp_try_undo_loss() with net.ipv4.tcp_frto=2).
 *
 * The spurious timeout: the client's last segment (an odd one) is ACKed only by the receiver's delayed
 * ACK, 220 ms after it arrived; the client's RTO (200 ms from the previous ACK) fires first and resends
 * it. The delayed ACK, already on its way, echoes the TSval of the original (sent ~240 ms before the
 * retransmission), so it proves the timeout spurious: cwnd and ssthresh return to what they were before
 * the timeout (Linux tcp_undo_cwnd_reduction(): cwnd = max(cwnd, prior_cwnd), ssthresh =
 * max(ssthresh, prior_ssthresh) with prior_ssthresh = max(ssthresh, 3/4 cwnd)). RACK-TLP is off in
 * these flows: with it the same wait draws a tail loss probe instead of a timeout (last test).
 * tshark judges the retransmission at the receiver's side: spurious (its bytes were already ACKed).
 */
import { describe, expect, it } from 'vitest';
import { plotFlow } from '../../src/flow/plot.js';
import type { FlowOptions, FlowResult } from '../../src/flow/simulator.js';
import { synthesizeFlow } from '../../src/flow/simulator.js';
import type { TraceEvent } from '../../src/flow/trace.js';
import { analyze, framesWith, synthesizeToCapture } from './tshark-harness.js';

const SMSS = 1448;
const DELAYED: FlowOptions = {
  rttMs: 40,
  delayedAckMs: 220,
  request: 41 * SMSS,
  response: 1000,
  serverReaderRate: 100_000,
  closeBy: 'server',
  rack: false,
  // A fixed receive buffer (the whole of it offered): the timing above holds the receiver's delayed
  // ACK; Linux's growing window would draw quick ACKs (one per segment while it grows) and no timeout.
  rwnd: 131_072,
};

const client = (r: FlowResult): TraceEvent[] =>
  r.trace.filter((e) => e.side === 'client' && e.kind !== 'drop');

describe('F-RTO / Eifel undo of a spurious timeout', () => {
  it('the delayed ACK echoes the original timestamp: the timeout is undone, shown in the trace and the plot', async () => {
    const { result, path } = await synthesizeToCapture(DELAYED);
    expect(result.summary.complete).toBe(true);
    const events = client(result);
    const rtoAt = events.findIndex((e) => e.kind === 'rto');
    const undoAt = events.findIndex((e) => e.kind === 'undo');
    expect(rtoAt).toBeGreaterThan(0);
    expect(undoAt).toBeGreaterThan(rtoAt);
    const rto = events[rtoAt]!;
    const undo = events[undoAt]!;
    expect(undo.note).toMatch(/Eifel/);
    // The ACK that proves it: the first from the server after the retransmission, echoing a TSval
    // older than the retransmission's.
    const segments = result.segments;
    const resentIndex = segments.findIndex((s) => s.note?.startsWith('retransmission (RTO)'));
    const resent = segments[resentIndex]!;
    const proof = segments.slice(resentIndex).find((s) => s.from === 'server')!;
    expect(proof.tsecr!).toBeLessThan(resent.tsval!);
    expect(result.summary.startTimeUs + undo.timeUs).toBe(proof.timeUs);
    // Undo: the window before the timeout; ssthresh was still infinite, so it is again.
    expect(rto.ssthresh).toBeNull();
    const afterTimeout = events[rtoAt + 1]!;
    expect(afterTimeout.cwnd).toBe(SMSS);
    expect(afterTimeout.ssthresh).toBe(Math.round(Math.max(rto.cwnd * 0.7, 2 * SMSS)));
    expect(undo.cwnd).toBe(rto.cwnd);
    expect(undo.ssthresh).toBeNull();
    expect(undo.recovery).toBe('open');
    // One retransmission in all; tshark at the sender calls it a plain retransmission.
    expect(result.summary.retransmissions).toBe(1);
    const frames = analyze(path);
    expect(framesWith(frames, 'retransmission')).toEqual([resentIndex + 1]);
    // The plot marks the undo.
    expect(plotFlow(result)).toContain('RTO undone');
  });

  it('tshark at the receiver flags the timer-driven resend as spurious', async () => {
    const { result, path } = await synthesizeToCapture({ ...DELAYED, captureAt: 'server' });
    const frames = analyze(path);
    const resent = result.segments.findIndex((s) => s.note?.startsWith('retransmission (RTO)')) + 1;
    expect(framesWith(frames, 'spurious_retransmission')).toEqual([resent]);
  });

  it('--no-frto: the same timeout is not undone', () => {
    const result = synthesizeFlow({ ...DELAYED, frto: false });
    const events = client(result);
    expect(events.filter((e) => e.kind === 'rto')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'undo')).toHaveLength(0);
    const rto = events.find((e) => e.kind === 'rto')!;
    expect(events.at(-1)!.ssthresh).toBe(Math.round(Math.max(rto.cwnd * 0.7, 2 * SMSS)));
  });

  it('without timestamps nothing proves it (the one ACK covers all, RFC 5682 cannot tell): not undone', () => {
    const result = synthesizeFlow({ ...DELAYED, timestamps: false });
    const events = client(result);
    expect(events.filter((e) => e.kind === 'rto')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'undo')).toHaveLength(0);
  });

  it('a real loss (the last segment dropped) is not undone: the ACK echoes the retransmission', async () => {
    const { result, path } = await synthesizeToCapture({ ...DELAYED, drop: 'c41', captureAt: 'server' });
    expect(result.summary.complete).toBe(true);
    const events = client(result);
    expect(events.filter((e) => e.kind === 'rto')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'undo')).toHaveLength(0);
    expect(framesWith(analyze(path), 'spurious_retransmission')).toEqual([]);
  });

  it('random 8% loss, CUBIC and NewReno: every undo follows a timeout from the open state and restores its window', () => {
    let undos = 0;
    // RFC 5682 3.1 step 3b (SACK-enhanced): never-retransmitted data sent before the timeout is SACKed
    // after it, so not everything was lost.
    let frtoUndos = 0;
    for (const cc of ['cubic', 'newreno'] as const) {
      for (let seed = 1; seed <= 12; seed++) {
        const result = synthesizeFlow({
          request: 1_000_000,
          response: 0,
          rttMs: 40,
          bandwidthBps: 20_000_000,
          loss: 0.08,
          seed,
          cc,
        });
        expect(result.summary.complete).toBe(true);
        let openRto: TraceEvent | undefined;
        for (const e of client(result)) {
          if (e.kind === 'rto' && e.recovery === 'open') openRto = e;
          else if (e.kind === 'recovery-end') openRto = undefined;
          else if (e.kind === 'undo') {
            undos++;
            if (/F-RTO/.test(e.note ?? '')) frtoUndos++;
            const where = `${cc} seed ${seed} at ${e.timeUs} us`;
            expect(openRto, `${where}: undo without a timeout`).toBeDefined();
            expect(e.cwnd, where).toBeGreaterThanOrEqual(openRto!.cwnd);
            expect(e.ssthresh ?? Number.POSITIVE_INFINITY, where).toBeGreaterThanOrEqual(
              Math.floor(0.75 * openRto!.cwnd),
            );
            openRto = undefined;
          }
        }
      }
    }
    expect(undos).toBeGreaterThan(0);
    expect(frtoUndos).toBeGreaterThan(0);
  });

  it('with RACK-TLP on, the same wait draws a tail loss probe instead of a timeout', () => {
    const result = synthesizeFlow({ ...DELAYED, rack: true });
    const events = client(result);
    expect(events.filter((e) => e.kind === 'rto')).toHaveLength(0);
    expect(events.filter((e) => e.kind === 'tlp')).toHaveLength(1);
  });
});
