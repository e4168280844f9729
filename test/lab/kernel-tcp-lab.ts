/**
 * Lab helper of kernel-tcp.test.ts (not a test): a sender namespace, a relay namespace and a receiver
 * namespace joined by veth pairs, with unique names, torn down in `close()` (and on process exit as a
 * fallback). The relay (kernel-tcp.py) delays every frame (this kernel has no netem), drops the chosen
 * segments, and sends through a tbf qdisc where a bottleneck is wanted. The relay also writes the
 * sender-side capture (as a capture at the sender would see it: pktcraft's capture point 'client',
 * with the losses after it).
 * Nothing is sent from the root namespace.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HELPER = fileURLToPath(new URL('./kernel-tcp.py', import.meta.url));
export const SENDER_IP = '10.77.0.1';
export const RECEIVER_IP = '10.77.0.2';
const PORT = 5001;

export interface KernelRun {
  /** The sender-side capture. */
  pcap: string;
  received: number;
  relay: { forwarded: number; dropped: number; random: number; data_a_to_b: number; oversize: number };
}

export interface KernelScenario {
  /** Application writes: sizes in bytes at times in ms after connecting. */
  writes: Array<{ bytes: number; atMs: number }>;
  oneWayDelayMs: number;
  /** Data transmissions from the sender to drop (1-based, retransmissions count). */
  drop?: number[];
  /** Also drop the first retransmission of the bytes of this (dropped) transmission. */
  dropRetransmissionOf?: number;
  loss?: number;
  seed?: number;
  /** tbf rate towards the receiver, e.g. '20mbit'. */
  rate?: string;
  receiverBuffer?: number;
  readRate?: number;
  /** SO_SNDBUF of the sender (fixed: no send-buffer auto-tuning). */
  senderBuffer?: number;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNamespace(ns: string, command: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Collects a child's stdout; resolves with it when the child exits. */
function collect(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM' || signal === 'SIGINT') resolve(out);
      else reject(new Error(`${child.spawnargs.join(' ')} exited with ${code ?? signal}: ${err.trim()}`));
    });
  });
}

function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${child.spawnargs.join(' ')}: no '${line}'`)),
      timeoutMs,
    );
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class KernelTcpLab {
  readonly name = `kt${randomBytes(3).toString('hex')}`;
  readonly sender = `${this.name}s`;
  readonly relay = `${this.name}r`;
  readonly receiver = `${this.name}v`;
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  private readonly onExit = (): void => this.close();

  constructor(private readonly dir: string) {
    process.on('exit', this.onExit);
    try {
      for (const ns of [this.sender, this.relay, this.receiver]) {
        ip(['netns', 'add', ns]);
        ip(['-n', ns, 'link', 'set', 'lo', 'up']);
        // --- rcv: Linux's default tcp_rmem (a new namespace copies the host's, which may be raised):
        // the receive buffer starts at 131072 and auto-tunes up to 6 MiB, so the window scale is 7 ---
        inNamespace(ns, 'sysctl', ['-q', '-w', 'net.ipv4.tcp_rmem=4096 131072 6291456']);
        // --- end rcv ---
      }
      ip([
        'link',
        'add',
        `${this.name}a`,
        'netns',
        this.sender,
        'type',
        'veth',
        'peer',
        'name',
        `${this.name}ra`,
        'netns',
        this.relay,
      ]);
      ip([
        'link',
        'add',
        `${this.name}b`,
        'netns',
        this.receiver,
        'type',
        'veth',
        'peer',
        'name',
        `${this.name}rb`,
        'netns',
        this.relay,
      ]);
      for (const [ns, dev] of [
        [this.sender, `${this.name}a`],
        [this.relay, `${this.name}ra`],
        [this.relay, `${this.name}rb`],
        [this.receiver, `${this.name}b`],
      ] as const) {
        // Real checksums and one segment per frame, as on a wire (the relay forwards frames as they are).
        inNamespace(ns, 'ethtool', ['-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
        ip(['-n', ns, 'link', 'set', dev, 'up']);
      }
      ip(['-n', this.sender, 'addr', 'add', `${SENDER_IP}/24`, 'dev', `${this.name}a`]);
      ip(['-n', this.receiver, 'addr', 'add', `${RECEIVER_IP}/24`, 'dev', `${this.name}b`]);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private spawnIn(ns: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  async run(tag: string, s: KernelScenario): Promise<KernelRun> {
    const pcap = `${this.dir}/kernel-${tag}.pcap`;
    const rb = `${this.name}rb`;
    try {
      execFileSync('ip', ['netns', 'exec', this.relay, 'tc', 'qdisc', 'del', 'dev', rb, 'root'], {
        stdio: 'ignore',
      });
    } catch {
      // no tbf from an earlier scenario
    }
    if (s.rate !== undefined) {
      inNamespace(this.relay, 'tc', [
        'qdisc',
        'add',
        'dev',
        rb,
        'root',
        'tbf',
        'rate',
        s.rate,
        'burst',
        '16kb',
        'latency',
        '100ms',
      ]);
    }
    const relayArgs = [
      'python3',
      HELPER,
      'relay',
      `${this.name}ra`,
      rb,
      '--delay-ms',
      String(s.oneWayDelayMs),
      '--pcap',
      pcap,
    ];
    if (s.drop && s.drop.length > 0) relayArgs.push('--drop', s.drop.join(','));
    if (s.dropRetransmissionOf !== undefined)
      relayArgs.push('--drop-retransmission-of', String(s.dropRetransmissionOf));
    if (s.loss !== undefined) relayArgs.push('--loss', String(s.loss), '--seed', String(s.seed ?? 1));
    const relay = this.spawnIn(this.relay, relayArgs);
    const relayOut = collect(relay);
    const serverArgs = ['python3', HELPER, 'server', String(PORT)];
    if (s.receiverBuffer !== undefined) serverArgs.push('--rcvbuf', String(s.receiverBuffer));
    if (s.readRate !== undefined) serverArgs.push('--read-rate', String(s.readRate));
    const server = this.spawnIn(this.receiver, serverArgs);
    const serverOut = collect(server);
    await Promise.all([waitForLine(relay, 'ready', 20_000), waitForLine(server, 'ready', 20_000)]);
    const writes = s.writes.map((w) => `${w.bytes}@${w.atMs}`).join(',');
    const client = this.spawnIn(this.sender, [
      'python3',
      HELPER,
      'client',
      RECEIVER_IP,
      String(PORT),
      '--writes',
      writes,
      ...(s.senderBuffer !== undefined ? ['--sndbuf', String(s.senderBuffer)] : []),
    ]);
    await collect(client);
    const serverText = await serverOut;
    await sleep(200 + 4 * s.oneWayDelayMs); // the last ACKs reach the sender
    relay.kill('SIGTERM');
    const relayText = await relayOut;
    const received = JSON.parse(serverText.trim().split('\n').at(-1) ?? '{}') as { received: number };
    const relayCounts = JSON.parse(relayText.trim().split('\n').at(-1) ?? '{}') as KernelRun['relay'];
    return { pcap, received: received.received, relay: relayCounts };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    for (const child of this.children) child.kill('SIGKILL');
    for (const ns of [this.sender, this.relay, this.receiver]) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .split('\n')
          .filter((p) => p.trim() !== '');
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // already gone
          }
        }
      } catch {
        // namespace never made
      }
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // never made
      }
    }
  }
}
