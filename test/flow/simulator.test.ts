import { describe, expect, it } from 'vitest';
import { CUBIC_BETA, CUBIC_C, Cubic, initialWindowBytes } from '../../src/flow/congestion.js';
import { parseDropList } from '../../src/flow/drop-list.js';
import { flowFrames } from '../../src/flow/packets.js';
import { PathDirection } from '../../src/flow/path.js';
import {
  BernoulliLoss,
  GilbertElliottLoss,
  gilbertForMeanLoss,
  SeededRandom,
} from '../../src/flow/random.js';
import { synthesizeFlow } from '../../src/flow/simulator.js';
import { TCP_FIN, TCP_RST, TCP_SYN } from '../../src/flow/types.js';

const addressing = {
  ipVersion: 4 as const,
  clientIp: '192.0.2.1',
  serverIp: '198.51.100.7',
  clientPort: 45678,
  serverPort: 33333,
};

function frameBytes(seed: number): Uint8Array[] {
  const result = synthesizeFlow({
    request: 30_000,
    response: 80_000,
    loss: 0.03,
    lossModel: 'gilbert',
    seed,
    jitterMs: 3,
  });
  return [...flowFrames(result.segments, addressing)].map((f) => f.data);
}

describe('determinism', () => {
  it('the same seed gives identical bytes and times; another seed differs', () => {
    const a = frameBytes(42);
    const b = frameBytes(42);
    expect(b.length).toBe(a.length);
    a.forEach((frame, i) => {
      expect(Buffer.compare(Buffer.from(frame), Buffer.from(b[i]!))).toBe(0);
    });
    const r1 = synthesizeFlow({ request: 30_000, response: 80_000, loss: 0.03, seed: 42, jitterMs: 3 });
    const r2 = synthesizeFlow({ request: 30_000, response: 80_000, loss: 0.03, seed: 42, jitterMs: 3 });
    expect(r2.segments.map((s) => s.timeUs)).toEqual(r1.segments.map((s) => s.timeUs));
    expect(JSON.stringify(r2.trace)).toBe(JSON.stringify(r1.trace));
    const c = frameBytes(43);
    const same =
      c.length === a.length && c.every((f, i) => Buffer.compare(Buffer.from(f), Buffer.from(a[i]!)) === 0);
    expect(same).toBe(false);
  });

  it('the PRNG is xoshiro128** with a stable sequence', () => {
    const r = new SeededRandom(1);
    const first = [r.nextU32(), r.nextU32(), r.nextU32()];
    expect(new SeededRandom(1).nextU32()).toBe(first[0]);
    expect(new Set(first).size).toBe(3);
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });
});

describe('loss processes', () => {
  it('Bernoulli loses about p of the packets', () => {
    const loss = new BernoulliLoss(0.1, new SeededRandom(5));
    let lost = 0;
    for (let i = 0; i < 100_000; i++) if (loss.lose()) lost++;
    expect(lost / 100_000).toBeGreaterThan(0.09);
    expect(lost / 100_000).toBeLessThan(0.11);
  });

  it('Gilbert-Elliott has the requested mean loss and bursts of the requested mean length', () => {
    const loss = new GilbertElliottLoss(gilbertForMeanLoss(0.05, 4), new SeededRandom(6));
    let lost = 0;
    let bursts = 0;
    let previous = false;
    for (let i = 0; i < 200_000; i++) {
      const l = loss.lose();
      if (l) lost++;
      if (l && !previous) bursts++;
      previous = l;
    }
    expect(lost / 200_000).toBeGreaterThan(0.04);
    expect(lost / 200_000).toBeLessThan(0.06);
    expect(lost / bursts).toBeGreaterThan(3.4);
    expect(lost / bursts).toBeLessThan(4.6);
  });
});

