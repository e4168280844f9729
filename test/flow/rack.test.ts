/**
 * RACK-TLP (RFC 8985) in the flow model, judged by tshark's TCP analysis and by the RFC's timing rules
 * recomputed here from the capture (client-side capture, so capture times are the sender's times):
 *   - a segment is lost once a segment sent after it was delivered and RACK.rtt + reo_wnd has passed
 *     since it was sent; reo_wnd = min_rtt / 4 outside recovery while fewer than DupThresh segments are
 *     SACKed, 0 in recovery (Linux tcp_rack_reo_wnd(), no reordering seen); the reordering timer adds
 *     Linux's TCP_TIMEOUT_MIN (2 ms);
 *   - a retransmission is lost the same way (lost-retransmission detection): recovered by a second fast
 *     retransmission one RTT after the first, not by the RTO (issue 12: Linux 0.41 s vs 0.58 s);
 *   - a tail loss is probed (TLP) instead of timed out: the probe is the last segment, the cwnd is not
 *     collapsed, and when several segments are lost the probe's SACK starts a fast recovery.
 * `rack: false` restores duplicate-ACK counting (RFC 6675) and the timer.
 */
import { describe, expect, it } from 'vitest';
import type { FlowOptions, FlowResult } from '../../src/flow/simulator.js';
import { synthesizeFlow } from '../../src/flow/simulator.js';
import type { CapturedSegment } from '../../src/flow/types.js';
import { analyze, type FrameAnalysis, framesWith, synthesizeToCapture } from './tshark-harness.js';

const SMSS = 1448;
const RTT_US = 40_000;
const MIN_RTO_US = 200_000;
const BYTES = 200_000;
const SEGMENTS = Math.ceil(BYTES / SMSS);
const BASE: FlowOptions = { request: BYTES, response: 0, rttMs: RTT_US / 1000 };

/** The 1-based data transmission that resends the bytes of data transmission `n` (drop list numbering). */
function retransmissionIndex(options: FlowOptions, n: number): number {
  const data = synthesizeFlow(options).segments.filter((s) => s.from === 'client' && s.payload.length > 0);
  const dropped = data[n - 1]!;
  return data.findIndex((s, i) => i >= n && s.seq === dropped.seq) + 1;
}

interface Judged {
  result: FlowResult;
  frames: FrameAnalysis[];
  /** Frame numbers of client data segments carrying the bytes of the given data transmission. */
  copiesOf(n: number): number[];
  /** First capture time of a frame that acknowledges past the data of transmission n. */
  coveredAtUs(n: number): number;
}

async function judge(options: FlowOptions): Promise<Judged> {
  const { result, path } = await synthesizeToCapture(options);
  const frames = analyze(path);
  const segments = result.segments;
  const data = segments.filter((s) => s.from === 'client' && s.payload.length > 0);
  const iss = segments[0]!.seq;
  const rel = (s: number): number => (s - iss) >>> 0;
  return {
    result,
    frames,
    copiesOf(n: number): number[] {
      const seq = data[n - 1]!.seq;
      return segments.flatMap((s, i) =>
        s.from === 'client' && s.payload.length > 0 && s.seq === seq ? [i + 1] : [],
      );
    },
    coveredAtUs(n: number): number {
      const end = rel(data[n - 1]!.seq) + data[n - 1]!.payload.length;
      return segments.find((s) => s.from === 'server' && rel(s.ack) >= end)!.timeUs;
    },
  };
}

const seg = (j: Judged, frame: number): CapturedSegment => j.result.segments[frame - 1]!;
const clientEvents = (r: FlowResult, kind: string) =>
  r.trace.filter((e) => e.side === 'client' && e.kind === kind);

