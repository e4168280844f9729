/**
 * pktcraft's public API: what a user of the library needs, chosen deliberately (a test pins the list,
 * test/index.test.ts). Building and encoding packets (builders, encodePacket, compileStack for many
 * packets of one shape), decoding them, the text spec and JSON, captures (reader, writer, parser,
 * conversion), the fast engine (generateToCapture), the TCP flow synthesizer, errors, and the address
 * and byte helpers a user needs to fill fields and read results.
 *
 * Everything else (codecs, layout and field locators, checksum internals, the engine's template
 * plumbing, CLI helpers) is internal: import paths below `src/` are not a stable interface.
 */

// Captures.
export * from './capture/index.js';
// Address, byte and checksum helpers for filling fields and reading results.
export {
  formatIPv4,
  formatIPv6,
  formatMac,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  isMac,
  numberToIpv4,
  parseIPv4,
  parseIPv6,
  parseMac,
} from './core/address.js';
export { fromHex, toHex } from './core/bytes.js';
export { checksumVerifies, internetChecksum } from './core/checksum.js';
// Errors.
export { CaptureError, DecodeError, FieldError, InjectError, isUserError, SpecError } from './core/errors.js';
// The fast engine: a packet compiled once, fields varied per packet, streamed into a capture.
export {
  type GenerateOptions,
  type GenerateResult,
  generateToCapture,
  type TimestampOptions,
} from './engine/generate.js';
// Encoding, decoding, the text spec, JSON and human output.
export { type CompiledStack, compileStack } from './engine/reuse.js';
export type { VarySpec } from './engine/vary.js';
// The TCP flow synthesizer.
export type { CapturePointSpec } from './flow/capture-point.js';
export type { CongestionAlgorithm } from './flow/congestion.js';
export type { DropEntry, DropKind } from './flow/drop-list.js';
export {
  type FlowCaptureOptions,
  flowFrames,
  type SegmentAddressing,
  writeFlowCapture,
} from './flow/packets.js';
export type { GilbertElliottParameters } from './flow/random.js';
export {
  type ConnectionSummary,
  type FlowOptions,
  type FlowResult,
  type FlowSummary,
  synthesizeFlow,
} from './flow/simulator.js';
export type { CapturedSegment, Side } from './flow/types.js';
// Layers: builders, their field types, and the numbers users write in fields (the list is
// src/layers/index.ts, so that a new protocol is one line there).
export * from './layers/index.js';
export {
  type DecodeAs,
  type DecodedLayer,
  type DecodedLayerOf,
  type DecodedPacket,
  type DecodeOptions,
  decodePacket,
  type FirstLayer,
} from './packet/decode.js';
export {
  encodedLength,
  encodePacket,
  encodePacketInto,
  encodePacketTo,
  MAX_LAYERS,
  type PacketEncoder,
  type PacketSink,
} from './packet/encode.js';
export { type FragmentOptions, type FragmentOrder, fragment, mtuWarning } from './packet/fragment.js';
export {
  type JsonValue,
  type LayerJson,
  layersFromJson,
  type PacketJson,
  packetToJson,
} from './packet/json.js';
export {
  type PushResult,
  type Reassembled,
  Reassembler,
  type ReassemblerOptions,
  type ReassemblyProblem,
  type ReassemblyReason,
} from './packet/reassemble.js';
export { formatHexDump, formatTree } from './packet/show.js';
export { formatSpec, parseSpec } from './packet/spec.js';
