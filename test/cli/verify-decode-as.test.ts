/**
 * `pktcraft verify --decode-as`: our rule goes to tshark in tshark's protocol names (the codec's
 * `tsharkProtocol`: gtpu → gtp), so both decoders read the same layers and compare them field by field.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-verify-as-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Report {
  clean: boolean;
  verdicts: { disagreements: unknown[] }[];
}

describe('verify --decode-as', () => {
  it('translates gtpu to tshark’s gtp and compares the GTP-U fields on a non-standard port', () => {
    const file = join(directory, 'gtpu-5555.pcap');
    const spec = 'ether/ipv4/udp(sport=5555,dport=5555)/gtpu(teid=0xabc)/ipv4/icmp';
    expect(run('build', spec, '-o', file).code).toBe(0);
    const verified = run('verify', file, '--decode-as', 'udp.port==5555,gtpu', '--json');
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    const report = JSON.parse(verified.stdout.slice(0, verified.stdout.lastIndexOf('}') + 1)) as Report;
    expect(report.clean).toBe(true);
    expect(report.verdicts.flatMap((verdict) => verdict.disagreements)).toEqual([]);
  });

  it('tshark reads GTP there only through the rule: a deliberately wrong GTP-U length is malformed to it', () => {
    const file = join(directory, 'gtpu-5555-badlen.pcap');
    const spec = 'ether/ipv4/udp(sport=5555,dport=5555)/gtpu(teid=0xabc,len=3)/ipv4/icmp';
    expect(run('build', spec, '-o', file).code).toBe(0);
    // Without the rule both read UDP payload bytes: nothing to disagree on.
    expect(run('verify', file).code).toBe(0);
    const verified = run('verify', file, '--decode-as', 'udp.port==5555,gtpu');
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/tshark error: Malformed Packet/);
  });
});
