/**
 * Code generation for a compiled template: one straight-line JavaScript function per template, with
 * every offset, generator constant, checksum source and byte-swap decision written in as a literal,
 * instead of the generic loop of `CompiledTemplate.writePacketInterpreted` that reads them from typed
 * arrays on every packet. The same technique as protobuf.js or fast-json-stringify: the plan is data
 * the engine computed (numbers only; `literal` refuses anything else), so no user text reaches the
 * generated source.
 *
 * Two functions are made:
 * - `writePacket(index, out, base)`: packet `index` at `base`, the template copied first.
 * - `fillPcap(first, count, out, at, copyTemplate, startSec, startNsec, intervalNs, nano)`: framed
 *   classic pcap records. With `copyTemplate` false the template bytes are taken to be in place
 *   already (a reused buffer holding records of this template at the same offsets): only the varying
 *   bytes, every derived checksum and length, and the record timestamps are written.
 *
 * Both give exactly the bytes of the interpreted path (the engine tests compare them). Each generated
 * function carries a `//# sourceURL=pktcraft-generated/...` comment, so profilers and stack traces name
 * it. Where the runtime disallows code generation (`node --disallow-code-generation-from-strings`,
 * a CSP) `generateWriters` returns undefined and the template keeps to its interpreter.
 */
import { vxlanSourcePort } from '../layers/udp.js';
import { contribution, fold, remainder, swap16 } from './ones.js';
import { randomWord } from './vary.js';

export const GEN_RANGE = 0;
export const GEN_STEP = 1;
export const GEN_LIST = 2;
export const GEN_RANDOM = 3;
export const GEN_BIGINT = 4;

export const STEP_CHECKSUM = 0;
export const STEP_VXLAN_SPORT = 1;

/** What the generated writer needs: the compiled template's flattened tables. */
export interface WriterPlan {
  readonly frame: Uint8Array;
  readonly lists: Float64Array;
  readonly fields: readonly {
    readonly offset: number;
    readonly width: number;
    readonly shift: number;
    /** Mask of a bit field in its big-endian word (isWord), else unused. */
    readonly mask: number;
    readonly isWord: boolean;
    readonly bits: number;
    readonly generator: number;
    readonly base: number;
    readonly span: number;
    readonly spanHi: number;
    readonly spanLo: number;
    readonly step: number;
    readonly modulus: number;
    readonly seed: number;
    readonly listStart: number;
    readonly listLength: number;
  }[];
  readonly spans: readonly { readonly start: number; readonly end: number; readonly negOld: number }[];
  readonly steps: readonly {
    readonly type: number;
    readonly field: number;
    readonly udp: boolean;
    readonly old: number;
    readonly innerStart: number;
    readonly innerEnd: number;
    /** Delta nodes summed: span index, or spans.length + step index; with a byte swap or not. */
    readonly sources: readonly { readonly node: number; readonly swap: boolean }[];
  }[];
}

export type PacketWriter = (index: number, out: Uint8Array, base: number) => void;
export type PcapFiller = (
  first: number,
  count: number,
  out: Uint8Array,
  at: number,
  copyTemplate: boolean,
  startSec: number,
  startNsec: number,
  intervalNs: number,
  nano: boolean,
) => number;

export interface GeneratedWriters {
  readonly writePacket: PacketWriter;
  readonly fillPcap: PcapFiller;
  /** The generated source of the packet body (for tests and for reading). */
  readonly source: string;
}

/** A number as a source literal; anything but a finite number is a bug in the engine. */
function literal(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`codegen: not a number: ${value}`);
  return Object.is(value, -0) ? '0' : String(value);
}

/** Writes field `f` of packet `index` the interpreter's way (IPv6 addresses, BigInt generators). */
export type SlowFieldWriter = (f: number, index: number, out: Uint8Array, base: number) => void;

/**
 * The statements that write packet `index` (variables `index`, `out`, `b`) after the template is in
 * place. With `fromValues`, field f's value is `values[f]` (a Float64Array the caller filled) instead
 * of its generator's.
 */
function packetBody(plan: WriterPlan, fromValues = false): string {
  const lines: string[] = [];
  plan.fields.forEach((field, f) => {
    const v = `v${f}`;
    if (fromValues) {
      if (field.width > 6) throw new Error('codegen: a value field wider than 48 bits');
      lines.push(`let ${v} = values[${literal(f)}];`);
    } else if (field.generator === GEN_BIGINT || field.width > 6) {
      lines.push(`slow(${literal(f)}, index, out, b);`);
      return;
    } else {
      lines.push(...generatorLines(field, v));
    }
    writeFieldLines(lines, field, f, v);
  });
  checksumLines(lines, plan);
  return lines.join('\n');
}

