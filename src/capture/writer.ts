/**
 * Streaming capture writer for classic pcap and pcapng.
 *
 * Records are encoded into one large buffer (4 MiB by default) and written when it fills:
 * - to a file path with synchronous writes of whole buffers (memory stays flat, no backpressure needed);
 * - to a stream with `stream.write`, handing the filled buffer over and starting a fresh one. When the
 *   stream asks to wait, `writePacket` returns false and `needsDrain` is true: await `drain()` before
 *   writing more (like a Node stream). Ignoring it lets memory grow, as with any stream.
 *
 * Only whole records are ever written, so a file cut between two flushes is a valid capture. Every
 * record handed to the writer reaches the file on `close()`, `flush()` or `flushSync()`; file-path
 * writers are also flushed from a `process.on('exit')` hook (normal exit, `process.exit`, uncaught
 * exception). On SIGINT the CLI calls `flushSync()` (or `flushOpenCaptureWritersSync()`).
 *
 * Write-behind (`writeBehind`, file paths that are regular files): a filled buffer is written by
 * libuv's thread pool while the caller fills the next, so the copy into the page cache and any pause
 * the kernel imposes on a writer that outruns the disk overlap with the caller's work. One write is
 * in flight at a time, in file order, so the file is always a prefix of what was handed over (a
 * SIGKILL leaves at most one partial record at its end, as with synchronous writes). `flushSync()`
 * writes everything not yet on file synchronously, the buffer in flight again included (the same
 * bytes at the same position: the overlap is harmless), so the signal and exit paths lose nothing.
 * When `writeBehind` buffers are waiting to be written, `needsDrain` is true: await `drain()`
 * (ignoring it lets memory grow, as with a stream).
 *
 * Zero-copy fast path: `reserveRecord(caplen, origLen, sec, nsec)` writes the record framing and
 * returns `{ buffer, offset }`: the caller writes exactly `caplen` packet bytes at
 * `buffer[offset .. offset + caplen)` before its next call on the writer. The returned slot object is
 * reused (valid until the next writer call) and nothing is allocated per packet.
 */
import { closeSync, fstatSync, openSync, write, writeSync } from 'node:fs';
import { FieldError } from '../core/errors.js';
import type { LayerValue } from '../layers/layer.js';
import { encodePacketTo, type PacketEncoder, type PacketSink } from '../packet/encode.js';
import {
  PCAP_HEADER_LENGTH,
  PCAP_RECORD_HEADER_LENGTH,
  writePcapHeader,
  writePcapRecordHeader,
} from './pcap.js';
import {
  decryptionSecretsBlockLength,
  EPB_FIXED_LENGTH,
  EPB_HEADER_LENGTH,
  interfaceBlockLength,
  nameResolutionBlockLength,
  packetOptionsLength,
  pad4,
  SECRETS_TLS_KEY_LOG,
  sectionHeaderLength,
  writeDecryptionSecretsBlock,
  writeEnhancedPacketFrame,
  writeInterfaceBlock,
  writeNameResolutionBlock,
  writeSectionHeader,
} from './pcapng.js';
import { type TicksSlot, timeToTicks } from './timestamp.js';
import {
  type CaptureFormat,
  DEFAULT_SNAPLEN,
  type InterfaceOptions,
  MAX_CAPLEN,
  type NameRecord,
  type PacketOptions,
  type TsResolution,
} from './types.js';

export interface CaptureWriterOptions {
  format: CaptureFormat;
  /** Interfaces declared up front (ids 0, 1, ...). Classic pcap takes at most one. */
  interfaces?: InterfaceOptions[] | undefined;
  /** Shorthand for one interface with this link type (and `snapLen`, `tsResolution`). */
  linkType?: number | undefined;
  snapLen?: number | undefined;
  tsResolution?: TsResolution | undefined;
  /** pcapng: written as a Name Resolution Block after the interfaces. */
  nameRecords?: NameRecord[] | undefined;
  /** pcapng shb_userappl; default "pktcraft". */
  userApplication?: string | undefined;
  hardware?: string | undefined;
  os?: string | undefined;
  /** pcapng: an opt_comment on the section header. */
  sectionComment?: string | undefined;
  /** Size of the batching buffer; default 4 MiB. */
  bufferSize?: number | undefined;
  /** For a stream target: end it on close(); default true except for process.stdout/stderr. */
  endStream?: boolean | undefined;
  /**
   * File paths: write filled buffers in the background, asking the caller to wait (`needsDrain`)
   * once this many are waiting (see the module comment); ignored for anything but a regular file.
   * Default 0: synchronous writes.
   */
  writeBehind?: number | undefined;
}

