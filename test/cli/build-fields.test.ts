import { spawnSync } from 'node:child_process';
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
});
