/**
 * Incremental parser for classic pcap and pcapng, shared by the in-memory generator and the streaming
 * readers. It never copies packet bytes (records hold views), never allocates in proportion to a length
 * field it has not bounded (caplen ≤ wiretap's maximum for the link type, 262144 for most; pcapng
 * blocks ≤ MAX_BLOCK_LENGTH) and always makes progress.
 *
 * What it reads is what Wireshark's wiretap reads: a record longer than the snap length is read (the
 * snap length is advisory) and noted in `snapLengthExcess`; only the impossible is refused (a length
 * above the link type's maximum, a block whose two lengths disagree, a length beyond its block).
 *
 * `step(bytes, pos, end, eof, fileOffset)` looks at bytes[pos..end) (`fileOffset` is the file offset
 * of bytes[pos]) and returns:
 * - STEP_RECORD: a packet is in `record`, its bytes at `recordOffset`/`recordLength` in `bytes`
 *   (with the `recordData: false` option, only there); `pos` is after it;
 * - STEP_NEED: `pos` is where the next unit starts and `need` is how many bytes from there it needs;
 * - STEP_END: clean end of file.
 * With `eof` set, a unit cut short throws CaptureError instead of asking for more (with
 * `allowCutShortTail`, a record or block cut short ends the file: STEP_END, and `cutShort` says where).
 * Damage is always reported after every intact packet before it was returned.
 */
import { formatIPv4, formatIPv6 } from '../core/address.js';
import { readU32 } from '../core/bytes.js';
import { CaptureError } from '../core/errors.js';
import { readI64In, readU16In, readU32In, readU32LE } from './endian.js';
import {
  PCAP_HEADER_LENGTH,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_NS_SWAPPED,
  PCAP_MAGIC_US,
  PCAP_MAGIC_US_SWAPPED,
  PCAP_RECORD_HEADER_LENGTH,
} from './pcap.js';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_NRB,
  BLOCK_PB,
  BLOCK_SHB,
  BLOCK_SPB,
  BYTE_ORDER_MAGIC,
  EPB_FLAGS,
  IF_DESCRIPTION,
  IF_FCSLEN,
  IF_FILTER,
  IF_HARDWARE,
  IF_NAME,
  IF_OS,
  IF_TSOFFSET,
  IF_TSRESOL,
  NRB_RECORD_END,
  NRB_RECORD_IPV4,
  NRB_RECORD_IPV6,
  OPT_COMMENT,
  OPT_ENDOFOPT,
  SHB_HARDWARE,
  SHB_OS,
  SHB_USERAPPL,
} from './pcapng.js';
import { type TimeSlot, ticksPerSecondFromTsresol, ticksToTime } from './timestamp.js';
import {
  type CaptureFormat,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureSection,
  type CutShortTail,
  type Direction,
  MAX_BLOCK_LENGTH,
  maxCapturedLengthFor,
  type NameRecord,
  type SnapLengthExcess,
} from './types.js';

export const STEP_RECORD = 0;
export const STEP_NEED = 1;
export const STEP_END = 2;
export type Step = typeof STEP_RECORD | typeof STEP_NEED | typeof STEP_END;

export interface ParserOptions {
  /** Reuse one record object (and a shared empty comments array) for every packet. Default false. */
  reuseRecord?: boolean | undefined;
  /**
   * A file that ends inside a record or block (a writer killed mid-write) ends the read cleanly after
   * the intact packets, with `cutShort` set, instead of throwing CaptureError. Default false.
   */
  allowCutShortTail?: boolean | undefined;
  /** Included in CaptureError messages. */
  path?: string | undefined;
  /**
   * Set `record.data` to a view of each packet (default true). With false no view is made: read the
   * packet at `recordOffset`/`recordLength` in the buffer given to `step` (with `reuseRecord` too,
   * stepping allocates nothing per packet). For code that calls `step` itself; the readers of
   * reader.ts always make views.
   */
  recordData?: boolean | undefined;
  /**
   * Classic pcap only: a STEP_RECORD sets `recordOffset`/`recordLength` and nothing else; `record`
   * (timestamp, original length, file offset) is filled only when asked, by `recordAt`, from the
   * record header still in the bytes just stepped over. For the bulk scanner, whose loop mostly never
   * looks at the metadata: it makes the record step small enough for the JIT to inline (measured:
   * +15% on a fresh process's bulk pass). Default false.
   */
  deferRecord?: boolean | undefined;
}

