/**
 * `pktcraft journey`: the order journey (what `npm start` runs). Builds the scenario from the built-in
 * defaults or `--config FILE`, writes `<out>/<name>.pcapng` and `<out>/<name>/NN-hop.pcap`, and prints
 * the hop table and the ladder diagram.
 */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { CaptureError, FieldError } from '../core/errors.js';
import {
  buildJourney,
  formatDatacentre,
  type JourneyConfig,
  phoneRequest,
  resolveJourneyConfig,
  writeScenario,
} from '../scenario/index.js';
// --- j-carriers: the carrier path table ---
import { formatCarrierPath, formatHopTable, formatLadder } from '../scenario/summary.js';
// --- end j-carriers ---
import { guardWriting } from './signals.js';

export type Lesson =
  | 'heavy-loss'
  | 'zero-window'
  | 'rto'
  // --- j-dc: the race lesson ---
  | 'race';
// --- end j-dc ---
const LESSONS: readonly Lesson[] = [
  'heavy-loss',
  'zero-window',
  'rto',
  // --- j-dc: the race lesson ---
  'race',
  // --- end j-dc ---
];

interface JourneyArgs {
  config?: string | undefined;
  'print-config'?: boolean | undefined;
  retry?: boolean | undefined;
  'plain-http'?: boolean | undefined;
  '5g'?: boolean | undefined;
  lesson?: Lesson[] | undefined;
  plot?: string | undefined;
  out: string;
  name?: string | undefined;
  quiet?: boolean | undefined;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CaptureError(0, `cannot read the config file: ${(error as Error).message}`, path);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FieldError('config', path, `not valid JSON: ${(error as Error).message}`);
  }
}

/** Applies the command-line switches on top of a resolved config (and validates again). */
export function applyJourneyFlags(
  config: JourneyConfig,
  flags: {
    retry?: boolean | undefined;
    fiveG?: boolean | undefined;
    lessons?: readonly Lesson[] | undefined;
    name?: string | undefined;
    plainHttp?: boolean | undefined;
  },
): JourneyConfig {
  const next = structuredClone(config);
  if (flags.retry) next.retry.enabled = true;
  if (flags.plainHttp) next.https = false;
  if (flags.fiveG) next.mode = '5g';
  if (flags.name !== undefined) next.name = flags.name;
  for (const lesson of flags.lessons ?? []) {
    if (lesson === 'heavy-loss') {
      next.lessons.uplinkDrops = [...new Set([...next.lessons.uplinkDrops, 3, 4, 6])].sort((a, b) => a - b);
      next.lessons.downlinkDrops = [...new Set([...next.lessons.downlinkDrops, 2])].sort((a, b) => a - b);
      // --- j-dc: two phones buy the last item ---
    } else if (lesson === 'race') {
      next.datacentre.race.enabled = true;
      // --- end j-dc ---
    } else if (lesson === 'zero-window') {
      next.lessons.zeroWindow = true;
    } else if (lesson === 'rto') {
      // A tail loss: the last request segment is lost, nothing follows it to trigger duplicate ACKs.
      const segmentPayload = next.phone.mtu - 40 - 12;
      const request = phoneRequest(next).length;
      // HTTPS: the ClientHello is the first data segment; the request follows the client Finished
      // (change_cipher_spec 6 octets + a 58-octet protected Finished), in records of 22 octets overhead.
      const sent = next.https ? 64 + request + 22 * Math.ceil(request / 16384) : request;
      const segments = Math.ceil(sent / segmentPayload) + (next.https ? 1 : 0);
      next.lessons.uplinkDrops = [segments];
      // It replaces the default radio tail loss (whose retransmission would shift the count by one).
      next.lessons.radioTailLoss = false;
    }
  }
  return resolveJourneyConfig(next);
}

