/**
 * X25519 and Ed25519 through node:crypto, on raw 32-octet keys (RFC 7748, RFC 8032): node takes them
 * wrapped in PKCS#8 / SPKI DER, whose fixed prefixes are below (RFC 8410 §7 and §4).
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject, sign, verify } from 'node:crypto';

const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const X25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
]);

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: concat(X25519_PKCS8_PREFIX, raw), format: 'der', type: 'pkcs8' });
}

/** The public key (u-coordinate, 32 octets) of a raw X25519 private key. */
export function x25519PublicKey(privateRaw: Uint8Array): Uint8Array {
  const der = createPublicKey(x25519PrivateKey(privateRaw)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

/** The X25519 shared secret of our raw private key and the peer's raw public key. */
export function x25519SharedSecret(privateRaw: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  const publicKey = createPublicKey({
    key: concat(X25519_SPKI_PREFIX, peerPublic),
    format: 'der',
    type: 'spki',
  });
  return new Uint8Array(diffieHellman({ privateKey: x25519PrivateKey(privateRaw), publicKey }));
}

/** Ed25519 signature (deterministic, RFC 8032) with a PEM or KeyObject private key. */
export function ed25519Sign(privateKey: KeyObject | string, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKey));
}

export function signatureVerifies(
  publicKey: KeyObject | string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  return verify(null, message, publicKey, signature);
}
