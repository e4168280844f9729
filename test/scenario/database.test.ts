/**
 * The database model: the optimistic lock, the unique index on the idempotency key (ERR 1062,
 * SQLSTATE 23000, MySQL's error list), reads as of a time, and the MySQL wire pieces (the packet
 * header per the client/server protocol, mysql_native_password checked the way a server checks it).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  connectionScramble,
  mysqlPacket,
  nativePasswordResponse,
  OrderDatabase,
  resultPackets,
  statementSql,
} from '../../src/scenario/database.js';

function fresh(): OrderDatabase {
  return new OrderDatabase({
    inventory: [
      { sku: 'SKU-A', stock: 2, version: 7 },
      { sku: 'SKU-B', stock: 0, version: 1 },
    ],
    firstOrderId: 500,
  });
}

describe('OrderDatabase', () => {
  it('reads stock and version, and the optimistic lock updates only the version it read', () => {
    const db = fresh();
    expect(db.execute({ kind: 'select-stock', sku: 'SKU-A' }, 10, 't')).toMatchObject({
      kind: 'rows',
      rows: [['2', '7']],
    });
    expect(db.execute({ kind: 'update-stock', sku: 'SKU-A', version: 7 }, 20, 't')).toMatchObject({
      kind: 'ok',
      affectedRows: 1,
    });
    // A second writer that read version 7 too: nothing matches any more.
    expect(db.execute({ kind: 'update-stock', sku: 'SKU-A', version: 7 }, 30, 't')).toMatchObject({
      kind: 'ok',
      affectedRows: 0,
      info: 'Rows matched: 0  Changed: 0  Warnings: 0',
    });
    expect(db.stateAt().inventory).toEqual([
      { sku: 'SKU-A', stock: 1, version: 8 },
      { sku: 'SKU-B', stock: 0, version: 1 },
    ]);
    expect(db.execute({ kind: 'select-stock', sku: 'SKU-none' }, 40, 't')).toMatchObject({ rows: [] });
  });

  it('gives ERR 1062 on a duplicate idempotency key and keeps one row', () => {
    const db = fresh();
    const insert = {
      kind: 'insert-order',
      idempotencyKey: 'k-1',
      customerId: 'c',
      sku: 'SKU-A',
      quantity: 1,
    } as const;
    expect(db.execute(insert, 10, 'o')).toEqual({ kind: 'ok', affectedRows: 1, insertId: 500, info: '' });
    expect(db.execute(insert, 20, 'o')).toEqual({
      kind: 'err',
      code: 1062,
      sqlstate: '23000',
      message: "Duplicate entry 'k-1' for key 'orders.idempotency_key'",
    });
    expect(db.execute({ ...insert, idempotencyKey: 'k-2' }, 30, 'o')).toMatchObject({ insertId: 501 });
    expect(db.stateAt().orders.map((row) => [row.id, row.idempotencyKey])).toEqual([
      [500, 'k-1'],
      [501, 'k-2'],
    ]);
    expect(db.execute({ kind: 'select-order', idempotencyKey: 'k-1' }, 40, 'o')).toMatchObject({
      rows: [['500', 'c', 'SKU-A']],
    });
    expect(db.log).toHaveLength(4);
  });

  it('reads as of their time, and refuses a write before one already committed', () => {
    const db = fresh();
    db.execute({ kind: 'update-stock', sku: 'SKU-A', version: 7 }, 100, 'first');
    expect(db.execute({ kind: 'select-stock', sku: 'SKU-A' }, 50, 'second')).toMatchObject({
      rows: [['2', '7']],
    });
    expect(db.stateAt(99).inventory[0]).toEqual({ sku: 'SKU-A', stock: 2, version: 7 });
    expect(db.stateAt(100).inventory[0]).toEqual({ sku: 'SKU-A', stock: 1, version: 8 });
    expect(() => db.execute({ kind: 'update-stock', sku: 'SKU-A', version: 7 }, 60, 'second')).toThrow(
      /before one already committed/,
    );
  });

  it('writes the SQL with quoted literals', () => {
    expect(statementSql({ kind: 'update-stock', sku: 'SKU-1', version: 3 })).toBe(
      "UPDATE inventory SET stock = stock - 1, version = version + 1 WHERE sku = 'SKU-1' AND version = 3",
    );
    expect(statementSql({ kind: 'select-order', idempotencyKey: "a'b" })).toBe(
      "SELECT id, customer_id, sku FROM orders WHERE idempotency_key = 'a\\'b'",
    );
  });
});

describe('the MySQL wire', () => {
  it('frames a packet: 3-octet little-endian length, then the sequence id', () => {
    const packet = mysqlPacket({ seq: 0, msg: 'command', query: 'SELECT 1' });
    // COM_QUERY (0x03) + 8 octets of text.
    expect([...packet.subarray(0, 5)]).toEqual([9, 0, 0, 0, 3]);
    expect(new TextDecoder().decode(packet.subarray(5))).toBe('SELECT 1');
  });

  it('mysql_native_password: the response passes the server check SHA1(response XOR SHA1(scramble + stored)) = stored', () => {
    const sha1 = (data: Uint8Array | string) => new Uint8Array(createHash('sha1').update(data).digest());
    const scramble = connectionScramble(1, 31);
    expect(scramble).toHaveLength(20);
    expect([...scramble].every((byte) => byte >= 0x21 && byte <= 0x7e)).toBe(true);
    const response = nativePasswordResponse('inv-Secret-1', scramble);
    const stored = sha1(sha1('inv-Secret-1')); // mysql.user's authentication_string, without the '*'
    const mix = sha1(Uint8Array.from([...scramble, ...stored]));
    const candidate = response.map((byte, i) => byte ^ mix[i]!);
    expect(Buffer.from(sha1(candidate)).toString('hex')).toBe(Buffer.from(stored).toString('hex'));
  });

  it('a result set decodes as column count, columns, EOF, rows, EOF with increasing sequence ids', () => {
    const db = fresh();
    const bytes = resultPackets(db.execute({ kind: 'select-stock', sku: 'SKU-A' }, 1, 't'), 'shop');
    const spec =
      'ether/ipv4(src=192.0.2.150,dst=192.0.2.141)/tcp(sport=3306,dport=43001,flags=PA,seq=1,ack=1)';
    const frame = encodePacket(parseSpec(spec));
    const whole = new Uint8Array(frame.length + bytes.length);
    whole.set(frame);
    whole.set(bytes, frame.length);
    // Fix the IPv4 total length and leave checksums aside: decode reads the MySQL layers only.
    const ipLength = whole.length - 14;
    whole[16] = ipLength >> 8;
    whole[17] = ipLength & 0xff;
    const layers = decodePacket(whole).layers.filter((layer) => layer.layer === 'mysql');
    expect(layers.map((layer) => (layer.fields as { msg?: string }).msg)).toEqual([
      'column_count',
      'column',
      'column',
      'eof',
      'row',
      'eof',
    ]);
    expect(layers.map((layer) => (layer.fields as { seq?: number }).seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((layers[4]!.fields as { values?: unknown }).values).toEqual(['2', '7']);
  });
});
