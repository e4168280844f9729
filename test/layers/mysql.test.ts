/**
 * The `mysql` layer. Vectors are the hex examples of MySQL's protocol documentation
 * (dev.mysql.com/doc/dev/mysql-server/latest: Protocol::HandshakeV10, Protocol::HandshakeResponse41,
 * COM_QUERY, OK_Packet, ERR_Packet, "Text Resultset"), decoded to what the documentation says they hold
 * and rebuilt from those fields; then hostile inputs and the properties every decoder satisfies.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { MYSQL_CAPABILITY, mysql, mysqlCodec, mysqlPayload } from '../../src/layers/mysql.js';
import { type DecodedLayerOf, type DecodedPacket, decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  hex,
  newContext,
  stackOf,
} from './harness.js';

/** MySQL 5.5.2's greeting from the HandshakeV10 documentation. */
const GREETING =
  '360000000a352e352e322d6d32000b00000064764840492d434a00fff7080200000000000000000000000000002a34647c635a776b345e5d3a00';
/** The HandshakeResponse41 example: user "pam", schema "test", mysql_native_password. */
const LOGIN =
  '540000018da60f000000000108000000000000000000000000000000000000000000000070616d0014ab09eef6bcb1323e61143865c0991d957d75d44774657374006d7973716c5f6e61746976655f70617373776f726400';
/** COM_QUERY "select @@version_comment limit 1". */
const QUERY = '210000000373656c65637420404076657273696f6e5f636f6d6d656e74206c696d69742031';
/** OK_Packet: 0 affected rows, autocommit, no warnings (sequence 2, after a login). */
const OK = '0700000200000002000000';
/** ERR_Packet: 1096 (0x0448), SQL state HY000, "No tables used". */
const ERR = '17000001ff48042348593030304e6f207461626c65732075736564';
/** The text result set of "select @@version_comment limit 1": one column, one row, EOFs. */
const RESULT_SET =
  '01000001' +
  '01' +
  '27000002' +
  '0364656600000011404076657273696f6e5f636f6d6d656e74000c08001c000000fd00001f0000' +
  '05000003fe00000200' +
  '1d0000041c4d7953514c20436f6d6d756e69747920536572766572202847504c29' +
  '05000005fe00000200';

/** The mysql layer at `index` of a decode, typed (throws when it is another layer). */
function mysqlAt(decoded: DecodedPacket, index: number): DecodedLayerOf<'mysql'> {
  const layer = index < 0 ? decoded.layers.at(index) : decoded.layers[index];
  if (layer?.layer !== 'mysql') throw new Error(`layer ${index} is not mysql`);
  return layer;
}

function fieldsOf(text: string, index = 0): Record<string, unknown> {
  const decoded = decodePacket(hex(text), { first: 'mysql' });
  expect(decoded.problems).toEqual([]);
  const layer = decoded.layers[index];
  if (layer?.layer !== 'mysql') throw new Error(`no mysql layer ${index}`);
  return layer.fields as Record<string, unknown>;
}