describe('RACK: lost retransmission (issue 12)', () => {
  it('a dropped fast retransmission is detected by RACK and resent one RTT later, no RTO', async () => {
    const dropAgain = retransmissionIndex({ ...BASE, drop: 'c20' }, 20);
    const j = await judge({ ...BASE, drop: `c20,c${dropAgain}` });
    expect(j.result.summary.complete).toBe(true);
    const copies = j.copiesOf(20);
    expect(copies).toHaveLength(3); // original, lost retransmission, second retransmission
    const [, first, second] = copies as [number, number, number];
    // tshark: both resends are fast retransmissions (each follows duplicate ACKs), none spurious, no RTO.
    expect(framesWith(j.frames, 'fast_retransmission')).toEqual([first, second]);
    expect(framesWith(j.frames, 'retransmission')).toEqual([first, second]);
    expect(framesWith(j.frames, 'spurious_retransmission')).toEqual([]);
    expect(clientEvents(j.result, 'rto')).toHaveLength(0);
    // RFC 8985: data sent with the first retransmission is SACKed one RTT later; reo_wnd is 0 in
    // recovery, so the retransmission is lost RACK.rtt = RTT after it was sent, as soon as that SACK
    // arrives. The receiver had sent its three immediate duplicate ACKs for this rcv_nxt already, so
    // Linux's SACK compression holds that SACK back by min(tcp_comp_sack_delay_ns = 1 ms, RTT / 20).
    expect(seg(j, second).timeUs - seg(j, first).timeUs).toBe(RTT_US + Math.min(1000, RTT_US / 20));
    // Recovered (the ACK covering segment 20) within two RTTs of the first retransmission, well before
    // the retransmission timer (at least 200 ms) could have fired.
    const recoveredUs = j.coveredAtUs(20) - seg(j, copies[0]!).timeUs;
    expect(j.coveredAtUs(20) - seg(j, first).timeUs).toBe(2 * RTT_US + Math.min(1000, RTT_US / 20));
    expect(recoveredUs).toBeLessThan(MIN_RTO_US);
  });

  it('--no-rack: the same loss waits for the RTO (plain retransmission)', async () => {
    const options: FlowOptions = { ...BASE, rack: false };
    const dropAgain = retransmissionIndex({ ...options, drop: 'c20' }, 20);
    const j = await judge({ ...options, drop: `c20,c${dropAgain}` });
    expect(j.result.summary.complete).toBe(true);
    const copies = j.copiesOf(20);
    expect(copies).toHaveLength(3);
    expect(clientEvents(j.result, 'rto').length).toBeGreaterThanOrEqual(1);
    const second = copies[2]!;
    // tshark calls a resend that arrives less than the iRTT after the segment that last advanced its
    // nextseq out-of-order rather than a retransmission (tshark-oracle.md): here the RTO fires 38 ms
    // after the newest data segment left, with an iRTT of 40 ms.
    const flags = j.frames[second - 1]!.flags;
    expect(flags.has('retransmission') || flags.has('out_of_order')).toBe(true);
    expect(flags.has('fast_retransmission')).toBe(false);
    expect(seg(j, second).note).toMatch(/RTO/);
    expect(seg(j, second).timeUs - seg(j, copies[1]!).timeUs).toBeGreaterThanOrEqual(MIN_RTO_US);
  });
});

describe('RACK: time-based loss marking', () => {
  it('with one SACKed segment, the reordering timer marks the hole lost after RACK.rtt + min_rtt/4 + 2 ms', async () => {
    // 20 segments; the 19th is lost, only the 20th is SACKed: one duplicate ACK, never DupThresh.
    const j = await judge({ request: 20 * SMSS, response: 0, rttMs: RTT_US / 1000, drop: 'c19' });
    expect(j.result.summary.complete).toBe(true);
    const [original, resent] = j.copiesOf(19) as [number, number];
    const last = j.copiesOf(20)[0]!;
    const sack =
      j.result.segments.findIndex((s) => s.from === 'server' && (s.sackBlocks?.length ?? 0) > 0) + 1;
    expect(sack).toBeGreaterThan(0);
    // RACK.rtt is the SACKed segment's RTT; min_rtt is the path's 40 ms (no queue), so reo_wnd = 10 ms.
    const rackRtt = seg(j, sack).timeUs - seg(j, last).timeUs;
    const expected = seg(j, original).timeUs + rackRtt + RTT_US / 4 + 2_000;
    expect(seg(j, resent).timeUs).toBe(expected);
    expect(clientEvents(j.result, 'rack-timer')).toHaveLength(1);
    expect(clientEvents(j.result, 'rto')).toHaveLength(0);
    // tshark: one duplicate ACK is not enough for it to call the resend fast.
    expect(framesWith(j.frames, 'retransmission')).toEqual([resent]);
    expect(framesWith(j.frames, 'spurious_retransmission')).toEqual([]);
  });

  it('--no-rack: the same hole waits for the retransmission timer', async () => {
    const j = await judge({
      request: 20 * SMSS,
      response: 0,
      rttMs: RTT_US / 1000,
      drop: 'c19',
      rack: false,
    });
    expect(clientEvents(j.result, 'rto')).toHaveLength(1);
    const [original, resent] = j.copiesOf(19) as [number, number];
    expect(seg(j, resent).timeUs - seg(j, original).timeUs).toBeGreaterThanOrEqual(MIN_RTO_US);
  });
});

