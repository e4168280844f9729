/**
 * TLS (RFC 8446 §5.1, and the TLS 1.2 record format of RFC 5246 §6.2 for the legacy fields) as
 * packet layers over TCP (port 443):
 *
 * `tls`: one record header. A TCP segment that starts inside a record (a record spread over several
 * segments) decodes as `tls(continuation=1)`, which has no header: its bytes stay raw, as Wireshark's
 * "Continuation Data". Decode lists every record of the segment in `info.records` (content type,
 * version, length; protected records are shown as encrypted; plaintext handshake messages by name).
 *
 *   0        1        2        3        4
 *  +--------+--------+--------+--------+--------+
 *  |  type  | legacy_record_version |  length  |   then `length` octets of fragment
 *  +--------+--------+--------+--------+--------+
 *
 * `clienthello`: a ClientHello handshake message (msg_type 1, uint24 length, body), for crafting
 * (`tls/clienthello(sni=shop.example.com,alpn=h2)`) and decoding with JA3/JA4 fingerprints.
 * Defaults are pktcraft's own client: TLS 1.3 only, X25519 key share, the three TLS 1.3 suites; the
 * random, session id and key share are fixed (seeded) so a spec always gives the same bytes. `extensions`
 * (a JSON list of {type, data}) replaces the whole extension list byte-exact; decode fills it.
 */
import { toHex } from '../core/bytes.js';
import { DecodeError, FieldError } from '../core/errors.js';
import { cipherSuiteName } from '../tls/cipher-suites.js';
import { EXTENSION, extensionName, type TlsExtension } from '../tls/extensions.js';
import { ja3, ja3Text, ja4, ja4Raw } from '../tls/fingerprint.js';
import { type ClientHello, decodeHandshakes, encodeHandshake, handshakeName } from '../tls/handshake.js';
import { x25519PublicKey } from '../tls/keys.js';
import { clientHelloFor, seededBytes } from '../tls/session.js';
import { bytesOf } from './bytes-value.js';
import { uintOf } from './field-check.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { at, defineSchema } from './schema.js';

export const TLS_RECORD_TYPE_OFFSET = 0;
export const TLS_RECORD_VERSION_OFFSET = 1;
export const TLS_RECORD_LENGTH_OFFSET = 3;
export const TLS_RECORD_HEADER = 5;
export const HANDSHAKE_HEADER = 4;

export const TLS_CONTENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  20: 'Change Cipher Spec',
  21: 'Alert',
  22: 'Handshake',
  23: 'Application Data',
  24: 'Heartbeat',
};

export interface TlsRecordFields {
  /** ContentType: 20 change_cipher_spec, 21 alert, 22 handshake (default before a clienthello), 23 application_data (default otherwise). */
  type?: number;
  /** legacy_record_version: default 0x0301 before a ClientHello (as clients send it), otherwise 0x0303. */
  version?: number;
  /** Fragment length; default computed from the inner layers. */
  len?: number;
  /** 1: no record header here, the segment continues a record begun earlier. */
  continuation?: number;
}

/** The record header's fields: positions, roles and defaults in one table. */
export const tlsSchema = defineSchema<TlsRecordFields>({
  type: {
    kind: 'uint',
    role: 'shape',
    at: at(TLS_RECORD_TYPE_OFFSET, 1),
    auto: '22 (handshake) before a clienthello, else 23 (application data)',
    tshark: 'tls.record.content_type',
    doc: 'content type: 20 CCS, 21 alert, 22 handshake, 23 application data',
  },
  version: {
    kind: 'uint',
    role: 'value',
    at: at(TLS_RECORD_VERSION_OFFSET, 2),
    auto: '0x0301 before a clienthello, else 0x0303',
    tshark: 'tls.record.version',
    doc: 'legacy_record_version',
  },
  len: {
    kind: 'uint',
    role: 'length',
    at: at(TLS_RECORD_LENGTH_OFFSET, 2),
    auto: 'computed',
    tshark: 'tls.record.length',
    doc: 'fragment length',
  },
  continuation: {
    kind: 'uint',
    role: 'shape',
    max: 1,
    default: 0,
    doc: '1: no header, the bytes continue a record begun in an earlier segment',
  },
});

export type TlsRecordLayer = LayerValue<'tls', TlsRecordFields>;

export function tls(fields: TlsRecordFields = {}): TlsRecordLayer {
  return { layer: 'tls', fields };
}

function looksLikeRecord(bytes: Uint8Array, offset: number, end: number): boolean {
  if (end - offset < TLS_RECORD_HEADER) return false;
  const type = bytes[offset] ?? 0;
  return type >= 20 && type <= 24 && bytes[offset + 1] === 3 && (bytes[offset + 2] ?? 9) <= 4;
}

