/**
 * PSH per application write (Linux tcp_push() at the end of each sendmsg): the client's writes are
 * given as sizes and times; tshark reads the PSH flags and where each PSH segment ends.
 * Expected write ends are the running sums of the write sizes (relative sequence numbers start at 1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWrites } from '../../src/cli/tcp-flow.js';
import type { FlowOptions } from '../../src/flow/simulator.js';
import { tsharkRows } from '../tshark.js';
import { CLIENT_PORT, synthesizeToCapture } from './tshark-harness.js';

const root = join(import.meta.dirname, '..', '..');

interface DataSegment {
  seq: number;
  /** seq + len (tshark's tcp.nxtseq also counts a FIN). */
  nxtseq: number;
  push: boolean;
}

/** The client's data segments as tshark decodes them (relative sequence numbers). */
async function clientData(options: FlowOptions): Promise<DataSegment[]> {
  const { path } = await synthesizeToCapture(options);
  const rows = tsharkRows(path, ['tcp.srcport', 'tcp.len', 'tcp.seq', 'tcp.flags.push']);
  return rows
    .filter((r) => Number(r['tcp.srcport']) === CLIENT_PORT && Number(r['tcp.len']) > 0)
    .map((r) => ({
      seq: Number(r['tcp.seq']),
      nxtseq: Number(r['tcp.seq']) + Number(r['tcp.len']),
      push: r['tcp.flags.push'] === '1',
    }));
}

/** Relative sequence number just past each write: 1 + the running sum of the sizes. */
function writeEnds(sizes: number[]): number[] {
  let end = 1;
  return sizes.map((size) => {
    end += size;
    return end;
  });
}

describe('PSH per application write', () => {
  const writes = [
    { bytes: 10_000, atMs: 0 },
    { bytes: 30_000, atMs: 100 },
    { bytes: 5_000, atMs: 150 },
    { bytes: 50_000, atMs: 300 },
  ];

  it('every write ends with a PSH segment, and only write ends carry PSH (tshark)', async () => {
    const data = await clientData({ writes, response: 0 });
    const ends = writeEnds(writes.map((w) => w.bytes));
    expect(ends).toEqual([10_001, 40_001, 45_001, 95_001]);
    const pushEnds = data.filter((s) => s.push).map((s) => s.nxtseq);
    expect([...new Set(pushEnds)]).toEqual(ends);
    // All bytes went: the last segment ends at the last write's end.
    expect(Math.max(...data.map((s) => s.nxtseq))).toBe(95_001);
  });

  it('the writes happen at their times: nothing of a write is sent before it is made', async () => {
    const { result } = await synthesizeToCapture({ writes, response: 0 });
    const established = result.segments.find(
      (s) => s.from === 'client' && s.payload.length === 0 && s.flags === 0x10,
    );
    expect(established).toBeDefined();
    const base = result.segments[0]!.seq;
    for (const [i, w] of writes.entries()) {
      const start = 1 + writes.slice(0, i).reduce((sum, x) => sum + x.bytes, 0);
      const first = result.segments.find(
        (s) => s.from === 'client' && s.payload.length > 0 && (s.seq - base) >>> 0 === start,
      );
      expect(first, `write ${i}`).toBeDefined();
      // Times are capture times at the client: the write is made atMs after the handshake's last ACK.
      expect(first!.timeUs - established!.timeUs).toBeGreaterThanOrEqual(w.atMs * 1000);
    }
  });

  it('a write appended to a partial segment still queued moves the PSH to the new end (Linux clears it)', async () => {
    // 30000 bytes exceed the initial window (10 segments), so the partial tail segment of the first
    // write is still queued 1 ms later when 500 more bytes come: the segment over 30001 carries both.
    const data = await clientData({
      writes: [
        { bytes: 30_000, atMs: 0 },
        { bytes: 500, atMs: 1 },
      ],
      response: 0,
    });
    const pushEnds = data.filter((s) => s.push).map((s) => s.nxtseq);
    expect(pushEnds).toEqual([30_501]);
    expect(data.some((s) => s.seq < 30_001 && s.nxtseq > 30_001)).toBe(true);
  });

  it('--no-push-per-write: PSH only on a segment that empties the send queue', async () => {
    // 28960 bytes are exactly 20 full segments, more than the initial window: the write's last segment
    // is still queued when the second write comes 1 ms later. Per write (Linux), the full segment ending
    // the first write keeps its PSH; without, only the segment that empties the queue has one.
    const twoWrites = [
      { bytes: 28_960, atMs: 0 },
      { bytes: 1_000, atMs: 1 },
    ];
    const perWrite = await clientData({ writes: twoWrites, response: 0 });
    expect(perWrite.filter((s) => s.push).map((s) => s.nxtseq)).toEqual([28_961, 29_961]);
    const off = await clientData({ writes: twoWrites, response: 0, pushPerWrite: false });
    expect(off.filter((s) => s.push).map((s) => s.nxtseq)).toEqual([29_961]);
  });

  it('one write of the request by default: PSH on the last segment only', async () => {
    const data = await clientData({ request: 50_000, response: 0 });
    expect([...new Set(data.filter((s) => s.push).map((s) => s.nxtseq))]).toEqual([50_001]);
  });

  it('parses --writes, and the CLI refuses bad writes with one line and exit code 2', () => {
    expect(parseWrites('10000@0,5000@250.5,7@250.5')).toEqual([
      { bytes: 10_000, atMs: 0 },
      { bytes: 5_000, atMs: 250.5 },
      { bytes: 7, atMs: 250.5 },
    ]);
    expect(parseWrites('1200')).toEqual([{ bytes: 1200, atMs: 0 }]);
    expect(() => parseWrites('10k@0')).toThrow(/cannot read write/);
    expect(() => parseWrites('100@50,100@10')).toThrow(/in order/);
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-writes-'));
    const bad = spawnSync(
      'npx',
      ['tsx', join(root, 'src/cli/main.ts'), 'tcp-flow', '-o', join(dir, 'w.pcap'), '--writes', '100@x'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/writes/);
  });
});
