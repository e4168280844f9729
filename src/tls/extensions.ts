/**
 * TLS extensions (RFC 8446 §4.2, RFC 6066 §3, RFC 7301): one value type for every extension, encoded
 * from `data` byte-exact when it is given, otherwise from its typed fields. Decoding fills `data`
 * (so re-encoding is byte-exact, unknown extensions included) and the typed fields it understands.
 */
import { ByteCursor } from '../core/bytes.js';
import { DecodeError, FieldError } from '../core/errors.js';

export const EXTENSION = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  extended_master_secret: 23,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

const EXTENSION_NAMES: Readonly<Record<number, string>> = {
  0: 'server_name',
  1: 'max_fragment_length',
  5: 'status_request',
  10: 'supported_groups',
  11: 'ec_point_formats',
  13: 'signature_algorithms',
  16: 'application_layer_protocol_negotiation',
  18: 'signed_certificate_timestamp',
  21: 'padding',
  23: 'extended_master_secret',
  28: 'record_size_limit',
  35: 'session_ticket',
  41: 'pre_shared_key',
  42: 'early_data',
  43: 'supported_versions',
  44: 'cookie',
  45: 'psk_key_exchange_modes',
  49: 'post_handshake_auth',
  50: 'signature_algorithms_cert',
  51: 'key_share',
  65281: 'renegotiation_info',
};

export function extensionName(type: number): string {
  return EXTENSION_NAMES[type] ?? (isGrease(type) ? 'GREASE' : `unknown (${type})`);
}

/** GREASE values (RFC 8701): 0x?a?a with both octets equal. */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >>> 8 === (value & 0xff);
}

export const NAMED_GROUP = {
  x25519: 0x001d,
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x448: 0x001e,
} as const;
export const SIGNATURE_SCHEME = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  rsa_pkcs1_sha256: 0x0401,
} as const;

export interface KeyShareEntry {
  group: number;
  key: Uint8Array;
}

/**
 * One extension. `data` (the extension_data octets) wins when given; otherwise the typed field that
 * matches `type` builds it. `len` overrides the 16-bit length.
 */
