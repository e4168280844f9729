/**
 * The receive window as Linux 6.x advertises it, read back by tshark: the SYN windows of
 * tcp_select_initial_window(), rcv_ssthresh growing by two segments per segment received, the cap of a
 * 131072-byte buffer, and receive-buffer auto-tuning (tcp_rcv_space_adjust()) growing it further.
 * Expected values are the kernel's formulas evaluated here, step by step.
 */
import { describe, expect, it } from 'vitest';
import { LinuxReceiveWindow, MEASURED_SCALING_RATIO } from '../../src/flow/receive-window.js';
import type { FlowOptions } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { analyze, framesWith, SERVER_PORT, synthesizeToCapture } from './tshark-harness.js';

interface ServerWindow {
  syn: boolean;
  raw: number;
  /** tcp.window_size: the raw field scaled by the scale factor tshark learnt from the SYNs. */
  bytes: number;
  ack: number;
}

async function serverWindows(options: FlowOptions): Promise<{ windows: ServerWindow[]; path: string }> {
  const { path } = await synthesizeToCapture({ response: 0, ...options });
  const rows = tsharkRows(path, [
    'tcp.srcport',
    'tcp.flags.syn',
    'tcp.window_size_value',
    'tcp.window_size',
    'tcp.ack',
  ]);
  const windows = rows
    .filter((r) => Number(r['tcp.srcport']) === SERVER_PORT)
    .map((r) => ({
      syn: r['tcp.flags.syn'] === '1',
      raw: Number(r['tcp.window_size_value']),
      bytes: Number(r['tcp.window_size']),
      ack: Number(r['tcp.ack']),
    }));
  return { windows, path };
}

const MSS = 1460;
const SMSS = MSS - 12; // timestamps on
const UNIT = 128; // window scale 7: ilog2(tcp_rmem[2] = 6 MiB) - 15
/** tcp_win_from_space() of the 131072-byte buffer at the default ratio (1/2) and at the measured one. */
const INITIAL_SPACE = 131072 / 2;
const MEASURED_CLAMP = Math.floor((131072 * MEASURED_SCALING_RATIO) / 256);

