/**
 * `pktcraft sr SPEC --interface IF [--timeout MS] [--retry N] [--multi] [--json] [--l3] [--force]`: send a
 * packet and print the answers that match it (ICMP echo by id/seq, TCP by ports and sequence numbers, ARP by
 * target, UDP and GTP-U echo by sequence), decoded.
 */
import type { CommandModule } from 'yargs';
import { sendAndReceive } from '../inject/sr.js';
import { formatTree, packetToJson } from '../packet/index.js';
import { encodeForSending, interruptSignal } from './send.js';

interface SrArgs {
  spec: string;
  interface?: string;
  timeout: number;
  retry: number;
  multi?: boolean;
  json?: boolean;
  l3?: boolean;
  force?: boolean;
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
      .example(
        "ip netns exec pkc-client $0 sr 'ether(dst=02:00:00:00:00:02)/ipv4(src=198.51.100.10,dst=203.0.113.2)/icmp(id=7,seq=1)' -i c0",
        'ping the lab server',
      ),
  handler: async (args) => {
    const request = encodeForSending(args.spec, args.l3 ?? false, args.force ?? false);
    const { signal, release } = interruptSignal();
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
      if (result.answers.length === 0) process.exitCode = 1;
    } finally {
      release();
    }
  },
};