/** `let v = ...` for a field's generator at packet `index`. */
function generatorLines(field: WriterPlan['fields'][number], v: string): string[] {
  const lines: string[] = [];
  switch (field.generator) {
    case GEN_RANGE:
      lines.push(`let ${v} = ${literal(field.base)} + rem(index, ${literal(field.span)});`);
      break;
    case GEN_STEP:
      if (field.bits <= 32) {
        const wrap = field.bits === 32 ? '>>> 0' : `& ${literal(field.modulus - 1)}`;
        lines.push(`let ${v} = ((${literal(field.base)} + index * ${literal(field.step)}) ${wrap}) >>> 0;`);
      } else {
        lines.push(
          `let ${v} = ${literal(field.base)} + index * ${literal(field.step)};`,
          `${v} = ${v} - Math.floor(${v} / ${literal(field.modulus)}) * ${literal(field.modulus)};`,
        );
      }
      break;
    case GEN_LIST:
      lines.push(`let ${v} = lists[${literal(field.listStart)} + rem(index, ${literal(field.listLength)})];`);
      break;
    case GEN_RANDOM:
      lines.push(
        `const w${v} = random(${literal(field.seed)}, index);`,
        `let ${v} = ${literal(field.base)} + Math.floor((w${v} * ${literal(field.spanHi)} + Math.floor((w${v} * ${literal(field.spanLo)}) / 65536)) / 65536);`,
      );
      break;
    default:
      throw new Error(`codegen: generator ${field.generator}`);
  }
  return lines;
}

/** Stores field value `v` at the field's bytes (bit fields merged into the word in place). */
function writeFieldLines(lines: string[], field: WriterPlan['fields'][number], f: number, v: string): void {
  const at = (k: number) => `out[b + ${literal(field.offset + k)}]`;
  if (field.isWord) {
    const word = Array.from({ length: field.width }, (_, k) => `(${at(k)} << ${8 * (field.width - 1 - k)})`);
    lines.push(
      `let word${f} = ${word.join(' | ')};`,
      `word${f} = (word${f} & ${literal(~field.mask)}) | ((${v} << ${literal(field.shift)}) & ${literal(field.mask)});`,
    );
    for (let k = field.width - 1; k >= 0; k--) {
      lines.push(`${at(k)} = word${f}${k === field.width - 1 ? '' : ` >>> ${8 * (field.width - 1 - k)}`};`);
    }
  } else if (field.width === 6) {
    lines.push(
      `const high${f} = Math.floor(${v} / 4294967296);`,
      `${at(0)} = high${f} >>> 8;`,
      `${at(1)} = high${f};`,
      `${v} >>>= 0;`,
      `${at(2)} = ${v} >>> 24;`,
      `${at(3)} = ${v} >>> 16;`,
      `${at(4)} = ${v} >>> 8;`,
      `${at(5)} = ${v};`,
    );
  } else {
    for (let k = 0; k < field.width; k++) {
      const shift = 8 * (field.width - 1 - k);
      lines.push(`${at(k)} = ${v}${shift === 0 ? '' : ` >>> ${shift}`};`);
    }
  }
}

/** Span deltas, then checksums and derived ports inside-out (RFC 1624). */
function checksumLines(lines: string[], plan: WriterPlan): void {
  // Span deltas: (new contribution − old) in one's-complement, each byte at its word position.
  plan.spans.forEach((span, s) => {
    if (span.end - span.start > MAX_INLINE_SPAN) {
      lines.push(
        `const d${s} = fold(contribution(out, b, ${literal(span.start)}, ${literal(span.end)}) + ${literal(span.negOld)});`,
      );
      return;
    }
    const terms: string[] = [];
    for (let i = span.start; i < span.end; i++) {
      terms.push((i & 1) === 1 ? `out[b + ${i}]` : `(out[b + ${i}] << 8)`);
    }
    lines.push(`const d${s} = fold(${terms.join(' + ')} + ${literal(span.negOld)});`);
  });
  const spanCount = plan.spans.length;
  plan.steps.forEach((step, k) => {
    const node = `d${spanCount + k}`;
    const at = literal(step.field);
    if (step.type === STEP_VXLAN_SPORT) {
      lines.push(
        `const p${k} = vxlanSourcePort(out, b + ${literal(step.innerStart)}, b + ${literal(step.innerEnd)});`,
        `out[b + ${at}] = p${k} >>> 8;`,
        `out[b + ${literal(step.field + 1)}] = p${k};`,
        `let ${node} = fold(p${k} + ${literal(0xffff - step.old)});`,
      );
      if ((step.field & 1) === 1) lines.push(`${node} = swap16(${node});`);
      return;
    }
    const sources = step.sources.map((source) =>
      source.swap ? `swap16(d${source.node})` : `d${source.node}`,
    );
    const current = step.udp && step.old === 0xffff ? 0 : step.old;
    lines.push(
      `const a${k} = fold(${sources.length > 0 ? sources.join(' + ') : '0'});`,
      `let ${node} = 0;`,
      `if (a${k} === 0 || a${k} === 0xffff) {`,
      // Unchanged: the template's value (written, since a reused buffer may hold another packet's).
      `  out[b + ${at}] = ${literal(step.old >>> 8)};`,
      `  out[b + ${literal(step.field + 1)}] = ${literal(step.old & 0xff)};`,
      '} else {',
      `  let c${k} = ~fold(${literal(~current & 0xffff)} + a${k}) & 0xffff;`,
      ...(step.udp ? [`  if (c${k} === 0) c${k} = 0xffff;`] : []),
      `  out[b + ${at}] = c${k} >>> 8;`,
      `  out[b + ${literal(step.field + 1)}] = c${k};`,
      `  ${node} = fold(c${k} + ${literal(0xffff - step.old)});`,
      ...((step.field & 1) === 1 ? [`  ${node} = swap16(${node});`] : []),
      '}',
    );
  });
}