/** Every record in [offset, end) for display: stops at a record cut short (continued in a later segment). */
function describeRecords(bytes: Uint8Array, offset: number, end: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  let at = offset;
  let encrypted = false;
  while (at + TLS_RECORD_HEADER <= end && looksLikeRecord(bytes, at, end)) {
    const type = bytes[at] ?? 0;
    const length = ((bytes[at + 3] ?? 0) << 8) | (bytes[at + 4] ?? 0);
    const entry: Record<string, unknown> = {
      offset: at,
      type,
      name: TLS_CONTENT_TYPE_NAMES[type] ?? 'Unknown',
      version: `0x${(((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0)).toString(16).padStart(4, '0')}`,
      length,
    };
    const fragmentEnd = at + TLS_RECORD_HEADER + length;
    if (fragmentEnd > end) entry.continues = `${fragmentEnd - end} octets in later segments`;
    if (type === 20) encrypted = true;
    if (type === 23) entry.encrypted = true;
    else if (type === 22 && !encrypted && fragmentEnd <= end) {
      try {
        entry.handshake = decodeHandshakes(bytes, at + TLS_RECORD_HEADER, fragmentEnd).map((message) => {
          const item: Record<string, unknown> = {
            name: handshakeName(message.msg === 'other' ? message.type : typeOf(message.msg)),
          };
          if (message.msg === 'server_hello') {
            item.cipher_suite = cipherSuiteName(message.cipher_suite);
            const selected = message.extensions.find(
              (e) => e.type === EXTENSION.supported_versions,
            )?.selected_version;
            if (selected !== undefined) item.selected_version = `0x${selected.toString(16)}`;
          }
          return item;
        });
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        entry.handshake_error = error.reason;
      }
    } else if (type === 21 && length === 2 && fragmentEnd <= end) {
      entry.level = bytes[at + 5];
      entry.description = bytes[at + 6];
    }
    records.push(entry);
    at = fragmentEnd;
  }
  return records;
}

function typeOf(msg: string): number {
  return (
    {
      client_hello: 1,
      server_hello: 2,
      new_session_ticket: 4,
      encrypted_extensions: 8,
      certificate: 11,
      certificate_verify: 15,
      finished: 20,
    }[msg] ?? 0
  );
}

/** A continuation's fields and info are the same for every segment: shared, frozen, not built per decode. */
const CONTINUATION_FIELDS: TlsRecordFields = Object.freeze({ continuation: 1 });
const CONTINUATION_INFO = Object.freeze({ continuation: 'data of a record begun in an earlier segment' });

export const tlsCodec: LayerCodec<TlsRecordFields> = {
  name: 'tls',
  title: 'Transport Layer Security',
  schema: tlsSchema,
  headerLength: (fields) => (fields.continuation ? 0 : TLS_RECORD_HEADER),
  encode(fields: TlsRecordFields, frame: EncodeFrame): void {
    if (uintOf('tls', 'continuation', fields.continuation, 1, 0)) return;
    const { out, offset } = frame;
    const beforeHello = frame.layers[frame.index + 1]?.layer === 'clienthello';
    out[offset + TLS_RECORD_TYPE_OFFSET] = uintOf('tls', 'type', fields.type, 0xff, beforeHello ? 22 : 23);
    const version = uintOf('tls', 'version', fields.version, 0xffff, beforeHello ? 0x0301 : 0x0303);
    out[offset + TLS_RECORD_VERSION_OFFSET] = version >>> 8;
    out[offset + TLS_RECORD_VERSION_OFFSET + 1] = version & 0xff;
    const computed = frame.payloadEnd - offset - TLS_RECORD_HEADER;
    if (fields.len === undefined && computed > 0xffff)
      throw new FieldError('tls', 'len', `fragment of ${computed} octets does not fit the 16-bit length`);
    const length = uintOf('tls', 'len', fields.len, 0xffff, computed);
    out[offset + TLS_RECORD_LENGTH_OFFSET] = length >>> 8;
    out[offset + TLS_RECORD_LENGTH_OFFSET + 1] = length & 0xff;
  },
  decode(
    bytes: Uint8Array,
    offset: number,
    end: number,
    _context: DecodeContext,
  ): DecodeStep<TlsRecordFields> {
    if (!looksLikeRecord(bytes, offset, end)) {
      return {
        fields: CONTINUATION_FIELDS,
        headerLength: 0,
        contentEnd: end,
        next: undefined,
        info: CONTINUATION_INFO,
      };
    }
    const type = bytes[offset] ?? 0;
    const fields: TlsRecordFields = {
      type,
      version: ((bytes[offset + 1] ?? 0) << 8) | (bytes[offset + 2] ?? 0),
      len: ((bytes[offset + 3] ?? 0) << 8) | (bytes[offset + 4] ?? 0),
    };
    const records = describeRecords(bytes, offset, end);
    const fragmentEnd = Math.min(end, offset + TLS_RECORD_HEADER + (fields.len ?? 0));
    const next =
      type === 22 &&
      fragmentEnd - offset > TLS_RECORD_HEADER &&
      bytes[offset + TLS_RECORD_HEADER] === 1 &&
      fragmentEnd - offset - TLS_RECORD_HEADER >= HANDSHAKE_HEADER
        ? 'clienthello'
        : undefined;
    return {
      fields,
      headerLength: TLS_RECORD_HEADER,
      contentEnd: next ? end : fragmentEnd,
      next,
      info: { records },
    };
  },
  summary(fields: TlsRecordFields, info?: Readonly<Record<string, unknown>>): string {
    if (fields.continuation) return 'Continuation Data';
    const records = (info?.records as Record<string, unknown>[] | undefined) ?? [];
    const names = records.map((record) => {
      const handshake = record.handshake as { name: string }[] | undefined;
      if (handshake) return handshake.map((m) => m.name).join(', ');
      return record.encrypted ? 'Application Data (encrypted)' : String(record.name);
    });
    return names.length > 0 ? names.join(', ') : (TLS_CONTENT_TYPE_NAMES[fields.type ?? 0] ?? 'Unknown');
  },
};

