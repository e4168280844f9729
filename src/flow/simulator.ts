/**
 * synthesizeFlow(): runs client and server endpoints over a modelled path in a discrete-event
 * simulation (integer microseconds, deterministic ordering) and returns the segments the capture
 * point saw, the senders' trace and a summary.
 */
import { FieldError } from '../core/errors.js';
import {
  CaptureCollector,
  type CapturePointSpec,
  capturePosition,
  capturePositionFor,
} from './capture-point.js';
import type { CongestionAlgorithm } from './congestion.js';
import { type DropEntry, DropScript, parseDropList } from './drop-list.js';
import { Endpoint, type EndpointConfig, type EndpointHost } from './endpoint.js';
import { EventQueue } from './event-queue.js';
import { type DropReason, PathDirection, type PathDirectionConfig } from './path.js';
import { BytesPayload, PatternPayload, type PayloadSource, SlicePayload } from './payload.js';
import {
  BernoulliLoss,
  GilbertElliottLoss,
  type GilbertElliottParameters,
  gilbertForMeanLoss,
  type LossProcess,
  noLoss,
  SeededRandom,
} from './random.js';
// --- rcv ---
import { LINUX_RCVBUF_DEFAULT, LINUX_RCVBUF_MAX } from './receive-window.js';
// --- end rcv ---
import type { TraceEvent } from './trace.js';
import { type CapturedSegment, ECN_CE, ECN_ECT0, ECN_ECT1, type Side } from './types.js';

