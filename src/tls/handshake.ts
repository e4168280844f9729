/**
 * TLS handshake messages (RFC 8446 §4) as typed values, and alerts (§6). `encodeHandshake` writes the
 * 4-octet header (msg_type, uint24 length: computed unless `len` is set) and the body;
 * `decodeHandshakes` reads a run of messages (bounds-checked, DecodeError on anything cut short).
 *
 *   ClientHello: legacy_version(2) random(32) legacy_session_id<0..32> cipher_suites<2..2^16-2>
 *                legacy_compression_methods<1..2^8-1> extensions<8..2^16-1>
 *   ServerHello: legacy_version(2) random(32) legacy_session_id_echo<0..32> cipher_suite(2)
 *                legacy_compression_method(1) extensions<6..2^16-1>
 *   EncryptedExtensions: extensions<0..2^16-1>
 *   Certificate: certificate_request_context<0..2^8-1> certificate_list<0..2^24-1> of
 *                { cert_data<1..2^24-1> extensions<0..2^16-1> }
 *   CertificateVerify: algorithm(2) signature<0..2^16-1>
 *   Finished: verify_data (Hash.length)
 *   NewSessionTicket: ticket_lifetime(4) ticket_age_add(4) ticket_nonce<0..255> ticket<1..2^16-1>
 *                     extensions<0..2^16-2>
 */
import { ByteCursor } from '../core/bytes.js';
import { DecodeError } from '../core/errors.js';
import { decodeExtensions, encodeExtensions, type TlsExtension } from './extensions.js';

export const HANDSHAKE_TYPE = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

const HANDSHAKE_NAMES: Readonly<Record<number, string>> = {
  1: 'Client Hello',
  2: 'Server Hello',
  4: 'New Session Ticket',
  5: 'End of Early Data',
  8: 'Encrypted Extensions',
  11: 'Certificate',
  13: 'Certificate Request',
  15: 'Certificate Verify',
  20: 'Finished',
  24: 'Key Update',
};

export function handshakeName(type: number): string {
  return HANDSHAKE_NAMES[type] ?? `Unknown (${type})`;
}

/** The special ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
export const HELLO_RETRY_RANDOM = Uint8Array.from(
  Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex'),
);

interface HandshakeCommon {
  /** The uint24 body length; default computed. */
  len?: number;
}

export interface ClientHello extends HandshakeCommon {
  msg: 'client_hello';
  legacy_version?: number;
  random: Uint8Array;
  session_id?: Uint8Array;
  cipher_suites: readonly number[];
  compression_methods?: readonly number[];
  extensions: readonly TlsExtension[];
}

export interface ServerHello extends HandshakeCommon {
  msg: 'server_hello';
  legacy_version?: number;
  random: Uint8Array;
  session_id?: Uint8Array;
  cipher_suite: number;
  compression_method?: number;
  extensions: readonly TlsExtension[];
}

export interface EncryptedExtensions extends HandshakeCommon {
  msg: 'encrypted_extensions';
  extensions: readonly TlsExtension[];
}

export interface CertificateEntry {
  cert_data: Uint8Array;
  extensions?: readonly TlsExtension[];
}

export interface Certificate extends HandshakeCommon {
  msg: 'certificate';
  request_context?: Uint8Array;
  certificates: readonly CertificateEntry[];
}

export interface CertificateVerify extends HandshakeCommon {
  msg: 'certificate_verify';
  algorithm: number;
  signature: Uint8Array;
}

export interface Finished extends HandshakeCommon {
  msg: 'finished';
  verify_data: Uint8Array;
}

export interface NewSessionTicket extends HandshakeCommon {
  msg: 'new_session_ticket';
  lifetime: number;
  age_add: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions?: readonly TlsExtension[];
}

/** Any other message type, kept byte-exact. */
export interface OtherHandshake extends HandshakeCommon {
  msg: 'other';
  type: number;
  body: Uint8Array;
}

