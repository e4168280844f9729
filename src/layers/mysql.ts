/**
 * The MySQL client/server protocol (protocol 41: MySQL 4.1 to 8.x and MariaDB) over TCP 3306.
 *
 * One `mysql` layer is one MySQL packet: a 4-octet header and its payload. Several packets in one
 * TCP segment are several `mysql` layers in a row (`tcp/mysql(...)/mysql(...)`), the way a server
 * sends a result set: each header's length covers its own payload only.
 *
 *   0        1        2        3        4
 *  +--------+--------+--------+--------+------------------------------
 *  | payload_length (uint24, little-endian) | sequence_id | payload ...
 *  +--------+--------+--------+--------+------------------------------
 *
 * The payload has no type field of its own: its meaning follows from the direction and the
 * conversation's state. The message is therefore a field, `msg`:
 * - `greeting`: the server's Protocol::HandshakeV10 (sequence 0);
 * - `login`: the client's Protocol::HandshakeResponse41 (sequence 1);
 * - `command`: a client command (COM_QUERY with `query`, COM_INIT_DB with `schema`, COM_QUIT,
 *   COM_PING, any other with `data` as its argument);
 * - `ok`, `err`, `eof`: the generic responses (OK_Packet, ERR_Packet, EOF_Packet, protocol 41 forms);
 * - `column_count`, `column` (ColumnDefinition41), `row` (a text resultset row, NULL as null):
 *   a text result set is column_count, one column per column, eof, the rows, eof;
 * - `raw`: any other payload, kept byte-exact in `data`.
 *
 * Decode picks the message the way Wireshark's dissector does for a conversation read from its
 * start: the side whose TCP port is bound to mysql (3306) is the server; a server's sequence 0 is the
 * greeting, a client's sequence 0 a command and sequence 1 the login; a server's 0xff is an ERR, 0xfe
 * (short) an EOF, 0x00 early in an exchange an OK, `03 "def"` a column definition, a lone
 * length-encoded integer at sequence 1 a column count, anything else a row. A typed decode is only
 * kept when encoding it gives the payload back byte for byte; otherwise the payload stays `raw`
 * (with the reason in `info.note`), so every packet round-trips exactly.
 */
import { DecodeError, FieldError } from '../core/errors.js';
import { bytesField, uintOf } from './field-check.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { at, defineSchema, offsetOf } from './schema.js';

/** The messages a `mysql` layer can hold (see the module comment). */
export const MYSQL_MESSAGES = [
  'greeting',
  'login',
  'command',
  'ok',
  'err',
  'eof',
  'column_count',
  'column',
  'row',
  'raw',
] as const;
export type MysqlMessage = (typeof MYSQL_MESSAGES)[number];

/** Command bytes (the first octet of a client command packet). */
export const MYSQL_COMMAND = {
  quit: 0x01,
  initDb: 0x02,
  query: 0x03,
  fieldList: 0x04,
  ping: 0x0e,
  stmtPrepare: 0x16,
  stmtExecute: 0x17,
  stmtClose: 0x19,
  resetConnection: 0x1f,
} as const;

const COMMAND_NAMES: Readonly<Record<number, string>> = {
  0: 'Sleep',
  1: 'Quit',
  2: 'Use Database',
  3: 'Query',
  4: 'Show Fields',
  5: 'Create Database',
  6: 'Drop Database',
  7: 'Refresh',
  8: 'Shutdown',
  9: 'Statistics',
  10: 'Process List',
  11: 'Connect',
  12: 'Kill Server Thread',
  13: 'Dump Debug Info',
  14: 'Ping',
  17: 'Change User',
  22: 'Prepare Statement',
  23: 'Execute Statement',
  25: 'Close Statement',
  31: 'Reset Connection',
};

/** Capability flags (include/mysql_com.h) the codec reads or writes. */
export const MYSQL_CAPABILITY = {
  longPassword: 0x1,
  foundRows: 0x2,
  longFlag: 0x4,
  connectWithDb: 0x8,
  noSchema: 0x10,
  compress: 0x20,
  odbc: 0x40,
  localFiles: 0x80,
  ignoreSpace: 0x100,
  protocol41: 0x200,
  interactive: 0x400,
  ssl: 0x800,
  ignoreSigpipe: 0x1000,
  transactions: 0x2000,
  reserved: 0x4000,
  secureConnection: 0x8000,
  multiStatements: 0x10000,
  multiResults: 0x20000,
  psMultiResults: 0x40000,
  pluginAuth: 0x80000,
  connectAttrs: 0x100000,
  pluginAuthLenencClientData: 0x200000,
  canHandleExpiredPasswords: 0x400000,
  sessionTrack: 0x800000,
  deprecateEof: 0x1000000,
} as const;

const C = MYSQL_CAPABILITY;
/** A MySQL 8 server's capabilities without TLS, compression or LOAD DATA LOCAL. */
export const MYSQL_SERVER_CAPABILITIES = 0x1ffffff & ~(C.ssl | C.compress | C.localFiles);
/**
 * A client's capabilities as libmysqlclient sends them for a plain login (protocol 41, secure
 * connection, plugin auth with length-encoded auth data, transactions, multi-results, session
 * tracking: a server then sends every OK with its info, `message=''` when empty); the codec adds
 * CLIENT_CONNECT_WITH_DB when a schema is given. No CLIENT_DEPRECATE_EOF: result sets end with EOF packets.
 */
export const MYSQL_CLIENT_CAPABILITIES =
  C.longPassword |
  C.longFlag |
  C.protocol41 |
  C.transactions |
  C.secureConnection |
  C.multiResults |
  C.pluginAuth |
  C.pluginAuthLenencClientData |
  C.sessionTrack;