export interface FlowOptions {
  /** Bytes the client sends (its request), or a count of pattern bytes. Default 200. */
  request?: Uint8Array | number;
  /** Bytes the server sends back once it has read the whole request, or a count. Default 100000. */
  response?: Uint8Array | number;
  /**
   * An application conversation instead of one request and one response (a TLS handshake, then
   * HTTP): each message is written once its sender has read every byte the peer wrote before it.
   * `request`/`response` are then ignored; the summary counts each side's messages together.
   */
  conversation?: readonly ConversationMessage[];
  /** Round-trip propagation delay, milliseconds. Default 40. */
  rttMs?: number;
  /** Extra one-way delay in [0, jitterMs) at the bottleneck, never reordering. Default 0. */
  jitterMs?: number;
  /** Bottleneck rate, bits per second, both directions; 0 = unlimited (default). */
  bandwidthBps?: number;
  /** Bottleneck queue size in packets (tail drop). Default 100. */
  queuePackets?: number;
  /** Bottleneck position on the path, 0 (client) .. 1 (server). Default 0.5. */
  bottleneckAt?: number;
  /** Where losses happen on the path, 0 (client) .. 1 (server). Default 0.5. */
  lossAt?: number;
  /** Random loss probability per packet, both directions. Default 0. */
  loss?: number;
  lossModel?: 'bernoulli' | 'gilbert';
  /** Mean burst length (packets) for the Gilbert-Elliott model built from `loss`. Default 4. */
  burstLength?: number;
  /** Explicit Gilbert-Elliott parameters (override loss/burstLength). */
  gilbert?: GilbertElliottParameters;
  /** Scripted drops, e.g. 'c3,c4,s2' (see drop-list.ts). */
  drop?: string | DropEntry[];
  /** Seed for everything random (ISNs, timestamps offsets, loss, jitter). Default 1. */
  seed?: number;
  cc?: CongestionAlgorithm;
  sack?: boolean;
  timestamps?: boolean;
  /** Window scale shift both sides offer (-1: none). Default 7, raised when rwnd needs it. */
  windowScale?: number;
  /** Receive buffer of both endpoints, bytes. Default 131072. */
  rwnd?: number;
  clientRwnd?: number;
  serverRwnd?: number;
  /** Application read rate at both receivers, bytes per second. Default unlimited. */
  readerRate?: number;
  clientReaderRate?: number;
  serverReaderRate?: number;
  /** Where the capture point is. Default 'client'. */
  captureAt?: CapturePointSpec;
  /** Start time, seconds since the epoch. Default 1700000000. */
  startTime?: number;
  /** IP version: sets header overhead and the default MSS. Default 4. */
  ipVersion?: 4 | 6;
  /** MSS option both sides announce. Default 1460 (IPv4) / 1440 (IPv6). */
  mss?: number;
  /** Connections opened one after another. Default 1. */
  connections?: number;
  /** Later connections reuse the same ports, so they wait out the previous TIME-WAIT. Default true. */
  reusePorts?: boolean;
  /** Pause between one connection's end and the next one's SYN, ms. Default 100. */
  connectionGapMs?: number;
  /** TIME-WAIT duration, ms. Default 60000 (Linux). */
  timeWaitMs?: number;
  /** Which side closes first. Default 'client'. */
  closeBy?: Side;
  /** Close with a FIN (default) or abort with a RST. */
  closeWith?: 'fin' | 'rst';
  delayedAckMs?: number;
  minRtoMs?: number;
  initialRtoMs?: number;
  /** Record the trace (default true; the bench turns it off). */
  tracing?: boolean;
  // --- rack: sender loss detection and recovery (defaults as Linux 6.x net.ipv4) ---
  /** RACK-TLP loss detection and tail loss probes (RFC 8985; tcp_recovery=1). Default true. */
  rack?: boolean;
  /** Proportional Rate Reduction in fast recovery (RFC 6937). Default true. */
  prr?: boolean;
  /** F-RTO and Eifel undo of spurious timeouts (RFC 5682 / RFC 3522; tcp_frto=2). Default true. */
  frto?: boolean;
  // --- end rack ---
  /** Simulated time limit, ms. Default 86400000 (a day: 10 GB at 1% loss and 40 ms takes about 6 hours). */
  maxDurationMs?: number;
  /** Called now and then with the fraction of application bytes delivered. */
  onProgress?: (fraction: number) => void;
  // --- rcv: receiver and application-write behaviour (Linux 6.x defaults) ---
  /**
   * The client's application writes: sizes in bytes at times in ms after the connection is
   * established (each PSH-terminated, as Linux's tcp_push() at the end of each sendmsg). Replaces
   * `request`; default one write of `request` at 0.
   */
  writes?: ReadonlyArray<{ bytes: number; atMs: number }>;
  /** PSH on the segment that ends each write (default true); false: only on a segment that empties the send queue. */
  pushPerWrite?: boolean;
  /**
   * Receive-buffer auto-tuning (Linux tcp_rcv_space_adjust, default true) for an endpoint whose buffer
   * is not fixed by `rwnd`/`clientRwnd`/`serverRwnd`. Off: Linux's window from a fixed 131072-byte buffer.
   */
  rcvbufAutotune?: boolean;
  /** Linux's quick-ACK mode (default true); false: delayed ACKs from the first segment on. */
  quickAck?: boolean;
  /**
   * Linux's SACK compression and out-of-order receive path (default true, with `quickAck`):
   * sack-compression.ts. False: every out-of-order segment is answered at once and starts quick ACKs.
   */
  sackCompression?: boolean;
  /** The client asks for ECN (RFC 3168); default false (Linux tcp_ecn = 2: the server accepts). */
  ecn?: boolean;
  /**
   * Packets waiting at the bottleneck from which ECN-capable packets are marked CE. Default: half the
   * queue (`queuePackets`), rounded up.
   */
  ecnThresholdPackets?: number;
  // --- end rcv ---
}

/** One message of a conversation (see FlowOptions.conversation). */
export interface ConversationMessage {
  from: Side;
  bytes: Uint8Array;
}

function conversationBytes(conversation: readonly ConversationMessage[], side: Side): Uint8Array {
  return Buffer.concat(
    conversation.filter((message) => message.from === side).map((message) => message.bytes),
  );
}

