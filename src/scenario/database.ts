/**
 * The shop's MySQL database, modelled: two tables, the statements the base services send, their
 * results, and the MySQL client/server packets that carry them (src/layers/mysql.ts).
 *
 *   inventory (sku VARCHAR(32) PRIMARY KEY, stock INT NOT NULL, version INT NOT NULL)
 *   orders    (id BIGINT AUTO_INCREMENT PRIMARY KEY, idempotency_key VARCHAR(64) NOT NULL,
 *              customer_id VARCHAR(64) NOT NULL, sku VARCHAR(32) NOT NULL, quantity INT NOT NULL,
 *              UNIQUE KEY idempotency_key (idempotency_key))
 *
 * The initial rows come from the config (`database.inventory`, the first order id from
 * `order.firstOrderNumber`), so the same config gives the same database and the same answers.
 *
 * Time: the journey runs one request chain at a time (a chain is simulated to its end before the next
 * starts), but two chains may overlap in simulated time (the race lesson). Each statement therefore
 * runs "as of" its own time: reads see the rows as committed at that time (every statement is its own
 * autocommit transaction), writes are applied in time order. A write earlier than one already applied
 * cannot be modelled this way and throws (the journey's lessons never produce one).
 */
import { createHash } from 'node:crypto';
import { MYSQL_TYPE, type MysqlFields, mysqlPayload } from '../layers/mysql.js';

export interface InventoryRow {
  sku: string;
  stock: number;
  version: number;
}

export interface OrderRow {
  id: number;
  idempotencyKey: string;
  customerId: string;
  sku: string;
  quantity: number;
}

export interface DatabaseInitialState {
  inventory: readonly InventoryRow[];
  /** The orders table's AUTO_INCREMENT: the first order id. */
  firstOrderId: number;
}

/** The statements the base services send (each written out as SQL text by `statementSql`). */
export type Statement =
  | { kind: 'select-stock'; sku: string }
  | { kind: 'update-stock'; sku: string; version: number }
  | { kind: 'select-order'; idempotencyKey: string }
  | { kind: 'insert-order'; idempotencyKey: string; customerId: string; sku: string; quantity: number };

export interface ResultColumn {
  table: string;
  name: string;
  type: number;
  length: number;
  flags: number;
}

export type SqlResult =
  | { kind: 'ok'; affectedRows: number; insertId: number; info: string }
  | { kind: 'err'; code: number; sqlstate: string; message: string }
  | { kind: 'rows'; columns: ResultColumn[]; rows: Array<Array<string | null>> };

export interface ExecutedStatement {
  atUs: number;
  /** Who sent it ("inventory", "orders"). */
  client: string;
  statement: Statement;
  sql: string;
  result: SqlResult;
}

/** SQL string literal (the client library's escaping of a text parameter). */
function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The statement as the base service sends it in COM_QUERY (parameters interpolated by the client library). */
export function statementSql(statement: Statement): string {
  switch (statement.kind) {
    case 'select-stock':
      return `SELECT stock, version FROM inventory WHERE sku = ${literal(statement.sku)}`;
    case 'update-stock':
      return `UPDATE inventory SET stock = stock - 1, version = version + 1 WHERE sku = ${literal(statement.sku)} AND version = ${statement.version}`;
    case 'select-order':
      return `SELECT id, customer_id, sku FROM orders WHERE idempotency_key = ${literal(statement.idempotencyKey)}`;
    case 'insert-order':
      return `INSERT INTO orders (idempotency_key, customer_id, sku, quantity) VALUES (${literal(statement.idempotencyKey)}, ${literal(statement.customerId)}, ${literal(statement.sku)}, ${statement.quantity})`;
  }
}

/** One committed state of both tables. */
interface Snapshot {
  atUs: number;
  inventory: InventoryRow[];
  orders: OrderRow[];
  nextOrderId: number;
}

const NOT_NULL = 1;
const PRI_KEY = 2;
const NUM = 0x8000;

export class OrderDatabase {
  /** Committed states in time order (the first: the initial rows). */
  private readonly snapshots: Snapshot[];
  readonly log: ExecutedStatement[] = [];

  constructor(initial: DatabaseInitialState) {
    this.snapshots = [
      {
        atUs: Number.NEGATIVE_INFINITY,
        inventory: initial.inventory.map((row) => ({ ...row })),
        orders: [],
        nextOrderId: initial.firstOrderId,
      },
    ];
  }

