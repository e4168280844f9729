import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CaptureFormat, createCaptureWriter, LinkType, readCapture } from '../../src/capture/index.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { ETHER_UDP_FRAME } from './spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-writer-'));
const T0 = 1700000000;
const CAPTURE = join(process.cwd(), 'src/capture/index.ts');

/** A stream that takes `delayMs` per chunk and keeps what it got. */
class SlowSink extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    setTimeout(callback, 1);
  }
}

describe.each(['pcap', 'pcapng'] as CaptureFormat[])('%s writer', (format) => {
  it('respects stream backpressure and delivers every packet', async () => {
    const sink = new SlowSink(1024);
    const writer = createCaptureWriter(sink, { format, linkType: LinkType.ETHERNET, bufferSize: 64 * 1024 });
    let waits = 0;
    let maxBuffered = 0;
    for (let i = 0; i < 20_000; i++) {
      if (!writer.writePacket(ETHER_UDP_FRAME, T0 + Math.floor(i / 1000), (i % 1000) * 1000)) {
        waits++;
        maxBuffered = Math.max(maxBuffered, sink.writableLength);
        await writer.drain();
      }
    }
    await writer.close();
    expect(waits).toBeGreaterThan(5);
    // The writer never piles more than one batch on the stream before waiting.
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024);
    expect(sink.writableFinished).toBe(true);
    const records = [...readCapture(Buffer.concat(sink.chunks))];
    expect(records).toHaveLength(20_000);
    expect(records[19_999]).toMatchObject({ timestampSec: T0 + 19, timestampNsec: 999_000 });
  });

  it('writes only whole records: the file is a valid capture after every flush', () => {
    const path = join(dir, `partial.${format}`);
    const writer = createCaptureWriter(path, { format, linkType: LinkType.ETHERNET, bufferSize: 64 * 1024 });
    let flushedValid = 0;
    for (let i = 0; i < 5000; i++) {
      writer.writePacket(ETHER_UDP_FRAME, T0, i);
      if (i % 500 === 0) {
        // Whatever is on disk now (between automatic flushes) must read cleanly.
        const onDisk = [...readCapture(new Uint8Array(readFileSync(path)))];
        expect(onDisk.length).toBeLessThanOrEqual(i + 1);
        if (onDisk.length > 0) flushedValid++;
      }
    }
    expect(flushedValid).toBeGreaterThan(3);
    writer.flushSync();
    expect([...readCapture(new Uint8Array(readFileSync(path)))]).toHaveLength(5000);
    writer.writePacket(ETHER_UDP_FRAME, T0, 0);
    writer.closeSync();
    expect([...readCapture(new Uint8Array(readFileSync(path)))]).toHaveLength(5001);
  });

  it('reserveRecord: the caller fills the packet bytes in place', async () => {
    const path = join(dir, `reserve.${format}`);
    const writer = createCaptureWriter(path, { format, linkType: LinkType.ETHERNET, tsResolution: 'ns' });
    for (let i = 0; i < 3; i++) {
      const slot = writer.reserveRecord(ETHER_UDP_FRAME.length - i, 1500, T0, 123456789 + i);
      slot.buffer.set(ETHER_UDP_FRAME.subarray(0, ETHER_UDP_FRAME.length - i), slot.offset);
    }
    await writer.close();
    const records = [...readCapture(new Uint8Array(readFileSync(path)))];
    expect(records.map((r) => [r.timestampNsec, r.data.length, r.originalLength])).toEqual([
      [123456789, 46, 1500],
      [123456790, 45, 1500],
      [123456791, 44, 1500],
    ]);
    expect(records[1]!.data).toEqual(ETHER_UDP_FRAME.subarray(0, 45));
  });
});

