/**
 * `pktcraft build SPEC`: encode a spec; print it as hex or write it to a capture.
 */
import type { CommandModule } from 'yargs';
import { toHex } from '../core/bytes.js';
import { SpecError } from '../core/errors.js';
import { generateToCapture } from '../engine/generate.js';
import { formatFieldList } from '../layers/field-table.js';
import type { LayerValue } from '../layers/layer.js';
import { isLayerName, layerNames } from '../layers/registry.js';
import { decodePacket } from '../packet/decode.js';
import { encodePacket } from '../packet/encode.js';
import { FRAGMENT_ORDERS, type FragmentOrder, fragment, mtuWarning } from '../packet/fragment.js';
import { formatHexDump, formatTree } from '../packet/show.js';
import { parseSpec } from '../packet/spec.js';
import {
  captureFormatFor,
  linkTypeForFirstLayer,
  type WriteOptions,
  writeFramesToFile,
  writePacketsToFile,
} from './output.js';
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
  fragment?: number;
  'fragment-order'?: FragmentOrder;
  force?: boolean;
}

export const buildCommand: CommandModule<object, BuildArgs> = {
  command: 'build [spec]',
  describe: 'Build a packet from a spec (layers outermost first, separated by /); --fields lists the fields',
  builder: (yargs) =>
    yargs
      .positional('spec', {
        type: 'string',
        describe: 'layer list, e.g. \'ether/ipv4(dst=192.0.2.9)/udp(dport=9)/raw(text="hi")\'',
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
      .option('fragment', {
        type: 'number',
        describe:
          'fragment the outermost IPv4/IPv6 datagram into fragments of at most MTU bytes (from the IP header on); -n copies get ids id, id+1, ...',
      })
      .option('fragment-order', {
        choices: FRAGMENT_ORDERS,
        describe:
          "order of the fragments: in-order (default), reversed, or overlapping (each fragment repeats the previous one's last 8 bytes)",
      })
      .option('force', { type: 'boolean', describe: 'with --fragment: fragment even though IPv4 DF is set' })
      .example(
        "$0 build 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(dport=2152)/gtpu(teid=0x1234)/ipv4/icmp' --hex",
        'GTP-U echo in hex',
      )
      .example(
        "$0 build 'ipv4(dst=198.51.100.7)/tcp(flags=S,mss=1460)' -o syn.pcap",
        'a SYN in a raw-IP pcap',
      )
      .example(
        "$0 build 'ether/ipv4(dst=192.0.2.9)/udp(dport=9999)/raw(len=3000)' --fragment 1500 -o frags.pcap",
        'a 3000-byte UDP datagram as three IPv4 fragments',
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
    if (args.fragment !== undefined || args['fragment-order'] !== undefined) {
      await buildFragments(args, layers);
      return;
    }
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
      const written = await writePacketsToFile(
        args.output,
        layers[0]!.layer,
        frame,
        count,
        writeOptionsOf(args, guard.signal),
      );
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

/** The capture-file options `-o` takes from the command line. */
function writeOptionsOf(args: BuildArgs, signal: AbortSignal): WriteOptions {
  return {
    ...(args.format ? { format: args.format } : {}),
    ...(args.comment ? { comments: args.comment } : {}),
    ...(args.interface ? { interfaceName: args.interface } : {}),
    signal,
  };
}

/** `build --fragment MTU`: the fragments of the datagram, one line of hex each, or a capture. */
async function buildFragments(args: BuildArgs, layers: LayerValue[]): Promise<void> {
  const mtu = args.fragment;
  if (mtu === undefined || !Number.isInteger(mtu) || mtu < 1 || mtu > 0xffff)
    throw new SpecError('--fragment', 0, `--fragment needs an MTU from 1 to 65535, got ${String(mtu)}`);
  if (args.vary?.length) throw new SpecError('--vary', 0, '--vary and --fragment cannot be combined');
  const options = {
    ...(args['fragment-order'] ? { order: args['fragment-order'] } : {}),
    ...(args.force ? { force: true } : {}),
  };
  const fragments = fragment(layers, mtu, options);
  const warning = mtuWarning(layers, mtu);
  if (warning) process.stderr.write(`pktcraft: warning: ${warning}\n`);
  const frames = fragments.map((stack) => encodePacket(stack).slice());
  if (args.output) {
    const count = Math.max(0, Math.floor(args.count));
    const base = identificationOf(fragments[0]!);
    const all = function* (): Generator<Uint8Array> {
      for (let copy = 0; copy < count; copy++) {
        if (copy === 0 || base === undefined) yield* frames;
        else {
          const mask = base.bits === 16 ? 0xffff : 0xffffffff;
          const identification = (base.id + copy) % (mask + 1);
          for (const stack of fragment(layers, mtu, { ...options, identification }))
            yield encodePacket(stack);
        }
      }
    };
    const guard = guardWriting();
    const written = await writeFramesToFile(
      args.output,
      layers[0]!.layer,
      all(),
      writeOptionsOf(args, guard.signal),
    );
    await guard.finish(written, args.output);
    process.stderr.write(
      `wrote ${written} fragment${written === 1 ? '' : 's'} (${frames.length} per datagram, ${frames.map((f) => f.length).join('/')} bytes) to ${args.output}\n`,
    );
  }
  if (args.hex || (!args.output && !args.dump))
    for (const frame of frames) process.stdout.write(`${toHex(frame)}\n`);
  if (args.dump) {
    const first = layers[0]!.layer;
    frames.forEach((frame, i) => {
      const packet = decodePacket(frame, { first: first === 'ipv4' || first === 'ipv6' ? 'ip' : first });
      process.stdout.write(
        `${formatTree(packet, `Fragment ${i + 1} of ${frames.length}: ${frame.length} bytes`)}\n${formatHexDump(frame)}\n`,
      );
    });
  }
}

/** The identification the fragments carry (IPv4 16 bits, IPv6 32 bits); undefined when not fragmented. */
function identificationOf(stack: readonly LayerValue[]): { id: number; bits: 16 | 32 } | undefined {
  for (const layer of stack) {
    if (layer.layer === 'ipv6frag')
      return { id: Number((layer.fields as { id?: number }).id ?? 0), bits: 32 };
    if (layer.layer === 'ipv4') {
      const fields = layer.fields as { id?: number; frag?: number; flags?: number | string };
      if (!fields.frag && !(Number(fields.flags) & 1)) return undefined;
      return { id: Number(fields.id ?? 1), bits: 16 };
    }
  }
  return undefined;
}
