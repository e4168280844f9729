/** `pktcraft convert IN OUT [--format pcap|pcapng]`: between pcap and pcapng, timestamps kept to the ns. */
import type { CommandModule } from 'yargs';
import { convertCapture } from '../capture/convert.js';
import type { CaptureFormat } from '../capture/types.js';
import { guardWriting } from './signals.js';

interface ConvertArgs {
  input: string;
  output: string;
  format?: CaptureFormat | undefined;
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: 'convert <input> <output>',
  describe:
    'Convert a capture between pcap and pcapng (by OUT extension), keeping ns timestamps; a file cut short in its last record is repaired',
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
    // On SIGINT, SIGTERM or SIGHUP the conversion stops and everything converted so far is closed
    // as a valid capture (signals.ts).
    const guard = guardWriting();
    try {
      const summary = await convertCapture(args.input, args.output, {
        format: args.format,
        signal: guard.signal,
      });
      await guard.finish(summary.packets, args.output === '-' ? 'stdout' : args.output);
      if (args.output !== '-') {
        const kind = summary.format === 'pcap' ? (summary.nanosecond ? 'nanosecond pcap' : 'pcap') : 'pcapng';
        process.stderr.write(`${summary.packets} packets written to ${args.output} (${kind})\n`);
      }
      for (const problem of summary.problems) process.stderr.write(`pktcraft: ${args.input}: ${problem}\n`);
    } finally {
      guard.release();
    }
  },
};
