/**
 * A compiled template: a packet encoded once, the places of the fields that vary, and every checksum
 * that covers them, so that packet i is made by copying the template and patching a few bytes.
 *
 * Checksums are updated incrementally (RFC 1624) in one's-complement arithmetic, which is arithmetic
 * modulo 0xFFFF: a changed region contributes (new sum - old sum) mod 0xFFFF, and a region that starts
 * at an odd offset relative to a checksum's word alignment contributes its byte-swapped sum, which is
 * the same as multiplying by 256 modulo 0xFFFF (2^16 ≡ 1). Checksums are then visited inside-out: an
 * inner TCP checksum, the inner IPv4 header checksum, the VXLAN flow-hash source port, the outer UDP
 * checksum (which covers the new inner checksums), the outer IPv4 header checksum. A checksum the
 * packet sets explicitly stays as set, as `encodePacket` writes it; a computed UDP 0 is sent as 0xFFFF.
 *
 * Nothing here allocates per packet (except random values of fields wider than 32 bits).
 */
import { FieldError } from '../core/errors.js';
import { ipv4Schema } from '../layers/ipv4.js';
import { ipv6Schema } from '../layers/ipv6.js';
import type { LayerName, LayerValue } from '../layers/layer.js';
import { codecs, layerNames } from '../layers/registry.js';
import {
  type AnySchema,
  type ChecksumCoverage,
  type FieldSchema,
  offsetOf,
  type PositionLocator,
} from '../layers/schema.js';
import { UDP_HEADER_LENGTH, vxlanSourcePort } from '../layers/udp.js';
import { VXLAN_HEADER_LENGTH } from '../layers/vxlan.js';
import { encodePacketGeneric } from '../packet/encode-generic.js';
import {
  GEN_BIGINT,
  GEN_LIST,
  GEN_RANDOM,
  GEN_RANGE,
  GEN_STEP,
  type GeneratedWriters,
  generateWriters,
  STEP_CHECKSUM,
  STEP_VXLAN_SPORT,
  type WriterPlan,
} from './codegen.js';
import { locateField, type WireKind } from './fields.js';
import { contribution, fold, remainder, swap16 } from './ones.js';
import {
  type Generator,
  generatedValue,
  parseGenerator,
  parseVary,
  randomWord,
  type VarySpec,
} from './vary.js';

/** Where each layer of a stack sits once encoded (mirrors packet/encode.ts's layout). */
export interface StackLayout {
  readonly offsets: readonly number[];
  readonly headerLengths: readonly number[];
  readonly payloadEnds: readonly number[];
  readonly ends: readonly number[];
  /** Offset of the nearest enclosing IPv4/IPv6 header before each layer; version 0 when none. */
  readonly ipVersions: readonly (0 | 4 | 6)[];
  readonly ipOffsets: readonly number[];
  readonly length: number;
}

export function layoutOf(layers: readonly LayerValue[]): StackLayout {
  const offsets: number[] = [];
  const headerLengths: number[] = [];
  const ipVersions: (0 | 4 | 6)[] = [];
  const ipOffsets: number[] = [];
  let offset = 0;
  let ipVersion: 0 | 4 | 6 = 0;
  let ipOffset = 0;
  for (const [i, layer] of layers.entries()) {
    const length = codecs[layer.layer].headerLength(layer.fields, layers[i - 1]?.layer);
    offsets.push(offset);
    headerLengths.push(length);
    ipVersions.push(ipVersion);
    ipOffsets.push(ipOffset);
    if (layer.layer === 'ipv4' || layer.layer === 'ipv6') {
      ipVersion = layer.layer === 'ipv4' ? 4 : 6;
      ipOffset = offset;
    }
    offset += length;
  }
  const payloadEnds = new Array<number>(layers.length);
  const ends = new Array<number>(layers.length);
  let end = offset;
  for (let i = layers.length - 1; i >= 0; i--) {
    payloadEnds[i] = end;
    end += layers[i]!.trailer?.length ?? 0;
    ends[i] = end;
  }
  return { offsets, headerLengths, payloadEnds, ends, ipVersions, ipOffsets, length: end };
}

