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
// --- j-dc: the data-centre config blocks ---
export type { DatabaseConfig, DatacentreConfig, ServiceConfig } from './config.js'; // --- end j-dc ---
export {
  defaultJourneyConfig,
  JOURNEY_SCHEMA,
  type JourneyConfig,
  type JourneyMode,
  type RetryBreak,
  resolveJourneyConfig,
} from './config.js';
// --- end j-carriers ---
// --- j-dc: the database model ---
export {
  type ExecutedStatement,
  type InventoryRow,
  OrderDatabase,
  type OrderRow,
  type SqlResult,
  type Statement,
  statementSql,
} from './database.js'; // --- end j-dc ---
// --- j-dc: the data centre ---
export {
  DATACENTRE_HOP_IDS,
  Datacentre,
  type DatacentreHopId,
  type DatacentreResult,
  formatDatacentre,
  renderDatacentre,
  type ServedRequest,
  type TierCall,
} from './datacentre.js'; // --- end j-dc ---
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
// --- j-dc: a TCP conversation (MySQL) ---
export { type ConversationOptions, type ConversationStep, runTcpConversation } from './tcp-conversation.js'; // --- end j-dc ---
export {
  runTcpSession,
  type ServerAction,
  type SessionOptions,
  type SessionResult,
  type Transmission,
} from './tcp-session.js';
