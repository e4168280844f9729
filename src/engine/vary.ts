/**
 * The `--vary` syntax: which field of which layer changes from packet to packet, and how.
 *
 *   FIELD=EXPR
 *   FIELD  := layer[.field]            the first (outermost) layer of that name, e.g. `gtpu.teid`
 *           | layer[N].field           the N-th layer of that name, 0-based from the outside:
 *                                      `ipv4[0]` outer IPv4, `ipv4[1]` the one inside a tunnel
 *           | layer[-N].field          counted from the inside: `ipv4[-1]` is the innermost IPv4
 *   EXPR   := V                        the same value in every packet
 *           | A..B                     A, A+1, ..., B, then A again (packet i gets A + i mod (B-A+1))
 *           | A+  |  A+S               A + i·S (S defaults to 1), wrapping at the field's width
 *           | V1,V2,V3                 a list, taken in turn (packet i gets V[i mod n])
 *           | random | random(A..B) | random(A..B,seed=N) | random(seed=N)
 *                                      uniform in [A, B] (default the field's whole range), a
 *                                      function of (seed, field, i) only, so any packet can be made
 *                                      alone (worker threads) and the same seed gives the same bytes
 *   Values are written as the field is: integers in decimal or 0x hex (flags fields also take their
 *   letters, e.g. tcp.flags=S,SA,A), IPv4 dotted, IPv6 text, MAC with colons.
 *   i is the packet's index, 0 for the first packet.
 *
 * Examples: `gtpu.teid=1..1000000`, `ipv4[1].src=10.0.0.0+`, `udp.sport=49152..65535`,
 * `vxlan.vni=0+`, `tcp.seq=0+1448`, `ipv6.dst=2001:db8::1+`, `raw.u32@0=random(seed=7)`.
 */
import { ipv4ToNumber, parseIPv6, parseMac } from '../core/address.js';
import { FieldError } from '../core/errors.js';
import { isLayerName } from '../layers/index.js';
import type { LayerName } from '../layers/layer.js';
import { codecs } from '../layers/registry.js';
import type { WireKind } from './fields.js';

/** A parsed `--vary` argument, before it is bound to a packet. */
export interface VarySpec {
  readonly layer: LayerName;
  /** Occurrence of the layer: 0 outermost; negative counts from the inside (-1 innermost). */
  readonly occurrence: number;
  readonly field: string;
  /** The text after '='. */
  readonly expression: string;
  /** The whole argument, for error messages. */
  readonly text: string;
}

/** Parses `layer[N].field=EXPR`; the expression is checked when bound to a field (its kind is known then). */
export function parseVary(text: string): VarySpec {
  const eq = text.indexOf('=');
  if (eq < 0) throw new FieldError('vary', text, "expected FIELD=EXPR, e.g. 'gtpu.teid=1..1000000'");
  const name = text.slice(0, eq).trim();
  const expression = text.slice(eq + 1).trim();
  const match = /^([a-z0-9]+)(?:\[(-?\d+)\])?\.([A-Za-z0-9_@]+)$/.exec(name);
  if (!match)
    throw new FieldError('vary', name, "expected layer.field or layer[N].field, e.g. 'ipv4[1].src'");
  const layer = match[1]!;
  if (!isLayerName(layer)) throw new FieldError('vary', name, `unknown layer '${layer}'`);
  if (expression === '') throw new FieldError('vary', name, 'empty expression after =');
  return {
    layer,
    occurrence: match[2] === undefined ? 0 : Number(match[2]),
    field: match[3]!,
    expression,
    text,
  };
}

/** How values are produced; numbers for fields up to 48 bits, bigint only at compile time for IPv6. */
export type Generator =
  | { readonly kind: 'range'; readonly base: bigint; readonly span: number }
  | { readonly kind: 'step'; readonly base: bigint; readonly step: number }
  | { readonly kind: 'list'; readonly values: readonly bigint[] }
  | { readonly kind: 'random'; readonly base: bigint; readonly span: bigint; readonly seed: number };