/** One varying field, bound to the template. */
export interface BoundField {
  readonly spec: VarySpec;
  /** Index of the layer in the stack. */
  readonly layerIndex: number;
  readonly kind: WireKind;
  /** Absolute byte offset in the frame. */
  readonly offset: number;
  readonly width: number;
  readonly shift: number;
  readonly bits: number;
  readonly generator: Generator;
}

// Generator codes (GEN_BIGINT: random over a span wider than 2^32, or any generator of an IPv6
// field that cannot use the word path) and step codes are shared with the code generator.

interface ChecksumPlan {
  type: number;
  layerIndex: number;
  /** Offset of the 16-bit field written (checksum or source port). */
  field: number;
  udp: boolean;
  /** Regions [start, end, alignment base]. */
  regions: [number, number, number][];
  /** VXLAN source port: the inner frame. */
  innerStart: number;
  innerEnd: number;
}

/** Options for `compileTemplate`. */
export interface TemplateOptions {
  /** Seed for `random` expressions that give none; default 1. */
  seed?: number | undefined;
  /** Never generate code: every packet through the interpreter (for tests and comparison). */
  interpretOnly?: boolean | undefined;
}

interface ChecksumDeclaration {
  readonly name: string;
  readonly offset: number;
  /** For a checksum only some headers carry (GRE's, with C set): where it is, or why it is not there. */
  readonly locate: PositionLocator | undefined;
  readonly covers: ChecksumCoverage;
  readonly zeroAs: number | undefined;
}

/** The pseudo-header's addresses in an IP header: [start, end) of source and destination, from the schemas. */
const addressSpan = (src: FieldSchema, dst: FieldSchema): readonly [number, number] => [
  offsetOf(src),
  offsetOf(dst) + (dst.at?.width ?? 0),
];
const IPV4_ADDRESSES = addressSpan(ipv4Schema.src, ipv4Schema.dst);
const IPV6_ADDRESSES = addressSpan(ipv6Schema.src, ipv6Schema.dst);

/** Each layer's checksum field (a fixed-position field of role `checksum`), from its schema. */
const CHECKSUMS: Partial<Record<LayerName, ChecksumDeclaration>> = {};
for (const layer of layerNames) {
  for (const [name, field] of Object.entries(codecs[layer].schema as AnySchema)) {
    if (field.role === 'checksum' && (field.at || field.locate) && field.covers)
      CHECKSUMS[layer] = {
        name,
        offset: field.at?.offset ?? 0,
        locate: field.at ? undefined : field.locate,
        covers: field.covers,
        zeroAs: field.zeroAs,
      };
  }
}

/**
 * A packet compiled for fast generation. `writePacket(index, out, offset)` writes packet `index` into
 * `out` at `offset` (`length` bytes) without allocating.
 */
export class CompiledTemplate {
  readonly layers: readonly LayerValue[];
  readonly frame: Uint8Array;
  readonly length: number;
  readonly layout: StackLayout;
  readonly fields: readonly BoundField[];

  // Fields (flattened for the hot loop).
  private readonly fieldCount: number;
  private readonly fOffset: Int32Array;
  private readonly fWidth: Int32Array;
  private readonly fShift: Int32Array;
  private readonly fMask: Float64Array;
  private readonly fIsWord: Uint8Array;
  private readonly fGen: Uint8Array;
  private readonly fBase: Float64Array;
  private readonly fSpan: Float64Array;
  private readonly fSpanHi: Float64Array;
  private readonly fSpanLo: Float64Array;
  private readonly fStep: Float64Array;
  private readonly fModulus: Float64Array;
  private readonly fSeed: Uint32Array;
  private readonly fListStart: Int32Array;
  private readonly fListLength: Int32Array;
  private readonly lists: Float64Array;
  /** IPv6 fields: base as four 32-bit words; lists as four words per value. */
  private readonly fIpv6: Uint8Array;
  private readonly fBaseWords: Uint32Array;
  private readonly words = new Uint32Array(4);

  // Spans: merged byte ranges of the fields, with the template's contribution.
  private readonly spanCount: number;
  private readonly sStart: Int32Array;
  private readonly sEnd: Int32Array;
  /** 0xFFFF minus the template's folded contribution: adding it subtracts the old bytes. */
  private readonly sNegOld: Int32Array;

