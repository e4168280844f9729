/**
 * The stable JSON form of a decoded packet. Layer and field names are the spec's own, bytes are
 * lowercase hex strings, so `layersFromJson(packetToJson(decoded))` (or the spec made by formatSpec)
 * rebuilds the same bytes. `info` holds derived, read-only facts (checksum status, parsed options).
 */
import { toHex } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import type { LayerName, LayerValue, Problem } from '../layers/layer.js';
import { codecs, isLayerName } from '../layers/registry.js';
import type { DecodedPacket } from './decode.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface LayerJson {
  layer: LayerName;
  offset: number;
  length: number;
  fields: Record<string, JsonValue>;
  trailer?: string;
  info?: Record<string, JsonValue>;
}

export interface PacketJson {
  layers: LayerJson[];
  problems: Problem[];
}

/** Converts any decoded value to plain JSON: Uint8Array → hex, bigint → string, Map → object. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toJsonValue(inner);
    return out;
  }
  return String(value);
}

export function packetToJson(decoded: DecodedPacket): PacketJson {
  return {
    layers: decoded.layers.map((layer) => {
      const json: LayerJson = {
        layer: layer.layer,
        offset: layer.offset,
        length: layer.end - layer.offset,
        fields: toJsonValue(layer.fields) as Record<string, JsonValue>,
      };
      if (layer.trailer && layer.trailer.length > 0) json.trailer = toHex(layer.trailer);
      if (layer.info) json.info = toJsonValue(layer.info) as Record<string, JsonValue>;
      return json;
    }),
    problems: decoded.problems,
  };
}

/**
 * Layer values from the JSON form (what `decode --json` prints, or a hand-written list). Unknown
 * layers or fields are a FieldError naming them; `offset`, `length` and `info` are ignored.
 */
export function layersFromJson(json: { layers: readonly unknown[] } | readonly unknown[]): LayerValue[] {
  const list = Array.isArray(json) ? json : (json as { layers: readonly unknown[] }).layers;
  if (!Array.isArray(list)) throw new FieldError('packet', 'layers', 'expected an array of layers');
  return list.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null)
      throw new FieldError('packet', `layers[${index}]`, 'expected an object');
    const { layer, fields, trailer } = entry as { layer?: unknown; fields?: unknown; trailer?: unknown };
    if (typeof layer !== 'string' || !isLayerName(layer)) {
      throw new FieldError('packet', `layers[${index}].layer`, `unknown layer '${String(layer)}'`);
    }
    const schema = codecs[layer].schema;
    const values: Record<string, unknown> = {};
    if (fields !== undefined) {
      if (typeof fields !== 'object' || fields === null) {
        throw new FieldError(layer, `layers[${index}].fields`, 'expected an object');
      }
      for (const [name, value] of Object.entries(fields)) {
        if (!Object.hasOwn(schema, name))
          throw new FieldError(layer, name, `unknown field (layers[${index}])`);
        if (value !== null) values[name] = value;
      }
    }
    if (trailer !== undefined && typeof trailer !== 'string')
      throw new FieldError(layer, 'trailer', 'expected a hex string');
    const trailerBytes = trailer ? Buffer.from(trailer, 'hex') : undefined;
    return trailerBytes?.length
      ? { layer, fields: values, trailer: new Uint8Array(trailerBytes) }
      : { layer, fields: values };
  });
}
