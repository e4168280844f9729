/**
 * Synchronous bulk reading of a capture file through one reused buffer: the fast path for a process
 * that reads a file once (`decodeBulk` over every record, a count, a filter).
 *
 * Why one buffer: fresh memory is expensive on its first touch (a page fault per 4 KiB page, and on
 * virtual machines with shadow or lazily backed memory, several microseconds more per page), so
 * reading a whole file into a new buffer, or each chunk into a new one, costs a process's first pass
 * more than decoding does. A scanner reads `chunkSize` bytes at a time (1 MiB by default) into the
 * same buffer, moving a record cut at the chunk's end to the front; memory stays flat whatever the file's size.
 *
 *   const scanner = openCaptureScanner(path);
 *   while (scanner.next()) decodeBulk(scanner.buffer, out, first, scanner.recordOffset,
 *     scanner.recordOffset + scanner.recordLength);
 *
 * The record's bytes are `buffer[recordOffset, recordOffset + recordLength)`; `record` holds its
 * metadata (one object, reused; its `data` is not set). Both are valid until the next `next()`.
 * `buffer` may be a different array after `next()` (a record longer than the chunk). Damage throws
 * CaptureError after every intact record, as the other readers do.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CaptureParser, STEP_END, STEP_RECORD } from './parser.js';
import { ParsedFileInfo } from './reader.js';
import type { CaptureRecord } from './types.js';

export interface ScannerOptions {
  /** Bytes read at a time; default 1 MiB. */
  chunkSize?: number | undefined;
  /** See ParserOptions.allowCutShortTail. */
  allowCutShortTail?: boolean | undefined;
}

const DEFAULT_CHUNK = 1024 * 1024;
/**
 * The first read is short: the first records come sooner, and the path for a record cut at a
 * chunk's end is taken within the first hundred records, while the code still runs unoptimised. A
 * path first taken after the JIT has compiled `next` and the parser's record step costs a
 * deoptimisation and a second compile (measured: some 16,000 records at several times the steady
 * cost, 8 ms of a million-record first pass).
 */
const FIRST_READ = 16 * 1024;

export class CaptureScanner extends ParsedFileInfo {
  /** The bytes the current record is in. */
  buffer: Uint8Array;
  private fd: number | undefined;
  private readonly size: number;
  private position = 0;
  private start = 0;
  private end = 0;
  private eof = false;
  private fileOffset = 0;

  constructor(
    readonly path: string,
    options: ScannerOptions = {},
  ) {
    super(
      new CaptureParser({
        reuseRecord: true,
        recordData: false,
        deferRecord: true,
        path,
        allowCutShortTail: options.allowCutShortTail,
      }),
    );
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
    // Never more than the file: a small file takes a small buffer.
    this.buffer = new Uint8Array(Math.max(64, Math.min(options.chunkSize ?? DEFAULT_CHUNK, this.size)));
  }

  /** Where the current record's bytes start in `buffer`. */
  get recordOffset(): number {
    return this.parser.recordOffset;
  }
  /** The current record's captured length. */
  get recordLength(): number {
    return this.parser.recordLength;
  }
  /**
   * The current record's metadata (reused; `data` is not set). For classic pcap it is read from the
   * record's header when asked: a loop that never asks does not pay for it.
   */
  get record(): CaptureRecord {
    const parser = this.parser;
    // `fileOffset` is the file offset of buffer[start], just after the record.
    return parser.recordAt(this.buffer, this.fileOffset - (this.start - parser.recordOffset) - 16);
  }
  /** Records read so far. */
  get packets(): number {
    return this.parser.packets;
  }

  /** Moves to the next record: true, or false at the end of the file (which is then closed). */
  next(): boolean {
    const parser = this.parser;
    try {
      for (;;) {
        const step = parser.step(this.buffer, this.start, this.end, this.eof, this.fileOffset);
        this.fileOffset += parser.pos - this.start;
        this.start = parser.pos;
        if (step === STEP_RECORD) return true;
        if (step === STEP_END) {
          this.close();
          return false;
        }
        this.fill(parser.need);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Makes `need` bytes from `start` fit (bounded by what is left of the file), then reads. */
  private fill(wanted: number): void {
    const kept = this.end - this.start;
    const need = Math.min(wanted, kept + (this.size - this.position));
    let buffer = this.buffer;
    if (buffer.length - this.start < need || buffer.length - this.end < Math.min(need, 64 * 1024)) {
      if (need > buffer.length) {
        const grown = new Uint8Array(need);
        grown.set(buffer.subarray(this.start, this.end));
        buffer = grown;
        this.buffer = grown;
      } else {
        buffer.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = kept;
    }
    const fd = this.fd;
    const room = buffer.length - this.end;
    const length = this.position === 0 ? Math.min(room, Math.max(FIRST_READ, need)) : room;
    const count = fd === undefined ? 0 : readSync(fd, buffer, this.end, length, this.position);
    if (count === 0) this.eof = true;
    this.position += count;
    this.end += count;
  }

  /** Closes the file (also done at the end and on an error). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Opens a capture file for synchronous bulk reading through one reused buffer. */
export function openCaptureScanner(path: string, options: ScannerOptions = {}): CaptureScanner {
  return new CaptureScanner(path, options);
}