  // Steps (inside-out): checksums and the VXLAN source port.
  private readonly stepCount: number;
  private readonly kType: Uint8Array;
  private readonly kField: Int32Array;
  private readonly kUdp: Uint8Array;
  private readonly kOld: Int32Array;
  private readonly kInnerStart: Int32Array;
  private readonly kInnerEnd: Int32Array;
  private readonly kSourceStart: Int32Array;
  private readonly kSourceEnd: Int32Array;
  private readonly sourceNode: Int32Array;
  private readonly sourceSwap: Uint8Array;
  /** Per-packet deltas: spans first, then steps. */
  private readonly delta: Int32Array;

  constructor(
    layers: readonly LayerValue[],
    vary: readonly (string | VarySpec)[],
    options: TemplateOptions = {},
  ) {
    if (layers.length === 0) throw new FieldError('engine', 'layers', 'the packet has no layers');
    this.layers = layers;
    this.frame = encodePacketGeneric(layers);
    this.layout = layoutOf(layers);
    this.length = this.frame.length;
    if (this.layout.length !== this.length) {
      throw new FieldError(
        'engine',
        'layers',
        `layout gives ${this.layout.length} bytes, encodePacket ${this.length}`,
      );
    }
    const seed = (options.seed ?? 1) >>> 0;
    const specs = vary.map((item) => (typeof item === 'string' ? parseVary(item) : item));
    this.fields = specs.map((spec, index) => this.bind(spec, index, seed));
    for (let a = 0; a < this.fields.length; a++) {
      for (let b = a + 1; b < this.fields.length; b++) {
        const x = this.fields[a]!;
        const y = this.fields[b]!;
        if (x.offset === y.offset && x.width === y.width && x.shift === y.shift && x.bits === y.bits) {
          throw new FieldError(
            x.spec.layer,
            x.spec.field,
            `varied twice ('${x.spec.text}' and '${y.spec.text}')`,
          );
        }
      }
    }

    // Fields.
    const n = this.fields.length;
    this.fieldCount = n;
    this.fOffset = new Int32Array(n);
    this.fWidth = new Int32Array(n);
    this.fShift = new Int32Array(n);
    this.fMask = new Float64Array(n);
    this.fIsWord = new Uint8Array(n);
    this.fGen = new Uint8Array(n);
    this.fBase = new Float64Array(n);
    this.fSpan = new Float64Array(n);
    this.fSpanHi = new Float64Array(n);
    this.fSpanLo = new Float64Array(n);
    this.fStep = new Float64Array(n);
    this.fModulus = new Float64Array(n);
    this.fSeed = new Uint32Array(n);
    this.fListStart = new Int32Array(n);
    this.fListLength = new Int32Array(n);
    this.fIpv6 = new Uint8Array(n);
    this.fBaseWords = new Uint32Array(n * 4);
    const listValues: number[] = [];
    for (let f = 0; f < n; f++) {
      const field = this.fields[f]!;
      const gen = field.generator;
      this.fOffset[f] = field.offset;
      this.fWidth[f] = field.width;
      this.fShift[f] = field.shift;
      this.fMask[f] = field.bits >= 32 ? 0 : ((1 << field.bits) - 1) << field.shift;
      this.fIsWord[f] =
        field.kind === 'uint' && (field.shift !== 0 || field.bits !== field.width * 8) ? 1 : 0;
      this.fModulus[f] = field.bits <= 48 ? 2 ** field.bits : 0;
      const ipv6 = field.kind === 'ipv6';
      this.fIpv6[f] = ipv6 ? 1 : 0;
      const base = gen.kind === 'list' ? 0n : gen.base;
      if (ipv6) {
        for (let w = 0; w < 4; w++)
          this.fBaseWords[f * 4 + w] = Number((base >> BigInt(96 - 32 * w)) & 0xffffffffn);
      } else {
        this.fBase[f] = Number(base);
      }
      switch (gen.kind) {
        case 'range':
          this.fGen[f] = GEN_RANGE;
          this.fSpan[f] = gen.span;
          break;
        case 'step':
          this.fGen[f] = GEN_STEP;
          this.fStep[f] = gen.step;
          break;
        case 'list':
          this.fGen[f] = ipv6 ? GEN_BIGINT : GEN_LIST;
          this.fListStart[f] = listValues.length;
          this.fListLength[f] = gen.values.length;
          if (!ipv6) for (const value of gen.values) listValues.push(Number(value));
          break;
        case 'random':
          if (gen.span <= 0x100000000n && !ipv6) {
            this.fGen[f] = GEN_RANDOM;
            this.fSpan[f] = Number(gen.span);
            this.fSpanHi[f] = Math.floor(Number(gen.span) / 65536);
            this.fSpanLo[f] = Number(gen.span) % 65536;
            this.fSeed[f] = gen.seed;
          } else {
            this.fGen[f] = GEN_BIGINT;
          }
          break;
      }
    }
    this.lists = Float64Array.from(listValues);

    // Spans: merge overlapping field ranges.
    const ranges = this.fields.map((field) => [field.offset, field.offset + field.width] as [number, number]);
    ranges.sort((a, b) => a[0] - b[0]);
    const spans: [number, number][] = [];
    for (const range of ranges) {
      const last = spans[spans.length - 1];
      if (last && range[0] < last[1]) last[1] = Math.max(last[1], range[1]);
      else spans.push([range[0], range[1]]);
    }
    this.spanCount = spans.length;
    this.sStart = Int32Array.from(spans.map((s) => s[0]));
    this.sEnd = Int32Array.from(spans.map((s) => s[1]));
    this.sNegOld = Int32Array.from(spans.map((s) => 0xffff - fold(contribution(this.frame, 0, s[0], s[1]))));

    // Steps.
    const plans = this.planSteps(spans);
    this.stepCount = plans.length;
    this.kType = Uint8Array.from(plans.map((p) => p.type));
    this.kField = Int32Array.from(plans.map((p) => p.field));
    this.kUdp = Uint8Array.from(plans.map((p) => (p.udp ? 1 : 0)));
    this.kOld = Int32Array.from(plans.map((p) => (this.frame[p.field]! << 8) | this.frame[p.field + 1]!));
    this.kInnerStart = Int32Array.from(plans.map((p) => p.innerStart));
    this.kInnerEnd = Int32Array.from(plans.map((p) => p.innerEnd));
    this.kSourceStart = new Int32Array(plans.length);
    this.kSourceEnd = new Int32Array(plans.length);
    const sourceNodes: number[] = [];
    const sourceSwaps: number[] = [];
    for (let k = 0; k < plans.length; k++) {
      const plan = plans[k]!;
      this.kSourceStart[k] = sourceNodes.length;
      if (plan.type === STEP_CHECKSUM) {
        for (const [start, end, alignment] of plan.regions) {
          const swap = (alignment & 1) === 1 ? 1 : 0;
          for (let s = 0; s < spans.length; s++) {
            const [a, b] = spans[s]!;
            if (a < end && b > start) {
              if (a < start || b > end) {
                throw new FieldError(
                  'engine',
                  'vary',
                  `a varying field straddles the edge of a checksummed region at ${start}..${end}`,
                );
              }
              sourceNodes.push(s);
              sourceSwaps.push(swap);
            }
          }
          for (let j = 0; j < k; j++) {
            const inner = plans[j]!;
            if (inner.field >= start && inner.field + 2 <= end) {
              sourceNodes.push(spans.length + j);
              sourceSwaps.push(swap);
            }
          }
        }
      }
      this.kSourceEnd[k] = sourceNodes.length;
    }
    this.sourceNode = Int32Array.from(sourceNodes);
    this.sourceSwap = Uint8Array.from(sourceSwaps);
    this.delta = new Int32Array(spans.length + plans.length);
    const plan = this.writerPlan();
    this.generated = options.interpretOnly
      ? undefined
      : generateWriters(plan, (f, index, out, base) => this.writeField(f, index, out, base));
  }

