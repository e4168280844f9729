/**
 * ARP (RFC 826), built for Ethernet/IPv4 and decoded for any hardware/protocol address sizes.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Hardware type         |         Protocol type         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     HLEN      |     PLEN      |           Operation           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Sender hardware address (HLEN octets) ...                    |
 *  |  Sender protocol address (PLEN octets) ...                    |
 *  |  Target hardware address (HLEN octets) ...                    |
 *  |  Target protocol address (PLEN octets) ...                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Addresses are strings: a hardware address of 6 octets is a MAC, a protocol address of 4 octets
 * IPv4. Other sizes decode to bytes (Uint8Array) and may be given as bytes or hex when building
 * (an IPv6 address string is also accepted for a 16-octet protocol address). `hwlen`/`plen` left
 * out are the sizes of the given addresses; set, they are written as set (the addresses keep their
 * own sizes). Ethernet padding after the message becomes the Ethernet trailer (contentEnd is the
 * end of the last address).
 */
import { formatIPv4, formatMac, isIPv4, isIPv6, isMac } from '../core/address.js';
import { need, readU16, toHex, writeU16 } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, uintOf, writeIPv4Field, writeIPv6Field, writeMacField } from './field-check.js';
import type { DecodeStep, EncodeFrame, LayerCodec, LayerValue } from './layer.js';
import {
  at,
  defaultOf,
  defineSchema,
  type FieldPosition,
  maxOf,
  offsetOf,
  type PositionLocator,
} from './schema.js';

/** An address: a string (MAC / IPv4 / IPv6 / hex) or raw bytes for unusual sizes. */
export type ArpAddress = string | Uint8Array;

/** ARP fields; defaults, ranges and docs in `arpSchema`. */
export interface ArpFields {
  hwtype?: number;
  ptype?: number;
  hwlen?: number;
  plen?: number;
  op?: number;
  hwsrc?: ArpAddress;
  psrc?: ArpAddress;
  hwdst?: ArpAddress;
  pdst?: ArpAddress;
}

export type ArpLayer = LayerValue<'arp', ArpFields>;

export function arp(fields: ArpFields = {}): ArpLayer {
  return { layer: 'arp', fields };
}

export const ARP_OPERATIONS: Readonly<Record<number, string>> = {
  1: 'request',
  2: 'reply',
  3: 'reverse request',
  4: 'reverse reply',
  8: 'InARP request',
  9: 'InARP reply',
};

/** Addresses at fixed places only in the usual Ethernet/IPv4 shape (hwlen 6, plen 4). */
const ethernetIpv4 =
  (position: FieldPosition): PositionLocator =>
  (bytes, header) =>
    bytes[header + 4] === 6 && bytes[header + 5] === 4
      ? position
      : 'only for 6-byte hardware and 4-byte protocol addresses';

export const arpSchema = defineSchema<ArpFields>({
  hwtype: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 2),
    default: 1,
    doc: 'hardware type (1 Ethernet)',
  },
  ptype: {
    kind: 'uint',
    role: 'shape',
    at: at(2, 2),
    default: 0x0800,
    doc: 'protocol type (0x0800 IPv4)',
  },
  hwlen: {
    kind: 'uint',
    role: 'shape',
    at: at(4, 1),
    auto: 'the size of hwsrc',
    doc: 'hardware address length',
  },
  plen: {
    kind: 'uint',
    role: 'shape',
    at: at(5, 1),
    auto: 'the size of psrc',
    doc: 'protocol address length',
  },
  op: {
    kind: 'uint',
    role: 'value',
    at: at(6, 2),
    default: 1,
    tshark: 'arp.opcode',
    doc: 'operation: 1 request, 2 reply',
  },
  hwsrc: {
    kind: 'mac',
    role: 'value',
    locate: ethernetIpv4(at(8, 6)),
    default: '02:00:00:00:00:01',
    tshark: 'arp.src.hw_mac',
    doc: 'sender MAC (bytes for other sizes)',
  },
  psrc: {
    kind: 'ipv4',
    role: 'value',
    locate: ethernetIpv4(at(14, 4)),
    default: '192.0.2.1',
    tshark: 'arp.src.proto_ipv4',
    doc: 'sender IP (IPv6 or bytes for other sizes)',
  },
  hwdst: {
    kind: 'mac',
    role: 'value',
    locate: ethernetIpv4(at(18, 6)),
    default: '00:00:00:00:00:00',
    tshark: 'arp.dst.hw_mac',
    doc: 'target MAC',
  },
  pdst: {
    kind: 'ipv4',
    role: 'value',
    locate: ethernetIpv4(at(24, 4)),
    default: '192.0.2.2',
    tshark: 'arp.dst.proto_ipv4',
    doc: 'target IP',
  },
});

