/**
 * Big-endian reading and writing over Uint8Array. Decoders check a whole header's bounds once with
 * `need` and then read with the unchecked helpers; `ByteCursor` is the checked, convenient form.
 */
import { DecodeError } from './errors.js';

/** Throws a DecodeError unless `count` bytes are present at `offset` before `end`. */
export function need(layer: string, offset: number, count: number, end: number, what = 'header'): void {
  if (count < 0 || offset + count > end) {
    const have = Math.max(0, end - offset);
    throw new DecodeError(layer, offset, `truncated ${what}: need ${count} bytes, have ${have}`, {
      expected: count,
      actual: have,
    });
  }
}

export function readU8(bytes: Uint8Array, offset: number): number {
  return bytes[offset]!;
}
export function readU16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}
export function readU24(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset + 2]!;
}
export function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}
export function writeU8(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
}
export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value;
}
export function writeU24(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 16;
  bytes[offset + 1] = value >>> 8;
  bytes[offset + 2] = value;
}
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

/** A bounds-checked big-endian reader over [start, end) of a buffer. */
export class ByteCursor {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly layer: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.offset = start;
  }
  get remaining(): number {
    return this.end - this.offset;
  }
  private take(count: number, what: string): number {
    need(this.layer, this.offset, count, this.end, what);
    const at = this.offset;
    this.offset += count;
    return at;
  }
  u8(what = 'field'): number {
    return this.bytes[this.take(1, what)]!;
  }
  u16(what = 'field'): number {
    return readU16(this.bytes, this.take(2, what));
  }
  u24(what = 'field'): number {
    return readU24(this.bytes, this.take(3, what));
  }
  u32(what = 'field'): number {
    return readU32(this.bytes, this.take(4, what));
  }
  /** A view (no copy) of the next `count` bytes. */
  view(count: number, what = 'field'): Uint8Array {
    const at = this.take(count, what);
    return this.bytes.subarray(at, at + count);
  }
}

/** A bounds-checked big-endian writer; throws RangeError when the buffer is too small (a programming error). */
export class ByteWriter {
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.offset = start;
  }
  private reserve(count: number): number {
    if (this.offset + count > this.bytes.length) {
      throw new RangeError(
        `ByteWriter: writing ${count} bytes at ${this.offset} overflows ${this.bytes.length}`,
      );
    }
    const at = this.offset;
    this.offset += count;
    return at;
  }
  u8(value: number): this {
    this.bytes[this.reserve(1)] = value;
    return this;
  }
  u16(value: number): this {
    writeU16(this.bytes, this.reserve(2), value);
    return this;
  }
  u24(value: number): this {
    writeU24(this.bytes, this.reserve(3), value);
    return this;
  }
  u32(value: number): this {
    writeU32(this.bytes, this.reserve(4), value);
    return this;
  }
  bytesFrom(source: Uint8Array): this {
    this.bytes.set(source, this.reserve(source.length));
    return this;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += HEX[bytes[i]!];
  return text;
}

/** Parses hex ("0a0b", "0a:0b", "0a 0b", optional 0x prefix). Returns undefined if it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  let clean = text.trim();
  if (clean.startsWith('0x') || clean.startsWith('0X')) clean = clean.slice(2);
  clean = clean.replace(/[\s:.-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
