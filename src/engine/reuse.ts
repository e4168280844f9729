/**
 * `compileStack`: the explicit fast encoder for many packets of one shape, as gopacket's
 * SerializeLayers is used (the layer objects made once, a few fields set before each encode) or as a
 * generator builds new objects alike for every packet. A stack is compiled once into
 *
 * - a template (the engine's: the packet encoded, the place of every field that may change, and the
 *   checksums that cover them, updated incrementally as RFC 1624 does), and
 * - a generated check that reads every field of every layer object: it succeeds only when the stack
 *   has the same layers (by name, in order; the objects may be new ones) with the same fields (a
 *   field left out stays left out), every field outside the patchable set (lengths, flags,
 *   options, payload bytes...) still has the value it had, and each patchable field (ports, sequence
 *   numbers, addresses, TEID, VNI, IP id and TTL, VLAN id...) holds a valid value, which it copies
 *   into `values`.
 *
 * A stack that fails the check goes through the generic encoder, which gives the same bytes (or the
 * same error) as ever; the compiled form stays for the next one. So the compiled stack never changes
 * what is encoded, only how fast. Field names reach the generated source only after they are checked
 * against the layer's own field list and an identifier pattern; values are never written into it.
 * Where code generation is disallowed (`node --disallow-code-generation-from-strings`) every stack
 * takes the generic encoder.
 */
import { ipv4ToNumber, parseMac } from '../core/address.js';
import { bytesEqual } from '../core/bytes.js';
import type { LayerName, LayerValue } from '../layers/layer.js';
import { codecs, layerNames } from '../layers/registry.js';
import type { AnySchema } from '../layers/schema.js';
import type { PacketEncoder, PacketSink } from '../packet/encode.js';
import {
  allocatePacket,
  encodedLengthGeneric,
  encodePacketGeneric,
  encodePacketIntoGeneric,
  writeLaidOut,
} from '../packet/encode-generic.js';
import { generateValueWriter, type ValueWriter } from './codegen.js';
import { locateField } from './fields.js';
import { compileTemplate, layoutOf } from './template.js';
import type { VarySpec } from './vary.js';

/** Per layer, the fields a reused stack patches in place: those the schema marks `perPacket`. */
const PATCHABLE: Partial<Record<LayerName, readonly string[]>> = Object.fromEntries(
  layerNames.map((layer) => [
    layer,
    Object.entries(codecs[layer].schema as AnySchema)
      .filter(([, field]) => field.perPacket === true)
      .map(([name]) => name),
  ]),
);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

let lastIpv4Text = '';
let lastIpv4Value = -1;

/** An IPv4 address field's value as a number, or -1 when it is not one (the generic path then decides). */
function ipv4Value(value: unknown): number {
  if (typeof value === 'string') {
    if (value === lastIpv4Text) return lastIpv4Value;
    const number = ipv4ToNumber(value);
    if (number === undefined) return -1;
    lastIpv4Text = value;
    lastIpv4Value = number;
    return number;
  }
  if (value instanceof Uint8Array && value.length === 4)
    return ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0;
  return -1;
}

let lastMacText = '';
let lastMacValue = -1;

