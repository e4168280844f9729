/**
 * TCP (RFC 9293), with the AE flag of RFC 9768 (AccECN) and the options of RFC 7323 (window scale,
 * timestamps), RFC 2018 (SACK) and RFC 9293 (EOL, NOP, MSS).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
 *  |       |     | |R|E|G|K|H|T|N|N|                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `flags` (9 bits): FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 AE 0x100;
 * as letters F S R P A U E C N (N = AE) combined like "PA", names joined with '+' ("SYN+ACK"), or an
 * integer. `reserved` is the 3 bits between the data offset and AE.
 *
 * Options: `options` (raw bytes) is written byte-exact and overrides the convenience fields. Without
 * it, the convenience fields mss, sackok, tsval/tsecr, wscale and sack are laid out exactly as Linux's
 * tcp_options_write() (net/ipv4/tcp_output.c) does, whatever the flags:
 *
 *   MSS                                   02 04 mm mm
 *   timestamps with SACK-permitted        04 02 08 0a <tsval> <tsecr>
 *   timestamps without SACK-permitted     01 01 08 0a <tsval> <tsecr>
 *   SACK-permitted without timestamps     01 01 04 02
 *   window scale                          01 03 03 ss
 *   SACK blocks                           01 01 05 (2+8n) <left right>*n
 *
 * so a full SYN is MSS, SACK_PERM, TS, NOP, WS (20 bytes), a SYN without timestamps is MSS, NOP, NOP,
 * SACK_PERM, NOP, WS, and a data segment is NOP, NOP, TS, then NOP, NOP, SACK. Giving only one of
 * tsval/tsecr sends the other as 0. `sack` is a list of [left, right] pairs, or in the spec
 * `sack=1000-2000;3000-4000` (blocks separated by ';', edges by '-').
 *
 * Left out: `dataofs` = (20 + options) / 4, options padded with zeros (EOL) to a multiple of 4 (with
 * `dataofs` set, raw options are written unpadded); `chksum` computed in `finish` with the IPv4/IPv6
 * pseudo-header. Defaults are Scapy's: sport 20, dport 80, seq 0, ack 0, flags S, window 8192.
 */

import { need, readU16, readU32, writeU16, writeU32 } from '../core/bytes.js';
import {
  foldSum,
  internetChecksum,
  noteRegionSum,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  regionSum,
  suffixSum,
} from '../core/checksum.js';
import { FieldError } from '../core/errors.js';
import { bytesField, hex16, uintOf } from './field-check.js';
import { ipv6ChecksumDestination } from './ipv6-ext.js';
import type { BytesValue, DecodeContext, DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import { IP_PROTOCOL } from './numbers.js';
import {
  defaultOf,
  defineSchema,
  maxOf,
  offsetOf,
  type PositionLocator,
  type ProblemDetail,
  at as position,
  shiftIn,
} from './schema.js';

/** A SACK block: [left edge, right edge) as 32-bit sequence numbers. */
export type SackBlock = readonly [number, number];

/** TCP fields; defaults, ranges and docs in `tcpSchema`. */
export interface TcpFields {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  dataofs?: number;
  reserved?: number;
  /** 9 flag bits, or letters ("PA") / names ("SYN+ACK"). */
  flags?: number | string;
  window?: number;
  chksum?: number;
  urgptr?: number;
  /** Raw option bytes, written byte-exact; overrides the convenience fields below. */
  options?: BytesValue;
  mss?: number;
  wscale?: number;
  sackok?: boolean | number;
  /** Timestamp option: TSval (TSecr 0 if not given). */
  tsval?: number;
  /** Timestamp option: TSecr (TSval 0 if not given). */
  tsecr?: number;
  /** SACK blocks: [[left, right], ...] or "1000-2000;3000-4000". */
  sack?: readonly SackBlock[] | string;
}

export type TcpLayer = LayerValue<'tcp', TcpFields>;

export function tcp(fields: TcpFields = {}): TcpLayer {
  return { layer: 'tcp', fields };
}

export const TCP_HEADER_LENGTH = 20;
export const TCP_MAX_OPTIONS = 40;

export const TCP_FLAGS = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  AE: 0x100,
} as const;

/** Flag letters in bit order (Scapy's "FSRPAUECN"). */
const FLAG_LETTERS = 'FSRPAUECN';
const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'] as const;

