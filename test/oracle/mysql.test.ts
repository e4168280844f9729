/**
 * tshark oracle for the `mysql` layer: a whole conversation (handshake, login, an optimistic-lock
 * UPDATE, a SELECT with a two-column result set, a duplicate-key INSERT, quit) built from specs with
 * correct TCP sequence numbers, read by tshark 4.0.17 with TCP checksum validation on. Every MySQL
 * field tshark shows must be the value the spec put in; no expert warning, no malformed packet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CHECKSUM_OPTIONS, tsharkRows, tsharkSync } from '../tshark.js';
import { writeEthernetPcap } from './pcap-file.js';

const directory = mkdtempSync(join(tmpdir(), 'pktcraft-mysql-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const CLIENT = '192.0.2.10';
const SERVER = '192.0.2.20';
const CLIENT_PORT = 40001;

const UPDATE =
  "UPDATE inventory SET stock = stock - 1, version = version + 1 WHERE sku = 'SKU-42' AND version = 7";
const SELECT = 'SELECT sku, stock FROM inventory';
const INSERT = "INSERT INTO orders (idempotency_key, sku) VALUES ('7f3c9a', 'SKU-42')";
const DUPLICATE = "Duplicate entry '7f3c9a' for key 'orders.idempotency_key'";

/** The conversation: who sends, and the mysql layers of the segment. */
const CONVERSATION: readonly { fromClient: boolean; mysql: string }[] = [
  { fromClient: false, mysql: 'mysql(msg=greeting,version="8.0.36",thread_id=42)' },
  { fromClient: true, mysql: 'mysql(seq=1,user=orders,schema=shop)' },
  { fromClient: false, mysql: 'mysql(seq=2,msg=ok,message="")' },
  { fromClient: true, mysql: `mysql(query="${UPDATE}")` },
  {
    fromClient: false,
    mysql: 'mysql(seq=1,msg=ok,affected_rows=1,message="Rows matched: 1  Changed: 1  Warnings: 0")',
  },
  { fromClient: true, mysql: `mysql(query="${SELECT}")` },
  {
    fromClient: false,
    mysql:
      'mysql(seq=1,count=2)/mysql(seq=2,msg=column,schema=shop,table=inventory,name=sku,column_type=253,column_length=64)/mysql(seq=3,msg=column,schema=shop,table=inventory,name=stock)/mysql(seq=4,msg=eof)/mysql(seq=5,values=\'["SKU-42","41"]\')/mysql(seq=6,values=\'["SKU-7",null]\')/mysql(seq=7,msg=eof)',
  },
  { fromClient: true, mysql: `mysql(query="${INSERT}")` },
  { fromClient: false, mysql: `mysql(seq=1,error_code=1062,sqlstate=23000,message="${DUPLICATE}")` },
  { fromClient: true, mysql: 'mysql(command=1)' },
];

function conversationFrames(): Uint8Array[] {
  let clientSeq = 1000;
  let serverSeq = 5000;
  const head = (fromClient: boolean, flags: string) => {
    const ip = fromClient ? `ipv4(src=${CLIENT},dst=${SERVER})` : `ipv4(src=${SERVER},dst=${CLIENT})`;
    const ports = fromClient ? `sport=${CLIENT_PORT},dport=3306` : `sport=3306,dport=${CLIENT_PORT}`;
    const seq = fromClient ? clientSeq : serverSeq;
    const ack = flags === 'S' ? 0 : fromClient ? serverSeq : clientSeq;
    return `ether/${ip}/tcp(${ports},flags=${flags},seq=${seq},ack=${ack})`;
  };
  const frames = [encodePacket(parseSpec(head(true, 'S')))];
  clientSeq++;
  frames.push(encodePacket(parseSpec(head(false, 'SA'))));
  serverSeq++;
  frames.push(encodePacket(parseSpec(head(true, 'A'))));
  for (const { fromClient, mysql } of CONVERSATION) {
    const frame = encodePacket(parseSpec(`${head(fromClient, 'PA')}/${mysql}`));
    const tcp = decodePacket(frame).layers.find((layer) => layer.layer === 'tcp');
    if (tcp === undefined) throw new Error('no TCP layer');
    const payload = frame.length - tcp.offset - tcp.headerLength;
    if (fromClient) clientSeq += payload;
    else serverSeq += payload;
    frames.push(frame);
  }
  return frames;
}

