/**
 * Checks for user-given field values shared by the layer modules: an unsigned integer that must fit
 * its bits, and address strings written into the packet buffer. A value that does not fit throws
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
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new FieldError(layer, field, `must be an integer from 0 to ${max}, got ${String(value)}`);
  }
  return value;
}

export function writeMacField(
  layer: string,
  field: string,
  text: string,
  out: Uint8Array,
  offset: number,
): void {
  try {
    writeMac(text, out, offset);
  } catch (error) {
    throw new FieldError(layer, field, (error as Error).message);
  }
}

export function writeIPv4Field(
  layer: string,
  field: string,
  text: string,
  out: Uint8Array,
  offset: number,
): void {
  try {
    writeIPv4(text, out, offset);
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
  text: string,
  out: Uint8Array,
  offset: number,
): void {
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