describe('mysql: the documentation vectors', () => {
  it('HandshakeV10: protocol 10, version, connection id, scramble in two parts, capabilities', () => {
    const fields = fieldsOf(GREETING);
    expect(fields).toMatchObject({
      len: 0x36,
      seq: 0,
      msg: 'greeting',
      protocol: 10,
      version: '5.5.2-m2',
      thread_id: 11,
      caps: 0xf7ff,
      charset: 8,
      status: 2,
      auth_data_len: 0,
    });
    // Part 1 "dvH@I-CJ", part 2 "*4d|cZwk4^]:" and its NUL (13 octets: no CLIENT_PLUGIN_AUTH).
    expect(toHex(fields.salt as Uint8Array)).toBe('64764840492d434a2a34647c635a776b345e5d3a00');
    expect(fields.auth_plugin).toBeUndefined();
    // Rebuilt from the documented values alone.
    const built = encodePacket([
      mysql({
        msg: 'greeting',
        version: '5.5.2-m2',
        thread_id: 11,
        salt: hex('64764840492d434a2a34647c635a776b345e5d3a'),
        caps: 0xf7ff,
        charset: 8,
        status: 2,
      }),
    ]);
    expect(toHex(built)).toBe(GREETING);
  });

  it('HandshakeResponse41: capabilities, max packet, charset, user, 20-octet auth response, schema, plugin', () => {
    const fields = fieldsOf(LOGIN);
    expect(fields).toMatchObject({
      len: 0x54,
      seq: 1,
      msg: 'login',
      caps: 0x000fa68d,
      max_packet: 0x01000000,
      charset: 8,
      user: 'pam',
      schema: 'test',
      auth_plugin: 'mysql_native_password',
    });
    expect(toHex(fields.auth as Uint8Array)).toBe('ab09eef6bcb1323e61143865c0991d957d75d447');
    const built = encodePacket([
      mysql({
        seq: 1,
        user: 'pam',
        caps: 0x000fa68d,
        charset: 8,
        auth: hex('ab09eef6bcb1323e61143865c0991d957d75d447'),
        schema: 'test',
      }),
    ]);
    expect(toHex(built)).toBe(LOGIN);
  });

  it('COM_QUERY: command 3 and the statement to the end of the packet', () => {
    expect(fieldsOf(QUERY)).toEqual({
      len: 0x21,
      seq: 0,
      msg: 'command',
      command: 3,
      query: 'select @@version_comment limit 1',
    });
    expect(toHex(encodePacket([mysql({ query: 'select @@version_comment limit 1' })]))).toBe(QUERY);
  });

  it('OK_Packet and ERR_Packet', () => {
    expect(fieldsOf(OK)).toEqual({
      len: 7,
      seq: 2,
      msg: 'ok',
      affected_rows: 0,
      insert_id: 0,
      status: 2,
      warnings: 0,
    });
    expect(toHex(encodePacket([mysql({ seq: 2, msg: 'ok' })]))).toBe(OK);
    expect(fieldsOf(ERR)).toEqual({
      len: 0x17,
      seq: 1,
      msg: 'err',
      error_code: 1096,
      sqlstate: 'HY000',
      message: 'No tables used',
    });
    expect(toHex(encodePacket([mysql({ seq: 1, error_code: 1096, message: 'No tables used' })]))).toBe(ERR);
  });

  it('a text result set in one segment: column count, column definition, EOF, row, EOF as five layers', () => {
    const decoded = decodePacket(hex(RESULT_SET), { first: 'mysql' });
    expect(decoded.problems).toEqual([]);
    expect(stackOf(decoded)).toBe('mysql/mysql/mysql/mysql/mysql');
    expect(decoded.layers.map((_, index) => mysqlAt(decoded, index).fields.msg)).toEqual([
      'column_count',
      'column',
      'eof',
      'row',
      'eof',
    ]);
    expect(fieldsOf(RESULT_SET, 0)).toMatchObject({ seq: 1, count: 1 });
    expect(fieldsOf(RESULT_SET, 1)).toMatchObject({
      seq: 2,
      catalog: 'def',
      schema: '',
      table: '',
      name: '@@version_comment',
      charset: 8,
      column_length: 0x1c,
      column_type: 0xfd,
      column_flags: 0,
      decimals: 0x1f,
    });
    expect(fieldsOf(RESULT_SET, 3)).toMatchObject({ seq: 4, values: ['MySQL Community Server (GPL)'] });
    const built = encodePacket(
      parseSpec(
        'mysql(seq=1,count=1)/mysql(seq=2,msg=column,name="@@version_comment",org_name="",charset=8,column_length=28,column_type=253,decimals=31)/mysql(seq=3,msg=eof)/mysql(seq=4,values=\'["MySQL Community Server (GPL)"]\')/mysql(seq=5,msg=eof)',
      ),
    );
    expect(toHex(built)).toBe(RESULT_SET);
  });

  it('every vector round-trips through decode, JSON and the text spec', () => {
    for (const vector of [GREETING, LOGIN, QUERY, OK, ERR, RESULT_SET]) {
      expectRoundTrip(hex(vector), 'mysql');
      expectJsonAndSpecRoundTrip(vector, 'mysql');
    }
  });
});

