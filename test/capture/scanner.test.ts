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
});
