/**
 * `build --fragment MTU [--fragment-order ...] [--force]` and `decode --reassemble` as a user meets
 * them (the built CLI): fragments in hex or a capture, one-line refusals with exit 2, and the
 * reassembled datagram printed at the packet that completes it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-frag-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SPEC = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2,id=7)/udp(sport=45678,dport=45679)/raw(len=200)';

describe('pktcraft build --fragment', () => {
  it('prints one line of hex per fragment', () => {
    const result = run('build', SPEC, '--fragment', '100');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    // 208 bytes of UDP at 80 per fragment: 80 + 80 + 48; flags+offset 0x2000, 0x200a, 0x0014.
    expect(lines.map((line) => line.length / 2)).toEqual([114, 114, 82]);
    expect(lines.map((line) => line.slice(40, 44))).toEqual(['2000', '200a', '0014']);
    expect(result.stderr).toBe('');
  });

  it('reverses the order on request', () => {
    const inOrder = run('build', SPEC, '--fragment', '100').stdout.trim().split('\n');
    const reversed = run('build', SPEC, '--fragment', '100', '--fragment-order', 'reversed');
    expect(reversed.stdout.trim().split('\n')).toEqual([...inOrder].reverse());
  });

  it('refuses DF without --force, a too small MTU and a bad order: one line, exit 2', () => {
    const df = run('build', 'ipv4(flags=DF)/raw(len=200)', '--fragment', '100');
    expect(df.code).toBe(2);
    expect(df.stderr.trim().split('\n')).toHaveLength(1);
    expect(df.stderr).toMatch(/DF .*--force/);
    expect(run('build', 'ipv4(flags=DF)/raw(len=200)', '--fragment', '100', '--force').code).toBe(0);
    const small = run('build', 'ipv4/raw(len=200)', '--fragment', '27');
    expect(small.code).toBe(2);
    expect(small.stderr.trim().split('\n')).toHaveLength(1);
    expect(small.stderr).toMatch(/MTU 27 leaves 7 payload bytes/);
    expect(run('build', 'ipv4/raw(len=200)', '--fragment', 'x').code).toBe(2);
    expect(run('build', 'ipv4/raw(len=200)', '--fragment', '100', '--fragment-order', 'sideways').code).toBe(
      2,
    );
  });

  it('warns below the minimum link MTU and still builds', () => {
    const result = run('build', 'ipv6/raw(len=2000)', '--fragment', '1000');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/MTU 1000 is below IPv6's minimum link MTU 1280/);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
  });
});

describe('pktcraft decode --reassemble', () => {
  it('prints the datagram at the packet that completes it; copies get their own ids', () => {
    const file = join(directory, 'frags.pcap');
    const built = run('build', SPEC, '--fragment', '100', '-n', '2', '-o', file);
    expect(built.code).toBe(0);
    expect(built.stderr).toMatch(/wrote 6 fragments \(3 per datagram/);
    const result = run('decode', file, '--reassemble');
    expect(result.code).toBe(0);
    const headings = result.stdout.split('\n').filter((line) => line.startsWith('Reassembled'));
    expect(headings).toEqual([
      'Reassembled ipv4 192.0.2.1 > 192.0.2.2 proto 17 id 0x0007 in packet 3: 228 bytes from 3 fragments (packets 1, 2, 3)',
      'Reassembled ipv4 192.0.2.1 > 192.0.2.2 proto 17 id 0x0008 in packet 6: 228 bytes from 3 fragments (packets 4, 5, 6)',
    ]);
    const json = JSON.parse(run('decode', file, '--reassemble', '--json').stdout) as {
      reassembled?: { fragments: number[]; layers: { layer: string }[] };
    }[];
    expect(json[2]!.reassembled!.fragments).toEqual([1, 2, 3]);
    expect(json[2]!.reassembled!.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp', 'raw']);
    expect(json[0]!.reassembled).toBeUndefined();
  });

  it('with --spec, prints the datagram as a spec of its own after a comment, and it rebuilds the datagram', () => {
    const file = join(directory, 'spec.pcap');
    expect(run('build', SPEC, '--fragment', '100', '-o', file).code).toBe(0);
    const lines = run('decode', file, '--reassemble', '--spec').stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toBe(
      '# Reassembled ipv4 192.0.2.1 > 192.0.2.2 proto 17 id 0x0007 in packet 3: 228 bytes from 3 fragments (packets 1, 2, 3)',
    );
    // The datagram's spec builds the datagram unfragmented: SPEC without its Ethernet header.
    const rebuilt = run('build', lines[4]!, '--hex').stdout.trim();
    expect(rebuilt).toBe(run('build', SPEC.replace(/^ether\//, ''), '--hex').stdout.trim());
  });

  it('with --hex, reassembles nothing from one fragment and says what is missing', () => {
    const first = run('build', SPEC, '--fragment', '100').stdout.trim().split('\n')[0]!;
    const result = run('decode', '--hex', first, '--reassemble');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/Reassembled/);
    expect(result.stderr.trim()).toBe(
      'pktcraft: --hex: reassembly: datagram ipv4 192.0.2.1 > 192.0.2.2 proto 17 id 0x0007 (fragments in packets 1) still incomplete at the end; missing bytes 80-(end unknown)',
    );
  });

  it('--ipv6-overlaps drop discards an IPv6 datagram whose fragments overlap (RFC 5722)', () => {
    const v6 =
      'ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/ipv6frag(id=5)/udp(sport=45678,dport=45679)/raw(len=200)';
    const file = join(directory, 'overlap6.pcap');
    expect(run('build', v6, '--fragment', '120', '--fragment-order', 'overlapping', '-o', file).code).toBe(0);
    const kept = run('decode', file, '--reassemble');
    expect(kept.stdout).toMatch(/^Reassembled ipv6 /m);
    expect(kept.stdout).toMatch(/RFC 5722: a host discards the whole datagram/);
    const dropped = run('decode', file, '--reassemble', '--ipv6-overlaps', 'drop');
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).not.toMatch(/^Reassembled/m);
    expect(dropped.stdout).toMatch(/the datagram is discarded \(RFC 5722\)/);
    expect(run('decode', file, '--reassemble', '--ipv6-overlaps', 'bogus').code).toBe(2);
  });

  it('names what is still missing at the end on stderr', () => {
    const file = join(directory, 'all.pcap');
    const partial = join(directory, 'partial.pcap');
    run('build', SPEC, '--fragment', '100', '--fragment-order', 'reversed', '-o', file);
    // Keep frames 1 and 2 (the last two fragments): the first 80 bytes never arrive.
    expect(spawnSync('editcap', ['-r', file, partial, '1-2']).status).toBe(0);
    const result = run('decode', partial, '--reassemble');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/Reassembled/);
    expect(result.stderr.trim()).toBe(
      `pktcraft: ${partial}: reassembly: datagram ipv4 192.0.2.1 > 192.0.2.2 proto 17 id 0x0007 (fragments in packets 1, 2) still incomplete at the end; missing bytes 0-80`,
    );
  });
});
