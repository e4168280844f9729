import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCaptureScanner, readCapture } from '../../src/capture/index.js';
import { CaptureError } from '../../src/core/errors.js';
import { concat, ETHER_UDP_FRAME, pcapHeader, pcapRecord } from './spec-bytes.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'corpus', 'tcpdump');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-scanner-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface Seen {
  time: string;
  interfaceId: number;
  linkType: number;
  originalLength: number;
  fileOffset: number;
  data: number[];
}

function scanAll(path: string, chunkSize?: number, allowCutShortTail = false): Seen[] {
  const scanner = openCaptureScanner(path, { chunkSize, allowCutShortTail });
  const seen: Seen[] = [];
  while (scanner.next()) {
    const record = scanner.record;
    seen.push({
      time: `${record.timestampSec}.${record.timestampNsec}`,
      interfaceId: record.interfaceId,
      linkType: record.linkType,
      originalLength: record.originalLength,
      fileOffset: record.fileOffset,
      data: Array.from(
        scanner.buffer.subarray(scanner.recordOffset, scanner.recordOffset + scanner.recordLength),
      ),
    });
  }
  return seen;
}

function readAll(bytes: Uint8Array): Seen[] {
  return [...readCapture(bytes, { allowCutShortTail: true })].map((record) => ({
    time: `${record.timestampSec}.${record.timestampNsec}`,
    interfaceId: record.interfaceId,
    linkType: record.linkType,
    originalLength: record.originalLength,
    fileOffset: record.fileOffset,
    data: Array.from(record.data),
  }));
}

describe('CaptureScanner', () => {
  it('reads every corpus file as the in-memory reader does, whatever the chunk size', () => {
    const files = readdirSync(CORPUS).filter((name) =>
      /^(pim|vsock|nflog|ipoib|tcp-handshake|dhcp|nhrp)/.test(name),
    );
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const name of files) {
      const path = join(CORPUS, name);
      const expected = readAll(new Uint8Array(readFileSync(path)));
      expect(expected.length, name).toBeGreaterThan(0);
      // 64 bytes: nearly every record is cut at a chunk's end (moved to the front, or the buffer grows).
      for (const chunk of [64, 1000, undefined])
        expect(scanAll(path, chunk), `${name} ${chunk}`).toEqual(expected);
    }
  });

  it('a file cut short: the intact records, then an error, or the cut with allowCutShortTail', () => {
    const whole = concat(
      pcapHeader(true, false, 262144, 1),
      pcapRecord(true, 1700000000, 1, ETHER_UDP_FRAME),
      pcapRecord(true, 1700000000, 2, ETHER_UDP_FRAME),
    );
    const path = join(directory, 'cut.pcap');
    writeFileSync(path, whole.subarray(0, whole.length - 5));
    const scanner = openCaptureScanner(path, { chunkSize: 64 });
    expect(scanner.next()).toBe(true);
    expect(() => scanner.next()).toThrow(CaptureError);
    const lenient = openCaptureScanner(path, { allowCutShortTail: true });
    let count = 0;
    while (lenient.next()) count++;
    expect(count).toBe(1);
    expect(lenient.cutShort).toEqual({ intactPackets: 1, fileOffset: 24 + 16 + 46, what: 'record body' });
  });

  it('a length field claiming more than the file holds allocates no more than the file', () => {
    const bytes = concat(pcapHeader(true, false, 0, 231), pcapRecord(true, 1700000000, 1, ETHER_UDP_FRAME));
    // D-Bus allows 128 MiB records: claim 100 MiB in a 86-byte file.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + 8, 100 * 1024 * 1024, true);
    const path = join(directory, 'claim.pcap');
    writeFileSync(path, bytes);
    const scanner = openCaptureScanner(path, { allowCutShortTail: true });
    expect(scanner.next()).toBe(false);
    expect(scanner.buffer.length).toBeLessThanOrEqual(bytes.length + 64);
    expect(scanner.cutShort?.intactPackets).toBe(0);
  });

  it("reads a classic pcap record's metadata from its header when asked, in every byte order and resolution", () => {
    // Values written by hand: the records sit at 24, 24 + 16 + 46 and 24 + 2 × (16 + 46) in the file.
    for (const little of [true, false]) {
      for (const nanosecond of [false, true]) {
        const scale = nanosecond ? 1 : 1000;
        const bytes = concat(
          pcapHeader(little, nanosecond, 65535, 1),
          pcapRecord(little, 1700000000, 7, ETHER_UDP_FRAME),
          pcapRecord(little, 1700000001, 0, ETHER_UDP_FRAME, 1514),
          // A fraction of a second past its unit carries into the seconds, as wiretap reads it.
          pcapRecord(little, 1700000002, nanosecond ? 1_000_000_005 : 1_000_005, ETHER_UDP_FRAME),
        );
        const path = join(directory, `meta-${little}-${nanosecond}.pcap`);
        writeFileSync(path, bytes);
        // 100-byte chunks: the second and third records are cut at a chunk's end and moved.
        const scanner = openCaptureScanner(path, { chunkSize: 100 });
        const seen: unknown[] = [];
        while (scanner.next()) {
          const { timestampSec, timestampNsec, originalLength, fileOffset, linkType } = scanner.record;
          seen.push({ timestampSec, timestampNsec, originalLength, fileOffset, linkType });
        }
        expect(seen, `${little} ${nanosecond}`).toEqual([
          {
            timestampSec: 1700000000,
            timestampNsec: 7 * scale,
            originalLength: 46,
            fileOffset: 24,
            linkType: 1,
          },
          { timestampSec: 1700000001, timestampNsec: 0, originalLength: 1514, fileOffset: 86, linkType: 1 },
          {
            timestampSec: 1700000003,
            timestampNsec: 5 * scale,
            originalLength: 46,
            fileOffset: 148,
            linkType: 1,
          },
        ]);
      }
    }
  });
});
