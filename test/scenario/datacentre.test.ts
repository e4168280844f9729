/**
 * The data centre below HAProxy: the database rows after each lesson are what the rules demand, one
 * order and one stock decrement per idempotency key (expected rows derived here from the config, not
 * from the model), and the captured MySQL packets (decoded from the per-hop bytes) say the same.
 */
import { describe, expect, it } from 'vitest';
import { applyJourneyFlags } from '../../src/cli/journey.js';
import { decodePacket } from '../../src/packet/decode.js';
import {
  buildJourney,
  formatDatacentre,
  type JourneyConfig,
  type JourneyResult,
  resolveJourneyConfig,
} from '../../src/scenario/index.js';

interface MysqlSeen {
  query?: string;
  msg?: string;
  affected_rows?: number;
  insert_id?: number;
}

/** The MySQL messages on a hop, decoded from the captured frames (in capture order). */
function mysqlOn(result: JourneyResult, hopId: string): MysqlSeen[] {
  const index = result.hops.findIndex((hop) => hop.id === hopId);
  return result.scenario.packets
    .filter((packet) => packet.hop === index)
    .sort((a, b) => a.timeUs - b.timeUs)
    .flatMap((packet) =>
      decodePacket(packet.data)
        .layers.filter((layer) => layer.layer === 'mysql')
        .map((layer) => layer.fields as MysqlSeen),
    );
}

/** The SKU of the order's first line (SKU-(10000 + 37), six digits) and its configured row. */
function reservedRow(config: JourneyConfig) {
  const row = config.database.inventory.find((r) => r.sku === 'SKU-010037');
  if (!row) throw new Error('no row for SKU-010037');
  return row;
}

function expectOneOrderPerKey(result: JourneyResult, keys: string[], stockBefore: number) {
  const config = result.config;
  const state = result.datacentre.database.stateAt();
  // One row per key, ids from the AUTO_INCREMENT start, in order.
  expect(state.orders.map((row) => [row.id, row.idempotencyKey])).toEqual(
    keys.map((key, i) => [config.order.firstOrderNumber + i, key]),
  );
  const before = reservedRow(config);
  const after = state.inventory.find((row) => row.sku === before.sku);
  expect(after).toEqual({
    sku: before.sku,
    stock: stockBefore - keys.length,
    version: before.version + keys.length,
  });
  // Every other row unchanged.
  for (const row of config.database.inventory.filter((r) => r.sku !== before.sku)) {
    expect(state.inventory).toContainEqual(row);
  }
  // The capture: exactly one INSERT and one successful UPDATE per key.
  const orders = mysqlOn(result, 'orders-db');
  expect(orders.filter((m) => m.query?.startsWith('INSERT'))).toHaveLength(keys.length);
  const inventory = mysqlOn(result, 'inventory-db');
  const updated = inventory.filter(
    (m, i) => m.query?.startsWith('UPDATE') && inventory[i + 1]?.affected_rows === 1,
  );
  expect(updated).toHaveLength(keys.length);
}

