/**
 * Linux's quick-ACK mode, seen through tshark's relative ACK numbers: how many segments each advancing
 * ACK of the receiver covers. Linux (tcp_incr_quickack()) ACKs every segment for up to
 * min(rcv_wnd / (2 * rcv_mss), 16) ACKs from the first data on and again after old (retransmitted) data,
 * not after out-of-order data (tcp_data_queue_ofo()), and for as long as the offered window grows (tcp_grow_window() sets quick mode); otherwise it ACKs every
 * second full segment (or after the delayed-ACK timer).
 */
import { describe, expect, it } from 'vitest';
import type { FlowOptions } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { SERVER_PORT, synthesizeToCapture } from './tshark-harness.js';

const SMSS = 1448;
/** TCP_MAX_QUICKACKS; rcv_wnd / (2 * rcv_mss) = 65160 / 2896 = 22 is more. */
const MAX_QUICKACKS = 16;

/** Segments (of SMSS) covered by each advancing ACK of the server, in capture order. */
async function ackCoverage(options: FlowOptions): Promise<number[]> {
  const { path } = await synthesizeToCapture({ response: 0, ...options });
  const rows = tsharkRows(path, ['tcp.srcport', 'tcp.flags.syn', 'tcp.ack', 'tcp.len']);
  const covered: number[] = [];
  let last = -1;
  for (const r of rows) {
    if (Number(r['tcp.srcport']) !== SERVER_PORT) continue;
    const ack = Number(r['tcp.ack']);
    if (r['tcp.flags.syn'] !== '1' && ack > last) covered.push(Math.ceil((ack - last) / SMSS));
    last = Math.max(last, ack);
  }
  return covered;
}

describe("Linux's quick-ACK mode", () => {
  it('the first 16 advancing ACKs each cover one segment (tcp_incr_quickack at the first data)', async () => {
    const covered = await ackCoverage({ request: 200_000, rwnd: 131_072 });
    expect(covered.slice(0, MAX_QUICKACKS)).toEqual(Array(MAX_QUICKACKS).fill(1));
    // With a fixed buffer the window does not grow: after the quick ACKs, one ACK per two segments.
    const after = covered.slice(MAX_QUICKACKS, MAX_QUICKACKS + 20);
    expect(after.filter((n) => n === 2).length).toBeGreaterThanOrEqual(18);
  });

  it('while the window grows every segment is ACKed at once (94 of 100 early ACKs in the issue)', async () => {
    const covered = await ackCoverage({ request: 200_000 });
    const early = covered.slice(0, 100);
    expect(early.slice(0, MAX_QUICKACKS)).toEqual(Array(MAX_QUICKACKS).fill(1));
    expect(early.filter((n) => n === 1).length).toBeGreaterThanOrEqual(75);
  });

  it('--no-quickack: delayed ACKs from the first segment (every second one)', async () => {
    const covered = await ackCoverage({ request: 200_000, quickAck: false });
    expect(covered.filter((n) => n === 1).length).toBeLessThan(covered.length / 4);
    // The first ACK waits for the second full segment (or for more, while the window it would offer
    // is smaller than the last one: __tcp_ack_snd_check()).
    expect(covered[0]).toBeGreaterThanOrEqual(2);
  });

  it('out-of-order data does not restart quick-ACK mode: after the hole, one ACK per two segments again', async () => {
    // Fixed buffer (no growth), the 60th data segment lost: by then the quick ACKs of the start are
    // long used up and ACKs cover two segments. Linux's tcp_data_queue_ofo() schedules an ACK but does
    // not call tcp_enter_quickack_mode() (only old data and out-of-window segments do, tcp_data_queue()),
    // and the ACK that fills the hole is sent at once (ICSK_ACK_NOW) without it: after the hole the
    // receiver goes on ACKing every second full segment. The lab kernel does the same (kernel-tcp.test.ts,
    // one drop: the ACKs after the filled hole cover 2 and 3 segments).
    const covered = await ackCoverage({ request: 300_000, rwnd: 131_072, drop: 'c60' });
    const hole = covered.findIndex((n) => n > 4); // the cumulative ACK that fills the hole
    expect(hole).toBeGreaterThan(MAX_QUICKACKS);
    const before = covered.slice(hole - 10, hole);
    expect(before.filter((n) => n === 2).length).toBeGreaterThanOrEqual(8);
    const after = covered.slice(hole + 1, hole + 1 + 10);
    expect(after.filter((n) => n === 2).length).toBeGreaterThanOrEqual(9);
  });

  it('--no-sack-compression keeps the older model: quick-ACK mode again after out-of-order data', async () => {
    const covered = await ackCoverage({
      request: 300_000,
      rwnd: 131_072,
      drop: 'c60',
      sackCompression: false,
    });
    const hole = covered.findIndex((n) => n > 4);
    expect(covered.slice(hole + 1, hole + 1 + 10)).toEqual(Array(10).fill(1));
  });
});
