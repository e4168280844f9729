/**
 * `pktcraft verify FILE`: tshark (checksum validation on) against our decode, per packet.
 * Exit 1 when any packet is malformed, has an expert warning/error, or disagrees on a field.
 */
import type { CommandModule } from 'yargs';
import { isLayerName } from '../layers/registry.js';
import type { DecodeAs } from '../packet/decode.js';
import { verifyCapture } from '../verify/capture.js';
import { tsharkProtocolOf } from '../verify/compare.js';
import { SEVERITY } from '../verify/tshark.js';
import { parseDecodeAs } from './decode.js';

interface VerifyArgs {
  file: string;
  json?: boolean;
  'decode-as'?: string[];
  quiet?: boolean;
}

/** Our decode-as rules in tshark's words (`udp.port==5555,gtpu` → `udp.port==5555,gtp`, from the codec). */
function tsharkDecodeAs(rules: readonly string[] | undefined): string[] {
  return (rules ?? []).map((rule) => {
    const [selector = '', layer = ''] = rule.split(',');
    const table = selector.replace(/^eth\.type==/, 'ethertype==');
    return `${table},${isLayerName(layer) ? tsharkProtocolOf(layer) : layer}`;
  });
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <file>',
  describe: 'Check a capture with tshark: malformed packets, expert warnings/errors, field disagreements',
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'a pcap or pcapng file' })
      .option('json', { type: 'boolean', describe: 'print the full report as JSON' })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only the verdict line' })
      .option('decode-as', {
        type: 'string',
        array: true,
        describe: "binding override for both decoders, e.g. 'udp.port==5555,gtpu'",
      })
      .example('$0 verify captures/order-journey.pcapng', 'every hop, every packet'),
  handler: async (args) => {
    const decodeAs: DecodeAs | undefined = parseDecodeAs(args['decode-as']);
    const report = await verifyCapture(args.file, {
      decodeAs: tsharkDecodeAs(args['decode-as']),
      ...(decodeAs ? { ourDecodeAs: decodeAs } : {}),
    });
    if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (!args.quiet) {
      for (const verdict of report.verdicts) {
        const serious = verdict.expert.filter((item) => item.severity >= SEVERITY.warning);
        if (!serious.length && !verdict.disagreements.length) continue;
        process.stdout.write(`packet ${verdict.frame}:\n`);
        for (const item of serious) {
          const level = item.severity >= SEVERITY.error ? 'error' : 'warning';
          process.stdout.write(`  tshark ${level}: ${item.message}\n`);
        }
        for (const d of verdict.disagreements) {
          process.stdout.write(
            `  ${d.layer}[${d.occurrence}].${d.field}: pktcraft ${d.ours}, tshark ${d.tsharkField}=${d.tshark}\n`,
          );
        }
      }
    }
    const bad = report.verdicts.filter(
      (verdict) =>
        verdict.disagreements.length || verdict.expert.some((item) => item.severity >= SEVERITY.warning),
    ).length;
    process.stdout.write(
      report.clean
        ? `verify: ${report.packets} packets, all clean (tshark agrees, no malformed packet, no warning)\n`
        : `verify: ${bad} of ${report.packets} packets with problems\n`,
    );
    if (!report.clean) process.exitCode = 1;
  },
};