const EMPTY_COMMENTS: string[] = Object.freeze([]) as unknown as string[];
const STATE_START = 0;
const STATE_PCAP = 1;
const STATE_PCAPNG = 2;
/** Classic pcap with `deferRecord`. */
const STATE_PCAP_BARE = 3;
const utf8 = new TextDecoder('utf-8');

function newRecord(): CaptureRecord {
  return {
    interfaceId: 0,
    linkType: 0,
    timestampSec: 0,
    timestampNsec: 0,
    data: new Uint8Array(0),
    originalLength: 0,
    comments: EMPTY_COMMENTS,
    direction: undefined,
    flags: undefined,
    interfaceName: undefined,
    interfaceDescription: undefined,
    fileOffset: 0,
  };
}

export class CaptureParser {
  format: CaptureFormat | undefined;
  /** Classic pcap: true for the nanosecond magic. */
  nanosecond = false;
  byteOrder: 'little' | 'big' = 'little';
  readonly interfaces: CaptureInterface[] = [];
  readonly sections: CaptureSection[] = [];
  readonly nameRecords: NameRecord[] = [];
  /** The last packet (a fresh object per packet unless `reuseRecord`). */
  record: CaptureRecord = newRecord();
  /**
   * Where the last packet's bytes start in the `bytes` given to `step` (set by every STEP_RECORD,
   * whatever `recordData` says): the packet is bytes[recordOffset, recordOffset + recordLength).
   */
  recordOffset = 0;
  /** The last packet's captured length. */
  recordLength = 0;
  pos = 0;
  need = 0;
  /** Packets returned so far. */
  packets = 0;
  /** Records longer than their interface's snap length, per interface (read anyway). */
  readonly snapLengthExcess: SnapLengthExcess[] = [];
  /** Set when the file ended inside a record or block (only with `allowCutShortTail`). */
  cutShort: CutShortTail | undefined;
  private state = STATE_START;
  private little = true;
  private sectionInterfaces: CaptureInterface[] = [];
  private readonly time: TimeSlot = { sec: 0, nsec: 0 };
  private readonly reuse: boolean;
  private readonly recordData: boolean;
  private readonly deferRecord: boolean;
  private readonly allowCutShortTail: boolean;
  private readonly path: string | undefined;
  // Classic pcap header values.
  private pcapSnapLen = 0;
  private pcapLinkType = 0;
  /** The link type's maximum captured length (wiretap's bound). */
  private pcapLimit = 0;
  /**
   * Captured lengths above this take the slow path: the snap length when it is below the limit (to
   * note the excess), else the limit.
   */
  private pcapMaxCaptured = 0;

  constructor(options: ParserOptions = {}) {
    this.reuse = options.reuseRecord ?? false;
    this.recordData = options.recordData ?? true;
    this.deferRecord = options.deferRecord ?? false;
    this.allowCutShortTail = options.allowCutShortTail ?? false;
    this.path = options.path;
  }

  private error(fileOffset: number, reason: string): never {
    throw new CaptureError(fileOffset, reason, this.path);
  }

  /**
   * Asks for more bytes, or reports the truncation when there are none: an error, or (for a record
   * or block, with `allowCutShortTail`) the end of the file after its intact packets.
   */
  private needOrFail(
    pos: number,
    need: number,
    have: number,
    eof: boolean,
    fileOffset: number,
    what: string,
    tail = true,
  ): Step {
    if (eof) {
      if (!tail || !this.allowCutShortTail)
        this.error(fileOffset, `truncated ${what}: need ${need} bytes, have ${have}`);
      this.cutShort = { intactPackets: this.packets, fileOffset, what };
      this.pos = pos;
      return STEP_END;
    }
    this.pos = pos;
    this.need = need;
    return STEP_NEED;
  }

  step(bytes: Uint8Array, pos: number, end: number, eof: boolean, fileOffset: number): Step {
    // Classic pcap records first, in functions small enough to be inlined: the bulk path.
    const state = this.state;
    if (state === 3 /* STATE_PCAP_BARE */) return this.stepPcapBare(bytes, pos, end, eof, fileOffset - pos);
    if (state === 1 /* STATE_PCAP */) return this.stepPcap(bytes, pos, end, eof, fileOffset - pos);
    return this.stepOther(bytes, pos, end, eof, fileOffset - pos);
  }