/**
 * Parses TCP flags: letters ("PA", "SA", "N" for AE), a three-letter name ("SYN", "ECE"), names or
 * letters joined by '+', ',' or '|' ("SYN+ACK"), or an integer. "AE" is read as letters (ACK+ECE),
 * as in Scapy; the AE flag alone is "N" or 0x100.
 */
export function parseTcpFlags(text: string): number | undefined {
  const trimmed = text.trim().toUpperCase();
  if (/^(0X[0-9A-F]+|[0-9]+)$/.test(trimmed)) return Number(trimmed.toLowerCase());
  const parts = trimmed.split(/[+,|]/);
  let value = 0;
  for (const raw of parts) {
    const part = raw.trim();
    const index = part.length === 3 || parts.length > 1 ? NAMES.indexOf(part) : -1;
    if (index >= 0) {
      value |= 1 << index;
      continue;
    }
    for (const letter of part) {
      const bit = FLAG_LETTERS.indexOf(letter);
      if (bit < 0) return undefined;
      value |= 1 << bit;
    }
  }
  return value;
}

const NAMES: readonly string[] = FLAG_NAMES;

/** Flag letters in Scapy's order ("FSRPAUECN"), e.g. 0x12 → "SA". */
export function tcpFlagLetters(flags: number): string {
  let text = '';
  for (let i = 0; i < FLAG_LETTERS.length; i++) if (flags & (1 << i)) text += FLAG_LETTERS[i];
  return text;
}

/** Flag names as Wireshark lists them, e.g. 0x12 → "SYN, ACK". */
export function tcpFlagNames(flags: number): string {
  const names: string[] = [];
  for (let i = FLAG_NAMES.length - 1; i >= 0; i--) if (flags & (1 << i)) names.push(FLAG_NAMES[i]!);
  return names.reverse().join(', ');
}

/** tcpFlagNames and tcpFlagLetters of every 9-bit flags value, for the decoder. */
const FLAG_NAMES_TEXT: readonly string[] = Array.from({ length: 512 }, (_, flags) => tcpFlagNames(flags));
const FLAG_LETTERS_TEXT: readonly string[] = Array.from({ length: 512 }, (_, flags) => tcpFlagLetters(flags));

/** The options of a header without any: one shared empty view (nothing in it to change). */
const NO_OPTIONS = new Uint8Array(0);

/** Parsed flag strings ("PA", "SYN+ACK"): a packet stream repeats a handful of them. */
const parsedFlags = new Map<string, number>();
/** The flag text parsed last, checked before the map: a stream of packets repeats one ("PA"). */
let lastFlagsText: string | undefined;
let lastFlagsValue = 0;

function flagsOf(value: number | string | undefined): number {
  if (value === undefined) return TCP_FLAGS.SYN;
  if (typeof value === 'number') return uintOf('tcp', 'flags', value, 0x1ff, 0);
  if (value === lastFlagsText) return lastFlagsValue;
  const cached = parsedFlags.get(value);
  if (cached !== undefined) {
    lastFlagsText = value;
    lastFlagsValue = cached;
    return cached;
  }
  const parsed = parseTcpFlags(value);
  if (parsed !== undefined && parsed <= 0x1ff) {
    if (parsedFlags.size >= 256) parsedFlags.clear();
    parsedFlags.set(value, parsed);
  }
  if (parsed === undefined || parsed > 0x1ff) {
    throw new FieldError(
      'tcp',
      'flags',
      `expected letters of FSRPAUECN, names like SYN+ACK, or 0..511, got '${value}'`,
    );
  }
  return parsed;
}

/** Parses SACK blocks given as "1000-2000;3000-4000" (also ':' inside a block, ' ' between blocks). */
export function parseSackBlocks(text: string): SackBlock[] | undefined {
  const blocks: SackBlock[] = [];
  const trimmed = text.trim();
  if (trimmed === '') return blocks;
  for (const part of trimmed.split(/[;\s]+/)) {
    const match = /^(0x[0-9a-f]+|[0-9]+)[-:](0x[0-9a-f]+|[0-9]+)$/i.exec(part);
    if (!match) return undefined;
    const left = Number(match[1]);
    const right = Number(match[2]);
    if (left > 0xffffffff || right > 0xffffffff) return undefined;
    blocks.push([left, right]);
  }
  return blocks;
}

