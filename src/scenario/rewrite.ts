/**
 * What routers and NAT boxes do to an IPv4 packet in flight, done the way they do it: patch the bytes
 * and update the checksums incrementally (RFC 1624 eqn. 3), never recompute from scratch.
 *
 * - a router: TTL − 1; the IPv4 header checksum follows (the TTL/protocol word changed);
 * - SNAT/DNAT: a new source or destination address; the IPv4 header checksum and the TCP/UDP checksum
 *   (whose pseudo-header holds the address) follow;
 * - a port rewrite: the TCP/UDP checksum follows.
 *
 * Every function works on a copy and leaves its input alone.
 */
import { ipv4ToNumber } from '../core/address.js';
import { readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import { updateChecksum16, updateChecksum32 } from '../core/checksum.js';
import { FieldError } from '../core/errors.js';

const PROTO_TCP = 6;
const PROTO_UDP = 17;

function checkIpv4(packet: Uint8Array): number {
  if (packet.length < 20 || packet[0]! >> 4 !== 4)
    throw new FieldError('rewrite', 'packet', 'not an IPv4 packet');
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (headerLength < 20 || headerLength > packet.length)
    throw new FieldError('rewrite', 'packet', 'bad IPv4 header length');
  return headerLength;
}

/** Offset of the transport checksum (TCP 16, UDP 6 into its header), or -1 when there is none to update. */
function transportChecksumOffset(packet: Uint8Array, headerLength: number): number {
  const protocol = packet[9]!;
  const fragment = readU16(packet, 6) & 0x3fff;
  if (fragment !== 0) return -1;
  if (protocol === PROTO_TCP && packet.length >= headerLength + 18) return headerLength + 16;
  if (protocol === PROTO_UDP && packet.length >= headerLength + 8) {
    // A UDP checksum of 0 means "none" on IPv4 and stays 0.
    return readU16(packet, headerLength + 6) === 0 ? -1 : headerLength + 6;
  }
  return -1;
}

/** A router's forwarding: TTL − `hops` with the header checksum updated incrementally. */
export function decrementTtl(packet: Uint8Array, hops = 1): Uint8Array {
  checkIpv4(packet);
  const out = packet.slice();
  const ttl = out[8]!;
  if (ttl < hops) throw new FieldError('rewrite', 'ttl', `TTL ${ttl} would expire after ${hops} hops`);
  const oldWord = readU16(out, 8);
  out[8] = ttl - hops;
  writeU16(out, 10, updateChecksum16(readU16(out, 10), oldWord, readU16(out, 8)));
  return out;
}

/** NAT of the source or destination address, updating the IPv4 and the TCP/UDP checksums. */
export function rewriteAddress(packet: Uint8Array, which: 'src' | 'dst', address: string): Uint8Array {
  const headerLength = checkIpv4(packet);
  const value = ipv4ToNumber(address);
  if (value === undefined) throw new FieldError('rewrite', which, `not an IPv4 address: ${address}`);
  const out = packet.slice();
  const at = which === 'src' ? 12 : 16;
  const old = readU32(out, at);
  writeU32(out, at, value);
  writeU16(out, 10, updateChecksum32(readU16(out, 10), old, value));
  const checksumAt = transportChecksumOffset(out, headerLength);
  if (checksumAt >= 0) writeU16(out, checksumAt, updateChecksum32(readU16(out, checksumAt), old, value));
  return out;
}

/** NAT of the TCP/UDP source or destination port, updating the transport checksum. */
export function rewritePort(packet: Uint8Array, which: 'sport' | 'dport', port: number): Uint8Array {
  const headerLength = checkIpv4(packet);
  if (!Number.isInteger(port) || port < 0 || port > 0xffff)
    throw new FieldError('rewrite', which, `bad port ${port}`);
  const out = packet.slice();
  const at = headerLength + (which === 'sport' ? 0 : 2);
  const old = readU16(out, at);
  writeU16(out, at, port);
  const checksumAt = transportChecksumOffset(out, headerLength);
  if (checksumAt >= 0) writeU16(out, checksumAt, updateChecksum16(readU16(out, checksumAt), old, port));
  return out;
}