/** Parses one value of a field of `kind`/`bits` to an unsigned integer. */
export function parseValue(spec: VarySpec, kind: WireKind, bits: number, text: string): bigint {
  const fail = (reason: string): never => {
    throw new FieldError(spec.layer, spec.field, `--vary '${spec.text}': ${reason}`);
  };
  const value = text.trim();
  let result: bigint | undefined;
  if (kind === 'ipv4') {
    const number = ipv4ToNumber(value);
    if (number === undefined) fail(`'${value}' is not an IPv4 address`);
    result = BigInt(number!);
  } else if (kind === 'mac') {
    let bytes: Uint8Array | undefined;
    try {
      bytes = parseMac(value);
    } catch {
      fail(`'${value}' is not a MAC address`);
    }
    result = bytesToBigInt(bytes!);
  } else if (kind === 'ipv6') {
    let bytes: Uint8Array | undefined;
    try {
      bytes = parseIPv6(value);
    } catch {
      fail(`'${value}' is not an IPv6 address`);
    }
    result = bytesToBigInt(bytes!);
  } else if (/^(0x[0-9a-fA-F]+|\d+)$/.test(value)) {
    result = BigInt(value);
  } else {
    const parseFlags = codecs[spec.layer].schema[spec.field]?.parseFlags;
    const flags = parseFlags?.(value);
    if (flags === undefined) fail(`'${value}' is not an integer`);
    result = BigInt(flags!);
  }
  if (result! >= 1n << BigInt(bits)) fail(`${value} does not fit in ${bits} bits`);
  return result!;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Splits on '..' once (IPv6 uses ':', never '.', so '..' is unambiguous). */
function splitRange(text: string): [string, string] | undefined {
  const at = text.indexOf('..');
  return at < 0 ? undefined : [text.slice(0, at), text.slice(at + 2)];
}

/** Compiles an expression for a field of `kind` and `bits`. */
export function parseGenerator(
  spec: VarySpec,
  kind: WireKind,
  bits: number,
  fieldSalt: number,
  defaultSeed: number,
): Generator {
  const fail = (reason: string): never => {
    throw new FieldError(spec.layer, spec.field, `--vary '${spec.text}': ${reason}`);
  };
  const expression = spec.expression;
  const full = (1n << BigInt(bits)) - 1n;
  const random = /^random(?:\((.*)\))?$/.exec(expression);
  if (random) {
    let base = 0n;
    let last = full;
    let seed = defaultSeed;
    for (const part of (random[1] ?? '').split(',').map((p) => p.trim())) {
      if (part === '') continue;
      const seedMatch = /^seed=(\d+)$/.exec(part);
      if (seedMatch) {
        seed = Number(seedMatch[1]) >>> 0;
        continue;
      }
      const range = splitRange(part);
      if (!range) fail(`random(...) takes A..B and seed=N, got '${part}'`);
      base = parseValue(spec, kind, bits, range![0]);
      last = parseValue(spec, kind, bits, range![1]);
      if (last < base) fail(`empty range ${part}`);
    }
    return {
      kind: 'random',
      base,
      span: last - base + 1n,
      seed: (seed ^ Math.imul(fieldSalt + 1, 0x9e3779b9)) >>> 0,
    };
  }
  const range = splitRange(expression);
  if (range) {
    const base = parseValue(spec, kind, bits, range[0]);
    const last = parseValue(spec, kind, bits, range[1]);
    if (last < base) fail(`empty range: ${range[1]} is below ${range[0]}`);
    const span = last - base + 1n;
    if (span > MAX_SAFE) fail('a range may hold at most 2^53 values');
    return { kind: 'range', base, span: Number(span) };
  }
  const step = /^(.*[^+])\+(\d*)$/.exec(expression);
  if (step && !expression.includes(',')) {
    const base = parseValue(spec, kind, bits, step[1]!);
    const by = step[2] === '' ? 1 : Number(step[2]);
    if (!Number.isSafeInteger(by) || by < 1) fail(`bad step '${step[2]}'`);
    return { kind: 'step', base, step: by };
  }
  const values = expression.split(',').map((part) => parseValue(spec, kind, bits, part));
  if (values.length === 0) fail('empty list');
  return { kind: 'list', values };
}

/** The value generator's output for packet `index`, as an unsigned integer below 2^bits (bigint: for docs and tests). */
export function generatedValue(generator: Generator, bits: number, index: number): bigint {
  const modulus = 1n << BigInt(bits);
  const i = BigInt(index);
  switch (generator.kind) {
    case 'range':
      return generator.base + (i % BigInt(generator.span));
    case 'step':
      return (generator.base + i * BigInt(generator.step)) % modulus;
    case 'list':
      return generator.values[index % generator.values.length]!;
    case 'random':
      return generator.base + randomOffset(generator.seed, index, generator.span);
  }
}

/** A 32-bit avalanche mix (murmur3's fmix32 constants, as in "lowbias32"). */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The k-th 32-bit random word of packet `index` for `seed` (counter-based: any index in any order). */
export function randomWord(seed: number, index: number, k: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 4294967296);
  return mix32(mix32(mix32(seed ^ Math.imul(k + 1, 0x85ebca6b)) ^ low) ^ high);
}

/** A uniform offset in [0, span) (bigint, exact for any span up to 2^128). */
export function randomOffset(seed: number, index: number, span: bigint): bigint {
  if (span <= 0x100000000n) {
    return (BigInt(randomWord(seed, index, 0)) * span) >> 32n;
  }
  let wide = 0n;
  for (let k = 0; k < 5; k++) wide = (wide << 32n) | BigInt(randomWord(seed, index, k));
  return (wide * span) >> 160n;
}