  /** The rows as committed at `atUs` (the latest state without a time: after everything). */
  stateAt(atUs = Number.POSITIVE_INFINITY): { inventory: InventoryRow[]; orders: OrderRow[] } {
    let state = this.snapshots[0]!;
    for (const snapshot of this.snapshots) if (snapshot.atUs <= atUs) state = snapshot;
    return {
      inventory: state.inventory.map((row) => ({ ...row })),
      orders: state.orders.map((row) => ({ ...row })),
    };
  }

  private latestAt(atUs: number): Snapshot {
    let state = this.snapshots[0]!;
    for (const snapshot of this.snapshots) if (snapshot.atUs <= atUs) state = snapshot;
    return state;
  }

  private commit(atUs: number, next: Omit<Snapshot, 'atUs'>): void {
    const last = this.snapshots[this.snapshots.length - 1]!;
    if (atUs < last.atUs) {
      throw new Error(
        `database: a write at ${atUs} µs comes before one already committed at ${last.atUs} µs (overlapping writers are not modelled)`,
      );
    }
    this.snapshots.push({ atUs, ...next });
  }

  /** Runs one statement at `atUs` (autocommit) and records it. */
  execute(statement: Statement, atUs: number, client: string): SqlResult {
    const result = this.run(statement, atUs);
    this.log.push({ atUs, client, statement, sql: statementSql(statement), result });
    return result;
  }

  private run(statement: Statement, atUs: number): SqlResult {
    const state = this.latestAt(atUs);
    switch (statement.kind) {
      case 'select-stock': {
        const row = state.inventory.find((r) => r.sku === statement.sku);
        return {
          kind: 'rows',
          columns: [
            { table: 'inventory', name: 'stock', type: MYSQL_TYPE.long, length: 11, flags: NOT_NULL | NUM },
            { table: 'inventory', name: 'version', type: MYSQL_TYPE.long, length: 11, flags: NOT_NULL | NUM },
          ],
          rows: row ? [[String(row.stock), String(row.version)]] : [],
        };
      }
      case 'update-stock': {
        const index = state.inventory.findIndex(
          (r) => r.sku === statement.sku && r.version === statement.version,
        );
        const matched = index >= 0 ? 1 : 0;
        if (matched === 1) {
          const inventory = state.inventory.map((r, i) =>
            i === index ? { ...r, stock: r.stock - 1, version: r.version + 1 } : { ...r },
          );
          this.commit(atUs, { inventory, orders: state.orders, nextOrderId: state.nextOrderId });
        }
        return {
          kind: 'ok',
          affectedRows: matched,
          insertId: 0,
          info: `Rows matched: ${matched}  Changed: ${matched}  Warnings: 0`,
        };
      }
      case 'select-order': {
        const row = state.orders.find((r) => r.idempotencyKey === statement.idempotencyKey);
        return {
          kind: 'rows',
          columns: [
            {
              table: 'orders',
              name: 'id',
              type: MYSQL_TYPE.longlong,
              length: 20,
              flags: NOT_NULL | PRI_KEY | NUM,
            },
            {
              table: 'orders',
              name: 'customer_id',
              type: MYSQL_TYPE.varString,
              length: 256,
              flags: NOT_NULL,
            },
            { table: 'orders', name: 'sku', type: MYSQL_TYPE.varString, length: 128, flags: NOT_NULL },
          ],
          rows: row ? [[String(row.id), row.customerId, row.sku]] : [],
        };
      }
      case 'insert-order': {
        if (state.orders.some((r) => r.idempotencyKey === statement.idempotencyKey)) {
          return {
            kind: 'err',
            code: 1062,
            sqlstate: '23000',
            message: `Duplicate entry '${statement.idempotencyKey}' for key 'orders.idempotency_key'`,
          };
        }
        const id = state.nextOrderId;
        const orders = [
          ...state.orders,
          {
            id,
            idempotencyKey: statement.idempotencyKey,
            customerId: statement.customerId,
            sku: statement.sku,
            quantity: statement.quantity,
          },
        ];
        this.commit(atUs, { inventory: state.inventory, orders, nextOrderId: id + 1 });
        return { kind: 'ok', affectedRows: 1, insertId: id, info: '' };
      }
    }
  }
}

/* ------------------------------------------------------------------ the wire */

