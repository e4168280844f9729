/**
 * `pktcraft tcp-flow -o FILE [...]`: synthesize a whole TCP connection (handshake, data, loss, recovery,
 * flow control, teardown) and write it as a capture, with an optional SVG plot and JSON trace.
 */
import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { formatFromPath } from '../capture/index.js';
import { FieldError } from '../core/errors.js';
import type { CapturePointSpec } from '../flow/capture-point.js';
import { writeFlowCapture } from '../flow/packets.js';
import { plotFlow } from '../flow/plot.js';
import { type FlowOptions, type FlowResult, streamFlow } from '../flow/simulator.js';
import type { CapturedSegment } from '../flow/types.js';
import { parseCipherSuite } from '../tls/cipher-suites.js';
import { orderExchange, writeTlsFlowCapture } from '../tls/https-flow.js';
import { synthesizeTlsSession, type TlsSession } from '../tls/session.js';
import { guardWriting } from './signals.js';

interface TcpFlowArgs {
  output: string;
  bytes: number;
  'response-bytes': number;
  rtt: number;
  jitter: number;
  bandwidth?: string | undefined;
  queue: number;
  loss?: number | undefined;
  drop?: string | undefined;
  'loss-model': 'bernoulli' | 'gilbert';
  'burst-length': number;
  seed: number;
  cc: 'cubic' | 'newreno';
  rwnd?: number | undefined;
  'reader-rate'?: string | undefined;
  'capture-at': string;
  plot?: string | undefined;
  trace?: string | undefined;
  ipv6?: boolean | undefined;
  'client-ip'?: string | undefined;
  'server-ip'?: string | undefined;
  'client-port': number;
  'server-port'?: number | undefined;
  connections: number;
  'close-by': 'client' | 'server';
  'close-with': 'fin' | 'rst';
  sack: boolean;
  // --- rack
  rack: boolean;
  prr: boolean;
  frto: boolean;
  // --- end rack
  format?: 'pcap' | 'pcapng' | undefined;
  snaplen?: number | undefined;
  progress: boolean;
  tls?: boolean | undefined;
  sni?: string | undefined;
  alpn?: string | undefined;
  keylog?: string | undefined;
  'tls-cipher'?: string | undefined;
  // --- rcv ---
  writes?: string | undefined;
  'push-per-write': boolean;
  'rcvbuf-autotune': boolean;
  quickack: boolean;
  'sack-compression': boolean;
  ecn?: boolean | undefined;
  'ecn-threshold'?: number | undefined;
  // --- end rcv ---
}

// --- rcv ---
/** Parses `--writes BYTES@MS,...` (`@MS` may be left out for 0): the client's application writes. */
export function parseWrites(text: string): Array<{ bytes: number; atMs: number }> {
  const writes: Array<{ bytes: number; atMs: number }> = [];
  let last = 0;
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:@\s*(\d+(?:\.\d+)?)\s*)?$/.exec(item);
    if (!match)
      throw new FieldError('tcp-flow', 'writes', `cannot read write '${item}' (try 10000@0,5000@250)`);
    const atMs = Number(match[2] ?? '0');
    if (atMs < last) throw new FieldError('tcp-flow', 'writes', `write times must be in order ('${item}')`);
    last = atMs;
    writes.push({ bytes: Number(match[1]), atMs });
  }
  return writes;
}
// --- end rcv ---

const RATE_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/**
 * Parses a rate such as `10Mbit`, `10mbps`, `1G`, `500kB/s`, `2000`. `unit` is what a bare number
 * means; a `B`/`byte` suffix means bytes, `b`/`bit` bits. Returns bits per second or bytes per second
 * according to `want`.
 */