export interface TlsExtension {
  type: number;
  data?: Uint8Array;
  len?: number;
  /** server_name (0): host_name. */
  server_name?: string;
  /** supported_groups (10). */
  groups?: readonly number[];
  /** ec_point_formats (11). */
  point_formats?: readonly number[];
  /** signature_algorithms (13). */
  signature_algorithms?: readonly number[];
  /** application_layer_protocol_negotiation (16). */
  alpn?: readonly string[];
  /** supported_versions (43): a list in a ClientHello, `selected_version` in a ServerHello. */
  versions?: readonly number[];
  selected_version?: number;
  /** psk_key_exchange_modes (45). */
  psk_modes?: readonly number[];
  /** key_share (51): client_shares in a ClientHello, `server_share` in a ServerHello. */
  key_shares?: readonly KeyShareEntry[];
  server_share?: KeyShareEntry;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function u16List(values: readonly number[], lengthOctets: 1 | 2, width: 1 | 2): number[] {
  const bytes: number[] = [];
  const length = values.length * width;
  if (lengthOctets === 2) bytes.push(length >>> 8, length & 0xff);
  else bytes.push(length);
  for (const value of values) {
    if (width === 2) bytes.push((value >>> 8) & 0xff, value & 0xff);
    else bytes.push(value & 0xff);
  }
  return bytes;
}

function keyShareBytes(entry: KeyShareEntry): number[] {
  return [
    entry.group >>> 8,
    entry.group & 0xff,
    entry.key.length >>> 8,
    entry.key.length & 0xff,
    ...entry.key,
  ];
}

/** The extension_data octets of an extension. */
export function extensionData(extension: TlsExtension): Uint8Array {
  if (extension.data !== undefined) return extension.data;
  switch (extension.type) {
    case EXTENSION.server_name: {
      if (extension.server_name === undefined) return new Uint8Array(0);
      const name = utf8.encode(extension.server_name);
      const entry = 3 + name.length;
      return Uint8Array.from([entry >>> 8, entry & 0xff, 0, name.length >>> 8, name.length & 0xff, ...name]);
    }
    case EXTENSION.supported_groups:
      return Uint8Array.from(u16List(extension.groups ?? [], 2, 2));
    case EXTENSION.ec_point_formats:
      return Uint8Array.from(u16List(extension.point_formats ?? [0], 1, 1));
    case EXTENSION.signature_algorithms:
      return Uint8Array.from(u16List(extension.signature_algorithms ?? [], 2, 2));
    case EXTENSION.alpn: {
      const names = (extension.alpn ?? []).map((name) => utf8.encode(name));
      const body: number[] = [];
      for (const name of names) {
        if (name.length === 0 || name.length > 255)
          throw new FieldError('tls', 'alpn', 'each protocol name is 1..255 octets');
        body.push(name.length, ...name);
      }
      return Uint8Array.from([body.length >>> 8, body.length & 0xff, ...body]);
    }
    case EXTENSION.supported_versions:
      if (extension.selected_version !== undefined)
        return Uint8Array.of(extension.selected_version >>> 8, extension.selected_version & 0xff);
      return Uint8Array.from(u16List(extension.versions ?? [0x0304], 1, 2));
    case EXTENSION.psk_key_exchange_modes:
      return Uint8Array.from(u16List(extension.psk_modes ?? [1], 1, 1));
    case EXTENSION.key_share: {
      if (extension.server_share !== undefined) return Uint8Array.from(keyShareBytes(extension.server_share));
      const body = (extension.key_shares ?? []).flatMap(keyShareBytes);
      return Uint8Array.from([body.length >>> 8, body.length & 0xff, ...body]);
    }
    default:
      return new Uint8Array(0);
  }
}

/** The extensions block: 16-bit total length, then type/length/data of each. */
export function encodeExtensions(extensions: readonly TlsExtension[], totalLength?: number): Uint8Array {
  const parts = extensions.map((extension) => {
    const data = extensionData(extension);
    const length = extension.len ?? data.length;
    return Uint8Array.from([
      extension.type >>> 8,
      extension.type & 0xff,
      length >>> 8,
      length & 0xff,
      ...data,
    ]);
  });
  const body = Buffer.concat(parts);
  const length = totalLength ?? body.length;
  return Uint8Array.from([length >>> 8, length & 0xff, ...body]);
}

function readU16List(cursor: ByteCursor, lengthOctets: 1 | 2, what: string): number[] {
  const length = lengthOctets === 2 ? cursor.u16(what) : cursor.u8(what);
  const end = cursor.offset + length;
  if (end > cursor.end || length % 2 !== 0)
    throw new DecodeError('tls', cursor.offset, `bad ${what} length ${length}`);
  const values: number[] = [];
  while (cursor.offset < end) values.push(cursor.u16(what));
  return values;
}

function readU8List(cursor: ByteCursor, what: string): number[] {
  const length = cursor.u8(what);
  return Array.from(cursor.view(length, what));
}

function readKeyShare(cursor: ByteCursor): KeyShareEntry {
  const group = cursor.u16('key_share group');
  const length = cursor.u16('key_share length');
  return { group, key: cursor.view(length, 'key_exchange') };
}

/**
 * Parses one extension's data into its typed fields (display and JA4); `data` stays as given. A parse
 * failure leaves only `data` and returns a message for the problem list.
 */
export function parseExtension(
  type: number,
  data: Uint8Array,
  base: number,
  inServerHello: boolean,
): { extension: TlsExtension; problem?: string } {
  const extension: TlsExtension = { type, data };
  const cursor = new ByteCursor(data, 'tls', 0, data.length);
  try {
    switch (type) {
      case EXTENSION.server_name: {
        if (data.length === 0) break;
        const listEnd = 2 + cursor.u16('server_name list length');
        while (cursor.offset < listEnd) {
          const nameType = cursor.u8('name_type');
          const name = cursor.view(cursor.u16('host_name length'), 'host_name');
          if (nameType === 0 && extension.server_name === undefined)
            extension.server_name = utf8Decoder.decode(name);
        }
        break;
      }
      case EXTENSION.supported_groups:
        extension.groups = readU16List(cursor, 2, 'supported_groups');
        break;
      case EXTENSION.ec_point_formats:
        extension.point_formats = readU8List(cursor, 'ec_point_formats');
        break;
      case EXTENSION.signature_algorithms:
        extension.signature_algorithms = readU16List(cursor, 2, 'signature_algorithms');
        break;
      case EXTENSION.alpn: {
        const end = 2 + cursor.u16('ALPN list length');
        const names: string[] = [];
        while (cursor.offset < end)
          names.push(utf8Decoder.decode(cursor.view(cursor.u8('ALPN name length'))));
        extension.alpn = names;
        break;
      }
      case EXTENSION.supported_versions:
        if (inServerHello) extension.selected_version = cursor.u16('selected_version');
        else extension.versions = readU16List(cursor, 1, 'supported_versions');
        break;
      case EXTENSION.psk_key_exchange_modes:
        extension.psk_modes = readU8List(cursor, 'psk_key_exchange_modes');
        break;
      case EXTENSION.key_share:
        if (inServerHello) extension.server_share = readKeyShare(cursor);
        else {
          const end = 2 + cursor.u16('client_shares length');
          const shares: KeyShareEntry[] = [];
          while (cursor.offset < end) shares.push(readKeyShare(cursor));
          extension.key_shares = shares;
        }
        break;
      default:
        break;
    }
  } catch (error) {
    if (error instanceof DecodeError) {
      return {
        extension: { type, data },
        problem: `${extensionName(type)} at byte ${base + error.offset}: ${error.reason}`,
      };
    }
    throw error;
  }
  return { extension };
}

/** Decodes an extensions block starting at its 16-bit length; problems are reported, never thrown. */
export function decodeExtensions(
  cursor: ByteCursor,
  base: number,
  inServerHello: boolean,
  problems: string[],
): TlsExtension[] {
  if (cursor.remaining === 0) return [];
  const total = cursor.u16('extensions length');
  const end = cursor.offset + total;
  if (end > cursor.end)
    throw new DecodeError('tls', base + cursor.offset - 2, `extensions length ${total} exceeds the message`);
  const extensions: TlsExtension[] = [];
  while (cursor.offset < end) {
    const type = cursor.u16('extension type');
    const length = cursor.u16('extension length');
    if (cursor.offset + length > end)
      throw new DecodeError(
        'tls',
        base + cursor.offset - 2,
        `extension ${extensionName(type)} length ${length} exceeds the extensions block`,
      );
    const parsed = parseExtension(type, cursor.view(length), base + cursor.offset, inServerHello);
    if (parsed.problem) problems.push(parsed.problem);
    extensions.push(parsed.extension);
  }
  return extensions;
}