export interface ConnectionSummary {
  index: number;
  startUs: number;
  endUs: number;
  requestBytes: number;
  responseBytes: number;
  /** Bytes the server received from the client / the client from the server. */
  serverReceived: number;
  clientReceived: number;
  clientState: string;
  serverState: string;
  clientCloseReason: string | undefined;
  serverCloseReason: string | undefined;
  /** When the TIME-WAIT of this connection ends (relative microseconds), if one was entered. */
  timeWaitUntilUs: number | undefined;
  complete: boolean;
}

export interface FlowSummary {
  /** The flow's time origin, microseconds since the epoch (trace times are relative to it). */
  startTimeUs: number;
  connections: ConnectionSummary[];
  segmentsCaptured: number;
  segmentsSent: number;
  dataSegmentsSent: number;
  retransmissions: number;
  zeroWindowProbes: number;
  drops: Record<DropReason, number>;
  /** From the first SYN to the last segment, microseconds. */
  durationUs: number;
  /** Application bytes delivered (both directions) per second of duration, bits/s. */
  goodputBps: number;
  bytesDelivered: number;
  complete: boolean;
}

export interface FlowResult {
  segments: CapturedSegment[];
  trace: TraceEvent[];
  summary: FlowSummary;
}

const DEFAULT_START_TIME = 1_700_000_000;

// --- rcv ---
/** The client's writes as slices of its request, with their times (µs after the handshake). */
function writesTotal(list: FlowOptions['writes']): number | undefined {
  if (list === undefined) return undefined;
  let total = 0;
  let last = 0;
  for (const w of list) {
    if (!Number.isSafeInteger(w.bytes) || w.bytes < 0)
      throw new FieldError('flow', 'writes', `expected a byte count >= 0, got ${w.bytes}`);
    if (!Number.isFinite(w.atMs) || w.atMs < last)
      throw new FieldError(
        'flow',
        'writes',
        `write times must be >= 0 and in order, got ${w.atMs} after ${last}`,
      );
    last = w.atMs;
    total += w.bytes;
  }
  return total;
}

function clientWrites(
  request: PayloadSource,
  list: FlowOptions['writes'],
): Array<{ source: PayloadSource; atUs: number }> {
  if (list === undefined) return request.length > 0 ? [{ source: request, atUs: 0 }] : [];
  const out: Array<{ source: PayloadSource; atUs: number }> = [];
  let at = 0;
  for (const w of list) {
    if (w.bytes === 0) continue;
    out.push({ source: new SlicePayload(request, at, at + w.bytes), atUs: Math.round(w.atMs * 1000) });
    at += w.bytes;
  }
  return out;
}
// --- end rcv ---

function toPayload(value: Uint8Array | number | undefined, fallback: number, salt: number): PayloadSource {
  if (value instanceof Uint8Array) return new BytesPayload(value);
  const count = value ?? fallback;
  if (!Number.isSafeInteger(count) || count < 0)
    throw new FieldError('flow', 'bytes', `expected a byte count >= 0, got ${count}`);
  return new PatternPayload(count, salt);
}

function checkRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new FieldError('flow', field, `expected ${min}..${max}, got ${value}`);
  }
  return value;
}

function tcpWireBytes(segment: CapturedSegment, ipHeader: number): number {
  let options = 0;
  if (segment.flags & 0x02) options = 20;
  else {
    if (segment.tsval !== undefined) options += 12;
    if (segment.sackBlocks && segment.sackBlocks.length > 0) options += 4 + 8 * segment.sackBlocks.length;
  }
  return ipHeader + 20 + options + segment.payload.length;
}

/**
 * A flow being synthesized: iterate it (once) for the captured segments in capture order, produced as
 * the simulation advances, so a transfer of any size runs in flat memory when the consumer writes them
 * out. The summary is there once the iteration has ended; the trace grows as it goes (keep `tracing`
 * off for big transfers).
 */