describe('receive window and auto-tuning (Linux tcp_select_window, tcp_rcv_space_adjust)', () => {
  it('SYN windows: the space rounded down to whole segments (64240 with MSS 1460, 65160 with 1448)', async () => {
    const { path } = await synthesizeToCapture({ request: 10_000, response: 0 });
    const rows = tsharkRows(path, ['tcp.flags.syn', 'tcp.flags.ack', 'tcp.window_size_value']).filter(
      (r) => r['tcp.flags.syn'] === '1',
    );
    expect(rows.map((r) => Number(r['tcp.window_size_value']))).toEqual([
      Math.floor(INITIAL_SPACE / MSS) * MSS,
      Math.floor(INITIAL_SPACE / SMSS) * SMSS,
    ]);
    expect(Math.floor(INITIAL_SPACE / MSS) * MSS).toBe(64240);
  });

  it('rcv_ssthresh grows by 2 * advmss per segment, rounded up to the scale unit, up to the buffer', async () => {
    const { windows } = await serverWindows({ request: 60_000 });
    const acks = windows.filter((w) => !w.syn);
    // The initial window's ten segments arrive together (no bottleneck) and the reader takes them after
    // the burst, so the k-th ACK sees k segments unread: rcv_ssthresh grows by 2 * advmss up to
    // min(window_clamp, free space) (tcp_grow_window), the window is min(free space, rcv_ssthresh)
    // aligned up to the scale unit (__tcp_select_window).
    // tcp_select_window() never lets the right edge move back: at least what is left of the last offer.
    const align = (bytes: number): number => Math.ceil(bytes / UNIT) * UNIT;
    let ssthresh = Math.floor(INITIAL_SPACE / SMSS) * SMSS;
    let offered = ssthresh;
    for (const [i, ack] of acks.slice(0, 8).entries()) {
      const free = MEASURED_CLAMP - (i + 1) * SMSS;
      ssthresh += Math.max(0, Math.min(Math.min(MEASURED_CLAMP, free) - ssthresh, 2 * SMSS));
      offered = Math.max(align(Math.min(free, ssthresh)), align(offered - SMSS));
      expect(ack.bytes, `ACK ${i + 1}`).toBe(offered);
      expect(ack.raw * UNIT).toBe(ack.bytes);
    }
    expect(acks.slice(0, 5).map((a) => a.bytes)).toEqual([68_096, 71_040, 73_856, 76_160, 74_752]);
    // Before any auto-tuning step the window stays within the 131072-byte buffer's window.
    const firstRtt = acks.filter((w) => w.ack <= 10 * SMSS + 1);
    expect(Math.max(...firstRtt.map((w) => w.bytes))).toBeLessThanOrEqual(MEASURED_CLAMP);
  });

  it('auto-tuning grows the window with the delivery rate; the right edge never moves back', async () => {
    const { windows, path } = await serverWindows({ request: 2_000_000, bandwidthBps: 20_000_000 });
    const acks = windows.filter((w) => !w.syn);
    const max = Math.max(...acks.map((w) => w.bytes));
    expect(max).toBeGreaterThan(3 * MEASURED_CLAMP);
    expect(new Set(acks.map((w) => w.bytes)).size).toBeGreaterThan(50);
    for (let i = 1; i < acks.length; i++) {
      expect(acks[i]!.ack + acks[i]!.bytes).toBeGreaterThanOrEqual(acks[i - 1]!.ack + acks[i - 1]!.bytes);
    }
    const frames = analyze(path);
    expect(framesWith(frames, 'zero_window')).toEqual([]);
    expect(framesWith(frames, 'window_full')).toEqual([]);
  });

  it('--no-rcvbuf-autotune: the window stays within the 131072-byte buffer', async () => {
    const { windows } = await serverWindows({
      request: 2_000_000,
      bandwidthBps: 20_000_000,
      rcvbufAutotune: false,
    });
    const acks = windows.filter((w) => !w.syn);
    expect(Math.max(...acks.map((w) => w.bytes))).toBeLessThanOrEqual(MEASURED_CLAMP);
    expect(Math.max(...acks.map((w) => w.bytes))).toBeGreaterThan(MEASURED_CLAMP - 2 * SMSS);
  });

  it('a fixed --rwnd turns it off: the window is the whole buffer', async () => {
    const { windows } = await serverWindows({ request: 500_000, rwnd: 262_144 });
    const acks = windows.filter((w) => !w.syn);
    expect(new Set(acks.map((w) => w.bytes))).toEqual(new Set([262_144]));
  });

  it('tcp_rcv_space_adjust(): once per receiver RTT, buffer = space_from_win(2 * copied + 16 * advmss + growth)', () => {
    const window = new LinuxReceiveWindow({ autotune: true, initialBuffer: 131072, maxBuffer: 6 << 20 });
    const synWindow = window.initialWindow(SMSS);
    expect(synWindow).toBe(65160);
    window.onEstablished(0, SMSS, 0, synWindow);
    // The first full segment measures the ratio: window_clamp = 131072 * 160 / 256.
    window.onDataQueued(SMSS, SMSS, SMSS);
    expect(window.windowClamp).toBe(MEASURED_CLAMP);
    window.onTimestampEcho(1000, 1040, SMSS, SMSS); // a 40 ms sample
    expect(window.rttUs).toBe(40_000);
    // Less than one RTT after the start: no measurement yet.
    expect(window.onRead(30_000, 39_999, SMSS)).toBe(false);
    // One RTT: 30000 bytes copied against rcvq_space.space = min(rcv_ssthresh, rcv_wnd, 10 * advmss).
    const space = 10 * SMSS;
    const copied = 30_000;
    let rcvwin = 2 * copied + 16 * SMSS;
    rcvwin += 2 * Math.floor((rcvwin * (copied - space)) / space);
    const buffer = Math.floor((rcvwin * 256) / MEASURED_SCALING_RATIO);
    expect(window.onRead(copied, 40_000, SMSS)).toBe(true);
    expect(window.buffer).toBe(buffer);
    expect(window.windowClamp).toBe(Math.floor((buffer * MEASURED_SCALING_RATIO) / 256));
    // The next RTT copies less than the new space (30000): nothing changes.
    expect(window.onRead(copied + 20_000, 80_000, SMSS)).toBe(false);
    expect(window.buffer).toBe(buffer);
    // Never above tcp_rmem[2].
    expect(window.onRead(copied + 20_000 + 5_000_000, 120_000, SMSS)).toBe(true);
    expect(window.buffer).toBe(6 << 20);
  });
});
