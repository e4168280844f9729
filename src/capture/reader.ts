/**
 * Capture readers over the incremental parser:
 * - `readCapture(bytes)`: a sync generator over an in-memory file; records hold views into `bytes`.
 * - `openCaptureFile(path)` / `readCaptureStream(stream)`: async iterables that read in chunks
 *   (1 MiB by default) and never hold the whole file. Each record's `data` stays valid after the
 *   iteration moves on (chunks are not reused while records may point into them).
 * - Bulk fast path: pass `{ reuseRecord: true }` to either. One record object is reused and its
 *   `data` points into a shared buffer that is overwritten by the next step: use or copy it before
 *   asking for the next record. No allocation per packet.
 *
 * Interfaces, sections and name records fill in as the file is read (an interface appears before its
 * first packet). Damage raises CaptureError(fileOffset, reason) after every intact packet before it;
 * with `allowCutShortTail`, a file ending inside a record ends cleanly and `cutShort` says where.
 * Records longer than the snap length are read (as wiretap reads them) and counted in
 * `snapLengthExcess`; `captureProblems(reader)` words both for a user.
 */
import { open } from 'node:fs/promises';
import { CaptureParser, type ParserOptions, STEP_END, STEP_RECORD } from './parser.js';
import type {
  CaptureFormat,
  CaptureInterface,
  CaptureRecord,
  CaptureSection,
  CutShortTail,
  NameRecord,
  SnapLengthExcess,
} from './types.js';

export interface ReadOptions extends ParserOptions {
  /** Bytes read per chunk by the streaming readers; default 1 MiB. */
  chunkSize?: number | undefined;
}

/** What a reader has learned about the file so far. */
export interface CaptureFileInfo {
  readonly format: CaptureFormat | undefined;
  /** Classic pcap: nanosecond magic. */
  readonly nanosecond: boolean;
  /** Byte order of the file (pcapng: of the first section). */
  readonly byteOrder: 'little' | 'big';
  readonly interfaces: readonly CaptureInterface[];
  readonly sections: readonly CaptureSection[];
  readonly nameRecords: readonly NameRecord[];
  /** Records longer than their interface's snap length, per interface (read, not refused). */
  readonly snapLengthExcess: readonly SnapLengthExcess[];
  /** The file ended inside a record or block (with `allowCutShortTail`). */
  readonly cutShort: CutShortTail | undefined;
}

/**
 * One line per thing a user should know about a file that was read anyway: records above the snap
 * length, a last record cut short ("N intact packets, the last record cut short at offset X").
 */
export function captureProblems(info: CaptureFileInfo): string[] {
  const lines: string[] = [];
  for (const excess of info.snapLengthExcess) {
    const where = info.format === 'pcapng' ? `interface ${excess.interfaceId}'s` : "the file header's";
    lines.push(
      `${excess.records} record${excess.records === 1 ? ' is' : 's are'} longer than ${where} snap length ${excess.snapLen} (the longest ${excess.longest} bytes, the first at offset ${excess.firstOffset}); read in full, as Wireshark does`,
    );
  }
  const cut = info.cutShort;
  if (cut) {
    lines.push(
      `${cut.intactPackets} intact packet${cut.intactPackets === 1 ? '' : 's'}, the last record cut short at offset ${cut.fileOffset}`,
    );
  }
  return lines;
}

/** What a reader has learned so far, as its parser knows it: the part every reader shares. */
export class ParsedFileInfo implements CaptureFileInfo {
  constructor(protected readonly parser: CaptureParser) {}
  get format(): CaptureFormat | undefined {
    return this.parser.format;
  }
  get nanosecond(): boolean {
    return this.parser.nanosecond;
  }
  get byteOrder(): 'little' | 'big' {
    return this.parser.byteOrder;
  }
  get interfaces(): readonly CaptureInterface[] {
    return this.parser.interfaces;
  }
  get sections(): readonly CaptureSection[] {
    return this.parser.sections;
  }
  get nameRecords(): readonly NameRecord[] {
    return this.parser.nameRecords;
  }
  get snapLengthExcess(): readonly SnapLengthExcess[] {
    return this.parser.snapLengthExcess;
  }
  get cutShort(): CutShortTail | undefined {
    return this.parser.cutShort;
  }
}

/** In-memory reading: a sync generator yielding records whose `data` are views into `bytes`. */
export function readCapture(bytes: Uint8Array, options: ParserOptions = {}): CaptureIterable {
  return new CaptureIterable(bytes, new CaptureParser({ ...options, recordData: true }));
}

/** A sync iterable over an in-memory capture that also exposes what was learned while reading. */
export class CaptureIterable extends ParsedFileInfo implements Iterable<CaptureRecord> {
  constructor(
    private readonly bytes: Uint8Array,
    parser: CaptureParser,
  ) {
    super(parser);
  }