function runChild(
  name: string,
  body: string,
  writerOptions = '',
): { status: number | null; signal: string | null; path: string } {
  const path = join(dir, `${name}.pcapng`);
  const script = join(dir, `${name}.mts`);
  writeFileSync(
    script,
    `import { createCaptureWriter, flushOpenCaptureWritersSync } from ${JSON.stringify(CAPTURE)};
const writer = createCaptureWriter(${JSON.stringify(path)}, { format: 'pcapng', linkType: 1, bufferSize: 65536${writerOptions} });
const frame = new Uint8Array(${JSON.stringify([...ETHER_UDP_FRAME])});
for (let i = 0; i < 1000; i++) writer.writePacket(frame, ${T0}, i * 1000, { comments: ['n' + i] });
void flushOpenCaptureWritersSync;
${body}
`,
  );
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: process.cwd(),
  });
  return { status: result.status, signal: result.signal, path };
}

/** A child's ending: a CLI-style SIGINT handler (flushSync, then exit 130), and the signal. */
const STOP_WITH_SIGINT = `process.on('SIGINT', () => { flushOpenCaptureWritersSync(); process.exit(130); });
process.kill(process.pid, 'SIGINT');
setTimeout(() => {}, 10_000);`;

describe('interruption safety', () => {
  it('an uncaught exception still leaves every packet in a valid file', () => {
    const run = runChild('exception', "throw new Error('boom');");
    expect(run.status).toBe(1);
    const records = [...readCapture(new Uint8Array(readFileSync(run.path)))];
    expect(records).toHaveLength(1000);
    expect(records[999]!.comments).toEqual(['n999']);
  });

  it('SIGINT with the CLI-style handler (flushSync then exit) keeps every packet', () => {
    const run = runChild('sigint', STOP_WITH_SIGINT);
    expect(run.status).toBe(130);
    expect([...readCapture(new Uint8Array(readFileSync(run.path)))]).toHaveLength(1000);
  });

  it('process.exit without close flushes through the exit hook', () => {
    const run = runChild('exit', 'process.exit(3);');
    expect(run.status).toBe(3);
    expect([...readCapture(new Uint8Array(readFileSync(run.path)))]).toHaveLength(1000);
  });

  it('even SIGKILL (no flush possible) leaves a valid file of whole records', () => {
    const run = runChild('sigkill', "process.kill(process.pid, 'SIGKILL');");
    expect(run.signal).toBe('SIGKILL');
    const records = [...readCapture(new Uint8Array(readFileSync(run.path)))];
    expect(records.length).toBeGreaterThan(0); // the 64 KiB batches already written
    expect(records.length).toBeLessThan(1000);
  });
});

