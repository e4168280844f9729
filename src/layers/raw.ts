/**
 * Raw payload: bytes with no structure, the last layer of a packet (or everything after the last
 * layer a decoder understood). Given as bytes (`data`, also `hex` in the text spec), as text (UTF-8),
 * or as a length (`len`: bytes 0, 1, 2, ... 255, 0, 1, ...).
 */
import { toHex } from '../core/bytes.js';
import { noteRegionSum, onesSum } from '../core/checksum.js';
import { FieldError } from '../core/errors.js';
import { bytesOf } from './bytes-value.js';
import type { BytesValue, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { defineSchema } from './schema.js';

export interface RawFields {
  /** The bytes (hex string or Uint8Array). */
  data?: BytesValue;
  /** UTF-8 text, used when `data` is not given. */
  text?: string;
  /** A length: bytes 0,1,2,... used when neither `data` nor `text` is given. */
  len?: number;
}

export type RawLayer = LayerValue<'raw', RawFields>;

export function raw(fields: RawFields | Uint8Array | string = {}): RawLayer {
  if (fields instanceof Uint8Array) return { layer: 'raw', fields: { data: fields } };
  if (typeof fields === 'string') return { layer: 'raw', fields: { text: fields } };
  return { layer: 'raw', fields };
}

/** Payload helpers: text as UTF-8 bytes, a counting pattern of a given length. */
export function textBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i & 0xff;
  return out;
}

const encoder = new TextEncoder();

/** The counting pattern of every length up to 256 as ready views (one copy per packet, no loop). */
const PATTERN_LENGTH = 256;
const PATTERN = patternBytes(PATTERN_LENGTH);
const PATTERN_VIEWS: readonly Uint8Array[] = Array.from({ length: PATTERN_LENGTH + 1 }, (_, n) =>
  PATTERN.subarray(0, n),
);
/** The one's complement sum of each of those views, noted for the checksums that cover the payload. */
const PATTERN_SUMS = Float64Array.from(PATTERN_VIEWS, (view) => onesSum(view, 0, view.length));

function rawLength(fields: RawFields): number {
  if (fields.data !== undefined) {
    return typeof fields.data === 'string' ? bytesOfChecked(fields.data).length : fields.data.length;
  }
  if (fields.text !== undefined) return encoder.encode(fields.text).length;
  if (fields.len !== undefined) {
    if (!Number.isInteger(fields.len) || fields.len < 0 || fields.len > 0xffffff) {
      throw new FieldError('raw', 'len', `must be an integer from 0 to ${0xffffff}, got ${fields.len}`);
    }
    return fields.len;
  }
  return 0;
}

function bytesOfChecked(value: BytesValue): Uint8Array {
  try {
    return bytesOf(value);
  } catch (error) {
    throw new FieldError('raw', 'data', (error as Error).message);
  }
}

export const rawSchema = defineSchema<RawFields>({
  data: { kind: 'bytes', role: 'shape', auto: 'none', doc: 'payload bytes (hex); also accepted as hex=' },
  text: { kind: 'text', role: 'shape', auto: 'none', doc: 'payload as UTF-8 text' },
  len: { kind: 'uint', role: 'shape', max: 0xffffff, auto: 'none', doc: 'payload of N bytes 00 01 02 ...' },
});

export const rawCodec: LayerCodec<RawFields> = {
  name: 'raw',
  tsharkProtocol: 'data',
  title: 'Data',
  schema: rawSchema,

  headerLength: rawLength,

  encode(fields: RawFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    if (fields.data !== undefined) out.set(bytesOfChecked(fields.data), offset);
    else if (fields.text !== undefined)
      encoder.encodeInto(fields.text, out.subarray(offset, frame.payloadEnd));
    else if (frame.headerLength <= PATTERN_LENGTH) {
      out.set(PATTERN_VIEWS[frame.headerLength]!, offset);
      noteRegionSum(out, offset, offset + frame.headerLength, PATTERN_SUMS[frame.headerLength]!);
    } else for (let i = 0; i < frame.headerLength; i++) out[offset + i] = i & 0xff;
  },

  decode(bytes: Uint8Array, offset: number, end: number): DecodeStep<RawFields> {
    return {
      fields: { data: bytes.subarray(offset, end) },
      headerLength: end - offset,
      contentEnd: end,
      next: undefined,
    };
  },

  summary(fields: RawFields): string {
    const data = fields.data === undefined ? new Uint8Array(0) : bytesOf(fields.data);
    const preview = toHex(data, 0, Math.min(data.length, 16));
    return `${data.length} bytes${data.length ? `: ${preview}${data.length > 16 ? '...' : ''}` : ''}`;
  },
};

/** The fields `decode` gives for raw bytes: the bytes. */
export type RawDecodedFields = Omit<RawFields, 'data'> & { readonly data: Uint8Array };
