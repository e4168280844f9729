/**
 * The wire schema: every fact about a layer's fields, declared once in the layer's own file.
 *
 * For each field: its kind (how the spec and JSON write it), its role, its fixed position when it has
 * one (byte offset from the header start, the big-endian word `width` bytes wide it sits in, and the
 * `bits` wide value `shift` bits above that word's least significant bit), its maximum, its default
 * when left out (a constant, or a sentence saying how it is filled), the checksum coverage of a
 * checksum, tshark's field name and a one-line doc.
 *
 * Everything else reads it: the spec parser and JSON (kinds, maxima, flag names), the `--vary`
 * locator and its refusals (positions and roles), reused stacks' patchable set (`perPacket`), the
 * template's checksum plan (`covers`), send's shaping-field check (roles, `shapesNext`), verify's tshark map
 * (`tshark`), `pktcraft build --fields` and the README layer table (docs, defaults, ranges). Codecs
 * turn positions into module constants once at load (`offsetOf`, `defaultOf`, `maxOf`), so nothing
 * is interpreted per packet.
 */
import type { FieldKind, LayerName, Problem } from './layer.js';

/** The structured part of a Problem: field, expected, actual, bound. */
export type ProblemDetail = Pick<Problem, 'field' | 'expected' | 'actual' | 'bound'>;

/**
 * What a field does:
 * - value: a number, address or bytes written as given (varying it changes nothing else);
 * - length: a length filled from the sizes when left out;
 * - checksum: computed over `covers` when left out;
 * - shape: decides the header's layout or how the rest is read (version, header length, options,
 *   types that choose the message body, flags that add optional octets).
 */
export type FieldRole = 'value' | 'length' | 'checksum' | 'shape';

/**
 * What a checksum covers:
 * - header: the header alone (IPv4);
 * - pseudo-header+layer: the enclosing IP header's pseudo-header and the whole layer; no checksum
 *   (left 0) without an enclosing IP header (UDP, TCP);
 * - layer: the whole layer (ICMP);
 * - layer+pseudo-header-v6: the whole layer, plus the pseudo-header when inside IPv6 (ICMPv6).
 */
export type ChecksumCoverage = 'header' | 'pseudo-header+layer' | 'layer' | 'layer+pseudo-header-v6';

/** A fixed place on the wire, relative to the start of the layer's header. */
export interface FieldPosition {
  /** Byte offset of the big-endian word holding the field. */
  readonly offset: number;
  /** Bytes of that word (1-4 for integers; 6 for a MAC, 4 for IPv4, 16 for IPv6). */
  readonly width: number;
  /** Bit position of the value's least significant bit in the word. */
  readonly shift: number;
  /** Value width in bits. */
  readonly bits: number;
}

/**
 * A position that depends on the header itself (ICMP echo id/seq, GTP-U optional octets, TCP
 * timestamps) or on the layer below it (a DNS message over TCP starts with a 2-octet length): given
 * the encoded bytes, the header start and length and the layer below, the position, or why the
 * field has none in this packet.
 */
export type PositionLocator = (
  bytes: Uint8Array,
  header: number,
  headerLength: number,
  below?: LayerName,
) => FieldPosition | string;

export interface FieldSchema {
  readonly kind: FieldKind;
  readonly role: FieldRole;
  /** One line for `build --fields` and the README layer table (without the default: see below). */
  readonly doc: string;
  /** Fixed position, when the field always sits at the same place. */
  readonly at?: FieldPosition;
  /** Position that depends on the header (see PositionLocator). */
  readonly locate?: PositionLocator;
  /** Largest value of a uint/flags field (from `at.bits` unless the field is narrower on purpose). */
  readonly max?: number;
  /** The value written when the field is left out, when that is a constant. */
  readonly default?: number | string | boolean;
  /** How the field is filled when left out, when that is not a constant ("computed", "from the next layer"). */
  readonly auto?: string;
  /** For a checksum: what it covers. */
  readonly covers?: ChecksumCoverage;
  /** For a UDP-style checksum: a computed 0 is sent as this value (0xffff). */
  readonly zeroAs?: number;
  /** tshark's field name, when tshark shows this field as one value comparable with ours. */
  readonly tshark?: string;
  /** Shown by tshark only when this holds for the decoded fields (ICMP echo id/seq, GTP-U seq). */
  readonly tsharkWhen?: (fields: Readonly<Record<string, unknown>>) => boolean;
  /**
   * A length that ends the layer's content, counted from this byte of the header (IPv4 0, IPv6 40,
   * GTP-U 8): when it sets the end, reads of the inner layers are bounded by it (`ipv4.len`).
   */
  readonly endsContent?: number;
  /** A number that typically changes from one packet to the next: reused stacks patch it in place. */
  readonly perPacket?: boolean;
  /**
   * A value (not a length, checksum or layout) that still decides how the bytes after the header are
   * read: IPv4 flags and fragment offset, the IPv6 fragment offset and M bit (a fragment's payload is
   * not the next header), the GTP-U message type (only a G-PDU carries a packet). Send's well-formed
   * check treats a spec that sets one as asking for what the decoder then finds inside.
   */
  readonly shapesNext?: boolean;
  /** Parses flag letters/names to an integer (kind 'flags'); undefined when not understood. */
  readonly parseFlags?: (text: string) => number | undefined;
}

