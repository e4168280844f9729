// The scenario engine and its scenarios: the order journey first.
export {
  defaultJourneyConfig,
  JOURNEY_SCHEMA,
  type JourneyConfig,
  type JourneyMode,
  type RetryBreak,
  resolveJourneyConfig,
  routerMac,
} from './config.js';
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
// --- j-setup: tunnel setup and name lookup ---
export {
  answerRecords,
  CHOICE_RULE,
  controlHops,
  formatSetupLadder,
  type JourneySetup,
  lookupName,
  type NameLookup,
  planSetup,
  renderSetup,
  S5C_HOP,
  S11_HOP,
  type SetupMessage,
  type SignalledFteid,
} from './setup.js';
// --- end j-setup ---
export { formatHopTable, formatLadder } from './summary.js';
export {
  runTcpSession,
  type ServerAction,
  type SessionOptions,
  type SessionResult,
  type Transmission,
} from './tcp-session.js';
