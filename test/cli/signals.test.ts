/**
 * Every command that writes a capture, stopped by SIGINT, SIGTERM or SIGHUP, in pcap and pcapng: the
 * built CLI exits 128 + the signal's number, prints one line with the packet count, and leaves a file
 * that capinfos reads without complaint and pktcraft's strict reader reads whole, holding exactly that
 * many packets (for `--vary`, the last one is the right one: nothing lost in between). SIGKILL leaves
 * at most one partial record at the end, which `info` and `decode` report and `convert` repairs.
 *
 * Long runs (build, convert, a 20 GB tcp-flow) are signalled from outside once the output has grown,
 * so the signal lands inside the writing loop. A short tcp-flow is also signalled from inside: a
 * preload (test/cli/self-signal.mjs) makes the process signal itself as soon as the handler is
 * installed, so the signal arrives while the capture is being built.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureRecord, readCapture } from '../../src/capture/index.js';
import { generateToCapture } from '../../src/engine/generate.js';
import { parseSpec } from '../../src/packet/spec.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const SELF_SIGNAL = join(import.meta.dirname, 'self-signal.mjs');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-signals-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const FORMATS = ['pcap', 'pcapng'] as const;
type StopSignal = (typeof SIGNALS)[number];
type Format = (typeof FORMATS)[number];

/** GTP-U with a TEID counting up from 1: packet i (0-based) has TEID i + 1 at bytes 46..49. */
const VARY_SPEC = 'ether/ipv4/udp(dport=2152)/gtpu/ipv4/icmp';
const TEID_OFFSET = 14 + 20 + 8 + 4;
const LONG_COUNT = '30000000';
let convertInput: string;

beforeAll(async () => {
  // The input of the convert cases: long enough (150k packets) to be mid-conversion when signalled.
  convertInput = join(directory, 'convert-input.pcapng');
  await generateToCapture({
    layers: parseSpec('ether/ipv4/udp/raw(text="convert me")'),
    count: 150_000,
    vary: ['udp.sport=1+'],
    output: convertInput,
    workers: 1,
  });
});

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function waitExit(child: ChildProcess, stderr: () => string): Promise<Outcome> {
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr: stderr() }));
  });
}

function startCli(
  args: readonly string[],
  preload?: { signal: StopSignal },
): {
  child: ChildProcess;
  done: Promise<Outcome>;
} {
  const nodeArgs = preload ? ['--import', SELF_SIGNAL] : [];
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...(preload ? { PKTCRAFT_TEST_SELF_SIGNAL: preload.signal } : {}) },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  return { child, done: waitExit(child, () => stderr) };
}

