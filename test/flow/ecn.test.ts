/**
 * ECN (RFC 3168) judged by tshark: the negotiation (section 6.1.1), ECT(0) on new data only
 * (section 6.1.5: not on pure ACKs, not on retransmissions), CE marks from the bottleneck queue above
 * its threshold instead of tail drops, the receiver's ECE until the sender's CWR (6.1.3), and the
 * sender's reduction once per window (6.1.2) with the algorithm's multiplicative decrease.
 */
import { describe, expect, it } from 'vitest';
import { CUBIC_BETA } from '../../src/flow/congestion.js';
import type { FlowOptions } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { CLIENT_PORT, synthesizeToCapture } from './tshark-harness.js';

interface Row {
  fromClient: boolean;
  syn: boolean;
  ack: boolean;
  ece: boolean;
  cwr: boolean;
  ecn: number;
  len: number;
  retransmission: boolean;
}

async function rows(options: FlowOptions) {
  const { path, result } = await synthesizeToCapture({ response: 0, ...options });
  const fields = tsharkRows(path, [
    'tcp.srcport',
    'tcp.flags.syn',
    'tcp.flags.ack',
    'tcp.flags.ece',
    'tcp.flags.cwr',
    'ip.dsfield.ecn',
    'tcp.len',
    'tcp.analysis.retransmission',
  ]);
  const parsed: Row[] = fields.map((r) => ({
    fromClient: Number(r['tcp.srcport']) === CLIENT_PORT,
    syn: r['tcp.flags.syn'] === '1',
    ack: r['tcp.flags.ack'] === '1',
    ece: r['tcp.flags.ece'] === '1',
    cwr: r['tcp.flags.cwr'] === '1',
    ecn: Number(r['ip.dsfield.ecn']),
    len: Number(r['tcp.len']),
    retransmission: r['tcp.analysis.retransmission'] !== '',
  }));
  return { rows: parsed, result };
}

/** A bottleneck the sender overfills: 10 Mbit/s, 100 packets, marking from 20 waiting. */
const congested: FlowOptions = {
  request: 2_000_000,
  bandwidthBps: 10_000_000,
  queuePackets: 100,
  ecnThresholdPackets: 20,
};

describe('ECN (RFC 3168)', () => {
  it('--ecn: an ECN-setup SYN (ECE, CWR) and SYN-ACK (ECE); ECT(0) on data, Not-ECT on ACKs', async () => {
    const { rows: r } = await rows({ request: 50_000, ecn: true });
    const [syn, synAck] = r;
    expect(syn).toMatchObject({ syn: true, ack: false, ece: true, cwr: true, ecn: 0 });
    expect(synAck).toMatchObject({ syn: true, ack: true, ece: true, cwr: false, ecn: 0 });
    const data = r.filter((x) => x.len > 0);
    expect(data.length).toBeGreaterThan(30);
    expect(new Set(data.map((x) => x.ecn))).toEqual(new Set([2]));
    const pureAcks = r.filter((x) => x.len === 0 && !x.syn);
    expect(new Set(pureAcks.map((x) => x.ecn))).toEqual(new Set([0]));
    // Nothing was marked on an uncongested path: no echo, no CWR after the SYN.
    expect(r.slice(2).some((x) => x.ece || x.cwr)).toBe(false);
  });

  it('off by default (Linux tcp_ecn = 2 does not ask): no ECE, CWR or ECT anywhere', async () => {
    const { rows: r } = await rows({ request: 50_000 });
    expect(r.some((x) => x.ece || x.cwr || x.ecn !== 0)).toBe(false);
  });

  it('a retransmission is sent Not-ECT', async () => {
    const { rows: r } = await rows({ request: 100_000, ecn: true, drop: 'c20' });
    const resent = r.filter((x) => x.fromClient && x.len > 0 && x.retransmission);
    expect(resent.length).toBe(1);
    expect(resent[0]!.ecn).toBe(0);
    // Entering recovery also queues CWR on the next new data (Linux tcp_init_cwnd_reduction()).
    expect(r.some((x) => x.fromClient && x.len > 0 && x.cwr)).toBe(true);
  });

  it('the bottleneck marks CE instead of dropping; ECE echoes until CWR; the same flow without ECN drops', async () => {
    const { rows: r, result } = await rows({ ...congested, ecn: true, captureAt: 'server' });
    expect(result.summary.drops.queue).toBe(0);
    const marked = r.filter((x) => x.fromClient && x.ecn === 3);
    expect(marked.length).toBeGreaterThan(0);
    // At the receiver the capture order is its processing order: every segment it sends carries ECE
    // exactly while a CE mark has been seen and no CWR since (a CWR is taken before a CE mark).
    let demand = false;
    let echoed = 0;
    for (const x of r.slice(2)) {
      if (x.fromClient) {
        if (x.cwr) demand = false;
        if (x.ecn === 3 && x.len > 0) demand = true;
      } else {
        expect(x.ece).toBe(demand);
        if (x.ece) echoed++;
      }
    }
    expect(echoed).toBeGreaterThan(0);
    const without = await rows({ ...congested, captureAt: 'server' });
    expect(without.result.summary.drops.queue).toBeGreaterThan(0);
  });

  it('the sender reduces once per window: CUBIC to 0.7 cwnd, NewReno to half the flight, and sets CWR', async () => {
    for (const cc of ['cubic', 'newreno'] as const) {
      const { rows: r, result } = await rows({ ...congested, ecn: true, cc });
      const events = result.trace.filter((e) => e.side === 'client');
      const reductions = events.flatMap((e, i) => (e.kind === 'ecn-reduction' ? [i] : []));
      expect(reductions.length, cc).toBeGreaterThan(0);
      for (const i of reductions) {
        const before = events[i - 1]!;
        const after = events[i]!;
        const expected =
          cc === 'cubic' ? before.cwnd * CUBIC_BETA : Math.max(after.bytesInFlight / 2, 2 * 1448);
        expect(Math.abs(after.ssthresh! - expected), cc).toBeLessThanOrEqual(1);
        expect(after.cwnd, cc).toBe(after.ssthresh);
      }
      // One CWR on data per reduction (no loss here, so no other reduction queues one).
      const cwrData = r.filter((x) => x.fromClient && x.len > 0 && x.cwr).length;
      expect(cwrData, cc).toBe(reductions.length);
      // Once per window: between two reductions the sender got an ACK beyond what it had sent at the first.
      const times = reductions.map((i) => events[i]!.timeUs);
      for (let k = 1; k < times.length; k++) {
        expect(times[k]! - times[k - 1]!, cc).toBeGreaterThan(40_000);
      }
    }
  });
});
