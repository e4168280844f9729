/**
 * The order: the phone's HTTP/1.1 `POST /orders` (a JSON body of line items, large enough for several
 * TCP segments, with an `Idempotency-Key`), HAProxy's forwarded copy (with `X-Forwarded-For`), and the
 * order service: a small idempotent store that creates an order for a new key (`201 Created`) and
 * answers a repeated key with the same order (`200 OK`), never creating a second one.
 *
 * Everything here is deterministic text; bytes are UTF-8 (ASCII in practice).
 */
import { FieldError } from '../core/errors.js';
import type { JourneyConfig } from './config.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const PRODUCTS = [
  'espresso beans 1 kg',
  'oat milk 6-pack',
  'ceramic pour-over dripper',
  'paper filters (100)',
  'hand grinder, steel burrs',
  'travel mug 350 ml',
  'descaling tablets',
];

/** The JSON body of the order: `items` line items with deterministic SKUs, quantities and prices. */
export function orderBody(config: JourneyConfig): string {
  const { customerId, items } = config.order;
  const lines: string[] = [];
  for (let i = 1; i <= items; i++) {
    const sku = `SKU-${(10000 + i * 37).toString().padStart(6, '0')}`;
    const quantity = 1 + (i % 4);
    const cents = 199 + ((i * 7919) % 9000);
    lines.push(
      `    {"line": ${i}, "sku": "${sku}", "name": "${PRODUCTS[i % PRODUCTS.length]}", "quantity": ${quantity}, ` +
        `"unitPrice": "${(cents / 100).toFixed(2)}", "giftWrap": ${i % 5 === 0}}`,
    );
  }
  return `{\n  "customerId": "${customerId}",\n  "currency": "EUR",\n  "deliveryAddressId": "addr-7",\n  "items": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

/** The phone's request, exactly as it leaves the phone. */
export function phoneRequest(config: JourneyConfig): Uint8Array {
  const body = encoder.encode(orderBody(config));
  const head =
    'POST /orders HTTP/1.1\r\n' +
    `Host: ${config.order.host}\r\n` +
    'User-Agent: ShopApp/4.2 (Android 14)\r\n' +
    'Accept: application/json\r\n' +
    'Content-Type: application/json\r\n' +
    `Idempotency-Key: ${config.order.idempotencyKey}\r\n` +
    // --- j-dc: the phone's API token, checked by the controller ---
    `Authorization: Bearer ${config.datacentre.bearerToken}\r\n` +
    // --- end j-dc ---
    `Content-Length: ${body.length}\r\n` +
    '\r\n';
  return concat(encoder.encode(head), body);
}

export interface HttpMessage {
  /** "POST /orders HTTP/1.1" or "HTTP/1.1 201 Created". */
  startLine: string;
  /** Header names lower-cased, in order. */
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** Parses one complete HTTP/1.1 message (head + Content-Length body). */
export function parseHttp(bytes: Uint8Array): HttpMessage {
  const text = decoder.decode(bytes);
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new FieldError('http', 'message', 'no end of headers (CRLF CRLF)');
  const [startLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const headers: Array<[string, string]> = headerLines.map((line) => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FieldError('http', 'header', `malformed header line ${JSON.stringify(line)}`);
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const headBytes = encoder.encode(text.slice(0, headEnd + 4)).length;
  return { startLine, headers, body: bytes.subarray(headBytes) };
}

export function headerOf(message: HttpMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  return message.headers.find(([key]) => key === lower)?.[1];
}

/**
 * HAProxy's copy of the request for the order service: the same request line, headers and body, with
 * `X-Forwarded-For: <client address>` (option forwardfor) added after the phone's headers.
 */
export function forwardedRequest(phoneBytes: Uint8Array, clientAddress: string): Uint8Array {
  const text = decoder.decode(phoneBytes);
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new FieldError('http', 'message', 'no end of headers (CRLF CRLF)');
  return encoder.encode(
    `${text.slice(0, headEnd)}\r\nX-Forwarded-For: ${clientAddress}${text.slice(headEnd)}`,
  );
}

export interface OrderResult {
  status: 200 | 201;
  orderId: string;
  /** True when this call created the order. */
  created: boolean;
}

/** The order service's store: one order per Idempotency-Key. */
export class OrderStore {
  private readonly byKey = new Map<string, string>();
  private nextNumber: number;

  constructor(firstOrderNumber: number) {
    this.nextNumber = firstOrderNumber;
  }

  /** Orders created so far. */
  get orderCount(): number {
    return this.byKey.size;
  }

  /** Handles a `POST /orders`: 201 with a new order id, or 200 with the existing one for a known key. */
  placeOrder(request: HttpMessage): OrderResult {
    if (!request.startLine.startsWith('POST /orders ')) {
      throw new FieldError(
        'order-service',
        'request',
        `expected POST /orders, got ${JSON.stringify(request.startLine)}`,
      );
    }
    const key = headerOf(request, 'idempotency-key');
    if (key === undefined) throw new FieldError('order-service', 'request', 'missing Idempotency-Key header');
    const existing = this.byKey.get(key);
    if (existing !== undefined) return { status: 200, orderId: existing, created: false };
    const orderId = `ord-${this.nextNumber++}`;
    this.byKey.set(key, orderId);
    return { status: 201, orderId, created: true };
  }
}

/** The order service's response (also what HAProxy relays to the phone, byte for byte). */
export function orderResponse(result: OrderResult, request: HttpMessage, config: JourneyConfig): Uint8Array {
  const key = headerOf(request, 'idempotency-key') ?? '';
  const lines: string[] = [];
  for (let i = 1; i <= config.order.items; i++) {
    lines.push(
      `    {"line": ${i}, "status": "reserved", "warehouse": "wh-${1 + (i % 3)}", "eta": "2023-11-16"}`,
    );
  }
  const body = encoder.encode(
    `{\n  "orderId": "${result.orderId}",\n  "status": "accepted",\n  "customerId": "${config.order.customerId}",\n` +
      `  "idempotencyKey": "${key}",\n  "replayed": ${!result.created},\n  "lines": [\n${lines.join(',\n')}\n  ]\n}\n`,
  );
  const reason = result.status === 201 ? 'Created' : 'OK';
  const head =
    `HTTP/1.1 ${result.status} ${reason}\r\n` +
    'Content-Type: application/json\r\n' +
    (result.status === 201 ? `Location: /orders/${result.orderId}\r\n` : '') +
    `Idempotency-Key: ${key}\r\n` +
    (result.created ? '' : 'Idempotent-Replayed: true\r\n') +
    `Content-Length: ${body.length}\r\n` +
    '\r\n';
  return concat(encoder.encode(head), body);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
