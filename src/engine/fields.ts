/**
 * Where the fields the engine may vary sit on the wire, relative to the start of their layer's header.
 *
 * Derived from each layer's schema (src/layers/schema.ts): only `value` fields of a fixed size at a
 * fixed (or per-template located) place vary, so a compiled template stays valid. Lengths, checksums
 * and shaping fields (data offsets, GTP-U E/S/PN, IPv4 ihl) are refused with a FieldError naming the
 * field and the reason its role gives. A bit field is `bits` wide, `shift` bits above the least
 * significant bit of the big-endian `width`-byte word at `offset`.
 *
 * `raw.u8@N`, `raw.u16@N`, `raw.u32@N` name an unsigned big-endian integer at byte N of a raw payload.
 */
import { FieldError } from '../core/errors.js';
import type { FieldKind, LayerName } from '../layers/layer.js';
import { codecs, layerNames } from '../layers/registry.js';
import type { AnySchema, FieldPosition, FieldSchema } from '../layers/schema.js';

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

function wireKind(kind: FieldKind): WireKind | undefined {
  if (kind === 'uint' || kind === 'flags') return 'uint';
  if (kind === 'mac' || kind === 'ipv4' || kind === 'ipv6') return kind;
  return undefined;
}

const wire = (kind: WireKind, position: FieldPosition): WireField => ({ kind, ...position });

/**
 * The variable fields per layer, from each layer's schema: a field of role `value` with a fixed
 * position, or one located per template (GTP-U optional octets, ICMP echo id/seq, TCP timestamps).
 */
type Locator =
  | WireField
  | ((bytes: Uint8Array, header: number, headerLength: number, below?: LayerName) => WireField | string);

const TABLE: Partial<Record<LayerName, Readonly<Record<string, Locator>>>> = {};
for (const layer of layerNames) {
  const entries: Record<string, Locator> = {};
  for (const [name, field] of Object.entries(codecs[layer].schema as AnySchema)) {
    const kind = wireKind(field.kind);
    if (field.role !== 'value' || kind === undefined) continue;
    const { at, locate } = field;
    if (at) entries[name] = wire(kind, at);
    else if (locate)
      entries[name] = (bytes, header, headerLength, below) => {
        const located = locate(bytes, header, headerLength, below);
        return typeof located === 'string' ? located : wire(kind, located);
      };
  }
  if (Object.keys(entries).length > 0) TABLE[layer] = entries;
}

/** Why a field that exists cannot vary, from its role (and kind). */
function refusal(layer: LayerName, field: FieldSchema): string {
  switch (field.role) {
    case 'length':
      return 'it is a length: varying it would change the packet size or layout';
    case 'checksum':
      return 'checksums are computed per packet; set it in the packet to fix it';
    case 'shape':
      if (layer === 'raw')
        return 'payload bytes: use raw.u8@N / raw.u16@N / raw.u32@N to vary bytes inside the payload';
      return `it shapes the header or how it is read (${field.doc})`;
    default:
      return 'it has no fixed place in the header';
  }
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
  below?: LayerName,
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
    const schema = (codecs[layer].schema as AnySchema)[field];
    if (schema) throw new FieldError(layer, field, `cannot vary: ${refusal(layer, schema)}`);
    const known = table ? Object.keys(table).join(', ') : 'none';
    throw new FieldError(layer, field, `cannot vary this field (variable fields of ${layer}: ${known})`);
  }
  const located = typeof locator === 'function' ? locator(bytes, header, headerLength, below) : locator;
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