describe('TLP: tail loss probes', () => {
  it('a lost last segment is resent by the probe; cwnd and ssthresh stay', async () => {
    const j = await judge({ ...BASE, drop: `c${SEGMENTS}` });
    expect(j.result.summary.complete).toBe(true);
    const [, probe] = j.copiesOf(SEGMENTS) as [number, number];
    const tlp = clientEvents(j.result, 'tlp');
    expect(tlp).toHaveLength(1);
    expect(clientEvents(j.result, 'rto')).toHaveLength(0);
    expect(seg(j, probe).note).toMatch(/^tail loss probe/);
    // tshark: a plain retransmission (no duplicate ACKs preceded it), not spurious.
    expect(framesWith(j.frames, 'retransmission')).toEqual([probe]);
    expect(framesWith(j.frames, 'fast_retransmission')).toEqual([]);
    expect(framesWith(j.frames, 'spurious_retransmission')).toEqual([]);
    // One segment outstanding: PTO = 2*SRTT + WCDelAckT (Linux tcp_rto_min, 200 ms) > RTO, so the probe
    // goes when the RTO would have (RFC 8985 7.2: never later), from the last ACK before it.
    const lastAck = j.result.segments
      .slice(0, probe - 1)
      .filter((s) => s.from === 'server')
      .at(-1)!;
    const pto = Math.min(2 * tlp[0]!.srttUs + MIN_RTO_US, tlp[0]!.rtoUs);
    expect(seg(j, probe).timeUs - lastAck.timeUs).toBeLessThanOrEqual(pto + 1);
    const after = j.result.trace.find(
      (e) => e.side === 'client' && e.kind === 'send' && e.timeUs === tlp[0]!.timeUs,
    )!;
    expect(after.cwnd).toBe(tlp[0]!.cwnd);
    expect(after.ssthresh).toBeNull();
  });

  it('three lost tail segments: the probe is SACKed, RACK starts fast recovery, no RTO', async () => {
    const drop = `c${SEGMENTS - 2},c${SEGMENTS - 1},c${SEGMENTS}`;
    const j = await judge({ ...BASE, drop });
    expect(j.result.summary.complete).toBe(true);
    expect(clientEvents(j.result, 'rto')).toHaveLength(0);
    const tlp = clientEvents(j.result, 'tlp');
    expect(tlp).toHaveLength(1);
    // More than one segment outstanding: PTO = 2*SRTT + TCP_TIMEOUT_MIN, from the last ACK.
    const probe = j.copiesOf(SEGMENTS)[1]!;
    const lastAck = j.result.segments
      .slice(0, probe - 1)
      .filter((s) => s.from === 'server')
      .at(-1)!;
    // (the trace rounds SRTT to whole microseconds)
    const waited = seg(j, probe).timeUs - lastAck.timeUs;
    expect(Math.abs(waited - (2 * tlp[0]!.srttUs + 2_000))).toBeLessThanOrEqual(2);
    expect(clientEvents(j.result, 'recovery-start')).toHaveLength(1);
    const resent = [SEGMENTS - 2, SEGMENTS - 1, SEGMENTS].map((n) => j.copiesOf(n));
    for (const copies of resent) expect(copies).toHaveLength(2);
    expect(framesWith(j.frames, 'retransmission').sort((a, b) => a - b)).toEqual(
      resent.map((c) => c[1]!).sort((a, b) => a - b),
    );
    expect(framesWith(j.frames, 'spurious_retransmission')).toEqual([]);
    // The whole tail is repaired within two RTTs of the probe.
    expect(j.coveredAtUs(SEGMENTS) - seg(j, probe).timeUs).toBeLessThanOrEqual(3 * RTT_US);
  });

  it('--no-rack: a tail loss waits for the RTO and collapses cwnd to one segment', () => {
    const r = synthesizeFlow({ ...BASE, drop: `c${SEGMENTS}`, rack: false });
    expect(clientEvents(r, 'tlp')).toHaveLength(0);
    const rto = clientEvents(r, 'rto');
    expect(rto).toHaveLength(1);
    const after = r.trace.find(
      (e) => e.side === 'client' && e.kind === 'send' && e.timeUs === rto[0]!.timeUs,
    )!;
    expect(after.cwnd).toBe(SMSS);
  });
});