/** A layer's schema: every field a user may set, in wire order. */
export type LayerSchema<F extends object = object> = { readonly [K in keyof F & string]-?: FieldSchema };

/** The fields of a schema by name, for code that works on any layer. */
export type AnySchema = Readonly<Record<string, FieldSchema>>;

/** A fixed position: `bits` wide (default the whole word), `shift` bits up in the `width`-byte word at `offset`. */
export function at(offset: number, width: number, bits = width * 8, shift = 0): FieldPosition {
  return { offset, width, shift, bits };
}

/** Completes a schema: a positioned integer's maximum defaults to what its bits hold. Frozen. */
export function defineSchema<F extends object>(fields: LayerSchema<F>): LayerSchema<F> {
  const done: Record<string, FieldSchema> = {};
  for (const [name, field] of Object.entries(fields) as [string, FieldSchema][]) {
    const integer = field.kind === 'uint' || field.kind === 'flags';
    const max = field.max ?? (integer && field.at ? 2 ** field.at.bits - 1 : undefined);
    done[name] = Object.freeze(max === undefined ? { ...field } : { ...field, max });
  }
  return Object.freeze(done) as LayerSchema<F>;
}

function fail(what: string): never {
  throw new Error(`schema: ${what}`);
}

/** The fixed byte offset of a field (throws at module load when the schema gives none). */
export function offsetOf(field: FieldSchema): number {
  return field.at?.offset ?? fail(`field has no fixed position (${field.doc})`);
}

/** The largest value of an integer field. */
export function maxOf(field: FieldSchema): number {
  return field.max ?? fail(`field has no maximum (${field.doc})`);
}

/** The constant default of an integer field. */
export function defaultOf(field: FieldSchema): number {
  return typeof field.default === 'number'
    ? field.default
    : fail(`field has no numeric default (${field.doc})`);
}

/** The mask of a positioned field's value bits within its word (unshifted: `(word >> shift) & mask`). */
export function maskOf(field: FieldSchema): number {
  const bits = field.at?.bits ?? fail(`field has no fixed position (${field.doc})`);
  return bits >= 32 ? 0xffffffff : 2 ** bits - 1;
}

/** "default 53", "computed", … : how a field is filled when left out, for docs and `--fields`. */
export function describeDefault(field: FieldSchema): string {
  if (field.default !== undefined) {
    if (typeof field.default === 'number' && (field.kind === 'flags' || (field.max ?? 0) > 0xffff))
      return field.default > 9 ? `0x${field.default.toString(16)}` : String(field.default);
    return String(field.default);
  }
  return field.auto ?? '—';
}

/** "0..65535", "MAC", … : the values a field takes, for docs and `--fields`. */
export function describeRange(field: FieldSchema): string {
  if (field.max !== undefined) return `0..${field.max > 0xffff ? `0x${field.max.toString(16)}` : field.max}`;
  switch (field.kind) {
    case 'mac':
      return 'MAC';
    case 'ipv4':
      return 'IPv4';
    case 'ipv6':
      return 'IPv6';
    case 'bool':
      return '0/1';
    case 'json':
      return 'JSON';
    case 'text':
      return 'text';
    default:
      return 'hex bytes';
  }
}

/**
 * The shift of a positioned field within a wider big-endian word that starts at byte `wordOffset`
 * and is `wordWidth` bytes (IPv6 reads version, traffic class and flow label as one 32-bit word).
 */
export function shiftIn(field: FieldSchema, wordOffset: number, wordWidth: number): number {
  const position = field.at ?? fail(`field has no fixed position (${field.doc})`);
  const below = wordOffset + wordWidth - (position.offset + position.width);
  if (position.offset < wordOffset || below < 0) fail(`field is outside the word (${field.doc})`);
  return position.shift + 8 * below;
}
