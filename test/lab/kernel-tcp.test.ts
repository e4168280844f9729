/**
 * pktcraft's TCP flows side by side with the Linux kernel's (issue 12). Each scenario runs once with the
 * real stack in lab namespaces (kernel-tcp-lab.ts: a relay that delays frames 20 ms each way, since this
 * kernel has no netem, drops chosen segments, and shapes with tbf) and once in the flow model, with the
 * same transfer, the same segments dropped and the capture point at the sender. Both captures are read
 * by tshark and measured the same way; the table is printed.
 *
 * What is compared, and why the tolerances are what they are:
 *  - delivered bytes, data segments sent, retransmissions by kind (fast / other), spurious ones: exact
 *    where the scenario fixes them (scripted drops: one fast retransmission per dropped segment), within
 *    a factor for random loss (the two runs do not draw the same losses);
 *  - duplicate ACKs: at least the three that trigger the fast retransmission on both sides; after them
 *    both compress SACKs (Linux tcp_comp_sack_*, sack-compression.ts: one per millisecond). How many
 *    follow is a known difference: the model's windows grow during the hole (its reader reads at once),
 *    so tshark calls most of its SACKed ACKs window updates;
 *  - SACK: both must carry SACK blocks on the duplicate ACKs (at most 3 blocks with timestamps);
 *  - bytes in flight at its maximum: the same slow start from IW10 with the same receive buffer, +-60%
 *    (both auto-tune the receive window, but the kernel's reader lags and its window dips);
 *  - recovery time of a single drop (first transmission of the lost segment to the ACK that covers it):
 *    one RTT plus the duplicate-ACK wait in both, within 40 ms (one RTT) of each other;
 *  - tail loss and lost retransmission (RACK-TLP, RFC 8985, on in both): the same retransmissions by
 *    kind and recovery times within tolerances justified at the test.
 *  - PSH (rcv): for the same application writes, a PSH segment ends every write on both sides, exactly.
 *    Linux 6.x also sets PSH on the last segment of each GSO burst it sends (every second segment here,
 *    with tso_segs 2 at these rates); the model has no GSO, so the kernel's total is only printed and
 *    held to be at least the model's;
 *  - receive window (rcv): the SYN and SYN-ACK windows exactly (64240, 65160: the receiver namespaces
 *    get Linux's default tcp_rmem, so both offer window scale 7); the window grows with auto-tuning on
 *    both: at least 10 distinct values, and in the clean transfer the largest within a factor of 2 of
 *    the kernel's (the same arithmetic; the kernel's reader wakes in batches, so its window dips while
 *    data waits unread and its per-RTT measurement sees other byte counts than the model's reader,
 *    which reads at once). Under random loss the kernel's largest window varies eightfold from run to
 *    run, so there only the direction is held (see the test);
 *  - advancing-ACK pattern (rcv): the first 16 advancing ACKs (TCP_MAX_QUICKACKS) each cover one
 *    segment on both. Later the kernel (6.9+) defers ACKs while its reader holds the socket and
 *    processes the backlog, so it ACKs several segments at once where the model ACKs each: printed;
 *  - window updates (rcv): none in the clean transfer on both; after a filled hole the model sends
 *    exactly one (the ACK that fills it offers the window the delivered block leaves, and the read that
 *    follows frees it, tcp_cleanup_rbuf()); the kernel 0 or 1 across runs (0 when its reader took the
 *    block before the ACK went), so on its side only at most 2 is asserted. Under
 *    random loss the kernel's duplicate ACKs carry growing windows (tcp_data_queue_ofo() grows
 *    rcv_ssthresh for out-of-order data, so tshark calls many of them window updates): not modelled,
 *    printed.
 * Behaviours Linux has and the model does not yet (KNOWN_DIFFERENCES) are measured on the kernel's side
 * and printed; the test asserts that the kernel shows them (so the table's claim is checked) but does not
 * pretend that pktcraft matches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFlowCapture } from '../../src/flow/packets.js';
import { type FlowOptions, synthesizeFlow } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { type KernelScenario, KernelTcpLab } from './kernel-tcp-lab.js';

interface Measures {
  delivered: number;
  dataSegments: number;
  retransmissions: number;
  fast: number;
  otherRetransmissions: number;
  spurious: number;
  dupAcks: number;
  acksWithSack: number;
  maxSackBlocks: number;
  psh: number;
  advancingAcks: number;
  oneSegmentAcks: number;
  windowUpdates: number;
  distinctWindows: number;
  zeroWindows: number;
  maxInFlight: number;
  // --- rcv ---
  synWindow: number;
  synAckWindow: number;
  maxWindow: number;
  /** Of the first 16 advancing ACKs, those covering at most one segment. */
  earlyOneSegmentAcks: number;
  /** Application writes whose last byte ends a PSH segment. */
  pshAtWriteEnds: number;
  // --- end rcv ---
  /** First transmission of the first retransmitted segment to the ACK that covers it, ms. */
  recoveryMs: number;
  durationMs: number;
}

