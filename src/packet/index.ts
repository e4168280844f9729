// The packet model: encode, decode, the text spec, JSON and human output.
export {
  type DecodeAs,
  type DecodedLayer,
  type DecodedLayerOf,
  type DecodedPacket,
  type DecodeOptions,
  decodePacket,
  type FirstLayer,
  firstLayerOf,
} from './decode.js';
export {
  encodedLength,
  encodePacket,
  encodePacketInto,
  encodePacketTo,
  MAX_LAYERS,
  type PacketEncoder,
  type PacketSink,
} from './encode.js';
export {
  type JsonValue,
  type LayerJson,
  layersFromJson,
  type PacketJson,
  packetToJson,
  toJsonValue,
} from './json.js';
export { formatHexDump, formatTree } from './show.js';
export { formatSpec, parseSpec } from './spec.js';
