/**
 * `pktcraft replay --capture`: the router's kernel answers ICMP echo requests that Scapy wrote to a pcap;
 * pktcraft replays them from the client's veth and writes what comes back, with the kernel's receive times.
 * tshark reads the answers (one echo reply per request, matched by id and sequence number, each after its
 * request and in order) and capinfos finds nothing wrong with the file. Then the stop signals: SIGINT,
 * SIGTERM and SIGHUP in the middle of a long replay leave a valid capture holding every answer written, one line saying
 * how many, and exit code 128 + the signal.
 */
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, useLab } from './lab.js';

const lab = useLab({ vni: 210 });
const dir = mkdtempSync(join(tmpdir(), 'pkc-replay-capture-'));
afterAll(() => spawnSync('rm', ['-rf', dir]));

const ECHO_ID = 0x5a5a;

/** Scapy writes `count` echo requests to the router, `gapMs` apart, sequence numbers 0.. */
function writeEchoRequests(path: string, count: number, gapMs: number): void {
  const { client, router } = lab().info;
  const script = `
from scapy.all import Ether, IP, ICMP, Raw, wrpcap
frames = []
for i in range(${count}):
    p = Ether(src='${client.mac}', dst='${client.gatewayMac}') / IP(src='${client.pktcraftIp}', dst='${router.clientSide.ip}') / ICMP(id=${ECHO_ID}, seq=i) / Raw(b'pktcraft replay')
    p.time = 1700000000 + i * ${gapMs / 1000}
    frames.append(p)
wrpcap('${path}', frames)
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

function tsharkRows(file: string, filter: string, fields: string[]): string[][] {
  const output = execFileSync(
    'tshark',
    ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((field) => ['-e', field])],
    { encoding: 'utf8' },
  );
  return output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

function capinfos(file: string): { packets: number; output: string } {
  const result = spawnSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  const packets = /Number of packets:\s+(\d+)/.exec(result.stdout);
  expect(packets, result.stdout).not.toBeNull();
  return { packets: Number(packets![1]), output: result.stdout };
}

function exited(child: ChildProcess): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })));
}

describe('replay --capture', () => {
  it('writes the kernel echo replies, one per request, with the kernel receive times', () => {
    const { client } = lab().info;
    const source = join(dir, 'requests.pcap');
    const answers = join(dir, 'answers.pcapng');
    const COUNT = 20;
    writeEchoRequests(source, COUNT, 10);
    const result = lab().pktcraft('client', [
      'replay',
      source,
      '-i',
      client.interface,
      '--capture',
      answers,
      '--capture-wait',
      '300',
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { sent: number; received: number; interrupted: boolean };
    expect(report).toMatchObject({ sent: COUNT, interrupted: false });
    // every echo reply, maybe an ARP exchange with the router too
    expect(report.received).toBeGreaterThanOrEqual(COUNT);
    expect(capinfos(answers).packets).toBe(report.received);

    const replies = tsharkRows(answers, `icmp.type == 0 && icmp.ident == ${ECHO_ID}`, [
      'icmp.seq',
      'frame.time_epoch',
      'ip.dst',
    ]);
    expect(replies.map((row) => Number(row[0]))).toEqual([...Array(COUNT).keys()]);
    for (const row of replies) expect(row[2]).toBe(client.pktcraftIp);
    // The receive times: real (this year, not the capture's 2023) and 10 ms apart as the requests were sent.
    const times = replies.map((row) => Number(row[1]));
    const now = Date.now() / 1000;
    expect(times[0]!).toBeGreaterThan(now - 120);
    expect(times[0]!).toBeLessThanOrEqual(now);
    for (let i = 1; i < times.length; i++) {
      const gapMs = (times[i]! - times[i - 1]!) * 1000;
      // the replay keeps the 10 ms schedule within a few ms (test/lab/replay.test.ts holds it to 1 ms);
      // this only shows the stamps are per frame and not the time the loop read them
      expect(gapMs).toBeGreaterThan(5);
      expect(gapMs).toBeLessThan(15);
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} in the middle leaves a valid capture of every answer written, one line, exit 128 + signal`, async () => {
      const { client } = lab().info;
      const source = join(dir, `long-${signal}.pcap`);
      const answers = join(dir, `long-${signal}.pcap`.replace('long-', 'answers-'));
      writeEchoRequests(source, 1000, 10);
      const child = lab().start('client', [
        'node',
        '--import',
        'tsx',
        CLI,
        'replay',
        source,
        '-i',
        client.interface,
        '--capture',
        answers,
      ]);
      const done = exited(child);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      child.kill(signal);
      const { code, stderr } = await done;
      expect(code).toBe(128 + constants.signals[signal]);
      const line = new RegExp(`^interrupted by ${signal}: (\\d+) packets? written to ${answers}\\n$`).exec(
        stderr,
      );
      expect(line, stderr).not.toBeNull();
      const written = Number(line![1]);
      expect(written).toBeGreaterThan(10);
      expect(written).toBeLessThan(1000);
      expect(capinfos(answers).packets).toBe(written);
      const replies = tsharkRows(answers, `icmp.type == 0 && icmp.ident == ${ECHO_ID}`, ['icmp.seq']);
      expect(replies.length).toBeGreaterThan(10);
      // in order, from the first: nothing lost between the socket and the file
      expect(replies.map((row) => Number(row[0]))).toEqual([...Array(replies.length).keys()]);
    });
  }
});
