/**
 * One TCP connection of the journey, run on the flow model's endpoints (src/flow/endpoint.ts: the same
 * state machines, congestion control, SACK recovery, RTO, delayed ACKs and receive windows that
 * `synthesizeFlow` uses), with the journey's application logic on top, which `synthesizeFlow` does not
 * offer:
 *   - the server answers only when its backend has answered (a response delay decided when the whole
 *     request has been read, by running the backend connection),
 *   - or the server resets the connection after reading the request (the `--retry` break),
 *   - the client gives up (RST) when the response has not arrived within a timeout.
 *
 * The path has no bandwidth limit and no jitter, so a segment sent at t is at distance p (µs of
 * one-way delay from the client) at t + p going up and at t + (oneWay − p) going down: every hop's view
 * follows from the send times. Losses happen at one point of the path (`lossPositionUs` from the
 * client), chosen by a drop script in the flow's syntax (the client's 3rd data transmission, ...).
 */
import { type DropEntry, DropScript } from '../flow/drop-list.js';
import { Endpoint, type EndpointConfig, type EndpointHost } from '../flow/endpoint.js';
import { EventQueue } from '../flow/event-queue.js';
import { SeededRandom } from '../flow/random.js';
import type { TraceEvent } from '../flow/trace.js';
import type { CapturedSegment, Side } from '../flow/types.js';

export interface Transmission {
  /** The segment, its `timeUs` the absolute send time in µs. */
  segment: CapturedSegment;
  /** Distance from the client (µs of one-way delay) where it was lost; undefined when it arrived. */
  lostAtUs: number | undefined;
}

export type ServerAction =
  | { kind: 'respond'; response: Uint8Array; delayUs: number }
  | { kind: 'reset'; delayUs: number }
  | { kind: 'respond-then-lose'; response: Uint8Array; delayUs: number };

export interface SideOptions {
  /** MSS announced in the SYN. */
  mss: number;
  /** Receive buffer (the most it will advertise), bytes. */
  receiveBuffer: number;
  /** Application read rate, bytes/s; Infinity reads at once. */
  readerRate: number;
}

export interface SessionOptions {
  /** Absolute µs of the client's SYN. */
  startUs: number;
  oneWayUs: number;
  lossPositionUs: number;
  drops: DropEntry[];
  seed: number;
  congestion: 'cubic' | 'newreno';
  /** Connection number written into the segments (0-based). */
  connection: number;
  client: SideOptions;
  server: SideOptions;
  request: Uint8Array;
  /**
   * A handshake before the request (TLS): the client writes `client` first, the server answers
   * `server` once it has read it, and the client writes the request once it has read that.
   */
  handshake?: { client: Uint8Array; server: Uint8Array } | undefined;
  /** Called once at the absolute µs when the server has read the whole request. */
  onRequest: (readUs: number) => ServerAction;
  /** The client aborts (RST) if the response is not completely read this long after its SYN. */
  clientTimeoutUs?: number;
}

export interface SessionResult {
  transmissions: Transmission[];
  /** Absolute µs: the server read the whole request; the client read the whole response; the last segment was sent. */
  requestReadUs: number | undefined;
  responseReadUs: number | undefined;
  endUs: number;
  clientAborted: boolean;
  serverReset: boolean;
  responseBytes: number;
  /** The endpoints' trace (cwnd, ssthresh, windows, bytes in flight), µs since `startUs` as in the flow module. */
  trace: TraceEvent[];
}

const WINDOW_SCALE = 7;

/**
 * The endpoint of a journey connection: Linux's defaults (SACK, timestamps, window scale 7, RTO 200 ms
 * to 120 s, delayed ACKs of 40 ms) with its ISN and timestamp offset drawn from `random`, in that order.
 * The journey keeps the duplicate-ACK / RFC 6675 sender without RACK-TLP, PRR and F-RTO: its lessons
 * are written for it (the radio tail loss "resent by the phone's retransmission timer", which a tail
 * loss probe would resend instead) and captures/ stay byte-identical.
 */
export function journeyEndpointConfig(
  side: Side,
  connection: number,
  own: SideOptions,
  how: { congestion: EndpointConfig['congestion']; random: SeededRandom; tracing: boolean },
): EndpointConfig {
  return {
    side,
    connection,
    iss: how.random.nextU32(),
    mss: own.mss,
    wscale: WINDOW_SCALE,
    sack: true,
    timestamps: true,
    tsOffset: how.random.nextU32(),
    receiveBuffer: own.receiveBuffer,
    readerRate: own.readerRate,
    readTickUs: 10_000,
    congestion: how.congestion,
    initialRtoUs: 1_000_000,
    minRtoUs: 200_000,
    maxRtoUs: 120_000_000,
    delayedAckUs: 40_000,
    quickAcks: 16,
    synRetries: 6,
    dataRetries: 15,
    timeWaitUs: 60_000_000,
    tracing: how.tracing,
    rack: false,
    prr: false,
    frto: false,
  };
}

