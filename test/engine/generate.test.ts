import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { bytesEqual } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { generateToCapture, MIN_PACKETS_PER_WORKER } from '../../src/engine/generate.js';
import { workloads } from '../../src/engine/workloads.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generateToCapture', () => {
  it('writes a pcap whose records are the explicit packets, 1 µs apart from 1700000000', async () => {
    const path = join(dir, 'gtpu.pcap');
    const progress: number[] = [];
    const result = await generateToCapture({
      layers: workloads.gtpu.layers,
      vary: workloads.gtpu.vary,
      count: 70_000,
      output: path,
      workers: 1,
      onProgress: (done) => progress.push(done),
    });
    expect(result).toMatchObject({ packets: 70_000, workers: 0, frameLength: 154 });
    const bytes = readFileSync(path);
    expect(result.bytes).toBe(bytes.length);
    expect(bytes.length).toBe(24 + 70_000 * (16 + 154));
    expect(progress.at(-1)).toBe(70_000);
    let i = 0;
    for (const record of readCapture(bytes)) {
      if (i % 997 === 0 || i === 69_999) {
        expect(bytesEqual(record.data, encodePacket(workloads.gtpu.packet(i))), `packet ${i}`).toBe(true);
        expect(record.timestampSec).toBe(1_700_000_000 + Math.floor(i / 1e6));
        expect(record.timestampNsec).toBe((i % 1e6) * 1000);
        expect(record.linkType).toBe(1);
      }
      i++;
    }
    expect(i).toBe(70_000);
  });

  it('worker threads write the same bytes as one thread (pcap and pcapng, µs and ns)', async () => {
    const count = 2 * MIN_PACKETS_PER_WORKER + 12_345;
    for (const [format, resolution] of [
      ['pcap', 'us'],
      ['pcapng', 'ns'],
    ] as const) {
      const one = join(dir, `one.${format}`);
      const many = join(dir, `many.${format}`);
      const common = {
        layers: workloads.vxlan.layers,
        vary: workloads.vxlan.vary,
        count,
        format,
        timestamps: { resolution, startSec: 1_700_000_000, startNsec: 999_999_000, intervalNs: 333 },
      };
      const single = await generateToCapture({ ...common, output: one, workers: 1 });
      const threaded = await generateToCapture({ ...common, output: many, workers: 2 });
      expect(single.workers).toBe(0);
      expect(threaded.workers).toBe(2);
      const a = readFileSync(one);
      const b = readFileSync(many);
      expect(a.length).toBe(b.length);
      expect(threaded.bytes).toBe(b.length);
      expect(a.equals(b)).toBe(true);
      let i = 0;
      for (const record of readCapture(b)) {
        if (i % 50_021 === 0) {
          expect(bytesEqual(record.data, encodePacket(workloads.vxlan.packet(i))), `packet ${i}`).toBe(true);
          const t = 999_999_000 + i * 333;
          expect(record.timestampSec).toBe(1_700_000_000 + Math.floor(t / 1e9));
          expect(record.timestampNsec).toBe(
            resolution === 'ns' ? t % 1e9 : Math.floor((t % 1e9) / 1000) * 1000,
          );
        }
        i++;
      }
      expect(i).toBe(count);
    }
  }, 120_000);

  it('raw IP packets get link type 101; a stream output works; bad options are FieldErrors', async () => {
    const chunks: Buffer[] = [];
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const layers = parseSpec('ipv4(src=192.0.2.1)/udp(sport=1000,dport=2000)/raw(len=10)');
    const result = await generateToCapture({
      layers,
      vary: ['udp.sport=1000+'],
      count: 10,
      output: stream,
      format: 'pcap',
    });
    expect(result.workers).toBe(0);
    const file = Buffer.concat(chunks);
    const records = [...readCapture(file)];
    expect(records).toHaveLength(10);
    expect(records[0]!.linkType).toBe(101);
    const last = encodePacket(parseSpec('ipv4(src=192.0.2.1)/udp(sport=1009,dport=2000)/raw(len=10)'));
    expect(bytesEqual(records[9]!.data, last)).toBe(true);
    await expect(generateToCapture({ layers, count: -1, output: join(dir, 'x.pcap') })).rejects.toThrow(
      FieldError,
    );
    await expect(
      generateToCapture({ layers, count: 1, vary: ['udp.len=1'], output: join(dir, 'x.pcap') }),
    ).rejects.toThrow(FieldError);
    await expect(
      generateToCapture({ layers, count: 1, workers: 0, output: join(dir, 'x.pcap') }),
    ).rejects.toThrow(FieldError);
  });
});
