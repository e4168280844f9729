// Every CLI command, one module each, in the order `pktcraft --help` lists them.
import type { CommandModule } from 'yargs';
import { buildCommand } from './build.js';
import { convertCommand } from './convert.js';
import { decodeCommand } from './decode.js';
import { infoCommand } from './info.js';
import { journeyCommand } from './journey.js';
import { replayCommand } from './replay.js';
import { sendCommand } from './send.js';
import { srCommand } from './sr.js';
import { tcpClientCommand } from './tcp-client.js';
import { tcpFlowCommand } from './tcp-flow.js';
import { verifyCommand } from './verify.js';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [
  journeyCommand,
  buildCommand,
  decodeCommand,
  verifyCommand,
  infoCommand,
  convertCommand,
  tcpFlowCommand,
  sendCommand,
  srCommand,
  replayCommand,
  tcpClientCommand,
];
