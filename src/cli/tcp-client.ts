/**
 * `pktcraft tcp-client HOST PORT --interface IF --src IP [--request TEXT]`: a TCP connection run from
 * userspace (handshake, request, the whole response, close), printing the response on stdout and the
 * server's SYN-ACK options on stderr. --src must not be an address of this host's namespace (its kernel would
 * reset the connection); the lab's 198.51.100.10 is made for it.
 */
import type { CommandModule } from 'yargs';
import { toHex } from '../core/bytes.js';
import { tcpRequest } from '../inject/tcp-client.js';

interface TcpClientArgs {
  host: string;
  port: number;
  interface?: string;
  src: string;
  request?: string;
  sport?: number;
  'dst-mac'?: string;
  'src-mac'?: string;
  mss: number;
  wscale: number;
  sackok: boolean;
  timestamps: boolean;
  window: number;
  timeout: number;
  json?: boolean;
  force?: boolean;
}

/** Turns \r \n \t \\ \xNN escapes typed on a command line into characters. */
export function unescapeText(text: string): string {
  return text.replace(/\\(r|n|t|\\|x[0-9a-fA-F]{2})/g, (_, sequence: string) => {
    if (sequence === 'r') return '\r';
    if (sequence === 'n') return '\n';
    if (sequence === 't') return '\t';
    if (sequence === '\\') return '\\';
    return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
  });
}

const FLAG_LETTERS = 'FSRPAUECN';
function flagLetters(flags: number): string {
  let letters = '';
  for (let bit = 0; bit < FLAG_LETTERS.length; bit++) if (flags & (1 << bit)) letters += FLAG_LETTERS[bit];
  return letters;
}

export const tcpClientCommand: CommandModule<object, TcpClientArgs> = {
  command: 'tcp-client <host> <port>',
  describe: 'Run a TCP connection from userspace against a server (handshake, request, response, close)',
  builder: (yargs) =>
    yargs
      .positional('host', { type: 'string', demandOption: true, describe: 'server IPv4 or IPv6 address' })
      .positional('port', { type: 'number', demandOption: true, describe: 'server port' })
      .option('interface', { alias: 'i', type: 'string', describe: 'interface to use (required)' })
      .option('src', {
        type: 'string',
        demandOption: true,
        describe: 'our IPv4 or IPv6 address, same family as the server (not configured on this host)',
      })
      .option('request', {
        type: 'string',
        describe: 'text to send (\\r\\n escapes); default an HTTP/1.0 GET /',
      })
      .option('sport', { type: 'number', describe: 'source port (default random 49152..65535)' })
      .option('dst-mac', {
        type: 'string',
        describe: 'next-hop MAC (default: resolved with ARP or IPv6 neighbour discovery)',
      })
      .option('src-mac', { type: 'string', describe: 'our MAC (default: the interface MAC)' })
      .option('mss', { type: 'number', default: 1460, describe: 'MSS option in the SYN' })
      .option('wscale', { type: 'number', default: 7, describe: 'window scale option in the SYN' })
      .option('sackok', { type: 'boolean', default: true, describe: 'SACK-permitted option in the SYN' })
      .option('timestamps', { type: 'boolean', default: true, describe: 'timestamps option' })
      .option('window', { type: 'number', default: 65535, describe: 'advertised window field' })
      .option('timeout', { type: 'number', default: 1000, describe: 'ms before a retransmission' })
      .option('json', {
        type: 'boolean',
        describe: 'print a JSON report (SYN-ACK options, segments, response)',
      })
      .option('force', { type: 'boolean', describe: 'allow the default-route interface and loopback' })
      .example(
        'ip netns exec pkc-client $0 tcp-client 203.0.113.2 8080 -i c0 --src 198.51.100.10',
        'GET / from the lab HTTP server',
      ),
  handler: (args) => {
    const text =
      args.request !== undefined
        ? unescapeText(args.request)
        : `GET / HTTP/1.0\r\nHost: ${args.host}\r\n\r\n`;
    const result = tcpRequest({
      interfaceName: args.interface,
      srcIp: args.src,
      dstIp: args.host,
      dstPort: args.port,
      ...(args.sport !== undefined ? { srcPort: args.sport } : {}),
      ...(args['dst-mac'] ? { dstMac: args['dst-mac'] } : {}),
      ...(args['src-mac'] ? { srcMac: args['src-mac'] } : {}),
      mss: args.mss,
      wscale: args.wscale,
      sackok: args.sackok,
      timestamps: args.timestamps,
      window: args.window,
      timeoutMs: args.timeout,
      force: args.force ?? false,
      request: new TextEncoder().encode(text),
    });
    const synAck = result.synAck;
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({
          srcPort: result.srcPort,
          synAck: { ...synAck, options: toHex(synAck.options) },
          segments: result.segments.map((segment) => ({
            direction: segment.direction,
            timeMs: Number(segment.timeMs.toFixed(3)),
            flags: flagLetters(segment.flags),
            seq: segment.seq,
            ack: segment.ack,
            window: segment.window,
            length: segment.payloadLength,
          })),
          resetsReceived: result.resetsReceived,
          responseLength: result.response.length,
          response: new TextDecoder().decode(result.response),
        })}\n`,
      );
      return;
    }
    process.stderr.write(
      `SYN-ACK: mss=${synAck.mss ?? '-'} wscale=${synAck.wscale ?? '-'} sackok=${synAck.sackok} ` +
        `tsval=${synAck.tsval ?? '-'} tsecr=${synAck.tsecr ?? '-'} window=${synAck.window}\n`,
    );
    process.stdout.write(result.response);
    process.stderr.write(
      `received ${result.response.length} bytes in ${result.segments.filter((s) => s.direction === 'in').length} segments; closed cleanly\n`,
    );
  },
};