/* ---------------------------------------------------------------- ClientHello */

export interface ClientHelloFields {
  /** Handshake body length (uint24); default computed. */
  len?: number;
  /** legacy_version; default 0x0303. */
  version?: number;
  random?: BytesValue;
  session_id?: BytesValue;
  /** Cipher suite numbers; default [0x1301, 0x1302, 0x1303]. */
  cipher_suites?: readonly number[];
  compression?: readonly number[];
  /** server_name host name ("" or absent: no extension). */
  sni?: string;
  /** ALPN protocols, comma-separated ("h2,http/1.1"). */
  alpn?: string;
  groups?: readonly number[];
  sigalgs?: readonly number[];
  versions?: readonly number[];
  /** X25519 key share (32 octets); default a fixed test key. */
  key_share?: BytesValue;
  /** The whole extension list, byte-exact: [{"type":0,"data":"..."}, ...]; overrides sni/alpn/groups/... */
  extensions?: readonly { type: number; data?: BytesValue }[];
}

export type ClientHelloLayer = LayerValue<'clienthello', ClientHelloFields>;

export function clienthello(fields: ClientHelloFields = {}): ClientHelloLayer {
  return { layer: 'clienthello', fields };
}

const DEFAULT_RANDOM = seededBytes(0, 'build client random', 32);
const DEFAULT_SESSION_ID = seededBytes(0, 'build session id', 32);
let defaultKeyShare: Uint8Array | undefined;

function bytesField(field: string, value: BytesValue | undefined, fallback: Uint8Array): Uint8Array {
  if (value === undefined) return fallback;
  try {
    return bytesOf(value);
  } catch (error) {
    throw new FieldError('clienthello', field, (error as Error).message);
  }
}

function numberList(field: string, value: unknown, max: number): number[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new FieldError('clienthello', field, 'expected a list of numbers');
  return value.map((item) => uintOf('clienthello', field, item as number, max, 0));
}