describe('tshark reads a pktcraft MySQL conversation field by field', () => {
  const path = join(directory, 'mysql.pcap');
  writeEthernetPcap(path, conversationFrames());
  const FIELDS = [
    'mysql.packet_number',
    'mysql.protocol',
    'mysql.version',
    'mysql.thread_id',
    'mysql.user',
    'mysql.schema',
    'mysql.client_auth_plugin',
    'mysql.query',
    'mysql.command',
    'mysql.affected_rows',
    'mysql.message',
    'mysql.error_code',
    'mysql.sqlstate',
    'mysql.error.message',
    'mysql.num_fields',
    'mysql.field.name',
    'mysql.field.table',
    'mysql.field.db',
    'mysql.field.type',
    'mysql.field.length',
    'mysql.row.text',
    'mysql.eof',
    'tcp.checksum.status',
  ] as const;
  const rows = tsharkRows(path, FIELDS, CHECKSUM_OPTIONS).slice(3);

  it('the handshake: greeting, login, OK', () => {
    expect(rows[0]).toMatchObject({
      'mysql.packet_number': '0',
      'mysql.protocol': '10',
      'mysql.version': '8.0.36',
      'mysql.thread_id': '42',
    });
    expect(rows[1]).toMatchObject({
      'mysql.packet_number': '1',
      'mysql.user': 'orders',
      'mysql.schema': 'shop',
      'mysql.client_auth_plugin': 'mysql_native_password',
    });
    expect(rows[2]).toMatchObject({ 'mysql.packet_number': '2', 'mysql.affected_rows': '0' });
  });

  it('the optimistic-lock UPDATE and its OK with one affected row and the info text', () => {
    expect(rows[3]).toMatchObject({ 'mysql.command': '3', 'mysql.query': UPDATE });
    expect(rows[4]).toMatchObject({
      'mysql.affected_rows': '1',
      'mysql.message': 'Rows matched: 1  Changed: 1  Warnings: 0',
    });
  });

  it('the SELECT and its result set: two columns, two rows (one NULL), two EOFs', () => {
    expect(rows[5]).toMatchObject({ 'mysql.query': SELECT });
    expect(rows[6]).toMatchObject({
      'mysql.packet_number': '1;2;3;4;5;6;7',
      'mysql.num_fields': '2',
      'mysql.field.name': 'sku;stock',
      'mysql.field.table': 'inventory;inventory',
      'mysql.field.db': 'shop;shop',
      'mysql.field.type': '253;3',
      'mysql.field.length': '64;11',
      'mysql.row.text': 'SKU-42;41;SKU-7;NULL',
    });
  });

  it('the duplicate-key INSERT answered by ERR 1062, SQL state 23000', () => {
    expect(rows[7]).toMatchObject({ 'mysql.query': INSERT });
    expect(rows[8]).toMatchObject({
      'mysql.error_code': '1062',
      'mysql.sqlstate': '23000',
      'mysql.error.message': DUPLICATE,
    });
    expect(rows[9]).toMatchObject({ 'mysql.command': '1' });
  });

  it('every TCP checksum is good; no expert warning, error or malformed packet', () => {
    expect(rows).toHaveLength(CONVERSATION.length);
    for (const row of rows) expect(row['tcp.checksum.status']).toBe('1');
    const expert = tsharkSync(['-r', path, ...CHECKSUM_OPTIONS, '-q', '-z', 'expert,warn']);
    expect(expert).not.toMatch(/Warns|Errors|Malformed/);
  });
});