/** One MySQL packet: the 4-octet header (uint24 LE length, sequence id) and the payload. */
export function mysqlPacket(fields: MysqlFields): Uint8Array {
  const payload = mysqlPayload(fields);
  const out = new Uint8Array(4 + payload.length);
  out[0] = payload.length & 0xff;
  out[1] = (payload.length >> 8) & 0xff;
  out[2] = (payload.length >> 16) & 0xff;
  out[3] = (fields.seq ?? 0) & 0xff;
  out.set(payload, 4);
  return out;
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A 20-octet scramble for a connection (MySQL's are printable, no NUL), deterministic from the seed. */
export function connectionScramble(seed: number, threadId: number): Uint8Array {
  const digest = createHash('sha256').update(`pktcraft-mysql/${seed}/${threadId}`).digest();
  return Uint8Array.from({ length: 20 }, (_, i) => 0x21 + (digest[i]! % 0x5e));
}

/**
 * mysql_native_password's auth response: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))
 * (MySQL internals, "Native Authentication").
 */
export function nativePasswordResponse(password: string, scramble: Uint8Array): Uint8Array {
  const sha1 = (data: Uint8Array | string): Uint8Array =>
    new Uint8Array(createHash('sha1').update(data).digest());
  const stage1 = sha1(password);
  const stage2 = sha1(stage1);
  const mix = sha1(concatAll([scramble, stage2]));
  return stage1.map((byte, i) => byte ^ mix[i]!);
}

/** The server's greeting (Protocol::HandshakeV10, sequence 0). */
export function greetingPacket(version: string, threadId: number, scramble: Uint8Array): Uint8Array {
  return mysqlPacket({
    msg: 'greeting',
    version,
    thread_id: threadId,
    salt: concatAll([scramble, new Uint8Array(1)]),
  });
}

/** The client's login (HandshakeResponse41, sequence 1) with the schema to use. */
export function loginPacket(
  user: string,
  password: string,
  schema: string,
  scramble: Uint8Array,
): Uint8Array {
  return mysqlPacket({
    seq: 1,
    msg: 'login',
    user,
    auth: nativePasswordResponse(password, scramble),
    schema,
  });
}

/** The server's OK after a successful login (sequence 2). */
export function loginOkPacket(): Uint8Array {
  return mysqlPacket({ seq: 2, msg: 'ok', message: '' });
}

export function queryPacket(sql: string): Uint8Array {
  return mysqlPacket({ seq: 0, msg: 'command', query: sql });
}

export function quitPacket(): Uint8Array {
  return mysqlPacket({ seq: 0, msg: 'command', command: 1 });
}

/** The server's answer to a COM_QUERY: an OK, an ERR, or a text result set (without DEPRECATE_EOF). */
export function resultPackets(result: SqlResult, schema: string): Uint8Array {
  if (result.kind === 'ok') {
    return mysqlPacket({
      seq: 1,
      msg: 'ok',
      affected_rows: result.affectedRows,
      insert_id: result.insertId,
      message: result.info,
    });
  }
  if (result.kind === 'err') {
    return mysqlPacket({
      seq: 1,
      msg: 'err',
      error_code: result.code,
      sqlstate: result.sqlstate,
      message: result.message,
    });
  }
  const packets: Uint8Array[] = [mysqlPacket({ seq: 1, msg: 'column_count', count: result.columns.length })];
  let seq = 2;
  for (const column of result.columns) {
    packets.push(
      mysqlPacket({
        seq: seq++,
        msg: 'column',
        schema,
        table: column.table,
        name: column.name,
        column_type: column.type,
        column_length: column.length,
        column_flags: column.flags,
        charset: column.type === MYSQL_TYPE.varString ? 255 : 63,
      }),
    );
  }
  packets.push(mysqlPacket({ seq: seq++, msg: 'eof' }));
  for (const row of result.rows) packets.push(mysqlPacket({ seq: seq++, msg: 'row', values: row }));
  packets.push(mysqlPacket({ seq: seq++, msg: 'eof' }));
  return concatAll(packets);
}

/** "affected rows 1", "1 row", "ERR 1062": what a result says, for comments and the summary. */
export function describeResult(result: SqlResult): string {
  if (result.kind === 'ok')
    return `OK, affected rows ${result.affectedRows}${result.insertId ? `, insert id ${result.insertId}` : ''}`;
  if (result.kind === 'err') return `ERR ${result.code} (${result.sqlstate}) ${result.message}`;
  const rows = result.rows.length;
  const shown = result.rows.map(
    (row) => `(${row.map((value, i) => `${result.columns[i]?.name ?? i}=${value ?? 'NULL'}`).join(', ')})`,
  );
  return `${rows} row${rows === 1 ? '' : 's'}${rows > 0 ? ` ${shown.join(' ')}` : ''}`;
}
