/**
 * Where the fields the engine may vary sit on the wire, relative to the start of their layer's header.
 *
 * Only fields of a fixed size at a fixed place are listed: varying one never changes a length, a
 * header layout or what the next layer is, so a compiled template stays valid. Lengths, checksums,
 * data offsets and header-shaping flags (GTP-U E/S/PN, IPv4 ihl) are refused with a FieldError naming
 * the field. A bit field is `bits` wide, `shift` bits above the least significant bit of the
 * big-endian `width`-byte word at `offset`.
 *
 * `raw.u8@N`, `raw.u16@N`, `raw.u32@N` name an unsigned big-endian integer at byte N of a raw payload.
 */
import { FieldError } from '../core/errors.js';
import type { LayerName } from '../layers/layer.js';

/** How a value is written and parsed: an integer of `bits`, or an address. */
export type WireKind = 'uint' | 'mac' | 'ipv4' | 'ipv6';

export interface WireField {
  readonly kind: WireKind;
  /** Byte offset from the layer's header start. */
  readonly offset: number;
  /** Bytes the field touches (1-4 for uint; 6 mac; 4 ipv4; 16 ipv6). */
  readonly width: number;
  /** Bit position of the value's least significant bit within the `width`-byte word (uint only). */
  readonly shift: number;
  /** Value width in bits. */
  readonly bits: number;
}

function uint(offset: number, width: number, bits = width * 8, shift = 0): WireField {
  return { kind: 'uint', offset, width, shift, bits };
}
const MAC = (offset: number): WireField => ({ kind: 'mac', offset, width: 6, shift: 0, bits: 48 });
const IPV4 = (offset: number): WireField => ({ kind: 'ipv4', offset, width: 4, shift: 0, bits: 32 });
const IPV6 = (offset: number): WireField => ({ kind: 'ipv6', offset, width: 16, shift: 0, bits: 128 });

/**
 * The variable fields per layer. A function receives the template bytes and the header offset, for
 * fields whose presence depends on the header (GTP-U optional octets, ICMP echo id/seq, TCP timestamps).
 */
type Locator = WireField | ((bytes: Uint8Array, header: number, headerLength: number) => WireField | string);

const TABLE: Partial<Record<LayerName, Readonly<Record<string, Locator>>>> = {
  ether: { dst: MAC(0), src: MAC(6), type: uint(12, 2) },
  dot1q: { pcp: uint(0, 1, 3, 5), dei: uint(0, 1, 1, 4), vlan: uint(0, 2, 12), type: uint(2, 2) },
  arp: {
    op: uint(6, 2),
    hwsrc: (b, h) =>
      b[h + 4] === 6 && b[h + 5] === 4 ? MAC(8) : 'only for 6-byte hardware and 4-byte protocol addresses',
    psrc: (b, h) =>
      b[h + 4] === 6 && b[h + 5] === 4 ? IPV4(14) : 'only for 6-byte hardware and 4-byte protocol addresses',
    hwdst: (b, h) =>
      b[h + 4] === 6 && b[h + 5] === 4 ? MAC(18) : 'only for 6-byte hardware and 4-byte protocol addresses',
    pdst: (b, h) =>
      b[h + 4] === 6 && b[h + 5] === 4 ? IPV4(24) : 'only for 6-byte hardware and 4-byte protocol addresses',
  },
  ipv4: {
    tos: uint(1, 1),
    dscp: uint(1, 1, 6, 2),
    ecn: uint(1, 1, 2, 0),
    id: uint(4, 2),
    flags: uint(6, 1, 3, 5),
    frag: uint(6, 2, 13, 0),
    ttl: uint(8, 1),
    proto: uint(9, 1),
    src: IPV4(12),
    dst: IPV4(16),
  },
  ipv6: {
    tc: uint(0, 2, 8, 4),
    fl: uint(1, 3, 20, 0),
    nh: uint(6, 1),
    hlim: uint(7, 1),
    src: IPV6(8),
    dst: IPV6(24),
  },
  udp: { sport: uint(0, 2), dport: uint(2, 2) },
  tcp: {
    sport: uint(0, 2),
    dport: uint(2, 2),
    seq: uint(4, 4),
    ack: uint(8, 4),
    reserved: uint(12, 1, 3, 1),
    flags: uint(12, 2, 9, 0),
    window: uint(14, 2),
    urgptr: uint(18, 2),
    tsval: (b, h, length) => tcpTimestamp(b, h, length, 2),
    tsecr: (b, h, length) => tcpTimestamp(b, h, length, 6),
  },
  icmp: {
    id: (b, h) =>
      isIcmpEcho(b[h]!) ? uint(4, 2) : 'only for echo, timestamp, information and address mask types',
    seq: (b, h) =>
      isIcmpEcho(b[h]!) ? uint(6, 2) : 'only for echo, timestamp, information and address mask types',
    code: uint(1, 1),
  },
  icmpv6: {
    id: (b, h) => (b[h] === 128 || b[h] === 129 ? uint(4, 2) : 'only for echo request/reply'),
    seq: (b, h) => (b[h] === 128 || b[h] === 129 ? uint(6, 2) : 'only for echo request/reply'),
    code: uint(1, 1),
  },
  gtpu: {
    type: uint(1, 1),
    teid: uint(4, 4),
    seq: (b, h) =>
      b[h]! & 0x07 ? uint(8, 2) : 'the header has no optional octets (set seq in the packet first)',
    npdu: (b, h) =>
      b[h]! & 0x07 ? uint(10, 1) : 'the header has no optional octets (set npdu in the packet first)',
  },
  vxlan: { flags: uint(0, 2), gbp: uint(2, 2), vni: uint(4, 3), reserved: uint(7, 1) },
};

