/**
 * `pktcraft tcp-client HOST PORT --interface IF --src IP [--request TEXT]`: a TCP connection run from
 * userspace (handshake, request, the whole response, close), printing the response on stdout and the
 * server's SYN-ACK options on stderr. --src must not be an address of this host's namespace (its kernel would
 * reset the connection); the lab's 198.51.100.10 is made for it.
 */

import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { CommandModule } from 'yargs';
import { createCaptureWriter } from '../capture/writer.js';
import { toHex } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { tcpRequest, tlsRequest } from '../inject/tcp-client.js';

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
  tls?: boolean | undefined;
  sni?: string | undefined;
  alpn?: string | undefined;
  output?: string | undefined;
  keylog?: string | undefined;
  seed?: number | undefined;
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
      .option('tls', {
        type: 'boolean',
        describe:
          'TLS 1.3 (X25519): handshake, the request and the answer encrypted; the server key is checked against its certificate, which is not validated',
      })
      .option('sni', {
        type: 'string',
        describe: 'TLS server_name (default HOST when it is a name; none for an address)',
      })
      .option('alpn', { type: 'string', describe: 'ALPN protocols offered (default http/1.1)' })
      .option('output', {
        alias: 'o',
        type: 'string',
        describe:
          'write the connection as pcapng (with --tls: the key log in a DSB, so Wireshark decrypts it)',
      })
      .option('keylog', {
        type: 'string',
        describe: 'with --tls: also write the key log (SSLKEYLOGFILE format) here',
      })
      .option('seed', {
        type: 'number',
        describe: 'with --tls: seed for the randoms and key share (default random)',
      })
      .example(
        'ip netns exec pkc-client $0 tcp-client 203.0.113.2 8080 -i c0 --src 198.51.100.10',
        'GET / from the lab HTTP server',
      ),
  handler: async (args) => {
    const text =
      args.request !== undefined
        ? unescapeText(args.request)
        : `GET / HTTP/1.0\r\nHost: ${args.host}\r\n\r\n`;
    for (const name of ['sni', 'alpn', 'keylog', 'seed'] as const) {
      if (args[name] !== undefined && !args.tls) throw new FieldError('tcp-client', name, 'needs --tls');
    }
    const common = {
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
    };
    const tlsResult = args.tls
      ? tlsRequest({
          ...common,
          serverName: args.sni ?? (isIP(args.host) ? undefined : args.host),
          alpn: (args.alpn ?? 'http/1.1')
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name.length > 0),
          seed: args.seed,
        })
      : undefined;
    const result = tlsResult ?? tcpRequest(common);
    if (tlsResult && args.keylog !== undefined) writeFileSync(args.keylog, tlsResult.tls.keyLog);
    if (args.output !== undefined) {
      const opened = tlsResult?.openedAtMs ?? Date.now();
      const writer = createCaptureWriter(args.output, { format: 'pcapng', linkType: 1, tsResolution: 'us' });
      if (tlsResult) writer.addDecryptionSecrets(tlsResult.tls.keyLog);
      for (const segment of result.segments) {
        const us = Math.round((opened + segment.timeMs) * 1000);
        const sec = Math.floor(us / 1e6);
        writer.writePacket(segment.bytes, sec, (us - sec * 1e6) * 1000, {
          direction: segment.direction === 'out' ? 'outbound' : 'inbound',
        });
      }
      await writer.close();
    }
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
          ...(tlsResult
            ? {
                tls: {
                  cipherSuite: tlsResult.tls.cipherSuite,
                  alpn: tlsResult.tls.alpn ?? null,
                  certificateVerified: tlsResult.tls.certificateVerified,
                  certificateSubject: tlsResult.tls.certificateSubject ?? null,
                  alerts: tlsResult.tls.alerts,
                  sessionTickets: tlsResult.tls.sessionTickets,
                },
              }
            : {}),
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