export type HandshakeMessage =
  | ClientHello
  | ServerHello
  | EncryptedExtensions
  | Certificate
  | CertificateVerify
  | Finished
  | NewSessionTicket
  | OtherHandshake;

const MSG_TYPE: Readonly<Record<Exclude<HandshakeMessage['msg'], 'other'>, number>> = {
  client_hello: 1,
  server_hello: 2,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_verify: 15,
  finished: 20,
  new_session_ticket: 4,
};

export function handshakeType(message: HandshakeMessage): number {
  return message.msg === 'other' ? message.type : MSG_TYPE[message.msg];
}

function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}
function u24(value: number): number[] {
  return [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
function vector8(bytes: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(bytes.length), bytes]);
}

function handshakeBody(message: HandshakeMessage): Uint8Array {
  switch (message.msg) {
    case 'client_hello': {
      const suites = message.cipher_suites.flatMap(u16);
      const compression = message.compression_methods ?? [0];
      return Buffer.concat([
        Uint8Array.from(u16(message.legacy_version ?? 0x0303)),
        message.random,
        vector8(message.session_id ?? new Uint8Array(0)),
        Uint8Array.from([...u16(suites.length), ...suites]),
        Uint8Array.from([compression.length, ...compression]),
        encodeExtensions(message.extensions),
      ]);
    }
    case 'server_hello':
      return Buffer.concat([
        Uint8Array.from(u16(message.legacy_version ?? 0x0303)),
        message.random,
        vector8(message.session_id ?? new Uint8Array(0)),
        Uint8Array.from([...u16(message.cipher_suite), message.compression_method ?? 0]),
        encodeExtensions(message.extensions),
      ]);
    case 'encrypted_extensions':
      return encodeExtensions(message.extensions);
    case 'certificate': {
      const entries = message.certificates.map((entry) =>
        Buffer.concat([
          Uint8Array.from(u24(entry.cert_data.length)),
          entry.cert_data,
          encodeExtensions(entry.extensions ?? []),
        ]),
      );
      const list = Buffer.concat(entries);
      return Buffer.concat([
        vector8(message.request_context ?? new Uint8Array(0)),
        Uint8Array.from(u24(list.length)),
        list,
      ]);
    }
    case 'certificate_verify':
      return Buffer.concat([
        Uint8Array.from([...u16(message.algorithm), ...u16(message.signature.length)]),
        message.signature,
      ]);
    case 'finished':
      return message.verify_data;
    case 'new_session_ticket':
      return Buffer.concat([
        Uint8Array.from([...u32(message.lifetime), ...u32(message.age_add)]),
        vector8(message.nonce),
        Uint8Array.from(u16(message.ticket.length)),
        message.ticket,
        encodeExtensions(message.extensions ?? []),
      ]);
    case 'other':
      return message.body;
  }
}

/** One handshake message with its 4-octet header. */
export function encodeHandshake(message: HandshakeMessage): Uint8Array {
  const body = handshakeBody(message);
  return Buffer.concat([Uint8Array.from([handshakeType(message), ...u24(message.len ?? body.length)]), body]);
}

/**
 * Decodes the handshake messages in bytes[start, end); `problems` collects what does not stop the
 * decoding (an extension that does not parse). A message cut short at the end is a DecodeError.
 */
export function decodeHandshakes(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  problems: string[] = [],
): HandshakeMessage[] {
  const messages: HandshakeMessage[] = [];
  let at = start;
  while (at < end) {
    const header = new ByteCursor(bytes, 'tls', at, end);
    const type = header.u8('handshake type');
    const length = header.u24('handshake length');
    if (header.offset + length > end)
      throw new DecodeError(
        'tls',
        at + 1,
        `${handshakeName(type)} length ${length} exceeds the ${end - header.offset} octets left`,
      );
    messages.push(decodeHandshakeBody(type, bytes, header.offset, header.offset + length, problems));
    at = header.offset + length;
  }
  return messages;
}