/** The ClientHello message a layer's fields describe. */
export function clientHelloMessage(fields: ClientHelloFields): ClientHello {
  const random = bytesField('random', fields.random, DEFAULT_RANDOM);
  if (random.length !== 32)
    throw new FieldError('clienthello', 'random', `must be 32 octets, got ${random.length}`);
  const sessionId = bytesField('session_id', fields.session_id, DEFAULT_SESSION_ID);
  if (sessionId.length > 32) throw new FieldError('clienthello', 'session_id', 'at most 32 octets');
  defaultKeyShare ??= x25519PublicKey(seededBytes(0, 'build client x25519', 32));
  const base = clientHelloFor({
    random,
    sessionId,
    keyShare: bytesField('key_share', fields.key_share, defaultKeyShare),
    serverName: fields.sni,
    alpn:
      fields.alpn === undefined
        ? undefined
        : fields.alpn
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name.length > 0),
    cipherSuites: numberList('cipher_suites', fields.cipher_suites, 0xffff),
  });
  if (base.msg !== 'client_hello') throw new Error('clientHelloFor gave another message');
  let extensions: TlsExtension[] = [...base.extensions];
  const groups = numberList('groups', fields.groups, 0xffff);
  const sigalgs = numberList('sigalgs', fields.sigalgs, 0xffff);
  const versions = numberList('versions', fields.versions, 0xffff);
  extensions = extensions.map((extension) => {
    if (groups && extension.type === EXTENSION.supported_groups) return { ...extension, groups };
    if (sigalgs && extension.type === EXTENSION.signature_algorithms)
      return { ...extension, signature_algorithms: sigalgs };
    if (versions && extension.type === EXTENSION.supported_versions) return { ...extension, versions };
    return extension;
  });
  if (fields.extensions !== undefined) {
    if (!Array.isArray(fields.extensions))
      throw new FieldError('clienthello', 'extensions', 'expected a list of {type, data}');
    extensions = fields.extensions.map((entry) => {
      if (typeof entry !== 'object' || entry === null)
        throw new FieldError('clienthello', 'extensions', 'each entry is {type, data}');
      return {
        type: uintOf('clienthello', 'extensions.type', entry.type, 0xffff, 0),
        data: bytesField('extensions.data', entry.data, new Uint8Array(0)),
      };
    });
  }
  return {
    ...base,
    legacy_version: uintOf('clienthello', 'version', fields.version, 0xffff, 0x0303),
    compression_methods: numberList('compression', fields.compression, 0xff) ?? [0],
    extensions,
    ...(fields.len !== undefined ? { len: uintOf('clienthello', 'len', fields.len, 0xffffff, 0) } : {}),
  };
}

/** Encoded message per fields object (headerLength and encode see the same fields in turn). */
const encoded = new WeakMap<ClientHelloFields, Uint8Array>();

function encodedHello(fields: ClientHelloFields): Uint8Array {
  let bytes = encoded.get(fields);
  if (!bytes) {
    bytes = encodeHandshake(clientHelloMessage(fields));
    encoded.set(fields, bytes);
  }
  return bytes;
}

/** Display facts of a ClientHello: parsed extensions and the JA3/JA4 fingerprints. */
export function clientHelloInfo(hello: ClientHello): Record<string, unknown> {
  const find = (type: number) => hello.extensions.find((extension) => extension.type === type);
  const info: Record<string, unknown> = {
    cipher_suites: hello.cipher_suites.map(cipherSuiteName),
    extension_names: hello.extensions.map((extension) => extensionName(extension.type)),
  };
  const sni = find(EXTENSION.server_name)?.server_name;
  if (sni !== undefined) info.sni = sni;
  const alpn = find(EXTENSION.alpn)?.alpn;
  if (alpn) info.alpn = alpn;
  const versions = find(EXTENSION.supported_versions)?.versions;
  if (versions) info.supported_versions = versions.map((v) => `0x${v.toString(16).padStart(4, '0')}`);
  const groups = find(EXTENSION.supported_groups)?.groups;
  if (groups) info.groups = groups;
  const sigalgs = find(EXTENSION.signature_algorithms)?.signature_algorithms;
  if (sigalgs) info.sigalgs = sigalgs.map((v) => `0x${v.toString(16).padStart(4, '0')}`);
  const shares = find(EXTENSION.key_share)?.key_shares;
  if (shares) info.key_shares = shares.map((share) => ({ group: share.group, key: toHex(share.key) }));
  info.ja3_full = ja3Text(hello);
  info.ja3 = ja3(hello);
  info.ja4 = ja4(hello);
  info.ja4_r = ja4Raw(hello);
  return info;
}

/** The ClientHello's fields (the message is irregular: no fixed positions past the header). */
export const clientHelloSchema = defineSchema<ClientHelloFields>({
  len: {
    kind: 'uint',
    role: 'length',
    at: at(1, 3),
    auto: 'computed',
    tshark: 'tls.handshake.length',
    doc: 'handshake length',
  },
  version: {
    kind: 'uint',
    role: 'value',
    at: at(HANDSHAKE_HEADER, 2),
    default: 0x0303,
    tshark: 'tls.handshake.version',
    doc: 'legacy_version',
  },
  random: { kind: 'bytes', role: 'value', auto: 'a fixed test value', doc: '32-octet random' },
  session_id: { kind: 'bytes', role: 'shape', auto: '32 fixed octets', doc: 'legacy_session_id' },
  cipher_suites: {
    kind: 'json',
    role: 'shape',
    auto: '[4865,4866,4867] (the TLS 1.3 suites)',
    doc: 'cipher suites, e.g. "[4865,4866,4867]"',
  },
  compression: { kind: 'json', role: 'shape', auto: '[0]', doc: 'compression methods' },
  sni: { kind: 'text', role: 'shape', auto: 'none', doc: 'server_name host name' },
  alpn: { kind: 'text', role: 'shape', auto: 'none', doc: 'ALPN protocols, comma-separated ("h2,http/1.1")' },
  groups: { kind: 'json', role: 'shape', auto: '[29,23,24]', doc: 'supported_groups' },
  sigalgs: { kind: 'json', role: 'shape', auto: "pktcraft's client list", doc: 'signature_algorithms' },
  versions: { kind: 'json', role: 'shape', auto: '[772] (TLS 1.3)', doc: 'supported_versions' },
  key_share: { kind: 'bytes', role: 'shape', auto: 'a fixed test key', doc: 'X25519 key share, 32 octets' },
  extensions: {
    kind: 'json',
    role: 'shape',
    auto: 'built from the fields above',
    doc: 'the whole extension list byte-exact: [{"type":0,"data":"..."}]',
  },
});

