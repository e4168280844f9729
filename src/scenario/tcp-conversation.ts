/**
 * A TCP connection that carries a conversation of several messages in both directions, on the same
 * flow-model endpoints as runTcpSession (tcp-session.ts): the MySQL client/server protocol, where the
 * server speaks first (its greeting) and then answers each client message in turn.
 *
 *   1. the server writes `greeting` once the connection is established;
 *   2. whenever one side has read a whole message of the other, its callback decides what it writes
 *      next (after a think time), or that it closes;
 *   3. the conversation ends when the client closes (a FIN after its last message, COM_QUIT for MySQL)
 *      and the server closes in turn.
 *
 * The datacentre links have no losses: every segment arrives after `oneWayUs`.
 */
import { Endpoint, type EndpointConfig, type EndpointHost } from '../flow/endpoint.js';
import { EventQueue } from '../flow/event-queue.js';
import { SeededRandom } from '../flow/random.js';
import type { CapturedSegment, Side } from '../flow/types.js';
import {
  journeyEndpointConfig,
  type SessionResult,
  type SideOptions,
  type Transmission,
} from './tcp-session.js';

/** What a side writes next once it has read the other side's message. */
export type ConversationStep =
  | {
      kind: 'write';
      bytes: Uint8Array;
      delayUs: number /** close right after this message */;
      thenClose?: boolean;
    }
  | { kind: 'close'; delayUs: number };

export interface ConversationOptions {
  startUs: number;
  oneWayUs: number;
  seed: number;
  congestion: 'cubic' | 'newreno';
  connection: number;
  client: SideOptions;
  server: SideOptions;
  /** The server's first message, written once the connection is established. */
  greeting: Uint8Array;
  /** The client has read server message `index` (0: the greeting) at absolute µs `readUs`. */
  onServerMessage: (index: number, readUs: number) => ConversationStep;
  /** The server has read client message `index` (0-based) at absolute µs `readUs`. */
  onClientMessage: (index: number, readUs: number) => ConversationStep;
}

/**
 * Runs the conversation; the result has the shape of runTcpSession's (`requestReadUs`: when the server
 * read the client's first message; `responseReadUs`: when the client read the server's last one).
 */
export function runTcpConversation(options: ConversationOptions): SessionResult {
  const queue = new EventQueue();
  const random = new SeededRandom(options.seed, 100 + options.connection);
  const transmissions: Transmission[] = [];
  const endpoints: Partial<Record<Side, Endpoint>> = {};
  let endUs = options.startUs;
  let requestReadUs: number | undefined;
  let responseReadUs: number | undefined;
  let responseBytes = 0;
  const abs = (relative: number): number => options.startUs + relative;

  const configFor = (side: Side): EndpointConfig =>
    journeyEndpointConfig(side, options.connection, side === 'client' ? options.client : options.server, {
      congestion: options.congestion,
      random,
      tracing: false,
    });
  const hostFor = (side: Side): EndpointHost => ({
    now: () => queue.nowUs,
    schedule: (at, action) => queue.schedule(at, action),
    trace: () => {},
    transmit: (segment) => {
      const sendUs = abs(queue.nowUs);
      endUs = Math.max(endUs, sendUs);
      const stamped: CapturedSegment = { ...segment, timeUs: sendUs };
      transmissions.push({ segment: stamped, lostAtUs: undefined });
      const peer: Side = side === 'client' ? 'server' : 'client';
      queue.schedule(queue.nowUs + options.oneWayUs, () => endpoints[peer]!.receive(segment));
    },
  });

  /** Message boundaries (cumulative byte counts) each side has written, and how many the peer has read. */
  const written: Record<Side, number[]> = { client: [], server: [] };
  const totals: Record<Side, number> = { client: 0, server: 0 };
  const consumed: Record<Side, number> = { client: 0, server: 0 };

  const perform = (side: Side, step: ConversationStep): void => {
    const endpoint = endpoints[side]!;
    queue.schedule(queue.nowUs + step.delayUs, () => {
      if (endpoint.isClosed) return;
      if (step.kind === 'close') {
        endpoint.close();
        return;
      }
      totals[side] += step.bytes.length;
      written[side].push(totals[side]);
      if (side === 'server') responseBytes += step.bytes.length;
      endpoint.write(step.bytes);
      if (step.thenClose) endpoint.close();
    });
  };

  /** `reader` has read `total` bytes of the peer's stream: hand over each message now complete. */
  const onRead = (reader: Side, total: number): void => {
    const writer: Side = reader === 'client' ? 'server' : 'client';
    const boundaries = written[writer];
    while (consumed[writer] < boundaries.length && total >= boundaries[consumed[writer]]!) {
      const index = consumed[writer]++;
      const readUs = abs(queue.nowUs);
      if (reader === 'server') {
        if (index === 0) requestReadUs = readUs;
        perform('server', options.onClientMessage(index, readUs));
      } else {
        responseReadUs = readUs;
        perform('client', options.onServerMessage(index, readUs));
      }
    }
  };

  const client = new Endpoint(configFor('client'), hostFor('client'), {
    onEstablished: () => {},
    onRead: (total) => onRead('client', total),
    onPeerClosed: () => client.close(),
    onClosed: () => {},
  });
  endpoints.client = client;
  const server = new Endpoint(configFor('server'), hostFor('server'), {
    onEstablished: () => perform('server', { kind: 'write', bytes: options.greeting, delayUs: 0 }),
    onRead: (total) => onRead('server', total),
    onPeerClosed: () => server.close(),
    onClosed: () => {},
  });
  endpoints.server = server;

  server.listen();
  client.connect();
  let steps = 0;
  while (queue.runNext(600_000_000)) {
    if (++steps > 1_000_000) break;
  }
  return {
    transmissions,
    requestReadUs,
    responseReadUs,
    endUs,
    clientAborted: false,
    serverReset: false,
    responseBytes,
    trace: [],
  };
}
