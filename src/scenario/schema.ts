/**
 * A small validator for JSON scenario files: a schema describes every key, and `validate` walks a
 * value against it, naming the bad key by its dotted path in a FieldError
 * (`config.tunnels.s1u.uplinkTeid: must be an integer from 1 to 4294967295, got "abc"`).
 *
 * Unknown keys are errors too (a typo must not silently fall back to a default), and the message
 * lists the keys that are known at that level.
 */
import { isIPv4, isMac } from '../core/address.js';
import { FieldError } from '../core/errors.js';

export type Schema =
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Schema>>; readonly doc?: string }
  | { readonly kind: 'uint'; readonly min?: number; readonly max: number; readonly doc?: string }
  | { readonly kind: 'number'; readonly min: number; readonly max: number; readonly doc?: string }
  | { readonly kind: 'bool'; readonly doc?: string }
  | { readonly kind: 'ipv4'; readonly doc?: string }
  | { readonly kind: 'mac'; readonly doc?: string }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly doc?: string }
  | { readonly kind: 'string'; readonly maxLength: number; readonly pattern?: RegExp; readonly doc?: string }
  | { readonly kind: 'array'; readonly of: Schema; readonly maxItems: number; readonly doc?: string }
  | { readonly kind: 'nullable'; readonly of: Schema; readonly doc?: string };

/** The root name in error messages: `config.<path>`. */
const ROOT = 'config';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

function fail(path: string, reason: string): never {
  throw new FieldError(ROOT, path || '(root)', reason);
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Checks `value` against `schema`; returns it unchanged when valid, throws FieldError naming the key otherwise. */
export function validate(value: unknown, schema: Schema, path = ''): unknown {
  switch (schema.kind) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        fail(path, `must be an object, got ${describe(value)}`);
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(schema.fields, key)) {
          fail(join(path, key), `unknown key (known here: ${Object.keys(schema.fields).join(', ')})`);
        }
      }
      for (const [key, fieldSchema] of Object.entries(schema.fields)) {
        if (!Object.hasOwn(record, key)) fail(join(path, key), 'missing');
        validate(record[key], fieldSchema, join(path, key));
      }
      return value;
    }
    case 'uint': {
      const min = schema.min ?? 0;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > schema.max) {
        fail(path, `must be an integer from ${min} to ${schema.max}, got ${describe(value)}`);
      }
      return value;
    }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < schema.min || value > schema.max) {
        fail(path, `must be a number from ${schema.min} to ${schema.max}, got ${describe(value)}`);
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(path, `must be true or false, got ${describe(value)}`);
      return value;
    case 'ipv4':
      if (typeof value !== 'string' || !isIPv4(value))
        fail(path, `must be an IPv4 address like "192.0.2.1", got ${describe(value)}`);
      return value;
    case 'mac':
      if (typeof value !== 'string' || !isMac(value))
        fail(path, `must be a MAC address like "02:00:00:00:00:01", got ${describe(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        fail(
          path,
          `must be one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
        );
      }
      return value;
    case 'string':
      if (typeof value !== 'string' || value.length > schema.maxLength) {
        fail(path, `must be a string of at most ${schema.maxLength} characters, got ${describe(value)}`);
      }
      if (schema.pattern && !schema.pattern.test(value))
        fail(path, `must match ${schema.pattern}, got ${describe(value)}`);
      return value;
    case 'array': {
      if (!Array.isArray(value)) fail(path, `must be an array, got ${describe(value)}`);
      if (value.length > schema.maxItems)
        fail(path, `must have at most ${schema.maxItems} items, got ${value.length}`);
      value.forEach((item, index) => {
        validate(item, schema.of, join(path, index));
      });
      return value;
    }
    case 'nullable':
      if (value === null) return value;
      return validate(value, schema.of, path);
  }
}

/**
 * Deep-merges `override` onto `base`: objects merge key by key, anything else (arrays included)
 * replaces. Keys of `override` unknown to `base` are kept so that `validate` can name them.
 */
export function mergeOver(base: unknown, override: unknown): unknown {
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof override !== 'object' ||
    override === null ||
    Array.isArray(override)
  ) {
    return override === undefined ? base : override;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override as Record<string, unknown>)) {
    out[key] = Object.hasOwn(out, key) ? mergeOver(out[key], value) : value;
  }
  return out;
}