const S = arpSchema;
const HWTYPE = offsetOf(S.hwtype);
const PTYPE = offsetOf(S.ptype);
const HWLEN = offsetOf(S.hwlen);
const PLEN = offsetOf(S.plen);
const OP = offsetOf(S.op);
/** The fixed part before the addresses. */
const FIXED_LENGTH = 8;
const DEFAULTS = {
  hwsrc: String(S.hwsrc.default),
  psrc: String(S.psrc.default),
  hwdst: String(S.hwdst.default),
  pdst: String(S.pdst.default),
};

type AddressField = 'hwsrc' | 'psrc' | 'hwdst' | 'pdst';

/** Size in bytes of an address value as it will be written. */
function addressSize(field: AddressField, value: ArpAddress): number {
  if (typeof value !== 'string') return value.length;
  const hardware = field === 'hwsrc' || field === 'hwdst';
  if (hardware && isMac(value)) return 6;
  if (!hardware && isIPv4(value)) return 4;
  if (!hardware && isIPv6(value)) return 16;
  return hexAddress(field, value).length;
}

/** An address given as hex ("0x0102...", "01:02:..."); a dotted string here is a bad IPv4 address. */
function hexAddress(field: AddressField, value: string): Uint8Array {
  if (value.includes('.')) throw new FieldError('arp', field, `not an IPv4 address: '${value}'`);
  return bytesField('arp', field, value);
}

/** Writes an address value at offset; returns the number of bytes written. */
function writeAddress(field: AddressField, value: ArpAddress, out: Uint8Array, offset: number): number {
  if (typeof value !== 'string') {
    out.set(value, offset);
    return value.length;
  }
  const hardware = field === 'hwsrc' || field === 'hwdst';
  if (hardware && isMac(value)) {
    writeMacField('arp', field, value, out, offset);
    return 6;
  }
  if (!hardware && isIPv4(value)) {
    writeIPv4Field('arp', field, value, out, offset);
    return 4;
  }
  if (!hardware && isIPv6(value)) {
    writeIPv6Field('arp', field, value, out, offset);
    return 16;
  }
  const bytes = hexAddress(field, value);
  out.set(bytes, offset);
  return bytes.length;
}

function checkSizes(hw1: number, hw2: number, p1: number, p2: number): void {
  if (hw1 !== hw2) throw new FieldError('arp', 'hwdst', `is ${hw2} bytes but hwsrc is ${hw1}`);
  if (p1 !== p2) throw new FieldError('arp', 'pdst', `is ${p2} bytes but psrc is ${p1}`);
  if (hw1 > 255) throw new FieldError('arp', 'hwsrc', `is ${hw1} bytes, more than 255`);
  if (p1 > 255) throw new FieldError('arp', 'psrc', `is ${p1} bytes, more than 255`);
}

function formatHardware(bytes: Uint8Array, offset: number, length: number): ArpAddress {
  return length === 6 ? formatMac(bytes, offset) : bytes.subarray(offset, offset + length);
}

function formatProtocol(bytes: Uint8Array, offset: number, length: number): ArpAddress {
  return length === 4 ? formatIPv4(bytes, offset) : bytes.subarray(offset, offset + length);
}

function addressText(value: ArpAddress | undefined): string {
  if (value === undefined) return '?';
  return typeof value === 'string' ? value : `0x${toHex(value)}`;
}

