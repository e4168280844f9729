/**
 * TLS 1.3 record protection (RFC 8446 §5.2-5.3): TLSInnerPlaintext = content | ContentType | zeros,
 * sealed with the suite's AEAD (node:crypto AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305) under a
 * per-record nonce (the IV XOR the 64-bit sequence number), the 5-octet record header as additional
 * data. Records go out as opaque_type application_data (23), legacy_record_version 0x0303.
 */
import {
  type CipherChaCha20Poly1305,
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
} from 'node:crypto';
import { DecodeError } from '../core/errors.js';
import { type CipherSuiteInfo, cipherSuiteInfo } from './cipher-suites.js';
import { trafficKeys } from './key-schedule.js';

export const TLS_RECORD_HEADER_LENGTH = 5;
export const TLS_AEAD_TAG_LENGTH = 16;
/** Largest TLSPlaintext fragment (2^14). */
export const TLS_MAX_FRAGMENT = 16384;

export const CONTENT_TYPE = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
} as const;

/** One direction's traffic keys and its record sequence number. */
export class RecordProtection {
  readonly suite: CipherSuiteInfo;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Sequence number of the next record (reset to 0 with every new secret). */
  sequence = 0n;

  constructor(suite: number, secret: Uint8Array) {
    this.suite = cipherSuiteInfo(suite);
    const keys = trafficKeys(this.suite.hash, secret, this.suite.keyLength);
    this.key = keys.key;
    this.iv = keys.iv;
  }

  private nonce(sequence: bigint): Uint8Array {
    const nonce = new Uint8Array(this.iv);
    for (let i = 0; i < 8; i++) {
      const byte = Number((sequence >> BigInt(8 * i)) & 0xffn);
      const at = 11 - i;
      nonce[at] = (nonce[at] ?? 0) ^ byte;
    }
    return nonce;
  }

  /** Seals one record: header (type 23, 0x0303, length) followed by the ciphertext and tag. */
  seal(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
    const innerLength = content.length + 1 + padding;
    const length = innerLength + TLS_AEAD_TAG_LENGTH;
    const record = new Uint8Array(TLS_RECORD_HEADER_LENGTH + length);
    record[0] = CONTENT_TYPE.applicationData;
    record[1] = 0x03;
    record[2] = 0x03;
    record[3] = length >>> 8;
    record[4] = length & 0xff;
    const inner = new Uint8Array(innerLength);
    inner.set(content, 0);
    inner[content.length] = contentType;
    const cipher = aeadCipher(this.suite.aead, this.key, this.nonce(this.sequence));
    cipher.setAAD(record.subarray(0, TLS_RECORD_HEADER_LENGTH), { plaintextLength: innerLength });
    const body = cipher.update(inner);
    const final = cipher.final();
    record.set(body, TLS_RECORD_HEADER_LENGTH);
    record.set(final, TLS_RECORD_HEADER_LENGTH + body.length);
    record.set(cipher.getAuthTag(), TLS_RECORD_HEADER_LENGTH + innerLength);
    this.sequence++;
    return record;
  }

  /**
   * Opens one whole record (header included); returns the inner content type and content. Throws a
   * DecodeError (layer 'tls') when the record is cut short or does not authenticate.
   */
  open(record: Uint8Array): { contentType: number; content: Uint8Array } {
    if (record.length < TLS_RECORD_HEADER_LENGTH + TLS_AEAD_TAG_LENGTH + 1)
      throw new DecodeError('tls', 0, 'protected record shorter than its header, one octet and the tag');
    const length = ((record[3] ?? 0) << 8) | (record[4] ?? 0);
    if (length !== record.length - TLS_RECORD_HEADER_LENGTH)
      throw new DecodeError('tls', 3, `record length ${length} does not match ${record.length - 5} octets`);
    const tagAt = record.length - TLS_AEAD_TAG_LENGTH;
    const decipher = aeadDecipher(this.suite.aead, this.key, this.nonce(this.sequence));
    decipher.setAAD(record.subarray(0, TLS_RECORD_HEADER_LENGTH), {
      plaintextLength: tagAt - TLS_RECORD_HEADER_LENGTH,
    });
    decipher.setAuthTag(record.subarray(tagAt));
    let inner: Uint8Array;
    try {
      inner = Buffer.concat([
        decipher.update(record.subarray(TLS_RECORD_HEADER_LENGTH, tagAt)),
        decipher.final(),
      ]);
    } catch {
      throw new DecodeError('tls', 0, `record ${this.sequence} does not authenticate (bad_record_mac)`);
    }
    this.sequence++;
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    if (end === 0) throw new DecodeError('tls', 5, 'inner plaintext is all padding, no content type');
    return { contentType: inner[end - 1] ?? 0, content: new Uint8Array(inner.subarray(0, end - 1)) };
  }
}

type Aead = CipherSuiteInfo['aead'];
const TAG = { authTagLength: TLS_AEAD_TAG_LENGTH } as const;

function aeadCipher(aead: Aead, key: Uint8Array, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  return aead === 'chacha20-poly1305'
    ? createCipheriv(aead, key, nonce, TAG)
    : createCipheriv(aead, key, nonce, TAG);
}

function aeadDecipher(
  aead: Aead,
  key: Uint8Array,
  nonce: Uint8Array,
): DecipherGCM | DecipherChaCha20Poly1305 {
  return aead === 'chacha20-poly1305'
    ? createDecipheriv(aead, key, nonce, TAG)
    : createDecipheriv(aead, key, nonce, TAG);
}
