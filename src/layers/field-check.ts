/**
 * Checks for user-given field values shared by the layer modules: an unsigned integer that must fit
 * its bits, and addresses (text, or the address bytes) written into the packet buffer. A value that does not fit throws
 * `FieldError(layer, field, reason)`; a value that fits is written as given, even when it is wrong
 * for the packet (that is the point of many tests).
 */
import { writeIPv4, writeIPv6, writeMac } from '../core/address.js';
import { FieldError } from '../core/errors.js';
import { bytesOf } from './bytes-value.js';
import type { BytesValue } from './layer.js';

/** The value if it is an integer in 0..max, else `fallback` when undefined; throws FieldError otherwise. */
export function uintOf(
  layer: string,
  field: string,
  value: number | undefined,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  // Small enough for the optimizing compiler to inline at every field; the error is built elsewhere.
  if (typeof value === 'number' && value >= 0 && value <= max && Number.isInteger(value)) return value;
  return invalidUint(layer, field, value, max);
}

function invalidUint(layer: string, field: string, value: unknown, max: number): never {
  throw new FieldError(layer, field, `must be an integer from 0 to ${max}, got ${String(value)}`);
}

/**
 * An address field as the API takes it: text ('192.0.2.1', '2001:db8::1', '02:00:00:00:00:01'), or
 * the address bytes themselves (a Uint8Array of 4, 16 or 6 bytes), as gopacket's net.IP and
 * net.HardwareAddr are. Decoding always gives text.
 */
export type AddressValue = string | Uint8Array;

/** Copies an address given as bytes; throws FieldError unless it is a Uint8Array of `size` bytes. */
function writeAddressBytes(
  layer: string,
  field: string,
  value: unknown,
  size: number,
  out: Uint8Array,
  offset: number,
): void {
  if (!(value instanceof Uint8Array) || value.length !== size) invalidAddress(layer, field, value, size);
  for (let i = 0; i < size; i++) out[offset + i] = value[i]!;
}

function invalidAddress(layer: string, field: string, value: unknown, size: number): never {
  const kind = size === 4 ? 'IPv4' : size === 16 ? 'IPv6' : 'MAC';
  const got =
    value instanceof Uint8Array
      ? `${value.length} bytes`
      : typeof value === 'string'
        ? `'${value}'`
        : typeof value;
  throw new FieldError(layer, field, `expected an ${kind} address (text or ${size} bytes), got ${got}`);
}

export function writeMacField(
  layer: string,
  field: string,
  value: AddressValue,
  out: Uint8Array,
  offset: number,
): void {
  if (typeof value !== 'string') {
    writeAddressBytes(layer, field, value, 6, out, offset);
    return;
  }
  try {
    writeMac(value, out, offset);
  } catch (error) {
    throw new FieldError(layer, field, (error as Error).message);
  }
}

export function writeIPv4Field(
  layer: string,
  field: string,
  value: AddressValue,
  out: Uint8Array,
  offset: number,
): void {
  if (typeof value !== 'string') {
    if (value instanceof Uint8Array && value.length === 4) {
      out[offset] = value[0]!;
      out[offset + 1] = value[1]!;
      out[offset + 2] = value[2]!;
      out[offset + 3] = value[3]!;
      return;
    }
    invalidAddress(layer, field, value, 4);
  }
  try {
    writeIPv4(value, out, offset);
  } catch (error) {
    throw new FieldError(layer, field, (error as Error).message);
  }
}

// Parsing IPv6 text allocates (splits, group arrays); packets repeat the same few addresses, so the
// last few parsed are kept and copied, keeping the encode hot path free of allocation.
const IPV6_CACHE_SIZE = 8;
const ipv6CacheTexts: (string | undefined)[] = new Array(IPV6_CACHE_SIZE).fill(undefined);
const ipv6CacheBytes = new Uint8Array(16 * IPV6_CACHE_SIZE);
let ipv6CacheNext = 0;

export function writeIPv6Field(
  layer: string,
  field: string,
  value: AddressValue,
  out: Uint8Array,
  offset: number,
): void {
  if (typeof value !== 'string') {
    writeAddressBytes(layer, field, value, 16, out, offset);
    return;
  }
  const text = value;
  for (let slot = 0; slot < IPV6_CACHE_SIZE; slot++) {
    if (ipv6CacheTexts[slot] === text) {
      for (let i = 0; i < 16; i++) out[offset + i] = ipv6CacheBytes[16 * slot + i]!;
      return;
    }
  }
  try {
    writeIPv6(text, out, offset);
  } catch (error) {
    throw new FieldError(layer, field, (error as Error).message);
  }
  const slot = ipv6CacheNext;
  ipv6CacheNext = (slot + 1) % IPV6_CACHE_SIZE;
  ipv6CacheTexts[slot] = text;
  for (let i = 0; i < 16; i++) ipv6CacheBytes[16 * slot + i] = out[offset + i]!;
}

/** A bytes field as bytes (hex strings parsed); bad hex throws FieldError. */
export function bytesField(layer: string, field: string, value: BytesValue | undefined): Uint8Array {
  try {
    return bytesOf(value);
  } catch (error) {
    throw new FieldError(layer, field, (error as Error).message);
  }
}

/** "0x1234" for problem messages. */
export function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}
