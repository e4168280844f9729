/** `pktcraft convert IN OUT [--format pcap|pcapng]`: between pcap and pcapng, timestamps kept to the ns. */
import type { CommandModule } from 'yargs';
import { convertCapture } from '../capture/convert.js';
import type { CaptureFormat } from '../capture/types.js';
import type { CaptureWriter } from '../capture/writer.js';

interface ConvertArgs {
  input: string;
  output: string;
  format?: CaptureFormat | undefined;
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <input> <output>',
  describe: 'Convert a capture between pcap and pcapng (by OUT extension), keeping ns timestamps',
  builder: (yargs) =>
    yargs
      .positional('input', { type: 'string', demandOption: true, describe: "input capture ('-' for stdin)" })
      .positional('output', {
        type: 'string',
        demandOption: true,
        describe: "output capture ('-' for stdout)",
      })
      .option('format', {
        choices: ['pcap', 'pcapng'] as const,
        describe: 'output format (default: from the output extension)',
      }),
  handler: async (args) => {
    let writer: CaptureWriter | undefined;
    // On Ctrl-C, everything converted so far is flushed as a valid capture before exiting.
    const onInterrupt = (): void => {
      writer?.flushSync();
      process.exit(130);
    };
    process.once('SIGINT', onInterrupt);
    try {
      const summary = await convertCapture(args.input, args.output, { format: args.format }, (created) => {
        writer = created;
      });
      if (args.output !== '-') {
        const kind = summary.format === 'pcap' ? (summary.nanosecond ? 'nanosecond pcap' : 'pcap') : 'pcapng';
        process.stderr.write(`${summary.packets} packets written to ${args.output} (${kind})\n`);
      }
      for (const problem of summary.problems) process.stderr.write(`pktcraft: ${args.input}: ${problem}\n`);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  },
};