describe('path', () => {
  const base = {
    oneWayDelayUs: 10_000,
    jitterUs: 0,
    bandwidthBps: 8_000_000,
    queuePackets: 3,
    bottleneckAt: 0.5,
    lossAt: 0.5,
  };
  it('serializes at the bottleneck and tail-drops when the queue is full', () => {
    const path = new PathDirection({ ...base, captureAt: 1 });
    // 1000 bytes at 8 Mbit/s = 1 ms each. Five back-to-back packets: the queue holds 3.
    const transits = Array.from({ length: 5 }, () => path.transit(0, 1000, false));
    expect(transits.map((t) => t.arrivalUs)).toEqual([11_000, 12_000, 13_000, undefined, undefined]);
    expect(transits.map((t) => t.dropped)).toEqual([undefined, undefined, undefined, 'queue', 'queue']);
    expect(transits[3]!.captureUs).toBeUndefined();
  });
  it('a packet lost after the capture point is seen once; lost before, never', () => {
    const before = new PathDirection({ ...base, bandwidthBps: 0, captureAt: 0.2 });
    const after = new PathDirection({ ...base, bandwidthBps: 0, captureAt: 0.8 });
    const seen = before.transit(0, 100, true);
    expect(seen.captureUs).toBe(2000);
    expect(seen.arrivalUs).toBeUndefined();
    expect(after.transit(0, 100, true).captureUs).toBeUndefined();
  });
  it('jitter never reorders', () => {
    const path = new PathDirection({ ...base, bandwidthBps: 0, jitterUs: 5000, captureAt: 1 }, undefined, 9);
    let last = 0;
    for (let t = 0; t < 100_000; t += 100) {
      const arrival = path.transit(t, 100, false).arrivalUs!;
      expect(arrival).toBeGreaterThanOrEqual(last);
      last = arrival;
    }
  });
});

describe('drop list', () => {
  it('parses data, SYN, FIN, ACK and per-connection entries', () => {
    expect(parseDropList('c3,c4,s2')).toEqual([
      { side: 'client', kind: 'data', index: 3 },
      { side: 'client', kind: 'data', index: 4 },
      { side: 'server', kind: 'data', index: 2 },
    ]);
    expect(parseDropList('csyn,ssyn2,cfin,sack3,1:c2')).toEqual([
      { side: 'client', kind: 'syn', index: 1 },
      { side: 'server', kind: 'syn', index: 2 },
      { side: 'client', kind: 'fin', index: 1 },
      { side: 'server', kind: 'ack', index: 3 },
      { side: 'client', kind: 'data', index: 2, connection: 1 },
    ]);
    expect(() => parseDropList('x3')).toThrow(/expected an entry/);
    expect(() => parseDropList('c0')).toThrow(/1-based/);
  });
  it('drops exactly the named transmissions', () => {
    const result = synthesizeFlow({ request: 20_000, response: 20_000, drop: 'c2,s3,s4' });
    expect(result.summary.drops.scripted).toBe(3);
    expect(result.summary.complete).toBe(true);
    const clientData = result.segments.filter((s) => s.from === 'client' && s.payload.length > 0);
    // Captured at the client, the client's 2nd transmission is seen (lost later) and sent again.
    expect(clientData.filter((s) => s.seq === clientData[1]!.seq)).toHaveLength(2);
  });
});

describe('connection behaviour', () => {
  it('handshake negotiates MSS, window scale, SACK and timestamps; data uses MSS - 12', () => {
    const { segments } = synthesizeFlow({ request: 30_000, response: 0 });
    const [syn, synAck] = segments;
    expect(syn!.flags).toBe(TCP_SYN);
    expect(syn).toMatchObject({ mss: 1460, wscale: 7, sackOk: true, tsecr: 0 });
    expect(synAck).toMatchObject({ mss: 1460, wscale: 7, sackOk: true, tsecr: syn!.tsval });
    const sizes = segments.filter((s) => s.payload.length > 0).map((s) => s.payload.length);
    expect(Math.max(...sizes)).toBe(1448);
    // With no response, the client closes right after writing; the data beyond the initial window is still
    // queued then, so the FIN rides on the last data segment.
    const last = segments.filter((s) => s.from === 'client' && s.payload.length > 0).at(-1)!;
    expect(last.flags & TCP_FIN).toBe(TCP_FIN);
  });

  it('delayed ACK: after quick-ACK mode, one ACK per two full segments, or after 40 ms', () => {
    const { segments } = synthesizeFlow({
      request: 100,
      response: 300_000,
      rttMs: 20,
      bandwidthBps: 50_000_000,
    });
    const clientAcks = segments.filter(
      (s) => s.from === 'client' && s.payload.length === 0 && !(s.flags & 0x03),
    );
    const serverData = segments.filter((s) => s.from === 'server' && s.payload.length > 0);
    // Quick-ACK for the first 16 segments, then roughly every second segment.
    expect(clientAcks.length).toBeLessThan(serverData.length);
    expect(clientAcks.length).toBeGreaterThan(serverData.length / 2 - 2);
  });

  it('RST on demand ends both sides', () => {
    const { segments, summary } = synthesizeFlow({ request: 1000, response: 1000, closeWith: 'rst' });
    expect(segments.at(-1)!.flags & TCP_RST).toBe(TCP_RST);
    expect(summary.connections[0]!.clientState).toBe('CLOSED');
    expect(summary.connections[0]!.serverState).toBe('CLOSED');
  });

  it('the server can close first and then holds TIME-WAIT', () => {
    const { summary } = synthesizeFlow({ request: 1000, response: 1000, closeBy: 'server' });
    expect(summary.connections[0]!.serverState).toBe('TIME_WAIT');
    expect(summary.connections[0]!.clientState).toBe('CLOSED');
  });

  it('window scaling: the advertised raw window times 2^7 is the receive buffer', () => {
    const { segments } = synthesizeFlow({ request: 1000, response: 1000, rwnd: 262_144 });
    const ack = segments.find((s) => s.from === 'server' && !(s.flags & TCP_SYN))!;
    expect(ack.window * 128).toBe(262_144);
  });
});

