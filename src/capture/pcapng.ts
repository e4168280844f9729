/**
 * pcapng (draft-ietf-opsawg-pcapng, https://pcapng.com): constants and the writer's block encoders.
 * Output is little-endian (host order on the machines we target). Reading lives in parser.ts.
 *
 *  Every block:
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          Block Type                           |
 *  |                      Block Total Length                       |
 *  /                          Block Body                           /  (padded to 32 bits)
 *  |                      Block Total Length                       |
 *  +---------------------------------------------------------------+
 *  Options: Option Code (16) | Option Length (16) | value padded to 32 bits; ended by opt_endofopt (0, 0).
 *
 *  SHB body: Byte-Order Magic 0x1A2B3C4D | Major 1 | Minor 0 | Section Length (64, -1) | options
 *  IDB body: LinkType (16) | Reserved (16) | SnapLen (32) | options
 *  EPB body: Interface ID | Timestamp high | Timestamp low | Captured Len | Original Len | data | options
 *  NRB body: records (type 16, length 16, value padded) ... nrb_record_end | options
 */
import { writeIPv4, writeIPv6 } from '../core/address.js';
import { writeU16LE, writeU32LE } from './endian.js';
import type { Direction, NameRecord } from './types.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_NRB = 0x00000004;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_FILTER = 11;
export const IF_OS = 12;
export const IF_FCSLEN = 13;
export const IF_TSOFFSET = 14;
export const IF_HARDWARE = 15;
export const EPB_FLAGS = 2;
export const NRB_RECORD_END = 0;
export const NRB_RECORD_IPV4 = 1;
export const NRB_RECORD_IPV6 = 2;

/** epb_flags bits 0-1. */
export const FLAG_INBOUND = 1;
export const FLAG_OUTBOUND = 2;

export const EPB_FIXED_LENGTH = 32; // type, length, 5 words, trailing length
export const EPB_HEADER_LENGTH = 28;

const utf8 = new TextEncoder();

