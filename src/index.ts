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
// Layers: builders, their field types, and the numbers users write in fields.
export { ARP_OPERATIONS, type ArpAddress, type ArpFields, type ArpLayer, arp } from './layers/arp.js';
export { bytesOf } from './layers/bytes-value.js';
export { ETHER_HEADER_LENGTH, type EtherFields, type EtherLayer, ether } from './layers/ethernet.js';
export {
  GTPU_EXTENSION,
  GTPU_FLAG,
  GTPU_HEADER_LENGTH,
  GTPU_MESSAGE,
  type GtpuExtension,
  type GtpuFields,
  type GtpuLayer,
  gtpu,
  type PduSessionFields,
} from './layers/gtpu.js';
export { ICMP_TYPE, ICMP_TYPE_NAMES, type IcmpFields, type IcmpLayer, icmp } from './layers/icmp.js';
export {
  ICMPV6_TYPE,
  ICMPV6_TYPE_NAMES,
  type Icmpv6Fields,
  type Icmpv6Layer,
  icmpv6,
  NA_FLAG,
  type NdpOption,
} from './layers/icmpv6.js';
export {
  IPV4_FLAG,
  IPV4_HEADER_LENGTH,
  type Ipv4Fields,
  type Ipv4Layer,
  type Ipv4Option,
  ipv4,
} from './layers/ipv4.js';
export { IPV6_HEADER_LENGTH, type Ipv6Fields, type Ipv6Layer, ipv6 } from './layers/ipv6.js';
export {
  type Ipv6destFields,
  type Ipv6destLayer,
  type Ipv6fragFields,
  type Ipv6fragLayer,
  type Ipv6hopFields,
  type Ipv6hopLayer,
  type Ipv6Option,
  type Ipv6routeFields,
  type Ipv6routeLayer,
  ipv6dest,
  ipv6frag,
  ipv6hop,
  ipv6route,
} from './layers/ipv6-ext.js';
export type {
  Bindings,
  BytesValue,
  FieldInfo,
  FieldKind,
  FieldValue,
  LayerName,
  LayerValue,
  Problem,
} from './layers/layer.js';
export { bindingsWith, defaultBindings, ETHERTYPE, IP_PROTOCOL, UDP_PORT } from './layers/numbers.js';
export { type RawFields, type RawLayer, raw } from './layers/raw.js';
export { isLayerName, layerNames } from './layers/registry.js';
export {
  type SackBlock,
  TCP_FLAGS,
  TCP_HEADER_LENGTH,
  type TcpFields,
  type TcpLayer,
  type TcpOptionInfo,
  tcp,
} from './layers/tcp.js';
export { type ChecksumStatus, UDP_HEADER_LENGTH, type UdpFields, type UdpLayer, udp } from './layers/udp.js';
export { type Dot1qFields, type Dot1qLayer, dot1q } from './layers/vlan.js';
export { VXLAN_HEADER_LENGTH, type VxlanFields, type VxlanLayer, vxlan } from './layers/vxlan.js';
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
export {
  type JsonValue,
  type LayerJson,
  layersFromJson,
  type PacketJson,
  packetToJson,
} from './packet/json.js';
export { formatHexDump, formatTree } from './packet/show.js';
export { formatSpec, parseSpec } from './packet/spec.js';
