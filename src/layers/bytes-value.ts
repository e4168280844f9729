import { fromHex } from '../core/bytes.js';
import type { BytesValue } from './layer.js';

const EMPTY = new Uint8Array(0);

/** A bytes field as bytes: a Uint8Array as is, a hex string parsed. Throws TypeError on bad hex. */
export function bytesOf(value: BytesValue | undefined): Uint8Array {
  if (value === undefined) return EMPTY;
  if (typeof value !== 'string') return value;
  const bytes = fromHex(value);
  if (!bytes)
    throw new TypeError(`not hex bytes: '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`);
  return bytes;
}