/** Column types (enum_field_types) a text result set commonly carries. */
export const MYSQL_TYPE = {
  decimal: 0x00,
  tiny: 0x01,
  short: 0x02,
  long: 0x03,
  longlong: 0x08,
  datetime: 0x0c,
  newdecimal: 0xf6,
  blob: 0xfc,
  varString: 0xfd,
  string: 0xfe,
} as const;

export const MYSQL_HEADER = 4;
/** Largest payload one packet carries (a longer one is split: RFC-less, MySQL's own rule). */
export const MYSQL_MAX_PAYLOAD = 0xffffff;

export interface MysqlFields {
  /** payload_length (uint24 little-endian); default computed from the message. */
  len?: number;
  /** sequence_id; default 0. */
  seq?: number;
  /** Which message the payload is (see MYSQL_MESSAGES); default from the fields given. */
  msg?: MysqlMessage;
  // greeting
  /** Greeting: protocol version, 10. */
  protocol?: number;
  /** Greeting: server version text ("8.0.36"). */
  version?: string;
  /** Greeting: connection (thread) id. */
  thread_id?: number;
  /**
   * Greeting: the auth-plugin-data as on the wire, part 1 (8 octets) then part 2 (at least 13 octets
   * with CLIENT_SECURE_CONNECTION: 12 more scramble octets and MySQL's NUL). Default: a fixed 20-octet
   * scramble and the NUL.
   */
  salt?: BytesValue;
  /** Greeting: length of the auth-plugin-data (default: the octets written, 21 for the default salt). */
  auth_data_len?: number;
  /** Greeting: server capabilities; login: client capabilities (32 bits). */
  caps?: number;
  /** Greeting and login: character set (255 utf8mb4_0900_ai_ci); column: the column's (16 bits). */
  charset?: number;
  /** Greeting, ok, eof: server status flags (2: autocommit). */
  status?: number;
  /** Greeting and login: authentication plugin name. */
  auth_plugin?: string;
  // login
  /** Login: the largest packet the client accepts. */
  max_packet?: number;
  /** Login: user name. */
  user?: string;
  /** Login: the auth response (the scrambled password). */
  auth?: BytesValue;
  /** Login: the schema to use (CLIENT_CONNECT_WITH_DB); column: the column's schema; command: COM_INIT_DB's schema. */
  schema?: string;
  /** Login: the connection attributes block as on the wire (CLIENT_CONNECT_ATTRS), without its length. */
  attrs?: BytesValue;
  // command
  /** Command: the command byte (3 COM_QUERY; default 3 with a query, 2 with a schema). */
  command?: number;
  /** Command: the SQL text of COM_QUERY. */
  query?: string;
  // ok / err / eof
  /** OK: affected rows. */
  affected_rows?: number;
  /** OK: last insert id. */
  insert_id?: number;
  /** OK, EOF: warning count. */
  warnings?: number;
  /** OK: the human-readable info (a length-encoded string, as servers send it); ERR: the error message. */
  message?: string;
  /** OK: the session state changes (SERVER_SESSION_STATE_CHANGED), as on the wire without their length. */
  session_state?: BytesValue;
  /** ERR: error code (1062 duplicate entry). */
  error_code?: number;
  /** ERR: the five-character SQL state ("23000"). */
  sqlstate?: string;
  // result set
  /** Column count: the number of columns. */
  count?: number;
  /** Column: catalog, always "def". */
  catalog?: string;
  /** Column: table (alias) name. */
  table?: string;
  /** Column: original table name (default: table). */
  org_table?: string;
  /** Column: column (alias) name. */
  name?: string;
  /** Column: original column name (default: name). */
  org_name?: string;
  /** Column: maximum display length. */
  column_length?: number;
  /** Column: type (MYSQL_TYPE). */
  column_type?: number;
  /** Column: column flags (NOT_NULL 1, PRI_KEY 2, UNIQUE_KEY 4, ...). */
  column_flags?: number;
  /** Column: decimals. */
  decimals?: number;
  /** Row: the values as text, null for SQL NULL. */
  values?: readonly (string | null)[];
  /** Raw: the payload; command: the argument of a command other than query/init-db. */
  data?: BytesValue;
}