export function pad4(length: number): number {
  return (length + 3) & ~3;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Size of a string option (header + padded value). */
export function stringOptionLength(text: string): number {
  return 4 + pad4(utf8Length(text));
}

/** Writes an option with a string value; returns the offset after it (padding zeroed). */
export function writeStringOption(out: Uint8Array, offset: number, code: number, text: string): number {
  const written = utf8.encodeInto(text, out.subarray(offset + 4)).written;
  writeU16LE(out, offset, code);
  writeU16LE(out, offset + 2, written);
  const end = offset + 4 + pad4(written);
  out.fill(0, offset + 4 + written, end);
  return end;
}

function writeEndOfOptions(out: Uint8Array, offset: number): number {
  writeU32LE(out, offset, 0);
  return offset + 4;
}

/** Closes a block started at `start` whose body ends at `end`: writes both total lengths. */
function closeBlock(out: Uint8Array, start: number, end: number): number {
  const total = end + 4 - start;
  writeU32LE(out, start + 4, total);
  writeU32LE(out, end, total);
  return end + 4;
}

export interface SectionHeaderOptions {
  userApplication?: string | undefined;
  hardware?: string | undefined;
  os?: string | undefined;
  comment?: string | undefined;
}

function sectionOptionList(options: SectionHeaderOptions): [number, string][] {
  const list: [number, string][] = [];
  if (options.comment !== undefined) list.push([OPT_COMMENT, options.comment]);
  if (options.hardware !== undefined) list.push([SHB_HARDWARE, options.hardware]);
  if (options.os !== undefined) list.push([SHB_OS, options.os]);
  if (options.userApplication !== undefined) list.push([SHB_USERAPPL, options.userApplication]);
  return list;
}

export function sectionHeaderLength(options: SectionHeaderOptions): number {
  const list = sectionOptionList(options);
  let length = 28;
  for (const [, text] of list) length += stringOptionLength(text);
  return list.length > 0 ? length + 4 : length;
}

export function writeSectionHeader(out: Uint8Array, offset: number, options: SectionHeaderOptions): number {
  const list = sectionOptionList(options);
  writeU32LE(out, offset, BLOCK_SHB);
  writeU32LE(out, offset + 8, BYTE_ORDER_MAGIC);
  writeU16LE(out, offset + 12, 1);
  writeU16LE(out, offset + 14, 0);
  writeU32LE(out, offset + 16, 0xffffffff); // section length -1: not specified
  writeU32LE(out, offset + 20, 0xffffffff);
  let at = offset + 24;
  for (const [code, text] of list) at = writeStringOption(out, at, code, text);
  if (list.length > 0) at = writeEndOfOptions(out, at);
  return closeBlock(out, offset, at);
}

export interface InterfaceBlockFields {
  linkType: number;
  snapLen: number;
  name?: string | undefined;
  description?: string | undefined;
  /** 6 or 9. */
  tsresol: number;
}

export function interfaceBlockLength(fields: InterfaceBlockFields): number {
  let length = 20 + 8; // fixed + if_tsresol option
  if (fields.name !== undefined) length += stringOptionLength(fields.name);
  if (fields.description !== undefined) length += stringOptionLength(fields.description);
  return length + 4;
}

export function writeInterfaceBlock(out: Uint8Array, offset: number, fields: InterfaceBlockFields): number {
  writeU32LE(out, offset, BLOCK_IDB);
  writeU16LE(out, offset + 8, fields.linkType);
  writeU16LE(out, offset + 10, 0);
  writeU32LE(out, offset + 12, fields.snapLen);
  let at = offset + 16;
  if (fields.name !== undefined) at = writeStringOption(out, at, IF_NAME, fields.name);
  if (fields.description !== undefined) at = writeStringOption(out, at, IF_DESCRIPTION, fields.description);
  writeU16LE(out, at, IF_TSRESOL);
  writeU16LE(out, at + 2, 1);
  writeU32LE(out, at + 4, fields.tsresol); // value byte then 3 padding zeros
  at = writeEndOfOptions(out, at + 8);
  return closeBlock(out, offset, at);
}

/** Length of the options part of an EPB (0 when there are none). */
export function packetOptionsLength(
  comments: readonly string[] | undefined,
  direction: Direction | undefined,
): number {
  let length = 0;
  if (comments) for (const comment of comments) length += stringOptionLength(comment);
  if (direction !== undefined) length += 8;
  return length > 0 ? length + 4 : 0;
}

/**
 * Writes an EPB's fixed header at `offset` (the caller puts `capturedLength` data bytes at offset + 28),
 * zeroes the data padding, writes the options and both lengths. Returns the offset after the block.
 */
export function writeEnhancedPacketFrame(
  out: Uint8Array,
  offset: number,
  interfaceId: number,
  tsHigh: number,
  tsLow: number,
  capturedLength: number,
  originalLength: number,
  comments: readonly string[] | undefined,
  direction: Direction | undefined,
): number {
  writeU32LE(out, offset, BLOCK_EPB);
  writeU32LE(out, offset + 8, interfaceId);
  writeU32LE(out, offset + 12, tsHigh);
  writeU32LE(out, offset + 16, tsLow);
  writeU32LE(out, offset + 20, capturedLength);
  writeU32LE(out, offset + 24, originalLength);
  const dataEnd = offset + EPB_HEADER_LENGTH + capturedLength;
  let at = offset + EPB_HEADER_LENGTH + pad4(capturedLength);
  out.fill(0, dataEnd, at);
  let hasOptions = false;
  if (comments) {
    for (const comment of comments) {
      at = writeStringOption(out, at, OPT_COMMENT, comment);
      hasOptions = true;
    }
  }
  if (direction !== undefined) {
    writeU16LE(out, at, EPB_FLAGS);
    writeU16LE(out, at + 2, 4);
    writeU32LE(out, at + 4, direction === 'inbound' ? FLAG_INBOUND : FLAG_OUTBOUND);
    at += 8;
    hasOptions = true;
  }
  if (hasOptions) at = writeEndOfOptions(out, at);
  return closeBlock(out, offset, at);
}

function nameRecordValueLength(record: NameRecord): number {
  let length = record.address.includes(':') ? 16 : 4;
  for (const name of record.names) length += utf8Length(name) + 1;
  return length;
}

export function nameResolutionBlockLength(records: readonly NameRecord[]): number {
  let length = 12 + 4; // fixed + nrb_record_end
  for (const record of records) length += 4 + pad4(nameRecordValueLength(record));
  return length;
}

/** Writes an NRB (IPv4 records for dotted addresses, IPv6 records for addresses with ':'). */
export function writeNameResolutionBlock(
  out: Uint8Array,
  offset: number,
  records: readonly NameRecord[],
): number {
  writeU32LE(out, offset, BLOCK_NRB);
  let at = offset + 8;
  for (const record of records) {
    const v6 = record.address.includes(':');
    const valueLength = nameRecordValueLength(record);
    writeU16LE(out, at, v6 ? NRB_RECORD_IPV6 : NRB_RECORD_IPV4);
    writeU16LE(out, at + 2, valueLength);
    let value = at + 4;
    if (v6) writeIPv6(record.address, out, value);
    else writeIPv4(record.address, out, value);
    value += v6 ? 16 : 4;
    for (const name of record.names) {
      value += utf8.encodeInto(name, out.subarray(value)).written;
      out[value++] = 0;
    }
    const end = at + 4 + pad4(valueLength);
    out.fill(0, value, end);
    at = end;
  }
  writeU32LE(out, at, 0); // nrb_record_end
  return closeBlock(out, offset, at + 4);
}

/*
 * Decryption Secrets Block (pcapng §4.7), written before the first packet whose decryption needs it:
 *  DSB body: Secrets Type (32) | Secrets Length (32) | secrets data (padded to 32 bits) | options
 */
export const BLOCK_DSB = 0x0000000a;
/** Secrets types of the DSB. */
export const SECRETS_TLS_KEY_LOG = 0x544c534b;
export const SECRETS_SSH_KEY_LOG = 0x5353484b;
export const SECRETS_WIREGUARD_KEY_LOG = 0x57474b4c;

export function decryptionSecretsBlockLength(secretsLength: number): number {
  return 20 + pad4(secretsLength);
}

/** Writes a DSB without options; returns the offset after it. */
export function writeDecryptionSecretsBlock(
  out: Uint8Array,
  offset: number,
  secretsType: number,
  secrets: Uint8Array,
): number {
  const length = decryptionSecretsBlockLength(secrets.length);
  writeU32LE(out, offset, BLOCK_DSB);
  writeU32LE(out, offset + 4, length);
  writeU32LE(out, offset + 8, secretsType);
  writeU32LE(out, offset + 12, secrets.length);
  out.set(secrets, offset + 16);
  out.fill(0, offset + 16 + secrets.length, offset + length - 4);
  writeU32LE(out, offset + length - 4, length);
  return offset + length;
}