export function parseRate(text: string, field: string, want: 'bits' | 'bytes'): number {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*([kKmMgG]?)(i?)(bit|bps|b|B|Bps|byte|bytes)?(\/s)?\s*$/.exec(text);
  if (!match) throw new FieldError('tcp-flow', field, `cannot read rate '${text}' (try 10Mbit, 500kB/s, 1G)`);
  const prefix = match[2]!.toLowerCase();
  const multiplier = match[3] ? 1024 ** ' kmg'.indexOf(prefix || ' ') : RATE_UNITS[prefix]!;
  const value = Number(match[1]) * multiplier;
  const suffix = match[4];
  let isBytes = want === 'bytes';
  if (suffix === 'B' || suffix === 'Bps' || suffix === 'byte' || suffix === 'bytes') isBytes = true;
  else if (suffix === 'b' || suffix === 'bit' || suffix === 'bps') isBytes = false;
  const bitsPerSecond = isBytes ? value * 8 : value;
  if (!(bitsPerSecond > 0)) throw new FieldError('tcp-flow', field, 'rate must be positive');
  return want === 'bits' ? bitsPerSecond : bitsPerSecond / 8;
}

function parseCapturePoint(text: string): CapturePointSpec {
  if (text === 'client' || text === 'server') return text;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new FieldError(
      'tcp-flow',
      'capture-at',
      `expected client, server or a fraction 0..1, got '${text}'`,
    );
  }
  return value;
}

function progressBar(): (fraction: number) => void {
  let lastDrawn = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (percent === lastDrawn) return;
    lastDrawn = percent;
    const width = 30;
    const filled = Math.round(fraction * width);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%`,
    );
    if (percent >= 100) process.stderr.write('\n');
  };
}

function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(2)} Mbit/s`;
  if (bitsPerSecond >= 1e3) return `${(bitsPerSecond / 1e3).toFixed(2)} kbit/s`;
  return `${bitsPerSecond.toFixed(0)} bit/s`;
}

