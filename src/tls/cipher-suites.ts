/** The TLS 1.3 cipher suites (RFC 8446 §B.4) and the names the decoder shows for the others. */
import { FieldError } from '../core/errors.js';
import type { TlsHash } from './key-schedule.js';

export const CIPHER_SUITE = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
} as const;

export interface CipherSuiteInfo {
  readonly id: number;
  readonly name: string;
  readonly hash: TlsHash;
  /** node:crypto cipher name. */
  readonly aead: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  readonly keyLength: number;
}

const SUITES: readonly CipherSuiteInfo[] = [
  { id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', hash: 'sha256', aead: 'aes-128-gcm', keyLength: 16 },
  { id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', hash: 'sha384', aead: 'aes-256-gcm', keyLength: 32 },
  {
    id: 0x1303,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    aead: 'chacha20-poly1305',
    keyLength: 32,
  },
];

export function cipherSuiteInfo(id: number): CipherSuiteInfo {
  const suite = SUITES.find((s) => s.id === id);
  if (!suite)
    throw new FieldError(
      'tls',
      'cipher_suite',
      `0x${id.toString(16).padStart(4, '0')} is not a TLS 1.3 suite`,
    );
  return suite;
}

/** Parses a suite name (TLS_AES_128_GCM_SHA256, aes128gcm, chacha20) or number. */
export function parseCipherSuite(text: string): number {
  const lower = text.toLowerCase();
  if (/^(0x)?[0-9a-f]+$/.test(lower) && lower.startsWith('0x')) return cipherSuiteInfo(Number(lower)).id;
  if (lower.includes('chacha')) return CIPHER_SUITE.TLS_CHACHA20_POLY1305_SHA256;
  if (lower.includes('256')) return CIPHER_SUITE.TLS_AES_256_GCM_SHA384;
  if (lower.includes('128') || lower.includes('aes')) return CIPHER_SUITE.TLS_AES_128_GCM_SHA256;
  throw new FieldError('tls', 'cipher', `unknown cipher suite '${text}' (aes128gcm, aes256gcm, chacha20)`);
}

const NAMES: Readonly<Record<number, string>> = {
  4865: 'TLS_AES_128_GCM_SHA256',
  4866: 'TLS_AES_256_GCM_SHA384',
  4867: 'TLS_CHACHA20_POLY1305_SHA256',
  4868: 'TLS_AES_128_CCM_SHA256',
  4869: 'TLS_AES_128_CCM_8_SHA256',
  255: 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV',
  49195: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  49199: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  49196: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  49200: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  52393: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  52392: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
};

export function cipherSuiteName(id: number): string {
  return NAMES[id] ?? `Unknown (0x${id.toString(16).padStart(4, '0')})`;
}
