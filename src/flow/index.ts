// The TCP flow model: deterministic synthesis of whole connections (see simulator.ts).
export { benchFlow, type FlowBenchOptions, type FlowBenchResult, formatFlowBench } from './bench.js';
export { type CapturePointSpec, capturePosition } from './capture-point.js';
export {
  type CongestionAlgorithm,
  type CongestionControl,
  CUBIC_BETA,
  CUBIC_C,
  Cubic,
  createCongestionControl,
  initialWindowBytes,
  NewReno,
} from './congestion.js';
export { type DropEntry, type DropKind, parseDropList } from './drop-list.js';
export {
  type FlowCaptureOptions,
  flowFrames,
  type SegmentAddressing,
  segmentToLayers,
  writeFlowCapture,
} from './packets.js';
export { type DropReason, PathDirection, type PathDirectionConfig, type PathTransit } from './path.js';
export {
  BytesPayload,
  PATTERN_PERIOD,
  PatternPayload,
  type PayloadSource,
  payloadSource,
  printablePatternBytes,
} from './payload.js';
export { niceTicks, type PlotOptions, plotFlow } from './plot.js';
export {
  BernoulliLoss,
  GilbertElliottLoss,
  type GilbertElliottParameters,
  gilbertForMeanLoss,
  type LossProcess,
  SeededRandom,
} from './random.js';
export {
  type ConnectionSummary,
  type ConversationMessage,
  type FlowOptions,
  type FlowResult,
  type FlowStream,
  type FlowSummary,
  streamFlow,
  synthesizeFlow,
} from './simulator.js';
export type { RecoveryState, TraceEvent, TraceEventKind } from './trace.js';
export * from './types.js';
