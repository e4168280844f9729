/**
 * The contract every protocol module implements, and the shapes the packet model passes to it.
 *
 * A protocol module (`src/layers/<name>.ts`) exports its fields type, a builder (`ipv4({...})`), and a
 * `LayerCodec` with `headerLength`, `encode` (outside-in, header bytes and every field that only
 * needs sizes or the neighbouring layers), `finish` (inside-out, checksums that cover inner bytes)
 * and `decode`.
 */
import type { SummedRegion } from '../core/checksum.js';
import type { LayerSchema } from './schema.js';

/** Every layer name the packet model knows; also the names used in the text spec and in JSON. */
export type LayerName =
  | 'ether'
  | 'dot1q'
  | 'arp'
  | 'ipv4'
  | 'ipv6'
  | 'ipv6hop'
  | 'ipv6route'
  | 'ipv6frag'
  | 'ipv6dest'
  | 'icmp'
  | 'icmpv6'
  | 'udp'
  | 'tcp'
  | 'gtpu'
  | 'vxlan'
  | 'geneve'
  | 'tls'
  | 'clienthello'
  | 'raw'
  | 'mysql'
  | 'dns'
  | 'gtpv2'
  | 'mpls'
  | 'gre'
  | 'sll'
  | 'sll2'
  | 'null'
  | 'loop';

/** Bytes given by a user: a Uint8Array, or a hex string ("0a0b0c", "0x0a0b0c", "0a:0b:0c"). */
export type BytesValue = Uint8Array | string;

/**
 * How a field is written in the text spec and in JSON:
 * - uint: decimal or 0x hex integer (max gives the largest allowed value)
 * - mac / ipv4 / ipv6: address strings
 * - bytes: hex (JSON: lowercase hex string, spec: 0x... or a quoted hex string)
 * - text: a quoted string
 * - flags: an integer or the layer's letters/names (tcp 'PA', ipv4 'DF+MF')
 * - bool: 0/1/true/false
 * - json: a structured value (lists of extension headers); JSON only, or spec as a quoted JSON string
 */
export type FieldKind = 'uint' | 'mac' | 'ipv4' | 'ipv6' | 'bytes' | 'text' | 'flags' | 'bool' | 'json';

/** A field value as the API accepts it. */
export type FieldValue = number | string | boolean | Uint8Array | readonly unknown[] | undefined;

/** A layer value: what a builder returns and what decode gives back (then with every field present). */
export interface LayerValue<N extends LayerName = LayerName, F extends object = object> {
  readonly layer: N;
  readonly fields: F;
  /**
   * Bytes after this layer's inner content that still belong to it (Ethernet padding after a short IP
   * packet, bytes after a UDP datagram shorter than its IP payload). Encoded as given; decode fills it.
   */
  readonly trailer?: Uint8Array;
}

/**
 * Where a layer sits while it is encoded. One mutable instance is reused for every layer and packet
 * (no per-layer allocation); read it during the call only.
 */
export interface EncodeFrame {
  /** The packet buffer. */
  out: Uint8Array;
  /** Start of this layer's header in `out`. */
  offset: number;
  /** Header length as returned by `headerLength`. */
  headerLength: number;
  /** End of the inner content (start of this layer's trailer). */
  payloadEnd: number;
  /** End of this layer: header + inner content + trailer. Length fields use `end - offset`. */
  end: number;
  /** The whole layer stack and this layer's index, to look at neighbours (next protocol numbers). */
  layers: readonly LayerValue[];
  index: number;
  /** The nearest enclosing IPv4/IPv6 header (for pseudo-headers): version 0 when there is none. */
  ipVersion: 0 | 4 | 6;
  ipOffset: number;
}

/**
 * Which length bounded a read: the bytes given, or the innermost enclosing length field that cut
 * them short (IPv4 total length, IPv6 payload length, UDP length, GTP-U length).
 */
export type LengthBound = 'bytes' | 'ipv4.len' | 'ipv6.plen' | 'udp.len' | 'gtpu.len';

