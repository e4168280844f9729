/** `pktcraft journey` end to end, as a user runs it (through tsx, the same entry as `npm start`). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultJourneyConfig } from '../../src/scenario/index.js';

const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pktcraft-journey-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pktcraft(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(
    join(repo, 'node_modules', '.bin', 'tsx'),
    [join(repo, 'src', 'cli', 'main.ts'), ...args],
    { cwd: dir, encoding: 'utf8' },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('pktcraft journey', () => {
  it('prints the defaults with --print-config, and they round-trip through --config', () => {
    const printed = pktcraft('journey', '--print-config');
    expect(printed.status).toBe(0);
    expect(JSON.parse(printed.stdout)).toEqual(defaultJourneyConfig());
    writeFileSync(join(dir, 'my.json'), printed.stdout);
    const again = pktcraft('journey', '--config', 'my.json', '--print-config', '--5g', '--retry');
    const config = JSON.parse(again.stdout) as { mode: string; retry: { enabled: boolean } };
    expect(config.mode).toBe('5g');
    expect(config.retry.enabled).toBe(true);
  });

  it('names the bad key of a config file on one line, exit code 2', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ slb: { vni: -1 } }));
    const run = pktcraft('journey', '--config', 'bad.json');
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe('pktcraft: config.slb.vni: must be an integer from 0 to 16777215, got -1');
    writeFileSync(join(dir, 'typo.json'), '{"tunnels": {"s1u": {"uplinkTeed": 5}}}');
    expect(pktcraft('journey', '--config', 'typo.json').stderr).toMatch(
      /config\.tunnels\.s1u\.uplinkTeed: unknown key/,
    );
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(pktcraft('journey', '--config', 'broken.json').status).toBe(2);
  });

  it('writes the files it names and prints the hop table and the ladder', () => {
    const run = pktcraft('journey', '--plot', 'flow.svg');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^hop\s+link type\s+encapsulation\s+packets\s+bytes$/m);
    expect(run.stdout).toMatch(/^\d\d-radio\s+Raw IP\s+/m);
    expect(run.stdout).toMatch(/^\d\d-vxlan\s+Ethernet\s+Ethernet \/ IPv4 \/ UDP 4789 \/ VXLAN/m);
    // --- j-carriers: the carrier path table and the MPLS hops ---
    expect(run.stdout).toMatch(/^\d\d-carrier-p1-p2\s+Ethernet\s+Ethernet \/ MPLS \/ IPv4 \/ TCP/m);
    expect(run.stdout).toMatch(/^carrier-p1-p2\s+p1 -> p2\s+MPLS 16020 \(swap\)\s+MPLS 24020 \(swap\)/m);
    expect(run.stdout).toContain('carriers (uplink, MPLS labels on the arrows): pe1 =16010=> p1 =16020=> p2');
    // --- end j-carriers ---
    expect(run.stdout).toMatch(/X\s+\|\s+lost on the radio/);
    expect(run.stdout).toContain('retransmission (RTO) of segment 1'); // the ClientHello, lost on the radio
    expect(run.stdout).toContain('order service: 201 Created ord-100017');
    expect(run.stdout).toContain('wrote captures/order-journey.pcapng');
    expect(existsSync(join(dir, 'captures', 'order-journey.pcapng'))).toBe(true);
    expect(
      readdirSync(join(dir, 'captures', 'order-journey')).filter((file) => file.endsWith('-backend.pcapng')),
    ).toHaveLength(1);
    expect(existsSync(join(dir, 'flow.svg'))).toBe(true);
  });

  it('runs the lessons', () => {
    for (const lesson of ['heavy-loss', 'zero-window', 'rto']) {
      const run = pktcraft('journey', '--lesson', lesson, '--out', `out-${lesson}`, '--quiet');
      expect(run.status, run.stderr).toBe(0);
      expect(existsSync(join(dir, `out-${lesson}`, 'order-journey.pcapng'))).toBe(true);
    }
  });
});