export const clientHelloCodec: LayerCodec<ClientHelloFields> = {
  name: 'clienthello',
  tsharkProtocol: 'tls',
  title: 'TLS Handshake Protocol: Client Hello',
  schema: clientHelloSchema,
  headerLength: (fields) => encodedHello(fields).length,
  encode(fields: ClientHelloFields, frame: EncodeFrame): void {
    frame.out.set(encodedHello(fields), frame.offset);
  },
  decode(
    bytes: Uint8Array,
    offset: number,
    end: number,
    context: DecodeContext,
  ): DecodeStep<ClientHelloFields> {
    if (end - offset < HANDSHAKE_HEADER)
      throw new DecodeError('clienthello', offset, 'handshake header cut short');
    const length =
      ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0);
    const messageEnd = offset + HANDSHAKE_HEADER + length;
    if (messageEnd > end)
      throw new DecodeError(
        'clienthello',
        offset + 1,
        `ClientHello length ${length} exceeds the ${end - offset - HANDSHAKE_HEADER} octets here (continued in a later segment?)`,
      );
    const problems: string[] = [];
    let hello: ClientHello;
    try {
      const [message] = decodeHandshakes(bytes, offset, messageEnd, problems);
      if (message?.msg !== 'client_hello') throw new DecodeError('clienthello', offset, 'not a ClientHello');
      hello = message;
    } catch (error) {
      if (error instanceof DecodeError) throw new DecodeError('clienthello', error.offset, error.reason);
      throw error;
    }
    for (const message of problems)
      context.problems.push({ layer: 'clienthello', offset, kind: 'malformed', message });
    const fields: ClientHelloFields = {
      len: length,
      version: hello.legacy_version ?? 0x0303,
      random: hello.random,
      session_id: hello.session_id ?? new Uint8Array(0),
      cipher_suites: hello.cipher_suites,
      compression: hello.compression_methods ?? [0],
      extensions: hello.extensions.map((extension) => ({
        type: extension.type,
        data: extension.data ?? new Uint8Array(0),
      })),
    };
    return {
      fields,
      headerLength: messageEnd - offset,
      contentEnd: messageEnd,
      next: undefined,
      info: clientHelloInfo(hello),
    };
  },
  summary(_fields: ClientHelloFields, info?: Readonly<Record<string, unknown>>): string {
    const sni = info?.sni !== undefined ? `SNI=${String(info.sni)}` : 'no SNI';
    return `${sni}${info?.alpn ? `, ALPN=${(info.alpn as string[]).join(',')}` : ''}, JA4=${String(info?.ja4 ?? '')}, JA3=${String(info?.ja3 ?? '')}`;
  },
};

/** What `decode` gives as `info` for a TLS record: every record of the segment, or a continuation note. */
export interface TlsInfo {
  readonly records?: readonly Readonly<Record<string, unknown>>[];
  readonly continuation?: string;
}

/** The fields `decode` gives for a TLS record (a continuation has only `continuation: 1`). */
export type TlsDecodedFields = TlsRecordFields;

/** What `decode` gives as `info` for a ClientHello: SNI, ALPN, groups, JA3 and JA4 among others. */
export interface ClientHelloInfo {
  readonly ja3: string;
  readonly ja3_full: string;
  readonly ja4: string;
  readonly ja4_r: string;
}

/** The fields `decode` gives for a ClientHello: the header and the whole extension list byte-exact. */
export type ClientHelloDecodedFields = ClientHelloFields &
  Required<
    Pick<ClientHelloFields, 'len' | 'version' | 'random' | 'session_id' | 'cipher_suites' | 'extensions'>
  >;
