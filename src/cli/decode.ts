/**
 * `pktcraft decode FILE | --hex HEX`: the tree, the JSON form, or specs that rebuild each packet.
 */
import type { CommandModule } from 'yargs';
import { describeLinkType } from '../capture/linktype.js';
import { fromHex } from '../core/bytes.js';
import { SpecError } from '../core/errors.js';
import type { LayerName } from '../layers/layer.js';
import { isLayerName } from '../layers/registry.js';
import {
  type DecodeAs,
  type DecodedPacket,
  decodePacket,
  type FirstLayer,
  firstLayerOf,
} from '../packet/decode.js';
import { packetToJson } from '../packet/json.js';
import { type Reassembled, Reassembler } from '../packet/reassemble.js';
import { formatHexDump, formatTree } from '../packet/show.js';
import { formatSpec } from '../packet/spec.js';
import { readPacketsFromFile } from './input.js';

interface DecodeArgs {
  file?: string;
  hex?: string;
  json?: boolean;
  spec?: boolean;
  dump?: boolean;
  linktype?: string;
  'decode-as'?: string[];
  reassemble?: boolean;
  'ipv6-overlaps'?: 'keep-first' | 'drop';
}

const LINKTYPE_NAMES: Record<string, FirstLayer> = {
  ether: 'ether',
  ethernet: 'ether',
  raw: 'ip',
  ip: 'ip',
  'linux-sll': 'sll',
  linux_sll: 'sll',
  'linux-sll2': 'sll2',
  linux_sll2: 'sll2',
  bsd: 'null',
  loopback: 'null',
};

function parseFirst(text: string | undefined): FirstLayer {
  if (text === undefined) return 'ether';
  const lower = text.toLowerCase();
  if (LINKTYPE_NAMES[lower]) return LINKTYPE_NAMES[lower];
  // A link type number with no layer (105 802.11, ...) decodes as raw bytes, as in a capture file.
  if (/^\d+$/.test(lower)) {
    if (Number(lower) > 0xffffffff)
      throw new SpecError(text, 0, '--linktype: a link type is at most 4294967295');
    return firstLayerOf(Number(lower)) ?? 'raw';
  }
  if (isLayerName(lower)) return lower;
  throw new SpecError(
    text,
    0,
    '--linktype: give a link type number or a name (ether, ip, ipv4, ipv6, sll, sll2, null, loop, ...)',
  );
}

/** Parses Wireshark-style "decode as" rules: `udp.port==5555,gtpu`, `tcp.port==8443,raw`, `ethertype==0x9999,ipv4`. */
export function parseDecodeAs(rules: readonly string[] | undefined): DecodeAs | undefined {
  if (!rules?.length) return undefined;
  const decodeAs: {
    udpPort?: Record<number, LayerName>;
    tcpPort?: Record<number, LayerName>;
    etherType?: Record<number, LayerName>;
    ipProtocol?: Record<number, LayerName>;
  } = {};
  for (const rule of rules) {
    const match =
      /^(udp\.port|tcp\.port|ethertype|eth\.type|ip\.proto)==(0x[0-9a-fA-F]+|\d+),([a-z0-9]+)$/.exec(
        rule.trim(),
      );
    if (!match || !isLayerName(match[3]!)) {
      throw new SpecError(
        rule,
        0,
        "--decode-as: expected TABLE==NUMBER,LAYER like 'udp.port==5555,gtpu' (tables: udp.port, tcp.port, ethertype, ip.proto)",
      );
    }
    const number = Number(match[2]);
    const layer = match[3] as LayerName;
    const table =
      match[1] === 'udp.port'
        ? 'udpPort'
        : match[1] === 'tcp.port'
          ? 'tcpPort'
          : match[1] === 'ip.proto'
            ? 'ipProtocol'
            : 'etherType';
    decodeAs[table] = { ...decodeAs[table], [number]: layer };
  }
  return decodeAs;
}