  /** `step` for the start of a file and for pcapng (`base`: the file offset of bytes[0]). */
  private stepOther(bytes: Uint8Array, pos: number, end: number, eof: boolean, base: number): Step {
    for (;;) {
      const available = end - pos;
      if (this.state === STATE_PCAP_BARE) return this.stepPcapBare(bytes, pos, end, eof, base);
      if (this.state === STATE_PCAP) return this.stepPcap(bytes, pos, end, eof, base);
      if (this.state === STATE_PCAPNG) {
        const result = this.stepPcapng(bytes, pos, end, eof, base);
        if (result !== -1) return result;
        pos = this.pos;
        continue;
      }
      // Start of file: identify the format by its magic.
      if (available < 4) {
        if (eof && available === 0) this.error(base + pos, 'empty file: no capture header');
        return this.needOrFail(pos, PCAP_HEADER_LENGTH, available, eof, base + pos, 'file header', false);
      }
      const magic = readU32In(bytes, pos, false);
      if (magic === BLOCK_SHB) {
        this.state = STATE_PCAPNG;
        this.format = 'pcapng';
        continue;
      }
      const isPcap =
        magic === PCAP_MAGIC_US ||
        magic === PCAP_MAGIC_NS ||
        magic === PCAP_MAGIC_US_SWAPPED ||
        magic === PCAP_MAGIC_NS_SWAPPED;
      if (!isPcap) {
        this.error(
          base + pos,
          `bad magic 0x${magic.toString(16).padStart(8, '0')}: not a pcap or pcapng file`,
        );
      }
      if (available < PCAP_HEADER_LENGTH) {
        return this.needOrFail(
          pos,
          PCAP_HEADER_LENGTH,
          available,
          eof,
          base + pos,
          'pcap file header',
          false,
        );
      }
      this.little = magic === PCAP_MAGIC_US_SWAPPED || magic === PCAP_MAGIC_NS_SWAPPED;
      this.byteOrder = this.little ? 'little' : 'big';
      this.nanosecond = magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_NS_SWAPPED;
      const major = readU16In(bytes, pos + 4, this.little);
      const minor = readU16In(bytes, pos + 6, this.little);
      if (major !== 2) this.error(base + pos + 4, `unsupported pcap version ${major}.${minor}`);
      this.pcapSnapLen = readU32In(bytes, pos + 16, this.little);
      this.pcapLinkType = readU32In(bytes, pos + 20, this.little) & 0xffff;
      this.pcapLimit = maxCapturedLengthFor(this.pcapLinkType);
      this.pcapMaxCaptured =
        this.pcapSnapLen !== 0 ? Math.min(this.pcapSnapLen, this.pcapLimit) : this.pcapLimit;
      this.format = 'pcap';
      this.sections.push({
        byteOrder: this.byteOrder,
        versionMajor: major,
        versionMinor: minor,
        comments: [],
      });
      this.interfaces.push({
        id: 0,
        section: 0,
        localId: 0,
        linkType: this.pcapLinkType,
        snapLen: this.pcapSnapLen,
        tsResolutionCode: this.nanosecond ? 9 : 6,
        ticksPerSecond: this.nanosecond ? 1e9 : 1e6,
        tsOffsetSec: 0,
        comments: [],
      });
      this.state = this.deferRecord ? STATE_PCAP_BARE : STATE_PCAP;
      pos += PCAP_HEADER_LENGTH;
    }
  }

  /**
   * One classic pcap record. The hot path of bulk reading: a single bound check on the captured
   * length (`pcapMaxCaptured`), literals for the header sizes, and the rare cases (end of file, a
   * unit cut short, a length above the snap length or out of bounds) in functions of their own.
   * Sets where the record is; the metadata is `fillPcapRecord`'s (at once here, on demand with
   * `deferRecord`).
   */
  private stepPcapBare(bytes: Uint8Array, pos: number, end: number, eof: boolean, base: number): Step {
    const available = end - pos;
    if (available < 16 /* PCAP_RECORD_HEADER_LENGTH */) return this.pcapShort(pos, available, eof, base);
    const capturedLength = this.little ? readU32LE(bytes, pos + 8) : readU32(bytes, pos + 8);
    if (capturedLength > this.pcapMaxCaptured) this.pcapLongRecord(capturedLength, base + pos);
    const next = pos + 16 + capturedLength;
    if (next > end) return this.needOrFail(pos, next - pos, available, eof, base + pos, 'record body');
    this.recordOffset = pos + 16;
    this.recordLength = capturedLength;
    this.pos = next;
    this.packets++;
    return STEP_RECORD;
  }

