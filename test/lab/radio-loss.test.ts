/**
 * The journey's radio loss, captured from the Linux kernel (issue 12's "radio hop's reassembly error",
 * issue 14's "tshark with no preference set decodes every journey capture"). See docs/radio-reassembly.md.
 *
 * The phone's HTTP POST (the plain-HTTP journey's request, byte for byte, from `phoneRequest`) goes from
 * a sender namespace to an HTTP server on port 8000 (a port Wireshark's HTTP heuristic takes) in a
 * receiver namespace, through the relay of kernel-tcp-lab.ts (10 ms each way), which drops chosen data
 * segments after the sender-side capture point. The relay writes the sender-side capture (what the
 * phone's own capture, the journey's radio hop, shows); tcpdump in the receiver namespace writes the
 * receiver-side one (what every hop after the loss shows). The sender's link MTU is the phone's (1400),
 * so Linux segments the request as the journey's phone does. Both captures are read by tshark 4.0.17
 * with its default preferences (an empty configuration directory).
 *
 * What this keeps checked:
 *  - A segment lost in the middle of the request (the journey's old default, request segment 3): tshark
 *    says of Linux's bytes what it says of ours. At the sender side the fast retransmission falls into an
 *    HTTP request that tshark already reassembled: "Reassembly error, protocol TCP: New fragment overlaps
 *    old data (retransmission?)" (Malformed). At the receiver side the retransmission fills the hole after
 *    the rest of the request, and tshark's in-order reassembly does not hand a retransmission to HTTP: no
 *    request is decoded. Linux retransmits exactly the lost segment (same sequence number and length).
 *  - The request's first segment lost: the sender side decodes the request (the retransmission of an
 *    already reassembled request's first segment is not an error), the receiver side does not (the hole
 *    at its start), for Linux's bytes as for ours.
 *  - The request's last segment lost (the plain-HTTP journey's radio tail loss now): nothing follows it;
 *    the kernel's timer (TLP/RTO) resends it, the sender side decodes the request with no error and the
 *    receiver side sees the retransmission as the next segment in order: both decode, as ours do.
 *  - A request that fits one segment, lost (as the journey's ClientHello is in HTTPS): nothing follows it, so
 *    no duplicate ACKs; the kernel's timer resends it, and tshark decodes the request at both sides.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJourney,
  hopFileName,
  phoneRequest,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { tsharkRows } from '../tshark.js';
import { KernelTcpLab, RECEIVER_IP, SENDER_IP } from './kernel-tcp-lab.js';

const HELPER = fileURLToPath(new URL('./radio-loss.py', import.meta.url));
const RELAY = fileURLToPath(new URL('./kernel-tcp.py', import.meta.url));
const PORT = 8000;
const PHONE_MTU = 1400;

const FIELDS = [
  'ip.src',
  'tcp.seq',
  'tcp.len',
  'tcp.flags.push',
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.lost_segment',
  'http.request.method',
  '_ws.malformed',
  '_ws.expert.message',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

let dir: string;
let lab: KernelTcpLab | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pktcraft-radio-'));
  lab = new KernelTcpLab(dir);
  execFileSync('ip', ['-n', lab.sender, 'link', 'set', 'dev', `${lab.name}a`, 'mtu', String(PHONE_MTU)]);
});

afterAll(() => {
  lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spawnIn(ns: string, args: string[], children: ChildProcess[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function waitFor(child: ChildProcess, stream: 'stdout' | 'stderr', text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' from ${child.spawnargs.join(' ')}: ${seen}`)),
      15_000,
    );
    child[stream]?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function exited(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', () => resolve(out));
  });
}

/** The JSON object on the last line a helper printed. */
function lastJson(output: string): unknown {
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

/** Sends `request` through the relay dropping the given data segments; returns both captures. */
async function capture(
  tag: string,
  request: Uint8Array,
  drop: number[],
): Promise<{ sender: string; receiver: string }> {
  const current = lab;
  if (!current) throw new Error('the lab is not up');
  const children: ChildProcess[] = [];
  const sender = join(dir, `${tag}-sender.pcap`);
  const receiver = join(dir, `${tag}-receiver.pcap`);
  const requestFile = join(dir, `${tag}-request.bin`);
  writeFileSync(requestFile, request);
  try {
    const relay = spawnIn(
      current.relay,
      [
        'python3',
        RELAY,
        'relay',
        `${current.name}ra`,
        `${current.name}rb`,
        '--delay-ms',
        '10',
        '--pcap',
        sender,
        '--drop',
        drop.join(','),
      ],
      children,
    );
    const relayDone = exited(relay);
    const dump = spawnIn(
      current.receiver,
      [
        'tcpdump',
        '-i',
        `${current.name}b`,
        '-n',
        '--immediate-mode',
        '-U',
        '-w',
        receiver,
        'tcp',
        'port',
        String(PORT),
      ],
      children,
    );
    const dumpDone = exited(dump);
    await waitFor(dump, 'stderr', 'listening on');
    const server = spawnIn(current.receiver, ['python3', HELPER, 'http-server', String(PORT)], children);
    const served = exited(server);
    await Promise.all([waitFor(relay, 'stdout', 'ready'), waitFor(server, 'stdout', 'ready')]);
    const client = spawnIn(
      current.sender,
      ['python3', HELPER, 'http-client', RECEIVER_IP, String(PORT), requestFile],
      children,
    );
    const sent = lastJson(await exited(client)) as { sent?: number; response_bytes?: number };
    const read = lastJson(await served) as { request_bytes?: number; method?: string };
    expect(sent.sent, 'the client sent the whole request').toBe(request.length);
    expect(read.request_bytes, 'the server read the whole request').toBe(request.length);
    expect(sent.response_bytes ?? 0, 'the client read the response').toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last ACK and FIN reach both captures
    dump.kill('SIGINT');
    relay.kill('SIGTERM');
    await Promise.all([dumpDone, relayDone]);
    return { sender, receiver };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const read = (file: string): Row[] => tsharkRows(file, FIELDS);
const fromClient = (rows: Row[], client: string): Row[] => rows.filter((row) => row['ip.src'] === client);
const dataOf = (rows: Row[]): Row[] => rows.filter((row) => Number(row['tcp.len'] || '0') > 0);
const requestsIn = (rows: Row[]): number =>
  rows.filter((row) => row['http.request.method'] === 'POST').length;
const malformed = (rows: Row[]): Row[] => rows.filter((row) => row['_ws.malformed'] !== '');
const overlapErrors = (rows: Row[]): Row[] =>
  rows.filter((row) =>
    row['_ws.expert.message'].includes('New fragment overlaps old data (retransmission?)'),
  );

/** The plain-HTTP journey with a chosen radio uplink loss: the phone's capture and the next hop's. */
async function journeyCaptures(
  tag: string,
  uplinkDrops: number[],
): Promise<{ radio: string; s1u: string; client: string }> {
  const result = buildJourney(
    resolveJourneyConfig({ https: false, name: tag, lessons: { radioTailLoss: false, uplinkDrops } }),
  );
  const out = join(dir, `journey-${tag}`);
  await writeScenario(result.scenario, out);
  const file = (hop: number): string => {
    const info = result.hops[hop];
    if (!info) throw new Error(`no hop ${hop}`);
    return join(out, tag, `${hopFileName(hop, info)}.pcap`);
  };
  // By id: the hop numbers move when hops are added (j-setup puts s11 and s5c first).
  const index = (id: string): number => result.hops.findIndex((hop) => hop.id === id);
  return { radio: file(index('radio')), s1u: file(index('s1u')), client: result.config.phone.ip };
}

describe('the radio loss from the Linux kernel, read by tshark with its default preferences', () => {
  const request = phoneRequest(resolveJourneyConfig({ https: false }));

  it('request segment 3 lost: the overlap error at the sender side, no decodable request after the loss, as in ours', async () => {
    const { sender, receiver } = await capture('mid', request, [3]);
    const senderRows = read(sender);
    const data = dataOf(fromClient(senderRows, SENDER_IP));
    // Linux segments the request as the phone does: full 1348-octet segments (MTU 1400, timestamps) and the rest.
    const firstPass = data.filter((row) => row['tcp.analysis.retransmission'] === '');
    const sizes = firstPass.map((row) => Number(row['tcp.len']));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(request.length);
    expect(sizes.slice(0, -1).every((size) => size === PHONE_MTU - 40 - 12)).toBe(true);
    // One fast retransmission, of exactly the lost segment.
    const retransmissions = data.filter((row) => row['tcp.analysis.retransmission'] !== '');
    expect(retransmissions).toHaveLength(1);
    const [again] = retransmissions;
    expect(again?.['tcp.analysis.fast_retransmission']).not.toBe('');
    expect(again?.['tcp.seq']).toBe(firstPass[2]?.['tcp.seq']);
    expect(again?.['tcp.len']).toBe(firstPass[2]?.['tcp.len']);
    // tshark's verdict on the kernel's sender-side capture: the request decodes, the retransmission is Malformed.
    expect(requestsIn(senderRows)).toBe(1);
    expect(overlapErrors(senderRows)).toEqual([again]);
    expect(malformed(senderRows)).toEqual([again]);
    // And on the receiver-side capture: the hole, then the retransmission; HTTP never sees the request.
    const receiverRows = read(receiver);
    expect(
      dataOf(fromClient(receiverRows, SENDER_IP)).filter((r) => r['tcp.analysis.lost_segment'] !== ''),
    ).toHaveLength(1);
    expect(requestsIn(receiverRows)).toBe(0);
    expect(malformed(receiverRows)).toEqual([]);
    // pktcraft's journey with the same loss: tshark says the same of its radio and S1-U captures.
    const ours = await journeyCaptures('mid', [3]);
    const radio = read(ours.radio);
    const ourRetransmissions = dataOf(fromClient(radio, ours.client)).filter(
      (r) => r['tcp.analysis.retransmission'] !== '',
    );
    expect(ourRetransmissions).toHaveLength(1);
    expect(ourRetransmissions[0]?.['tcp.analysis.fast_retransmission']).not.toBe('');
    expect(requestsIn(radio)).toBe(1);
    expect(overlapErrors(radio)).toEqual(ourRetransmissions);
    expect(requestsIn(read(ours.s1u))).toBe(0);
    const pushes = (rows: Row[]): number => rows.filter((r) => r['tcp.flags.push'] === '1').length;
    console.log(
      `request segments (Linux): ${sizes.join(' ')}; PSH on ${pushes(firstPass)} of them (pktcraft: ${pushes(dataOf(fromClient(radio, ours.client)).filter((r) => r['tcp.analysis.retransmission'] === ''))})`,
    );
  });

  it('request segment 1 lost: decoded at the sender side, not after the hole, as in ours', async () => {
    const { sender, receiver } = await capture('first', request, [1]);
    const senderRows = read(sender);
    const data = dataOf(fromClient(senderRows, SENDER_IP));
    const retransmissions = data.filter((row) => row['tcp.analysis.retransmission'] !== '');
    expect(retransmissions).toHaveLength(1);
    expect(retransmissions[0]?.['tcp.analysis.fast_retransmission']).not.toBe('');
    expect(retransmissions[0]?.['tcp.seq']).toBe('1');
    expect(requestsIn(senderRows)).toBe(1);
    expect(malformed(senderRows)).toEqual([]);
    const receiverRows = read(receiver);
    expect(requestsIn(receiverRows)).toBe(0);
    expect(malformed(receiverRows)).toEqual([]);
    const ours = await journeyCaptures('first', [1]);
    const radio = read(ours.radio);
    const ourRetransmissions = dataOf(fromClient(radio, ours.client)).filter(
      (r) => r['tcp.analysis.retransmission'] !== '',
    );
    expect(
      ourRetransmissions.map((r) => [r['tcp.seq'], r['tcp.analysis.fast_retransmission'] !== '']),
    ).toEqual([['1', true]]);
    expect(requestsIn(radio)).toBe(1);
    expect(malformed(radio)).toEqual([]);
    expect(requestsIn(read(ours.s1u))).toBe(0);
  });

  it("the request's last segment lost (the plain-HTTP journey): the timer resends it, both sides decode, as in ours", async () => {
    const tail = Math.ceil(request.length / (PHONE_MTU - 40 - 12));
    const { sender, receiver } = await capture('tail', request, [tail]);
    const senderRows = read(sender);
    const data = dataOf(fromClient(senderRows, SENDER_IP));
    const retransmissions = data.filter((row) => row['tcp.analysis.retransmission'] !== '');
    expect(retransmissions).toHaveLength(1);
    expect(retransmissions[0]?.['tcp.analysis.fast_retransmission']).toBe('');
    expect(requestsIn(senderRows)).toBe(1);
    expect(malformed(senderRows)).toEqual([]);
    const receiverRows = read(receiver);
    expect(requestsIn(receiverRows)).toBe(1);
    expect(malformed(receiverRows)).toEqual([]);
    expect(receiverRows.filter((row) => row['tcp.analysis.retransmission'] !== '')).toEqual([]);
    const ours = await journeyCaptures('tail', [tail]);
    const radio = read(ours.radio);
    expect(
      dataOf(fromClient(radio, ours.client)).filter((r) => r['tcp.analysis.retransmission'] !== ''),
    ).toHaveLength(1);
    expect(requestsIn(radio)).toBe(1);
    expect(malformed(radio)).toEqual([]);
    expect(requestsIn(read(ours.s1u))).toBe(1);
  });

  it('a one-segment request lost: the timer resends it, and tshark decodes the request at both sides', async () => {
    const small = phoneRequest(resolveJourneyConfig({ https: false, order: { items: 1 } }));
    expect(small.length).toBeLessThan(PHONE_MTU - 40 - 12);
    const { sender, receiver } = await capture('single', small, [1]);
    const senderRows = read(sender);
    const data = dataOf(fromClient(senderRows, SENDER_IP));
    expect(data).toHaveLength(2);
    expect(data[1]?.['tcp.analysis.retransmission']).not.toBe('');
    expect(data[1]?.['tcp.analysis.fast_retransmission']).toBe('');
    expect(requestsIn(senderRows)).toBe(1);
    expect(malformed(senderRows)).toEqual([]);
    const receiverRows = read(receiver);
    expect(requestsIn(receiverRows)).toBe(1);
    expect(malformed(receiverRows)).toEqual([]);
  });
});