/** Positions of the two fixed header fields; `len` is little-endian (not a big-endian word: no `at`). */
export const mysqlSchema = defineSchema<MysqlFields>({
  len: {
    kind: 'uint',
    role: 'length',
    max: MYSQL_MAX_PAYLOAD,
    auto: 'computed',
    tshark: 'mysql.packet_length',
    doc: 'payload length (little-endian)',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    at: at(3, 1),
    default: 0,
    tshark: 'mysql.packet_number',
    doc: 'sequence id',
  },
  msg: {
    kind: 'text',
    role: 'shape',
    auto: 'from the fields given (query: command, version: greeting, user: login, ...)',
    doc: 'message: greeting, login, command, ok, err, eof, column_count, column, row, raw',
  },
  protocol: {
    kind: 'uint',
    role: 'value',
    max: 0xff,
    default: 10,
    tshark: 'mysql.protocol',
    tsharkWhen: (f) => f.msg === 'greeting',
    doc: 'greeting: protocol version',
  },
  version: {
    kind: 'text',
    role: 'value',
    default: '8.0.36',
    tshark: 'mysql.version',
    tsharkWhen: (f) => f.msg === 'greeting',
    doc: 'greeting: server version',
  },
  thread_id: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 8,
    tshark: 'mysql.thread_id',
    tsharkWhen: (f) => f.msg === 'greeting',
    doc: 'greeting: connection id',
  },
  salt: {
    kind: 'bytes',
    role: 'value',
    auto: 'a fixed 20-octet scramble and a NUL',
    doc: 'greeting: auth-plugin-data, part 1 then part 2',
  },
  auth_data_len: {
    kind: 'uint',
    role: 'length',
    max: 0xff,
    auto: 'octets of salt written',
    doc: 'greeting: auth-plugin-data length',
  },
  caps: {
    kind: 'uint',
    role: 'shape',
    max: 0xffffffff,
    auto: "greeting: MySQL 8 without TLS; login: libmysqlclient's, +CONNECT_WITH_DB with a schema",
    doc: 'capability flags (decide which login fields are present)',
  },
  charset: {
    kind: 'uint',
    role: 'value',
    max: 0xffff,
    default: 255,
    doc: 'character set (greeting, login: one octet; column: two)',
  },
  status: {
    kind: 'uint',
    role: 'value',
    max: 0xffff,
    default: 2,
    tshark: 'mysql.server_status',
    tsharkWhen: (f) => f.msg === 'greeting' || f.msg === 'ok' || f.msg === 'eof',
    doc: 'server status flags (2: autocommit)',
  },
  auth_plugin: {
    kind: 'text',
    role: 'value',
    default: 'mysql_native_password',
    doc: 'greeting, login: authentication plugin',
  },
  max_packet: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 0x1000000,
    tshark: 'mysql.max_packet',
    tsharkWhen: (f) => f.msg === 'login',
    doc: 'login: largest packet accepted',
  },
  user: {
    kind: 'text',
    role: 'value',
    default: 'root',
    tshark: 'mysql.user',
    tsharkWhen: (f) => f.msg === 'login',
    doc: 'login: user name',
  },
  auth: { kind: 'bytes', role: 'value', auto: 'a fixed 20-octet response', doc: 'login: auth response' },
  schema: {
    kind: 'text',
    role: 'value',
    auto: 'none (login without CONNECT_WITH_DB)',
    doc: 'login, COM_INIT_DB, column: schema',
  },
  attrs: {
    kind: 'bytes',
    role: 'value',
    auto: 'none',
    doc: 'login: connection attributes (with CLIENT_CONNECT_ATTRS)',
  },
  command: {
    kind: 'uint',
    role: 'shape',
    max: 0xff,
    auto: '3 (COM_QUERY) with a query, 2 with a schema',
    tshark: 'mysql.command',
    tsharkWhen: (f) => f.msg === 'command',
    doc: 'command byte',
  },
  query: {
    kind: 'text',
    role: 'value',
    auto: 'empty',
    tshark: 'mysql.query',
    tsharkWhen: (f) => f.msg === 'command' && f.command === MYSQL_COMMAND.query,
    doc: 'COM_QUERY: the SQL text',
  },
  affected_rows: {
    kind: 'uint',
    role: 'value',
    max: Number.MAX_SAFE_INTEGER,
    default: 0,
    tshark: 'mysql.affected_rows',
    tsharkWhen: (f) => f.msg === 'ok',
    doc: 'OK: affected rows',
  },
  insert_id: {
    kind: 'uint',
    role: 'value',
    max: Number.MAX_SAFE_INTEGER,
    default: 0,
    tshark: 'mysql.insert_id',
    tsharkWhen: (f) => f.msg === 'ok',
    doc: 'OK: last insert id',
  },
  warnings: {
    kind: 'uint',
    role: 'value',
    max: 0xffff,
    default: 0,
    tshark: 'mysql.warnings',
    tsharkWhen: (f) => f.msg === 'ok',
    doc: 'OK, EOF: warnings',
  },
  message: {
    kind: 'text',
    role: 'value',
    auto: "OK: none (set '' for the empty info a CLIENT_SESSION_TRACK client gets); ERR: empty",
    tshark: 'mysql.error.message',
    tsharkWhen: (f) => f.msg === 'err',
    doc: 'OK: info text; ERR: error message',
  },
  session_state: { kind: 'bytes', role: 'value', auto: 'none', doc: 'OK: session state changes' },
  error_code: {
    kind: 'uint',
    role: 'value',
    max: 0xffff,
    default: 1064,
    tshark: 'mysql.error_code',
    tsharkWhen: (f) => f.msg === 'err',
    doc: 'ERR: error code',
  },
  sqlstate: {
    kind: 'text',
    role: 'value',
    default: 'HY000',
    tshark: 'mysql.sqlstate',
    tsharkWhen: (f) => f.msg === 'err',
    doc: 'ERR: SQL state (5 characters)',
  },
  count: {
    kind: 'uint',
    role: 'value',
    max: Number.MAX_SAFE_INTEGER,
    default: 1,
    tshark: 'mysql.num_fields',
    tsharkWhen: (f) => f.msg === 'column_count',
    doc: 'column count',
  },
  catalog: {
    kind: 'text',
    role: 'value',
    default: 'def',
    tshark: 'mysql.field.catalog',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: catalog',
  },
  table: {
    kind: 'text',
    role: 'value',
    default: '',
    tshark: 'mysql.field.table',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: table',
  },
  org_table: {
    kind: 'text',
    role: 'value',
    auto: 'table',
    tshark: 'mysql.field.org_table',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: original table',
  },
  name: {
    kind: 'text',
    role: 'value',
    default: '',
    tshark: 'mysql.field.name',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: name',
  },
  org_name: {
    kind: 'text',
    role: 'value',
    auto: 'name',
    tshark: 'mysql.field.org_name',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: original name',
  },
  column_length: {
    kind: 'uint',
    role: 'value',
    max: 0xffffffff,
    default: 11,
    tshark: 'mysql.field.length',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: display length',
  },
  column_type: {
    kind: 'uint',
    role: 'value',
    max: 0xff,
    default: MYSQL_TYPE.long,
    tshark: 'mysql.field.type',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: type',
  },
  column_flags: {
    kind: 'uint',
    role: 'value',
    max: 0xffff,
    default: 0,
    tshark: 'mysql.field.flags',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: flags',
  },
  decimals: {
    kind: 'uint',
    role: 'value',
    max: 0xff,
    default: 0,
    tshark: 'mysql.field.decimals',
    tsharkWhen: (f) => f.msg === 'column',
    doc: 'column: decimals',
  },
  values: { kind: 'json', role: 'value', auto: 'no values', doc: 'row: values as text, null for NULL' },
  data: {
    kind: 'bytes',
    role: 'value',
    auto: 'empty',
    doc: 'raw: the payload; other commands: the argument',
  },
});

