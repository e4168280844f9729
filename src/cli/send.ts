/**
 * `pktcraft send SPEC --interface IF [--count N] [--interval MS] [--l3] [--force]`: build a packet from a spec
 * and send it on one interface (layer 2 by default, layer 3 with --l3). Ctrl-C stops at once and says how many
 * went out.
 */
import type { CommandModule } from 'yargs';
import { InjectError } from '../core/errors.js';
import { checkWellFormed } from '../inject/safety.js';
import { sendPackets } from '../inject/send.js';
import type { LayerValue } from '../layers/index.js';
import { encodePacket, parseSpec } from '../packet/index.js';

interface SendArgs {
  spec: string;
  interface?: string;
  count: number;
  interval: number;
  l3?: boolean;
  force?: boolean;
}

/** An AbortSignal fired by the first Ctrl-C (a second one exits at once); call `release` when done. */
export function interruptSignal(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return { signal: controller.signal, release: () => process.off('SIGINT', onInterrupt) };
}

/**
 * Encodes a spec for sending: an Ethernet frame, or an IPv4 or IPv6 packet with --l3. Unless forced, a
 * packet malformed beyond what the spec asked for is refused (`checkWellFormed`).
 */
export function encodeForSending(spec: string, l3: boolean, force = false): Uint8Array {
  const layers: LayerValue[] = parseSpec(spec);
  const first = layers[0]!.layer;
  if (l3 && first !== 'ipv4' && first !== 'ipv6') {
    throw new InjectError(
      'ESPEC',
      `--l3 sends IP packets: the spec must start with ipv4 or ipv6, not ${first}`,
    );
  }
  if (!l3 && first !== 'ether') {
    throw new InjectError(
      'ESPEC',
      `layer 2 sending needs an Ethernet frame: start the spec with ether/ (it starts with ${first}), or use --l3`,
    );
  }
  const packet = encodePacket(layers);
  checkWellFormed(layers, packet, l3 ? 'ip' : 'ether', { force });
  return packet;
}

export const sendCommand: CommandModule<object, SendArgs> = {
  command: 'send <spec>',
  describe: 'Send a crafted packet on an interface (needs CAP_NET_RAW)',
  builder: (yargs) =>
    yargs
      .positional('spec', { type: 'string', demandOption: true, describe: 'layer list, outermost first' })
      .option('interface', {
        alias: 'i',
        type: 'string',
        describe: 'interface to send on (required; never guessed)',
      })
      .option('count', { alias: 'c', type: 'number', default: 1, describe: 'copies to send' })
      .option('interval', { type: 'number', default: 0, describe: 'milliseconds between copies' })
      .option('l3', {
        type: 'boolean',
        describe: 'send an IPv4 or IPv6 packet through a raw IP socket bound to the interface',
      })
      .option('force', {
        type: 'boolean',
        describe:
          'allow the default-route interface, loopback, frames larger than the MTU and malformed packets',
      })
      .example(
        "ip netns exec pkc-client $0 send 'ether(dst=02:00:00:00:00:02)/ipv4(src=198.51.100.10,dst=203.0.113.2)/icmp' -i c0",
        'one ICMP echo request in the lab',
      ),
  handler: async (args) => {
    const packet = encodeForSending(args.spec, args.l3 ?? false, args.force ?? false);
    const { signal, release } = interruptSignal();
    try {
      const report = await sendPackets(args.interface, [packet], {
        count: args.count,
        intervalMs: args.interval,
        l3: args.l3 ?? false,
        force: args.force ?? false,
        signal,
      });
      const what = `${report.sent} of ${report.total} packet${report.total === 1 ? '' : 's'} (${packet.length} bytes each)`;
      process.stderr.write(
        report.interrupted
          ? `interrupted: sent ${what} in ${report.elapsedMs.toFixed(1)} ms\n`
          : `sent ${what} on ${args.interface} in ${report.elapsedMs.toFixed(1)} ms\n`,
      );
      if (report.interrupted) process.exitCode = 130;
    } finally {
      release();
    }
  },
};