/** Fields that exist but cannot vary, with the reason given to the user. */
const REFUSED: Readonly<Record<string, string>> = {
  len: 'it is a length: varying it would change the packet size or layout',
  plen: 'it is a length: varying it would change the packet size or layout',
  ihl: 'it shapes the header (header length)',
  dataofs: 'it shapes the header (data offset)',
  chksum: 'checksums are computed per packet; set it in the packet to fix it',
  version: 'it decides how the header is read',
  options: 'options change the header length',
  extensions: 'extensions change the header length',
  data: 'payload bytes: use raw.u8@N / raw.u16@N / raw.u32@N to vary bytes inside the payload',
  text: 'payload bytes: use raw.u8@N / raw.u16@N / raw.u32@N to vary bytes inside the payload',
};

function isIcmpEcho(type: number): boolean {
  return (
    type === 0 ||
    type === 8 ||
    type === 13 ||
    type === 14 ||
    type === 15 ||
    type === 16 ||
    type === 17 ||
    type === 18
  );
}

/** Finds the TCP timestamps option (kind 8, length 10) in the template's options. */
function tcpTimestamp(
  bytes: Uint8Array,
  header: number,
  headerLength: number,
  at: number,
): WireField | string {
  let i = header + 20;
  const end = header + headerLength;
  while (i < end) {
    const kind = bytes[i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const length = bytes[i + 1] ?? 0;
    if (length < 2 || i + length > end) break;
    if (kind === 8 && length === 10) return uint(i - header + at, 4);
    i += length;
  }
  return 'the packet has no TCP timestamps option (set tsval in the packet first)';
}

/**
 * Locates `field` of a `layer` whose header starts at `header` in the template bytes.
 * Throws FieldError for unknown or refused fields.
 */
export function locateField(
  layer: LayerName,
  field: string,
  bytes: Uint8Array,
  header: number,
  headerLength: number,
  layerEnd: number,
): WireField {
  if (layer === 'raw') {
    const match = /^u(8|16|32)@(\d+)$/.exec(field);
    if (!match)
      throw new FieldError(
        'raw',
        field,
        'raw payload fields are u8@N, u16@N or u32@N (N = byte offset in the payload)',
      );
    const width = Number(match[1]) / 8;
    const at = Number(match[2]);
    if (header + at + width > layerEnd) {
      throw new FieldError(
        'raw',
        field,
        `byte ${at} + ${width} is past the ${layerEnd - header}-byte payload`,
      );
    }
    return uint(at, width);
  }
  const table = TABLE[layer];
  const locator = table?.[field];
  if (locator === undefined) {
    const reason = REFUSED[field];
    if (reason) throw new FieldError(layer, field, `cannot vary: ${reason}`);
    const known = table ? Object.keys(table).join(', ') : 'none';
    throw new FieldError(layer, field, `cannot vary this field (variable fields of ${layer}: ${known})`);
  }
  const located = typeof locator === 'function' ? locator(bytes, header, headerLength) : locator;
  if (typeof located === 'string') throw new FieldError(layer, field, `cannot vary: ${located}`);
  return located;
}

/** The names that may vary, per layer (for help text and docs). */
export function variableFieldNames(): Readonly<Record<string, readonly string[]>> {
  const names: Record<string, string[]> = {};
  for (const [layer, table] of Object.entries(TABLE)) names[layer] = Object.keys(table ?? {});
  names.raw = ['u8@N', 'u16@N', 'u32@N'];
  return names;
}
