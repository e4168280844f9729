/**
 * Reads a capture (classic pcap or pcapng) into the records replay needs: bytes, link type, timestamp.
 * A small bounds-checked reader kept inside inject so replay does not wait on the streaming reader; it
 * returns the same field names as `CaptureRecord` (src/capture/types.ts) so the two can be swapped.
 */
import { readFileSync } from 'node:fs';
import { CaptureError } from '../core/errors.js';

export interface ReplayRecord {
  linkType: number;
  timestampSec: number;
  timestampNsec: number;
  data: Uint8Array;
}

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;
const BLOCK_IDB = 1;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const MAX_RECORD = 262_144 * 4;

class Reader {
  readonly view: DataView;
  little = true;
  constructor(
    readonly bytes: Uint8Array,
    readonly path: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, count: number, what: string): void {
    if (offset < 0 || offset + count > this.bytes.length) {
      throw new CaptureError(
        offset,
        `${what} needs ${count} bytes but the file ends at ${this.bytes.length}`,
        this.path,
      );
    }
  }
  u16(offset: number): number {
    return this.view.getUint16(offset, this.little);
  }
  u32(offset: number): number {
    return this.view.getUint32(offset, this.little);
  }
}

function readPcap(reader: Reader, magic: number): ReplayRecord[] {
  const nanoseconds = magic === PCAP_NS;
  reader.need(0, 24, 'pcap header');
  const linkType = reader.u32(20) & 0x0fffffff;
  const records: ReplayRecord[] = [];
  let offset = 24;
  while (offset < reader.bytes.length) {
    reader.need(offset, 16, 'pcap record header');
    const sec = reader.u32(offset);
    const fraction = reader.u32(offset + 4);
    const caplen = reader.u32(offset + 8);
    if (caplen > MAX_RECORD)
      throw new CaptureError(offset + 8, `record length ${caplen} is implausible`, reader.path);
    reader.need(offset + 16, caplen, 'pcap record data');
    records.push({
      linkType,
      timestampSec: sec,
      timestampNsec: nanoseconds ? fraction : fraction * 1000,
      data: reader.bytes.subarray(offset + 16, offset + 16 + caplen),
    });
    offset += 16 + caplen;
  }
  return records;
}

interface PcapngInterface {
  linkType: number;
  ticksPerSecond: bigint;
}

function readPcapng(reader: Reader): ReplayRecord[] {
  const records: ReplayRecord[] = [];
  let interfaces: PcapngInterface[] = [];
  let offset = 0;
  while (offset < reader.bytes.length) {
    reader.need(offset, 12, 'pcapng block header');
    const blockType = reader.view.getUint32(offset, reader.little);
    if (blockType === PCAPNG_SHB) {
      const magic = reader.view.getUint32(offset + 8, true);
      if (magic === PCAPNG_BYTE_ORDER) reader.little = true;
      else if (reader.view.getUint32(offset + 8, false) === PCAPNG_BYTE_ORDER) reader.little = false;
      else throw new CaptureError(offset + 8, 'bad pcapng byte-order magic', reader.path);
      interfaces = [];
    }
    const length = reader.u32(offset + 4);
    if (length < 12 || length % 4 !== 0 || length > MAX_RECORD + 64) {
      throw new CaptureError(offset + 4, `bad pcapng block length ${length}`, reader.path);
    }
    reader.need(offset, length, 'pcapng block');
    const body = offset + 8;
    const bodyEnd = offset + length - 4;
    if (blockType === BLOCK_IDB) {
      reader.need(body, 8, 'interface description');
      let ticksPerSecond = 1_000_000n;
      let option = body + 8;
      while (option + 4 <= bodyEnd) {
        const code = reader.u16(option);
        const optionLength = reader.u16(option + 2);
        if (code === 0) break;
        if (code === 9 && optionLength >= 1 && option + 4 < bodyEnd) {
          const resolution = reader.bytes[option + 4]!;
          ticksPerSecond = resolution & 0x80 ? 1n << BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
        }
        option += 4 + Math.ceil(optionLength / 4) * 4;
      }
      interfaces.push({ linkType: reader.u16(body), ticksPerSecond });
    } else if (blockType === BLOCK_EPB) {
      reader.need(body, 20, 'enhanced packet block');
      const iface = interfaces[reader.u32(body)];
      if (!iface) throw new CaptureError(body, 'packet refers to an undeclared interface', reader.path);
      const ticks = (BigInt(reader.u32(body + 4)) << 32n) | BigInt(reader.u32(body + 8));
      const caplen = reader.u32(body + 12);
      if (body + 20 + caplen > bodyEnd)
        throw new CaptureError(body + 12, 'packet data runs past its block', reader.path);
      const sec = ticks / iface.ticksPerSecond;
      const nsec = ((ticks % iface.ticksPerSecond) * 1_000_000_000n) / iface.ticksPerSecond;
      records.push({
        linkType: iface.linkType,
        timestampSec: Number(sec),
        timestampNsec: Number(nsec),
        data: reader.bytes.subarray(body + 20, body + 20 + caplen),
      });
    } else if (blockType === BLOCK_SPB) {
      const iface = interfaces[0];
      if (!iface) throw new CaptureError(body, 'simple packet block without an interface', reader.path);
      reader.need(body, 4, 'simple packet block');
      const originalLength = reader.u32(body);
      const caplen = Math.min(originalLength, bodyEnd - body - 4);
      const previous = records[records.length - 1];
      records.push({
        linkType: iface.linkType,
        timestampSec: previous?.timestampSec ?? 0,
        timestampNsec: previous?.timestampNsec ?? 0,
        data: reader.bytes.subarray(body + 4, body + 4 + caplen),
      });
    }
    offset += length;
  }
  return records;
}

/** Reads every record of a pcap or pcapng file. */
export function readCaptureRecords(path: string): ReplayRecord[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CaptureError(0, `cannot read: ${(error as Error).message}`, path);
  }
  const reader = new Reader(bytes, path);
  reader.need(0, 4, 'capture magic');
  const little = reader.view.getUint32(0, true);
  const big = reader.view.getUint32(0, false);
  if (little === PCAP_US || little === PCAP_NS) {
    reader.little = true;
    return readPcap(reader, little);
  }
  if (big === PCAP_US || big === PCAP_NS) {
    reader.little = false;
    return readPcap(reader, big);
  }
  if (little === PCAPNG_SHB) return readPcapng(reader);
  throw new CaptureError(0, 'not a pcap or pcapng file', path);
}