/** Signals `child` once `path` has more than `bytes` bytes (the run is then inside its loop). */
async function signalWhenGrown(
  child: ChildProcess,
  path: string,
  bytes: number,
  signal: NodeJS.Signals,
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      // not created yet
    }
    if (size > bytes) {
      child.kill(signal);
      return;
    }
    if (child.exitCode !== null) throw new Error(`the command ended before it was signalled: ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  throw new Error(`${path} did not grow past ${bytes} bytes`);
}

/** capinfos' packet count; throws (with its message) when capinfos finds the file damaged. */
function capinfosCount(path: string): number {
  const result = spawnSync('capinfos', ['-T', '-M', '-r', '-c', path], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.status !== 0 || result.stderr.trim() !== '') {
    throw new Error(`capinfos: ${result.stderr.trim()} (exit ${result.status})`);
  }
  return Number(result.stdout.trim().split('\t')[1]);
}

function readStrict(path: string): CaptureRecord[] {
  return [...readCapture(new Uint8Array(readFileSync(path)))];
}

/** The one line a stopped command prints; returns its count. */
function expectStopLine(outcome: Outcome, signal: StopSignal, target: string): number {
  expect(outcome.signal).toBeNull();
  expect(outcome.code).toBe(128 + constants.signals[signal]);
  const lines = outcome.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  const match = /^interrupted by (SIG[A-Z]+): (\d+) packets? written to (.+)$/.exec(lines[0] ?? '');
  expect(match, outcome.stderr).not.toBeNull();
  expect(match![1]).toBe(signal);
  expect(match![3]).toBe(target);
  return Number(match![2]);
}

function teid(record: CaptureRecord): number {
  return new DataView(record.data.buffer, record.data.byteOffset).getUint32(TEID_OFFSET);
}

interface WritingPath {
  name: string;
  /** CLI arguments writing to `output`. */
  args: (output: string) => string[];
  /** Size the output must pass before the signal is sent. */
  grownBytes: number;
  /** Checks on the records beyond the count (optional). */
  check?: (records: CaptureRecord[]) => void;
}

const lastTeidIsCount = (records: CaptureRecord[]): void => {
  expect(records.length).toBeGreaterThan(0);
  expect(teid(records[records.length - 1]!)).toBe(records.length);
  expect(teid(records[0]!)).toBe(1);
};

const LONG_PATHS: WritingPath[] = [
  {
    name: 'build',
    args: (output) => ['build', VARY_SPEC, '--count', LONG_COUNT, '-o', output],
    grownBytes: 4 * 1024 * 1024,
  },
  {
    name: 'build --vary (one thread, pipelined)',
    args: (output) => [
      'build',
      VARY_SPEC,
      '--count',
      LONG_COUNT,
      '--vary',
      'gtpu.teid=1+',
      '--workers',
      '1',
      '-o',
      output,
    ],
    grownBytes: 256 * 1024,
    check: lastTeidIsCount,
  },
  {
    name: 'build --vary --workers 2 (engine workers)',
    args: (output) => [
      'build',
      VARY_SPEC,
      '--count',
      LONG_COUNT,
      '--vary',
      'gtpu.teid=1+',
      '--workers',
      '2',
      '-o',
      output,
    ],
    grownBytes: 256 * 1024,
    check: lastTeidIsCount,
  },
  {
    name: 'tcp-flow (20 GB, streamed)',
    args: (output) => ['tcp-flow', '-o', output, '--bytes', '20000000000', '--loss', '0.01', '--seed', '3'],
    grownBytes: 4 * 1024 * 1024,
    check: (records) => {
      // The flow from its start: the client's SYN first (Ethernet, IPv4 without options, TCP flags).
      expect(records[0]!.data[14 + 20 + 13]).toBe(0x02);
      expect(records.length).toBeGreaterThan(1000);
    },
  },
  {
    name: 'convert',
    args: (output) => ['convert', convertInput, output],
    grownBytes: 256 * 1024,
    check: (records) => {
      // The first packets of the input, in order.
      const source = readStrict(convertInput).slice(0, records.length);
      expect(records.map((record) => Array.from(record.data))).toEqual(
        source.map((record) => Array.from(record.data)),
      );
    },
  },
];

describe.each(LONG_PATHS)('$name stopped by a signal inside its loop', (path) => {
  it.each(SIGNALS.flatMap((signal) => FORMATS.map((format) => [signal, format] as const)))(
    '%s, %s: a valid capture of every packet written, one line, exit 128+signal',
    async (signal: StopSignal, format: Format) => {
      const output = join(directory, `${path.name.replace(/\W+/g, '-')}-${signal}.${format}`);
      const { child, done } = startCli(path.args(output));
      await signalWhenGrown(child, output, path.grownBytes, signal);
      const outcome = await done;
      const count = expectStopLine(outcome, signal, output);
      expect(count).toBeGreaterThan(0);
      expect(capinfosCount(output)).toBe(count);
      const records = readStrict(output);
      expect(records).toHaveLength(count);
      path.check?.(records);
      rmSync(output);
    },
  );
});

const SHORT_PATHS: {
  name: string;
  args: (output: string) => string[];
  target: (output: string) => string;
}[] = [
  {
    name: 'tcp-flow',
    args: (output) => ['tcp-flow', '-o', output, '--bytes', '300000', '--loss', '0.01', '--seed', '3'],
    target: (output) => output,
  },
];

/** Uninterrupted runs, made once per format. */
const references = new Set<string>();

describe.each(SHORT_PATHS)('$name: a signal as soon as the handler is in place', (path) => {
  it.each(SIGNALS.flatMap((signal) => FORMATS.map((format) => [signal, format] as const)))(
    '%s, %s: the capture of an uninterrupted run up to where it stopped, one line, exit 128+signal',
    async (signal: StopSignal, format: Format) => {
      const output = join(directory, `${path.name}-${signal}.${format}`);
      const outcome = await startCli(path.args(output), { signal }).done;
      const count = expectStopLine(outcome, signal, path.target(output));
      const reference = join(directory, `${path.name}-reference.${format}`);
      if (!references.has(reference)) {
        execFileSync(process.execPath, [CLI, ...path.args(reference)], { stdio: 'ignore' });
        references.add(reference);
      }
      expect(capinfosCount(output)).toBe(count);
      const records = readStrict(output);
      expect(records).toHaveLength(count);
      // Stopped between two batches: the first `count` packets of the uninterrupted run, exactly.
      const whole = readStrict(reference);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(whole.length);
      const bytes = (list: CaptureRecord[]) => list.map((record) => Buffer.from(record.data).toString('hex'));
      expect(bytes(records)).toEqual(bytes(whole.slice(0, count)));
    },
  );
});

describe('journey: a signal during the run', () => {
  it.each(SIGNALS)('%s: every capture complete, one line, exit 128+signal', async (signal) => {
    const out = join(directory, `journey-${signal}`);
    const outcome = await startCli(['journey', '--out', out, '--quiet'], { signal }).done;
    const combined = join(out, 'order-journey.pcapng');
    const count = expectStopLine(outcome, signal, combined);
    expect(capinfosCount(combined)).toBe(count);
    expect(readStrict(combined)).toHaveLength(count);
    // HTTPS by default: the per-hop files are pcapng, to carry the TLS key log (DSB).
    // By the hop id: the numbers move when hops are added (j-setup puts s11 and s5c first).
    const radioFile = readdirSync(join(out, 'order-journey')).find((file) =>
      /^\d\d-radio\.pcapng$/.test(file),
    );
    const hop = join(out, 'order-journey', radioFile ?? 'no radio hop');
    expect(capinfosCount(hop)).toBe(readStrict(hop).length);
  });
});

describe('SIGKILL: at most one partial record at the end', () => {
  it.each([
    ['build', 'pcap'],
    ['build --vary (one thread, pipelined)', 'pcapng'],
    ['build --vary --workers 2 (engine workers)', 'pcap'],
  ] as const)('%s, %s: info and decode report the cut, convert repairs it', async (name, format) => {
    const path = LONG_PATHS.find((entry) => entry.name === name)!;
    const output = join(directory, `killed-${name.replace(/\W+/g, '-')}.${format}`);
    const { child, done } = startCli(path.args(output));
    await signalWhenGrown(child, output, path.grownBytes, 'SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const bytes = new Uint8Array(readFileSync(output));
    const reading = readCapture(bytes, { allowCutShortTail: true });
    const records = [...reading];
    expect(records.length).toBeGreaterThan(0);
    path.check?.(records);
    const cut = reading.cutShort;
    if (cut) {
      // The only damage is the tail: the cut record starts right after the last intact one.
      const last = records[records.length - 1]!;
      const lastEnd = last.data.byteOffset - bytes.byteOffset + last.data.length;
      expect(cut.fileOffset).toBeGreaterThanOrEqual(lastEnd);
      // pcap: the next record starts right there; pcapng: after the data's padding to 32 bits (0 to 3)
      // and the block's trailing total length (4). (+3 alone failed whenever the last intact packet's
      // length left 1 to 3 bytes of padding: the cut then starts 5 to 7 bytes after its data.)
      expect(cut.fileOffset).toBeLessThanOrEqual(lastEnd + (format === 'pcapng' ? 3 + 4 : 0));
      expect(cut.intactPackets).toBe(records.length);
    }
    const info = spawnSync(process.execPath, [CLI, 'info', output], { encoding: 'utf8' });
    expect(info.status).toBe(0);
    expect(info.stdout).toContain(`Number of packets:   ${records.length}\n`);
    const decode = spawnSync(process.execPath, [CLI, 'decode', output], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    expect(decode.status).toBe(0);
    if (cut) {
      const line = `${records.length} intact packets, the last record cut short at offset ${cut.fileOffset}`;
      expect(info.stdout).toContain(line);
      expect(decode.stderr).toBe(`pktcraft: ${output}: ${line}\n`);
    } else {
      expect(decode.stderr).toBe('');
    }
    const repaired = join(directory, `repaired.${format}`);
    const convert = spawnSync(process.execPath, [CLI, 'convert', output, repaired], { encoding: 'utf8' });
    expect(convert.status).toBe(0);
    expect(capinfosCount(repaired)).toBe(records.length);
    rmSync(output);
    rmSync(repaired);
  });
});
