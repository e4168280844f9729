/** `convertCapture` against Wireshark: files converted by us decode in tshark with the same timestamps. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertCapture } from '../../src/capture/index.js';
import { ETHER_UDP_FRAME } from '../capture/spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-oracle-convert-'));
const env = { ...process.env, WIRESHARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'ws-')), TZ: 'UTC' };

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', env });
  if (result.status !== 0)
    throw new Error(`${tool} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function times(file: string): string[] {
  return run('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.comment'])
    .replace(/\n$/, '')
    .split('\n');
}

describe('convert, checked by tshark and capinfos', () => {
  it('text2pcap pcapng (ns, comments added by editcap) → pcap (ns) → pcapng keeps every nanosecond', async () => {
    const hexdump = `0000 ${Array.from(ETHER_UDP_FRAME, (b) => b.toString(16).padStart(2, '0')).join(' ')}\n`;
    const input = join(dir, 'dump.txt');
    writeFileSync(
      input,
      `2023-11-14T22:13:20.123456789\n${hexdump}\n2023-11-14T22:13:20.500000001\n${hexdump}\n`,
    );
    const original = join(dir, 'original.pcapng');
    const raw = join(dir, 'raw.pcapng');
    run('text2pcap', ['-q', '-t', '%Y-%m-%dT%H:%M:%S.%f', '-N', 'lab0', input, raw]);
    run('editcap', ['-a', '2:a comment from editcap', raw, original]);

    const pcap = join(dir, 'converted.pcap');
    expect(await convertCapture(original, pcap)).toMatchObject({
      format: 'pcap',
      nanosecond: true,
      packets: 2,
    });
    expect(run('capinfos', [pcap])).toMatch(/File type:\s+Wireshark\/tcpdump\/\.\.\. - nanosecond pcap/);
    expect(times(pcap)).toEqual(['1700000000.123456789\t', '1700000000.500000001\t']);

    const back = join(dir, 'back.pcapng');
    await convertCapture(original, back);
    expect(times(back)).toEqual(times(original));
    expect(times(back)[1]).toBe('1700000000.500000001\ta comment from editcap');
    expect(run('capinfos', [back])).toMatch(/Name = lab0/);
  });
});