const SEQ = offsetOf(mysqlSchema.seq);

export type MysqlLayer = LayerValue<'mysql', MysqlFields>;

export function mysql(fields: MysqlFields = {}): MysqlLayer {
  return { layer: 'mysql', fields };
}

/** The message a layer holds: as given, or from the fields given. */
export function mysqlMessageOf(fields: MysqlFields): MysqlMessage {
  if (fields.msg !== undefined) {
    if (!(MYSQL_MESSAGES as readonly string[]).includes(fields.msg))
      throw new FieldError(
        'mysql',
        'msg',
        `must be one of ${MYSQL_MESSAGES.join(', ')}, got ${String(fields.msg)}`,
      );
    return fields.msg;
  }
  if (fields.query !== undefined || fields.command !== undefined) return 'command';
  if (fields.version !== undefined || fields.thread_id !== undefined || fields.salt !== undefined)
    return 'greeting';
  if (fields.user !== undefined || fields.auth !== undefined) return 'login';
  if (fields.error_code !== undefined || fields.sqlstate !== undefined) return 'err';
  if (fields.values !== undefined) return 'row';
  if (fields.name !== undefined || fields.table !== undefined || fields.column_type !== undefined)
    return 'column';
  if (fields.count !== undefined) return 'column_count';
  if (fields.data !== undefined) return 'raw';
  return 'ok';
}

/* ------------------------------------------------------------------ payload writing */

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The default scramble: fixed, printable (as MySQL's are), the same in every packet. */
const DEFAULT_SALT = Uint8Array.from([...textEncoder.encode('pktcraft-scramble-20'), 0]);
/** The default auth response: 20 octets (a mysql_native_password SHA1 response is 20). */
const DEFAULT_AUTH = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);