/** The one-screen summary printed at the end. */
export function formatFlowSummary(result: FlowResult, written: string[]): string {
  const s = result.summary;
  const connections = s.connections;
  const request = connections[0]?.requestBytes ?? 0;
  const response = connections[0]?.responseBytes ?? 0;
  const lines = [
    `connections      ${connections.length} (${connections.filter((c) => c.complete).length} complete)`,
    `application      ${request} B client→server, ${response} B server→client per connection`,
    `segments         ${s.segmentsCaptured} captured, ${s.segmentsSent} sent, ${s.dataSegmentsSent} with new data`,
    `retransmissions  ${s.retransmissions}${s.zeroWindowProbes > 0 ? `   zero window probes ${s.zeroWindowProbes}` : ''}`,
    `drops            ${s.drops.loss} random, ${s.drops.scripted} scripted, ${s.drops.queue} queue`,
    `duration         ${(s.durationUs / 1e6).toFixed(6)} s`,
    `goodput          ${formatRate(s.goodputBps)}`,
  ];
  for (const c of connections) {
    if (!c.complete) {
      lines.push(
        `warning          connection ${c.index} incomplete: client ${c.clientState} (${c.clientCloseReason ?? '-'}), server ${c.serverState} (${c.serverCloseReason ?? '-'})`,
      );
    }
  }
  lines.push(`wrote            ${written.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** `--tls`: the order exchange in a TLS 1.3 session, sized by --bytes / --response-bytes. */
function httpsConversation(args: TcpFlowArgs): { session: TlsSession } {
  const serverName = args.sni ?? 'shop.example.com';
  const alpn =
    args.alpn === undefined
      ? undefined
      : args.alpn
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name.length > 0);
  const exchange = orderExchange({
    host: serverName || 'shop.example.com',
    seed: args.seed,
    requestBytes: args.bytes,
    responseBytes: args['response-bytes'],
  });
  const session = synthesizeTlsSession({
    seed: args.seed,
    serverName,
    alpn,
    cipherSuite: args['tls-cipher'] === undefined ? undefined : parseCipherSuite(args['tls-cipher']),
    request: exchange.request,
    response: exchange.response,
  });
  return { session };
}

export const tcpFlowCommand: CommandModule<object, TcpFlowArgs> = {
  command: 'tcp-flow',
  describe:
    'Synthesize a whole TCP connection (handshake, congestion control, loss, recovery) into a capture',
  builder: (yargs) =>
    yargs
      .option('output', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: 'capture file to write (.pcap or .pcapng)',
      })
      .option('bytes', { type: 'number', default: 1_000_000, describe: 'bytes the client sends' })
      .option('response-bytes', {
        type: 'number',
        default: 0,
        describe: 'bytes the server sends back after reading them',
      })
      .option('rtt', { type: 'number', default: 40, describe: 'round-trip propagation delay, ms' })
      .option('jitter', {
        type: 'number',
        default: 0,
        describe: 'extra one-way delay 0..N ms (never reorders)',
      })
      .option('bandwidth', { type: 'string', describe: 'bottleneck rate, e.g. 10Mbit (default unlimited)' })
      .option('queue', { type: 'number', default: 100, describe: 'bottleneck queue, packets (tail drop)' })
      .option('loss', { type: 'number', describe: 'random loss probability per packet, 0..1' })
      .option('drop', {
        type: 'string',
        describe: 'drop exact transmissions, e.g. c3,c4,s2 (also csyn, sfin, cack5)',
      })
      .conflicts('loss', 'drop')
      .option('loss-model', { choices: ['bernoulli', 'gilbert'] as const, default: 'bernoulli' as const })
      .option('burst-length', { type: 'number', default: 4, describe: 'mean loss burst, packets (gilbert)' })
      .option('seed', { type: 'number', default: 1, describe: 'seed for everything random' })
      .option('cc', { choices: ['cubic', 'newreno'] as const, default: 'cubic' as const })
      .option('sack', {
        type: 'boolean',
        default: true,
        describe: 'negotiate SACK (--no-sack: NewReno recovery)',
      })
      // --- rack: sender loss detection and recovery, defaults as Linux 6.x
      .option('rack', {
        type: 'boolean',
        default: true,
        describe:
          'RACK-TLP loss detection and tail loss probes, RFC 8985 (--no-rack: duplicate ACKs / RFC 6675 only)',
      })
      .option('prr', {
        type: 'boolean',
        default: true,
        describe: 'Proportional Rate Reduction in fast recovery, RFC 6937 (--no-prr: cwnd = ssthresh)',
      })
      .option('frto', {
        type: 'boolean',
        default: true,
        describe: 'F-RTO and timestamp (Eifel) undo of spurious timeouts, RFC 5682 / RFC 3522',
      })
      // --- end rack
      .option('rwnd', {
        type: 'number',
        describe: 'receive buffer of both endpoints, bytes (default 131072)',
      })
      .option('reader-rate', {
        type: 'string',
        describe: 'application read rate, e.g. 100kB/s (default unlimited)',
      })
      .option('capture-at', {
        type: 'string',
        default: 'client',
        describe: 'client, server, or a fraction of the path 0..1',
      })
      .option('plot', { type: 'string', describe: 'write a time/sequence + cwnd SVG here' })
      .option('trace', { type: 'string', describe: 'write the per-event JSON trace here' })
      .option('ipv6', { type: 'boolean', describe: 'IPv6 instead of IPv4' })
      .option('client-ip', { type: 'string', describe: 'default 192.0.2.1 / 2001:db8::1' })
      .option('server-ip', { type: 'string', describe: 'default 198.51.100.7 / 2001:db8::2' })
      .option('client-port', { type: 'number', default: 45678 })
      .option('server-port', { type: 'number', describe: 'default 33333, or 443 with --tls' })
      .option('connections', {
        type: 'number',
        default: 1,
        describe: 'connections one after another (same ports: TIME-WAIT respected)',
      })
      .option('close-by', { choices: ['client', 'server'] as const, default: 'client' as const })
      .option('close-with', { choices: ['fin', 'rst'] as const, default: 'fin' as const })
      .option('format', { choices: ['pcap', 'pcapng'] as const, describe: 'default from the file name' })
      .option('snaplen', {
        type: 'number',
        describe:
          'keep the first N bytes of each frame, as tcpdump -s N (1..262144; records keep their original length, checksums stay those of the whole frame): headers only at 54 for IPv4 over Ethernet without options, 128 with them (default whole frames)',
      })
      .option('tls', {
        type: 'boolean',
        describe:
          'carry HTTPS: an HTTP order request (--bytes) and its answer (--response-bytes) in a TLS 1.3 session; the key log goes into the pcapng (DSB)',
      })
      .option('sni', {
        type: 'string',
        describe: 'TLS server_name (default shop.example.com; "" sends none)',
      })
      .option('alpn', {
        type: 'string',
        describe: 'ALPN protocols the client offers, e.g. h2,http/1.1 (default http/1.1)',
      })
      .option('tls-cipher', {
        type: 'string',
        describe: 'TLS 1.3 suite: aes128gcm (default), aes256gcm, chacha20',
      })
      .option('keylog', {
        type: 'string',
        describe: 'also write the TLS key log (SSLKEYLOGFILE format) here',
      })
      // --- rcv ---
      .option('writes', {
        type: 'string',
        describe:
          "the client's application writes, BYTES@MS,... (ms after the handshake; default one write of --bytes at 0)",
      })
      .option('push-per-write', {
        type: 'boolean',
        default: true,
        describe:
          'PSH on the segment that ends each write, as Linux (--no-push-per-write: only where the send queue empties)',
      })
      .option('rcvbuf-autotune', {
        type: 'boolean',
        default: true,
        describe: 'receive-buffer auto-tuning as Linux tcp_rcv_space_adjust (off with --rwnd too)',
      })
      .option('quickack', {
        type: 'boolean',
        default: true,
        describe: "Linux's quick-ACK mode (--no-quickack: delayed ACKs from the first segment)",
      })
      .option('sack-compression', {
        type: 'boolean',
        default: true,
        describe:
          "Linux's SACK compression (tcp_comp_sack_nr 44, 1 ms): after 3 duplicate ACKs, one SACK per ms while data is out of order",
      })
      .option('ecn', {
        type: 'boolean',
        describe: 'the client asks for ECN (RFC 3168); the bottleneck marks CE instead of dropping',
      })
      .option('ecn-threshold', {
        type: 'number',
        describe:
          'packets waiting at the bottleneck from which ECN-capable packets are marked CE (default half of --queue)',
      })
      // --- end rcv ---
      .option('progress', {
        type: 'boolean',
        default: true,
        describe: 'progress bar on stderr (when it is a terminal)',
      }),
  handler: async (args) => {
    const ipVersion = args.ipv6 ? 6 : 4;
    const tlsOnly = ['sni', 'alpn', 'keylog', 'tls-cipher'] as const;
    for (const name of tlsOnly) {
      if (args[name] !== undefined && !args.tls) throw new FieldError('tcp-flow', name, 'needs --tls');
    }
    const options: FlowOptions = {
      request: args.bytes,
      response: args['response-bytes'],
      rttMs: args.rtt,
      jitterMs: args.jitter,
      queuePackets: args.queue,
      lossModel: args['loss-model'],
      burstLength: args['burst-length'],
      seed: args.seed,
      cc: args.cc,
      sack: args.sack,
      rack: args.rack, // --- rack
      prr: args.prr,
      frto: args.frto,
      captureAt: parseCapturePoint(args['capture-at']),
      ipVersion,
      connections: args.connections,
      closeBy: args['close-by'],
      closeWith: args['close-with'],
      tracing: args.trace !== undefined || args.plot !== undefined,
    };
    if (args.bandwidth !== undefined) options.bandwidthBps = parseRate(args.bandwidth, 'bandwidth', 'bits');
    if (args.loss !== undefined) options.loss = args.loss;
    if (args.drop !== undefined) options.drop = args.drop;
    if (args.rwnd !== undefined) options.rwnd = args.rwnd;
    // --- rcv ---
    if (args.writes !== undefined) {
      if (args.tls) throw new FieldError('tcp-flow', 'writes', 'cannot be combined with --tls');
      options.writes = parseWrites(args.writes);
    }
    options.pushPerWrite = args['push-per-write'];
    options.rcvbufAutotune = args['rcvbuf-autotune'];
    options.quickAck = args.quickack;
    options.sackCompression = args['sack-compression'];
    if (args.ecn) options.ecn = true;
    if (args['ecn-threshold'] !== undefined) {
      const threshold = args['ecn-threshold'];
      if (!Number.isInteger(threshold) || threshold < 0)
        throw new FieldError('tcp-flow', 'ecn-threshold', `expected a packet count >= 0, got ${threshold}`);
      options.ecnThresholdPackets = threshold;
    }
    // --- end rcv ---
    const snapLen = args.snaplen;
    if (snapLen !== undefined && !(Number.isInteger(snapLen) && snapLen >= 1 && snapLen <= 262144))
      throw new FieldError('tcp-flow', 'snaplen', `expected a byte count 1..262144, got ${snapLen}`);
    if (args['reader-rate'] !== undefined)
      options.readerRate = parseRate(args['reader-rate'], 'reader-rate', 'bytes');
    const requestBytes = options.writes ? options.writes.reduce((sum, w) => sum + w.bytes, 0) : args.bytes;
    const total = (requestBytes + args['response-bytes']) * args.connections;
    if (args.progress && process.stderr.isTTY && total >= 5_000_000) options.onProgress = progressBar();

    // A stop signal during the run is acted on once the capture is closed (signals.ts).
    const guard = guardWriting();
    const tls = args.tls ? httpsConversation(args) : undefined;
    if (tls) options.conversation = tls.session.conversation;
    // The segments stream from the simulation into the capture file (flat memory at any size); they are
    // kept only when the plot needs them.
    const stream = streamFlow(options);
    const kept: CapturedSegment[] = [];
    const wanted = args.plot !== undefined;
    const segments = wanted
      ? (function* () {
          for (const segment of stream) {
            kept.push(segment);
            yield segment;
          }
        })()
      : stream;
    const format = args.format ?? (formatFromPath(args.output) === 'pcap' ? 'pcap' : 'pcapng');
    const addressing = {
      format,
      snapLen,
      ipVersion,
      clientIp: args['client-ip'] ?? (ipVersion === 6 ? '2001:db8::1' : '192.0.2.1'),
      serverIp: args['server-ip'] ?? (ipVersion === 6 ? '2001:db8::2' : '198.51.100.7'),
      clientPort: args['client-port'],
      serverPort: args['server-port'] ?? (args.tls ? 443 : 33333),
    } as const;
    const packets = tls
      ? await writeTlsFlowCapture(args.output, segments, {
          ...addressing,
          keyLog: tls.session.keyLog,
          keyLogFile: args.keylog,
        })
      : await writeFlowCapture(args.output, segments, { ...addressing, stop: guard.signal });
    await guard.finish(packets, args.output);
    const result: FlowResult = { segments: kept, trace: stream.trace, summary: stream.summary() };
    const written = [
      `${args.output} (${packets} packets${tls && format === 'pcapng' ? ', TLS key log in a DSB' : ''})`,
    ];
    if (args.keylog !== undefined) written.push(args.keylog);
    if (args.plot !== undefined) {
      writeFileSync(args.plot, plotFlow(result));
      written.push(args.plot);
    }
    if (args.trace !== undefined) {
      const { onProgress: _drop, ...recorded } = options;
      writeFileSync(
        args.trace,
        `${JSON.stringify({ options: recorded, summary: result.summary, events: result.trace })}\n`,
      );
      written.push(args.trace);
    }
    process.stdout.write(formatFlowSummary(result, written));
  },
};
