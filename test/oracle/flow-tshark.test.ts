/**
 * tshark's TCP analysis judges the synthesized flows (issue 4, "done means").
 *
 * Each scripted scenario is captured next to the sender of the bulk data (the client, which uploads),
 * except the lost-segment one, which is captured at the server so the drop happens before the capture
 * point. For every scenario we assert which frames tshark flags, which it must not flag, that its
 * bytes-in-flight equals our trace, and that `follow,tcp,raw` gives back the application bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowOptions, FlowResult } from '../../src/flow/simulator.js';
import { type CapturedSegment, TCP_SYN } from '../../src/flow/types.js';
import {
  ANALYSIS_FLAGS,
  type AnalysisFlag,
  analyze,
  type FrameAnalysis,
  followRaw,
  framesWith,
  synthesizeToCapture,
  tshark,
} from '../flow/tshark-harness.js';

const FORBIDDEN: AnalysisFlag[] = [
  'spurious_retransmission',
  'out_of_order',
  'ack_lost_segment',
  'keep_alive',
];
// These scenarios judge tshark's reading of the textbook receiver: one duplicate ACK per out-of-order
// segment, its window unchanged. Linux's SACK compression and its window growth during a hole (where
// tshark sees window updates instead) are judged in test/flow/sack-compression.test.ts and against the
// kernel in test/lab/kernel-tcp.test.ts.
const BASE: FlowOptions = { rttMs: 40, bandwidthBps: 10_000_000, seed: 4, sackCompression: false };

interface Judged {
  result: FlowResult;
  frames: FrameAnalysis[];
  path: string;
}

/** Application bytes made here, independently of the simulator's own pattern generator. */
function appBytes(length: number, salt: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x12345678 ^ salt;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

let sent: { request: Uint8Array; response: Uint8Array } = {
  request: new Uint8Array(0),
  response: new Uint8Array(0),
};

async function judge(options: FlowOptions, ipVersion: 4 | 6 = 4): Promise<Judged> {
  const request = appBytes(Number(options.request ?? 0), 1);
  const response = appBytes(Number(options.response ?? 0), 2);
  sent = { request, response };
  const { result, path } = await synthesizeToCapture({ ...BASE, ...options, request, response }, ipVersion);
  const frames = analyze(path);
  expect(frames.length).toBe(result.segments.length);
  return { result, frames, path };
}

/** 1-based frame numbers of segments matching a predicate. */
function framesWhere(segments: CapturedSegment[], predicate: (s: CapturedSegment) => boolean): number[] {
  const out: number[] = [];
  segments.forEach((s, i) => {
    if (predicate(s)) out.push(i + 1);
  });
  return out;
}

function noted(segments: CapturedSegment[], pattern: RegExp): number[] {
  return framesWhere(segments, (s) => s.note !== undefined && pattern.test(s.note));
}

/** Only flags from `allowed` appear anywhere; nothing forbidden; no checksum or malformed problems. */
function expectOnlyFlags(frames: FrameAnalysis[], allowed: AnalysisFlag[]): void {
  for (const flag of ANALYSIS_FLAGS) {
    if (!allowed.includes(flag)) expect(framesWith(frames, flag), `unexpected ${flag}`).toEqual([]);
  }
  for (const flag of FORBIDDEN) expect(framesWith(frames, flag)).toEqual([]);
  for (const f of frames) {
    for (const message of f.experts) {
      expect(message).not.toMatch(/checksum|Malformed|Bad|Reassembly/i);
    }
  }
}

/** tshark's bytes in flight on every data frame of `side` equals the sender's trace at that send. */
function expectBytesInFlightMatchesTrace(judged: Judged, side: 'client' | 'server'): number {
  const { result, frames } = judged;
  const sends = result.trace.filter((e) => e.kind === 'send' && e.side === side && (e.len ?? 0) > 0);
  let compared = 0;
  let sendIndex = 0;
  result.segments.forEach((segment, i) => {
    if (segment.from !== side || segment.payload.length === 0) return;
    const event = sends[sendIndex++];
    expect(event).toBeDefined();
    expect(event!.len).toBe(segment.payload.length);
    expect(frames[i]!.bytesInFlight, `frame ${i + 1}`).toBe(event!.bytesInFlight);
    compared++;
  });
  return compared;
}

function expectPayloadFollowed(judged: Judged, request: number, response: number): void {
  const followed = followRaw(judged.path);
  expect(followed.client.length).toBe(request);
  expect(followed.server.length).toBe(response);
  expect(Buffer.compare(followed.client, Buffer.from(sent.request))).toBe(0);
  expect(Buffer.compare(followed.server, Buffer.from(sent.response))).toBe(0);
  expect(judged.result.summary.complete).toBe(true);
}

describe('tshark judges synthesized TCP flows', () => {
  it('clean transfer: no analysis flags, bytes in flight match, payload reassembles (IPv4 and IPv6)', async () => {
    for (const ipVersion of [4, 6] as const) {
      const judged = await judge({ request: 60_000, response: 30_000 }, ipVersion);
      expectOnlyFlags(judged.frames, []);
      expect(judged.result.summary.retransmissions).toBe(0);
      expect(expectBytesInFlightMatchesTrace(judged, 'client')).toBeGreaterThan(40);
      expectPayloadFollowed(judged, 60_000, 30_000);
    }
  });

  it('one drop recovered by fast retransmit', async () => {
    const judged = await judge({ request: 40_000, response: 100, drop: 'c5' });
    const { segments } = judged.result;
    const fast = noted(segments, /^fast retransmission of segment 5$/);
    expect(fast).toHaveLength(1);
    expect(framesWith(judged.frames, 'fast_retransmission')).toEqual(fast);
    expect(framesWith(judged.frames, 'retransmission')).toEqual(fast);
    const dupAcks = noted(segments, /^duplicate ACK$/);
    expect(dupAcks.length).toBeGreaterThanOrEqual(3);
    expect(framesWith(judged.frames, 'duplicate_ack')).toEqual(dupAcks);
    // The three duplicate ACKs come before the fast retransmission, which follows the third at once.
    expect(dupAcks[2]!).toBeLessThan(fast[0]!);
    expectOnlyFlags(judged.frames, ['retransmission', 'fast_retransmission', 'duplicate_ack']);
    expectBytesInFlightMatchesTrace(judged, 'client');
    expectPayloadFollowed(judged, 40_000, 100);
  });

  it('a burst of three drops recovered by SACK in one round trip', async () => {
    const judged = await judge({ request: 14_480, response: 100, drop: 'c3,c4,c5' });
    const { segments } = judged.result;
    const fast = noted(segments, /^fast retransmission of segment 3$/);
    // RACK marks the holes lost (RFC 8985); PRR-SSRB (RFC 6937, as Linux) lets one segment go per
    // duplicate ACK while pipe is below ssthresh, so the three are resent on three successive ACKs.
    const sackRetransmits = noted(segments, /^RACK retransmission of segment [45]$/);
    expect(fast).toHaveLength(1);
    expect(sackRetransmits).toHaveLength(2);
    expect(framesWith(judged.frames, 'fast_retransmission')).toEqual(fast);
    expect(framesWith(judged.frames, 'retransmission')).toEqual([...fast, ...sackRetransmits]);
    // Each resent right after its own duplicate ACK, all within the first round trip of the recovery.
    const resent = [...fast, ...sackRetransmits];
    for (const f of resent) expect(segments[f - 2]!.note).toBe('duplicate ACK');
    const times = resent.map((f) => segments[f - 1]!.timeUs);
    expect(new Set(times).size).toBe(3);
    expect(times.at(-1)! - times[0]!).toBeLessThan(40_000);
    expect(framesWith(judged.frames, 'duplicate_ack')).toEqual(noted(segments, /^duplicate ACK$/));
    expectOnlyFlags(judged.frames, ['retransmission', 'fast_retransmission', 'duplicate_ack']);
    expectBytesInFlightMatchesTrace(judged, 'client');
    expectPayloadFollowed(judged, 14_480, 100);
  });

  it('a tail loss recovered by RTO with exponential backoff', async () => {
    // c10 is the last segment; c11 is its first retransmission, also lost. Without RACK-TLP (its tail
    // loss probe would be c11: rack.test.ts), the timer does it all.
    const judged = await judge({ request: 14_480, response: 100, drop: 'c10,c11', rack: false });
    const { segments } = judged.result;
    const rto = noted(segments, /^retransmission \(RTO\) of segment 10$/);
    expect(rto).toHaveLength(2);
    expect(framesWith(judged.frames, 'retransmission')).toEqual(rto);
    // Backoff: the second timeout is twice the first (RTO = max(200 ms, SRTT + 4 RTTVAR) = 200 ms here).
    const lastAck = framesWhere(segments, (s) => s.from === 'server')
      .filter((f) => f < rto[0]!)
      .at(-1)!;
    const first = segments[rto[0]! - 1]!.timeUs - segments[lastAck - 1]!.timeUs;
    const second = segments[rto[1]! - 1]!.timeUs - segments[rto[0]! - 1]!.timeUs;
    expect(first).toBe(200_000);
    expect(second).toBe(2 * first);
    expectOnlyFlags(judged.frames, ['retransmission']);
    expectBytesInFlightMatchesTrace(judged, 'client');
    expectPayloadFollowed(judged, 14_480, 100);
  });

  it('a zero-window stall: probes with backoff, then a window update reopens the flow', async () => {
    const judged = await judge({
      request: 24_000,
      response: 100,
      serverRwnd: 16_384,
      serverReaderRate: 2000,
    });
    const { segments } = judged.result;
    const zeroWindow = framesWhere(
      segments,
      (s) => s.from === 'server' && s.window === 0 && !(s.flags & TCP_SYN),
    );
    const probes = noted(segments, /^zero window probe$/);
    const updates = noted(segments, /^window update$/);
    expect(zeroWindow.length).toBeGreaterThan(0);
    expect(probes.length).toBeGreaterThan(1);
    expect(updates.length).toBeGreaterThan(0);
    expect(framesWith(judged.frames, 'zero_window')).toEqual(zeroWindow);
    expect(framesWith(judged.frames, 'zero_window_probe')).toEqual(probes);
    expect(framesWith(judged.frames, 'window_update')).toEqual(updates);
    // Persist backoff: in a stall with two probes, the second comes twice as long after the first as the
    // first after the zero window (the window reopens only once an MSS is free, 724 ms at 2000 B/s).
    const stall = zeroWindow.find(
      (z) => probes.filter((p) => p > z && !updates.some((u) => u > z && u < p)).length >= 2,
    );
    expect(stall).toBeDefined();
    const [first, second] = probes.filter((p) => p > stall!);
    const p1 = segments[first! - 1]!.timeUs - segments[stall! - 1]!.timeUs;
    const p2 = segments[second! - 1]!.timeUs - segments[first! - 1]!.timeUs;
    expect(p1).toBeGreaterThanOrEqual(200_000);
    expect(p2).toBe(2 * p1);
    // Receiver SWS avoidance: the window reopens by at least one MSS (1448 bytes = 12 units of 128).
    for (const u of updates) expect(segments[u - 1]!.window * 128).toBeGreaterThanOrEqual(1448);
    // Each probe is answered with a zero-window ACK (tshark: zero_window_probe_ack).
    expect(framesWith(judged.frames, 'zero_window_probe_ack').length).toBeGreaterThan(0);
    expect(framesWith(judged.frames, 'retransmission')).toEqual([]);
    expectOnlyFlags(judged.frames, [
      'zero_window',
      'zero_window_probe',
      'zero_window_probe_ack',
      'window_update',
      'window_full',
    ]);
    expectBytesInFlightMatchesTrace(judged, 'client');
    expectPayloadFollowed(judged, 24_000, 100);
  });

  it('a lost SYN is retransmitted after the 1 s initial RTO, then IW is one segment', async () => {
    const judged = await judge({ request: 3000, response: 100, drop: 'csyn' });
    const { segments } = judged.result;
    expect(segments[0]!.flags).toBe(TCP_SYN);
    expect(segments[1]!.flags).toBe(TCP_SYN);
    expect(segments[1]!.timeUs - segments[0]!.timeUs).toBe(1_000_000);
    expect(framesWith(judged.frames, 'retransmission')).toEqual([2]);
    expectOnlyFlags(judged.frames, ['retransmission']);
    // RFC 6928: after a lost SYN the initial window is one segment.
    const firstData = framesWhere(segments, (s) => s.from === 'client' && s.payload.length > 0);
    expect(segments[firstData[1]! - 1]!.timeUs).toBeGreaterThan(segments[firstData[0]! - 1]!.timeUs);
    expectPayloadFollowed(judged, 3000, 100);
  });

  it('a drop before the capture point shows as a lost segment (capture at the server)', async () => {
    const judged = await judge({ request: 40_000, response: 100, drop: 'c5', captureAt: 'server' });
    const { segments } = judged.result;
    // The 5th data segment never reaches the server side: the next one is flagged.
    const clientData = framesWhere(segments, (s) => s.from === 'client' && s.payload.length > 0);
    expect(framesWith(judged.frames, 'lost_segment')).toEqual([clientData[4]!]);
    const fast = noted(segments, /^fast retransmission of segment 5$/);
    expect(fast).toHaveLength(1);
    expect(framesWith(judged.frames, 'retransmission')).toEqual(fast);
    expect(framesWith(judged.frames, 'duplicate_ack')).toEqual(noted(segments, /^duplicate ACK$/));
    expectOnlyFlags(judged.frames, [
      'retransmission',
      'fast_retransmission',
      'duplicate_ack',
      'lost_segment',
    ]);
    expectPayloadFollowed(judged, 40_000, 100);
  });

  it('random Bernoulli and Gilbert-Elliott losses: payload still reassembles, nothing malformed', async () => {
    const cases: FlowOptions[] = [
      { request: 200_000, response: 150_000, loss: 0.02, seed: 11 },
      { request: 100_000, response: 250_000, loss: 0.03, lossModel: 'gilbert', burstLength: 3, seed: 12 },
      { request: 50_000, response: 50_000, loss: 0.02, seed: 13, cc: 'newreno', sack: false },
    ];
    for (const options of cases) {
      const judged = await judge(options);
      expect(judged.result.summary.drops.loss).toBeGreaterThan(0);
      expect(judged.result.summary.complete).toBe(true);
      expectPayloadFollowed(judged, Number(options.request), Number(options.response));
      // Nothing was resent needlessly and no ACK covers data the capture never saw. (Captured at the client,
      // the server's retransmissions may legitimately show as out-of-order: the client is their receiver.)
      expect(framesWith(judged.frames, 'spurious_retransmission')).toEqual([]);
      expect(framesWith(judged.frames, 'ack_lost_segment')).toEqual([]);
      for (const f of judged.frames) {
        for (const message of f.experts) expect(message).not.toMatch(/checksum|Malformed/i);
      }
    }
  });

  it('a second connection on the same ports waits out TIME-WAIT', async () => {
    const judged = await judge({ request: 2000, response: 2000, connections: 2, timeWaitMs: 60_000 });
    const { segments, summary } = judged.result;
    const syns = framesWhere(segments, (s) => s.flags === TCP_SYN);
    expect(syns).toHaveLength(2);
    const first = summary.connections[0]!;
    expect(first.timeWaitUntilUs).toBeDefined();
    const secondSynUs = segments[syns[1]! - 1]!.timeUs - 1_700_000_000_000_000;
    expect(secondSynUs).toBeGreaterThanOrEqual(first.timeWaitUntilUs!);
    // tshark sees a reused port pair, and both streams reassemble.
    expect(framesWith(judged.frames, 'reused_ports')).toEqual([syns[1]]);
    const second = followRaw(judged.path, 1);
    expect(Buffer.compare(second.client, Buffer.from(sent.request))).toBe(0);
    expect(Buffer.compare(second.server, Buffer.from(sent.response))).toBe(0);
  });

  it('a slow reader (the CLI, 5 kB/s into 16 KiB): zero windows, probes, updates of an MSS, no tiny segments', () => {
    const root = join(import.meta.dirname, '..', '..');
    const path = join(mkdtempSync(join(tmpdir(), 'pktcraft-sws-')), 'zw.pcap');
    const run = spawnSync(
      'npx',
      [
        'tsx',
        join(root, 'src/cli/main.ts'),
        'tcp-flow',
        '-o',
        path,
        '--bytes',
        '100000',
        '--rwnd',
        '16384',
        '--reader-rate',
        '5kB/s',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/retransmissions\s+0\b/);
    const frames = analyze(path);
    const rows = tshark([
      '-r',
      path,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.src',
      '-e',
      'tcp.len',
      '-e',
      'tcp.window_size',
    ])
      .trim()
      .split('\n')
      .map((line) => {
        const [src, len, window] = line.split('|');
        return { fromClient: src === '192.0.2.1', len: Number(len), window: Number(window) };
      });
    expect(rows.length).toBe(frames.length);
    const zeroWindow = framesWith(frames, 'zero_window');
    const probes = framesWith(frames, 'zero_window_probe');
    const updates = framesWith(frames, 'window_update');
    expect(zeroWindow.length).toBeGreaterThan(20);
    expect(probes.length).toBeGreaterThan(10);
    expect(updates.length).toBeGreaterThan(20);
    for (const f of zeroWindow) expect(rows[f - 1]).toMatchObject({ fromClient: false, window: 0 });
    for (const f of probes) expect(rows[f - 1]).toMatchObject({ fromClient: true, len: 1 });
    // The window reopens by at least one MSS (1448 bytes), never by a sliver.
    for (const f of updates) {
      expect(rows[f - 1]!.fromClient).toBe(false);
      expect(rows[f - 1]!.window).toBeGreaterThanOrEqual(1448);
    }
    // No window-full storm of tiny segments: apart from the probes, every data segment is a full MSS
    // except the last one and at most one persist-timer override when the buffer first fills.
    expect(framesWith(frames, 'window_full').length).toBeLessThanOrEqual(1);
    const data = rows.filter((r) => r.fromClient && r.len > 1);
    expect(data.slice(0, -1).filter((r) => r.len < 1448).length).toBeLessThanOrEqual(1);
    expect(data.reduce((sum, r) => sum + r.len, 0)).toBe(100_000);
    expectOnlyFlags(frames, [
      'zero_window',
      'zero_window_probe',
      'zero_window_probe_ack',
      'window_update',
      'window_full',
    ]);
    expect(followRaw(path).client.length).toBe(100_000);
  });
});