/** A filled buffer on its way to the file: bytes [0, length) go at `position`. */
interface PendingWrite {
  buffer: Uint8Array;
  length: number;
  position: number;
}

/** Where `reserveRecord` wants the packet bytes. Reused by the writer: read it before the next call. */
export interface RecordSlot {
  buffer: Uint8Array;
  offset: number;
}

interface WriterInterface {
  linkType: number;
  snapLen: number;
  ticksPerSecond: number;
}

const DEFAULT_BUFFER_SIZE = 4 * 1024 * 1024;
const openFileWriters = new Set<CaptureWriter>();
let exitHookInstalled = false;

/** Flushes every open file-path writer synchronously (for SIGINT/exit handlers). */
export function flushOpenCaptureWritersSync(): void {
  for (const writer of openFileWriters) {
    try {
      writer.flushSync();
    } catch {
      // The process is going down; a writer that cannot flush must not stop the others.
    }
  }
}

function fail(field: string, reason: string): never {
  throw new FieldError('capture', field, reason);
}

export class CaptureWriter {
  readonly format: CaptureFormat;
  private buffer: Uint8Array;
  private used = 0;
  private readonly bufferSize: number;
  private readonly fd: number | undefined;
  private readonly stream: NodeJS.WritableStream | undefined;
  private readonly endStream: boolean;
  private readonly interfaces: WriterInterface[] = [];
  private headerWritten = false;
  private closed = false;
  private streamError: Error | undefined;
  private waitingDrain = false;
  private drainPromise: Promise<void> | undefined;
  private readonly ticks: TicksSlot = { high: 0, low: 0 };
  private readonly slot: RecordSlot;
  /** `writeLayers`, `writeCompiled`: the record's timestamp and interface while the packet is encoded into it. */
  private pendingSec = 0;
  private pendingNsec = 0;
  private pendingInterface = 0;
  private readonly sink: PacketSink = {
    reservePacket: (length: number): RecordSlot =>
      this.reserveRecord(length, length, this.pendingSec, this.pendingNsec, this.pendingInterface),
  };
  private pcapNanosecond = false;
  /** Write-behind: how many waiting buffers make `needsDrain` true (0: synchronous writes). */
  private readonly writeBehind: number;
  /** Write-behind: where the next buffer goes in the file. */
  private filePosition = 0;
  /** Write-behind: filled buffers in file order, the first one in flight when `writing`. */
  private readonly pending: PendingWrite[] = [];
  private writing = false;
  /** Write-behind: buffers written and free to fill again. */
  private readonly spare: Uint8Array[] = [];
  private drainResolve: (() => void) | undefined;
  /** Write-behind: the file is closed when the write in flight ends (closeSync during one). */
  private closeWhenIdle = false;
  private idleResolve: (() => void) | undefined;
  /** Records accepted so far. */
  packetCount = 0;
  /** Bytes handed to the file or stream so far. */
  bytesWritten = 0;

