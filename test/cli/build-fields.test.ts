import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldList } from '../../src/layers/field-table.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

describe('pktcraft build --fields', () => {
  it('prints one layer as the schema gives it', () => {
    const result = run('build', '--fields', 'vxlan');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(formatFieldList('vxlan'));
    expect(result.stdout).toMatch(/^vni\s+0\s+0\.\.0xffffff\s+value\s+vxlan\.vni\s/m);
  });

  it('prints every layer with --fields alone', () => {
    const result = run('build', '--fields');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(formatFieldList());
  });

  it('refuses an unknown layer with one line and exit code 2', () => {
    const result = run('build', '--fields', 'nosuch');
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown layer/);
  });

  it('build --vary geneve.vni=... writes one VNI per packet', () => {
    const directory = mkdtempSync(join(tmpdir(), 'pktcraft-geneve-'));
    try {
      const file = join(directory, 'geneve.pcap');
      const result = run(
        'build',
        'ether/ipv4/udp/geneve(options=0x0102800100000007)/ether/ipv4/udp/raw(len=4)',
        '--vary',
        'geneve.vni=0xfffffe+',
        '-n',
        '3',
        '--workers',
        '1',
        '-o',
        file,
      );
      expect(result.status).toBe(0);
      const bytes = readFileSync(file);
      const frameLength = bytes.readUInt32LE(24 + 8);
      const vnis = [0, 1, 2].map((i) => {
        const frame = 24 + i * (16 + frameLength) + 16;
        return bytes.readUIntBE(frame + 14 + 20 + 8 + 4, 3);
      });
      // 0xfffffe, 0xffffff, then the 24-bit field wraps to 0.
      expect(vnis).toEqual([0xfffffe, 0xffffff, 0]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