describe('mysql: direction from the TCP ports', () => {
  const overTcp = (sport: number, dport: number, mysqlSpec: string) =>
    decodePacket(
      encodePacket(parseSpec(`ether/ipv4/tcp(sport=${sport},dport=${dport},flags=PA)/${mysqlSpec}`)),
    );
  const message = (packet: DecodedPacket) =>
    packet.layers.flatMap((layer) => (layer.layer === 'mysql' ? [layer.fields.msg] : []));

  it('the side on 3306 is the server: sequence 1 from the client is the login, from the server a response', () => {
    expect(message(overTcp(40000, 3306, 'mysql(seq=1,user=orders,schema=shop)'))).toEqual(['login']);
    expect(message(overTcp(3306, 40000, 'mysql(seq=1,count=3)'))).toEqual(['column_count']);
    expect(message(overTcp(3306, 40000, 'mysql(seq=1,msg=ok,affected_rows=1,message="")'))).toEqual(['ok']);
    expect(message(overTcp(3306, 40000, 'mysql(msg=greeting)'))).toEqual(['greeting']);
    expect(message(overTcp(40000, 3306, 'mysql(command=14)'))).toEqual(['command']);
  });

  it('a server packet that does not read as what it looks like stays raw, with the reason, and re-encodes exactly', () => {
    // Sequence 0 from the server that is not a greeting (protocol byte 9).
    const packet = overTcp(3306, 40000, 'mysql(msg=raw,data=0x09ffff)');
    const layer = mysqlAt(packet, -1);
    expect(layer.fields.msg).toBe('raw');
    // A greeting with a version that has no NUL.
    const broken = overTcp(3306, 40000, 'mysql(msg=raw,data=0x0a352e35)');
    expect(mysqlAt(broken, -1).info.note).toMatch(/not a greeting: version has no terminating NUL/);
    expect(toHex(encodePacket(broken.layers))).toBe(
      toHex(
        encodePacket(
          parseSpec('ether/ipv4/tcp(sport=3306,dport=40000,flags=PA)/mysql(msg=raw,data=0x0a352e35)'),
        ),
      ),
    );
  });

  it('a packet longer than the segment: the header and the bytes present, the rest named as continuing', () => {
    const bytes = hex('ff00000003'); // 255-octet COM_QUERY of which one octet is here
    const decoded = decodePacket(bytes, { first: 'mysql' });
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers[0]?.fields).toMatchObject({ len: 255, seq: 0, msg: 'raw' });
    expect(decoded.layers[0]?.info).toMatchObject({ continues: 254 });
    expectRoundTrip(bytes, 'mysql');
  });
});

