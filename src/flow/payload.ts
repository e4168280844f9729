/**
 * Where a sender's application bytes come from. A flow of any size must not hold its payload in memory:
 * the pattern filler is periodic, so a 10 GB transfer is served from one small buffer, and a segment's
 * payload is a view into it. Caller-given bytes are served as views into the caller's array.
 */

/** The bytes one side writes, read a segment at a time. */
export interface PayloadSource {
  readonly length: number;
  /** Bytes [start, end) as a view valid for the flow's lifetime (never a copy when it can be helped). */
  bytes(start: number, end: number): Uint8Array;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Byte i of the pattern depends on i mod 64 and (i + i/64) mod 62: it repeats every 64 * 62 bytes. */
export const PATTERN_PERIOD = 64 * ALPHABET.length;
/** The longest range PatternPayload serves as a view (a TCP segment is at most 65535 bytes). */
const PATTERN_WINDOW = 65536;

/** Deterministic filler: byte i of a pattern stream (printable, so follow-stream output is readable). */
export function printablePatternBytes(length: number, salt: number): Uint8Array {
  const out = new Uint8Array(length);
  const first = Math.min(length, PATTERN_PERIOD);
  for (let i = 0; i < first; i++) {
    out[i] =
      i % 64 === 63 ? 0x0a : ALPHABET.charCodeAt((i + salt * 7 + Math.floor(i / 64)) % ALPHABET.length);
  }
  // Byte i + PATTERN_PERIOD equals byte i: (i + PATTERN_PERIOD) % 64 === i % 64, and the alphabet index
  // grows by PATTERN_PERIOD + PATTERN_PERIOD / 64 = 65 * 62, a multiple of 62. So the rest is copies
  // of the first period (doubling the copied length each time).
  for (let filled = first; filled < length; filled *= 2)
    out.copyWithin(filled, 0, Math.min(filled, length - filled));
  return out;
}

/** Buffers whose bytes never change, with their period (0: none known). */
const immutableBuffers = new WeakMap<ArrayBufferLike, number>();

/**
 * For an immutable payload buffer, a period p with byte k + p equal to byte k throughout (0: none
 * known); undefined for any other buffer.
 */
export function immutablePayloadPeriod(buffer: ArrayBufferLike): number | undefined {
  return immutableBuffers.get(buffer);
}

/** `length` bytes of the printable pattern, held as one period plus one segment's worth. */
export class PatternPayload implements PayloadSource {
  private readonly buffer: Uint8Array;
  constructor(
    readonly length: number,
    readonly salt: number,
  ) {
    this.buffer = printablePatternBytes(Math.min(length, PATTERN_PERIOD + PATTERN_WINDOW), salt);
    immutableBuffers.set(this.buffer.buffer, this.buffer.length > PATTERN_PERIOD ? PATTERN_PERIOD : 0);
  }
  /** Views handed out, by (offset, length): a long transfer asks for the same few again and again. */
  private readonly views = new Map<number, Uint8Array>();
  bytes(start: number, end: number): Uint8Array {
    const count = end - start;
    if (end <= this.buffer.length) return this.view(start, count);
    const from = start % PATTERN_PERIOD;
    if (count <= PATTERN_WINDOW) return this.view(from, count);
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += PATTERN_PERIOD) {
      const take = Math.min(PATTERN_PERIOD, count - i);
      out.set(this.buffer.subarray((from + i) % PATTERN_PERIOD, ((from + i) % PATTERN_PERIOD) + take), i);
    }
    return out;
  }
  /** buffer[from, from + count), the same view object each time (they are never written to). */
  private view(from: number, count: number): Uint8Array {
    const key = count * 131072 + from; // from < 2^17; a small integer for segment-sized counts
    let view = this.views.get(key);
    if (view === undefined) {
      view = this.buffer.subarray(from, from + count);
      if (this.views.size < 8192) this.views.set(key, view);
    }
    return view;
  }
}

/** Caller-given bytes. */
export class BytesPayload implements PayloadSource {
  constructor(private readonly data: Uint8Array) {}
  get length(): number {
    return this.data.length;
  }
  bytes(start: number, end: number): Uint8Array {
    return this.data.subarray(start, end);
  }
}

export function payloadSource(data: Uint8Array | PayloadSource): PayloadSource {
  return data instanceof Uint8Array ? new BytesPayload(data) : data;
}

// --- rcv ---
/** Bytes [start, end) of another source (one application write of a longer stream). */
export class SlicePayload implements PayloadSource {
  readonly length: number;
  constructor(
    private readonly source: PayloadSource,
    private readonly start: number,
    end: number,
  ) {
    this.length = end - start;
  }
  bytes(start: number, end: number): Uint8Array {
    return this.source.bytes(this.start + start, this.start + end);
  }
}
// --- end rcv ---

/** Writes made one after another (a conversation: a TLS handshake, then the request), read as one stream. */
export class ChainedPayload implements PayloadSource {
  private readonly parts: PayloadSource[] = [];
  private readonly starts: number[] = [];
  length = 0;
  append(part: PayloadSource): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.starts.push(this.length);
    this.length += part.length;
  }
  bytes(start: number, end: number): Uint8Array {
    // The part holding `start` (parts are few: a binary search is not worth it).
    let index = this.starts.length - 1;
    while (index > 0 && (this.starts[index] ?? 0) > start) index--;
    const part = this.parts[index];
    const partStart = this.starts[index] ?? 0;
    if (part === undefined) return new Uint8Array(0);
    if (end - partStart <= part.length) return part.bytes(start - partStart, end - partStart);
    const out = new Uint8Array(end - start);
    let at = start;
    while (at < end && index < this.parts.length) {
      const piece = this.parts[index];
      const from = this.starts[index] ?? 0;
      if (piece === undefined) break;
      const take = Math.min(end, from + piece.length);
      out.set(piece.bytes(at - from, take - from), at - start);
      at = take;
      index++;
    }
    return out;
  }
}
