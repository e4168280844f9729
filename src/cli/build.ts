/**
 * `pktcraft build SPEC`: encode a spec; print it as hex or write it to a capture.
 */
import type { CommandModule } from 'yargs';
import { toHex } from '../core/bytes.js';
import { SpecError } from '../core/errors.js';
import { generateToCapture } from '../engine/generate.js';
import { formatFieldList } from '../layers/field-table.js';
import { isLayerName, layerNames } from '../layers/registry.js';
import { decodePacket } from '../packet/decode.js';
import { encodePacket } from '../packet/encode.js';
import { formatHexDump, formatTree } from '../packet/show.js';
import { parseSpec } from '../packet/spec.js';
import { captureFormatFor, linkTypeForFirstLayer, writePacketsToFile } from './output.js';
import { progressReporter } from './progress.js';
import { guardWriting } from './signals.js';

interface BuildArgs {
  spec?: string;
  fields?: string;
  hex?: boolean;
  output?: string;
  count: number;
  format?: 'pcap' | 'pcapng';
  comment?: string[];
  interface?: string;
  dump?: boolean;
  vary?: string[];
  workers?: number;
  seed?: number;
}

export const buildCommand: CommandModule<object, BuildArgs> = {
  command: 'build [spec]',
  describe: 'Build a packet from a spec (layers outermost first, separated by /); --fields lists the fields',
  builder: (yargs) =>
    yargs
      .positional('spec', {
        type: 'string',
        describe: 'layer list, e.g. \'ether/ipv4(dst=192.0.2.9)/udp/raw(text="hi")\'',
      })
      .option('fields', {
        type: 'string',
        describe:
          'list the fields of LAYER (or of every layer, with --fields alone): default, range, role, tshark name',
      })
      .option('hex', { type: 'boolean', describe: 'print the frame as one line of lowercase hex' })
      .option('dump', { type: 'boolean', describe: 'print the decoded tree and a hex dump' })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe: 'write to a capture file (.pcap or .pcapng by extension)',
      })
      .option('count', { alias: 'n', type: 'number', default: 1, describe: 'number of copies to write' })
      .option('format', { choices: ['pcap', 'pcapng'] as const, describe: 'force the capture format' })
      .option('comment', { type: 'string', array: true, describe: 'pcapng packet comment (repeatable)' })
      .option('interface', { type: 'string', describe: 'pcapng interface name' })
      .option('vary', {
        type: 'string',
        array: true,
        describe:
          "a field that changes per packet (repeatable), LAYER[N].FIELD=EXPR: N counts that layer from the outside (0 first, -1 innermost); EXPR is V, A..B (cycle), A+ or A+STEP (count up), V1,V2,... (list) or random[(A..B,seed=S)]; e.g. 'gtpu.teid=1..1000000', 'ipv4[1].src=10.0.0.0+'",
      })
      .option('workers', {
        type: 'number',
        describe: 'worker threads for --vary jobs (default: cores - 1, at least 1)',
      })
      .option('seed', { type: 'number', describe: 'seed for random --vary values (default 1)' })
      .example(
        "$0 build 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(dport=2152)/gtpu(teid=0x1234)/ipv4/icmp' --hex",
        'GTP-U echo in hex',
      )
      .example(
        "$0 build 'ipv4(dst=198.51.100.7)/tcp(flags=S,mss=1460)' -o syn.pcap",
        'a SYN in a raw-IP pcap',
      )
      .example(
        '$0 build --fields gtpu',
        "GTP-U's fields with their defaults, ranges, roles and tshark names",
      ),
  handler: async (args) => {
    if (args.fields !== undefined) {
      const layer = args.fields.trim().toLowerCase();
      if (layer !== '' && !isLayerName(layer))
        throw new SpecError(args.fields, 0, `--fields: unknown layer (known: ${layerNames.join(', ')})`);
      process.stdout.write(formatFieldList(layer === '' ? undefined : layer));
      return;
    }
    if (args.spec === undefined)
      throw new SpecError('', 0, 'build needs a spec (or --fields [LAYER] to list the fields)');
    const layers = parseSpec(args.spec);
    const frame = encodePacket(layers);
    if (args.vary?.length) {
      if (!args.output)
        throw new SpecError('--vary', 0, '--vary needs -o FILE (a capture to write the packets to)');
      if (args.comment?.length || args.interface) {
        throw new SpecError(
          '--vary',
          0,
          '--comment and --interface are not available with --vary (the fast engine writes bare records)',
        );
      }
      const count = Math.max(0, Math.floor(args.count));
      const format = captureFormatFor(args.output, args.format);
      linkTypeForFirstLayer(layers[0]!.layer);
      const guard = guardWriting();
      const progress = progressReporter('build', count);
      const result = await generateToCapture({
        layers,
        count,
        vary: args.vary,
        output: args.output,
        format,
        ...(args.workers !== undefined ? { workers: args.workers } : {}),
        ...(args.seed !== undefined ? { seed: args.seed } : {}),
        onProgress: progress.update,
        signal: guard.signal,
      });
      progress.done();
      await guard.finish(result.packets, args.output);
      process.stderr.write(
        `wrote ${result.packets} packets of ${result.frameLength} bytes to ${args.output} in ${result.seconds.toFixed(2)} s: ${(result.packetsPerSecond / 1e6).toFixed(2)} M packets/s${result.workers ? ` (${result.workers} workers)` : ''}\n`,
      );
      return;
    }
    if (args.output) {
      const count = Math.max(0, Math.floor(args.count));
      const guard = guardWriting();
      const written = await writePacketsToFile(args.output, layers[0]!.layer, frame, count, {
        ...(args.format ? { format: args.format } : {}),
        ...(args.comment ? { comments: args.comment } : {}),
        ...(args.interface ? { interfaceName: args.interface } : {}),
        signal: guard.signal,
      });
      await guard.finish(written, args.output);
      process.stderr.write(
        `wrote ${count} packet${count === 1 ? '' : 's'} of ${frame.length} bytes to ${args.output}\n`,
      );
    }
    if (args.hex || (!args.output && !args.dump)) process.stdout.write(`${toHex(frame)}\n`);
    if (args.dump) {
      const first = layers[0]!.layer;
      process.stdout.write(
        `${formatTree(decodePacket(frame, { first: first === 'ipv4' || first === 'ipv6' ? 'ip' : first }))}\n${formatHexDump(frame)}\n`,
      );
    }
  },
};