function sackBlocksOf(value: TcpFields['sack']): readonly SackBlock[] {
  if (value === undefined) return NO_BLOCKS;
  if (typeof value === 'string') {
    const blocks = parseSackBlocks(value);
    if (!blocks)
      throw new FieldError('tcp', 'sack', `expected blocks like 1000-2000;3000-4000, got '${value}'`);
    return blocks;
  }
  if (!Array.isArray(value)) throw new FieldError('tcp', 'sack', 'expected a list of [left, right] pairs');
  for (const block of value) {
    if (!Array.isArray(block) || block.length !== 2) {
      throw new FieldError('tcp', 'sack', 'each SACK block must be a [left, right] pair');
    }
    uintOf('tcp', 'sack', block[0], 0xffffffff, 0);
    uintOf('tcp', 'sack', block[1], 0xffffffff, 0);
  }
  return value;
}

const NO_BLOCKS: readonly SackBlock[] = [];

function hasConvenienceOptions(fields: TcpFields): boolean {
  return (
    fields.mss !== undefined ||
    fields.wscale !== undefined ||
    (fields.sackok !== undefined && fields.sackok !== false && fields.sackok !== 0) ||
    fields.tsval !== undefined ||
    fields.tsecr !== undefined ||
    fields.sack !== undefined
  );
}

/** TCP option kinds (IANA "TCP Option Kind Numbers"; RFC 9293, 7323, 2018). */
const TCP_OPTION = {
  eol: 0,
  nop: 1,
  mss: 2,
  wscale: 3,
  sackPermitted: 4,
  sack: 5,
  timestamps: 8,
  md5: 19,
  userTimeout: 28,
  authentication: 29,
  mptcp: 30,
  fastOpen: 34,
} as const;
const O = TCP_OPTION;

/** Total lengths (kind and length octets included) of the options whose length is fixed. */
const OPTION_LENGTH = {
  mss: 4,
  wscale: 3,
  sackPermitted: 2,
  timestamps: 10,
  md5: 18,
  userTimeout: 4,
} as const;
const L = OPTION_LENGTH;
/** A SACK block: two 32-bit sequence numbers. */
const SACK_BLOCK_LENGTH = 8;
/** A SACK option before its blocks: kind and length. */
const SACK_HEADER_LENGTH = 2;

/**
 * Lays out the convenience options as Linux's tcp_options_write(); writes them at `at` when `out` is
 * given. Returns their length (always a multiple of 4).
 */
function writeLinuxOptions(fields: TcpFields, out: Uint8Array | undefined, at: number): number {
  const start = at;
  const sackok = fields.sackok !== undefined && fields.sackok !== false && fields.sackok !== 0;
  const timestamps = fields.tsval !== undefined || fields.tsecr !== undefined;
  const blocks = sackBlocksOf(fields.sack);
  // Each option padded with NOPs to a 32-bit boundary, as Linux lays them out.
  let length = 0;
  if (fields.mss !== undefined) length += L.mss;
  if (timestamps) length += 2 + L.timestamps;
  else if (sackok) length += 2 + L.sackPermitted;
  if (fields.wscale !== undefined) length += 1 + L.wscale;
  if (blocks.length > 0) length += 2 + SACK_HEADER_LENGTH + SACK_BLOCK_LENGTH * blocks.length;
  if (length > TCP_MAX_OPTIONS) {
    throw new FieldError(
      'tcp',
      'options',
      `the options given take ${length} bytes, more than the ${TCP_MAX_OPTIONS} TCP allows`,
    );
  }
  if (!out) return length;
  if (fields.mss !== undefined) {
    out[at] = O.mss;
    out[at + 1] = L.mss;
    writeU16(out, at + 2, uintOf('tcp', 'mss', fields.mss, 0xffff, 0));
    at += 4;
  }
  // Linux's layout: SACK-permitted rides in the two octets before the timestamps, else NOP NOP.
  if (timestamps) {
    out[at] = sackok ? O.sackPermitted : O.nop;
    out[at + 1] = sackok ? L.sackPermitted : O.nop;
    out[at + 2] = O.timestamps;
    out[at + 3] = L.timestamps;
    writeU32(out, at + 4, uintOf('tcp', 'tsval', fields.tsval, 0xffffffff, 0));
    writeU32(out, at + 8, uintOf('tcp', 'tsecr', fields.tsecr, 0xffffffff, 0));
    at += 12;
  } else if (sackok) {
    out[at] = O.nop;
    out[at + 1] = O.nop;
    out[at + 2] = O.sackPermitted;
    out[at + 3] = L.sackPermitted;
    at += 4;
  }
  if (fields.wscale !== undefined) {
    out[at] = O.nop;
    out[at + 1] = O.wscale;
    out[at + 2] = L.wscale;
    out[at + 3] = uintOf('tcp', 'wscale', fields.wscale, 0xff, 0);
    at += 4;
  }
  if (blocks.length > 0) {
    out[at] = O.nop;
    out[at + 1] = O.nop;
    out[at + 2] = O.sack;
    out[at + 3] = 2 + SACK_BLOCK_LENGTH * blocks.length;
    at += 4;
    for (const [left, right] of blocks) {
      writeU32(out, at, left);
      writeU32(out, at + 4, right);
      at += SACK_BLOCK_LENGTH;
    }
  }
  return at - start;
}