  /** The generated writers (undefined only with `interpretOnly`). */
  readonly generated: GeneratedWriters | undefined;

  /** The flattened tables as the code generator takes them. */
  writerPlan(): WriterPlan {
    return {
      frame: this.frame,
      lists: this.lists,
      fields: this.fields.map((field, f) => ({
        offset: this.fOffset[f]!,
        width: this.fWidth[f]!,
        shift: this.fShift[f]!,
        mask: this.fMask[f]!,
        isWord: this.fIsWord[f] === 1,
        bits: field.bits,
        generator: this.fIpv6[f] === 1 ? GEN_BIGINT : this.fGen[f]!,
        base: this.fBase[f]!,
        span: this.fSpan[f]!,
        spanHi: this.fSpanHi[f]!,
        spanLo: this.fSpanLo[f]!,
        step: this.fStep[f]!,
        modulus: this.fModulus[f]!,
        seed: this.fSeed[f]!,
        listStart: this.fListStart[f]!,
        listLength: this.fListLength[f]!,
      })),
      spans: Array.from({ length: this.spanCount }, (_, s) => ({
        start: this.sStart[s]!,
        end: this.sEnd[s]!,
        negOld: this.sNegOld[s]!,
      })),
      steps: Array.from({ length: this.stepCount }, (_, k) => {
        const sources: { node: number; swap: boolean }[] = [];
        for (let j = this.kSourceStart[k]!; j < this.kSourceEnd[k]!; j++)
          sources.push({ node: this.sourceNode[j]!, swap: this.sourceSwap[j] === 1 });
        return {
          type: this.kType[k]!,
          field: this.kField[k]!,
          udp: this.kUdp[k] === 1,
          old: this.kOld[k]!,
          innerStart: this.kInnerStart[k]!,
          innerEnd: this.kInnerEnd[k]!,
          sources,
        };
      }),
    };
  }