describe('silly window syndrome avoidance (RFC 1122 4.2.3.3 and 4.2.3.4, as Linux)', () => {
  // 100 kB to a server whose app reads 5 kB/s from a 16 KiB buffer; window scale 7 (128-byte units).
  const slowReader = { request: 100_000, response: 0, rwnd: 16_384, readerRate: 5000, seed: 4 };
  const mss = 1448;
  const unit = 128;

  it('the receiver closes the window to exactly zero and reopens it by at least one MSS', () => {
    const { segments } = synthesizeFlow(slowReader);
    const acks = segments.filter((s) => s.from === 'server' && !(s.flags & (TCP_SYN | TCP_FIN)));
    const firstZero = acks.findIndex((s) => s.window === 0);
    expect(firstZero).toBeGreaterThan(0);
    // From the first zero window until the last data segment is acknowledged (after that nothing is sent
    // into the window any more).
    const lastData = segments.filter((s) => s.from === 'client' && s.payload.length > 0).at(-1)!;
    const dataEnd = lastData.seq + lastData.payload.length;
    const squeezed = acks.slice(firstZero).filter((s) => ((s.ack - dataEnd) | 0) < 0);
    expect(squeezed.filter((s) => s.window === 0).length).toBeGreaterThan(20);
    // Never a window too small for a full segment: zero, or at least one MSS.
    for (const s of squeezed) {
      if (s.window !== 0) expect(s.window * unit).toBeGreaterThanOrEqual(mss);
    }
    // Each closed window follows a full segment that reached the edge the receiver meant: it never
    // reopens by a sliver the sender would fill with a tiny segment.
    const clientData = segments.filter((s) => s.from === 'client' && s.payload.length > 1);
    for (const z of squeezed.filter((s) => s.window === 0)) {
      const filled = clientData.filter((d) => ((d.seq + d.payload.length - z.ack) | 0) === 0);
      expect(filled.length).toBeGreaterThan(0);
    }
  });

  it('the sender sends full segments only, probes the zero window, and ends with the last bytes', () => {
    const { segments, summary } = synthesizeFlow(slowReader);
    expect(summary.connections[0]!.complete).toBe(true);
    const data = segments.filter((s) => s.from === 'client' && s.payload.length > 0);
    const probes = data.filter((s) => s.note === 'zero window probe');
    expect(probes.length).toBeGreaterThan(10);
    for (const p of probes) expect(p.payload.length).toBe(1);
    const last = data.at(-1)!;
    expect(last.flags & TCP_FIN).toBe(TCP_FIN);
    const small = data.filter((s) => s !== last && !probes.includes(s) && s.payload.length < mss);
    // At most one: the persist timer's override when the buffer first fills (the first offer was not a
    // whole number of segments), sent into exactly the window the sender was given. The old model sent
    // dozens of 128-byte segments.
    expect(small.length).toBeLessThanOrEqual(1);
    for (const s of small) {
      const i = segments.indexOf(s);
      const lastAck = segments
        .slice(0, i)
        .filter((a) => a.from === 'server')
        .at(-1)!;
      expect((s.seq + s.payload.length - (lastAck.ack + lastAck.window * unit)) | 0).toBe(0);
      expect(s.timeUs - lastAck.timeUs).toBeGreaterThanOrEqual(200_000); // the persist timer, min RTO
    }
  });

  it('a probe byte is not taken as data, and a probe that crossed a window update draws no duplicate ACK', () => {
    const { segments } = synthesizeFlow(slowReader);
    let probes = 0;
    let crossed = 0;
    segments.forEach((s, i) => {
      if (s.note !== 'zero window probe') return;
      probes++;
      const answer = segments.slice(i + 1).find((a) => a.from === 'server')!;
      expect(answer.ack).toBe(s.seq);
      if (answer.note === 'window update') crossed++;
    });
    expect(probes).toBeGreaterThan(10);
    // Captured at the client, the update arrives after the probe left: the two crossed on the path.
    expect(crossed).toBeGreaterThan(5);
    // The receiver answers such a probe with its next ACK (the one for the data the update lets in).
    expect(segments.filter((s) => s.from === 'server' && s.note === 'duplicate ACK')).toEqual([]);
  });

  it('a window below one MSS but at least half the largest window is used at once (RFC 1122 (c))', () => {
    // A 1000-byte receive buffer: after the first segment (1000 bytes, the SYN's unscaled window) every
    // segment but the last is 1024 bytes (the window rounded up to 128-byte units), none waits for the
    // persist timer, no probes.
    const { segments, summary } = synthesizeFlow({ request: 20_000, response: 100, serverRwnd: 1000 });
    const data = segments.filter((s) => s.from === 'client' && s.payload.length > 0);
    expect(data[0]!.payload.length).toBe(1000);
    expect(data.slice(1, -1).map((s) => s.payload.length)).toEqual(Array(data.length - 2).fill(1024));
    expect(data.some((s) => s.note === 'zero window probe')).toBe(false);
    // One segment per round trip (40 ms) plus the 40 ms delayed ACK: about 80 ms each, not 200 ms.
    expect(summary.connections[0]!.endUs).toBeLessThan(data.length * 100_000);
  });
});