/** A problem found while decoding that does not stop decoding. */
export interface Problem {
  readonly layer: string;
  /** Byte offset in the decoded buffer: of the field at fault when there is one, else of the layer. */
  readonly offset: number;
  /**
   * The same situation has the same kind in every layer: a length field (or header length) that
   * cannot be right is `bad-length`; a checksum `bad-checksum`; bytes missing `truncated`; a value
   * the protocol does not allow `bad-value`; a structure inside the header that does not parse
   * (options, extensions) `malformed`.
   */
  readonly kind: 'bad-checksum' | 'bad-length' | 'truncated' | 'bad-value' | 'malformed';
  readonly message: string;
  /** The field at fault, by its schema name (`chksum`, `len`, `dataofs`), when there is one. */
  readonly field?: string;
  /** What the field should hold (a number, or a bound such as '>= 20'). */
  readonly expected?: number | string;
  /** What it holds. */
  readonly actual?: number | string;
  /** Which length bounded the read (see LengthBound). */
  readonly bound?: LengthBound;
}

/** Which layer follows a given number; each table overridable per decode ("decode as"). */
export interface Bindings {
  readonly etherType: ReadonlyMap<number, LayerName>;
  readonly ipProtocol: ReadonlyMap<number, LayerName>;
  readonly udpPort: ReadonlyMap<number, LayerName>;
  readonly tcpPort: ReadonlyMap<number, LayerName>;
}

/**
 * `SummedRegion` (core/checksum.ts): the region the last verified UDP checksum summed, so that an
 * inner TCP or UDP checksum over a suffix of it subtracts the prefix instead of summing again.
 */
export interface DecodeContext extends SummedRegion {
  readonly problems: Problem[];
  readonly bindings: Bindings;
  /** The nearest enclosing IPv4/IPv6 header in the same buffer (version 0 when none). */
  ipVersion: 0 | 4 | 6;
  ipOffset: number;
  /** Inside the datagram quoted by an ICMP error: lengths and checksums are not checked. */
  insideIcmpError: boolean;
  /** Which length bounds the bytes this layer is given (set by the packet decoder; 'bytes' when none). */
  bound?: LengthBound;
  /**
   * The nearest enclosing TCP header's ports (set by the TCP decoder), for protocols whose messages
   * differ by direction (MySQL: the side on the bound port is the server).
   */
  sourcePort?: number;
  destinationPort?: number;
  /** The layer decoded just before this one (undefined for the first), set by the packet decoder. */
  below?: LayerName;
}

export interface DecodeStep<F extends object> {
  /** Every field, exactly as on the wire, so that encoding them gives the same bytes. */
  readonly fields: F;
  readonly headerLength: number;
  /**
   * Where this layer's claimed content ends (≤ the end it was given): IPv4 total length, UDP length,
   * GTP-U length. Bytes between this and the given end become the enclosing layer's trailer.
   */
  readonly contentEnd: number;
  /** The layer that follows, or undefined for raw bytes (or nothing). */
  readonly next: LayerName | undefined;
  /** Derived facts for display (checksum status, parsed options); never needed to re-encode. */
  readonly info?: Readonly<Record<string, unknown>>;
}

export interface LayerCodec<F extends object> {
  readonly name: LayerName;
  /** Wireshark-like display name for the tree ("Internet Protocol Version 4"). */
  readonly title: string;
  /** tshark's protocol name (its filter and "decode as" name) when it is not `name`: ipv4 → `ip`, gtpu → `gtp`. */
  readonly tsharkProtocol?: string;
  /** Every field a user may set, in wire order: positions, kinds, defaults, roles (see schema.ts). */
  readonly schema: LayerSchema<F>;
  /**
   * The header's length (for a message layer such as DNS or MySQL, the whole message). `below` is the
   * layer under this one, for a layout that depends on it (DNS over TCP has a length prefix).
   */
  headerLength(fields: F, below?: LayerName): number;
  /** Writes the header at frame.offset. Auto lengths use frame.end; next-protocol numbers look at frame.layers. */
  encode(fields: F, frame: EncodeFrame): void;
  /** Fills what covers the inner bytes (checksums); called inside-out after every inner layer is done. */
  finish?(fields: F, frame: EncodeFrame): void;
  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<F>;
  /** One-line summary for the tree ("Src: 192.0.2.1, Dst: 192.0.2.2"). */
  summary?(fields: F, info?: Readonly<Record<string, unknown>>): string;
}
