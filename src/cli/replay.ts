/**
 * `pktcraft replay FILE --interface IF [--speed X | --pps N | --topspeed] [--loop N] [--force]`: send a
 * capture's frames with their original gaps (like tcpreplay), report sent/failed and the achieved rate.
 * Ctrl-C stops at once and prints what was sent.
 */
import type { CommandModule } from 'yargs';
import { readCaptureRecords } from '../inject/capture-file.js';
import { replayRecords } from '../inject/replay.js';
import { interruptSignal } from './send.js';

interface ReplayArgs {
  file: string;
  interface?: string;
  speed?: number;
  pps?: number;
  topspeed?: boolean;
  loop: number;
  force?: boolean;
  json?: boolean;
  realtime: boolean;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay <file>',
  describe: 'Replay a pcap/pcapng onto an interface, keeping its timing (like tcpreplay)',
  builder: (yargs) =>
    yargs
      .positional('file', {
        type: 'string',
        demandOption: true,
        describe: 'capture file (Ethernet link type)',
      })
      .option('interface', { alias: 'i', type: 'string', describe: 'interface to send on (required)' })
      .option('speed', {
        type: 'number',
        describe: 'speed multiplier for the capture gaps (2 = twice as fast)',
      })
      .option('pps', { type: 'number', describe: 'send at this many packets per second' })
      .option('topspeed', { type: 'boolean', describe: 'send as fast as possible' })
      .option('loop', { type: 'number', default: 1, describe: 'send the capture this many times' })
      .option('force', {
        type: 'boolean',
        describe: 'allow the default-route interface, loopback, oversize frames',
      })
      .option('json', { type: 'boolean', describe: 'print the report as JSON' })
      .option('realtime', {
        type: 'boolean',
        default: true,
        describe: 'timed replays run in SCHED_FIFO when permitted (--no-realtime to turn off)',
      })
      .conflicts('speed', ['pps', 'topspeed'])
      .conflicts('pps', 'topspeed'),
  handler: async (args) => {
    const records = readCaptureRecords(args.file);
    const { signal, release } = interruptSignal();
    try {
      const report = await replayRecords(args.interface, records, {
        ...(args.speed !== undefined ? { speed: args.speed } : {}),
        ...(args.pps !== undefined ? { pps: args.pps } : {}),
        topspeed: args.topspeed ?? false,
        loop: args.loop,
        force: args.force ?? false,
        realtime: args.realtime,
        signal,
      });
      if (args.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        const line =
          `${report.interrupted ? 'interrupted: ' : ''}sent ${report.sent} of ${report.total} packets` +
          ` (${report.failed} failed, ${report.bytes} bytes) in ${(report.elapsedMs / 1000).toFixed(3)} s:` +
          ` ${report.packetsPerSecond.toFixed(1)} pps, ${report.megabitsPerSecond.toFixed(2)} Mbps`;
        process.stdout.write(`${line}\n`);
      }
      if (report.interrupted) process.exitCode = 130;
    } finally {
      release();
    }
  },
};