  /** `stepPcapBare` with the record's metadata filled at once. */
  private stepPcap(bytes: Uint8Array, pos: number, end: number, eof: boolean, base: number): Step {
    const step = this.stepPcapBare(bytes, pos, end, eof, base);
    if (step === STEP_RECORD) this.fillPcapRecord(bytes, pos, base + pos);
    return step;
  }

  /**
   * The last packet's metadata. With `deferRecord` (classic pcap) it is read now from the record
   * header just before `recordOffset` in `bytes` (the bytes given to the last `step`, unchanged
   * since); `headerFileOffset` is that header's file offset. Otherwise `record` as it is.
   */
  recordAt(bytes: Uint8Array, headerFileOffset: number): CaptureRecord {
    if (this.state === STATE_PCAP_BARE && this.packets > 0) {
      this.fillPcapRecord(bytes, this.recordOffset - 16, headerFileOffset);
    }
    return this.record;
  }

  /** Fills `record` (a new one unless `reuseRecord`) from the pcap record header at `pos`. */
  private fillPcapRecord(bytes: Uint8Array, pos: number, fileOffset: number): void {
    const little = this.little;
    let sec = little ? readU32LE(bytes, pos) : readU32(bytes, pos);
    let fraction = little ? readU32LE(bytes, pos + 4) : readU32(bytes, pos + 4);
    let nsec: number;
    if (this.nanosecond) {
      if (fraction >= 1e9) {
        sec += Math.floor(fraction / 1e9);
        fraction %= 1e9;
      }
      nsec = fraction;
    } else {
      if (fraction >= 1e6) {
        sec += Math.floor(fraction / 1e6);
        fraction %= 1e6;
      }
      nsec = fraction * 1000;
    }
    const record = this.reuse ? this.record : newRecord();
    record.interfaceId = 0;
    record.linkType = this.pcapLinkType;
    record.timestampSec = sec;
    record.timestampNsec = nsec;
    if (this.recordData) record.data = bytes.subarray(pos + 16, pos + 16 + this.recordLength);
    record.originalLength = little ? readU32LE(bytes, pos + 12) : readU32(bytes, pos + 12);
    record.fileOffset = fileOffset;
    this.record = record;
  }

  /** Fewer bytes than a record header: the clean end of the file, or a request for more. */
  private pcapShort(pos: number, available: number, eof: boolean, base: number): Step {
    if (available === 0 && eof) {
      this.pos = pos;
      return STEP_END;
    }
    return this.needOrFail(pos, PCAP_RECORD_HEADER_LENGTH, available, eof, base + pos, 'record header');
  }

  /**
   * A classic pcap captured length above `pcapMaxCaptured`: above the link type's maximum it is an
   * error, else it is only longer than the snap length (noted, read).
   */
  private pcapLongRecord(capturedLength: number, recordOffset: number): void {
    this.checkCaptured(
      0,
      this.pcapLinkType,
      this.pcapSnapLen,
      capturedLength,
      recordOffset,
      recordOffset + 8,
    );
  }

  /**
   * Bounds a captured length: above wiretap's maximum for the link type is an error; above a non-zero
   * snap length is noted in `snapLengthExcess` (the record is read, as Wireshark reads it).
   */
  private checkCaptured(
    interfaceId: number,
    linkType: number,
    snapLen: number,
    capturedLength: number,
    recordOffset: number,
    lengthOffset: number,
  ): void {
    const limit = maxCapturedLengthFor(linkType);
    if (capturedLength > limit) {
      this.error(
        lengthOffset,
        `captured length ${capturedLength} is above the maximum of ${limit} for link type ${linkType}`,
      );
    }
    if (snapLen === 0 || capturedLength <= snapLen) return;
    let excess: SnapLengthExcess | undefined;
    for (const entry of this.snapLengthExcess) if (entry.interfaceId === interfaceId) excess = entry;
    if (!excess) {
      excess = { interfaceId, snapLen, records: 0, longest: 0, firstOffset: recordOffset };
      this.snapLengthExcess.push(excess);
    }
    excess.records++;
    if (capturedLength > excess.longest) excess.longest = capturedLength;
  }