function macNumber(bytes: Uint8Array): number {
  return (
    ((bytes[0]! << 8) | bytes[1]!) * 4294967296 +
    (((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0)
  );
}

/** A MAC address field's value as a 48-bit number, or -1. */
function macValue(value: unknown): number {
  if (typeof value === 'string') {
    if (value === lastMacText) return lastMacValue;
    let number: number;
    try {
      number = macNumber(parseMac(value));
    } catch {
      return -1;
    }
    lastMacText = value;
    lastMacValue = number;
    return number;
  }
  if (value instanceof Uint8Array && value.length === 6) return macNumber(value);
  return -1;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A stack compiled for repeated encoding: the check and the patching writer. */
interface Shortcut {
  readonly length: number;
  /** The patched fields ("layer index.field"), in the order of `values`. */
  readonly names: readonly string[];
  /** Patchable field values, filled by `check`. */
  readonly values: Float64Array;
  /** True when `layers` may take the shortcut (only patchable fields changed, to valid values); fills `values`. */
  readonly check: (layers: readonly LayerValue[], values: Float64Array) => boolean;
  /** Writes the packet with `values` at `base` (the same bytes as the generic encoder). */
  readonly write: (values: Float64Array, out: Uint8Array, base: number) => void;
}

let compiledChecks = 0;

/**
 * Compiles `layers` for repeated encoding (with `changing`, only the patchable fields named there,
 * "layer index.field", are patched; the others are checked as constants), or returns undefined when
 * it cannot be (unknown keys, structured values, a packet the generic encoder refuses, or code
 * generation disallowed).
 */
function compileShortcut(
  layers: readonly LayerValue[],
  changing?: ReadonlySet<string>,
): Shortcut | undefined {
  if (layers.length === 0) return undefined;
  const names: string[] = [];
  let frame: Uint8Array;
  try {
    frame = encodePacketGeneric(layers).slice();
  } catch {
    return undefined;
  }
  const layout = layoutOf(layers);
  const constants: unknown[] = [];
  const copies: (Uint8Array | undefined)[] = [];
  const specs: VarySpec[] = [];
  const lines: string[] = [`if (layers.length !== ${layers.length}) return false;`];
  const seen = new Map<string, number>();
  const constant = (value: unknown): number => {
    constants.push(value);
    copies.push(value instanceof Uint8Array ? value.slice() : undefined);
    return constants.length - 1;
  };
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const name = layer.layer;
    const codec = codecs[name];
    const fields = layer.fields as unknown;
    if (!codec || !isPlainObject(fields)) return undefined;
    const occurrence = seen.get(name) ?? 0;
    seen.set(name, occurrence + 1);
    const l = `l${i}`;
    const f = `f${i}`;
    // Any array of layer objects with these names and these values will do (not only this one).
    lines.push(
      `const ${l} = layers[${i}];`,
      `if (typeof ${l} !== 'object' || ${l} === null || ${l}.layer !== C[${constant(name)}]) return false;`,
      `const ${f} = ${l}.fields;`,
      `if (typeof ${f} !== 'object' || ${f} === null) return false;`,
    );
    const trailer = layer.trailer;
    if (trailer !== undefined && !(trailer instanceof Uint8Array)) return undefined;
    const t = constant(trailer);
    lines.push(
      trailer === undefined
        ? `if (${l}.trailer !== undefined) return false;`
        : `{ const t = ${l}.trailer; if (!(t instanceof Uint8Array) || !same(t, K[${t}])) return false; }`,
    );
    const keys = Object.keys(fields);
    // A field the layer knows but that is not set now must stay unset: encoders read fields by name
    // and take undefined as "left out" (keys they do not know are never read).
    const unset = Object.keys(codec.schema).filter((key) => !keys.includes(key) && IDENTIFIER.test(key));
    if (unset.length > 0)
      lines.push(`if (${unset.map((key) => `${f}.${key} !== undefined`).join(' || ')}) return false;`);
    for (const key of keys) {
      if (!IDENTIFIER.test(key) || !Object.hasOwn(codec.schema, key)) return undefined;
      const value = fields[key];
      const kind = codec.schema[key]!.kind;
      let patch: 'uint' | 'ipv4' | 'mac' | undefined;
      if (PATCHABLE[name]?.includes(key) && (changing === undefined || changing.has(`${i}.${key}`))) {
        if (kind === 'uint' && typeof value === 'number') patch = 'uint';
        else if (kind === 'ipv4' && (typeof value === 'string' || value instanceof Uint8Array))
          patch = 'ipv4';
        else if (kind === 'mac' && (typeof value === 'string' || value instanceof Uint8Array)) patch = 'mac';
      }
      if (patch !== undefined) {
        let bits: number;
        try {
          bits = locateField(
            name,
            key,
            frame,
            layout.offsets[i]!,
            layout.headerLengths[i]!,
            layout.payloadEnds[i]!,
            layers[i - 1]?.layer,
          ).bits;
        } catch {
          patch = undefined;
          bits = 0;
        }
        if (patch !== undefined) {
          const index = specs.length;
          names.push(`${i}.${key}`);
          specs.push({
            layer: name,
            occurrence,
            field: key,
            expression: patch === 'ipv4' ? '0.0.0.0' : patch === 'mac' ? '00:00:00:00:00:00' : '0',
            text: `${name}[${occurrence}].${key}`,
          });
          // The largest value the generic encoder accepts: the field's own maximum, within its wire width.
          const max = Math.min(codec.schema[key]!.max ?? Number.POSITIVE_INFINITY, 2 ** bits - 1);
          const read = `${f}.${key}`;
          if (patch === 'uint') {
            lines.push(
              `{ const v = ${read}; if (typeof v !== 'number' || !(v >= 0 && v <= ${max}) || Math.floor(v) !== v) return false; values[${index}] = v; }`,
            );
          } else {
            // The text (or bytes object) it had when compiled is known: only another one is parsed.
            const known = constant(value);
            const number = constant(patch === 'ipv4' ? ipv4Value(value) : macValue(value));
            lines.push(
              `{ const a = ${read}; const v = a === C[${known}] && !(a instanceof Uint8Array) ? C[${number}] : ${patch === 'ipv4' ? 'ipv4Value' : 'macValue'}(a); if (v < 0) return false; values[${index}] = v; }`,
            );
          }
          continue;
        }
      }
      if (value instanceof Uint8Array) {
        const c = constant(value);
        lines.push(
          `{ const a = ${f}.${key}; if (!(a instanceof Uint8Array) || !same(a, K[${c}])) return false; }`,
        );
      } else if (value === null || typeof value === 'object' || typeof value === 'function') {
        return undefined; // structured values (lists) could change inside without a new identity
      } else {
        lines.push(`if (${f}.${key} !== C[${constant(value)}]) return false;`);
      }
    }
  }
  let write: ValueWriter;
  let check: Shortcut['check'];
  try {
    const template = compileTemplate(layers, specs, { interpretOnly: true });
    if (template.length !== frame.length) return undefined;
    write = generateValueWriter(template.writerPlan());
    lines.push('return true;');
    const factory = new Function(
      'C',
      'K',
      'same',
      'ipv4Value',
      'macValue',
      `return function check(layers, values) {\n${lines.join('\n')}\n};\n//# sourceURL=pktcraft-generated/stack-check-${++compiledChecks}.js`,
    ) as (
      constantsList: readonly unknown[],
      copiesList: readonly (Uint8Array | undefined)[],
      same: typeof bytesEqual,
      ipv4: typeof ipv4Value,
      mac: typeof macValue,
    ) => Shortcut['check'];
    check = factory(constants, copies, bytesEqual, ipv4Value, macValue);
  } catch {
    // Includes the EvalError of a runtime that disallows code generation: the generic encoder it is.
    return undefined;
  }
  return { length: frame.length, names, values: new Float64Array(specs.length), check, write };
}

/**
 * A layer stack compiled for encoding many packets of its shape (see `compileStack`). Every method
 * takes the stack to encode now: the compiled one with some fields set since, or new layer objects
 * built alike. A stack the compiled form does not cover is encoded by the generic encoder.
 */
export interface CompiledStack extends PacketEncoder {
  /** The length of the packet the stack was compiled from (and of every packet of its shape that takes the shortcut). */
  readonly length: number;
  /**
   * False when the stack could not be compiled (structured field values such as the GTP-U
   * extension list, unknown keys, or code generation disallowed): every encode then takes the generic encoder.
   */
  readonly compiled: boolean;
  /** The number of bytes `layers` encode to. */
  encodedLength(layers: readonly LayerValue[]): number;
  /** Encodes `layers` into a new buffer (it may be a view into a shared slab, as `encodePacket`'s). */
  encode(layers: readonly LayerValue[]): Uint8Array;
  /** Encodes `layers` into `out` at `offset`; returns the number of bytes written. RangeError if `out` is too small. */
  encodeInto(layers: readonly LayerValue[], out: Uint8Array, offset?: number): number;
  /** Encodes `layers` into the room `sink` reserves for its length (a capture writer's record); returns the length. */
  encodeTo(layers: readonly LayerValue[], sink: PacketSink): number;
}

/** Encodes through the wide form before the narrow one is made from what changed. */
const LEARN_AFTER = 32;
/** Encodes the wide form takes while a narrow one exists before the narrow one is made again. */
const RELEARN_AFTER = 64;
/** Narrow forms made per compiled stack, at most. */
const MAX_NARROW = 4;

/**
 * Two compiled forms, each exact on its own: `wide` patches every patchable field; `narrow`, made
 * after a few encodes, patches only the fields seen changing and checks the others as constants (a
 * smaller check and writer: fewer checksum updates). A stack the narrow form refuses tries the wide
 * one (and is noted, to make the narrow form again), then the generic encoder.
 */
class CompiledStackEncoder implements CompiledStack {
  readonly length: number;
  readonly compiled: boolean;
  private readonly wide: Shortcut | undefined;
  private narrow: Shortcut | undefined;
  /** The wide form's values when compiled, and which of them have been seen to differ since. */
  private readonly initial: Float64Array;
  private readonly changed: Uint8Array;
  private wideUses = 0;
  private narrowMade = 0;

  constructor(layers: readonly LayerValue[], length: number) {
    let wide = compileShortcut(layers);
    const values = wide?.values ?? new Float64Array(0);
    if (wide !== undefined && !wide.check(layers, values)) wide = undefined; // never expected
    this.length = length;
    this.compiled = wide !== undefined;
    this.wide = wide;
    this.initial = values.slice();
    this.changed = new Uint8Array(values.length);
  }

  /** The compiled form that takes `layers`, its values filled, or undefined (the generic encoder). */
  private pick(layers: readonly LayerValue[]): Shortcut | undefined {
    const narrow = this.narrow;
    if (narrow?.check(layers, narrow.values)) return narrow;
    const wide = this.wide;
    if (wide === undefined || !wide.check(layers, wide.values)) return undefined;
    if (this.narrowMade < MAX_NARROW) this.learn(layers, wide);
    return wide;
  }

  private learn(layers: readonly LayerValue[], wide: Shortcut): void {
    const values = wide.values;
    const initial = this.initial;
    const changed = this.changed;
    for (let k = 0; k < values.length; k++) if (values[k] !== initial[k]) changed[k] = 1;
    this.wideUses++;
    if (this.wideUses < (this.narrow === undefined ? LEARN_AFTER : RELEARN_AFTER)) return;
    this.wideUses = 0;
    this.narrowMade++;
    // `layers` passed the wide check: every field outside `changing` still has its compiled value.
    const changing = new Set(wide.names.filter((_, k) => changed[k] === 1));
    const narrow = compileShortcut(layers, changing);
    this.narrow = narrow !== undefined && narrow.length === this.length ? narrow : undefined;
  }

  encodedLength(layers: readonly LayerValue[]): number {
    return this.pick(layers) !== undefined ? this.length : encodedLengthGeneric(layers);
  }

  encode(layers: readonly LayerValue[]): Uint8Array {
    const shortcut = this.pick(layers);
    if (shortcut === undefined) return encodePacketGeneric(layers);
    const out = allocatePacket(this.length);
    shortcut.write(shortcut.values, out, 0);
    return out;
  }

  encodeInto(layers: readonly LayerValue[], out: Uint8Array, offset = 0): number {
    const shortcut = this.pick(layers);
    if (shortcut === undefined) return encodePacketIntoGeneric(layers, out, offset);
    const total = this.length;
    if (offset < 0 || offset + total > out.length) {
      throw new RangeError(
        `encodePacketInto: packet of ${total} bytes does not fit at ${offset} in ${out.length}`,
      );
    }
    shortcut.write(shortcut.values, out, offset);
    return total;
  }

  encodeTo(layers: readonly LayerValue[], sink: PacketSink): number {
    const shortcut = this.pick(layers);
    if (shortcut !== undefined) {
      const slot = sink.reservePacket(this.length);
      shortcut.write(shortcut.values, slot.buffer, slot.offset);
      return this.length;
    }
    const total = encodedLengthGeneric(layers);
    const slot = sink.reservePacket(total);
    // The sink reserves room and encodes nothing, so the layout just made is still the one in place.
    return writeLaidOut(layers, slot.buffer, slot.offset, total);
  }
}

/**
 * Compiles a layer stack (outermost first) for encoding many packets of its shape: the documented way
 * to build packets in a loop. Set fields on the same layer objects (or build new ones alike) and
 * encode each through the result; a stack whose only changes are valid values of patchable fields
 * (ports, addresses, sequence numbers, IDs, TTL, TEID, VNI, VLAN id...) is written from a template,
 * anything else by the generic encoder: the bytes, and the errors, are `encodePacket`'s either way.
 * Throws what `encodePacket(layers)` throws when `layers` itself cannot be encoded.
 */
export function compileStack(layers: readonly LayerValue[]): CompiledStack {
  const length = encodedLengthGeneric(layers);
  encodePacketGeneric(layers); // the generic encoder's error, if it has one, is this one's
  return new CompiledStackEncoder(layers, length);
}