describe('CUBIC (RFC 9438)', () => {
  it('reduces by beta and grows back to W_max at t = K', () => {
    const mss = 1000;
    const cubic = new Cubic(mss, 100 * mss);
    cubic.ssthresh = 50 * mss; // pretend we are in congestion avoidance
    cubic.onCongestionEvent(100 * mss);
    expect(cubic.ssthresh).toBeCloseTo(100 * mss * CUBIC_BETA);
    cubic.onRecoveryEnd();
    expect(cubic.cwnd).toBeCloseTo(70 * mss);
    const k = Math.cbrt((100 * (1 - CUBIC_BETA)) / CUBIC_C); // seconds
    // ACK a window's worth every 100 ms RTT until t = K (a long RTT, so the cubic region governs:
    // the Reno-friendly estimate only reaches 70 + alpha * K / RTT = 92 segments).
    let t = 0;
    const trajectory: number[] = [];
    while (t < k * 1e6) {
      t += 100_000;
      const segments = Math.floor(cubic.cwnd / mss);
      for (let i = 0; i < segments; i++) cubic.onNewAck(mss, t, 100_000);
      trajectory.push(cubic.cwnd / mss);
    }
    // Concave: growth slows down as W_max approaches.
    const early = trajectory[5]! - trajectory[0]!;
    const late = trajectory.at(-1)! - trajectory.at(-6)!;
    expect(late).toBeLessThan(early);
    expect(cubic.cwnd / mss).toBeGreaterThan(95);
    expect(cubic.cwnd / mss).toBeLessThan(105);
  });
  it('IW10 per RFC 6928, one segment after a lost SYN', () => {
    expect(initialWindowBytes(1448, false)).toBe(14480);
    expect(initialWindowBytes(536, false)).toBe(5360); // min(10*536, max(2*536, 14600))
    expect(initialWindowBytes(1448, true)).toBe(1448);
  });
});