  /** One pcapng block: a Step, or -1 after consuming a non-packet block (`pos` updated). */
  private stepPcapng(bytes: Uint8Array, pos: number, end: number, eof: boolean, base: number): Step | -1 {
    const available = end - pos;
    if (available === 0 && eof) {
      this.pos = pos;
      return STEP_END;
    }
    // Until the first section header is whole the file is not a capture: a cut there is an error.
    const tail = this.sections.length > 0;
    if (available < 12) return this.needOrFail(pos, 12, available, eof, base + pos, 'block header', tail);
    let type = readU32In(bytes, pos, this.little);
    if (type === BLOCK_SHB) {
      const magic = readU32In(bytes, pos + 8, true);
      if (magic === BYTE_ORDER_MAGIC) this.little = true;
      else if (magic === 0x4d3c2b1a) this.little = false;
      else this.error(base + pos + 8, `unknown byte-order magic 0x${magic.toString(16).padStart(8, '0')}`);
      type = BLOCK_SHB;
    }
    const little = this.little;
    const length = readU32In(bytes, pos + 4, little);
    if (length < 12) this.error(base + pos + 4, `block total length ${length} is below 12`);
    if (length % 4 !== 0) this.error(base + pos + 4, `block total length ${length} is not a multiple of 4`);
    if (length > MAX_BLOCK_LENGTH) {
      this.error(base + pos + 4, `block total length ${length} is above the maximum of ${MAX_BLOCK_LENGTH}`);
    }
    if (available < length) return this.needOrFail(pos, length, available, eof, base + pos, 'block', tail);
    const trailer = readU32In(bytes, pos + length - 4, little);
    if (trailer !== length) {
      this.error(
        base + pos + length - 4,
        `block total lengths (first ${length} and second ${trailer}) don't match`,
      );
    }
    const bodyEnd = pos + length - 4;
    switch (type) {
      case BLOCK_SHB:
        this.readSectionHeader(bytes, pos, bodyEnd, base);
        break;
      case BLOCK_IDB:
        this.readInterface(bytes, pos, bodyEnd, base);
        break;
      case BLOCK_EPB:
        return this.readPacketBlock(bytes, pos, bodyEnd, base, false);
      case BLOCK_SPB:
        return this.readSimplePacket(bytes, pos, bodyEnd, base);
      case BLOCK_PB:
        return this.readPacketBlock(bytes, pos, bodyEnd, base, true);
      case BLOCK_NRB:
        this.readNameResolution(bytes, pos, bodyEnd, base);
        break;
      default:
        if (this.sections.length === 0)
          this.error(base + pos, 'pcapng file does not start with a section header');
        break; // ISB, DSB, custom and unknown blocks are skipped.
    }
    this.pos = pos + length;
    return -1;
  }

  private needBody(pos: number, bodyEnd: number, minimum: number, base: number, what: string): void {
    if (bodyEnd - pos - 8 < minimum) {
      this.error(base + pos + 4, `${what} block too short: ${bodyEnd - pos + 4} bytes`);
    }
  }

  /** Walks options in [start, end); calls `visit(code, valueStart, valueLength)` for each. */
  private walkOptions(
    bytes: Uint8Array,
    start: number,
    end: number,
    base: number,
    visit: (code: number, value: number, length: number) => void,
  ): void {
    const little = this.little;
    let at = start;
    while (end - at >= 4) {
      const code = readU16In(bytes, at, little);
      const length = readU16In(bytes, at + 2, little);
      if (code === OPT_ENDOFOPT) return;
      if (at + 4 + length > end) {
        this.error(base + at, `option ${code} of length ${length} overruns its block`);
      }
      visit(code, at + 4, length);
      at += 4 + ((length + 3) & ~3);
    }
  }

  private text(bytes: Uint8Array, start: number, length: number): string {
    let stop = start + length;
    while (stop > start && bytes[stop - 1] === 0) stop--; // some writers NUL-terminate
    return utf8.decode(bytes.subarray(start, stop));
  }