describe('the data centre', () => {
  it('default: one order, one decrement, the phone gets 201 with the first order id', () => {
    const result = buildJourney(resolveJourneyConfig({}));
    const config = result.config;
    expectOneOrderPerKey(result, [config.order.idempotencyKey], reservedRow(config).stock);
    expect(result.connections[0]!.order).toEqual({
      status: 201,
      orderId: `ord-${config.order.firstOrderNumber}`,
      created: true,
    });
    expect(result.datacentre.served.map((s) => s.status)).toEqual([201]);
    // Every tier once, in call order: the lookup before the reservation before the insert.
    expect(result.datacentre.calls.map((call) => call.hopId)).toEqual([
      'backend',
      'composite',
      'orders',
      'orders-db',
      'inventory',
      'inventory-db',
      'orders',
      'orders-db',
    ]);
  });

  it.each(['rst', 'timeout'] as const)(
    '--retry (%s): still one order and one decrement, the same id twice',
    (kind) => {
      const result = buildJourney(resolveJourneyConfig({ retry: { enabled: true, break: kind } }));
      const config = result.config;
      expectOneOrderPerKey(result, [config.order.idempotencyKey], reservedRow(config).stock);
      const ids = result.datacentre.served.map((s) => [s.status, s.orderId]);
      const id = `ord-${config.order.firstOrderNumber}`;
      expect(ids).toEqual([
        [201, id],
        [200, id],
      ]);
      // The second request stops at the lookup: no reservation, no insert.
      const second = result.datacentre.calls.filter((call) => call.attempt === 2).map((call) => call.hopId);
      expect(second).toEqual(['backend', 'composite', 'orders', 'orders-db']);
    },
  );

  it('race: the last item, both phones read the same version, one order, the second phone 409', () => {
    const result = buildJourney(resolveJourneyConfig({ datacentre: { race: { enabled: true } } }));
    const config = result.config;
    // The lesson puts the last item in stock: stock 1.
    expectOneOrderPerKey(result, [config.order.idempotencyKey], 1);
    expect(result.datacentre.served.map((s) => [s.phone, s.status])).toEqual([
      [1, 201],
      [2, 409],
    ]);
    const version = reservedRow(config).version;
    const updates = result.datacentre.database.log.filter((entry) => entry.statement.kind === 'update-stock');
    expect(updates.map((entry) => [entry.sql.endsWith(`AND version = ${version}`), entry.result])).toEqual([
      [true, expect.objectContaining({ affectedRows: 1 })],
      [true, expect.objectContaining({ affectedRows: 0 })],
    ]);
    // Both reads happened before the winner's UPDATE: the same version for both.
    const reads = result.datacentre.database.log.filter((entry) => entry.statement.kind === 'select-stock');
    expect(reads[0]!.atUs).toBeLessThan(updates[0]!.atUs);
    expect(reads[1]!.atUs).toBeLessThan(updates[0]!.atUs);
    const response = new TextDecoder().decode(result.datacentre.served[1]!.response);
    expect(response).toMatch(/^HTTP\/1\.1 409 Conflict\r\n/);
    expect(response).toContain('"error": "sold out"');
    expect(result.ordersCreated).toBe(1);
  });

  it('--lesson race sets the race, and the summary shows each tier, the SQL with affected rows and the rows', () => {
    const config = applyJourneyFlags(resolveJourneyConfig({}), { lessons: ['race'] });
    expect(config.datacentre.race.enabled).toBe(true);
    const text = formatDatacentre(buildJourney(config).datacentre);
    expect(text).toContain('second phone (race, enters at HAProxy):');
    expect(text).toMatch(/HAProxy -> controller +POST \/orders {2}-> {2}201 Created/);
    expect(text).toMatch(/HAProxy -> controller +POST \/orders {2}-> {2}409 Conflict/);
    expect(text).toContain('AND version = 7  ->  OK, affected rows 1');
    expect(text).toContain('AND version = 7  ->  OK, affected rows 0');
    expect(text).toContain('inventory: sku=SKU-010037 stock=0 version=8');
    expect(text).toMatch(/orders: id=100017 idempotency_key=5f2b8c1e-7d4a-4e3b-9a61-0c8d2e4f6a17 /);
  });

  it('a token the controller does not accept: 401, nothing below the controller, no order', () => {
    const result = buildJourney(
      resolveJourneyConfig({ datacentre: { controller: { acceptedTokens: ['other'] } } }),
    );
    expect(result.datacentre.served.map((s) => s.status)).toEqual([401]);
    expect(result.datacentre.calls.map((call) => call.hopId)).toEqual(['backend']);
    expect(result.datacentre.database.stateAt().orders).toEqual([]);
    expect(result.connections[0]!.order).toBeUndefined();
  });

  it('5G mode: the same data centre', () => {
    const result = buildJourney(resolveJourneyConfig({ mode: '5g' }));
    expectOneOrderPerKey(result, [result.config.order.idempotencyKey], reservedRow(result.config).stock);
  });

  it('--print-config holds every address, server port, first source port, account and token the data centre uses', () => {
    const result = buildJourney(resolveJourneyConfig({ datacentre: { race: { enabled: true } } }));
    const printed = JSON.stringify(result.config);
    const dcHops = new Set(result.hops.flatMap((hop, index) => (hop.kind === 'backend' ? [index] : [])));
    const seen = new Set<string>();
    for (const packet of result.scenario.packets.filter((p) => dcHops.has(p.hop))) {
      const layers = decodePacket(packet.data).layers;
      const ip = layers.find((layer) => layer.layer === 'ipv4')!.fields as { src: string; dst: string };
      const tcp = layers.find((layer) => layer.layer === 'tcp')!.fields as { sport: number; dport: number };
      if (packet.direction === 'up') {
        seen.add(`"${ip.src}"`).add(`"${ip.dst}"`).add(String(tcp.dport));
      }
    }
    for (const value of seen) expect(printed, value).toContain(value);
    for (const call of result.datacentre.calls) expect(printed).toContain(call.client.ip);
    const dc = result.config.datacentre;
    for (const port of [
      dc.controller.sourcePort,
      dc.composite.sourcePort,
      dc.inventory.sourcePort,
      dc.orders.sourcePort,
    ]) {
      expect(
        result.datacentre.calls.some((call) => call.client.port === port),
        String(port),
      ).toBe(true);
    }
    const logins = mysqlOn(result, 'inventory-db').concat(mysqlOn(result, 'orders-db'));
    const users = new Set(
      logins.flatMap((m) => ((m as { user?: string }).user ? [(m as { user: string }).user] : [])),
    );
    expect([...users].sort()).toEqual(
      [result.config.database.users.inventory.user, result.config.database.users.orders.user].sort(),
    );
    expect(dc.controller.acceptedTokens).toContain(dc.bearerToken);
    expect(dc.controller.acceptedTokens).toContain(dc.race.bearerToken);
  });

  it('validates the new blocks with one-line errors', () => {
    expect(() => resolveJourneyConfig({ database: { port: 0 } })).toThrow(
      /config\.database\.port: must be an integer/,
    );
    expect(() => resolveJourneyConfig({ datacentre: { controller: { ip: 'x' } } })).toThrow(
      /config\.datacentre\.controller\.ip: must be an IPv4 address/,
    );
    expect(() => resolveJourneyConfig({ database: { inventory: [] } })).toThrow(
      /config\.database\.inventory: must have a row for SKU-010037/,
    );
  });
});
