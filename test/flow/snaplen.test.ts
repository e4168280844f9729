/**
 * A flow written with a snap length (`tcpdump -s N`): every record is the whole frame's first N
 * bytes with the whole frame's length, the file says the snap length, and tshark's TCP analysis of
 * the cut capture is the analysis of the whole one, frame by frame.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import { writeFlowCapture } from '../../src/flow/packets.js';
import { synthesizeFlow } from '../../src/flow/simulator.js';
import { analyze, CLIENT_PORT, SERVER_PORT } from './tshark-harness.js';

const root = join(import.meta.dirname, '..', '..');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-snaplen-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// Loss, so that retransmissions, duplicate ACKs with SACK blocks and notes (pcapng comments) are in it.
const flow = synthesizeFlow({ request: 400_000, rttMs: 30, bandwidthBps: 10_000_000, loss: 0.02, seed: 3 });
const addressing = {
  ipVersion: 4,
  clientIp: '192.0.2.1',
  serverIp: '198.51.100.7',
  clientPort: CLIENT_PORT,
  serverPort: SERVER_PORT,
} as const;

async function write(name: string, format: 'pcap' | 'pcapng', snapLen?: number): Promise<string> {
  const path = join(directory, name);
  await writeFlowCapture(path, flow.segments, { ...addressing, format, snapLen });
  return path;
}

function records(path: string) {
  return [...readCapture(new Uint8Array(readFileSync(path)))].map((record) => ({
    data: Buffer.from(record.data),
    originalLength: record.originalLength,
    time: `${record.timestampSec}.${record.timestampNsec}`,
    comments: record.comments,
  }));
}

describe('tcp-flow with a snap length', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    it(`${format}: each record is the whole frame cut to the snap length, with its whole length`, async () => {
      const whole = records(await write(`whole.${format}`, format));
      expect(whole.some((record) => record.data.length > 1000)).toBe(true);
      // 96: headers whole, payload cut; 60: inside the TCP options (some ACKs carry SACK blocks); 1.
      for (const snapLen of [96, 60, 1]) {
        const cut = records(await write(`cut-${snapLen}.${format}`, format, snapLen));
        expect(cut.length).toBe(whole.length);
        for (let i = 0; i < whole.length; i++) {
          const frame = whole[i]!;
          const record = cut[i]!;
          expect(record.originalLength, `record ${i}`).toBe(frame.data.length);
          expect(record.data.equals(frame.data.subarray(0, snapLen)), `record ${i}`).toBe(true);
          expect(record.time).toBe(frame.time);
          expect(record.comments).toEqual(frame.comments);
        }
      }
    });
  }

  it('capinfos reads the snap length from the file; tshark analyses the cut capture as the whole one', async () => {
    const wholePath = await write('oracle-whole.pcap', 'pcap');
    const cutPath = await write('oracle-cut.pcap', 'pcap', 96);
    const info = execFileSync('capinfos', ['-l', cutPath], { encoding: 'utf8' });
    expect(info).toMatch(/Packet size limit:\s+file hdr: 96 bytes/);
    const whole = analyze(wholePath);
    const cut = analyze(cutPath);
    expect(cut.length).toBe(whole.length);
    // The cut capture's experts are the whole one's (no malformed or checksum complaint).
    expect(
      cut.map(({ frame, flags, bytesInFlight, tcpLen, experts }) => ({
        frame,
        flags,
        bytesInFlight,
        tcpLen,
        experts,
      })),
    ).toEqual(whole);
    const retransmissions = whole.filter(
      (frame) => frame.flags.has('retransmission') || frame.flags.has('fast_retransmission'),
    );
    expect(retransmissions.length).toBeGreaterThan(0);
    expect(whole.filter((frame) => frame.flags.has('duplicate_ack')).length).toBeGreaterThan(0);
  });

  it('the CLI refuses a snap length outside 1..262144 with one line and exit code 2', () => {
    for (const bad of ['0', '262145', '1.5']) {
      const r = spawnSync(
        'npx',
        [
          'tsx',
          join(root, 'src/cli/main.ts'),
          'tcp-flow',
          '-o',
          join(directory, 'never.pcap'),
          '--snaplen',
          bad,
        ],
        { cwd: root, encoding: 'utf8' },
      );
      expect(r.status, bad).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/snaplen/);
    }
  });
});
