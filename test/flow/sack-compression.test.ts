/**
 * Linux's SACK compression (net/ipv4/tcp_input.c __tcp_ack_snd_check(), tcp_compressed_ack_kick();
 * sysctls tcp_comp_sack_nr = 44, tcp_comp_sack_delay_ns = 1 ms), judged by tshark on the receiver's
 * ACKs: for one rcv_nxt the first three segments that leave it where it is are answered at once
 * (duplicate ACKs for the sender's fast retransmit), then at most one SACK per min(1 ms, RTT / 20)
 * carries all that arrived meanwhile. The lab kernel does the same (kernel-tcp.test.ts, one drop:
 * six immediate duplicate ACKs, then one 0.8 ms later covering the rest of the burst).
 */
import { describe, expect, it } from 'vitest';
import { SackCompression } from '../../src/flow/sack-compression.js';
import type { FlowOptions } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { SERVER_PORT, synthesizeToCapture } from './tshark-harness.js';

const SMSS = 1448;
/** 20 Mbit/s: a full frame (1448 + 66 bytes) every 0.606 ms at the receiver. */
const BASE: FlowOptions = {
  request: 600_000,
  response: 0,
  rttMs: 40,
  bandwidthBps: 20_000_000,
  queuePackets: 1000,
  // A fixed buffer: no window growth, so no quick ACKs from tcp_grow_window() during the hole.
  rwnd: 4_000_000,
  drop: 'c100',
};

interface HoleAck {
  timeS: number;
  sackRight: number;
}

/** The receiver's ACKs for the hole (the ACK number stays, the SACK block's right edge grows). */
async function holeAcks(options: FlowOptions): Promise<HoleAck[]> {
  const { path } = await synthesizeToCapture(options);
  const rows = tsharkRows(path, ['frame.time_relative', 'tcp.srcport', 'tcp.ack', 'tcp.options.sack_re']);
  const acks = rows.filter(
    (r) => Number(r['tcp.srcport']) === SERVER_PORT && r['tcp.options.sack_re'] !== '',
  );
  const holeAck = acks[0]?.['tcp.ack'];
  return acks
    .filter((r) => r['tcp.ack'] === holeAck)
    .map((r) => ({
      timeS: Number(r['frame.time_relative']),
      sackRight: Math.max(...(r['tcp.options.sack_re'] ?? '').split(',').map(Number)),
    }));
}

describe("Linux's SACK compression", () => {
  it('three duplicate ACKs at once, then one SACK per millisecond for the segments that follow', async () => {
    const acks = await holeAcks(BASE);
    expect(acks.length).toBeGreaterThan(6);
    // The first three answer one segment each, as it arrives (one frame time apart).
    for (let i = 1; i < 3; i++) {
      expect(acks[i]!.sackRight - acks[i - 1]!.sackRight).toBe(SMSS);
      expect(acks[i]!.timeS - acks[i - 1]!.timeS).toBeLessThan(0.0007);
    }
    // Then the timer's 1 ms (RTT / 20 = 2 ms is more): each compressed SACK comes at least 1 ms after
    // the one before, and covers the segments that arrived in that millisecond (one or two).
    const compressed = acks.slice(3, -1);
    expect(compressed.length).toBeGreaterThan(3);
    let previous = acks[2]!;
    for (const ack of compressed) {
      expect(ack.timeS - previous.timeS).toBeGreaterThanOrEqual(0.001 - 1e-9);
      expect(ack.sackRight).toBeGreaterThan(previous.sackRight);
      previous = ack;
    }
    const segmentsCovered = (acks.at(-1)!.sackRight - acks[0]!.sackRight) / SMSS + 1;
    expect(acks.length).toBeLessThan(0.75 * segmentsCovered);
  });

  it('--no-sack-compression: a duplicate ACK for every out-of-order segment', async () => {
    const acks = await holeAcks({ ...BASE, sackCompression: false });
    for (let i = 1; i < acks.length; i++) expect(acks[i]!.sackRight - acks[i - 1]!.sackRight).toBe(SMSS);
  });
});

describe('SackCompression (the decision of __tcp_ack_snd_check())', () => {
  it('three at once per rcv_nxt, then one timer; 44 held back send at once; the delay is min(1 ms, RTT/20)', () => {
    const c = new SackCompression();
    expect([c.decide(100), c.decide(100), c.decide(100)]).toEqual(['send-now', 'send-now', 'send-now']);
    expect(c.decide(100)).toBe('start-timer');
    expect(c.decide(100)).toBe('held');
    expect(c.onTimer()).toBe(true); // one ACK for the two held back
    expect(c.decide(100)).toBe('start-timer');
    expect(c.onAckSent()).toBe(true); // another ACK went: the timer is cancelled
    // A new rcv_nxt (part of the hole filled) gets three immediate duplicate ACKs again.
    expect([c.decide(200), c.decide(200), c.decide(200)]).toEqual(['send-now', 'send-now', 'send-now']);
    expect(c.decide(200)).toBe('start-timer');
    for (let i = 1; i < 44; i++) expect(c.decide(200)).toBe('held');
    expect(c.decide(200)).toBe('send-now'); // tcp_comp_sack_nr reached
    expect(c.delayUs(40_000, 0)).toBe(1000);
    expect(c.delayUs(10_000, 0)).toBe(500);
    expect(c.delayUs(40_000, 8_000)).toBe(400); // the smaller of the receiver RTT and the srtt
    expect(c.delayUs(0, 0)).toBe(0); // no RTT known yet: at once (rtt 0 in the kernel's formula)
  });
});
