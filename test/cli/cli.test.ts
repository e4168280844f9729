/**
 * The built CLI as a user meets it: exit codes, one-line errors, hex in and out, captures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pktcraft build / decode', () => {
  it('prints one line of lowercase hex', () => {
    // Scapy: bytes(IP(src='192.0.2.1',dst='192.0.2.2')/ICMP(id=1,seq=168)).hex() (IP id 1, ttl 64)
    const result = run('build', 'ipv4(src=192.0.2.1,dst=192.0.2.2)/icmp(id=1,seq=168)', '--hex');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('4500001c000100004001f6dcc0000201c00002020800f756000100a8\n');
  });

  it('sr --l3 -o into classic pcap is refused before sending: one line, exit 2 (two link types need pcapng)', () => {
    const result = run('sr', 'ipv4(dst=192.0.2.2)/icmp', '--l3', '-i', 'lo', '-o', join(directory, 'x.pcap'));
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('write a .pcapng');
    expect(existsSync(join(directory, 'x.pcap'))).toBe(false);
  });

  it('a bad spec is one line naming the token and position, exit 2, no stack trace', () => {
    const result = run('build', 'ether/ipv4(src=192.0.2.999)/udp');
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/position 15.*192\.0\.2\.999/);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('an unknown flag or a missing spec is exit 2', () => {
    expect(run('build', 'ether', '--nonsense').code).toBe(2);
    expect(run('build').code).toBe(2);
    expect(run('decode', '--hex', 'zz').code).toBe(2);
    expect(run('decode', join(directory, 'missing.pcap')).code).toBe(2);
  });

  it('writes a pcap (raw IP link type for an IP first layer) and decodes it back as JSON that rebuilds the bytes', () => {
    const file = join(directory, 'one.pcap');
    const spec =
      'ipv4(src=10.0.0.1,dst=198.51.100.7)/tcp(sport=40000,dport=33333,flags=S,mss=1460,wscale=7,sackok=1,tsval=7,tsecr=0)';
    expect(run('build', spec, '-o', file, '--count', '3').code).toBe(0);
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(20)).toBe(101);
    const decoded = run('decode', file, '--json');
    expect(decoded.code).toBe(0);
    const packets = JSON.parse(decoded.stdout) as { layers: { layer: string }[] }[];
    expect(packets).toHaveLength(3);
    expect(packets[0]!.layers.map((layer) => layer.layer)).toEqual(['ipv4', 'tcp']);
    const specs = run('decode', file, '--spec').stdout.trim().split('\n');
    const original = run('build', spec, '--hex').stdout.trim();
    expect(run('build', specs[0]!, '--hex').stdout.trim()).toBe(original);
  });

  it('writes pcapng with comments and an interface name that tshark shows, and decode shows them too', () => {
    const file = join(directory, 'commented.pcapng');
    const built = run(
      'build',
      'ether/ipv4/udp(sport=40000,dport=33333)/raw(len=8)',
      '-o',
      file,
      '--count',
      '2',
      '--comment',
      'first note',
      '--comment',
      'second note',
      '--interface',
      's1u-probe',
    );
    expect(built.code).toBe(0);
    const tshark = spawnSync(
      'tshark',
      [
        '-n',
        '-r',
        file,
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-E',
        'aggregator=|',
        '-e',
        'frame.comment',
        '-e',
        'frame.interface_name',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, WIRESHARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'pktcraft-ws-')) },
      },
    );
    expect(tshark.stdout.trim().split('\n')).toEqual([
      'first note|second note\ts1u-probe',
      'first note|second note\ts1u-probe',
    ]);
    const decoded = run('decode', file);
    expect(decoded.stdout).toMatch(/interface: s1u-probe/);
    expect(decoded.stdout).toMatch(/comments: first note \| second note/);
    const forced = join(directory, 'forced.cap');
    expect(run('build', 'ether/ipv4', '-o', forced, '--format', 'pcapng').code).toBe(0);
    expect(readFileSync(forced).readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(run('build', 'ether/ipv4', '-o', join(directory, 'noext')).code).toBe(2);
  });

  it('decodes hex with a link type and a decode-as rule', () => {
    const hex = run(
      'build',
      'ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=5555,dport=5555)/gtpu(teid=0xabc)/ipv4/icmp',
      '--hex',
    ).stdout.trim();
    const plain = run('decode', '--hex', hex, '--linktype', 'ip', '--json');
    expect(
      (JSON.parse(plain.stdout) as { layers: { layer: string }[] }[])[0]!.layers.map((l) => l.layer),
    ).toEqual(['ipv4', 'udp', 'raw']);
    const asGtp = run(
      'decode',
      '--hex',
      hex,
      '--linktype',
      '101',
      '--decode-as',
      'udp.port==5555,gtpu',
      '--json',
    );
    expect(
      (JSON.parse(asGtp.stdout) as { layers: { layer: string }[] }[])[0]!.layers.map((l) => l.layer),
    ).toEqual(['ipv4', 'udp', 'gtpu', 'ipv4', 'icmp']);
  });

  it('verify exits 1 on a deliberate bad checksum and 0 on a clean capture', () => {
    const good = join(directory, 'good.pcapng');
    const bad = join(directory, 'bad.pcap');
    expect(
      run('build', 'ether/ipv4/udp(sport=33000,dport=33333)/raw(len=10)', '-o', good, '--comment', 'ok').code,
    ).toBe(0);
    expect(
      run('build', 'ether/ipv4/udp(sport=33000,dport=33333,chksum=0x4321)/raw(len=10)', '-o', bad).code,
    ).toBe(0);
    const clean = run('verify', good);
    expect(clean.stdout).toMatch(/all clean/);
    expect(clean.code).toBe(0);
    const dirty = run('verify', bad);
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/checksum/i);
  });
});