export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode [file]',
  describe: 'Decode packets from a pcap/pcapng file or from hex',
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', describe: 'a pcap or pcapng file' })
      .option('hex', { type: 'string', describe: 'decode this hex instead of a file' })
      .option('linktype', {
        type: 'string',
        describe:
          'what --hex starts with: 0/null, 1/ether, 101/ip, 108/loop, 113/linux-sll, 228/ipv4, 229/ipv6, 276/linux-sll2 or a layer name',
      })
      .option('json', { type: 'boolean', describe: 'print a JSON array, one object per packet' })
      .option('spec', {
        type: 'boolean',
        describe: 'print one spec per packet that rebuilds its exact bytes',
      })
      .option('dump', { type: 'boolean', describe: 'add a hex dump under each tree' })
      .option('decode-as', {
        type: 'string',
        array: true,
        describe: "Wireshark-style binding override, e.g. 'udp.port==5555,gtpu'",
      })
      .option('reassemble', {
        type: 'boolean',
        describe:
          'reassemble IPv4/IPv6 fragments: the whole datagram is printed at the packet that completes it; overlaps, timeouts (30 s) and evictions are problems, what is still incomplete at the end goes to stderr',
      })
      .option('ipv6-overlaps', {
        choices: ['keep-first', 'drop'] as const,
        describe:
          'with --reassemble, IPv6 fragments that overlap: keep the bytes received first (Wireshark, the default) or discard the datagram (RFC 5722, Linux)',
      })
      .example('$0 decode captures/order-journey.pcapng', 'the tree of every packet')
      .example('$0 decode frags.pcap --reassemble', 'fragments, and each datagram reassembled')
      .example('$0 decode --hex 45000054... --linktype ip --json', 'JSON of one raw IP packet'),
  handler: async (args) => {
    const decodeAs = parseDecodeAs(args['decode-as']);
    const newReassembler = () =>
      new Reassembler({
        ...(args['ipv6-overlaps'] ? { ipv6Overlaps: args['ipv6-overlaps'] } : {}),
        ...(decodeAs ? { decode: { decodeAs } } : {}),
      });
    const out: {
      packet: DecodedPacket;
      number: number;
      bytes: Uint8Array;
      meta: Record<string, unknown>;
      reassembled?: Reassembled;
    }[] = [];
    const reassembledHeading = (whole: Reassembled, number: number) =>
      `Reassembled ${whole.datagram} in packet ${number}: ${whole.bytes.length} bytes from ${whole.fragments.length} fragments (packets ${whole.fragments.join(', ')})`;
    const print = (entry: (typeof out)[number]) => {
      if (args.spec) {
        process.stdout.write(`${formatSpec(entry.packet.layers)}\n`);
        // The datagram, as a spec of its own (from its IP header on), after a comment naming it.
        if (entry.reassembled)
          process.stdout.write(
            `# ${reassembledHeading(entry.reassembled, entry.number)}\n${formatSpec(entry.reassembled.packet.layers)}\n`,
          );
      } else if (!args.json) {
        const meta = Object.entries(entry.meta)
          .filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))
          .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(' | ') : String(value)}`)
          .join(', ');
        process.stdout.write(
          `${formatTree(entry.packet, `Packet ${entry.number}: ${entry.bytes.length} bytes${meta ? ` (${meta})` : ''}`)}\n`,
        );
        if (args.dump) process.stdout.write(`${formatHexDump(entry.bytes)}\n`);
        const whole = entry.reassembled;
        if (whole) {
          process.stdout.write(`${formatTree(whole.packet, reassembledHeading(whole, entry.number))}\n`);
          if (args.dump) process.stdout.write(`${formatHexDump(whole.bytes)}\n`);
        }
        process.stdout.write('\n');
      }
    };
    if (args.hex !== undefined) {
      const bytes = fromHex(args.hex);
      if (!bytes) throw new SpecError(args.hex.slice(0, 16), 0, '--hex: not valid hex');
      const packet = decodePacket(bytes, {
        first: parseFirst(args.linktype),
        ...(decodeAs ? { decodeAs } : {}),
      });
      const number =
        args.linktype !== undefined && /^\d+$/.test(args.linktype) ? Number(args.linktype) : undefined;
      const meta =
        number !== undefined && firstLayerOf(number) === undefined
          ? { linkType: describeLinkType(number) }
          : {};
      const entry: (typeof out)[number] = { packet, number: 1, bytes, meta };
      // One packet completes a datagram only when it is all of it (an atomic fragment, RFC 6946).
      const reassembler = args.reassemble ? newReassembler() : undefined;
      if (reassembler) {
        const result = reassembler.push(packet, bytes, 0, 1);
        if (result.problems.length)
          entry.packet = { layers: packet.layers, problems: [...packet.problems, ...result.problems] };
        if (result.reassembled) entry.reassembled = result.reassembled;
        for (const problem of reassembler.flush())
          process.stderr.write(`pktcraft: --hex: reassembly: ${problem.message}\n`);
      }
      out.push(entry);
      print(entry);
    } else if (args.file) {
      let number = 0;
      const problems: string[] = [];
      const reassembler = args.reassemble ? newReassembler() : undefined;
      for await (const record of readPacketsFromFile(args.file, problems)) {
        number++;
        const known = firstLayerOf(record.linkType);
        const first = known ?? 'raw';
        // The reader may reuse its buffer: keep a copy when the packet outlives this iteration.
        const bytes = args.json ? new Uint8Array(record.data) : record.data;
        const packet = decodePacket(bytes, { first, ...(decodeAs ? { decodeAs } : {}) });
        // A link type pktcraft has no layer for: the bytes are raw, and the link type is named.
        const meta =
          known === undefined ? { ...record.meta, linkType: describeLinkType(record.linkType) } : record.meta;
        const entry: (typeof out)[number] = { packet, number, bytes, meta };
        if (reassembler) {
          const result = reassembler.push(packet, bytes, record.seconds, number);
          if (result.problems.length)
            entry.packet = { layers: packet.layers, problems: [...packet.problems, ...result.problems] };
          if (result.reassembled) entry.reassembled = result.reassembled;
        }
        if (args.json) out.push(entry);
        else print(entry);
      }
      for (const problem of reassembler?.flush() ?? []) problems.push(`reassembly: ${problem.message}`);
      // What was read anyway (records above the snap length, a last record cut short): on stderr.
      for (const problem of problems) process.stderr.write(`pktcraft: ${args.file}: ${problem}\n`);
    } else {
      throw new SpecError('', 0, 'give a capture FILE or --hex HEX');
    }
    if (args.json) {
      const json = out.map((entry) => ({
        number: entry.number,
        length: entry.bytes.length,
        ...entry.meta,
        ...packetToJson(entry.packet),
        ...(entry.reassembled
          ? {
              reassembled: {
                datagram: entry.reassembled.datagram,
                fragments: entry.reassembled.fragments,
                length: entry.reassembled.bytes.length,
                ...packetToJson(entry.reassembled.packet),
              },
            }
          : {}),
      }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    }
  },
};