/** The option bytes' length as laid out in the header (padding included). */
function optionsLength(fields: TcpFields): number {
  if (fields.options !== undefined) {
    const length =
      typeof fields.options === 'string'
        ? bytesField('tcp', 'options', fields.options).length
        : fields.options.length;
    if (fields.dataofs !== undefined) return length;
    if (length > TCP_MAX_OPTIONS) {
      throw new FieldError(
        'tcp',
        'options',
        `${length} option bytes, more than ${TCP_MAX_OPTIONS}; set dataofs to force them`,
      );
    }
    return (length + 3) & ~3;
  }
  return hasConvenienceOptions(fields) ? writeLinuxOptions(fields, undefined, 0) : 0;
}

/** Where a timestamps option (kind 8, length 10) puts TSval (2) or TSecr (6) in this header, if it has one. */
const timestampAt =
  (at: number): PositionLocator =>
  (bytes, header, headerLength) => {
    let i = header + TCP_HEADER_LENGTH;
    const end = header + headerLength;
    while (i < end) {
      const kind = bytes[i] ?? 0;
      if (kind === O.eol) break;
      if (kind === O.nop) {
        i++;
        continue;
      }
      const length = bytes[i + 1] ?? 0;
      if (length < 2 || i + length > end) break;
      if (kind === O.timestamps && length === L.timestamps) return position(i - header + at, 4);
      i += length;
    }
    return 'the packet has no TCP timestamps option (set tsval in the packet first)';
  };