describe('write-behind', () => {
  const frames = Array.from({ length: 20_000 }, (_, i) => {
    const frame = new Uint8Array(60 + (i % 900));
    frame.set(ETHER_UDP_FRAME);
    frame[frame.length - 1] = i & 0xff;
    return frame;
  });
  async function writeAll(path: string, format: CaptureFormat, writeBehind: number, wait: boolean) {
    const writer = createCaptureWriter(path, { format, linkType: 1, bufferSize: 65536, writeBehind });
    for (let i = 0; i < frames.length; i++) {
      writer.writePacket(frames[i]!, T0, i * 1000);
      if (wait && writer.needsDrain) await writer.drain();
    }
    await writer.close();
    return readFileSync(path);
  }

  for (const format of ['pcap', 'pcapng'] as CaptureFormat[]) {
    it(`${format}: the same file as synchronous writes, waiting for drain() or not`, async () => {
      const expected = await writeAll(join(dir, `sync.${format}`), format, 0, false);
      expect([...readCapture(new Uint8Array(expected))]).toHaveLength(frames.length);
      for (const wait of [true, false])
        expect(
          (await writeAll(join(dir, `behind-${wait}.${format}`), format, 2, wait)).equals(expected),
        ).toBe(true);
    });
  }

  it('flushSync puts every record on file at once, the buffers still being written included', async () => {
    const path = join(dir, 'behind-flush.pcapng');
    const writer = createCaptureWriter(path, {
      format: 'pcapng',
      linkType: 1,
      bufferSize: 65536,
      writeBehind: 3,
    });
    for (let i = 0; i < 5000; i++) writer.writePacket(frames[i]!, T0, i * 1000);
    writer.flushSync(); // no await since: the background writes have not run their callbacks
    expect([...readCapture(new Uint8Array(readFileSync(path)))]).toHaveLength(5000);
    writer.closeSync(); // with a write in flight: the file is closed when it ends
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...readCapture(new Uint8Array(readFileSync(path)))]).toHaveLength(5000);
  });

  it('something other than a regular file gets synchronous writes', async () => {
    const writer = createCaptureWriter('/dev/null', {
      format: 'pcap',
      linkType: 1,
      bufferSize: 65536,
      writeBehind: 3,
    });
    for (let i = 0; i < frames.length; i++) writer.writePacket(frames[i]!, T0, i * 1000);
    expect(writer.needsDrain).toBe(false);
    await writer.close();
  });

  it('a stop signal (flushSync, exit), process.exit and an exception keep every packet', () => {
    const signal = runChild('behind-sigint', STOP_WITH_SIGINT, ', writeBehind: 2');
    expect(signal.status).toBe(130);
    expect([...readCapture(new Uint8Array(readFileSync(signal.path)))]).toHaveLength(1000);
    const exit = runChild('behind-exit', 'process.exit(3);', ', writeBehind: 2');
    expect(exit.status).toBe(3);
    expect([...readCapture(new Uint8Array(readFileSync(exit.path)))]).toHaveLength(1000);
    const thrown = runChild('behind-exception', "throw new Error('boom');", ', writeBehind: 2');
    expect(thrown.status).toBe(1);
    expect([...readCapture(new Uint8Array(readFileSync(thrown.path)))]).toHaveLength(1000);
  });

  it('SIGKILL leaves the first records, in order, and at most one cut short at the end', () => {
    const run = runChild('behind-sigkill', "process.kill(process.pid, 'SIGKILL');", ', writeBehind: 2');
    expect(run.signal).toBe('SIGKILL');
    const records = [...readCapture(new Uint8Array(readFileSync(run.path)), { allowCutShortTail: true })];
    expect(records.length).toBeLessThan(1000);
    // One write at a time, in file order: no hole, so the records are the first ones.
    expect(records.map((record) => record.comments[0])).toEqual(records.map((_, i) => `n${i}`));
  });
});

describe('memory', () => {
  it('10 million packets keep RSS flat', () => {
    const writer = createCaptureWriter('/dev/null', { format: 'pcap', linkType: LinkType.ETHERNET });
    const before = process.memoryUsage().rss;
    let peak = before;
    for (let i = 0; i < 10_000_000; i++) {
      writer.writePacket(ETHER_UDP_FRAME, T0 + (i >>> 20), i & 0xfffff);
      if ((i & 0xfffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    writer.closeSync();
    expect(writer.packetCount).toBe(10_000_000);
    expect(writer.bytesWritten).toBe(24 + 10_000_000 * (16 + 46));
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('writeLayers', () => {
  it('encodes each stack straight into its record: the same file as writePacket(encodePacket(...))', async () => {
    const stacks = [
      'ether/ipv4/udp/gtpu(teid=7)/ipv4/tcp(flags=PA)/raw(len=64)',
      'ether/dot1q(vlan=5)/ipv6/icmpv6(type=128,id=1,seq=2)',
      'ether/ipv4(options=0x070b04)/udp/raw(text="odd")',
      'ether/arp',
    ].map((spec) => parseSpec(spec));
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-layers-'));
    for (const format of ['pcap', 'pcapng'] as const) {
      const viaLayers = join(dir, `layers.${format}`);
      const viaFrames = join(dir, `frames.${format}`);
      const a = createCaptureWriter(viaLayers, { format, linkType: LinkType.ETHERNET });
      const b = createCaptureWriter(viaFrames, { format, linkType: LinkType.ETHERNET });
      for (let i = 0; i < 40; i++) {
        const layers = stacks[i % stacks.length]!;
        const frame = encodePacket(layers);
        expect(a.writeLayers(layers, 1_700_000_000 + i, i * 1000)).toBe(frame.length);
        b.writePacket(frame, 1_700_000_000 + i, i * 1000);
      }
      await a.close();
      await b.close();
      expect(readFileSync(viaLayers).equals(readFileSync(viaFrames)), format).toBe(true);
      expect([...readCapture(new Uint8Array(readFileSync(viaLayers)))]).toHaveLength(40);
    }
  });
});
