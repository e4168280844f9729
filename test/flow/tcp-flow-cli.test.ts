import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRate } from '../../src/cli/tcp-flow.js';

const root = join(import.meta.dirname, '..', '..');

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['tsx', join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pktcraft tcp-flow', () => {
  it('parses rates', () => {
    expect(parseRate('10Mbit', 'bandwidth', 'bits')).toBe(10_000_000);
    expect(parseRate('10mbps', 'bandwidth', 'bits')).toBe(10_000_000);
    expect(parseRate('1G', 'bandwidth', 'bits')).toBe(1e9);
    expect(parseRate('500kB/s', 'reader-rate', 'bytes')).toBe(500_000);
    expect(parseRate('2000', 'reader-rate', 'bytes')).toBe(2000);
    expect(parseRate('8000bit', 'reader-rate', 'bytes')).toBe(1000);
    expect(parseRate('1MiB/s', 'reader-rate', 'bytes')).toBe(1048576);
    expect(() => parseRate('fast', 'bandwidth', 'bits')).toThrow(/cannot read rate/);
  });

  it('writes a capture, a plot and a trace, and prints a summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-cli-flow-'));
    const out = join(dir, 'f.pcapng');
    const r = runCli([
      'tcp-flow',
      '-o',
      out,
      '--bytes',
      '100000',
      '--response-bytes',
      '2000',
      '--rtt',
      '30',
      '--bandwidth',
      '10Mbit',
      '--drop',
      'c5',
      '--cc',
      'newreno',
      '--plot',
      join(dir, 'p.svg'),
      '--trace',
      join(dir, 't.json'),
      '--capture-at',
      '0.5',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/retransmissions\s+1\b/);
    expect(r.stdout).toMatch(/drops\s+0 random, 1 scripted, 0 queue/);
    expect(r.stdout).toMatch(/goodput\s+[\d.]+ [kM]bit\/s/);
    const svg = readFileSync(join(dir, 'p.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('cwnd');
    const trace = JSON.parse(readFileSync(join(dir, 't.json'), 'utf8'));
    expect(trace.events.length).toBeGreaterThan(100);
    expect(trace.summary.complete).toBe(true);
    const count = execFileSync('capinfos', ['-c', '-M', out], { encoding: 'utf8' });
    expect(count).toMatch(/Number of packets:\s+\d+/);
  });

  it('rejects a bad drop list with exit code 2 and one line', () => {
    const r = runCli(['tcp-flow', '-o', '/tmp/never.pcap', '--drop', 'z9']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  // --- rack
  it('--no-rack: a tail loss is resent by the RTO; by default by a tail loss probe (trace JSON)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-cli-rack-'));
    const kinds = (extra: string[]): string[] => {
      const trace = join(dir, `t${extra.length}.json`);
      const r = runCli([
        'tcp-flow',
        '-o',
        join(dir, `f${extra.length}.pcap`),
        '--bytes',
        '200000',
        '--response-bytes',
        '0',
        '--drop',
        'c139',
        '--trace',
        trace,
        ...extra,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const json = JSON.parse(readFileSync(trace, 'utf8')) as {
        events: Array<{ side: string; kind: string }>;
      };
      return json.events.filter((e) => e.side === 'client').map((e) => e.kind);
    };
    const rack = kinds([]);
    expect(rack).toContain('tlp');
    expect(rack).not.toContain('rto');
    const legacy = kinds(['--no-rack', '--no-prr', '--no-frto']);
    expect(legacy).toContain('rto');
    expect(legacy).not.toContain('tlp');
  });
  // --- end rack
});
