/**
 * tshark for synchronous test code (beforeAll blocks, helpers): `-n`, a fresh empty configuration
 * directory so no user preference changes the verdict, C locale, stderr dropped. The product's own
 * asynchronous runner is src/verify/tshark.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKSUM_PREFERENCES } from '../src/verify/tshark.js';

/** `-o` options turning on IPv4, UDP and TCP checksum validation (ICMP and ICMPv6 always validate). */
export const CHECKSUM_OPTIONS: readonly string[] = CHECKSUM_PREFERENCES.flatMap((preference) => [
  '-o',
  preference,
]);

/** Runs `tshark -n ARGS` and returns stdout; throws when tshark fails. */
export function tsharkSync(args: readonly string[]): string {
  const configDir = mkdtempSync(join(tmpdir(), 'pktcraft-ws-'));
  try {
    return execFileSync('tshark', ['-n', ...args], {
      env: { ...process.env, WIRESHARK_CONFIG_DIR: configDir, LC_ALL: 'C' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

/**
 * One row per packet of `file`: each field's occurrences joined by ';' (outer first), '' when absent.
 * `extra` goes before the field list (preferences `-o`, `-d`, `--disable-protocol` ...).
 */
export function tsharkRows<F extends string>(
  file: string,
  fields: readonly F[],
  extra: readonly string[] = [],
): Record<F, string>[] {
  const output = tsharkSync([
    '-r',
    file,
    ...extra,
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=;',
    ...fields.flatMap((field) => ['-e', field]),
  ]);
  return output
    .trimEnd()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const values = line.split('|');
      return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? ''])) as Record<F, string>;
    });
}