/** A growing byte list for one payload (MySQL payloads are small; this is not a hot path). */
class PayloadWriter {
  private bytes = new Uint8Array(64);
  length = 0;
  private room(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  u8(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value & 0xff;
  }
  /** Little-endian integer of `width` octets (up to 8; exact below 2^53). */
  uintLE(value: number, width: number): void {
    this.room(width);
    let rest = value;
    for (let i = 0; i < width; i++) {
      this.bytes[this.length++] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  raw(source: Uint8Array): void {
    this.room(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }
  zeros(count: number): void {
    this.room(count);
    this.bytes.fill(0, this.length, this.length + count);
    this.length += count;
  }
  /** Length-encoded integer (protocol::LengthEncodedInteger). */
  lenenc(value: number): void {
    if (value < 0xfb) this.u8(value);
    else if (value <= 0xffff) {
      this.u8(0xfc);
      this.uintLE(value, 2);
    } else if (value <= 0xffffff) {
      this.u8(0xfd);
      this.uintLE(value, 3);
    } else {
      this.u8(0xfe);
      this.uintLE(value, 8);
    }
  }
  lenencBytes(value: Uint8Array): void {
    this.lenenc(value.length);
    this.raw(value);
  }
  nulText(value: string): void {
    this.raw(textEncoder.encode(value));
    this.u8(0);
  }
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

function textOf(field: keyof MysqlFields, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new FieldError('mysql', field, `must be text, got ${typeof value}`);
  return value;
}

function nulFree(field: keyof MysqlFields, value: string): string {
  if (value.includes('\0'))
    throw new FieldError('mysql', field, 'cannot hold a NUL character (it ends the string on the wire)');
  return value;
}

/** The payload of a message (everything after the 4-octet header). */
export function mysqlPayload(fields: MysqlFields): Uint8Array {
  const w = new PayloadWriter();
  const message = mysqlMessageOf(fields);
  const u = (field: keyof MysqlFields, max: number, fallback: number): number =>
    uintOf('mysql', field, fields[field] as number | undefined, max, fallback);
  switch (message) {
    case 'greeting': {
      const caps = u('caps', 0xffffffff, MYSQL_SERVER_CAPABILITIES);
      const salt = fields.salt === undefined ? DEFAULT_SALT : bytesField('mysql', 'salt', fields.salt);
      const part2 = salt.subarray(Math.min(8, salt.length));
      const part2Length = caps & C.secureConnection ? Math.max(13, part2.length) : 0;
      w.u8(u('protocol', 0xff, 10));
      w.nulText(nulFree('version', textOf('version', fields.version, '8.0.36')));
      w.uintLE(u('thread_id', 0xffffffff, 8), 4);
      w.raw(salt.subarray(0, 8));
      w.zeros(8 - Math.min(8, salt.length));
      w.u8(0); // filler
      w.uintLE(caps & 0xffff, 2);
      w.u8(u('charset', 0xff, 255));
      w.uintLE(u('status', 0xffff, 2), 2);
      w.uintLE(caps >>> 16, 2);
      w.u8(u('auth_data_len', 0xff, caps & C.pluginAuth ? 8 + part2Length : 0));
      w.zeros(10);
      if (part2Length > 0) {
        w.raw(part2);
        w.zeros(part2Length - part2.length);
      }
      if (caps & C.pluginAuth)
        w.nulText(nulFree('auth_plugin', textOf('auth_plugin', fields.auth_plugin, 'mysql_native_password')));
      break;
    }
    case 'login': {
      const schema =
        fields.schema === undefined ? undefined : nulFree('schema', textOf('schema', fields.schema, ''));
      const caps = u(
        'caps',
        0xffffffff,
        MYSQL_CLIENT_CAPABILITIES |
          (schema !== undefined ? C.connectWithDb : 0) |
          (fields.attrs !== undefined ? C.connectAttrs : 0),
      );
      if (!(caps & C.protocol41))
        throw new FieldError(
          'mysql',
          'caps',
          'a login without CLIENT_PROTOCOL_41 (0x200) is not supported; use msg=raw',
        );
      const auth = fields.auth === undefined ? DEFAULT_AUTH : bytesField('mysql', 'auth', fields.auth);
      w.uintLE(caps, 4);
      w.uintLE(u('max_packet', 0xffffffff, 0x1000000), 4);
      w.u8(u('charset', 0xff, 255));
      w.zeros(23);
      w.nulText(nulFree('user', textOf('user', fields.user, 'root')));
      if (caps & C.pluginAuthLenencClientData) w.lenencBytes(auth);
      else if (caps & C.secureConnection) {
        if (auth.length > 0xff)
          throw new FieldError(
            'mysql',
            'auth',
            'longer than 255 octets needs CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA',
          );
        w.u8(auth.length);
        w.raw(auth);
      } else {
        if (auth.includes(0))
          throw new FieldError('mysql', 'auth', 'cannot hold a zero octet without CLIENT_SECURE_CONNECTION');
        w.raw(auth);
        w.u8(0);
      }
      if (caps & C.connectWithDb) w.nulText(schema ?? '');
      if (caps & C.pluginAuth)
        w.nulText(nulFree('auth_plugin', textOf('auth_plugin', fields.auth_plugin, 'mysql_native_password')));
      if (caps & C.connectAttrs)
        w.lenencBytes(bytesField('mysql', 'attrs', fields.attrs ?? new Uint8Array(0)));
      break;
    }
    case 'command': {
      const command = u(
        'command',
        0xff,
        fields.query !== undefined
          ? MYSQL_COMMAND.query
          : fields.schema !== undefined
            ? MYSQL_COMMAND.initDb
            : MYSQL_COMMAND.query,
      );
      w.u8(command);
      if (command === MYSQL_COMMAND.query) w.raw(textEncoder.encode(textOf('query', fields.query, '')));
      else if (command === MYSQL_COMMAND.initDb)
        w.raw(textEncoder.encode(textOf('schema', fields.schema, '')));
      else if (fields.data !== undefined) w.raw(bytesField('mysql', 'data', fields.data));
      break;
    }
    case 'ok':
      w.u8(0x00);
      w.lenenc(u('affected_rows', Number.MAX_SAFE_INTEGER, 0));
      w.lenenc(u('insert_id', Number.MAX_SAFE_INTEGER, 0));
      w.uintLE(u('status', 0xffff, 2), 2);
      w.uintLE(u('warnings', 0xffff, 0), 2);
      // The info as MySQL's net_send_ok writes it: a length-encoded string (net_store_data), always
      // present for a client with CLIENT_SESSION_TRACK (message=''), absent when left out; then the
      // session state changes when there are some.
      if (fields.message !== undefined || fields.session_state !== undefined) {
        w.lenencBytes(textEncoder.encode(textOf('message', fields.message, '')));
        if (fields.session_state !== undefined)
          w.lenencBytes(bytesField('mysql', 'session_state', fields.session_state));
      }
      break;
    case 'err': {
      const sqlstate = textOf('sqlstate', fields.sqlstate, 'HY000');
      const state = textEncoder.encode(sqlstate);
      if (state.length !== 5)
        throw new FieldError('mysql', 'sqlstate', `must be 5 characters, got '${sqlstate}'`);
      w.u8(0xff);
      w.uintLE(u('error_code', 0xffff, 1064), 2);
      w.u8(0x23); // '#'
      w.raw(state);
      w.raw(textEncoder.encode(textOf('message', fields.message, '')));
      break;
    }
    case 'eof':
      w.u8(0xfe);
      w.uintLE(u('warnings', 0xffff, 0), 2);
      w.uintLE(u('status', 0xffff, 2), 2);
      break;
    case 'column_count':
      w.lenenc(u('count', Number.MAX_SAFE_INTEGER, 1));
      break;
    case 'column': {
      const table = textOf('table', fields.table, '');
      const name = textOf('name', fields.name, '');
      w.lenencBytes(textEncoder.encode(textOf('catalog', fields.catalog, 'def')));
      w.lenencBytes(textEncoder.encode(textOf('schema', fields.schema, '')));
      w.lenencBytes(textEncoder.encode(table));
      w.lenencBytes(textEncoder.encode(textOf('org_table', fields.org_table, table)));
      w.lenencBytes(textEncoder.encode(name));
      w.lenencBytes(textEncoder.encode(textOf('org_name', fields.org_name, name)));
      w.u8(0x0c); // length of the fixed-length fields
      w.uintLE(u('charset', 0xffff, 63), 2);
      w.uintLE(u('column_length', 0xffffffff, 11), 4);
      w.u8(u('column_type', 0xff, MYSQL_TYPE.long));
      w.uintLE(u('column_flags', 0xffff, 0), 2);
      w.u8(u('decimals', 0xff, 0));
      w.zeros(2);
      break;
    }
    case 'row': {
      const values = fields.values ?? [];
      if (!Array.isArray(values))
        throw new FieldError('mysql', 'values', 'must be a list of text values (null for NULL)');
      values.forEach((value: unknown, index: number) => {
        if (value === null) w.u8(0xfb);
        else if (typeof value === 'string') w.lenencBytes(textEncoder.encode(value));
        else if (typeof value === 'number' && Number.isFinite(value))
          w.lenencBytes(textEncoder.encode(String(value)));
        else throw new FieldError('mysql', 'values', `value ${index} must be text, a number or null`);
      });
      break;
    }
    case 'raw':
      w.raw(bytesField('mysql', 'data', fields.data));
      break;
  }
  return w.result();
}

/* ------------------------------------------------------------------ codec */

/**
 * Payloads of the layers being encoded, computed once per layer by `headerLength` and written by
 * `encode` (MySQL packets are built through the generic path: one payload per packet).
 */
const pending = new WeakMap<MysqlFields, Uint8Array>();

function payloadFor(fields: MysqlFields): Uint8Array {
  let payload = pending.get(fields);
  if (payload === undefined) {
    payload = mysqlPayload(fields);
    pending.set(fields, payload);
  }
  return payload;
}

/* ------------------------------------------------------------------ payload reading */

/** A bounds-checked little-endian reader over one payload; running out throws DecodeError. */
class PayloadReader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {}
  get left(): number {
    return this.end - this.at;
  }
  private need(count: number, field: string): number {
    if (count < 0 || this.at + count > this.end)
      throw new DecodeError(
        'mysql',
        this.at,
        `truncated ${field}: need ${count} bytes, have ${Math.max(0, this.end - this.at)}`,
        {
          field,
          expected: count,
          actual: Math.max(0, this.end - this.at),
        },
      );
    const start = this.at;
    this.at += count;
    return start;
  }
  u8(field: string): number {
    return this.bytes[this.need(1, field)] ?? 0;
  }
  uintLE(width: number, field: string): number {
    const start = this.need(width, field);
    let value = 0;
    for (let i = width - 1; i >= 0; i--) value = value * 256 + (this.bytes[start + i] ?? 0);
    return value;
  }
  view(count: number, field: string): Uint8Array {
    const start = this.need(count, field);
    return this.bytes.subarray(start, start + count);
  }
  rest(): Uint8Array {
    return this.view(this.end - this.at, 'rest');
  }
  lenenc(field: string): number {
    const first = this.u8(field);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.uintLE(2, field);
    if (first === 0xfd) return this.uintLE(3, field);
    if (first === 0xfe) {
      const value = this.uintLE(8, field);
      if (!Number.isSafeInteger(value))
        throw new DecodeError('mysql', this.at - 8, `${field} above 2^53 is not representable`, { field });
      return value;
    }
    throw new DecodeError(
      'mysql',
      this.at - 1,
      `${field}: 0x${first.toString(16)} does not start a length-encoded integer`,
      { field },
    );
  }
  lenencBytes(field: string): Uint8Array {
    const start = this.at;
    const length = this.lenenc(field);
    // Checked against the bytes present before any view is taken.
    if (length > this.left)
      throw new DecodeError('mysql', start, `truncated ${field}: length ${length}, have ${this.left}`, {
        field,
        expected: length,
        actual: this.left,
      });
    return this.view(length, field);
  }
  nulBytes(field: string): Uint8Array {
    const start = this.at;
    let nul = start;
    while (nul < this.end && this.bytes[nul] !== 0) nul++;
    if (nul >= this.end) throw new DecodeError('mysql', start, `${field} has no terminating NUL`, { field });
    this.at = nul + 1;
    return this.bytes.subarray(start, nul);
  }
}

function text(bytes: Uint8Array, field: string, offset: number): string {
  try {
    return textDecoder.decode(bytes);
  } catch {
    throw new DecodeError('mysql', offset, `${field} is not UTF-8 text`, { field });
  }
}

/** Who sent the packet, from the enclosing TCP header's ports and the mysql port bindings. */
function sideOf(context: DecodeContext): 'server' | 'client' | undefined {
  const { sourcePort, destinationPort } = context;
  if (sourcePort === undefined || destinationPort === undefined) return undefined;
  const fromServer = context.bindings.tcpPort.get(sourcePort) === 'mysql';
  const toServer = context.bindings.tcpPort.get(destinationPort) === 'mysql';
  if (fromServer && !toServer) return 'server';
  if (toServer && !fromServer) return 'client';
  return undefined;
}

function isLenencOnly(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  if (first < 0xfb) return payload.length === 1;
  if (first === 0xfc) return payload.length === 3;
  if (first === 0xfd) return payload.length === 4;
  return false;
}

/** Without ports: a HandshakeResponse41 has CLIENT_PROTOCOL_41 and 23 zero filler octets at 9..31. */
function looksLikeLogin(payload: Uint8Array, seq: number): boolean {
  if (seq !== 1 || payload.length < 33 || !((payload[1] ?? 0) & (C.protocol41 >>> 8))) return false;
  for (let i = 9; i < 32; i++) if (payload[i] !== 0) return false;
  return true;
}

/** The message a payload most likely is (see the module comment). */
function classify(payload: Uint8Array, seq: number, side: 'server' | 'client' | undefined): MysqlMessage {
  const first = payload[0];
  if (first === undefined) return 'raw';
  const looksLikeGreeting = seq === 0 && first === 10 && payload.length > 1 && payload.indexOf(0, 1) > 1;
  const server =
    side ?? (looksLikeGreeting || (seq > 0 && !looksLikeLogin(payload, seq)) ? 'server' : 'client');
  if (server === 'client') {
    if (seq === 0) return 'command';
    if (seq === 1) return 'login';
    return 'raw';
  }
  if (seq === 0) return first === 10 ? 'greeting' : 'raw';
  if (first === 0xff) return 'err';
  if (first === 0xfe && payload.length < 9) return 'eof';
  if (first === 0x00 && payload.length >= 7 && seq <= 3) return 'ok';
  if (payload.length > 4 && first === 3 && payload[1] === 0x64 && payload[2] === 0x65 && payload[3] === 0x66)
    return 'column';
  if (seq === 1 && isLenencOnly(payload)) return 'column_count';
  return 'row';
}

/** Typed fields of a payload read as `message` (throws DecodeError when the bytes do not fit it). */
function readMessage(bytes: Uint8Array, start: number, end: number, message: MysqlMessage): MysqlFields {
  const r = new PayloadReader(bytes, start, end);
  switch (message) {
    case 'greeting': {
      const protocol = r.u8('protocol');
      const versionAt = r.at;
      const version = text(r.nulBytes('version'), 'version', versionAt);
      const thread_id = r.uintLE(4, 'thread_id');
      const part1 = r.view(8, 'salt');
      r.u8('filler');
      const capsLow = r.uintLE(2, 'caps');
      const charset = r.u8('charset');
      const status = r.uintLE(2, 'status');
      const caps = (capsLow | (r.uintLE(2, 'caps') << 16)) >>> 0;
      const auth_data_len = r.u8('auth_data_len');
      r.view(10, 'reserved');
      const part2 =
        caps & C.secureConnection ? r.view(Math.max(13, auth_data_len - 8), 'salt') : new Uint8Array(0);
      const salt = new Uint8Array(part1.length + part2.length);
      salt.set(part1);
      salt.set(part2, part1.length);
      const fields: MysqlFields = {
        msg: 'greeting',
        protocol,
        version,
        thread_id,
        salt,
        auth_data_len,
        caps,
        charset,
        status,
      };
      if (caps & C.pluginAuth) {
        const at = r.at;
        fields.auth_plugin = text(r.nulBytes('auth_plugin'), 'auth_plugin', at);
      }
      return fields;
    }
    case 'login': {
      const caps = r.uintLE(4, 'caps');
      if (!(caps & C.protocol41))
        throw new DecodeError('mysql', start, 'a login without CLIENT_PROTOCOL_41', { field: 'caps' });
      const max_packet = r.uintLE(4, 'max_packet');
      const charset = r.u8('charset');
      r.view(23, 'filler');
      const userAt = r.at;
      const user = text(r.nulBytes('user'), 'user', userAt);
      let auth: Uint8Array;
      if (caps & C.pluginAuthLenencClientData) auth = r.lenencBytes('auth');
      else if (caps & C.secureConnection) auth = r.view(r.u8('auth'), 'auth');
      else auth = r.nulBytes('auth');
      const fields: MysqlFields = { msg: 'login', caps, max_packet, charset, user, auth };
      if (caps & C.connectWithDb) {
        const at = r.at;
        fields.schema = text(r.nulBytes('schema'), 'schema', at);
      }
      if (caps & C.pluginAuth) {
        const at = r.at;
        fields.auth_plugin = text(r.nulBytes('auth_plugin'), 'auth_plugin', at);
      }
      if (caps & C.connectAttrs) fields.attrs = r.lenencBytes('attrs');
      return fields;
    }
    case 'command': {
      const command = r.u8('command');
      const argAt = r.at;
      const argument = r.rest();
      if (command === MYSQL_COMMAND.query)
        return { msg: 'command', command, query: text(argument, 'query', argAt) };
      if (command === MYSQL_COMMAND.initDb)
        return { msg: 'command', command, schema: text(argument, 'schema', argAt) };
      return argument.length > 0 ? { msg: 'command', command, data: argument } : { msg: 'command', command };
    }
    case 'ok': {
      r.u8('header');
      const affected_rows = r.lenenc('affected_rows');
      const insert_id = r.lenenc('insert_id');
      const status = r.uintLE(2, 'status');
      const warnings = r.uintLE(2, 'warnings');
      const fields: MysqlFields = { msg: 'ok', affected_rows, insert_id, status, warnings };
      if (r.left > 0) {
        const at = r.at;
        fields.message = text(r.lenencBytes('message'), 'message', at);
      }
      if (r.left > 0) fields.session_state = r.lenencBytes('session_state');
      return fields;
    }
    case 'err': {
      r.u8('header');
      const error_code = r.uintLE(2, 'error_code');
      if (r.u8('sqlstate') !== 0x23)
        throw new DecodeError('mysql', r.at - 1, 'no # before the SQL state', { field: 'sqlstate' });
      const stateAt = r.at;
      const sqlstate = text(r.view(5, 'sqlstate'), 'sqlstate', stateAt);
      const at = r.at;
      return { msg: 'err', error_code, sqlstate, message: text(r.rest(), 'message', at) };
    }
    case 'eof':
      r.u8('header');
      return { msg: 'eof', warnings: r.uintLE(2, 'warnings'), status: r.uintLE(2, 'status') };
    case 'column_count':
      return { msg: 'column_count', count: r.lenenc('count') };
    case 'column': {
      const str = (field: keyof MysqlFields): string => {
        const at = r.at;
        return text(r.lenencBytes(field), field, at);
      };
      const fields: MysqlFields = {
        msg: 'column',
        catalog: str('catalog'),
        schema: str('schema'),
        table: str('table'),
        org_table: str('org_table'),
        name: str('name'),
        org_name: str('org_name'),
      };
      r.lenenc('fixed_length');
      fields.charset = r.uintLE(2, 'charset');
      fields.column_length = r.uintLE(4, 'column_length');
      fields.column_type = r.u8('column_type');
      fields.column_flags = r.uintLE(2, 'column_flags');
      fields.decimals = r.u8('decimals');
      r.view(2, 'filler');
      return fields;
    }
    case 'row': {
      const values: (string | null)[] = [];
      // Each value takes at least one octet: the loop ends within the payload.
      while (r.left > 0) {
        if (bytes[r.at] === 0xfb) {
          r.u8('values');
          values.push(null);
        } else {
          const at = r.at;
          values.push(text(r.lenencBytes('values'), 'values', at));
        }
      }
      return { msg: 'row', values };
    }
    case 'raw':
      return { msg: 'raw', data: r.rest() };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface MysqlInfo {
  /** Wireshark-like name of the message ("Server Greeting", "Request Query", "Response OK"). */
  readonly message: string;
  /** Octets of the payload not in this segment (the packet continues in a later one). */
  readonly continues?: number;
  /** Why a payload that looked like a message stayed raw. */
  readonly note?: string;
}

export type MysqlDecodedFields = MysqlFields & { len: number; seq: number; msg: MysqlMessage };

function messageTitle(fields: MysqlFields): string {
  switch (fields.msg) {
    case 'greeting':
      return 'Server Greeting';
    case 'login':
      return 'Login Request';
    case 'command':
      return `Request ${COMMAND_NAMES[fields.command ?? -1] ?? `Command 0x${(fields.command ?? 0).toString(16)}`}`;
    case 'ok':
      return 'Response OK';
    case 'err':
      return 'Response Error';
    case 'eof':
      return 'Response EOF';
    case 'column_count':
      return 'Response Column Count';
    case 'column':
      return 'Response Field';
    case 'row':
      return 'Response Row';
    default:
      return 'Data';
  }
}

export const mysqlCodec: LayerCodec<MysqlFields> = {
  name: 'mysql',
  title: 'MySQL Protocol',
  schema: mysqlSchema,
  // The header and the whole payload: the next layer (another packet) starts after them.
  headerLength: (fields) => MYSQL_HEADER + payloadFor(fields).length,
  encode(fields: MysqlFields, frame: EncodeFrame): void {
    const payload = payloadFor(fields);
    pending.delete(fields);
    const { out, offset } = frame;
    if (fields.len === undefined && payload.length > MYSQL_MAX_PAYLOAD)
      throw new FieldError(
        'mysql',
        'len',
        `payload of ${payload.length} octets needs splitting into packets of at most ${MYSQL_MAX_PAYLOAD}`,
      );
    const len = uintOf('mysql', 'len', fields.len, MYSQL_MAX_PAYLOAD, payload.length);
    out[offset] = len & 0xff;
    out[offset + 1] = (len >>> 8) & 0xff;
    out[offset + 2] = len >>> 16;
    out[offset + SEQ] = uintOf('mysql', 'seq', fields.seq, 0xff, 0);
    out.set(payload, offset + MYSQL_HEADER);
  },
  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<MysqlFields> {
    if (end - offset < MYSQL_HEADER)
      throw new DecodeError(
        'mysql',
        offset,
        `truncated header: need ${MYSQL_HEADER} bytes, have ${Math.max(0, end - offset)}`,
        {
          expected: MYSQL_HEADER,
          actual: Math.max(0, end - offset),
        },
      );
    const len = (bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8) | ((bytes[offset + 2] ?? 0) << 16);
    const seq = bytes[offset + SEQ] ?? 0;
    const start = offset + MYSQL_HEADER;
    const present = end - start;
    if (len > present) {
      // The packet continues in later segments: the bytes here stay raw, as Wireshark shows them
      // before reassembly.
      const fields: MysqlDecodedFields = { len, seq, msg: 'raw', data: bytes.subarray(start, end) };
      const info: Record<string, unknown> = { message: 'Data', continues: len - present };
      return { fields, headerLength: MYSQL_HEADER + present, contentEnd: end, next: undefined, info };
    }
    const payloadEnd = start + len;
    const payload = bytes.subarray(start, payloadEnd);
    const guess = classify(payload, seq, sideOf(context));
    let typed: MysqlFields = { msg: 'raw', data: payload };
    let note: string | undefined;
    if (guess !== 'raw') {
      try {
        const candidate = readMessage(bytes, start, payloadEnd, guess);
        if (sameBytes(mysqlPayload(candidate), payload)) typed = candidate;
        else note = `reads as ${guess} but not in the form pktcraft writes: kept raw`;
      } catch (error) {
        if (!(error instanceof DecodeError) && !(error instanceof FieldError)) throw error;
        note = `not a ${guess}: ${error instanceof DecodeError ? error.reason : error.message}`;
      }
    }
    const fields: MysqlDecodedFields = { len, seq, ...typed, msg: typed.msg ?? 'raw' };
    const info: Record<string, unknown> = { message: messageTitle(fields) };
    if (note !== undefined) info.note = note;
    const next = payloadEnd < end ? 'mysql' : undefined;
    return { fields, headerLength: MYSQL_HEADER + len, contentEnd: end, next, info };
  },
  summary(fields: MysqlFields, info?: Readonly<Record<string, unknown>>): string {
    const title = (info?.message as string | undefined) ?? messageTitle(fields);
    if (fields.msg === 'command' && fields.query !== undefined) return `${title}: ${fields.query}`;
    if (fields.msg === 'err') return `${title}: ${fields.error_code} (${fields.sqlstate}) ${fields.message}`;
    if (fields.msg === 'ok') return `${title}: affected rows ${fields.affected_rows}`;
    if (fields.msg === 'greeting') return `${title}: ${fields.version}`;
    if (fields.msg === 'login') return `${title}: user ${fields.user}`;
    return title;
  },
};
