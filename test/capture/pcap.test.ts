import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCaptureWriter, LinkType, readCapture } from '../../src/capture/index.js';
import { CaptureError } from '../../src/core/errors.js';
import { concat, ETHER_UDP_FRAME, hex, pcapHeader, pcapRecord } from './spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-pcap-'));

describe('classic pcap reading (hand-made files from the spec)', () => {
  it('reads a big-endian microsecond file', () => {
    const file = concat(
      pcapHeader(false, false, 65535, LinkType.ETHERNET),
      pcapRecord(false, 1700000000, 123456, ETHER_UDP_FRAME),
      pcapRecord(false, 1700000001, 999999, ETHER_UDP_FRAME.subarray(0, 20), 46),
    );
    expect(Array.from(file.subarray(0, 4))).toEqual([0xa1, 0xb2, 0xc3, 0xd4]);
    const capture = readCapture(file);
    const records = [...capture];
    expect(capture.format).toBe('pcap');
    expect(capture.byteOrder).toBe('big');
    expect(capture.nanosecond).toBe(false);
    expect(capture.interfaces).toMatchObject([{ id: 0, linkType: 1, snapLen: 65535, tsResolutionCode: 6 }]);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      interfaceId: 0,
      linkType: 1,
      timestampSec: 1700000000,
      timestampNsec: 123456000,
      originalLength: 46,
      fileOffset: 24,
      comments: [],
    });
    expect(records[0]!.data).toEqual(ETHER_UDP_FRAME);
    expect(records[1]).toMatchObject({ timestampNsec: 999999000, originalLength: 46 });
    expect(records[1]!.data).toEqual(ETHER_UDP_FRAME.subarray(0, 20));
  });

  it('reads a little-endian nanosecond file and returns views, not copies', () => {
    const file = concat(
      pcapHeader(true, true, 262144, LinkType.IPV4),
      pcapRecord(true, 1700000000, 123456789, ETHER_UDP_FRAME.subarray(14)),
    );
    expect(Array.from(file.subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    const capture = readCapture(file);
    const [record] = [...capture];
    expect(capture.nanosecond).toBe(true);
    expect(capture.byteOrder).toBe('little');
    expect(record).toMatchObject({ linkType: 228, timestampSec: 1700000000, timestampNsec: 123456789 });
    expect(record!.data.buffer).toBe(file.buffer);
    expect(record!.data.byteOffset).toBe(24 + 16);
  });

  it('carries a fraction of a second ≥ 1 s into the seconds (as Wireshark shows it)', () => {
    const file = concat(pcapHeader(true, false, 0, 1), pcapRecord(true, 1700000000, 1_500_000, hex('00')));
    expect([...readCapture(file)][0]).toMatchObject({ timestampSec: 1700000001, timestampNsec: 500_000_000 });
  });

  it('rejects pcap major version 1', () => {
    const file = pcapHeader(true, false, 0, 1);
    file[4] = 1;
    expect(() => [...readCapture(file)]).toThrow(CaptureError);
    expect(() => [...readCapture(file)]).toThrow(/version 1\.4/);
  });
});

describe('classic pcap writing', () => {
  it('writes the header and records exactly as the spec lays them out (little-endian, µs)', async () => {
    const path = join(dir, 'exact.pcap');
    const writer = createCaptureWriter(path, { format: 'pcap', linkType: LinkType.ETHERNET, snapLen: 65535 });
    writer.writePacket(ETHER_UDP_FRAME, 1700000000, 123456789);
    await writer.close();
    const expected = concat(
      pcapHeader(true, false, 65535, 1),
      pcapRecord(true, 1700000000, 123456, ETHER_UDP_FRAME), // µs: rounded down
    );
    expect(new Uint8Array(readFileSync(path))).toEqual(expected);
  });

  it('round-trips nanosecond timestamps, any link type, snap length and original length', async () => {
    const path = join(dir, 'ns.pcap');
    const writer = createCaptureWriter(path, {
      format: 'pcap',
      linkType: LinkType.LINUX_SLL2,
      snapLen: 20,
      tsResolution: 'ns',
    });
    writer.writePacket(ETHER_UDP_FRAME, 1700000000, 1);
    writer.writePacket(ETHER_UDP_FRAME.subarray(0, 10), 1700000000, 999_999_999, { originalLength: 1500 });
    await writer.close();
    const file = new Uint8Array(readFileSync(path));
    expect(Array.from(file.subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    const capture = readCapture(file);
    const records = [...capture];
    expect(capture.interfaces[0]).toMatchObject({ linkType: 276, snapLen: 20, tsResolutionCode: 9 });
    expect(records.map((r) => [r.timestampSec, r.timestampNsec, r.data.length, r.originalLength])).toEqual([
      [1700000000, 1, 20, 46],
      [1700000000, 999_999_999, 10, 1500],
    ]);
    expect(records[0]!.data).toEqual(ETHER_UDP_FRAME.subarray(0, 20));
  });

  it('an empty writer still leaves a valid header-only file', async () => {
    const path = join(dir, 'empty.pcap');
    await createCaptureWriter(path, { format: 'pcap', linkType: LinkType.RAW }).close();
    const file = new Uint8Array(readFileSync(path));
    expect(file.length).toBe(24);
    const capture = readCapture(file);
    expect([...capture]).toEqual([]);
    expect(capture.interfaces[0]!.linkType).toBe(101);
  });
});