export const tcpSchema = defineSchema<TcpFields>({
  sport: {
    kind: 'uint',
    role: 'value',
    at: position(0, 2),
    default: 20,
    perPacket: true,
    tshark: 'tcp.srcport',
    doc: 'source port',
  },
  dport: {
    kind: 'uint',
    role: 'value',
    at: position(2, 2),
    default: 80,
    perPacket: true,
    tshark: 'tcp.dstport',
    doc: 'destination port',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    at: position(4, 4),
    default: 0,
    perPacket: true,
    tshark: 'tcp.seq_raw',
    doc: 'sequence number',
  },
  ack: {
    kind: 'uint',
    role: 'value',
    at: position(8, 4),
    default: 0,
    perPacket: true,
    tshark: 'tcp.ack_raw',
    doc: 'acknowledgment number',
  },
  dataofs: {
    kind: 'uint',
    role: 'shape',
    at: position(12, 1, 4, 4),
    auto: '5 + the options',
    doc: 'data offset in 32-bit words',
  },
  reserved: {
    kind: 'uint',
    role: 'value',
    at: position(12, 1, 3, 1),
    default: 0,
    doc: 'the 3 reserved bits',
  },
  flags: {
    kind: 'flags',
    role: 'value',
    at: position(12, 2, 9, 0),
    default: TCP_FLAGS.SYN,
    tshark: 'tcp.flags',
    doc: 'flags: letters F S R P A U E C N(=AE) like PA, names like SYN+ACK, or 0..511 (2 = S)',
    parseFlags: parseTcpFlags,
  },
  window: {
    kind: 'uint',
    role: 'value',
    at: position(14, 2),
    default: 8192,
    perPacket: true,
    tshark: 'tcp.window_size_value',
    doc: 'window',
  },
  chksum: {
    kind: 'uint',
    role: 'checksum',
    at: position(16, 2),
    auto: 'computed',
    covers: 'pseudo-header+layer',
    tshark: 'tcp.checksum',
    doc: 'checksum',
  },
  urgptr: {
    kind: 'uint',
    role: 'value',
    at: position(18, 2),
    default: 0,
    perPacket: true,
    tshark: 'tcp.urgent_pointer',
    doc: 'urgent pointer',
  },
  options: {
    kind: 'bytes',
    role: 'shape',
    auto: 'from mss, wscale, sackok, tsval, tsecr, sack',
    doc: 'raw option bytes, byte-exact (overrides mss, wscale, sackok, tsval, tsecr, sack)',
  },
  mss: { kind: 'uint', role: 'shape', max: 0xffff, auto: 'none', doc: 'MSS option' },
  wscale: { kind: 'uint', role: 'shape', max: 0xff, auto: 'none', doc: 'window scale option (shift)' },
  sackok: { kind: 'bool', role: 'shape', auto: 'none', doc: 'SACK-permitted option' },
  tsval: {
    kind: 'uint',
    role: 'value',
    locate: timestampAt(2),
    max: 0xffffffff,
    auto: 'none (0 when tsecr is given)',
    doc: 'timestamps option TSval',
  },
  tsecr: {
    kind: 'uint',
    role: 'value',
    locate: timestampAt(6),
    max: 0xffffffff,
    auto: 'none (0 when tsval is given)',
    doc: 'timestamps option TSecr',
  },
  sack: { kind: 'text', role: 'shape', auto: 'none', doc: 'SACK blocks, e.g. 1000-2000;3000-4000' },
});

const S = tcpSchema;
const SPORT = offsetOf(S.sport);
const DPORT = offsetOf(S.dport);
const SEQ = offsetOf(S.seq);
const ACK = offsetOf(S.ack);
const OFFSET_FLAGS = offsetOf(S.flags);
const DATAOFS_SHIFT = shiftIn(S.dataofs, OFFSET_FLAGS, 1);
const RESERVED_SHIFT = shiftIn(S.reserved, OFFSET_FLAGS, 1);
const DATAOFS_MAX = maxOf(S.dataofs);
const RESERVED_MAX = maxOf(S.reserved);
const WINDOW = offsetOf(S.window);
const CHKSUM = offsetOf(S.chksum);
const URGPTR = offsetOf(S.urgptr);
const FLAGS_MAX = maxOf(S.flags);
const [SPORT_DEFAULT, DPORT_DEFAULT, WINDOW_DEFAULT] = [
  defaultOf(S.sport),
  defaultOf(S.dport),
  defaultOf(S.window),
];