export const arpCodec: LayerCodec<ArpFields> = {
  name: 'arp',
  title: 'Address Resolution Protocol',
  schema: arpSchema,

  headerLength(fields: ArpFields): number {
    const hw1 = addressSize('hwsrc', fields.hwsrc ?? DEFAULTS.hwsrc);
    const p1 = addressSize('psrc', fields.psrc ?? DEFAULTS.psrc);
    const hw2 = addressSize('hwdst', fields.hwdst ?? DEFAULTS.hwdst);
    const p2 = addressSize('pdst', fields.pdst ?? DEFAULTS.pdst);
    checkSizes(hw1, hw2, p1, p2);
    return FIXED_LENGTH + 2 * hw1 + 2 * p1;
  },

  encode(fields: ArpFields, frame: EncodeFrame): void {
    const { out, offset } = frame;
    writeU16(
      out,
      offset + HWTYPE,
      uintOf('arp', 'hwtype', fields.hwtype, maxOf(S.hwtype), defaultOf(S.hwtype)),
    );
    writeU16(out, offset + PTYPE, uintOf('arp', 'ptype', fields.ptype, maxOf(S.ptype), defaultOf(S.ptype)));
    writeU16(out, offset + OP, uintOf('arp', 'op', fields.op, maxOf(S.op), defaultOf(S.op)));
    let at = offset + FIXED_LENGTH;
    const hw = writeAddress('hwsrc', fields.hwsrc ?? DEFAULTS.hwsrc, out, at);
    at += hw;
    const p = writeAddress('psrc', fields.psrc ?? DEFAULTS.psrc, out, at);
    at += p;
    at += writeAddress('hwdst', fields.hwdst ?? DEFAULTS.hwdst, out, at);
    writeAddress('pdst', fields.pdst ?? DEFAULTS.pdst, out, at);
    out[offset + HWLEN] = uintOf('arp', 'hwlen', fields.hwlen, maxOf(S.hwlen), hw);
    out[offset + PLEN] = uintOf('arp', 'plen', fields.plen, maxOf(S.plen), p);
  },

  decode(bytes: Uint8Array, offset: number, end: number): DecodeStep<ArpFields> {
    need('arp', offset, FIXED_LENGTH, end);
    const hwlen = bytes[offset + HWLEN] ?? 0;
    const plen = bytes[offset + PLEN] ?? 0;
    const length = FIXED_LENGTH + 2 * hwlen + 2 * plen;
    need('arp', offset, length, end, 'addresses');
    let at = offset + FIXED_LENGTH;
    const hwsrc = formatHardware(bytes, at, hwlen);
    at += hwlen;
    const psrc = formatProtocol(bytes, at, plen);
    at += plen;
    const hwdst = formatHardware(bytes, at, hwlen);
    at += hwlen;
    const pdst = formatProtocol(bytes, at, plen);
    const op = readU16(bytes, offset + OP);
    return {
      fields: {
        hwtype: readU16(bytes, offset + HWTYPE),
        ptype: readU16(bytes, offset + PTYPE),
        hwlen,
        plen,
        op,
        hwsrc,
        psrc,
        hwdst,
        pdst,
      },
      headerLength: length,
      contentEnd: offset + length,
      next: undefined,
      info: { operation: ARP_OPERATIONS[op] ?? `unknown (${op})` },
    };
  },

  summary(fields: ArpFields): string {
    const op = fields.op ?? 1;
    if (op === 1) return `Who has ${addressText(fields.pdst)}? Tell ${addressText(fields.psrc)}`;
    if (op === 2) return `${addressText(fields.psrc)} is at ${addressText(fields.hwsrc)}`;
    return `${ARP_OPERATIONS[op] ?? `op ${op}`}: ${addressText(fields.psrc)} -> ${addressText(fields.pdst)}`;
  },
};

/** What `decode` gives as `info` for ARP. */
export interface ArpInfo {
  /** The operation's name ("who-has", "is-at"), or "unknown (N)". */
  readonly operation: string;
}

/** The fields `decode` gives for ARP: every header field (addresses as text). */
export type ArpDecodedFields = Omit<ArpFields, 'hwsrc' | 'psrc' | 'hwdst' | 'pdst'> &
  Required<Pick<ArpFields, 'hwtype' | 'ptype' | 'hwlen' | 'plen' | 'op'>> & {
    readonly hwsrc: string;
    readonly psrc: string;
    readonly hwdst: string;
    readonly pdst: string;
  };