export interface FlowStream extends Iterable<CapturedSegment> {
  readonly trace: TraceEvent[];
  /**
   * The same segments in capture order, a batch at a time (instead of iterating the stream; once,
   * either way). A batch is reused: read it before asking for the next one.
   */
  batches(): Iterator<readonly CapturedSegment[], void>;
  /** The flow's summary; throws if the segments have not all been consumed yet. */
  summary(): FlowSummary;
}

/** Runs the whole flow and keeps every segment (see streamFlow() for transfers of any size). */
export function synthesizeFlow(options: FlowOptions = {}): FlowResult {
  const stream = streamFlow(options);
  const segments = Array.from(stream);
  return { segments, trace: stream.trace, summary: stream.summary() };
}

/** Validates the options and returns the flow, to be iterated. */
export function streamFlow(options: FlowOptions = {}): FlowStream {
  const trace: TraceEvent[] = [];
  let summary: FlowSummary | undefined;
  let started = false;
  const run = simulate(options, trace, (s) => {
    summary = s;
  });
  const start = (): void => {
    if (started) throw new Error('streamFlow: a flow can be iterated once');
    started = true;
  };
  return {
    trace,
    [Symbol.iterator]: (): Iterator<CapturedSegment, void> => {
      start();
      return new FlattenedBatches(run);
    },
    batches: () => {
      start();
      return run;
    },
    summary: () => {
      if (!summary) throw new Error('streamFlow: the summary is known once every segment has been read');
      return summary;
    },
  };
}

/** One segment at a time out of the simulation's batches (no generator per segment). */
class FlattenedBatches implements Iterator<CapturedSegment, void> {
  private batch: readonly CapturedSegment[] = [];
  private index = 0;
  constructor(private readonly source: Iterator<readonly CapturedSegment[], void>) {}
  next(): IteratorResult<CapturedSegment, void> {
    while (this.index >= this.batch.length) {
      const step = this.source.next();
      if (step.done === true) return { done: true, value: undefined };
      this.batch = step.value;
      this.index = 0;
    }
    return { done: false, value: this.batch[this.index++] as CapturedSegment };
  }
}

