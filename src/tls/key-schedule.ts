/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) and traffic keys (§7.3), all through node:crypto's HKDF and
 * HMAC. The hash is the cipher suite's: SHA-256 for TLS_AES_128_GCM_SHA256 and
 * TLS_CHACHA20_POLY1305_SHA256, SHA-384 for TLS_AES_256_GCM_SHA384.
 *
 *   HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
 *   struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel;
 *   Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
 */
import { createHash, createHmac } from 'node:crypto';

export type TlsHash = 'sha256' | 'sha384';

export function hashLength(hash: TlsHash): number {
  return hash === 'sha256' ? 32 : 48;
}

export function transcriptHash(hash: TlsHash, ...messages: readonly Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const message of messages) h.update(message);
  return new Uint8Array(h.digest());
}

/** HKDF-Extract(salt, IKM) (RFC 5869 §2.2): HMAC-Hash(salt, IKM). */
export function hkdfExtract(hash: TlsHash, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, salt).update(ikm).digest());
}

/**
 * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(n) = HMAC(PRK, T(n-1) | info | n), with node:crypto's
 * HMAC. node's `hkdfSync` always runs Extract first, and TLS 1.3 needs Expand alone.
 */
function hkdfExpand(hash: TlsHash, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  let at = 0;
  for (let counter = 1; at < length; counter++) {
    const block = createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest();
    previous = new Uint8Array(block);
    out.set(previous.subarray(0, Math.min(previous.length, length - at)), at);
    at += previous.length;
  }
  return out;
}

const encoder = new TextEncoder();

export function hkdfExpandLabel(
  hash: TlsHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const fullLabel = encoder.encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

export function deriveSecret(
  hash: TlsHash,
  secret: Uint8Array,
  label: string,
  transcript: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcript, hashLength(hash));
}

/** The secrets of one full (EC)DHE handshake without PSK, named as in RFC 8446 §7.1 and the NSS key log. */
export interface HandshakeSecrets {
  readonly earlySecret: Uint8Array;
  readonly handshakeSecret: Uint8Array;
  readonly clientHandshakeTrafficSecret: Uint8Array;
  readonly serverHandshakeTrafficSecret: Uint8Array;
  readonly masterSecret: Uint8Array;
}

export interface ApplicationSecrets {
  readonly clientApplicationTrafficSecret: Uint8Array;
  readonly serverApplicationTrafficSecret: Uint8Array;
  readonly exporterMasterSecret: Uint8Array;
}

/** Early secret (no PSK) → handshake secret (from the ECDHE shared secret) → handshake traffic secrets → master secret. */
export function handshakeSecrets(
  hash: TlsHash,
  sharedSecret: Uint8Array,
  helloHash: Uint8Array,
): HandshakeSecrets {
  const zeros = new Uint8Array(hashLength(hash));
  const empty = transcriptHash(hash);
  const earlySecret = hkdfExtract(hash, zeros, zeros);
  const handshakeSecret = hkdfExtract(hash, deriveSecret(hash, earlySecret, 'derived', empty), sharedSecret);
  const masterSecret = hkdfExtract(hash, deriveSecret(hash, handshakeSecret, 'derived', empty), zeros);
  return {
    earlySecret,
    handshakeSecret,
    clientHandshakeTrafficSecret: deriveSecret(hash, handshakeSecret, 'c hs traffic', helloHash),
    serverHandshakeTrafficSecret: deriveSecret(hash, handshakeSecret, 's hs traffic', helloHash),
    masterSecret,
  };
}

/** Application traffic secrets from the master secret and the transcript hash through the server Finished. */
export function applicationSecrets(
  hash: TlsHash,
  masterSecret: Uint8Array,
  serverFinishedHash: Uint8Array,
): ApplicationSecrets {
  return {
    clientApplicationTrafficSecret: deriveSecret(hash, masterSecret, 'c ap traffic', serverFinishedHash),
    serverApplicationTrafficSecret: deriveSecret(hash, masterSecret, 's ap traffic', serverFinishedHash),
    exporterMasterSecret: deriveSecret(hash, masterSecret, 'exp master', serverFinishedHash),
  };
}

/** Resumption master secret (transcript through the client Finished). */
export function resumptionMasterSecret(
  hash: TlsHash,
  masterSecret: Uint8Array,
  clientFinishedHash: Uint8Array,
): Uint8Array {
  return deriveSecret(hash, masterSecret, 'res master', clientFinishedHash);
}

/** Key and IV of a traffic secret (RFC 8446 §7.3). */
export function trafficKeys(
  hash: TlsHash,
  secret: Uint8Array,
  keyLength: number,
): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(hash, secret, 'key', new Uint8Array(0), keyLength),
    iv: hkdfExpandLabel(hash, secret, 'iv', new Uint8Array(0), 12),
  };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
export function finishedKey(hash: TlsHash, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, baseKey, 'finished', new Uint8Array(0), hashLength(hash));
}

/** verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4). */
export function finishedVerifyData(hash: TlsHash, baseKey: Uint8Array, transcript: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, finishedKey(hash, baseKey)).update(transcript).digest());
}

/** A ticket's PSK: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
export function ticketPsk(hash: TlsHash, resumptionSecret: Uint8Array, nonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, resumptionSecret, 'resumption', nonce, hashLength(hash));
}
