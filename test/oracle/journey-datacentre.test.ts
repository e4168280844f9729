/**
 * Issue 15 items 6 and 7, judged by tshark 4.0 (checksum validation on, default preferences): the
 * data-centre tiers below HAProxy and their MySQL connections, per hop (found by id), in the default,
 * retry and race lessons. The expected texts come from the issue (the optimistic-lock UPDATE, the
 * lookup by idempotency key) and from the config, not from our own output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJourney,
  hopFileName,
  type JourneyConfig,
  type JourneyResult,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';

const FIELDS = [
  'http.request.method',
  'http.request.uri',
  'http.request.line',
  'http.response.code',
  'mysql.query',
  'mysql.affected_rows',
  'mysql.error_code',
  'mysql.user',
  'mysql.version',
  'tcp.analysis.flags',
  '_ws.expert.severity',
  '_ws.expert.message',
  '_ws.malformed',
];

const DC_HOPS = ['backend', 'composite', 'inventory', 'orders', 'inventory-db', 'orders-db'] as const;
type DcHop = (typeof DC_HOPS)[number];

interface Variant {
  config: JourneyConfig;
  result: JourneyResult;
  packets: Record<DcHop, TsharkPacket[]>;
}

let root: string;
const variants: Record<string, Variant> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pktcraft-journey-dc-'));
  const configs: Record<string, object> = {
    default: { https: false, name: 'dc-default' },
    retry: { https: false, retry: { enabled: true }, name: 'dc-retry' },
    race: { https: false, datacentre: { race: { enabled: true } }, name: 'dc-race' },
  };
  for (const [name, file] of Object.entries(configs)) {
    const config = resolveJourneyConfig(file);
    const result = buildJourney(config);
    await writeScenario(result.scenario, root);
    const packets = {} as Record<DcHop, TsharkPacket[]>;
    await Promise.all(
      DC_HOPS.map(async (id) => {
        const index = result.hops.findIndex((hop) => hop.id === id);
        const path = join(root, config.name, `${hopFileName(index, result.hops[index]!)}.pcap`);
        packets[id] = await tsharkFields(path, FIELDS);
      }),
    );
    variants[name] = { config, result, packets };
  }
}, 240_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function values(packets: readonly TsharkPacket[], field: string): string[] {
  return packets.flatMap((packet) => packet[field] ?? []);
}

/** The Notes every orderly TCP close gets; anything else at Note or above is unintended. */
const INTENDED_NOTES: ReadonlySet<string> = new Set([
  'This frame initiates the connection closing',
  'This frame undergoes the connection closing',
]);

/** Expert items at Note or above other than the intended ones, and malformed packets. */
function problems(packets: readonly TsharkPacket[]): string[] {
  const out: string[] = [];
  for (const packet of packets) {
    const severities = packet['_ws.expert.severity'] ?? [];
    const messages = packet['_ws.expert.message'] ?? [];
    severities.forEach((severity, i) => {
      const message = messages[i] ?? '';
      const intended = Number(severity) < SEVERITY.warning && INTENDED_NOTES.has(message);
      if (Number(severity) >= SEVERITY.note && !intended)
        out.push(`frame ${packet['frame.number']}: ${message}`);
    });
    if (packet['_ws.malformed']) out.push(`frame ${packet['frame.number']}: malformed`);
  }
  return out;
}

function variant(name: string): Variant {
  const found = variants[name];
  if (!found) throw new Error(`no variant ${name}`);
  return found;
}

const sku = 'SKU-010037'; // line 1 of the order: SKU-(10000 + 1 * 37), six digits
const select = `SELECT stock, version FROM inventory WHERE sku = '${sku}'`;
const update = (version: number) =>
  `UPDATE inventory SET stock = stock - 1, version = version + 1 WHERE sku = '${sku}' AND version = ${version}`;
const lookup = (key: string) => `SELECT id, customer_id, sku FROM orders WHERE idempotency_key = '${key}'`;