describe('mysql: encoding', () => {
  it('defaults: a MySQL 8 greeting with plugin auth (auth data length 21) and mysql_native_password', () => {
    const payload = mysqlPayload({ msg: 'greeting' });
    const text = new TextDecoder().decode(payload);
    expect(payload[0]).toBe(10);
    expect(text.startsWith('\n8.0.36\0')).toBe(true);
    expect(text.endsWith('mysql_native_password\0')).toBe(true);
    const fields = fieldsOf(toHex(encodePacket([mysql({ msg: 'greeting' })])));
    expect(fields.auth_data_len).toBe(21);
    expect((fields.caps as number) & MYSQL_CAPABILITY.ssl).toBe(0);
    expect((fields.caps as number) & MYSQL_CAPABILITY.pluginAuth).toBe(MYSQL_CAPABILITY.pluginAuth);
  });

  it('login: CONNECT_WITH_DB only with a schema; the auth response length-encoded by default', () => {
    const without = fieldsOf(toHex(encodePacket([mysql({ seq: 1, user: 'orders' })])));
    expect((without.caps as number) & MYSQL_CAPABILITY.connectWithDb).toBe(0);
    expect(without.schema).toBeUndefined();
    const withSchema = fieldsOf(toHex(encodePacket([mysql({ seq: 1, user: 'orders', schema: 'shop' })])));
    expect((withSchema.caps as number) & MYSQL_CAPABILITY.connectWithDb).toBe(MYSQL_CAPABILITY.connectWithDb);
    expect(withSchema.schema).toBe('shop');
  });

  it('OK info as a length-encoded string (net_send_ok), rows with NULL as 0xfb, lengths over 250 as 0xfc', () => {
    expect(toHex(mysqlPayload({ msg: 'ok', affected_rows: 1, message: 'hi' }))).toBe(
      '0001000200000002' + '6869',
    );
    expect(toHex(mysqlPayload({ values: ['a', null, ''] }))).toBe('0161fb00');
    const long = 'x'.repeat(300);
    expect(toHex(mysqlPayload({ values: [long] })).slice(0, 6)).toBe('fc2c01');
    expect(toHex(mysqlPayload({ msg: 'ok', affected_rows: 70000 })).slice(0, 10)).toBe('00fd701101');
  });

  it('a length set by hand is written as set (wrong on purpose) and decodes as continuing', () => {
    const bytes = encodePacket([mysql({ len: 40, query: 'SELECT 1' })]);
    expect(toHex(bytes.subarray(0, 4))).toBe('28000000');
    expect(decodePacket(bytes, { first: 'mysql' }).layers[0]?.info).toMatchObject({ continues: 40 - 9 });
  });

  it('refuses what cannot be written, naming the field', () => {
    const refused = (fields: Parameters<typeof mysql>[0], field: string) => {
      try {
        encodePacket([mysql(fields)]);
      } catch (error) {
        expect(error).toBeInstanceOf(FieldError);
        expect((error as FieldError).field).toBe(field);
        return;
      }
      throw new Error(`${field} was not refused`);
    };
    refused({ sqlstate: '2300' }, 'sqlstate');
    refused({ seq: 1, user: 'a\0b' }, 'user');
    refused({ seq: 256 }, 'seq');
    refused({ msg: 'hello' as 'ok' }, 'msg');
    refused({ values: [{}] as unknown as string[] }, 'values');
  });
});

describe('mysql: hostile bytes', () => {
  it('a truncated header is a DecodeError from the codec and a truncated problem from the packet decoder', () => {
    expect(() => mysqlCodec.decode(hex('0100'), 0, 2, newContext())).toThrow(DecodeError);
    const decoded = decodePacket(hex('0100'), { first: 'mysql' });
    expect(decoded.problems).toEqual([
      expect.objectContaining({ layer: 'mysql', kind: 'truncated', expected: 4, actual: 2 }),
    ]);
  });

  it('a row whose value claims 16 MB in a few bytes stays raw without allocating for the claim', () => {
    // seq 4 from the server: a row; value length 0xfd ffffff.
    const decoded = decodePacket(hex('06000004fdffffff4142'), { first: 'mysql' });
    const layer = mysqlAt(decoded, 0);
    expect(layer.fields.msg).toBe('raw');
    expect(layer.info.note).toMatch(/truncated values: length 16777215, have 2/);
  });

  it('a length-encoded integer above 2^53 is not read as a number', () => {
    const decoded = decodePacket(hex('0c00000100feffffffffffffffff0000'), { first: 'mysql' });
    expect(mysqlAt(decoded, 0).info.note).toMatch(/above 2\^53/);
    expectRoundTrip(hex('0c00000100feffffffffffffffff0000'), 'mysql');
  });

  it('decode throws nothing but DecodeError, on any bytes', () => {
    checkDecodeThrowsOnlyDecodeError(mysqlCodec);
  });

  it('any bytes decoded as mysql re-encode to the same bytes', () => {
    checkRandomRoundTrip('mysql');
    checkRandomRoundTrip('mysql', hex('2000000003'));
  });

  it('the vectors with bytes overwritten or cut re-encode exactly', () => {
    checkMutatedRoundTrip([GREETING, LOGIN, QUERY, OK, ERR, RESULT_SET], 'mysql');
  });
});