  private bind(spec: VarySpec, index: number, seed: number): BoundField {
    const positions: number[] = [];
    this.layers.forEach((layer, i) => {
      if (layer.layer === spec.layer) positions.push(i);
    });
    const position = spec.occurrence < 0 ? positions.length + spec.occurrence : spec.occurrence;
    const layerIndex = positions[position];
    if (layerIndex === undefined) {
      throw new FieldError(
        spec.layer,
        spec.field,
        `--vary '${spec.text}': the packet has ${positions.length} ${spec.layer} layer${positions.length === 1 ? '' : 's'} (occurrence ${spec.occurrence})`,
      );
    }
    const header = this.layout.offsets[layerIndex]!;
    const wire = locateField(
      spec.layer as LayerName,
      spec.field,
      this.frame,
      header,
      this.layout.headerLengths[layerIndex]!,
      this.layout.payloadEnds[layerIndex]!,
      this.layers[layerIndex - 1]?.layer,
    );
    const generator = parseGenerator(spec, wire.kind, wire.bits, index, seed);
    return {
      spec,
      layerIndex,
      kind: wire.kind,
      offset: header + wire.offset,
      width: wire.width,
      shift: wire.shift,
      bits: wire.bits,
      generator,
    };
  }

  /** The checksums (and derived source ports) that may change, innermost first. */
  private planSteps(spans: readonly [number, number][]): ChecksumPlan[] {
    const plans: ChecksumPlan[] = [];
    const { offsets, ends, headerLengths, ipVersions, ipOffsets, payloadEnds } = this.layout;
    const changes = (start: number, end: number): boolean =>
      spans.some(([a, b]) => a < end && b > start) || plans.some((p) => p.field >= start && p.field < end);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const fields = layer.fields as Record<string, unknown>;
      const offset = offsets[i]!;
      const end = ends[i]!;
      const pseudo: [number, number, number][] = [];
      const ipOffset = ipOffsets[i]!;
      const addresses =
        ipVersions[i] === 4 ? IPV4_ADDRESSES : ipVersions[i] === 6 ? IPV6_ADDRESSES : undefined;
      if (addresses) pseudo.push([ipOffset + addresses[0], ipOffset + addresses[1], ipOffset + addresses[0]]);
      const add = (field: number, udp: boolean, regions: [number, number, number][]): void => {
        if (regions.some(([start, stop]) => changes(start, stop))) {
          plans.push({ type: STEP_CHECKSUM, layerIndex: i, field, udp, regions, innerStart: 0, innerEnd: 0 });
        }
      };
      if (layer.layer === 'udp') {
        const next = this.layers[i + 1];
        if (fields.sport === undefined && next?.layer === 'vxlan') {
          const innerStart = offset + UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH;
          const innerEnd = payloadEnds[i]!;
          const varied = this.fields.some((f) => f.layerIndex === i && f.spec.field === 'sport');
          if (!varied && changes(innerStart, innerEnd)) {
            plans.push({
              type: STEP_VXLAN_SPORT,
              layerIndex: i,
              field: offset,
              udp: false,
              regions: [],
              innerStart,
              innerEnd,
            });
          }
        }
      }
      // The layer's checksum, as its schema declares it (place, coverage, a computed 0 sent as 0xffff).
      const checksum = CHECKSUMS[layer.layer];
      const located = checksum?.locate?.(
        this.frame,
        offset,
        headerLengths[i] ?? 0,
        this.layers[i - 1]?.layer,
      );
      if (checksum !== undefined && fields[checksum.name] === undefined && typeof located !== 'string') {
        const field = offset + (located?.offset ?? checksum.offset);
        const udp = checksum.zeroAs === 0xffff;
        switch (checksum.covers) {
          case 'header':
            add(field, udp, [[offset, offset + headerLengths[i]!, offset]]);
            break;
          case 'pseudo-header+layer':
            if (ipVersions[i] !== 0) add(field, udp, [...pseudo, [offset, end, offset]]);
            break;
          case 'layer':
            add(field, udp, [[offset, end, offset]]);
            break;
          case 'layer+pseudo-header-v6':
            add(
              field,
              udp,
              ipVersions[i] === 6 ? [...pseudo, [offset, end, offset]] : [[offset, end, offset]],
            );
            break;
        }
      }
    }
    return plans;
  }

  /** The value of field `f` in packet `index`, as an unsigned integer (for tests and descriptions). */
  valueAt(f: number, index: number): bigint {
    const field = this.fields[f]!;
    return generatedValue(field.generator, field.bits, index);
  }

  /**
   * Writes packet `index` into `out` at `base` (`this.length` bytes). `out` must have room;
   * this is the hot path: no allocation, no bounds checks beyond the typed array's own.
   */
  writePacket(index: number, out: Uint8Array, base: number): void {
    if (this.generated) this.generated.writePacket(index, out, base);
    else this.writePacketInterpreted(index, out, base);
  }

  /** The generic path (every template can take it); the generated writer must give the same bytes. */
  writePacketInterpreted(index: number, out: Uint8Array, base: number): void {
    out.set(this.frame, base);
    const n = this.fieldCount;
    for (let f = 0; f < n; f++) this.writeField(f, index, out, base);
    // Span deltas, in one's-complement arithmetic on int32 (folded: 0 and 0xFFFF both mean zero).
    const delta = this.delta;
    const spanCount = this.spanCount;
    for (let s = 0; s < spanCount; s++) {
      delta[s] = fold(contribution(out, base, this.sStart[s]!, this.sEnd[s]!) + this.sNegOld[s]!);
    }
    // Checksums and derived ports, inside-out.
    const steps = this.stepCount;
    for (let k = 0; k < steps; k++) {
      const at = base + this.kField[k]!;
      const old = this.kOld[k]!;
      let value: number;
      if (this.kType[k] === STEP_VXLAN_SPORT) {
        value = vxlanSourcePort(out, base + this.kInnerStart[k]!, base + this.kInnerEnd[k]!);
      } else {
        let acc = 0;
        const end = this.kSourceEnd[k]!;
        for (let j = this.kSourceStart[k]!; j < end; j++) {
          const d = delta[this.sourceNode[j]!]!;
          acc += this.sourceSwap[j] === 1 ? swap16(d) : d;
        }
        acc = fold(acc);
        if (acc === 0 || acc === 0xffff) {
          delta[spanCount + k] = 0;
          continue;
        }
        const udp = this.kUdp[k] === 1;
        const current = udp && old === 0xffff ? 0 : old;
        value = ~fold((~current & 0xffff) + acc) & 0xffff;
        if (udp && value === 0) value = 0xffff;
      }
      out[at] = value >>> 8;
      out[at + 1] = value;
      const d = fold(value + (0xffff - old));
      delta[spanCount + k] = (at - base) & 1 ? swap16(d) : d;
    }
  }

  private writeField(f: number, index: number, out: Uint8Array, base: number): void {
    const at = base + this.fOffset[f]!;
    if (this.fIpv6[f] === 1) {
      this.writeIpv6(f, index, out, at);
      return;
    }
    let value: number;
    switch (this.fGen[f]) {
      case GEN_RANGE:
        value = this.fBase[f]! + remainder(index, this.fSpan[f]!);
        break;
      case GEN_STEP: {
        // A power-of-two modulus: exact with a multiply by its (exact) inverse and a floor.
        const raw = this.fBase[f]! + index * this.fStep[f]!;
        const modulus = this.fModulus[f]!;
        value = raw - Math.floor(raw / modulus) * modulus;
        break;
      }
      case GEN_LIST:
        value = this.lists[this.fListStart[f]! + remainder(index, this.fListLength[f]!)]!;
        break;
      case GEN_RANDOM: {
        const word = randomWord(this.fSeed[f]!, index, 0);
        const high = word * this.fSpanHi[f]!;
        const low = Math.floor((word * this.fSpanLo[f]!) / 65536);
        value = this.fBase[f]! + Math.floor((high + low) / 65536);
        break;
      }
      default:
        value = Number(this.valueAt(f, index));
        break;
    }
    const width = this.fWidth[f]!;
    if (this.fIsWord[f] === 1) {
      // A bit field: merge into the big-endian word already in place (1-3 bytes here).
      let word = 0;
      for (let b = 0; b < width; b++) word = (word << 8) | out[at + b]!;
      const mask = this.fMask[f]!;
      word = (word & ~mask) | ((value << this.fShift[f]!) & mask);
      for (let b = width - 1; b >= 0; b--) {
        out[at + b] = word;
        word >>>= 8;
      }
      return;
    }
    if (width === 6) {
      const high = Math.floor(value / 4294967296);
      out[at] = high >>> 8;
      out[at + 1] = high;
      value >>>= 0;
      out[at + 2] = value >>> 24;
      out[at + 3] = value >>> 16;
      out[at + 4] = value >>> 8;
      out[at + 5] = value;
      return;
    }
    for (let b = width - 1; b >= 0; b--) {
      out[at + b] = value;
      value >>>= 8;
    }
  }

  private writeIpv6(f: number, index: number, out: Uint8Array, at: number): void {
    const words = this.words;
    const gen = this.fGen[f];
    if (gen === GEN_RANGE || gen === GEN_STEP) {
      const add = gen === GEN_RANGE ? remainder(index, this.fSpan[f]!) : index * this.fStep[f]!;
      let carry = add % 4294967296;
      let high = Math.floor(add / 4294967296);
      for (let w = 3; w >= 0; w--) {
        const sum = this.fBaseWords[f * 4 + w]! + carry;
        words[w] = sum >>> 0;
        carry = (sum >= 4294967296 ? 1 : 0) + high;
        high = 0;
      }
    } else {
      const value = this.valueAt(f, index);
      for (let w = 0; w < 4; w++) words[w] = Number((value >> BigInt(96 - 32 * w)) & 0xffffffffn);
    }
    for (let w = 0; w < 4; w++) {
      const word = words[w]!;
      const p = at + w * 4;
      out[p] = word >>> 24;
      out[p + 1] = word >>> 16;
      out[p + 2] = word >>> 8;
      out[p + 3] = word;
    }
  }
}

/** Compiles `layers` with `vary` expressions (see vary.ts for the syntax). */
export function compileTemplate(
  layers: readonly LayerValue[],
  vary: readonly (string | VarySpec)[] = [],
  options: TemplateOptions = {},
): CompiledTemplate {
  return new CompiledTemplate(layers, vary, options);
}
