/** `pktcraft tcp-flow --tls` as a user runs it (the built CLI): the capture, the key log, the errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkRows } from '../tshark.js';

const CLI = join(import.meta.dirname, '../../dist/cli/main.js');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-tls-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: directory });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pktcraft tcp-flow --tls', () => {
  it('writes a pcapng tshark decrypts, and the SSLKEYLOGFILE with --keylog', () => {
    const result = run(
      'tcp-flow',
      '-o',
      'h.pcapng',
      '--tls',
      '--bytes',
      '1500',
      '--response-bytes',
      '4000',
      '--sni',
      'api.example.com',
      '--alpn',
      'h2,http/1.1',
      '--keylog',
      'keys.txt',
      '--seed',
      '3',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/TLS key log in a DSB/);
    const keyLog = readFileSync(join(directory, 'keys.txt'), 'utf8').trim().split('\n');
    expect(keyLog.map((line) => line.split(' ')[0])).toEqual([
      'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
      'SERVER_HANDSHAKE_TRAFFIC_SECRET',
      'CLIENT_TRAFFIC_SECRET_0',
      'SERVER_TRAFFIC_SECRET_0',
      'EXPORTER_SECRET',
    ]);
    const rows = tsharkRows(join(directory, 'h.pcapng'), [
      'tcp.dstport',
      'tls.handshake.extensions_server_name',
      'tls.handshake.extensions_alpn_str',
      'http.request.method',
      'http.host',
    ]);
    const column = (field: string) =>
      rows.map((row) => row[field as keyof typeof row] ?? '').filter((v) => v !== '');
    expect(column('tcp.dstport')[0]).toBe('443');
    expect(column('tls.handshake.extensions_server_name')).toEqual(['api.example.com']);
    // The client offers h2 and http/1.1; the server (which speaks HTTP/1.1) selects http/1.1.
    expect(column('tls.handshake.extensions_alpn_str')).toEqual(['h2;http/1.1', 'http/1.1']);
    expect(column('http.request.method')).toEqual(['POST']);
    expect(column('http.host')).toEqual(['api.example.com']);
  });

  it('a TLS option without --tls, an unknown suite, or pcap without --keylog: one line, exit 2', () => {
    for (const args of [
      ['--sni', 'x.example'],
      ['--tls', '--tls-cipher', 'rc4'],
      ['--tls', '--format', 'pcap'],
    ]) {
      const result = run('tcp-flow', '-o', 'bad.pcapng', '--bytes', '100', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