export const journeyCommand: CommandModule<object, JourneyArgs> = {
  command: 'journey',
  describe:
    'the order journey: one mobile order from the phone down to the database row (after the tunnel setup and the name lookup), captured at every hop',
  builder: (yargs) =>
    yargs
      .option('config', { type: 'string', describe: 'scenario file (JSON) merged over the defaults' })
      .option('print-config', {
        type: 'boolean',
        describe:
          'print the resolved config (the defaults without --config) and exit: every address, MAC, TEID, MPLS label, link address, port and delay',
      })
      .option('retry', {
        type: 'boolean',
        describe:
          'break the first connection after the request; the phone retries with the same Idempotency-Key',
      })
      .option('5g', {
        type: 'boolean',
        // j-setup: 5G has no GTPv2-C tunnel setup (N2/N4 are not modelled); the DNS lookup stays
        describe:
          '5G names (N3/N9/N6) and the PDU Session Container with the QFI; no GTPv2-C tunnel setup hops (NGAP/PFCP are not modelled)',
      })
      .option('lesson', {
        type: 'string',
        array: true,
        choices: LESSONS,
        describe:
          'extra lessons: heavy-loss (more radio losses both ways), zero-window (the phone app stalls), rto (a tail loss), race (a second phone buys the last item: optimistic lock, 0 rows, 409 sold out)',
      })
      .option('plain-http', {
        type: 'boolean',
        describe:
          'plain HTTP from the phone (the lesson of what a capture shows without TLS); default HTTPS with the key log in the pcapng',
      })
      .option('plot', {
        type: 'string',
        describe: 'write the phone <-> HAProxy TCP flow as an SVG time/sequence plot',
      })
      .option('out', { type: 'string', default: 'captures', describe: 'output directory' })
      .option('name', {
        type: 'string',
        describe: 'base name of the outputs (default from the config: order-journey)',
      })
      .option('all-hops', {
        type: 'boolean',
        describe:
          "the combined pcapng with every hop's copy of each packet (a multi-point merge: Wireshark 4.0 takes the copies of one TCP connection as out-of-order segments); default: each conversation at the first hop that carries it",
      })
      .option('quiet', { type: 'boolean', describe: 'print only the names of the files written' })
      .example(
        '$0 journey',
        'write captures/order-journey.pcapng and captures/order-journey/NN-hop.pcapng (HTTPS)',
      )
      .example('$0 journey --plain-http', 'the same journey in plain HTTP, per-hop files NN-hop.pcap')
      .example('$0 journey --retry --5g --name order-journey-retry-5g', 'the idempotent retry over a 5G core')
      // --- j-dc: the race lesson ---
      .example(
        '$0 journey --lesson race --name order-journey-race',
        'two phones, the last item: one 201, one 409',
      )
      // --- end j-dc ---
      .example(
        '$0 journey --print-config > my.json && $0 journey --config my.json',
        'start from the defaults',
      ) as never,
  handler: async (args) => {
    const file = args.config !== undefined ? readConfigFile(args.config) : {};
    const config = applyJourneyFlags(resolveJourneyConfig(file), {
      retry: args.retry,
      fiveG: args['5g'],
      lessons: args.lesson,
      name: args.name,
      plainHttp: args['plain-http'],
    });
    if (args['print-config']) {
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return;
    }
    // A stop signal during the run is acted on once the captures are closed (signals.ts).
    const guard = guardWriting();
    const result = buildJourney(config);
    const files = await writeScenario(result.scenario, args.out, {
      combined: args['all-hops'] ? 'all-hops' : 'first-hop',
    });
    await guard.finish(files.combinedPacketCount, files.combined);
    if (args.plot !== undefined) {
      const { writeJourneyPlot } = await import('../scenario/plot.js');
      writeJourneyPlot(result, args.plot);
    }
    const out = process.stdout;
    if (args.quiet) {
      out.write(`${files.combined}\n${files.perHop.join('\n')}\n${args.plot ? `${args.plot}\n` : ''}`);
      return;
    }
    out.write(
      `order journey (${config.mode === '5g' ? '5G' : '4G'}${config.retry.enabled ? `, retry after ${config.retry.break}` : ''})\n\n`,
    );
    out.write(`${formatHopTable(result.scenario)}\n\n`);
    // --- j-carriers: the carrier path ---
    out.write(`${formatCarrierPath(config)}\n\n`);
    // --- end j-carriers ---
    out.write(`${formatLadder(result)}\n\n`);
    // --- j-dc: the tiers, the SQL and the database rows ---
    out.write(`${formatDatacentre(result.datacentre)}\n\n`);
    // --- end j-dc ---
    out.write(
      `wrote ${files.combined} (one interface per hop, every packet commented; ${
        args['all-hops'] ? "every hop's copy" : 'each conversation at its first hop'
      })\n`,
    );
    out.write(
      `wrote ${files.perHop.length} per-hop captures in ${files.perHop[0]?.replace(/\/[^/]*$/, '') ?? ''}/\n`,
    );
    if (args.plot !== undefined) out.write(`wrote ${args.plot}\n`);
  },
};