const FIELDS = [
  'frame.time_relative',
  'ip.src',
  'tcp.flags.syn',
  'tcp.flags.push',
  'tcp.seq',
  'tcp.ack',
  'tcp.len',
  'tcp.window_size',
  'tcp.options.sack.count',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.window_update',
  'tcp.analysis.zero_window',
  'tcp.analysis.bytes_in_flight',
] as const;

function measure(pcap: string, mss: number, writeEnds: readonly number[] = []): Measures {
  const rows = tsharkRows(pcap, FIELDS);
  const sender = rows.find((r) => r['tcp.flags.syn'] === '1' || r['tcp.flags.syn'] === 'True')?.['ip.src'];
  const m: Measures = {
    delivered: 0,
    dataSegments: 0,
    retransmissions: 0,
    fast: 0,
    otherRetransmissions: 0,
    spurious: 0,
    dupAcks: 0,
    acksWithSack: 0,
    maxSackBlocks: 0,
    psh: 0,
    advancingAcks: 0,
    oneSegmentAcks: 0,
    windowUpdates: 0,
    distinctWindows: 0,
    zeroWindows: 0,
    maxInFlight: 0,
    recoveryMs: 0,
    durationMs: 0,
    synWindow: 0,
    synAckWindow: 0,
    maxWindow: 0,
    earlyOneSegmentAcks: 0,
    pshAtWriteEnds: 0,
  };
  const pushEnds = new Set<number>(); // --- rcv ---
  const windows = new Set<string>();
  const firstSent = new Map<number, number>();
  let lastAck = -1;
  let recoverySeq = -1;
  let recoveryStart = 0;
  for (const r of rows) {
    const t = Number(r['frame.time_relative']) * 1000;
    m.durationMs = t;
    const len = Number(r['tcp.len'] || '0');
    if (r['ip.src'] === sender) {
      if (len > 0) {
        m.dataSegments++;
        const seq = Number(r['tcp.seq']);
        if (!firstSent.has(seq)) firstSent.set(seq, t);
        if (r['tcp.flags.push'] === '1' || r['tcp.flags.push'] === 'True') {
          m.psh++;
          pushEnds.add(seq + len); // --- rcv ---
        }
        if (r['tcp.analysis.retransmission'] !== '') {
          m.retransmissions++;
          if (r['tcp.analysis.fast_retransmission'] !== '') m.fast++;
          else m.otherRetransmissions++;
          if (recoverySeq < 0) {
            recoverySeq = seq;
            recoveryStart = firstSent.get(seq) ?? t;
          }
        }
        if (r['tcp.analysis.spurious_retransmission'] !== '') m.spurious++;
        m.maxInFlight = Math.max(m.maxInFlight, Number(r['tcp.analysis.bytes_in_flight'] || '0'));
      }
      continue;
    }
    const ack = Number(r['tcp.ack']);
    // --- rcv ---
    const syn = r['tcp.flags.syn'] === '1' || r['tcp.flags.syn'] === 'True';
    if (syn) m.synAckWindow = Number(r['tcp.window_size']);
    else m.maxWindow = Math.max(m.maxWindow, Number(r['tcp.window_size']));
    // --- end rcv ---
    if (r['tcp.analysis.duplicate_ack'] !== '') m.dupAcks++;
    const blocks = Number(r['tcp.options.sack.count'] || '0');
    if (blocks > 0) m.acksWithSack++;
    m.maxSackBlocks = Math.max(m.maxSackBlocks, blocks);
    if (r['tcp.analysis.window_update'] !== '') m.windowUpdates++;
    if (r['tcp.analysis.zero_window'] !== '') m.zeroWindows++;
    windows.add(r['tcp.window_size']);
    if (lastAck >= 0 && ack > lastAck && r['tcp.flags.syn'] !== '1' && r['tcp.flags.syn'] !== 'True') {
      m.advancingAcks++;
      if (ack - lastAck <= mss) m.oneSegmentAcks++;
      if (m.advancingAcks <= 16 && ack - lastAck <= mss) m.earlyOneSegmentAcks++; // --- rcv ---
    }
    if (recoverySeq >= 0 && m.recoveryMs === 0 && ack > recoverySeq) m.recoveryMs = t - recoveryStart;
    lastAck = Math.max(lastAck, ack);
    m.delivered = Math.max(m.delivered, ack - 1);
  }
  m.distinctWindows = windows.size;
  // --- rcv ---
  const syn = rows.find((r) => r['tcp.flags.syn'] === '1' || r['tcp.flags.syn'] === 'True');
  m.synWindow = Number(syn?.['tcp.window_size'] ?? 0);
  m.pshAtWriteEnds = writeEnds.filter((end) => pushEnds.has(end)).length;
  // --- end rcv ---
  return m;
}

