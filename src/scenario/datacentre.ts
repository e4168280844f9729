/**
 * Inside the data centre, below HAProxy: the tiers an order passes and the database row it ends in.
 *
 *   HAProxy ──backend──▶ controller (API gateway: checks `Authorization: Bearer`, adds `X-Request-Id`)
 *   controller ──composite──▶ order composite service (address `orderService`)
 *   composite ──orders──▶ order base service       ──orders-db──▶ MySQL (3306)
 *   composite ──inventory──▶ inventory base service ──inventory-db──▶ MySQL
 *
 * Every arrow is a TCP connection of its own (tcp-session.ts for HTTP/1.1 + JSON, tcp-conversation.ts
 * for the MySQL client/server protocol), captured at the caller's interface on the hop named on the
 * arrow. Each call is one short connection (no keep-alive, no connection pool): every DB connection
 * shows the greeting, the login and its OK, the queries, and COM_QUIT.
 *
 * What the composite service does with one `POST /orders`:
 *   1. `GET /orders?idempotency_key=K` on the order base service (SELECT by the idempotency key):
 *      an existing order is answered again (200, the same order id: the `--retry` lesson), nothing else runs;
 *   2. `POST /inventory/<sku>/reservations`: the inventory base service reads `stock, version`, and
 *      when stock is left sends the optimistic-lock UPDATE (`... WHERE sku = ? AND version = ?`);
 *      0 affected rows means another writer was first: it reads again (up to 3 attempts), and with no
 *      stock left answers 409, which the composite service answers as "sold out";
 *   3. `POST /orders` on the order base service: the INSERT with the idempotency key under a unique
 *      index (a duplicate gives ERR 1062, and the base service answers the existing order).
 * The order reserves one unit of its first line's SKU (the issue's SQL: `stock - 1`); the other lines
 * are not stock-checked (a simplification).
 *
 * The race lesson: a second phone's request for the same item enters at HAProxy `race.offsetMs` after
 * the first phone's (its radio, core and internet path are not drawn: a simplification). Both read the
 * same version; the second UPDATE finds it changed (0 rows) and the second phone gets 409.
 *
 * 5G mode changes nothing here: the data centre does not know which core the phone came through.
 */
import { createHash } from 'node:crypto';
import { segmentToLayers } from '../flow/packets.js';
import { TCP_SYN } from '../flow/types.js';
import { ether, raw } from '../layers/index.js';
import { tcpFlagNames } from '../layers/tcp.js';
import { encodePacket } from '../packet/index.js';
import { firstLineSku, type JourneyConfig } from './config.js';
import {
  connectionScramble,
  describeResult,
  type ExecutedStatement,
  greetingPacket,
  loginOkPacket,
  loginPacket,
  OrderDatabase,
  queryPacket,
  quitPacket,
  resultPackets,
  type SqlResult,
  type Statement,
  statementSql,
} from './database.js';
import type { ScenarioPacket } from './engine.js';
import type { JourneyHop } from './hops.js';
import { type HttpMessage, headerOf, type OrderResult, orderResponse, parseHttp } from './order-service.js';
import { runTcpConversation } from './tcp-conversation.js';
import { runTcpSession, type SessionResult, type SideOptions } from './tcp-session.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The hop ids of the data centre, in path order after the front hops. */
export const DATACENTRE_HOP_IDS = [
  'backend',
  'composite',
  'inventory',
  'orders',
  'inventory-db',
  'orders-db',
] as const;
export type DatacentreHopId = (typeof DATACENTRE_HOP_IDS)[number];

