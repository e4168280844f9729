/**
 * A layer stack encoded again and again: gopacket's way of building packets (the layer objects are
 * made once, a few fields are set before each serialization) and what a test loop or a generator
 * written against the ordinary API does. When packet/encode.ts sees the same stack array several
 * times in a row it asks the compiler registered with `useReusedStacks` (this one, registered by
 * engine/index.ts: the packet model does not depend on the engine) to compile it, once, into
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
 * A failed check sends the packet through the generic encoder, which gives the same bytes (or the
 * same error) as ever; the compiled form is then dropped. So the shortcut never changes what is
 * encoded, only how fast. Field names reach the generated source only after they are checked against
 * the layer's own field list and an identifier pattern; values are never written into it.
 */
import { ipv4ToNumber, parseMac } from '../core/address.js';
import { bytesEqual } from '../core/bytes.js';
import type { LayerName, LayerValue } from '../layers/layer.js';
import { codecs, layerNames } from '../layers/registry.js';
import type { AnySchema } from '../layers/schema.js';
import type { ReusedStack } from '../packet/encode.js';
import { encodePacketGeneric } from '../packet/encode-generic.js';
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

/**
 * Compiles `layers` for repeated encoding (with `changing`, only the fields named there are patched;
 * the others are checked as constants), or returns undefined when it cannot be (unknown keys,
 * structured values, or a packet the generic encoder refuses).
 */
export function compileReusedStack(
  layers: readonly LayerValue[],
  changing?: ReadonlySet<string>,
): ReusedStack | undefined {
  if (layers.length === 0) return undefined;
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
          ).bits;
        } catch {
          patch = undefined;
          bits = 0;
        }
        if (patch !== undefined) {
          const index = specs.length;
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
  try {
    const template = compileTemplate(layers, specs, { interpretOnly: true });
    if (template.length !== frame.length) return undefined;
    write = generateValueWriter(template.writerPlan());
  } catch {
    return undefined;
  }
  lines.push('return true;');
  const factory = new Function(
    'C',
    'K',
    'same',
    'ipv4Value',
    'macValue',
    `return function check(layers, values) {\n${lines.join('\n')}\n};`,
  ) as (
    constantsList: readonly unknown[],
    copiesList: readonly (Uint8Array | undefined)[],
    same: typeof bytesEqual,
    ipv4: typeof ipv4Value,
    mac: typeof macValue,
  ) => ReusedStack['check'];
  return {
    layers,
    length: frame.length,
    values: new Float64Array(specs.length),
    check: factory(constants, copies, bytesEqual, ipv4Value, macValue),
    write,
  };
}