  private readSectionHeader(bytes: Uint8Array, pos: number, bodyEnd: number, base: number): void {
    this.needBody(pos, bodyEnd, 16, base, 'section header');
    const little = this.little;
    const major = readU16In(bytes, pos + 12, little);
    const minor = readU16In(bytes, pos + 14, little);
    if (major !== 1) this.error(base + pos + 12, `unsupported pcapng version ${major}.${minor}`);
    const section: CaptureSection = {
      byteOrder: little ? 'little' : 'big',
      versionMajor: major,
      versionMinor: minor,
      comments: [],
    };
    if (this.sections.length === 0) this.byteOrder = section.byteOrder;
    this.walkOptions(bytes, pos + 24, bodyEnd, base, (code, value, length) => {
      if (code === OPT_COMMENT) section.comments.push(this.text(bytes, value, length));
      else if (code === SHB_HARDWARE) section.hardware = this.text(bytes, value, length);
      else if (code === SHB_OS) section.os = this.text(bytes, value, length);
      else if (code === SHB_USERAPPL) section.userApplication = this.text(bytes, value, length);
    });
    this.sections.push(section);
    this.sectionInterfaces = [];
  }

  private readInterface(bytes: Uint8Array, pos: number, bodyEnd: number, base: number): void {
    this.needBody(pos, bodyEnd, 8, base, 'interface description');
    const little = this.little;
    const iface: CaptureInterface = {
      id: this.interfaces.length,
      section: this.sections.length - 1,
      localId: this.sectionInterfaces.length,
      linkType: readU16In(bytes, pos + 8, little),
      snapLen: readU32In(bytes, pos + 12, little),
      tsResolutionCode: 6,
      ticksPerSecond: 1e6,
      tsOffsetSec: 0,
      comments: [],
    };
    this.walkOptions(bytes, pos + 16, bodyEnd, base, (code, value, length) => {
      switch (code) {
        case OPT_COMMENT:
          iface.comments.push(this.text(bytes, value, length));
          break;
        case IF_NAME:
          iface.name = this.text(bytes, value, length);
          break;
        case IF_DESCRIPTION:
          iface.description = this.text(bytes, value, length);
          break;
        case IF_TSRESOL:
          if (length >= 1) {
            const code = bytes[value]!;
            const ticks = ticksPerSecondFromTsresol(code);
            if (ticks < 1 || !Number.isFinite(ticks)) {
              this.error(base + value, `unsupported if_tsresol 0x${code.toString(16)}`);
            }
            iface.tsResolutionCode = code;
            iface.ticksPerSecond = ticks;
          }
          break;
        case IF_TSOFFSET:
          if (length === 8) iface.tsOffsetSec = readI64In(bytes, value, little);
          break;
        case IF_FCSLEN:
          if (length >= 1) iface.fcsLength = bytes[value];
          break;
        case IF_FILTER:
          if (length >= 1) iface.filter = this.text(bytes, value + 1, length - 1);
          break;
        case IF_OS:
          iface.os = this.text(bytes, value, length);
          break;
        case IF_HARDWARE:
          iface.hardware = this.text(bytes, value, length);
          break;
      }
    });
    this.interfaces.push(iface);
    this.sectionInterfaces.push(iface);
  }

  private interfaceAt(localId: number, offset: number): CaptureInterface {
    const iface = this.sectionInterfaces[localId];
    if (!iface) {
      this.error(
        offset,
        `interface id ${localId} is not declared (the section has ${this.sectionInterfaces.length} interfaces)`,
      );
    }
    return iface;
  }

  private fillRecord(
    iface: CaptureInterface,
    tsHigh: number,
    tsLow: number,
    bytes: Uint8Array,
    dataStart: number,
    capturedLength: number,
    originalLength: number,
    fileOffset: number,
  ): CaptureRecord {
    const record = this.reuse ? this.record : newRecord();
    const time = ticksToTime(tsHigh, tsLow, iface.ticksPerSecond, this.time);
    record.interfaceId = iface.id;
    record.linkType = iface.linkType;
    record.timestampSec = time.sec + iface.tsOffsetSec;
    record.timestampNsec = time.nsec;
    if (this.recordData) record.data = bytes.subarray(dataStart, dataStart + capturedLength);
    this.recordOffset = dataStart;
    this.recordLength = capturedLength;
    record.originalLength = originalLength;
    record.comments = EMPTY_COMMENTS;
    record.direction = undefined;
    record.flags = undefined;
    record.interfaceName = iface.name;
    record.interfaceDescription = iface.description;
    record.fileOffset = fileOffset;
    this.record = record;
    this.packets++;
    return record;
  }

