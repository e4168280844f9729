// The scenario engine and its scenarios: the order journey first.

// --- j-carriers: the carriers ---
export {
  type CarrierLink,
  type CarrierRouter,
  type CarrierSegment,
  type CarriersConfig,
  type CoreLink,
  type CorePop,
  carrierLinks,
  carrierRouteLine,
  carrierRouterCount,
  formatCarrierPath,
  type LinkLabel,
  labelEntry,
} from './carriers.js';
export {
  defaultJourneyConfig,
  JOURNEY_SCHEMA,
  type JourneyConfig,
  type JourneyMode,
  type RetryBreak,
  resolveJourneyConfig,
} from './config.js';
// --- end j-carriers ---
export {
  type HopStats,
  hopFileName,
  hopStats,
  orderedPackets,
  type Scenario,
  type ScenarioFiles,
  type ScenarioHop,
  type ScenarioPacket,
  writeScenario,
} from './engine.js';
export {
  type HopKind,
  innerPacketAt,
  type JourneyHop,
  journeyHops,
  publicPhoneAddress,
  wrapAt,
} from './hops.js';
export { buildJourney, flagNames, type JourneyConnection, type JourneyResult } from './journey.js';
export {
  forwardedRequest,
  type HttpMessage,
  headerOf,
  type OrderResult,
  OrderStore,
  orderBody,
  orderResponse,
  parseHttp,
  phoneRequest,
} from './order-service.js';
export { decrementTtl, rewriteAddress, rewritePort } from './rewrite.js';
export { mergeOver, type Schema, validate } from './schema.js';
export { formatHopTable, formatLadder } from './summary.js';
export {
  runTcpSession,
  type ServerAction,
  type SessionOptions,
  type SessionResult,
  type Transmission,
} from './tcp-session.js';