/** The hops below HAProxy other than `backend` (which hops.ts already has): label and encapsulation. */
export const DATACENTRE_HOPS: ReadonlyArray<{ id: DatacentreHopId; label: string; encapsulation: string }> = [
  {
    id: 'composite',
    label: 'Composite (controller → order composite service)',
    encapsulation: 'Ethernet / IPv4 / TCP / HTTP (a separate connection)',
  },
  {
    id: 'inventory',
    label: 'Inventory (composite → inventory base service)',
    encapsulation: 'Ethernet / IPv4 / TCP / HTTP (a separate connection)',
  },
  {
    id: 'orders',
    label: 'Orders (composite → order base service)',
    encapsulation: 'Ethernet / IPv4 / TCP / HTTP (one connection per call)',
  },
  {
    id: 'inventory-db',
    label: 'Inventory DB (inventory service → MySQL)',
    encapsulation: 'Ethernet / IPv4 / TCP 3306 / MySQL',
  },
  {
    id: 'orders-db',
    label: 'Orders DB (order service → MySQL)',
    encapsulation: 'Ethernet / IPv4 / TCP 3306 / MySQL',
  },
];

/** The data-centre hops after `backend` (kind 'backend': each a separate connection), at `positionUs`. */
export function datacentreHops(positionUs: number): JourneyHop[] {
  return DATACENTRE_HOPS.map((tier) => ({ ...tier, kind: 'backend', linkType: 1, positionUs }));
}

interface Host {
  name: string;
  ip: string;
  mac: string;
}

/** One message on a connection, for the packet comments and the summary. */
interface Message {
  length: number;
  /** One packet comment each. */
  lines: string[];
}

/** One TCP connection inside the data centre. */
export interface TierCall {
  hopId: DatacentreHopId;
  /** Which phone's request this serves: 1 (the phone; connection 1 or 2 with --retry) or 2 (the race). */
  phone: number;
  /** The phone connection (1-based) whose request this serves. */
  attempt: number;
  client: Host & { port: number };
  server: Host & { port: number };
  session: SessionResult;
  messages: { client: Message[]; server: Message[] };
  /** HTTP: the request line and the status line; MySQL: empty. */
  requestLine: string;
  statusLine: string;
  /** MySQL: the statements run on this connection. */
  statements: ExecutedStatement[];
  /** Nesting depth below HAProxy, for the summary's indentation. */
  depth: number;
}

/** One phone request handled by the data centre. */
export interface ServedRequest {
  phone: number;
  attempt: number;
  idempotencyKey: string;
  status: number;
  orderId: string | undefined;
  /** The response as the controller hands it to HAProxy. */
  response: Uint8Array;
  order: OrderResult | undefined;
  /** The HAProxy → controller connection. */
  backend: SessionResult;
  /** When HAProxy has read the whole response (absolute µs). */
  responseReadUs: number;
}

export interface DatacentreResult {
  calls: TierCall[];
  served: ServedRequest[];
  database: OrderDatabase;
}

const SERVER_SIDE: SideOptions = { mss: 1460, receiveBuffer: 131072, readerRate: Number.POSITIVE_INFINITY };
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  503: 'Service Unavailable',
};
/** Attempts of the optimistic-lock UPDATE before the inventory service gives up. */
const LOCK_ATTEMPTS = 3;

function us(ms: number): number {
  return Math.round(ms * 1000);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The request with one more header after the existing ones. */
export function withHeader(bytes: Uint8Array, name: string, value: string): Uint8Array {
  const text = decoder.decode(bytes);
  const headEnd = text.indexOf('\r\n\r\n');
  return encoder.encode(`${text.slice(0, headEnd)}\r\n${name}: ${value}${text.slice(headEnd)}`);
}

function httpRequest(
  method: string,
  target: string,
  host: string,
  headers: Array<[string, string]>,
  body?: string,
): Uint8Array {
  const bodyBytes = body === undefined ? new Uint8Array(0) : encoder.encode(body);
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${bodyBytes.length}`);
  return concat(encoder.encode(`${lines.join('\r\n')}\r\n\r\n`), bodyBytes);
}

function httpResponse(status: number, body: string, headers: Array<[string, string]> = []): Uint8Array {
  const bodyBytes = encoder.encode(body);
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Unknown'}`,
    'Content-Type: application/json',
    ...headers.map(([k, v]) => `${k}: ${v}`),
    `Content-Length: ${bodyBytes.length}`,
  ];
  return concat(encoder.encode(`${head.join('\r\n')}\r\n\r\n`), bodyBytes);
}

function statusOf(message: HttpMessage): number {
  return Number(message.startLine.split(' ')[1]);
}