describe('the data centre below HAProxy, by tshark', () => {
  it.each(['default', 'retry', 'race'])(
    '%s: every data-centre hop decodes: no malformed packet, no unintended expert item, no TCP analysis flag',
    (name) => {
      const { packets } = variant(name);
      for (const id of DC_HOPS) {
        expect(packets[id].length, id).toBeGreaterThan(0);
        expect(problems(packets[id]), id).toEqual([]);
        expect(values(packets[id], 'tcp.analysis.flags'), id).toEqual([]);
      }
    },
  );

  it('default: the method and URI per tier, the bearer token and the controller’s X-Request-Id', () => {
    const { packets, config } = variant('default');
    const key = config.order.idempotencyKey;
    expect(values(packets.backend, 'http.request.method')).toEqual(['POST']);
    expect(values(packets.backend, 'http.request.uri')).toEqual(['/orders']);
    expect(values(packets.composite, 'http.request.method')).toEqual(['POST']);
    expect(values(packets.composite, 'http.request.uri')).toEqual(['/orders']);
    expect(values(packets.inventory, 'http.request.method')).toEqual(['POST']);
    expect(values(packets.inventory, 'http.request.uri')).toEqual([`/inventory/${sku}/reservations`]);
    expect(values(packets.orders, 'http.request.method')).toEqual(['GET', 'POST']);
    expect(values(packets.orders, 'http.request.uri')).toEqual([`/orders?idempotency_key=${key}`, '/orders']);
    const backendLines = values(packets.backend, 'http.request.line');
    expect(backendLines).toContain(`Authorization: Bearer ${config.datacentre.bearerToken}\r\n`);
    expect(backendLines.some((line) => line.startsWith('X-Request-Id'))).toBe(false);
    const compositeLines = values(packets.composite, 'http.request.line');
    const requestIds = compositeLines.filter((line) => /^X-Request-Id: [0-9a-f-]{36}\r\n$/.test(line));
    expect(requestIds).toHaveLength(1);
    expect(values(packets.backend, 'http.response.code')).toEqual(['201']);
    expect(values(packets.inventory, 'http.response.code')).toEqual(['200']);
    expect(values(packets.orders, 'http.response.code')).toEqual(['404', '201']);
  });

  it('default: the MySQL login, the queries in order and their affected rows', () => {
    const { packets, config } = variant('default');
    const key = config.order.idempotencyKey;
    expect(values(packets['inventory-db'], 'mysql.version')).toEqual([config.database.serverVersion]);
    expect(values(packets['inventory-db'], 'mysql.user')).toEqual([config.database.users.inventory.user]);
    expect(values(packets['orders-db'], 'mysql.user')).toEqual(
      Array(2).fill(config.database.users.orders.user),
    );
    expect(values(packets['inventory-db'], 'mysql.query')).toEqual([select, update(7)]);
    // The login's OK and the UPDATE's OK.
    expect(values(packets['inventory-db'], 'mysql.affected_rows')).toEqual(['0', '1']);
    const queries = values(packets['orders-db'], 'mysql.query');
    expect(queries).toHaveLength(2);
    expect(queries[0]).toBe(lookup(key));
    expect(queries[1]).toBe(
      `INSERT INTO orders (idempotency_key, customer_id, sku, quantity) VALUES ('${key}', '${config.order.customerId}', '${sku}', 1)`,
    );
    // Two logins' OKs and the INSERT's.
    expect(values(packets['orders-db'], 'mysql.affected_rows')).toEqual(['0', '0', '1']);
  });

  it('retry: the second request finds the order by its key: one UPDATE, one INSERT, 201 then 200', () => {
    const { packets, config } = variant('retry');
    const key = config.order.idempotencyKey;
    expect(values(packets.backend, 'http.response.code')).toEqual(['201', '200']);
    expect(values(packets['inventory-db'], 'mysql.query')).toEqual([select, update(7)]);
    const queries = values(packets['orders-db'], 'mysql.query');
    expect(queries.filter((q) => q.startsWith('INSERT'))).toHaveLength(1);
    expect(queries.filter((q) => q === lookup(key))).toHaveLength(2);
    expect(values(packets.orders, 'http.response.code')).toEqual(['404', '201', '200']);
  });

  it('race: both read version 7, one UPDATE affects 1 row, the other 0, the second phone gets 409', () => {
    const { packets } = variant('race');
    const updates = values(packets['inventory-db'], 'mysql.query').filter((q) => q.startsWith('UPDATE'));
    expect(updates).toEqual([update(7), update(7)]);
    const affected = values(packets['inventory-db'], 'mysql.affected_rows');
    // Logins' OKs are 0 as well: two logins, then the winner's 1 and the loser's 0.
    expect(affected.filter((n) => n === '1')).toHaveLength(1);
    expect(affected.filter((n) => n === '0')).toHaveLength(3);
    expect(values(packets.backend, 'http.response.code').sort()).toEqual(['201', '409']);
    expect(values(packets.inventory, 'http.response.code').sort()).toEqual(['200', '409']);
    expect(values(packets['orders-db'], 'mysql.query').filter((q) => q.startsWith('INSERT'))).toHaveLength(1);
  });
});