  constructor(target: string | NodeJS.WritableStream, options: CaptureWriterOptions) {
    if (options.format !== 'pcap' && options.format !== 'pcapng')
      fail('format', `unknown format '${options.format}'`);
    this.format = options.format;
    this.bufferSize = Math.max(64 * 1024, options.bufferSize ?? DEFAULT_BUFFER_SIZE);
    this.buffer = Buffer.alloc(this.bufferSize);
    this.slot = { buffer: this.buffer, offset: 0 };
    if (typeof target === 'string') {
      this.fd = openSync(target, 'w');
      this.endStream = false;
      // Positional writes need a regular file (not a FIFO, /dev/stdout, /dev/null).
      const behind = Math.floor(options.writeBehind ?? 0);
      this.writeBehind = behind > 0 && fstatSync(this.fd).isFile() ? behind : 0;
      openFileWriters.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', flushOpenCaptureWritersSync);
      }
    } else {
      this.writeBehind = 0;
      this.stream = target;
      this.endStream =
        options.endStream ??
        (target !== (process.stdout as unknown) && target !== (process.stderr as unknown));
      target.on('error', (error: Error) => {
        this.streamError = error;
      });
    }
    const declared = [...(options.interfaces ?? [])];
    if (options.linkType !== undefined) {
      declared.unshift({
        linkType: options.linkType,
        snapLen: options.snapLen,
        tsResolution: options.tsResolution,
      });
    }
    if (this.format === 'pcapng') {
      const section = {
        userApplication: options.userApplication ?? 'pktcraft',
        hardware: options.hardware,
        os: options.os,
        comment: options.sectionComment,
      };
      this.ensure(sectionHeaderLength(section));
      this.used = writeSectionHeader(this.buffer, this.used, section);
      this.headerWritten = true;
      for (const spec of declared) this.addInterface(spec);
      if (options.nameRecords && options.nameRecords.length > 0) this.addNameRecords(options.nameRecords);
    } else {
      if (declared.length > 1) fail('interfaces', 'classic pcap holds exactly one link type (one interface)');
      if (declared[0]) this.addInterface(declared[0]);
      else if (options.tsResolution === 'ns') this.pcapNanosecond = true;
    }
    // A file is a valid (empty) capture from the start when its header is already known.
    if (this.fd !== undefined && (this.format === 'pcapng' || this.interfaces.length > 0)) this.flushSync();
  }

  /** Declares an interface; returns its id. pcapng writes its IDB now (before any of its packets). */
  addInterface(spec: InterfaceOptions): number {
    this.checkOpen();
    const snapLen = spec.snapLen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(spec.linkType) || spec.linkType < 0 || spec.linkType > 0xffff) {
      fail('linkType', `link type must be 0..65535, got ${spec.linkType}`);
    }
    if (!Number.isInteger(snapLen) || snapLen < 0 || snapLen > 0xffffffff)
      fail('snapLen', `bad snap length ${snapLen}`);
    const nanosecond = spec.tsResolution === 'ns';
    const entry: WriterInterface = {
      linkType: spec.linkType,
      snapLen,
      ticksPerSecond: nanosecond ? 1e9 : 1e6,
    };
    if (this.format === 'pcap') {
      const existing = this.interfaces[0];
      if (existing) {
        if (existing.linkType === entry.linkType) return 0;
        fail(
          'linkType',
          `classic pcap holds one link type (${existing.linkType}); cannot add ${entry.linkType}`,
        );
      }
      if (snapLen === 0) entry.snapLen = DEFAULT_SNAPLEN;
      this.interfaces.push(entry);
      this.pcapNanosecond = nanosecond;
      return 0;
    }
    const fields = {
      linkType: spec.linkType,
      snapLen,
      name: spec.name,
      description: spec.description,
      tsresol: nanosecond ? 9 : 6,
    };
    this.ensure(interfaceBlockLength(fields));
    this.used = writeInterfaceBlock(this.buffer, this.used, fields);
    this.interfaces.push(entry);
    return this.interfaces.length - 1;
  }

  /** pcapng: writes a Name Resolution Block (IPv4 and IPv6 records). Classic pcap ignores it. */
  addNameRecords(records: readonly NameRecord[]): void {
    this.checkOpen();
    if (this.format !== 'pcapng' || records.length === 0) return;
    for (const record of records) {
      if (record.names.length === 0) fail('nameRecords', `no name for ${record.address}`);
    }
    const length = nameResolutionBlockLength(records);
    this.ensure(length);
    try {
      writeNameResolutionBlock(this.buffer, this.used, records);
    } catch (error) {
      fail('nameRecords', (error as Error).message);
    }
    this.used += length;
  }

  /**
   * pcapng: writes a Decryption Secrets Block (a TLS key log by default) at this point of the file,
   * so it must come before the first packet that needs it. Classic pcap cannot hold one: an error.
   */
  addDecryptionSecrets(secrets: Uint8Array | string, secretsType = SECRETS_TLS_KEY_LOG): void {
    this.checkOpen();
    if (this.format !== 'pcapng') fail('secrets', 'classic pcap cannot hold decryption secrets (use pcapng)');
    const data = typeof secrets === 'string' ? new TextEncoder().encode(secrets) : secrets;
    if (!Number.isInteger(secretsType) || secretsType < 0 || secretsType > 0xffffffff)
      fail('secretsType', `secrets type must be a 32-bit number, got ${secretsType}`);
    this.ensure(decryptionSecretsBlockLength(data.length));
    this.used = writeDecryptionSecretsBlock(this.buffer, this.used, secretsType, data);
  }

  /** Number of interfaces declared so far. */
  get interfaceCount(): number {
    return this.interfaces.length;
  }

  /** True when the stream asked to wait: await `drain()` before writing more. */
  get needsDrain(): boolean {
    return this.waitingDrain;
  }

  /**
   * Writes one packet (copied into the buffer). Returns false when the caller should `await drain()`.
   * A packet longer than the interface's snap length is cut to it (captured < original length).
   */
  writePacket(
    data: Uint8Array,
    timestampSec: number,
    timestampNsec: number,
    options?: PacketOptions,
  ): boolean {
    const iface = this.interfaceFor(options?.interfaceId);
    const capturedLength =
      iface.snapLen > 0 && data.length > iface.snapLen && options?.keepLength !== true
        ? iface.snapLen
        : data.length;
    const originalLength = options?.originalLength ?? data.length;
    this.checkRecord(capturedLength, originalLength, timestampSec, timestampNsec);
    const source = capturedLength === data.length ? data : data.subarray(0, capturedLength);
    if (this.format === 'pcap') {
      this.ensure(PCAP_RECORD_HEADER_LENGTH + capturedLength);
      const at = this.writePcapFrame(capturedLength, originalLength, timestampSec, timestampNsec);
      this.buffer.set(source, at);
      this.used = at + capturedLength;
    } else {
      const comments = options?.comments;
      const direction = options?.direction;
      const length = EPB_FIXED_LENGTH + pad4(capturedLength) + packetOptionsLength(comments, direction);
      this.ensure(length);
      const start = this.used;
      const ticks = timeToTicks(timestampSec, timestampNsec, iface.ticksPerSecond, this.ticks);
      this.used = writeEnhancedPacketFrame(
        this.buffer,
        start,
        options?.interfaceId ?? 0,
        ticks.high,
        ticks.low,
        capturedLength,
        originalLength,
        comments,
        direction,
      );
      this.buffer.set(source, start + EPB_HEADER_LENGTH);
    }
    this.packetCount++;
    return !this.waitingDrain;
  }

  /**
   * Encodes a layer stack (outermost first) straight into the next record, sized once; returns its
   * length. The same bytes as `writePacket(encodePacket(layers), ...)`, without the copy.
   */
  writeLayers(
    layers: readonly LayerValue[],
    timestampSec: number,
    timestampNsec: number,
    interfaceId = 0,
  ): number {
    this.pendingSec = timestampSec;
    this.pendingNsec = timestampNsec;
    this.pendingInterface = interfaceId;
    return encodePacketTo(layers, this.sink);
  }

  /**
   * `writeLayers` through a compiled stack (`compileStack`): the fast way to write many packets of
   * one shape. The same bytes as `writeLayers(layers, ...)`.
   */
  writeCompiled(
    stack: PacketEncoder,
    layers: readonly LayerValue[],
    timestampSec: number,
    timestampNsec: number,
    interfaceId = 0,
  ): number {
    this.pendingSec = timestampSec;
    this.pendingNsec = timestampNsec;
    this.pendingInterface = interfaceId;
    return stack.encodeTo(layers, this.sink);
  }

  /**
   * Zero-copy: reserves a record of `capturedLength` bytes and returns where to write them
   * (`slot.buffer[slot.offset ..]`). Fill it before the next call on this writer. No options
   * (comments, direction) on this path. `capturedLength` must not exceed the snap length.
   */
  reserveRecord(
    capturedLength: number,
    originalLength: number,
    timestampSec: number,
    timestampNsec: number,
    interfaceId = 0,
  ): RecordSlot {
    const iface = this.interfaceFor(interfaceId);
    if (iface.snapLen > 0 && capturedLength > iface.snapLen) {
      fail('capturedLength', `${capturedLength} exceeds the snap length ${iface.snapLen}`);
    }
    this.checkRecord(capturedLength, originalLength, timestampSec, timestampNsec);
    const slot = this.slot;
    if (this.format === 'pcap') {
      this.ensure(PCAP_RECORD_HEADER_LENGTH + capturedLength);
      const at = this.writePcapFrame(capturedLength, originalLength, timestampSec, timestampNsec);
      this.used = at + capturedLength;
      slot.offset = at;
    } else {
      this.ensure(EPB_FIXED_LENGTH + pad4(capturedLength));
      const start = this.used;
      const ticks = timeToTicks(timestampSec, timestampNsec, iface.ticksPerSecond, this.ticks);
      this.used = writeEnhancedPacketFrame(
        this.buffer,
        start,
        interfaceId,
        ticks.high,
        ticks.low,
        capturedLength,
        originalLength,
        undefined,
        undefined,
      );
      slot.offset = start + EPB_HEADER_LENGTH;
    }
    slot.buffer = this.buffer;
    this.packetCount++;
    return slot;
  }

  /** Resolves when the stream has drained (immediately when it does not need to). */
  drain(): Promise<void> {
    if (this.streamError) return Promise.reject(this.streamError);
    if (!this.waitingDrain) return Promise.resolve();
    if (!this.drainPromise && this.writeBehind > 0) {
      this.drainPromise = new Promise<void>((resolve) => {
        this.drainResolve = resolve;
      });
    } else if (!this.drainPromise) {
      const stream = this.stream!;
      this.drainPromise = new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.removeListener('error', onError);
          this.waitingDrain = false;
          this.drainPromise = undefined;
          resolve();
        };
        const onError = (error: Error): void => {
          stream.removeListener('drain', onDrain);
          this.drainPromise = undefined;
          reject(error);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    }
    return this.drainPromise;
  }

  /** Writes every buffered record and waits for the stream to drain. */
  async flush(): Promise<void> {
    this.flushSync();
    await this.drain();
  }

  /**
   * Hands every buffered (whole) record to the file synchronously, or to the stream's `write`.
   * Safe from SIGINT and exit handlers.
   */
  flushSync(): void {
    if (this.closed) return;
    this.ensureHeader();
    this.writeOut();
    if (this.writeBehind > 0) this.writePendingSync();
  }

  /**
   * Write-behind: every pending buffer, the one in flight included, written now in file order (its
   * thread-pool write puts the same bytes at the same place). The one in flight stays pending until
   * its callback: it is not reused before.
   */
  private writePendingSync(): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const { buffer, length, position } = pending[i]!;
      let done = 0;
      while (done < length) done += writeSync(this.fd!, buffer, done, length - done, position + done);
    }
    for (const written of pending.splice(this.writing ? 1 : 0)) this.spare.push(written.buffer);
    this.wakeDrain();
  }

  /** Write-behind: starts the next background write unless one is in flight. */
  private startWrite(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    const next = this.pending[0]!;
    const writeFrom = (done: number): void => {
      write(this.fd!, next.buffer, done, next.length - done, next.position + done, (error, count) => {
        if (error) {
          this.streamError ??= error;
        } else if (done + count < next.length && !this.closed) {
          writeFrom(done + count);
          return;
        }
        this.writing = false;
        if (this.pending[0] === next) this.pending.shift();
        this.spare.push(next.buffer);
        if (this.closeWhenIdle) {
          this.closeWhenIdle = false;
          closeSync(this.fd!);
        }
        // After a failed write nothing later is written: the file stays a prefix of the stream.
        if (!this.closed && !this.streamError) this.startWrite();
        this.wakeDrain();
        if (!this.writing && this.idleResolve) {
          const resolve = this.idleResolve;
          this.idleResolve = undefined;
          resolve();
        }
      });
    };
    writeFrom(0);
  }

  /** Write-behind: resolves a waiting `drain()` once fewer buffers wait (or the writer failed). */
  private wakeDrain(): void {
    if (!this.waitingDrain || (this.pending.length >= this.writeBehind && !this.streamError)) return;
    this.waitingDrain = false;
    const resolve = this.drainResolve;
    this.drainResolve = undefined;
    this.drainPromise = undefined;
    resolve?.();
  }

  /** Flushes everything, ends the stream (unless told not to) or closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    openFileWriters.delete(this);
    if (this.fd !== undefined) {
      // Everything is on file (flushSync); the file is closed once no background write uses it.
      if (this.writing) await new Promise<void>((resolve) => (this.idleResolve = resolve));
      closeSync(this.fd);
      if (this.streamError) throw this.streamError;
      return;
    }
    const stream = this.stream!;
    if (this.streamError) throw this.streamError;
    if (this.endStream) {
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
    } else if (this.waitingDrain) {
      this.closed = false;
      await this.drain();
      this.closed = true;
    }
  }

  /** File-path writers only: flush and close synchronously. */
  closeSync(): void {
    if (this.fd === undefined) throw new Error('closeSync is for file-path writers; use close()');
    if (this.closed) return;
    this.flushSync();
    this.closed = true;
    openFileWriters.delete(this);
    // A background write still in flight (its bytes are already on file) closes the file itself.
    if (this.writing) this.closeWhenIdle = true;
    else closeSync(this.fd);
  }

  private interfaceFor(interfaceId: number | undefined): WriterInterface {
    this.checkOpen();
    if (this.format === 'pcap') {
      this.ensureHeader();
      if (interfaceId !== undefined && interfaceId !== 0)
        fail('interfaceId', 'classic pcap has only interface 0');
      return this.interfaces[0]!;
    }
    const id = interfaceId ?? 0;
    const iface = this.interfaces[id];
    if (!iface) fail('interfaceId', `interface ${id} not declared (${this.interfaces.length} declared)`);
    return iface;
  }

  private checkRecord(capturedLength: number, originalLength: number, sec: number, nsec: number): void {
    if (!(capturedLength >= 0 && capturedLength <= MAX_CAPLEN)) {
      fail('capturedLength', `${capturedLength} is above the ${MAX_CAPLEN}-byte maximum`);
    }
    if (!(originalLength >= capturedLength && originalLength <= 0xffffffff)) {
      fail('originalLength', `${originalLength} is below the captured length ${capturedLength}`);
    }
    if (!(sec >= 0 && sec <= 0xffffffff && Number.isInteger(sec))) fail('timestampSec', `bad seconds ${sec}`);
    if (!(nsec >= 0 && nsec < 1e9 && Number.isInteger(nsec)))
      fail('timestampNsec', `bad nanoseconds ${nsec}`);
  }

  private writePcapFrame(capturedLength: number, originalLength: number, sec: number, nsec: number): number {
    const fraction = this.pcapNanosecond ? nsec : Math.floor(nsec / 1000);
    return writePcapRecordHeader(this.buffer, this.used, sec, fraction, capturedLength, originalLength);
  }

  private ensureHeader(): void {
    if (this.headerWritten) return;
    if (this.interfaces.length === 0) {
      this.interfaces.push({ linkType: 1, snapLen: DEFAULT_SNAPLEN, ticksPerSecond: 1e6 });
    }
    const iface = this.interfaces[0]!;
    this.headerWritten = true;
    this.ensure(PCAP_HEADER_LENGTH);
    this.used = writePcapHeader(this.buffer, this.used, iface.linkType, iface.snapLen, this.pcapNanosecond);
    if (this.pcapNanosecond) iface.ticksPerSecond = 1e9;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('capture writer is closed');
    if (this.streamError) throw this.streamError;
  }

  /** Makes room for `length` more bytes, writing out the buffer (whole records only) when needed. */
  private ensure(length: number): void {
    if (this.used + length <= this.buffer.length) return;
    this.writeOut();
    if (length > this.buffer.length) {
      this.buffer = Buffer.alloc(Math.max(length, this.bufferSize));
      this.slot.buffer = this.buffer;
    }
  }

  private writeOut(): void {
    if (this.used === 0) return;
    const length = this.used;
    if (this.writeBehind > 0) {
      this.pending.push({ buffer: this.buffer, length, position: this.filePosition });
      this.filePosition += length;
      // A free buffer to fill next; a new one when none is (past `writeBehind`, the caller is asked to wait).
      this.buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.bufferSize);
      this.slot.buffer = this.buffer;
      this.used = 0;
      if (this.pending.length >= this.writeBehind) this.waitingDrain = true;
      this.startWrite();
    } else if (this.fd !== undefined) {
      let done = 0;
      while (done < length) done += writeSync(this.fd, this.buffer, done, length - done);
      this.used = 0;
    } else {
      const chunk = this.buffer.subarray(0, length);
      this.buffer = Buffer.alloc(this.bufferSize);
      this.slot.buffer = this.buffer;
      this.used = 0;
      if (!this.stream!.write(chunk)) this.waitingDrain = true;
    }
    this.bytesWritten += length;
  }
}

/** Opens a capture writer on a file path (synchronous whole-buffer writes) or a writable stream. */
export function createCaptureWriter(
  target: string | NodeJS.WritableStream,
  options: CaptureWriterOptions,
): CaptureWriter {
  return new CaptureWriter(target, options);
}