function decodeHandshakeBody(
  type: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  problems: string[],
): HandshakeMessage {
  const c = new ByteCursor(bytes, 'tls', start, end);
  const len = end - start;
  switch (type) {
    case HANDSHAKE_TYPE.client_hello: {
      const legacy_version = c.u16('legacy_version');
      const random = c.view(32, 'random');
      const session_id = c.view(c.u8('session_id length'), 'session_id');
      const suitesLength = c.u16('cipher_suites length');
      if (suitesLength % 2 !== 0)
        throw new DecodeError('tls', c.offset - 2, `odd cipher_suites length ${suitesLength}`);
      const suitesEnd = c.offset + suitesLength;
      const cipher_suites: number[] = [];
      while (c.offset < suitesEnd) cipher_suites.push(c.u16('cipher suite'));
      const compression_methods = Array.from(
        c.view(c.u8('compression_methods length'), 'compression_methods'),
      );
      const extensions = decodeExtensions(c, 0, false, problems);
      return {
        msg: 'client_hello',
        len,
        legacy_version,
        random,
        session_id,
        cipher_suites,
        compression_methods,
        extensions,
      };
    }
    case HANDSHAKE_TYPE.server_hello: {
      const legacy_version = c.u16('legacy_version');
      const random = c.view(32, 'random');
      const session_id = c.view(c.u8('session_id length'), 'session_id');
      const cipher_suite = c.u16('cipher_suite');
      const compression_method = c.u8('compression_method');
      const extensions = decodeExtensions(c, 0, true, problems);
      return {
        msg: 'server_hello',
        len,
        legacy_version,
        random,
        session_id,
        cipher_suite,
        compression_method,
        extensions,
      };
    }
    case HANDSHAKE_TYPE.encrypted_extensions:
      return { msg: 'encrypted_extensions', len, extensions: decodeExtensions(c, 0, false, problems) };
    case HANDSHAKE_TYPE.certificate: {
      const request_context = c.view(c.u8('certificate_request_context length'));
      const listLength = c.u24('certificate_list length');
      const listLimit = c.offset + listLength;
      if (listLimit > end)
        throw new DecodeError(
          'tls',
          c.offset - 3,
          `certificate_list length ${listLength} exceeds the message`,
        );
      const certificates: CertificateEntry[] = [];
      while (c.offset < listLimit) {
        const cert_data = c.view(c.u24('cert_data length'), 'cert_data');
        const extensions = decodeExtensions(c, 0, false, problems);
        certificates.push({ cert_data, extensions });
      }
      return { msg: 'certificate', len, request_context, certificates };
    }
    case HANDSHAKE_TYPE.certificate_verify: {
      const algorithm = c.u16('algorithm');
      const signature = c.view(c.u16('signature length'), 'signature');
      return { msg: 'certificate_verify', len, algorithm, signature };
    }
    case HANDSHAKE_TYPE.finished:
      return { msg: 'finished', len, verify_data: c.view(len) };
    case HANDSHAKE_TYPE.new_session_ticket: {
      const lifetime = c.u32('ticket_lifetime');
      const age_add = c.u32('ticket_age_add');
      const nonce = c.view(c.u8('ticket_nonce length'), 'ticket_nonce');
      const ticket = c.view(c.u16('ticket length'), 'ticket');
      const extensions = decodeExtensions(c, 0, false, problems);
      return { msg: 'new_session_ticket', len, lifetime, age_add, nonce, ticket, extensions };
    }
    default:
      return { msg: 'other', len, type, body: c.view(len) };
  }
}

/* Alerts (RFC 8446 §6): level(1) description(1). */

export const ALERT_LEVEL = { warning: 1, fatal: 2 } as const;

const ALERT_NAMES: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

export function alertName(description: number): string {
  return ALERT_NAMES[description] ?? `unknown (${description})`;
}