/** Spans longer than this (a varying payload) are summed by a loop, not an inline expression. */
const MAX_INLINE_SPAN = 32;

let generatedCount = 0;

/** The name a generated function's source goes by in stack traces and profiles. */
function sourceUrl(kind: string): string {
  generatedCount++;
  return `\n//# sourceURL=pktcraft-generated/${kind}-${generatedCount}.js`;
}

/**
 * Generates the two writers for `plan`; `slow` writes the fields plain numbers cannot carry.
 * Undefined when the runtime disallows code generation from strings (the interpreter then writes).
 */
export function generateWriters(plan: WriterPlan, slow: SlowFieldWriter): GeneratedWriters | undefined {
  const body = packetBody(plan);
  const length = literal(plan.frame.length);
  const source = `
function writePacket(index, out, b) {
  out.set(frame, b);
${body}
}
function fillPcap(first, count, out, at, copyTemplate, startSec, startNsec, intervalNs, nano) {
  const last = first + count;
  for (let index = first; index < last; index++) {
    const t = startNsec + index * intervalNs;
    const carry = Math.floor(t / 1e9);
    const sec = startSec + carry;
    const nsec = t - carry * 1e9;
    const fraction = nano ? nsec : Math.floor(nsec / 1000);
    out[at] = sec; out[at + 1] = sec >>> 8; out[at + 2] = sec >>> 16; out[at + 3] = sec >>> 24;
    out[at + 4] = fraction; out[at + 5] = fraction >>> 8; out[at + 6] = fraction >>> 16; out[at + 7] = fraction >>> 24;
    if (copyTemplate) {
      out[at + 8] = ${length}; out[at + 9] = ${length} >>> 8; out[at + 10] = ${length} >>> 16; out[at + 11] = ${length} >>> 24;
      out[at + 12] = ${length}; out[at + 13] = ${length} >>> 8; out[at + 14] = ${length} >>> 16; out[at + 15] = ${length} >>> 24;
      out.set(frame, at + 16);
    }
    const b = at + 16;
${body}
    at = b + ${length};
  }
  return at;
}
return { writePacket, fillPcap };${sourceUrl('template-writers')}`;
  type Factory = (
    frame: Uint8Array,
    lists: Float64Array,
    slow: SlowFieldWriter,
    sourcePort: typeof vxlanSourcePort,
    foldSum: typeof fold,
    swap: typeof swap16,
    rem: typeof remainder,
    sum: typeof contribution,
    random: (seed: number, index: number) => number,
  ) => { writePacket: PacketWriter; fillPcap: PcapFiller };
  let factory: Factory;
  try {
    factory = new Function(
      'frame',
      'lists',
      'slow',
      'vxlanSourcePort',
      'fold',
      'swap16',
      'rem',
      'contribution',
      'random',
      source,
    ) as Factory;
  } catch (error) {
    if (error instanceof EvalError) return undefined; // code generation disallowed: interpret
    throw error;
  }
  const made = factory(
    plan.frame,
    plan.lists,
    slow,
    vxlanSourcePort,
    fold,
    swap16,
    remainder,
    contribution,
    (seed, index) => randomWord(seed, index, 0),
  );
  return { writePacket: made.writePacket, fillPcap: made.fillPcap, source: body };
}

/** Writes the template with field f set to `values[f]` (every field a number up to 48 bits). */
export type ValueWriter = (values: Float64Array, out: Uint8Array, base: number) => void;

/**
 * Generates a writer whose field values come from the caller (see engine/reuse.ts) instead of
 * generators. Throws EvalError where code generation is disallowed (compileStack then encodes generically).
 */
export function generateValueWriter(plan: WriterPlan): ValueWriter {
  const source = `
return function writeValues(values, out, b) {
  out.set(frame, b);
${packetBody(plan, true)}
};${sourceUrl('stack-writer')}`;
  const factory = new Function('frame', 'vxlanSourcePort', 'fold', 'swap16', 'contribution', source) as (
    frame: Uint8Array,
    sourcePort: typeof vxlanSourcePort,
    foldSum: typeof fold,
    swap: typeof swap16,
    sum: typeof contribution,
  ) => ValueWriter;
  return factory(plan.frame, vxlanSourcePort, fold, swap16, contribution);
}