export const tcpCodec: LayerCodec<TcpFields> = {
  name: 'tcp',
  title: 'Transmission Control Protocol',
  schema: tcpSchema,

  headerLength(fields: TcpFields): number {
    return TCP_HEADER_LENGTH + optionsLength(fields);
  },

  encode(fields: TcpFields, frame: EncodeFrame): void {
    const { out, offset, headerLength } = frame;
    writeU16(out, offset + SPORT, uintOf('tcp', 'sport', fields.sport, maxOf(S.sport), SPORT_DEFAULT));
    writeU16(out, offset + DPORT, uintOf('tcp', 'dport', fields.dport, maxOf(S.dport), DPORT_DEFAULT));
    writeU32(out, offset + SEQ, uintOf('tcp', 'seq', fields.seq, maxOf(S.seq), defaultOf(S.seq)));
    writeU32(out, offset + ACK, uintOf('tcp', 'ack', fields.ack, maxOf(S.ack), defaultOf(S.ack)));
    const dataofs = uintOf('tcp', 'dataofs', fields.dataofs, DATAOFS_MAX, (headerLength >>> 2) & DATAOFS_MAX);
    const reserved = uintOf('tcp', 'reserved', fields.reserved, RESERVED_MAX, defaultOf(S.reserved));
    const flags = flagsOf(fields.flags);
    writeU16(
      out,
      offset + OFFSET_FLAGS,
      (dataofs << (DATAOFS_SHIFT + 8)) | (reserved << (RESERVED_SHIFT + 8)) | flags,
    );
    writeU16(out, offset + WINDOW, uintOf('tcp', 'window', fields.window, maxOf(S.window), WINDOW_DEFAULT));
    writeU16(out, offset + CHKSUM, uintOf('tcp', 'chksum', fields.chksum, maxOf(S.chksum), 0));
    writeU16(
      out,
      offset + URGPTR,
      uintOf('tcp', 'urgptr', fields.urgptr, maxOf(S.urgptr), defaultOf(S.urgptr)),
    );
    const at = offset + TCP_HEADER_LENGTH;
    if (fields.options !== undefined) {
      const options = bytesField('tcp', 'options', fields.options);
      out.set(options, at);
      out.fill(0, at + options.length, offset + headerLength);
    } else if (headerLength > TCP_HEADER_LENGTH) {
      writeLinuxOptions(fields, out, at);
    }
  },

  finish(fields: TcpFields, frame: EncodeFrame): void {
    if (fields.chksum !== undefined || frame.ipVersion === 0) return;
    const { out, offset, end } = frame;
    const length = end - offset;
    const initial =
      frame.ipVersion === 4
        ? pseudoHeaderSumV4(out, frame.ipOffset, IP_PROTOCOL.tcp, length)
        : pseudoHeaderSumV6(
            out,
            frame.ipOffset,
            IP_PROTOCOL.tcp,
            length,
            ipv6ChecksumDestination(out, frame.ipOffset, offset),
          );
    writeU16(out, offset + CHKSUM, 0);
    const sum = regionSum(out, offset, end);
    const chksum = ~foldSum(sum + initial) & 0xffff;
    writeU16(out, offset + CHKSUM, chksum);
    // The finished segment, for an enclosing checksum (a tunnel's UDP) to add without summing it again.
    noteRegionSum(out, offset, end, sum + chksum);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<TcpFields> {
    need('tcp', offset, TCP_HEADER_LENGTH, end);
    const sport = readU16(bytes, offset + SPORT);
    const dport = readU16(bytes, offset + DPORT);
    const offsetFlags = readU16(bytes, offset + OFFSET_FLAGS);
    const dataofs = (offsetFlags >>> (DATAOFS_SHIFT + 8)) & DATAOFS_MAX;
    const flags = offsetFlags & FLAGS_MAX;
    const chksum = readU16(bytes, offset + CHKSUM);
    const claimed = dataofs * 4;
    let headerLength = claimed;
    if (dataofs < 5) {
      headerLength = TCP_HEADER_LENGTH;
      problem(
        context,
        offset + OFFSET_FLAGS,
        'bad-length',
        `bad header length ${claimed} (data offset ${dataofs}), must be at least 20`,
        { field: 'dataofs', expected: '>= 5', actual: dataofs },
      );
    } else if (offset + claimed > end) {
      headerLength = end - offset;
      if (!context.insideIcmpError) {
        problem(
          context,
          offset + OFFSET_FLAGS,
          'truncated',
          `header length ${claimed} exceeds the ${end - offset} bytes left`,
          {
            field: 'dataofs',
            expected: `<= ${(end - offset) >>> 2}`,
            actual: dataofs,
            bound: context.bound ?? 'bytes',
          },
        );
      }
    }
    const options =
      headerLength > TCP_HEADER_LENGTH
        ? bytes.subarray(offset + TCP_HEADER_LENGTH, offset + headerLength)
        : NO_OPTIONS;
    const fields: TcpFields = {
      sport,
      dport,
      seq: readU32(bytes, offset + SEQ),
      ack: readU32(bytes, offset + ACK),
      dataofs,
      reserved: (offsetFlags >>> (RESERVED_SHIFT + 8)) & RESERVED_MAX,
      flags,
      window: readU16(bytes, offset + WINDOW),
      chksum,
      urgptr: readU16(bytes, offset + URGPTR),
      options,
    };
    const info: Record<string, unknown> = {
      flagNames: FLAG_NAMES_TEXT[flags]!,
      flagLetters: FLAG_LETTERS_TEXT[flags]!,
    };
    parseOptions(bytes, offset + TCP_HEADER_LENGTH, offset + headerLength, context, info);
    let checksum = 'unverified';
    if (!context.insideIcmpError && context.ipVersion !== 0) {
      const length = end - offset;
      const initial =
        context.ipVersion === 4
          ? pseudoHeaderSumV4(bytes, context.ipOffset, IP_PROTOCOL.tcp, length)
          : pseudoHeaderSumV6(
              bytes,
              context.ipOffset,
              IP_PROTOCOL.tcp,
              length,
              ipv6ChecksumDestination(bytes, context.ipOffset, offset),
            );
      const region = suffixSum(bytes, offset, end, context);
      if (foldSum(region + initial) === 0xffff) checksum = 'good';
      else {
        checksum = 'bad';
        const expected = internetChecksum(bytes, offset, end, initial + (~chksum & 0xffff));
        problem(
          context,
          offset + CHKSUM,
          'bad-checksum',
          `bad checksum ${hex16(chksum)}, should be ${hex16(expected)}`,
          { field: 'chksum', expected, actual: chksum },
        );
      }
    }
    info.checksum = checksum;
    const hasPayload = end > offset + headerLength;
    context.sourcePort = sport;
    context.destinationPort = dport;
    const next = hasPayload
      ? (context.bindings.tcpPort.get(Math.min(sport, dport)) ??
        context.bindings.tcpPort.get(Math.max(sport, dport)))
      : undefined;
    return { fields, headerLength, contentEnd: end, next, info };
  },

  summary(fields: TcpFields, info?: Readonly<Record<string, unknown>>): string {
    const flags = typeof fields.flags === 'number' ? fields.flags : flagsOf(fields.flags);
    const names = (info?.flagNames as string | undefined) ?? tcpFlagNames(flags);
    return `Src Port: ${fields.sport}, Dst Port: ${fields.dport}, Seq: ${fields.seq}, Ack: ${fields.ack}, Flags: [${names}], Win: ${fields.window}`;
  },
};

/** One parsed option, for display. */
export interface TcpOptionInfo {
  readonly kind: number;
  readonly name: string;
  /** Offset of the option's kind byte in the decoded buffer. */
  readonly offset: number;
  /** Total length in bytes (1 for EOL and NOP). */
  readonly length: number;
  readonly values?: Readonly<Record<string, unknown>>;
}

const OPTION_NAMES: Readonly<Record<number, string>> = {
  [O.eol]: 'EOL',
  [O.nop]: 'NOP',
  [O.mss]: 'MSS',
  [O.wscale]: 'WS',
  [O.sackPermitted]: 'SACK_PERM',
  [O.sack]: 'SACK',
  [O.timestamps]: 'TS',
  [O.md5]: 'MD5',
  [O.userTimeout]: 'UTO',
  [O.authentication]: 'TCP-AO',
  [O.mptcp]: 'MPTCP',
  [O.fastOpen]: 'TFO',
};

/** Expected total lengths of the options whose length is fixed, by kind. */
const FIXED_LENGTHS: Readonly<Record<number, number>> = {
  [O.mss]: L.mss,
  [O.wscale]: L.wscale,
  [O.sackPermitted]: L.sackPermitted,
  [O.timestamps]: L.timestamps,
  [O.md5]: L.md5,
  [O.userTimeout]: L.userTimeout,
};

const NO_OPTION_INFO: readonly TcpOptionInfo[] = Object.freeze([]);

function parseOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  context: DecodeContext,
  info: Record<string, unknown>,
): void {
  if (start >= end) {
    // Most segments carry no options: one shared empty list, not a fresh array per decode.
    info.options = NO_OPTION_INFO;
    return;
  }
  const list: TcpOptionInfo[] = [];
  let at = start;
  while (at < end) {
    const kind = bytes[at]!;
    const name = OPTION_NAMES[kind] ?? `kind ${kind}`;
    if (kind === O.eol) {
      list.push({ kind, name, offset: at, length: 1 });
      break;
    }
    if (kind === O.nop) {
      list.push({ kind, name, offset: at, length: 1 });
      at++;
      continue;
    }
    if (at + 1 >= end) {
      problem(context, at, 'malformed', `option ${name} has no length byte before the end of the header`);
      break;
    }
    const length = bytes[at + 1]!;
    if (length < 2 || at + length > end) {
      problem(
        context,
        at + 1,
        'malformed',
        `option ${name} length ${length} is invalid (${length < 2 ? 'must be at least 2' : `only ${end - at} bytes left`})`,
      );
      break;
    }
    const fixed = FIXED_LENGTHS[kind];
    if (fixed !== undefined && length !== fixed) {
      problem(context, at + 1, 'malformed', `option ${name} length ${length}, should be ${fixed}`, {
        field: 'options',
        expected: fixed,
        actual: length,
      });
      list.push({ kind, name, offset: at, length });
      at += length;
      continue;
    }
    const values = optionValues(bytes, at, kind, length);
    if (values) {
      list.push({ kind, name, offset: at, length, values });
      if (kind === O.mss) info.mss = values.mss;
      else if (kind === O.wscale) info.wscale = values.shift;
      else if (kind === O.sackPermitted) info.sackok = true;
      else if (kind === O.timestamps) {
        info.tsval = values.tsval;
        info.tsecr = values.tsecr;
      } else if (kind === O.sack) info.sack = values.blocks;
    } else {
      list.push({ kind, name, offset: at, length, values: { data: bytes.subarray(at + 2, at + length) } });
    }
    at += length;
  }
  info.options = list;
}

