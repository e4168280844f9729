/**
 * `pktcraft sr SPEC --interface IF [--timeout MS] [--retry N] [--multi] [--json] [--l3] [--force] [-o FILE]`:
 * send a packet and print the answers that match it (ICMP echo by id/seq, TCP by ports and sequence numbers,
 * ARP by target, UDP and GTP-U echo by sequence), decoded. `-o` writes every send and every answer to a
 * capture in time order (answers with the kernel's receive time); SIGINT, SIGTERM and SIGHUP stop the wait
 * and still write it whole, then exit 128 + the signal.
 */
import type { CommandModule } from 'yargs';
import { createCaptureWriter } from '../capture/writer.js';
import { InjectError } from '../core/errors.js';
import { type SendAndReceiveResult, sendAndReceive } from '../inject/sr.js';
import { formatTree, packetToJson } from '../packet/index.js';
import { captureFormatFor } from './output.js';
import { encodeForSending, interruptSignal } from './send.js';
import { guardWriting } from './signals.js';

/** LINKTYPE_ETHERNET and LINKTYPE_RAW (an IPv4 or IPv6 packet, what --l3 sends). */
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

/**
 * Writes the sends and the answers in time order. Answers are Ethernet frames; with --l3 the requests are
 * IP packets on an interface of their own (pcapng only: classic pcap has one link type).
 */
async function writeExchange(
  path: string,
  format: 'pcap' | 'pcapng',
  request: Uint8Array,
  l3: boolean,
  result: SendAndReceiveResult,
): Promise<number> {
  const writer = createCaptureWriter(path, {
    format,
    interfaces: l3
      ? [
          { linkType: LINKTYPE_ETHERNET, tsResolution: 'ns' },
          { linkType: LINKTYPE_RAW, tsResolution: 'ns' },
        ]
      : [{ linkType: LINKTYPE_ETHERNET, tsResolution: 'ns' }],
  });
  const records = [
    ...result.transmissions.map((sent) => ({ ...sent, bytes: request, interfaceId: l3 ? 1 : 0 })),
    ...result.answers.map((answer) => ({ ...answer, interfaceId: 0 })),
  ].sort((a, b) => a.timestampSec - b.timestampSec || a.timestampNsec - b.timestampNsec);
  try {
    for (const record of records) {
      writer.writePacket(record.bytes, record.timestampSec, record.timestampNsec, {
        interfaceId: record.interfaceId,
      });
    }
  } finally {
    await writer.close();
  }
  return writer.packetCount;
}

interface SrArgs {
  spec: string;
  interface?: string;
  timeout: number;
  retry: number;
  multi?: boolean;
  json?: boolean;
  l3?: boolean;
  force?: boolean;
  output?: string;
  format?: 'pcap' | 'pcapng';
}

export const srCommand: CommandModule<object, SrArgs> = {
  command: 'sr <spec>',
  describe: 'Send a packet and print the matching answers, decoded (like Scapy sr1)',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'layer list, outermost first' })
      .option('interface', {
        alias: 'i',
        type: 'string',
        describe: 'interface to send and listen on (required)',
      })
      .option('timeout', { type: 'number', default: 2000, describe: 'ms to wait for answers after sending' })
      .option('retry', { type: 'number', default: 0, describe: 'resend this many times when unanswered' })
      .option('multi', { type: 'boolean', describe: 'collect every answer until the timeout' })
      .option('json', { type: 'boolean', describe: 'print the answers as JSON' })
      .option('l3', { type: 'boolean', describe: 'send an IPv4 or IPv6 packet through a raw IP socket' })
      .option('force', {
        type: 'boolean',
        describe: 'allow the default-route interface, loopback, oversize frames and malformed packets',
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'write the sends and the answers, in time order, to this pcap/pcapng (--l3: pcapng)',
      })
      .option('format', {
        choices: ['pcap', 'pcapng'] as const,
        describe: 'format of --output (default: from its extension)',
      })
      .example(
        "ip netns exec pkc-client $0 sr 'ether(dst=02:00:00:00:00:02)/ipv4(src=198.51.100.10,dst=203.0.113.2)/icmp(id=7,seq=1)' -i c0",
        'ping the lab server',
      ),
  handler: async (args) => {
    const l3 = args.l3 ?? false;
    const request = encodeForSending(args.spec, l3, args.force ?? false);
    const format = args.output ? captureFormatFor(args.output, args.format) : undefined;
    if (format === 'pcap' && l3) {
      throw new InjectError(
        'EINVAL',
        `--output ${args.output}: with --l3 the sends are IP packets and the answers Ethernet frames, two link types; write a .pcapng`,
      );
    }
    // With a file to write: the three stop signals end the wait and the file is still written whole.
    const guard = args.output ? guardWriting() : undefined;
    const { signal, release } = guard ? { signal: guard.signal, release: guard.release } : interruptSignal();
    try {
      const result = await sendAndReceive(args.interface, [request], {
        timeoutMs: args.timeout,
        retry: args.retry,
        multi: args.multi ?? false,
        l3: args.l3 ?? false,
        force: args.force ?? false,
        signal,
      });
      if (args.json) {
        const answers = result.answers.map((answer) => ({
          elapsedMs: Number(answer.elapsedMs.toFixed(3)),
          ...packetToJson(answer.decoded),
        }));
        process.stdout.write(
          `${JSON.stringify({ sent: result.sent, answers, unanswered: result.unanswered.length })}\n`,
        );
      } else {
        for (const answer of result.answers) {
          process.stdout.write(
            `${formatTree(answer.decoded, `answer after ${answer.elapsedMs.toFixed(2)} ms`)}\n`,
          );
        }
      }
      process.stderr.write(
        `sent ${result.sent}, received ${result.answers.length} answer${result.answers.length === 1 ? '' : 's'}` +
          `${signal.aborted ? ' (interrupted)' : ''}\n`,
      );
      if (args.output && format) {
        const written = await writeExchange(args.output, format, request, l3, result);
        await guard?.finish(written, args.output);
      }
      if (result.answers.length === 0) process.exitCode = 1;
    } finally {
      release();
    }
  },
};
