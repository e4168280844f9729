// Every CLI command, one module each: import it and push it here.
import type { CommandModule } from 'yargs';
import { buildCommand } from './build.js';
import { decodeCommand } from './decode.js';
import { verifyCommand } from './verify.js';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules have heterogeneous argument types
export const commands: CommandModule<any, any>[] = [buildCommand, decodeCommand, verifyCommand];
import { convertCommand } from './convert.js';
commands.push(convertCommand);
import { infoCommand } from './info.js';
commands.push(infoCommand);
import { replayCommand } from './replay.js';
import { sendCommand } from './send.js';
import { srCommand } from './sr.js';
import { tcpClientCommand } from './tcp-client.js';
commands.push(sendCommand);
commands.push(srCommand);
commands.push(replayCommand);
commands.push(tcpClientCommand);
import { journeyCommand } from './journey.js';
commands.push(journeyCommand);
import { tcpFlowCommand } from './tcp-flow.js';
commands.push(tcpFlowCommand);