export function runTcpSession(options: SessionOptions): SessionResult {
  const queue = new EventQueue();
  const random = new SeededRandom(options.seed, 100 + options.connection);
  const dropScript = new DropScript(options.drops);
  const transmissions: Transmission[] = [];
  const trace: TraceEvent[] = [];
  const endpoints: Partial<Record<Side, Endpoint>> = {};
  let requestReadUs: number | undefined;
  let responseReadUs: number | undefined;
  let response: Uint8Array | undefined;
  let clientAborted = false;
  let serverReset = false;
  let loseResponse = false;
  let endUs = options.startUs;
  const abs = (relative: number): number => options.startUs + relative;

  const configFor = (side: Side): EndpointConfig =>
    journeyEndpointConfig(side, options.connection, side === 'client' ? options.client : options.server, {
      congestion: options.congestion,
      random,
      tracing: true,
    });

  const hostFor = (side: Side): EndpointHost => ({
    now: () => queue.nowUs,
    schedule: (at, action) => queue.schedule(at, action),
    trace: (event) => trace.push(event),
    transmit: (segment) => {
      const sendUs = abs(queue.nowUs);
      endUs = Math.max(endUs, sendUs);
      const stamped: CapturedSegment = { ...segment, timeUs: sendUs };
      let lost = dropScript.shouldDrop(segment);
      // The retry break by timeout: every response transmission is lost on the radio downlink.
      if (side === 'server' && loseResponse && segment.payload.length > 0) lost = true;
      transmissions.push({ segment: stamped, lostAtUs: lost ? options.lossPositionUs : undefined });
      if (!lost) {
        const peer: Side = side === 'client' ? 'server' : 'client';
        queue.schedule(queue.nowUs + options.oneWayUs, () => endpoints[peer]!.receive(segment));
      }
    },
  });

  const handshake = options.handshake;
  const clientFirst = handshake?.client.length ?? 0;
  const serverFirst = handshake?.server.length ?? 0;
  let requestWritten = false;
  const client = new Endpoint(configFor('client'), hostFor('client'), {
    onEstablished: () => {
      if (!handshake) {
        requestWritten = true;
        client.write(options.request);
      } else client.write(handshake.client);
    },
    onRead: (total) => {
      if (handshake && !requestWritten && total >= serverFirst) {
        requestWritten = true;
        client.write(options.request);
      }
      if (response && total === serverFirst + response.length && responseReadUs === undefined) {
        responseReadUs = abs(queue.nowUs);
        client.close();
      }
    },
    onPeerClosed: () => client.close(),
    onClosed: () => {},
  });
  endpoints.client = client;
  let serverGreeted = false;
  const server = new Endpoint(configFor('server'), hostFor('server'), {
    onEstablished: () => {},
    onRead: (total) => {
      if (handshake && total === clientFirst && !serverGreeted) {
        serverGreeted = true;
        server.write(handshake.server);
        return;
      }
      if (total !== clientFirst + options.request.length || requestReadUs !== undefined) return;
      requestReadUs = abs(queue.nowUs);
      const action = options.onRequest(requestReadUs);
      queue.schedule(queue.nowUs + action.delayUs, () => {
        if (action.kind === 'reset') {
          serverReset = true;
          server.abort();
          return;
        }
        response = action.response;
        loseResponse = action.kind === 'respond-then-lose';
        server.write(action.response);
      });
    },
    onPeerClosed: () => server.close(),
    onClosed: () => {},
  });
  endpoints.server = server;

  if (options.clientTimeoutUs !== undefined) {
    queue.schedule(options.clientTimeoutUs, () => {
      if (responseReadUs === undefined && !client.isClosed) {
        clientAborted = true;
        client.abort();
      }
    });
  }

  server.listen();
  client.connect();
  const limitUs = 600_000_000;
  let steps = 0;
  while (queue.runNext(limitUs)) {
    if (++steps > 5_000_000) break;
  }
  return {
    transmissions,
    requestReadUs,
    responseReadUs,
    endUs,
    clientAborted,
    serverReset,
    responseBytes: response?.length ?? 0,
    trace,
  };
}