interface Scenario {
  name: string;
  kernel: KernelScenario;
  flow: FlowOptions;
}

const BYTES = 200_000;
/**
 * The kernel's sender gets a send buffer that holds the whole transfer: the model has no send buffer
 * (the application's bytes are all there at once), and Linux's default 16 kB, auto-tuned, would make
 * the kernel application-limited early in the connection, which is not what is compared here.
 */
const SNDBUF = 4 * 1024 * 1024;
const MSS = 1448;
const segments = Math.ceil(BYTES / MSS);
// --- rcv: four writes at different times (the PSH comparison) ---
const WRITES = [
  { bytes: 10_000, atMs: 0 },
  { bytes: 30_000, atMs: 100 },
  { bytes: 5_000, atMs: 150 },
  { bytes: 50_000, atMs: 300 },
];
/** Relative sequence number just past each write of a scenario. */
function writeEnds(writes: ReadonlyArray<{ bytes: number }>): number[] {
  let end = 1;
  return writes.map((w) => {
    end += w.bytes;
    return end;
  });
}
// --- end rcv ---
const scenarios: Scenario[] = [
  {
    name: 'clean transfer',
    kernel: { writes: [{ bytes: BYTES, atMs: 0 }], oneWayDelayMs: 20, senderBuffer: SNDBUF },
    flow: {},
  },
  {
    name: 'one drop',
    kernel: { writes: [{ bytes: BYTES, atMs: 0 }], oneWayDelayMs: 20, senderBuffer: SNDBUF, drop: [20] },
    flow: { drop: 'c20' },
  },
  {
    name: 'burst of three',
    kernel: {
      writes: [{ bytes: BYTES, atMs: 0 }],
      oneWayDelayMs: 20,
      senderBuffer: SNDBUF,
      drop: [20, 21, 22],
    },
    flow: { drop: 'c20,c21,c22' },
  },
  {
    name: 'tail loss',
    kernel: {
      writes: [{ bytes: BYTES, atMs: 0 }],
      oneWayDelayMs: 20,
      senderBuffer: SNDBUF,
      drop: [segments],
    },
    flow: { drop: `c${segments}` },
  },
  {
    name: 'lost retransmission',
    kernel: {
      writes: [{ bytes: BYTES, atMs: 0 }],
      oneWayDelayMs: 20,
      senderBuffer: SNDBUF,
      drop: [20],
      dropRetransmissionOf: 20,
    },
    flow: { drop: 'c20' }, // the retransmission's own transmission number is added below
  },
  {
    name: 'slow reader (zero window)',
    kernel: {
      writes: [{ bytes: 60_000, atMs: 0 }],
      oneWayDelayMs: 20,
      senderBuffer: SNDBUF,
      receiverBuffer: 8192,
      // 10 kB/s: slow enough that the kernel's 16 kB receive buffer always fills (at 40 kB/s a quick
      // reader sometimes kept the window open and the kernel never advertised zero).
      readRate: 10_000,
    },
    flow: { request: 60_000, rwnd: 16_384, readerRate: 10_000 },
  },
  // --- rcv ---
  {
    name: 'application writes',
    kernel: { writes: WRITES, oneWayDelayMs: 20, senderBuffer: SNDBUF },
    flow: { writes: WRITES },
  },
  // --- end rcv ---
  {
    name: 'random 1% loss',
    kernel: {
      writes: [{ bytes: 2_000_000, atMs: 0 }],
      oneWayDelayMs: 20,
      senderBuffer: SNDBUF,
      loss: 0.01,
      seed: 7,
      rate: '20mbit',
    },
    flow: { request: 2_000_000, loss: 0.01, seed: 7, bandwidthBps: 20_000_000, queuePackets: 100 },
  },
];

