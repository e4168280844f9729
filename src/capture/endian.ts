/** Little-endian and either-order integer access for capture headers (core/bytes is big-endian). */
import { readU16, readU32 } from '../core/bytes.js';

export function readU16LE(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}
export function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}
export function writeU16LE(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
  bytes[offset + 1] = value >>> 8;
}
export function writeU32LE(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
  bytes[offset + 1] = value >>> 8;
  bytes[offset + 2] = value >>> 16;
  bytes[offset + 3] = value >>> 24;
}
export function readU16In(bytes: Uint8Array, offset: number, little: boolean): number {
  return little ? readU16LE(bytes, offset) : readU16(bytes, offset);
}
export function readU32In(bytes: Uint8Array, offset: number, little: boolean): number {
  return little ? readU32LE(bytes, offset) : readU32(bytes, offset);
}
/** A signed 64-bit integer as a number (exact within ±2^53). */
export function readI64In(bytes: Uint8Array, offset: number, little: boolean): number {
  const first = readU32In(bytes, offset, little);
  const second = readU32In(bytes, offset + 4, little);
  const high = little ? second : first;
  const low = little ? first : second;
  return (high | 0) * 4294967296 + low;
}
