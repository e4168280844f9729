/**
 * The fast engine: compile a packet once, vary fields per packet, stream into a capture.
 *
 * `--vary` syntax (see vary.ts for the full grammar): `layer[N].field=EXPR`, N the occurrence of the
 * layer counted from 0 at the outside (default 0; negative counts from the inside, -1 innermost);
 * EXPR one of `V`, `A..B`, `A+`, `A+S`, `V1,V2,...`, `random`, `random(A..B,seed=N)`.
 */
export { locateField, variableFieldNames, type WireField, type WireKind } from './fields.js';
export {
  type FramingOptions,
  fillRecords,
  type GenerateOptions,
  type GenerateResult,
  generateToCapture,
  linkTypeFor,
  MIN_PACKETS_PER_WORKER,
  recordLength,
  type TimestampOptions,
} from './generate.js';
export { type CompiledStack, compileStack } from './reuse.js';
export {
  type BoundField,
  CompiledTemplate,
  compileTemplate,
  layoutOf,
  type StackLayout,
  type TemplateOptions,
} from './template.js';
export { type Generator, generatedValue, parseGenerator, parseVary, type VarySpec } from './vary.js';
