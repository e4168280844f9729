import { describe, expect, it } from 'vitest';
import { resolveJourneyConfig } from '../../src/scenario/config.js';
import {
  forwardedRequest,
  headerOf,
  OrderStore,
  orderResponse,
  parseHttp,
  phoneRequest,
} from '../../src/scenario/order-service.js';

const config = resolveJourneyConfig({});
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('the order request', () => {
  it('is an HTTP/1.1 POST /orders with an Idempotency-Key and a JSON body of Content-Length bytes', () => {
    const request = parseHttp(phoneRequest(config));
    expect(request.startLine).toBe('POST /orders HTTP/1.1');
    expect(headerOf(request, 'Idempotency-Key')).toBe(config.order.idempotencyKey);
    expect(Number(headerOf(request, 'content-length'))).toBe(request.body.length);
    const body = JSON.parse(text(request.body)) as { items: unknown[]; customerId: string };
    expect(body.items).toHaveLength(config.order.items);
    expect(body.customerId).toBe(config.order.customerId);
  });
  it('needs several segments at the phone MSS', () => {
    expect(phoneRequest(config).length).toBeGreaterThan(6 * (config.phone.mtu - 52));
  });
  it('is forwarded with X-Forwarded-For after the phone headers, body unchanged', () => {
    const phone = phoneRequest(config);
    const forwarded = parseHttp(forwardedRequest(phone, '198.51.100.23'));
    expect(headerOf(forwarded, 'x-forwarded-for')).toBe('198.51.100.23');
    expect(forwarded.headers.at(-1)).toEqual(['x-forwarded-for', '198.51.100.23']);
    expect(text(forwarded.body)).toBe(text(parseHttp(phone).body));
  });
});

describe('the idempotent order store', () => {
  it('creates one order per key and replays it with 200 OK', () => {
    const store = new OrderStore(500);
    const request = parseHttp(phoneRequest(config));
    const first = store.placeOrder(request);
    const second = store.placeOrder(request);
    expect(first).toEqual({ status: 201, orderId: 'ord-500', created: true });
    expect(second).toEqual({ status: 200, orderId: 'ord-500', created: false });
    expect(store.orderCount).toBe(1);
    const other = parseHttp(phoneRequest(resolveJourneyConfig({ order: { idempotencyKey: 'another-key' } })));
    expect(store.placeOrder(other)).toEqual({ status: 201, orderId: 'ord-501', created: true });
    expect(store.orderCount).toBe(2);
  });
  it('answers 201 Created / 200 OK with the order id in the body', () => {
    const request = parseHttp(phoneRequest(config));
    const created = parseHttp(
      orderResponse({ status: 201, orderId: 'ord-7', created: true }, request, config),
    );
    expect(created.startLine).toBe('HTTP/1.1 201 Created');
    expect(headerOf(created, 'location')).toBe('/orders/ord-7');
    expect((JSON.parse(text(created.body)) as { orderId: string }).orderId).toBe('ord-7');
    const replayed = parseHttp(
      orderResponse({ status: 200, orderId: 'ord-7', created: false }, request, config),
    );
    expect(replayed.startLine).toBe('HTTP/1.1 200 OK');
    expect((JSON.parse(text(replayed.body)) as { orderId: string; replayed: boolean }).replayed).toBe(true);
  });
  it('refuses a request without an Idempotency-Key', () => {
    const store = new OrderStore(1);
    const bad = parseHttp(
      new TextEncoder().encode('POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'),
    );
    expect(() => store.placeOrder(bad)).toThrow(/Idempotency-Key/);
  });
});