function optionValues(
  bytes: Uint8Array,
  at: number,
  kind: number,
  length: number,
): Record<string, unknown> | undefined {
  switch (kind) {
    case O.mss:
      return { mss: readU16(bytes, at + 2) };
    case O.wscale:
      return { shift: bytes[at + 2]!, multiplier: 2 ** Math.min(bytes[at + 2]!, 14) };
    case O.sackPermitted:
      return {};
    case O.timestamps:
      return { tsval: readU32(bytes, at + 2), tsecr: readU32(bytes, at + 6) };
    case O.sack: {
      const blocks: SackBlock[] = [];
      for (let i = at + 2; i + SACK_BLOCK_LENGTH <= at + length; i += SACK_BLOCK_LENGTH)
        blocks.push([readU32(bytes, i), readU32(bytes, i + 4)]);
      return { blocks };
    }
    default:
      return undefined;
  }
}

function problem(
  context: DecodeContext,
  offset: number,
  kind: 'bad-length' | 'truncated' | 'bad-checksum' | 'malformed',
  message: string,
  detail: ProblemDetail = { field: 'options' },
): void {
  context.problems.push({ layer: 'tcp', offset, kind, message, ...detail });
}

/** What `decode` gives as `info` for TCP. */
export interface TcpInfo {
  /** The flags as names ("SYN, ACK") and letters ("SA"). */
  readonly flagNames: string;
  readonly flagLetters: string;
  readonly options: readonly TcpOptionInfo[];
  /** Values of the options found (the first of each kind). */
  readonly mss?: number;
  readonly wscale?: number;
  readonly sackok?: boolean;
  readonly tsval?: number;
  readonly tsecr?: number;
  readonly sack?: readonly SackBlock[];
  /** 'unverified' without an IP header or inside an ICMP error's quote. */
  readonly checksum: 'good' | 'bad' | 'unverified';
}

/** The fields `decode` gives for TCP: every header field (`options` as the raw option bytes). */
export type TcpDecodedFields = Omit<TcpFields, 'flags' | 'options'> &
  Required<
    Pick<
      TcpFields,
      'sport' | 'dport' | 'seq' | 'ack' | 'dataofs' | 'reserved' | 'window' | 'chksum' | 'urgptr'
    >
  > & { readonly flags: number; readonly options: Uint8Array };

/** The TCP flag bits one by one (the values of TCP_FLAGS), for code that tests and combines bits. */
export const TCP_FIN = TCP_FLAGS.FIN;
export const TCP_SYN = TCP_FLAGS.SYN;
export const TCP_RST = TCP_FLAGS.RST;
export const TCP_PSH = TCP_FLAGS.PSH;
export const TCP_ACK = TCP_FLAGS.ACK;
export const TCP_URG = TCP_FLAGS.URG;
export const TCP_ECE = TCP_FLAGS.ECE;
export const TCP_CWR = TCP_FLAGS.CWR;