function jsonOf(message: HttpMessage): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(decoder.decode(message.body));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A request id like a UUID, deterministic from the seed and the request's number. */
function requestId(seed: number, n: number): string {
  const hex = createHash('sha256').update(`pktcraft-request/${seed}/${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A side's answer once it has handled a request: the bytes and when it is ready to send them. */
interface Handled {
  response: Uint8Array;
  readyUs: number;
}

/** The tiers below HAProxy with their database; one instance per journey. */
export class Datacentre {
  readonly database: OrderDatabase;
  readonly calls: TierCall[] = [];
  readonly served: ServedRequest[] = [];
  private sessions = 0;
  private requests = 0;
  private threadId: number;
  private readonly nextPort = new Map<string, number>();

  constructor(private readonly config: JourneyConfig) {
    this.database = new OrderDatabase({
      inventory: config.database.inventory.map((row) =>
        // The race: two phones and the last item in stock.
        config.datacentre.race.enabled && row.sku === firstLineSku() ? { ...row, stock: 1 } : row,
      ),
      firstOrderId: config.order.firstOrderNumber,
    });
    this.threadId = config.database.firstThreadId;
  }

  get result(): DatacentreResult {
    return { calls: this.calls, served: this.served, database: this.database };
  }

  private get hosts(): Record<
    'haproxy' | 'controller' | 'composite' | 'inventory' | 'orders' | 'mysql',
    Host
  > {
    const c = this.config;
    const dc = c.datacentre;
    return {
      haproxy: { name: 'HAProxy', ip: c.haproxy.vmIp, mac: c.haproxy.vmMac },
      controller: { name: 'controller', ip: dc.controller.ip, mac: dc.controller.mac },
      composite: { name: 'composite', ip: c.orderService.ip, mac: c.orderService.mac },
      inventory: { name: 'inventory', ip: dc.inventory.ip, mac: dc.inventory.mac },
      orders: { name: 'orders', ip: dc.orders.ip, mac: dc.orders.mac },
      mysql: { name: 'MySQL', ip: c.database.ip, mac: c.database.mac },
    };
  }

  private port(service: string, first: number): number {
    const port = this.nextPort.get(service) ?? first;
    this.nextPort.set(service, port + 1);
    return port;
  }

  private sessionSeed(): { seed: number; connection: number } {
    const n = this.sessions++;
    return { seed: this.config.tcp.seed + 2000 + n, connection: n };
  }

  /**
   * HAProxy's request (with X-Forwarded-For) from HAProxy's `sourcePort` at `startUs`: the whole chain
   * below it runs, and the answer comes back to HAProxy.
   */
  serve(
    request: Uint8Array,
    startUs: number,
    sourcePort: number,
    phone: number,
    attempt: number,
  ): ServedRequest {
    const hosts = this.hosts;
    const parsed = parseHttp(request);
    const xff = headerOf(parsed, 'x-forwarded-for');
    const call = this.http({
      hopId: 'backend',
      phone,
      attempt,
      depth: 0,
      client: { ...hosts.haproxy, port: sourcePort },
      server: { ...hosts.controller, port: this.config.datacentre.controller.port },
      request,
      requestNotes: xff !== undefined ? [`X-Forwarded-For: ${xff}`] : [],
      startUs,
      handle: (readUs) => this.controller(parsed, request, readUs, phone, attempt),
    });
    const response = parseHttp(call.response);
    const status = statusOf(response);
    const body = jsonOf(response);
    const orderId = typeof body.orderId === 'string' ? body.orderId : undefined;
    const order: OrderResult | undefined =
      orderId !== undefined && (status === 200 || status === 201)
        ? { status, orderId, created: status === 201 }
        : undefined;
    const served: ServedRequest = {
      phone,
      attempt,
      idempotencyKey: headerOf(parsed, 'idempotency-key') ?? '',
      status,
      orderId,
      response: call.response,
      order,
      backend: call.session,
      responseReadUs: call.session.responseReadUs ?? call.session.endUs,
    };
    this.served.push(served);
    return served;
  }

  /** Runs one HTTP call on its own connection; `handle` is the server's work once it has read the request. */
  private http(options: {
    hopId: DatacentreHopId;
    phone: number;
    attempt: number;
    depth: number;
    client: Host & { port: number };
    server: Host & { port: number };
    request: Uint8Array;
    requestNotes: string[];
    startUs: number;
    handle: (readUs: number) => Handled & { notes?: string[] };
  }): { response: Uint8Array; session: SessionResult; readUs: number } {
    const parsed = parseHttp(options.request);
    const call: TierCall = {
      hopId: options.hopId,
      phone: options.phone,
      attempt: options.attempt,
      client: options.client,
      server: options.server,
      session: undefined as unknown as SessionResult,
      messages: {
        client: [{ length: options.request.length, lines: [parsed.startLine, ...options.requestNotes] }],
        server: [],
      },
      requestLine: parsed.startLine,
      statusLine: '',
      statements: [],
      depth: options.depth,
    };
    // Reserve the call's place before the calls below it, so that the list is in call order.
    this.calls.push(call);
    let response: Uint8Array = new Uint8Array(0);
    const session = runTcpSession({
      startUs: options.startUs,
      oneWayUs: us(this.config.datacentre.linkMs),
      lossPositionUs: 0,
      drops: [],
      ...this.sessionSeed(),
      congestion: this.config.tcp.congestionControl,
      client: SERVER_SIDE,
      server: SERVER_SIDE,
      request: options.request,
      onRequest: (readUs) => {
        const handled = options.handle(readUs);
        response = handled.response;
        const status = parseHttp(response).startLine;
        call.statusLine = status;
        call.messages.server.push({
          length: response.length,
          lines: [status, ...(handled.notes ?? [])],
        });
        return { kind: 'respond', response, delayUs: Math.max(0, handled.readyUs - readUs) };
      },
    });
    call.session = session;
    return { response, session, readUs: session.responseReadUs ?? session.endUs };
  }

  /** The API gateway: the bearer token, then the request with X-Request-Id to the composite service. */
  private controller(
    parsed: HttpMessage,
    request: Uint8Array,
    readUs: number,
    phone: number,
    attempt: number,
  ): Handled & { notes: string[] } {
    const dc = this.config.datacentre;
    const processing = us(dc.controller.processingMs);
    const authorization = headerOf(parsed, 'authorization') ?? '';
    const token = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    if (!dc.controller.acceptedTokens.includes(token)) {
      return {
        response: httpResponse(401, '{"error": "invalid or missing bearer token"}\n', [
          ['WWW-Authenticate', 'Bearer'],
        ]),
        readyUs: readUs + processing,
        notes: ['bearer token rejected'],
      };
    }
    const id = requestId(this.config.tcp.seed, this.requests++);
    const forwarded = withHeader(request, 'X-Request-Id', id);
    const hosts = this.hosts;
    const call = this.http({
      hopId: 'composite',
      phone,
      attempt,
      depth: 1,
      client: { ...hosts.controller, port: this.port('controller', dc.controller.sourcePort) },
      server: { ...hosts.composite, port: this.config.orderService.port },
      request: forwarded,
      requestNotes: ['bearer token accepted', `X-Request-Id: ${id} added`],
      startUs: readUs + processing,
      handle: (compositeReadUs) => this.composite(parseHttp(forwarded), compositeReadUs, phone, attempt, id),
    });
    return { response: call.response, readyUs: call.readUs + processing, notes: [] };
  }

  /** The order composite service: lookup by idempotency key, reserve stock, create the order. */
  private composite(
    request: HttpMessage,
    readUs: number,
    phone: number,
    attempt: number,
    id: string,
  ): Handled & { notes: string[] } {
    const config = this.config;
    const think = Math.round(us(config.delays.orderServiceMs) / 2);
    const key = headerOf(request, 'idempotency-key') ?? '';
    const body = jsonOf(request);
    const customerId = typeof body.customerId === 'string' ? body.customerId : '';
    const sku = firstLineSku();
    const hosts = this.hosts;
    const dc = config.datacentre;
    const common = { phone, attempt, depth: 2, requestNotes: [] as string[] };
    const toOrders = () => ({
      hopId: 'orders' as const,
      client: { ...hosts.composite, port: this.port('composite', dc.composite.sourcePort) },
      server: { ...hosts.orders, port: dc.orders.port },
    });
    const headers: Array<[string, string]> = [
      ['X-Request-Id', id],
      ['Accept', 'application/json'],
    ];
    // 1. An order for this key already?
    const lookupRequest = httpRequest(
      'GET',
      `/orders?idempotency_key=${encodeURIComponent(key)}`,
      `${hosts.orders.ip}:${dc.orders.port}`,
      headers,
    );
    const lookup = this.http({
      ...common,
      ...toOrders(),
      request: lookupRequest,
      startUs: readUs + think,
      handle: (at) => this.ordersLookup(key, at, phone, attempt),
    });
    const found = parseHttp(lookup.response);
    if (statusOf(found) === 200) {
      const orderId = String(jsonOf(found).orderId);
      return {
        response: orderResponse({ status: 200, orderId, created: false }, request, config),
        readyUs: lookup.readUs + think,
        notes: [`order ${orderId} already exists for this Idempotency-Key: no reservation, no insert`],
      };
    }
    // 2. Reserve one unit.
    const reserveRequest = httpRequest(
      'POST',
      `/inventory/${sku}/reservations`,
      `${hosts.inventory.ip}:${dc.inventory.port}`,
      headers,
      `{"quantity": 1, "idempotencyKey": "${key}"}\n`,
    );
    const reserve = this.http({
      ...common,
      hopId: 'inventory',
      client: { ...hosts.composite, port: this.port('composite', dc.composite.sourcePort) },
      server: { ...hosts.inventory, port: dc.inventory.port },
      request: reserveRequest,
      startUs: lookup.readUs + think,
      handle: (at) => this.inventoryReserve(sku, at, phone, attempt),
    });
    const reserved = parseHttp(reserve.response);
    if (statusOf(reserved) !== 200) {
      return {
        response: httpResponse(409, `{"error": "sold out", "sku": "${sku}", "idempotencyKey": "${key}"}\n`),
        readyUs: reserve.readUs + think,
        notes: [`${sku} sold out: 409`],
      };
    }
    // 3. Create the order.
    const createRequest = httpRequest(
      'POST',
      '/orders',
      `${hosts.orders.ip}:${dc.orders.port}`,
      headers,
      `{"idempotencyKey": "${key}", "customerId": "${customerId}", "sku": "${sku}", "quantity": 1}\n`,
    );
    const create = this.http({
      ...common,
      ...toOrders(),
      request: createRequest,
      startUs: reserve.readUs + think,
      handle: (at) => this.ordersCreate(key, customerId, sku, at, phone, attempt),
    });
    const created = parseHttp(create.response);
    const orderId = String(jsonOf(created).orderId);
    const fresh = statusOf(created) === 201;
    return {
      response: orderResponse({ status: fresh ? 201 : 200, orderId, created: fresh }, request, config),
      readyUs: create.readUs + think,
      notes: [`order ${orderId} ${fresh ? 'created' : 'already existed'}`],
    };
  }

  /** The order base service: `GET /orders?idempotency_key=K`. */
  private ordersLookup(key: string, readUs: number, phone: number, attempt: number): Handled {
    const processing = us(this.config.datacentre.orders.processingMs);
    const db = this.query('orders', readUs + processing, phone, attempt, [
      { kind: 'select-order', idempotencyKey: key },
    ]);
    const result = db.results[0];
    const row = result?.kind === 'rows' ? result.rows[0] : undefined;
    const response = row
      ? httpResponse(200, `{"orderId": "ord-${row[0]}", "customerId": "${row[1]}", "sku": "${row[2]}"}\n`)
      : httpResponse(404, '{"error": "no order for this idempotency key"}\n');
    return { response, readyUs: db.doneUs + processing };
  }

  /** The order base service: `POST /orders`, the INSERT (a duplicate key: the existing order). */
  private ordersCreate(
    key: string,
    customerId: string,
    sku: string,
    readUs: number,
    phone: number,
    attempt: number,
  ): Handled {
    const processing = us(this.config.datacentre.orders.processingMs);
    const db = this.query('orders', readUs + processing, phone, attempt, [
      { kind: 'insert-order', idempotencyKey: key, customerId, sku, quantity: 1 },
      (previous) =>
        previous.kind === 'err' && previous.code === 1062
          ? { kind: 'select-order', idempotencyKey: key }
          : undefined,
    ]);
    const [insert, select] = db.results;
    let response: Uint8Array;
    if (insert?.kind === 'ok') {
      response = httpResponse(201, `{"orderId": "ord-${insert.insertId}", "idempotencyKey": "${key}"}\n`, [
        ['Location', `/orders/ord-${insert.insertId}`],
      ]);
    } else if (select?.kind === 'rows' && select.rows[0]) {
      response = httpResponse(200, `{"orderId": "ord-${select.rows[0][0]}", "idempotencyKey": "${key}"}\n`);
    } else response = httpResponse(503, '{"error": "order not stored"}\n');
    return { response, readyUs: db.doneUs + processing };
  }

  /** The inventory base service: read stock and version, then the optimistic-lock UPDATE. */
  private inventoryReserve(sku: string, readUs: number, phone: number, attempt: number): Handled {
    const processing = us(this.config.datacentre.inventory.processingMs);
    let attempts = 0;
    const next = (previous: SqlResult, statement: Statement): Statement | undefined => {
      if (statement.kind === 'select-stock') {
        const row = previous.kind === 'rows' ? previous.rows[0] : undefined;
        const stock = Number(row?.[0] ?? 0);
        if (!row || stock < 1) return undefined;
        attempts++;
        return { kind: 'update-stock', sku, version: Number(row[1]) };
      }
      // An UPDATE: 1 row is the reservation, 0 rows another writer first: read again.
      if (previous.kind === 'ok' && previous.affectedRows === 0 && attempts < LOCK_ATTEMPTS)
        return { kind: 'select-stock', sku };
      return undefined;
    };
    const db = this.query(
      'inventory',
      readUs + processing,
      phone,
      attempt,
      [{ kind: 'select-stock', sku }],
      next,
    );
    const last = db.results[db.results.length - 1];
    const reservedOk = last?.kind === 'ok' && last.affectedRows === 1;
    const after = this.database.stateAt(db.doneUs).inventory.find((row) => row.sku === sku);
    const response = reservedOk
      ? httpResponse(
          200,
          `{"sku": "${sku}", "reserved": 1, "stock": ${after?.stock ?? 0}, "version": ${after?.version ?? 0}}\n`,
        )
      : httpResponse(409, `{"error": "out of stock", "sku": "${sku}"}\n`);
    return { response, readyUs: db.doneUs + processing };
  }

  /**
   * One MySQL connection of a base service: greeting, login, OK, then the statements one by one (each
   * one chosen after the previous result), COM_QUIT. `script` lists fixed statements or functions of
   * the previous result; `follow` (when given) chooses every statement after the script.
   */
  private query(
    service: 'inventory' | 'orders',
    startUs: number,
    phone: number,
    attempt: number,
    script: ReadonlyArray<Statement | ((previous: SqlResult) => Statement | undefined)>,
    follow?: (previous: SqlResult, statement: Statement) => Statement | undefined,
  ): { results: SqlResult[]; doneUs: number } {
    const config = this.config;
    const db = config.database;
    const hosts = this.hosts;
    const threadId = this.threadId++;
    const scramble = connectionScramble(config.tcp.seed, threadId);
    const account = db.users[service];
    const results: SqlResult[] = [];
    const queryUs = us(db.queryMs);
    const thinkUs = 50;
    const serviceConfig = config.datacentre[service];
    const greeting = greetingPacket(db.serverVersion, threadId, scramble);
    const login = loginPacket(account.user, account.password, db.schema, scramble);
    const call: TierCall = {
      hopId: service === 'inventory' ? 'inventory-db' : 'orders-db',
      phone,
      attempt,
      client: { ...hosts[service], port: this.port(`${service}-db`, serviceConfig.sourcePort) },
      server: { ...hosts.mysql, port: db.port },
      session: undefined as unknown as SessionResult,
      messages: {
        client: [{ length: login.length, lines: [`MySQL login as ${account.user} (schema ${db.schema})`] }],
        server: [
          {
            length: greeting.length,
            lines: [`MySQL server greeting (${db.serverVersion}, connection id ${threadId})`],
          },
        ],
      },
      requestLine: '',
      statusLine: '',
      statements: [],
      depth: 3,
    };
    this.calls.push(call);
    const pending: Statement[] = [];
    let step = 0;
    let current: Statement | undefined;
    const chooseNext = (): Statement | undefined => {
      const previous = results[results.length - 1];
      const item = script[step];
      if (item !== undefined) {
        step++;
        if (typeof item !== 'function') return item;
        return previous === undefined ? undefined : item(previous);
      }
      if (follow && previous && current) return follow(previous, current);
      return undefined;
    };
    const session = runTcpConversation({
      startUs,
      oneWayUs: us(config.datacentre.linkMs),
      ...this.sessionSeed(),
      congestion: config.tcp.congestionControl,
      client: SERVER_SIDE,
      server: SERVER_SIDE,
      greeting,
      onServerMessage: (index) => {
        if (index === 0) return { kind: 'write', bytes: login, delayUs: thinkUs };
        const statement = chooseNext();
        current = statement;
        if (statement === undefined) {
          const quit = quitPacket();
          call.messages.client.push({ length: quit.length, lines: ['COM_QUIT'] });
          return { kind: 'write', bytes: quit, delayUs: thinkUs, thenClose: true };
        }
        pending.push(statement);
        const bytes = queryPacket(statementSql(statement));
        call.messages.client.push({ length: bytes.length, lines: [`COM_QUERY: ${statementSql(statement)}`] });
        return { kind: 'write', bytes, delayUs: thinkUs };
      },
      onClientMessage: (index, at) => {
        if (index === 0) {
          const ok = loginOkPacket();
          call.messages.server.push({ length: ok.length, lines: ['OK (logged in)'] });
          return { kind: 'write', bytes: ok, delayUs: queryUs };
        }
        const statement = pending.shift();
        if (statement === undefined) return { kind: 'close', delayUs: 0 }; // COM_QUIT
        const result = this.database.execute(statement, at, service);
        call.statements.push(this.database.log[this.database.log.length - 1]!);
        results.push(result);
        const bytes = resultPackets(result, db.schema);
        call.messages.server.push({ length: bytes.length, lines: [describeResult(result)] });
        return { kind: 'write', bytes, delayUs: queryUs };
      },
    });
    call.session = session;
    return { results, doneUs: session.responseReadUs ?? session.endUs };
  }
}

/* ------------------------------------------------------------------ capture */

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The packets of every data-centre connection, each on its hop (found by id), captured at the
 * caller's interface: the caller's segments when sent, the callee's when they arrive.
 */
export function renderDatacentre(
  config: JourneyConfig,
  hops: readonly JourneyHop[],
  result: DatacentreResult,
): ScenarioPacket[] {
  const packets: ScenarioPacket[] = [];
  const oneWayUs = us(config.datacentre.linkMs);
  const ipIds = new Map<string, number>();
  const nextId = (ip: string): number => {
    const start = ipIds.get(ip) ?? createHash('sha256').update(ip).digest().readUInt16BE(0) & 0xffff;
    ipIds.set(ip, (start + 1) & 0xffff);
    return start;
  };
  for (const call of result.calls) {
    const hopIndex = hops.findIndex((hop) => hop.id === call.hopId);
    if (hopIndex < 0) continue;
    const iss = new Map<string, number>();
    const starts = {
      client: messageStarts(call.messages.client),
      server: messageStarts(call.messages.server),
    };
    const title =
      call.hopId === 'backend'
        ? `Backend ${call.client.name} -> ${call.server.name}`
        : `${capitalised(call.hopId)} ${call.client.name} -> ${call.server.name}`;
    const who = call.phone === 1 ? `phone connection ${call.attempt}` : 'second phone (race)';
    for (const transmission of call.session.transmissions) {
      const segment = transmission.segment;
      const fromClient = segment.from === 'client';
      if (segment.flags & TCP_SYN) iss.set(segment.from, segment.seq);
      const relative = (segment.seq - (iss.get(segment.from) ?? segment.seq - 1)) >>> 0;
      const layers = segmentToLayers(segment, {
        ipVersion: 4,
        clientIp: call.client.ip,
        serverIp: call.server.ip,
        clientPort: call.client.port,
        serverPort: call.server.port,
        ttl: 64,
        ipId: nextId(fromClient ? call.client.ip : call.server.ip),
      });
      const link = fromClient
        ? { src: call.client.mac, dst: call.server.mac, type: 0x0800 }
        : { src: call.server.mac, dst: call.client.mac, type: 0x0800 };
      const data = encodePacket([ether(link), raw({ data: encodePacket(layers) })]);
      const length = segment.payload.length;
      const what =
        length > 0
          ? `${tcpFlagNames(segment.flags)}, bytes ${relative}-${relative + length - 1} (${length} bytes)`
          : `${tcpFlagNames(segment.flags)}${segment.flags & TCP_SYN ? '' : `, seq ${relative}`}`;
      const comments = [`${title}: ${who}, ${what}`];
      if (length > 0) {
        const side = fromClient ? starts.client : starts.server;
        for (const { start, lines } of side)
          if (start >= relative && start < relative + length) comments.push(...lines);
      }
      packets.push({
        hop: hopIndex,
        timeUs: segment.timeUs + (fromClient ? 0 : oneWayUs),
        data,
        comments,
        direction: fromClient ? 'up' : 'down',
      });
    }
  }
  return packets;
}

/** Relative sequence number (1 = the first data octet) where each message starts. */
function messageStarts(messages: readonly Message[]): Array<{ start: number; lines: string[] }> {
  let offset = 1;
  return messages.map((message) => {
    const start = offset;
    offset += message.length;
    return { start, lines: message.lines };
  });
}

/* ------------------------------------------------------------------ summary */

/** The data centre on screen: per tier a line, the SQL with its results, the final rows. */
export function formatDatacentre(result: DatacentreResult): string {
  const lines: string[] = ['data centre (below HAProxy):'];
  let lastRequest = '';
  for (const call of result.calls) {
    const request = `${call.phone}/${call.attempt}`;
    if (request !== lastRequest) {
      lastRequest = request;
      lines.push(
        call.phone === 1
          ? `  phone connection ${call.attempt}:`
          : '  second phone (race, enters at HAProxy):',
      );
    }
    const indent = `    ${'  '.repeat(call.depth)}`;
    const arrow = `${call.client.name} -> ${call.server.name}`;
    if (call.requestLine) {
      lines.push(
        `${indent}${arrow.padEnd(24)} ${call.requestLine.replace(/ HTTP\/1\.1$/, '')}  ->  ${call.statusLine.replace(/^HTTP\/1\.1 /, '')}`,
      );
    } else {
      lines.push(
        `${indent}${arrow.padEnd(24)} MySQL (${call.statements.length} statement${call.statements.length === 1 ? '' : 's'})`,
      );
      for (const statement of call.statements)
        lines.push(`${indent}  ${statement.sql}  ->  ${describeResult(statement.result)}`);
    }
  }
  const state = result.database.stateAt();
  lines.push('database rows after the journey:');
  for (const row of state.inventory)
    lines.push(`  inventory: sku=${row.sku} stock=${row.stock} version=${row.version}`);
  if (state.orders.length === 0) lines.push('  orders: (none)');
  for (const row of state.orders) {
    lines.push(
      `  orders: id=${row.id} idempotency_key=${row.idempotencyKey} customer_id=${row.customerId} sku=${row.sku} quantity=${row.quantity}`,
    );
  }
  return lines.join('\n');
}