function simulate(
  options: FlowOptions,
  trace: TraceEvent[],
  done: (summary: FlowSummary) => void,
): Generator<readonly CapturedSegment[], void, undefined> {
  const seed = options.seed ?? 1;
  const conversation = options.conversation;
  // --- rcv: with `writes`, the request is their sum ---
  const written = conversation ? undefined : writesTotal(options.writes);
  if (written !== undefined && options.request instanceof Uint8Array && options.request.length !== written)
    throw new FieldError(
      'flow',
      'writes',
      `the writes add up to ${written}, the request has ${options.request.length} bytes`,
    );
  const request = conversation
    ? new BytesPayload(conversationBytes(conversation, 'client'))
    : toPayload(
        options.request instanceof Uint8Array ? options.request : (written ?? options.request),
        200,
        1,
      );
  // --- end rcv ---
  const response = conversation
    ? new BytesPayload(conversationBytes(conversation, 'server'))
    : toPayload(options.response, 100_000, 2);
  // --- rcv: timed application writes of the client ---
  const writes = conversation ? undefined : clientWrites(request, options.writes);
  // --- end rcv ---
  const rttUs = Math.round(checkRange('rttMs', options.rttMs ?? 40, 0, 600_000) * 1000);
  const ipVersion = options.ipVersion ?? 4;
  const ipHeader = ipVersion === 6 ? 40 : 20;
  const mss = checkRange('mss', options.mss ?? (ipVersion === 6 ? 1440 : 1460), 64, 65495);
  const clientRwnd = checkRange('rwnd', options.clientRwnd ?? options.rwnd ?? 131072, 1, 2 ** 30);
  const serverRwnd = checkRange('rwnd', options.serverRwnd ?? options.rwnd ?? 131072, 1, 2 ** 30);
  // --- rcv: Linux's window (auto-tuned unless switched off) where no fixed buffer was given ---
  const linuxWindowFor = (side: Side) => {
    const fixed = side === 'client' ? options.clientRwnd : options.serverRwnd;
    if ((fixed ?? options.rwnd) !== undefined) return undefined;
    return {
      autotune: options.rcvbufAutotune ?? true,
      initialBuffer: LINUX_RCVBUF_DEFAULT,
      maxBuffer: LINUX_RCVBUF_MAX,
    };
  };
  const queuePackets = Math.max(1, options.queuePackets ?? 100);
  const ecnThreshold =
    options.ecnThresholdPackets === undefined
      ? Math.ceil(queuePackets / 2)
      : Math.floor(checkRange('ecnThresholdPackets', options.ecnThresholdPackets, 0, 1_000_000));
  // --- end rcv ---
  let wscale = options.windowScale ?? 7;
  if (wscale >= 0) {
    while (wscale < 14 && Math.max(clientRwnd, serverRwnd) / 2 ** wscale > 0xffff) wscale++;
  }
  const loss = checkRange('loss', options.loss ?? 0, 0, 1);
  const captureAt = capturePosition(options.captureAt ?? 'client');
  const bottleneckAt = checkRange('bottleneckAt', options.bottleneckAt ?? 0.5, 0, 1);
  const lossAt = checkRange('lossAt', options.lossAt ?? 0.5, 0, 1);
  const startUs = Math.round((options.startTime ?? DEFAULT_START_TIME) * 1_000_000);
  const tracing = options.tracing ?? true;
  const connections = Math.floor(checkRange('connections', options.connections ?? 1, 1, 100_000));
  const readerRate = (side: Side): number => {
    const r =
      side === 'client'
        ? (options.clientReaderRate ?? options.readerRate)
        : (options.serverReaderRate ?? options.readerRate);
    if (r === undefined) return Number.POSITIVE_INFINITY;
    return checkRange('readerRate', r, 1, Number.POSITIVE_INFINITY);
  };
  const drops = typeof options.drop === 'string' ? parseDropList(options.drop) : (options.drop ?? []);
  const dropScript = new DropScript(drops);

  const queue = new EventQueue();
  const random = new SeededRandom(seed, 1);
  const lossProcess = (stream: number): LossProcess => {
    if (loss <= 0 && !options.gilbert) return noLoss;
    const r = new SeededRandom(seed, stream);
    if (options.lossModel === 'gilbert' || options.gilbert) {
      return new GilbertElliottLoss(options.gilbert ?? gilbertForMeanLoss(loss, options.burstLength ?? 4), r);
    }
    return new BernoulliLoss(loss, r);
  };
  const directionConfig = (from: Side): PathDirectionConfig => ({
    oneWayDelayUs: rttUs / 2,
    jitterUs: Math.round((options.jitterMs ?? 0) * 1000),
    bandwidthBps: options.bandwidthBps ?? 0,
    queuePackets,
    ecnThresholdPackets: ecnThreshold, // --- rcv ---
    bottleneckAt: from === 'client' ? bottleneckAt : 1 - bottleneckAt,
    lossAt: from === 'client' ? lossAt : 1 - lossAt,
    captureAt: capturePositionFor(from, captureAt),
  });
  const paths: Record<Side, PathDirection> = {
    client: new PathDirection(directionConfig('client'), lossProcess(11), seed ^ 0x5151),
    server: new PathDirection(directionConfig('server'), lossProcess(12), seed ^ 0x7373),
  };
  const collector = new CaptureCollector(startUs);
  const dropCounts: Record<DropReason, number> = { loss: 0, scripted: 0, queue: 0 };
  const summaries: ConnectionSummary[] = [];
  const allEndpoints: Endpoint[] = [];
  let lastActivityUs = 0;
  let firstActivityUs = -1;
  const totalBytes = (request.length + response.length) * connections;
  let deliveredBefore = 0;

  // One host for every endpoint of the flow (not one set of closures per side and connection): the
  // endpoints' calls into it then always reach the same functions, which the JIT can inline for good.
  // A segment's side and connection say which path it takes and which endpoint receives it.
  const connectionEndpoints: Array<Partial<Record<Side, Endpoint>>> = [];
  const deliverToClient = (segment: CapturedSegment): void =>
    connectionEndpoints[segment.connection]!.client!.receive(segment);
  const deliverToServer = (segment: CapturedSegment): void =>
    connectionEndpoints[segment.connection]!.server!.receive(segment);
  const host: EndpointHost = {
    now: () => queue.nowUs,
    schedule: (at, action) => queue.schedule(at, action),
    reschedule: (previous, at, action) => queue.reschedule(previous, at, action),
    trace: (event) => trace.push(event),
    transmit: (segment) => {
      const path = segment.from === 'client' ? paths.client : paths.server;
      const now = queue.nowUs;
      if (firstActivityUs < 0) firstActivityUs = now;
      if (now > lastActivityUs) lastActivityUs = now;
      const scripted = dropScript.shouldDrop(segment);
      // --- rcv: ECN-capable packets may be marked CE at the bottleneck ---
      const ecnCapable = segment.ecn === ECN_ECT0 || segment.ecn === ECN_ECT1;
      path.transitInPlace(now, tcpWireBytes(segment, ipHeader), scripted, ecnCapable);
      const arrivalUs = path.lastArrivalUs;
      const captureUs = path.lastCaptureUs;
      const dropped = path.lastDropped;
      let delivered = segment;
      if (path.lastCeMarked) {
        const config = path.config;
        if (config.captureAt > config.bottleneckAt) segment.ecn = ECN_CE;
        else delivered = { ...segment, ecn: ECN_CE };
      }
      // --- end rcv ---
      if (!Number.isNaN(captureUs)) {
        collector.record(segment, captureUs);
        if (captureUs > lastActivityUs) lastActivityUs = captureUs;
      }
      if (dropped !== '') {
        dropCounts[dropped]++;
        if (tracing) {
          trace.push({
            timeUs: now,
            connection: segment.connection,
            side: segment.from,
            kind: 'drop',
            state: '',
            recovery: 'open',
            cwnd: 0,
            ssthresh: null,
            rwnd: 0,
            advertisedWindow: 0,
            bytesInFlight: 0,
            pipe: 0,
            rtoUs: 0,
            srttUs: 0,
            len: segment.payload.length,
            flags: segment.flags,
            note: `${dropped} drop${Number.isNaN(captureUs) ? ' (not captured)' : ''}`,
          });
        }
      }
      if (!Number.isNaN(arrivalUs))
        queue.post(arrivalUs, segment.from === 'client' ? deliverToServer : deliverToClient, delivered);
    },
  };

  const startConnection = (index: number): void => {
    const connStart = queue.nowUs;
    const common = {
      connection: index,
      sack: options.sack ?? true,
      timestamps: options.timestamps ?? true,
      wscale,
      mss,
      readTickUs: 10_000,
      congestion: options.cc ?? 'cubic',
      initialRtoUs: Math.round((options.initialRtoMs ?? 1000) * 1000),
      minRtoUs: Math.round((options.minRtoMs ?? 200) * 1000),
      maxRtoUs: 120_000_000,
      delayedAckUs: Math.round((options.delayedAckMs ?? 40) * 1000),
      quickAcks: 16,
      synRetries: 6,
      dataRetries: 15,
      timeWaitUs: Math.round((options.timeWaitMs ?? 60_000) * 1000),
      tracing,
      // --- rack
      rack: options.rack ?? true,
      prr: options.prr ?? true,
      frto: options.frto ?? true,
      // --- end rack
      // --- rcv ---
      quickAck: options.quickAck ?? true,
      sackCompression: options.sackCompression ?? true,
      pushPerWrite: options.pushPerWrite ?? true,
      ecn: options.ecn ?? false,
      // --- end rcv ---
    };
    const configFor = (side: Side): EndpointConfig => ({
      ...common,
      side,
      iss: random.nextU32(),
      tsOffset: random.nextU32(),
      receiveBuffer: side === 'client' ? clientRwnd : serverRwnd,
      readerRate: readerRate(side),
      linuxWindow: linuxWindowFor(side), // --- rcv ---
    });
    const endpoints: Partial<Record<Side, Endpoint>> = {};
    connectionEndpoints[index] = endpoints;
    let closedCount = 0;
    let finished = false;
    let responded = false;
    const closeWith = options.closeWith ?? 'fin';
    const closeBy = options.closeBy ?? 'client';
    const closeSide = (side: Side): void => {
      const ep = endpoints[side]!;
      if (closeWith === 'rst' && side === closeBy) ep.abort();
      else ep.close();
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const client = endpoints.client!;
      const server = endpoints.server!;
      const timeWait = client.timeWaitUntilUs ?? server.timeWaitUntilUs;
      summaries.push({
        index,
        startUs: connStart,
        endUs: queue.nowUs,
        requestBytes: request.length,
        responseBytes: response.length,
        serverReceived: server.bytesReceived,
        clientReceived: client.bytesReceived,
        clientState: client.state,
        serverState: server.state,
        clientCloseReason: client.closeReason,
        serverCloseReason: server.closeReason,
        timeWaitUntilUs: timeWait,
        complete: server.bytesReceived === request.length && client.bytesReceived === response.length,
      });
      deliveredBefore += server.bytesReceived + client.bytesReceived;
      if (index + 1 < connections) {
        let next = queue.nowUs + Math.round((options.connectionGapMs ?? 100) * 1000);
        if ((options.reusePorts ?? true) && timeWait !== undefined) next = Math.max(next, timeWait);
        queue.schedule(next, () => startConnection(index + 1));
      }
    };
    const onClosed = (): void => {
      closedCount++;
      if (closedCount === 2) finish();
    };
    if (conversation) {
      // Each side writes its next messages once it has read everything the peer has written so far.
      let nextMessage = 0;
      let closing = false;
      const written: Record<Side, number> = { client: 0, server: 0 };
      const peerOf = (side: Side): Side => (side === 'client' ? 'server' : 'client');
      const advance = (side: Side): void => {
        const endpoint = endpoints[side]!;
        const peer = peerOf(side);
        while (nextMessage < conversation.length) {
          const message = conversation[nextMessage]!;
          if (message.from !== side || endpoint.bytesReceived < written[peer]) break;
          endpoint.write(message.bytes);
          written[side] += message.bytes.length;
          nextMessage++;
        }
        if (
          !closing &&
          side === closeBy &&
          nextMessage === conversation.length &&
          endpoint.bytesReceived >= written[peer]
        ) {
          closing = true;
          closeSide(side);
        }
      };
      for (const side of ['client', 'server'] as const) {
        endpoints[side] = new Endpoint(configFor(side), host, {
          onEstablished: () => advance(side),
          onRead: () => advance(side),
          onPeerClosed: () => endpoints[side]!.close(),
          onClosed,
        });
      }
    } else {
      // --- rcv: the request as timed writes (one at 0 by default); close after the last one ---
      let writesDone = 0;
      const allWritten = (): boolean => writesDone === (writes?.length ?? 0);
      endpoints.client = new Endpoint(configFor('client'), host, {
        onEstablished: () => {
          const client = endpoints.client!;
          for (const w of writes ?? []) {
            const doWrite = (): void => {
              if (client.state === 'CLOSED') return;
              client.write(w.source);
              writesDone++;
              if (allWritten() && response.length === 0 && closeBy === 'client') closeSide('client');
            };
            if (w.atUs === 0) doWrite();
            else queue.schedule(queue.nowUs + w.atUs, doWrite);
          }
          if (!writes?.length && response.length === 0 && closeBy === 'client') closeSide('client');
        },
        // --- end rcv ---
        onRead: (total) => {
          if (total === response.length && closeBy === 'client') closeSide('client');
        },
        onPeerClosed: () => endpoints.client!.close(),
        onClosed,
      });
      const respond = (): void => {
        if (responded) return;
        responded = true;
        endpoints.server!.write(response);
        if (closeBy === 'server') closeSide('server');
      };
      endpoints.server = new Endpoint(configFor('server'), host, {
        onEstablished: () => {
          if (request.length === 0) respond();
        },
        onRead: (total) => {
          if (total === request.length) respond();
        },
        onPeerClosed: () => {
          if (!responded) respond();
          endpoints.server!.close();
        },
        onClosed,
      });
    }
    const client = endpoints.client!;
    const server = endpoints.server!;
    allEndpoints.push(client, server);
    server.listen();
    client.connect();
  };

  queue.schedule(0, () => startConnection(0));
  const limitUs = Math.round((options.maxDurationMs ?? 86_400_000) * 1000);

  function* run(): Generator<readonly CapturedSegment[], void, undefined> {
    let steps = 0;
    const ready: CapturedSegment[] = [];
    const take = (segment: CapturedSegment): void => {
      ready.push(segment);
    };
    while (queue.runNext(limitUs)) {
      steps++;
      if (options.onProgress && steps % 5000 === 0) {
        let delivered = deliveredBefore;
        const last = allEndpoints.length;
        const client = allEndpoints[last - 2];
        const server = allEndpoints[last - 1];
        if (client && server && summaries.length < last / 2) {
          delivered += client.bytesReceived + server.bytesReceived;
        }
        options.onProgress(totalBytes > 0 ? Math.min(1, delivered / totalBytes) : 1);
      }
      if (collector.pending > 0) {
        collector.drain(queue.nowUs, take);
        if (ready.length >= 1024) {
          yield ready;
          ready.length = 0;
        }
      }
    }
    collector.drain(Number.POSITIVE_INFINITY, take);
    if (ready.length > 0) yield ready;
    ready.length = 0;
    done(summarize());
  }

  const summarize = (): FlowSummary => {
    // Connections still open at the time limit are summarized as they are.
    for (let i = summaries.length; i * 2 + 1 < allEndpoints.length; i++) {
      const client = allEndpoints[2 * i];
      const server = allEndpoints[2 * i + 1];
      if (!client || !server) break;
      summaries.push({
        index: i,
        startUs: 0,
        endUs: queue.nowUs,
        requestBytes: request.length,
        responseBytes: response.length,
        serverReceived: server.bytesReceived,
        clientReceived: client.bytesReceived,
        clientState: client.state,
        serverState: server.state,
        clientCloseReason: client.closeReason ?? 'time limit',
        serverCloseReason: server.closeReason ?? 'time limit',
        timeWaitUntilUs: client.timeWaitUntilUs ?? server.timeWaitUntilUs,
        complete: false,
      });
    }
    options.onProgress?.(1);
    let segmentsSent = 0;
    let dataSegmentsSent = 0;
    let retransmissions = 0;
    let zeroWindowProbes = 0;
    for (const ep of allEndpoints) {
      segmentsSent += ep.stats.segmentsSent;
      dataSegmentsSent += ep.stats.dataSegmentsSent;
      retransmissions += ep.stats.retransmissions;
      zeroWindowProbes += ep.stats.zeroWindowProbes;
    }
    const durationUs = Math.max(0, lastActivityUs - Math.max(0, firstActivityUs));
    const bytesDelivered = summaries.reduce((sum, s) => sum + s.serverReceived + s.clientReceived, 0);
    return {
      startTimeUs: startUs,
      connections: summaries,
      segmentsCaptured: collector.count,
      segmentsSent,
      dataSegmentsSent,
      retransmissions,
      zeroWindowProbes,
      drops: dropCounts,
      durationUs,
      goodputBps: durationUs > 0 ? (bytesDelivered * 8 * 1e6) / durationUs : 0,
      bytesDelivered,
      complete: summaries.length === connections && summaries.every((s) => s.complete),
    };
  };

  return run();
}