/** Where the flow model's transmission count puts the retransmission of data transmission `n`. */
function retransmissionIndex(options: FlowOptions, n: number): number {
  const result = synthesizeFlow({ request: BYTES, response: 0, rttMs: 40, ...options });
  const data = result.segments.filter((s) => s.from === 'client' && s.payload.length > 0);
  const dropped = data[n - 1];
  if (!dropped) throw new Error(`no data transmission ${n}`);
  const again = data.findIndex((s, i) => i >= n && s.seq === dropped.seq);
  if (again < 0) throw new Error('the dropped segment was never retransmitted');
  return again + 1;
}

describe('the flow model side by side with the Linux kernel (lab namespaces)', () => {
  let dir = '';
  let lab: KernelTcpLab | undefined;
  const table: string[] = [];
  const results = new Map<string, { kernel: Measures; model: Measures; received: number }>();
  /**
   * The clean transfer's largest kernel window over CLEAN_RUNS runs. In 200 kB (five RTTs) whether
   * Linux's buffer auto-tuning has grown the window before the data ends depends on when its reader
   * runs: 95 to 328 kB over 16 runs of 2026-12-07, loaded or not. The model's reader reads at once, so
   * it is compared with the kernel's best case.
   */
  let cleanKernelMaxWindow = 0;
  const CLEAN_RUNS = 3;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pktcraft-kernel-tcp-'));
    lab = new KernelTcpLab(dir);
    for (const s of scenarios) {
      const kernel = await lab.run(s.name.replace(/\W+/g, '-'), s.kernel);
      expect(kernel.relay.oversize).toBe(0);
      // The relay dropped what the scenario scripts (diagnosis, if the kernel shows no retransmission).
      expect(kernel.relay.dropped - kernel.relay.random, s.name).toBeGreaterThanOrEqual(
        (s.kernel.drop?.length ?? 0) + (s.kernel.dropRetransmissionOf !== undefined ? 1 : 0),
      );
      let flow: FlowOptions = { request: BYTES, response: 0, rttMs: 2 * s.kernel.oneWayDelayMs, ...s.flow };
      if (s.kernel.dropRetransmissionOf !== undefined) {
        flow = {
          ...flow,
          drop: `${s.flow.drop},c${retransmissionIndex(flow, s.kernel.dropRetransmissionOf)}`,
        };
      }
      const result = synthesizeFlow(flow);
      const path = join(dir, `model-${s.name.replace(/\W+/g, '-')}.pcap`);
      await writeFlowCapture(path, result.segments, {
        format: 'pcap',
        ipVersion: 4,
        clientIp: '192.0.2.1',
        serverIp: '198.51.100.7',
        clientPort: 45678,
        serverPort: 5001,
      });
      const ends = writeEnds(s.kernel.writes); // --- rcv ---
      results.set(s.name, {
        kernel: measure(kernel.pcap, MSS, ends),
        model: measure(path, MSS, ends),
        received: kernel.received,
      });
      if (s.name === 'clean transfer') {
        const windows = [results.get(s.name)?.kernel.maxWindow ?? 0];
        for (let run = 2; run <= CLEAN_RUNS; run++) {
          const again = await lab.run(`clean-transfer-${run}`, s.kernel);
          expect(again.received).toBe(BYTES);
          windows.push(measure(again.pcap, MSS, ends).maxWindow);
        }
        cleanKernelMaxWindow = Math.max(...windows);
        process.stdout.write(
          `clean transfer, kernel's largest window in ${CLEAN_RUNS} runs: ${windows.join(' ')}\n`,
        );
      }
    }
    const keys = Object.keys(results.values().next().value?.kernel ?? {}) as Array<keyof Measures>;
    table.push(['scenario'.padEnd(26), ...keys.map((k) => k.slice(0, 10).padStart(11))].join(''));
    for (const [name, r] of results) {
      for (const side of ['kernel', 'model'] as const) {
        const m = r[side];
        table.push(
          [
            `${name} (${side})`.slice(0, 26).padEnd(26),
            ...keys.map((k) => String(Math.round(m[k])).padStart(11)),
          ].join(''),
        );
      }
    }
    process.stdout.write(`\n${table.join('\n')}\n`);
  }, 180_000);

  afterAll(() => {
    lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (name: string): { kernel: Measures; model: Measures; received: number } => {
    const r = results.get(name);
    if (!r) throw new Error(`scenario ${name} did not run`);
    return r;
  };

  it('every scenario delivers every byte on both sides', () => {
    for (const s of scenarios) {
      const r = get(s.name);
      const bytes = s.kernel.writes.reduce((sum, w) => sum + w.bytes, 0);
      expect(r.received, s.name).toBe(bytes);
      expect(r.kernel.delivered, s.name).toBeGreaterThanOrEqual(bytes);
      expect(r.model.delivered, s.name).toBeGreaterThanOrEqual(bytes);
    }
  });

  it('clean transfer: the same segments, no retransmission, no duplicate ACK', () => {
    const { kernel, model } = get('clean transfer');
    expect(model.dataSegments).toBe(kernel.dataSegments);
    for (const m of [kernel, model]) {
      expect(m.retransmissions).toBe(0);
      expect(m.dupAcks).toBe(0);
    }
  });

  it('scripted drops: the dropped segments resent once each, SACKed duplicate ACKs, no timeout', () => {
    for (const [name, drops] of [
      ['one drop', 1],
      ['burst of three', 3],
    ] as const) {
      const { kernel, model } = get(name);
      for (const m of [kernel, model]) {
        expect(m.dataSegments, name).toBe(segments + drops);
        expect(m.spurious, name).toBe(0);
        expect(m.fast, name).toBe(1);
        // Every out-of-order segment the receiver answers carries SACK. tshark calls such an ACK a
        // duplicate only if its window is unchanged: the model's receiver reads at once, its buffer has
        // auto-tuned before the loss, and tcp_grow_window() grows the window with each out-of-order
        // segment (quick-ACK mode, so each is answered at once), which tshark calls window updates.
        expect(m.dupAcks + m.windowUpdates, name).toBeGreaterThanOrEqual(3);
        expect(m.acksWithSack, name).toBeGreaterThanOrEqual(3);
        expect(m.maxSackBlocks, name).toBeLessThanOrEqual(3);
      }
      expect(Math.abs(model.recoveryMs - kernel.recoveryMs), name).toBeLessThanOrEqual(40);
      expect(model.maxInFlight, name).toBeGreaterThan(kernel.maxInFlight * 0.4);
      expect(model.maxInFlight, name).toBeLessThan(kernel.maxInFlight * 1.6);
    }
    expect(get('one drop').model.retransmissions).toBe(get('one drop').kernel.retransmissions);
  });

  it('random 1% loss: about as many segments resent, none spurious in the model', () => {
    const { kernel, model } = get('random 1% loss');
    // Resent data segments, counted from the capture (tshark labels Linux's RACK retransmissions sent
    // right after new data as out-of-order, not as retransmissions). The two runs draw their losses
    // independently: about 14 per side with 1% of 1382 segments, so a factor of 3 either way.
    const original = Math.ceil(2_000_000 / MSS);
    const kernelResent = kernel.dataSegments - original;
    const modelResent = model.dataSegments - original;
    expect(kernelResent).toBeGreaterThan(0);
    expect(modelResent).toBeGreaterThan(kernelResent / 3);
    expect(modelResent).toBeLessThan(kernelResent * 3);
    expect(model.spurious).toBe(0);
  });

  it('slow reader: both close the window to zero and finish', () => {
    const { kernel, model } = get('slow reader (zero window)');
    expect(kernel.zeroWindows).toBeGreaterThan(0);
    expect(model.zeroWindows).toBeGreaterThan(0);
  });

  it('tail loss: one probe resends the last segment, tshark calls it a plain retransmission, in both', () => {
    const { kernel, model } = get('tail loss');
    for (const m of [kernel, model]) {
      expect(m.retransmissions).toBe(1);
      expect(m.fast).toBe(0);
      expect(m.otherRetransmissions).toBe(1);
      expect(m.spurious).toBe(0);
    }
    // With one segment outstanding the probe timeout is 2*SRTT + 200 ms, capped by the RTO (RFC 8985
    // 7.2; Linux tcp_schedule_loss_probe()), so both probe when the RTO would fire. Linux's RTO is
    // SRTT + max(4*RTTVAR, 200 ms) (tcp_set_rto(): RTTVAR floored at tcp_rto_min), the model's RFC
    // 6298's max(200 ms, SRTT + 4*RTTVAR): the kernel's is up to one SRTT (40 ms) longer, plus jiffy
    // rounding and the relay's scheduling on a loaded machine (seen: 336, 363 and 370 ms against the
    // model's 320 ms). 80 ms.
    expect(Math.abs(model.recoveryMs - kernel.recoveryMs)).toBeLessThanOrEqual(80);
  });

  it('lost retransmission: RACK resends it again by fast retransmit, no RTO, in both (issue 12)', () => {
    const { kernel, model } = get('lost retransmission');
    for (const m of [kernel, model]) {
      expect(m.retransmissions).toBe(2);
      expect(m.fast).toBe(2);
      expect(m.otherRetransmissions).toBe(0);
      expect(m.spurious).toBe(0);
      // Recovered before a retransmission timeout (at least 200 ms after the first retransmission,
      // itself one RTT + after the first transmission) could have fired.
      expect(m.recoveryMs).toBeLessThan(260);
    }
    // The second retransmission goes once data sent after the first is SACKed (RACK, reo_wnd 0 in
    // recovery): one RTT after it in the model; in the kernel one or two RTTs, depending on how much
    // PRR let it send right after the retransmission and on the receiver's ACKs (seen: 124, 207 and 208 ms
    // against the model's 120 ms). So within two RTTs plus reo_wnd (10 ms) and timer and relay
    // slack: 110 ms.
    expect(Math.abs(model.recoveryMs - kernel.recoveryMs)).toBeLessThanOrEqual(110);
  });

  // --- rcv ---
  it('PSH: both end every application write with a PSH segment', () => {
    const { kernel, model } = get('application writes');
    expect(kernel.pshAtWriteEnds).toBe(WRITES.length);
    expect(model.pshAtWriteEnds).toBe(WRITES.length);
    // The kernel's extra PSH flags end its GSO bursts (see the header); the model's only end writes.
    expect(model.psh).toBe(WRITES.length);
    expect(kernel.psh).toBeGreaterThanOrEqual(model.psh);
  });

  it('receive window: the same SYN windows, and growth by auto-tuning on both', () => {
    for (const name of ['clean transfer', 'one drop', 'application writes', 'random 1% loss']) {
      const { kernel, model } = get(name);
      expect(kernel.synWindow, name).toBe(64240);
      expect(kernel.synAckWindow, name).toBe(65160);
      expect(model.synWindow, name).toBe(kernel.synWindow);
      expect(model.synAckWindow, name).toBe(kernel.synAckWindow);
    }
    for (const name of ['clean transfer', 'random 1% loss']) {
      const { kernel, model } = get(name);
      for (const m of [kernel, model]) expect(m.distinctWindows, name).toBeGreaterThanOrEqual(10);
      // Grown past the SYN-ACK window on both; by auto-tuning (past twice it) in the model, and in the
      // kernel's best clean run and under loss (2 MB, long enough for the kernel's tuning to act).
      expect(kernel.maxWindow, name).toBeGreaterThan(kernel.synAckWindow);
      expect(model.maxWindow, name).toBeGreaterThan(2 * model.synAckWindow);
    }
    expect(cleanKernelMaxWindow).toBeGreaterThan(2 * get('clean transfer').kernel.synAckWindow);
    expect(get('random 1% loss').kernel.maxWindow).toBeGreaterThan(
      2 * get('random 1% loss').kernel.synAckWindow,
    );
    const clean = get('clean transfer').model.maxWindow;
    expect(clean).toBeLessThan(cleanKernelMaxWindow * 2);
    // Clean: the same arithmetic, within a factor of 2 both ways. With 1% loss the kernel's buffer
    // grows further and is not one number: 0.43 to 3.57 MB over 14 runs of 2026-12-07 (with real-time
    // priority, loaded or not) against the model's 625 kB. Both grow it while out-of-order data is held
    // (tcp_rcvbuf_grow(), 6.16+), but in the kernel the per-RTT measurement (tcp_rcv_space_adjust())
    // sees whatever burst a filled hole released before that RTT ended, and the grow term multiplies
    // the jump. So under loss only the direction is held: the model grows well past the SYN-ACK window
    // (four times) and not past twice the kernel's; the ratio is printed.
    expect(clean).toBeGreaterThan(cleanKernelMaxWindow / 2);
    const lossy = get('random 1% loss');
    expect(lossy.model.maxWindow).toBeGreaterThan(4 * lossy.model.synAckWindow);
    console.log(
      `largest window under 1% loss: kernel ${lossy.kernel.maxWindow} vs model ${lossy.model.maxWindow} ` +
        `(kernel/model ${(lossy.kernel.maxWindow / lossy.model.maxWindow).toFixed(2)})`,
    );
  });

  it('window updates: none in a clean transfer, one after a filled hole, on both', () => {
    for (const m of [get('clean transfer').kernel, get('clean transfer').model])
      expect(m.windowUpdates).toBe(0);
    for (const name of ['one drop', 'burst of three']) {
      const { kernel, model } = get(name);
      // The kernel sent 0 or 1 across runs here (0 when its reader took the block before the ACK
      // went), so only the bound is asserted on its side; the count is printed.
      expect(kernel.windowUpdates, name).toBeLessThanOrEqual(2);
      // The model: the one after the filled hole, and the SACKed duplicate ACKs whose window grew (see
      // 'scripted drops'); its clean transfer has none.
      expect(model.windowUpdates, name).toBeGreaterThanOrEqual(1);
      expect(model.windowUpdates, name).toBeLessThanOrEqual(model.acksWithSack + 1);
    }
    const loss = get('random 1% loss');
    process.stdout.write(
      `window updates: one drop kernel ${get('one drop').kernel.windowUpdates} vs model ${get('one drop').model.windowUpdates}; ` +
        `known difference under 1% loss kernel ${loss.kernel.windowUpdates} vs model ${loss.model.windowUpdates} (out-of-order growth)\n`,
    );
  });

  it('ACK pattern: quick ACKs at the start, one per segment, on both', () => {
    // The model exactly 16 of 16. The kernel at least 12: the userspace relay forwards frames in
    // bursts, and a burst the kernel takes from the socket backlog is ACKed once (6.9+), which merged
    // two segments into one ACK in some runs (15, and 13 on a loaded machine, of 16 seen).
    for (const name of ['clean transfer', 'one drop', 'application writes']) {
      const { kernel, model } = get(name);
      expect(kernel.earlyOneSegmentAcks, name).toBeGreaterThanOrEqual(12);
      expect(model.earlyOneSegmentAcks, name).toBe(16);
    }
    // Over the whole clean transfer most advancing ACKs cover one segment on both (the issue measured
    // 94 of 100 early on in Linux): at least 3 in 4 in the model.
    const { kernel, model } = get('clean transfer');
    // The kernel's share depends on how often its reader leaves a backlog (ACK deferral, above):
    // 0.74 to 0.93 over 20 runs of 2026-12-07, so "most" is held as at least 3 in 5 there.
    expect(kernel.oneSegmentAcks).toBeGreaterThanOrEqual(0.6 * kernel.advancingAcks);
    expect(model.oneSegmentAcks).toBeGreaterThanOrEqual(0.75 * model.advancingAcks);
  });
  // --- end rcv ---

  it('KNOWN_DIFFERENCES: what Linux does here that the model does not yet (measured on the kernel)', () => {
    const tail = get('tail loss');
    const lost = get('lost retransmission');
    const clean = get('clean transfer');
    // ACKs after one drop: both receivers compress SACKs (tcp_comp_sack_nr, after three at once), so the
    // kernel sends 5 to 8; the model sends more, each carrying a grown window (see 'scripted drops'):
    // its reader reads at once and its buffer has auto-tuned by then, the lab kernel's has not.
    const one = get('one drop');
    expect(one.kernel.dupAcks).toBeGreaterThanOrEqual(3);
    expect(one.model.acksWithSack).toBeLessThan(one.model.dataSegments / 4);
    process.stdout.write(
      `known differences: SACKed ACKs after one drop kernel ${one.kernel.acksWithSack} vs model ${one.model.acksWithSack} (model's grown windows: ${one.model.windowUpdates} window updates); ` +
        `burst of three retransmissions flagged by tshark kernel ${get('burst of three').kernel.retransmissions} vs model ${get('burst of three').model.retransmissions}\n`,
    );
    process.stdout.write(
      `recovery: tail loss kernel ${tail.kernel.recoveryMs.toFixed(0)} ms vs model ${tail.model.recoveryMs.toFixed(0)} ms; ` +
        `lost retransmission kernel ${lost.kernel.recoveryMs.toFixed(0)} ms vs model ${lost.model.recoveryMs.toFixed(0)} ms; ` +
        `known differences: PSH kernel ${clean.kernel.psh} vs model ${clean.model.psh} (GSO bursts); windows kernel ${clean.kernel.distinctWindows} vs model ${clean.model.distinctWindows}; ` +
        `one-segment ACKs kernel ${clean.kernel.oneSegmentAcks}/${clean.kernel.advancingAcks} vs model ${clean.model.oneSegmentAcks}/${clean.model.advancingAcks}\n`,
    );
  });
});