  /** Options of EPB/PB: comments and the flags word. */
  private readPacketOptions(
    record: CaptureRecord,
    bytes: Uint8Array,
    start: number,
    end: number,
    base: number,
  ): void {
    if (end - start < 4) return;
    this.walkOptions(bytes, start, end, base, (code, value, length) => {
      if (code === OPT_COMMENT) {
        if (record.comments === EMPTY_COMMENTS) record.comments = [];
        record.comments.push(this.text(bytes, value, length));
      } else if (code === EPB_FLAGS) {
        if (length !== 4) this.error(base + value - 4, `flags option length ${length} is not 4`);
        const flags = readU32In(bytes, value, this.little);
        record.flags = flags;
        const direction = flags & 3;
        record.direction =
          direction === 1 ? 'inbound' : direction === 2 ? ('outbound' as Direction) : undefined;
      }
    });
  }

  /**
   * An Enhanced Packet Block, or the obsolete Packet Block (`obsolete`): the same layout but for the
   * interface id, 16 bits there followed by a 16-bit drops count.
   */
  private readPacketBlock(
    bytes: Uint8Array,
    pos: number,
    bodyEnd: number,
    base: number,
    obsolete: boolean,
  ): Step {
    this.needBody(pos, bodyEnd, 20, base, obsolete ? 'packet' : 'enhanced packet');
    const little = this.little;
    const localId = obsolete ? readU16In(bytes, pos + 8, little) : readU32In(bytes, pos + 8, little);
    const iface = this.interfaceAt(localId, base + pos + 8);
    const capturedLength = readU32In(bytes, pos + 20, little);
    const dataStart = pos + 28;
    if (capturedLength > bodyEnd - dataStart) {
      this.error(
        base + pos + 20,
        `captured length ${capturedLength} overruns the ${bodyEnd - pos + 4}-byte block`,
      );
    }
    this.checkCaptured(iface.id, iface.linkType, iface.snapLen, capturedLength, base + pos, base + pos + 20);
    const record = this.fillRecord(
      iface,
      readU32In(bytes, pos + 12, little),
      readU32In(bytes, pos + 16, little),
      bytes,
      dataStart,
      capturedLength,
      readU32In(bytes, pos + 24, little),
      base + pos,
    );
    this.readPacketOptions(record, bytes, dataStart + ((capturedLength + 3) & ~3), bodyEnd, base);
    this.pos = bodyEnd + 4;
    return STEP_RECORD;
  }

  private readSimplePacket(bytes: Uint8Array, pos: number, bodyEnd: number, base: number): Step {
    this.needBody(pos, bodyEnd, 4, base, 'simple packet');
    const iface = this.interfaceAt(0, base + pos);
    const originalLength = readU32In(bytes, pos + 8, this.little);
    let capturedLength = Math.min(originalLength, bodyEnd - (pos + 12));
    if (iface.snapLen !== 0) capturedLength = Math.min(capturedLength, iface.snapLen);
    this.checkCaptured(iface.id, iface.linkType, iface.snapLen, capturedLength, base + pos, base + pos + 8);
    this.fillRecord(iface, 0, 0, bytes, pos + 12, capturedLength, originalLength, base + pos);
    this.pos = bodyEnd + 4;
    return STEP_RECORD;
  }

  private readNameResolution(bytes: Uint8Array, pos: number, bodyEnd: number, base: number): void {
    const little = this.little;
    let at = pos + 8;
    while (bodyEnd - at >= 4) {
      const type = readU16In(bytes, at, little);
      const length = readU16In(bytes, at + 2, little);
      if (type === NRB_RECORD_END) return;
      const value = at + 4;
      if (value + length > bodyEnd)
        this.error(base + at, `name record of length ${length} overruns its block`);
      const addressLength = type === NRB_RECORD_IPV4 ? 4 : type === NRB_RECORD_IPV6 ? 16 : 0;
      if (addressLength > 0) {
        if (length < addressLength) this.error(base + at, `name record of length ${length} is too short`);
        const address = addressLength === 4 ? formatIPv4(bytes, value) : formatIPv6(bytes, value);
        const names = this.text(bytes, value + addressLength, length - addressLength)
          .split('\0')
          .filter((name) => name.length > 0);
        this.nameRecords.push({ address, names });
      }
      at = value + ((length + 3) & ~3);
    }
  }
}
