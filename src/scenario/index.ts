// The scenario engine and its scenarios: the order journey first.
export {
  // --- j-dc: the data-centre config blocks ---
  type DatabaseConfig,
  type DatacentreConfig,
  defaultJourneyConfig,
  JOURNEY_SCHEMA,
  type JourneyConfig,
  type JourneyMode,
  type RetryBreak,
  // --- end j-dc ---
  resolveJourneyConfig,
  routerMac,
  type ServiceConfig,
} from './config.js';
export {
  type ExecutedStatement,
  type InventoryRow,
  OrderDatabase,
  type OrderRow,
  type SqlResult,
  type Statement,
  statementSql,
} from './database.js';
// --- j-dc: the data centre and its database ---
export {
  DATACENTRE_HOP_IDS,
  Datacentre,
  type DatacentreHopId,
  type DatacentreResult,
  formatDatacentre,
  renderDatacentre,
  type ServedRequest,
  type TierCall,
} from './datacentre.js';
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
// --- end j-dc ---
export { decrementTtl, rewriteAddress, rewritePort } from './rewrite.js';
export { mergeOver, type Schema, validate } from './schema.js';
export { formatHopTable, formatLadder } from './summary.js';
export { type ConversationOptions, type ConversationStep, runTcpConversation } from './tcp-conversation.js';
export {
  runTcpSession,
  type ServerAction,
  type SessionOptions,
  type SessionResult,
  type Transmission,
} from './tcp-session.js';
