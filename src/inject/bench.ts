/**
 * Layer 2 send-rate benchmark: `pktcraft replay --topspeed` and `tcpreplay --topspeed` on the same pcap,
 * onto the same veth pair, in a network namespace created for the run and removed after it (never the root
 * namespace). Needs root, iproute2 and tcpreplay.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InjectError } from '../core/errors.js';

export interface L2BenchOptions {
  /** Frames in the pcap (default 100000). */
  packets?: number;
  /** Bytes per frame (default 128; 60..1514). */
  frameLength?: number;
}

export interface L2SendRate {
  tool: 'pktcraft' | 'tcpreplay';
  packets: number;
  packetsPerSecond: number;
  megabitsPerSecond: number;
  elapsedMs: number;
}

export interface L2BenchResult {
  packets: number;
  frameLength: number;
  pktcraft: L2SendRate;
  tcpreplay: L2SendRate;
}

/** A classic µs pcap of `count` Ethernet frames (EtherType 0x88b5, to a MAC nobody owns). */
export function benchPcap(count: number, frameLength: number): Uint8Array {
  const out = new Uint8Array(24 + count * (16 + frameLength));
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 262144, true);
  view.setUint32(20, 1, true);
  let at = 24;
  for (let i = 0; i < count; i++) {
    view.setUint32(at, 1700000000 + Math.floor(i / 1_000_000), true);
    view.setUint32(at + 4, i % 1_000_000, true);
    view.setUint32(at + 8, frameLength, true);
    view.setUint32(at + 12, frameLength, true);
    at += 16;
    out.set([0x02, 0, 0, 0, 0, 0x99, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5], at);
    view.setUint32(at + 14, i);
    for (let k = 18; k < frameLength; k++) out[at + k] = k & 0xff;
    at += frameLength;
  }
  return out;
}

function run(argv: string[], timeoutMs = 600_000): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function must(argv: string[]): string {
  const result = run(argv);
  if (result.status !== 0)
    throw new InjectError('EBENCH', `${argv.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The CLI entry next to this module: dist/cli/main.js when built, src/cli/main.ts (through tsx) otherwise. */
function cliCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? '../cli/main.ts' : '../cli/main.js', import.meta.url));
  return fromSource ? [process.execPath, '--import', 'tsx', main] : [process.execPath, main];
}

/** Parses tcpreplay's "Rated: ... Bps, X Mbps, Y pps" and "Actual: N packets (...) sent in S seconds". */
export function parseTcpreplayOutput(text: string): {
  packets: number;
  packetsPerSecond: number;
  megabitsPerSecond: number;
  seconds: number;
} {
  const rated = /Rated:\s*[\d.]+\s*Bps,\s*([\d.]+)\s*Mbps,\s*([\d.]+)\s*pps/.exec(text);
  const actual = /Actual:\s*(\d+)\s*packets\s*\([^)]*\)\s*sent in\s*([\d.]+)\s*seconds/.exec(text);
  if (!rated || !actual)
    throw new InjectError('EBENCH', `cannot read tcpreplay's output: ${text.trim().slice(0, 200)}`);
  return {
    packets: Number(actual[1]),
    seconds: Number(actual[2]),
    megabitsPerSecond: Number(rated[1]),
    packetsPerSecond: Number(rated[2]),
  };
}

/** Measures both senders on a fresh veth pair; the namespace and files are removed even on failure. */
export function benchL2SendRate(options: L2BenchOptions = {}): L2BenchResult {
  const packets = options.packets ?? 100_000;
  const frameLength = options.frameLength ?? 128;
  if (!(Number.isInteger(packets) && packets > 0))
    throw new InjectError('EINVAL', 'packets must be a positive integer');
  if (!(frameLength >= 60 && frameLength <= 1514))
    throw new InjectError('EINVAL', 'frameLength must be 60..1514');
  const namespace = `pkc-bench-${process.pid}-${randomBytes(2).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'pkc-bench-'));
  const pcap = join(dir, 'bench.pcap');
  writeFileSync(pcap, benchPcap(packets, frameLength));
  must(['ip', 'netns', 'add', namespace]);
  try {
    must(['ip', '-n', namespace, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1']);
    must(['ip', '-n', namespace, 'link', 'set', 'bench0', 'up']);
    must(['ip', '-n', namespace, 'link', 'set', 'bench1', 'up']);
    const ours = run([
      'ip',
      'netns',
      'exec',
      namespace,
      ...cliCommand(),
      'replay',
      pcap,
      '-i',
      'bench0',
      '--topspeed',
      '--json',
    ]);
    if (ours.status !== 0) throw new InjectError('EBENCH', `pktcraft replay failed: ${ours.stderr.trim()}`);
    const report = JSON.parse(ours.stdout) as {
      sent: number;
      packetsPerSecond: number;
      megabitsPerSecond: number;
      elapsedMs: number;
    };
    const theirs = run(['ip', 'netns', 'exec', namespace, 'tcpreplay', '--topspeed', '-i', 'bench0', pcap]);
    if (theirs.status !== 0) throw new InjectError('EBENCH', `tcpreplay failed: ${theirs.stderr.trim()}`);
    const parsed = parseTcpreplayOutput(theirs.stdout);
    return {
      packets,
      frameLength,
      pktcraft: {
        tool: 'pktcraft',
        packets: report.sent,
        packetsPerSecond: report.packetsPerSecond,
        megabitsPerSecond: report.megabitsPerSecond,
        elapsedMs: report.elapsedMs,
      },
      tcpreplay: {
        tool: 'tcpreplay',
        packets: parsed.packets,
        packetsPerSecond: parsed.packetsPerSecond,
        megabitsPerSecond: parsed.megabitsPerSecond,
        elapsedMs: parsed.seconds * 1000,
      },
    };
  } finally {
    const pids = run(['ip', 'netns', 'pids', namespace]).stdout.split(/\s+/).filter(Boolean);
    for (const pid of pids) run(['kill', '-KILL', pid]);
    run(['ip', 'netns', 'del', namespace]);
    rmSync(dir, { recursive: true, force: true });
  }
}
