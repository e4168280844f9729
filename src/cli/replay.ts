/**
 * `pktcraft replay FILE --interface IF [--speed X | --pps N | --topspeed] [--loop N] [--force]
 * [--capture ANSWERS.pcapng]`: send a capture's frames with their original gaps (like tcpreplay), report
 * sent/failed and the achieved rate. Ctrl-C stops at once and prints what was sent. With `--capture`, what
 * the interface receives meanwhile (the peers' answers) is written to a capture with the kernel's receive
 * times; SIGINT, SIGTERM and SIGHUP then close it as a valid file and exit 128 + the signal.
 */
import type { CommandModule } from 'yargs';
import { type CaptureWriter, createCaptureWriter } from '../capture/writer.js';
import { InjectError } from '../core/errors.js';
import { readCaptureRecords } from '../inject/capture-file.js';
import { type ReplayCapture, replayRecords } from '../inject/replay.js';
import { captureFormatFor } from './output.js';
import { interruptSignal } from './send.js';
import { guardWriting } from './signals.js';

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
  capture?: string;
  'capture-wait': number;
  format?: 'pcap' | 'pcapng';
}

/** The LINKTYPE_ETHERNET writer of `--capture`, fed with the kernel's receive times. */
function answerCapture(writer: CaptureWriter, waitMs: number): ReplayCapture {
  return {
    waitMs,
    onFrame(frame) {
      let sec = frame.timestampSec;
      let nsec = frame.timestampNsec;
      if (sec === 0) {
        const now = Date.now();
        sec = Math.floor(now / 1000);
        nsec = (now % 1000) * 1e6;
      }
      writer.writePacket(frame.bytes, sec, nsec);
    },
  };
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
      .option('capture', {
        alias: 'w',
        type: 'string',
        describe:
          'write what the interface receives during the replay (the answers) to this pcap/pcapng, with the kernel receive times',
      })
      .option('capture-wait', {
        type: 'number',
        default: 1000,
        describe: 'with --capture: ms to keep receiving after the last frame is sent',
      })
      .option('format', {
        choices: ['pcap', 'pcapng'] as const,
        describe: 'format of --capture (default: from its extension)',
      })
      .example('$0 replay probes.pcap -i veth0', 'send with the capture timing')
      .example(
        '$0 replay probes.pcap -i veth0 --capture answers.pcapng --capture-wait 500',
        'and record what the peers answer',
      )
      .conflicts('speed', ['pps', 'topspeed'])
      .conflicts('pps', 'topspeed'),
  handler: async (args) => {
    const records = readCaptureRecords(args.file);
    const waitMs = args['capture-wait'];
    if (!(Number.isFinite(waitMs) && waitMs >= 0)) {
      throw new InjectError('EINVAL', `--capture-wait must be a number of ms, 0 or more, not ${waitMs}`);
    }
    const writer = args.capture
      ? createCaptureWriter(args.capture, {
          format: captureFormatFor(args.capture, args.format),
          linkType: 1,
          tsResolution: 'ns',
        })
      : undefined;
    // With a capture to keep valid: the three stop signals; otherwise Ctrl-C as for send.
    const guard = writer ? guardWriting() : undefined;
    const { signal, release } = guard ? { signal: guard.signal, release: guard.release } : interruptSignal();
    try {
      const report = await replayRecords(args.interface, records, {
        ...(args.speed !== undefined ? { speed: args.speed } : {}),
        ...(args.pps !== undefined ? { pps: args.pps } : {}),
        topspeed: args.topspeed ?? false,
        loop: args.loop,
        force: args.force ?? false,
        realtime: args.realtime,
        signal,
        ...(writer ? { capture: answerCapture(writer, waitMs) } : {}),
      });
      if (writer) await writer.close();
      if (args.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        const line =
          `${report.interrupted ? 'interrupted: ' : ''}sent ${report.sent} of ${report.total} packets` +
          ` (${report.failed} failed, ${report.bytes} bytes) in ${(report.elapsedMs / 1000).toFixed(3)} s:` +
          ` ${report.packetsPerSecond.toFixed(1)} pps, ${report.megabitsPerSecond.toFixed(2)} Mbps` +
          (writer ? `; ${report.received} received, written to ${args.capture}` : '');
        process.stdout.write(`${line}\n`);
      }
      if (guard && writer && args.capture) await guard.finish(writer.packetCount, args.capture);
      if (report.interrupted) process.exitCode = 130;
    } finally {
      await writer?.close();
      release();
    }
  },
};