  *[Symbol.iterator](): Iterator<CaptureRecord> {
    const parser = this.parser;
    const bytes = this.bytes;
    let pos = 0;
    for (;;) {
      const step = parser.step(bytes, pos, bytes.length, true, pos);
      pos = parser.pos;
      if (step === STEP_END) return;
      if (step === STEP_RECORD) yield parser.record;
    }
  }
}

/** Something bytes can be pulled from. `read` resolves 0 at the end. */
interface ByteSource {
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Bytes left to read, when known (a file): a unit longer than that is never allocated for. */
  remaining?(): Promise<number>;
}

function fileSource(path: string): ByteSource {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let position = 0;
  return {
    async read(into, offset, length) {
      handle ??= await open(path, 'r');
      const { bytesRead } = await handle.read(into, offset, length, position);
      position += bytesRead;
      return bytesRead;
    },
    async close() {
      await handle?.close();
      handle = undefined;
    },
    async remaining() {
      handle ??= await open(path, 'r');
      const { size } = await handle.stat();
      return Math.max(0, size - position);
    },
  };
}

function streamSource(stream: NodeJS.ReadableStream): ByteSource {
  const iterator = (stream as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
  let chunk: Uint8Array | undefined;
  let chunkOffset = 0;
  let done = false;
  return {
    async read(into, offset, length) {
      while (!done && (!chunk || chunkOffset >= chunk.length)) {
        const next = await iterator.next();
        if (next.done) done = true;
        else {
          chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
          chunkOffset = 0;
        }
      }
      if (done || !chunk) return 0;
      const count = Math.min(length, chunk.length - chunkOffset);
      into.set(chunk.subarray(chunkOffset, chunkOffset + count), offset);
      chunkOffset += count;
      return count;
    },
    async close() {
      await iterator.return?.();
    },
  };
}

const MIN_READ = 64 * 1024;

/** A streaming reader: `for await (const record of reader)`; one pass. */
export class CaptureReader extends ParsedFileInfo implements AsyncIterable<CaptureRecord> {
  private readonly chunkSize: number;
  private readonly reuse: boolean;
  private readonly minRead: number;
  private started = false;

  constructor(
    private readonly source: ByteSource,
    options: ReadOptions = {},
  ) {
    super(new CaptureParser({ ...options, recordData: true }));
    this.chunkSize = Math.max(16, options.chunkSize ?? 1024 * 1024);
    this.minRead = Math.min(MIN_READ, this.chunkSize);
    this.reuse = options.reuseRecord ?? false;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CaptureRecord> {
    if (this.started) throw new Error('a capture reader can be iterated once');
    this.started = true;
    const parser = this.parser;
    let buffer = new Uint8Array(this.chunkSize);
    let start = 0;
    let end = 0;
    let eof = false;
    let fileOffset = 0;
    try {
      for (;;) {
        const step = parser.step(buffer, start, end, eof, fileOffset);
        fileOffset += parser.pos - start;
        start = parser.pos;
        if (step === STEP_RECORD) {
          yield parser.record;
          continue;
        }
        if (step === STEP_END) return;
        // STEP_NEED: make room for `need` bytes from `start`, then read. A unit longer than what is
        // left of a file cannot be whole: the buffer is sized for what is there, not for the claim.
        let need = parser.need;
        if (need > this.chunkSize && this.source.remaining) {
          need = Math.min(need, end - start + (await this.source.remaining()));
        }
        const fitsInPlace =
          buffer.length - start >= need && buffer.length - end >= Math.min(this.minRead, need);
        if (!fitsInPlace) {
          const kept = end - start;
          const size = Math.max(this.chunkSize, need);
          if (this.reuse && buffer.length >= size) {
            buffer.copyWithin(0, start, end);
          } else {
            // Records already yielded may still point into the old buffer: never overwrite it.
            const next = new Uint8Array(size);
            next.set(buffer.subarray(start, end));
            buffer = next;
          }
          start = 0;
          end = kept;
        }
        const count = await this.source.read(buffer, end, buffer.length - end);
        if (count === 0) eof = true;
        end += count;
      }
    } finally {
      await this.source.close();
    }
  }
}

/** Streams a capture file in chunks. */
export function openCaptureFile(path: string, options: ReadOptions = {}): CaptureReader {
  return new CaptureReader(fileSource(path), { path, ...options });
}

/** Streams a capture from a readable stream (e.g. process.stdin). */
export function readCaptureStream(stream: NodeJS.ReadableStream, options: ReadOptions = {}): CaptureReader {
  return new CaptureReader(streamSource(stream), options);
}
