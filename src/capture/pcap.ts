/**
 * Classic libpcap format (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/).
 *
 *  File header (24 bytes), then records:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Magic (a1b2c3d4 µs / a1b23c4d ns)             |
 *  |        Major Version (2)      |      Minor Version (4)        |
 *  |                    Reserved1 (thiszone)                       |
 *  |                    Reserved2 (sigfigs)                        |
 *  |                           SnapLen                             |
 *  | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Record: Timestamp (seconds), Timestamp (µs or ns), Captured Length, Original Length, data.
 *
 * Reading lives in parser.ts; this file holds the constants and the writer's encoders (little-endian).
 */
import { writeU16LE, writeU32LE } from './endian.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
export const PCAP_HEADER_LENGTH = 24;
export const PCAP_RECORD_HEADER_LENGTH = 16;

/** Writes the 24-byte file header at `offset`; returns the offset after it. */
export function writePcapHeader(
  out: Uint8Array,
  offset: number,
  linkType: number,
  snapLen: number,
  nanosecond: boolean,
): number {
  writeU32LE(out, offset, nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
  writeU16LE(out, offset + 4, 2);
  writeU16LE(out, offset + 6, 4);
  writeU32LE(out, offset + 8, 0);
  writeU32LE(out, offset + 12, 0);
  writeU32LE(out, offset + 16, snapLen);
  writeU32LE(out, offset + 20, linkType);
  return offset + PCAP_HEADER_LENGTH;
}

/** Writes a 16-byte record header; `fraction` is µs or ns as the file's magic says. */
export function writePcapRecordHeader(
  out: Uint8Array,
  offset: number,
  sec: number,
  fraction: number,
  capturedLength: number,
  originalLength: number,
): number {
  writeU32LE(out, offset, sec);
  writeU32LE(out, offset + 4, fraction);
  writeU32LE(out, offset + 8, capturedLength);
  writeU32LE(out, offset + 12, originalLength);
  return offset + PCAP_RECORD_HEADER_LENGTH;
}
