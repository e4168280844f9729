import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCaptureWriter, LinkType, readCapture } from '../../src/capture/index.js';
import { CaptureError } from '../../src/core/errors.js';
import {
  block,
  concat,
  ETHER_UDP_FRAME,
  enhancedPacket,
  hex,
  IPV4_UDP_PACKET,
  interfaceBlock,
  SpecWriter,
  sectionHeader,
  textOption,
  u32Option,
} from './spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-pcapng-'));
const T0 = 1700000000;

/** Ticks split into the two 32-bit halves an EPB carries. */
function halves(ticks: bigint): [number, number] {
  return [Number(ticks >> 32n), Number(ticks & 0xffffffffn)];
}

describe('pcapng writing', () => {
  it('writes SHB, IDB, EPB and NRB byte for byte as the spec lays them out', async () => {
    const path = join(dir, 'exact.pcapng');
    const writer = createCaptureWriter(path, {
      format: 'pcapng',
      interfaces: [{ linkType: LinkType.ETHERNET, name: 'eth0', description: 'lab uplink', snapLen: 65535 }],
      nameRecords: [
        { address: '192.0.2.1', names: ['one.example'] },
        { address: '2001:db8::1', names: ['six.example', 'alias.example'] },
      ],
    });
    writer.writePacket(ETHER_UDP_FRAME, T0, 123456789, {
      comments: ['first', 'zweite ü'],
      direction: 'outbound',
    });
    await writer.close();

    const little = true;
    const nrbBody = new SpecWriter(little)
      .u16(1)
      .u16(4 + 12)
      .bytes([192, 0, 2, 1])
      .bytes(new TextEncoder().encode('one.example\0'))
      .pad()
      .u16(2)
      .u16(16 + 12 + 14)
      .bytes(hex('20010db8000000000000000000000001'))
      .bytes(new TextEncoder().encode('six.example\0alias.example\0'))
      .pad()
      .u16(0)
      .u16(0)
      .done();
    const expected = concat(
      sectionHeader(little, [textOption(4, 'pktcraft')]),
      interfaceBlock(little, 1, 65535, [
        textOption(2, 'eth0'),
        textOption(3, 'lab uplink'),
        { code: 9, value: Uint8Array.of(6) },
      ]),
      block(little, 4, nrbBody),
      enhancedPacket(little, 0, ...halves(1700000000123456n), ETHER_UDP_FRAME, 46, [
        textOption(1, 'first'),
        textOption(1, 'zweite ü'),
        u32Option(2, 2, little),
      ]),
    );
    expect(new Uint8Array(readFileSync(path))).toEqual(expected);
  });

  it('round-trips several interfaces of different link types and every packet option', async () => {
    const path = join(dir, 'multi.pcapng');
    const writer = createCaptureWriter(path, {
      format: 'pcapng',
      interfaces: [{ linkType: LinkType.ETHERNET, name: 'eth0', description: 'first' }],
    });
    const v4 = writer.addInterface({ linkType: LinkType.IPV4, name: 'tun0', tsResolution: 'ns' });
    writer.writePacket(ETHER_UDP_FRAME, T0, 5_000, { comments: ['a', 'b', 'c'], direction: 'inbound' });
    writer.writePacket(IPV4_UDP_PACKET, T0 + 1, 987_654_321, { interfaceId: v4, direction: 'outbound' });
    const raw = writer.addInterface({ linkType: LinkType.RAW, snapLen: 8, description: 'snapped' });
    writer.writePacket(IPV4_UDP_PACKET, T0 + 2, 1, { interfaceId: raw, originalLength: 9000 });
    writer.addNameRecords([{ address: '2001:db8::2', names: ['two.example'] }]);
    await writer.close();

    const capture = readCapture(new Uint8Array(readFileSync(path)));
    const records = [...capture];
    expect(capture.format).toBe('pcapng');
    expect(capture.sections).toMatchObject([
      { byteOrder: 'little', versionMajor: 1, userApplication: 'pktcraft' },
    ]);
    expect(capture.interfaces).toMatchObject([
      { id: 0, linkType: 1, name: 'eth0', description: 'first', tsResolutionCode: 6, snapLen: 262144 },
      { id: 1, linkType: 228, name: 'tun0', tsResolutionCode: 9, ticksPerSecond: 1e9 },
      { id: 2, linkType: 101, description: 'snapped', snapLen: 8 },
    ]);
    expect(capture.nameRecords).toEqual([{ address: '2001:db8::2', names: ['two.example'] }]);
    expect(records.map((r) => [r.interfaceId, r.linkType, r.timestampSec, r.timestampNsec])).toEqual([
      [0, 1, T0, 5_000],
      [1, 228, T0 + 1, 987_654_321],
      [2, 101, T0 + 2, 0], // µs interface: 1 ns rounds down
    ]);
    expect(records[0]).toMatchObject({ comments: ['a', 'b', 'c'], direction: 'inbound', flags: 1 });
    expect(records[0]).toMatchObject({ interfaceName: 'eth0', interfaceDescription: 'first' });
    expect(records[1]).toMatchObject({
      comments: [],
      direction: 'outbound',
      flags: 2,
      interfaceName: 'tun0',
    });
    expect(records[2]).toMatchObject({ originalLength: 9000, direction: undefined, flags: undefined });
    expect(records[0]!.data).toEqual(ETHER_UDP_FRAME);
    expect(records[1]!.data).toEqual(IPV4_UDP_PACKET);
    expect(records[2]!.data).toEqual(IPV4_UDP_PACKET.subarray(0, 8));
  });

  it('refuses a packet on an undeclared interface, and a second link type in classic pcap', () => {
    const ng = createCaptureWriter(join(dir, 'x.pcapng'), { format: 'pcapng' });
    expect(() => ng.writePacket(ETHER_UDP_FRAME, T0, 0)).toThrow(/interface 0 not declared/);
    ng.closeSync();
    const pcap = createCaptureWriter(join(dir, 'x.pcap'), { format: 'pcap', linkType: 1 });
    expect(pcap.addInterface({ linkType: 1 })).toBe(0);
    expect(() => pcap.addInterface({ linkType: 101 })).toThrow(/one link type/);
    expect(() => pcap.writePacket(ETHER_UDP_FRAME, T0, 1e9)).toThrow(/nanoseconds/);
    expect(() => pcap.writePacket(ETHER_UDP_FRAME, T0, 0, { originalLength: 3 })).toThrow(
      /below the captured/,
    );
    pcap.closeSync();
  });
});

describe('pcapng reading (hand-made files from the spec)', () => {
  it('reads big-endian, several sections, power-of-2 resolution, if_tsoffset, SPB, PB, unknown blocks', () => {
    const be = false;
    const le = true;
    // Section 1, big-endian: interface 0 with 2^-10 s ticks and an offset of +100 s.
    const tsoffset = new SpecWriter(be).u32(0).u32(100).done();
    const section1 = concat(
      sectionHeader(be, [
        textOption(1, 'section one'),
        textOption(3, 'TestOS'),
        textOption(0x4321, 'unknown'),
      ]),
      interfaceBlock(be, 1, 0, [
        textOption(2, 'be0'),
        { code: 9, value: Uint8Array.of(0x8a) },
        { code: 14, value: tsoffset },
        { code: 0x7777, value: hex('01020304') }, // unknown option: skipped
      ]),
      // 1.5 s at 1024 ticks/s → 1536 ticks; plus the 100 s offset.
      enhancedPacket(be, 0, ...halves(BigInt(T0 - 100) * 1024n + 1536n), ETHER_UDP_FRAME, 46, [
        textOption(1, 'big comment'),
        { code: 0x55, value: hex('aabbcc') }, // unknown option: skipped
        u32Option(2, 0x00000001, be),
      ]),
      block(be, 0x00000bad, hex('000000010203')), // custom block: skipped
      block(be, 0x12345678, hex('deadbeef')), // unknown block type: skipped
      block(be, 5, hex('00000000 00000000 00000000')), // ISB: skipped
    );
    // Section 2, little-endian: its own interface ids start again at 0.
    const [pbHigh, pbLow] = halves(BigInt(T0) * 1000n);
    const pb = new SpecWriter(le)
      .u16(0)
      .u16(0)
      .u32(pbHigh)
      .u32(pbLow)
      .u32(4)
      .u32(4)
      .bytes(hex('01020304'))
      .done();
    const spb = new SpecWriter(le).u32(6).bytes(hex('aabbccddeeff')).pad().done();
    const section2 = concat(
      sectionHeader(le),
      interfaceBlock(le, 229, 0, [textOption(3, 'v6 desc'), { code: 9, value: Uint8Array.of(3) }]),
      interfaceBlock(le, 101, 0),
      enhancedPacket(le, 1, ...halves(BigInt(T0) * 1_000_000n + 7n), IPV4_UDP_PACKET),
      block(le, 2, pb, [textOption(1, 'obsolete')]),
      block(le, 3, spb),
    );
    const capture = readCapture(concat(section1, section2));
    const records = [...capture];
    expect(capture.byteOrder).toBe('big');
    expect(capture.sections).toMatchObject([
      { byteOrder: 'big', comments: ['section one'], os: 'TestOS' },
      { byteOrder: 'little', comments: [] },
    ]);
    expect(capture.interfaces).toMatchObject([
      {
        id: 0,
        section: 0,
        localId: 0,
        name: 'be0',
        tsResolutionCode: 0x8a,
        ticksPerSecond: 1024,
        tsOffsetSec: 100,
      },
      { id: 1, section: 1, localId: 0, linkType: 229, description: 'v6 desc', ticksPerSecond: 1000 },
      { id: 2, section: 1, localId: 1, linkType: 101, ticksPerSecond: 1e6 },
    ]);
    expect(
      records.map((r) => [r.interfaceId, r.linkType, r.timestampSec, r.timestampNsec, r.data.length]),
    ).toEqual([
      [0, 1, T0 + 1, 500_000_000, 46],
      [2, 101, T0, 7000, 32],
      [1, 229, T0, 0, 4],
      [1, 229, 0, 0, 6],
    ]);
    expect(records[0]).toMatchObject({
      comments: ['big comment'],
      direction: 'inbound',
      interfaceName: 'be0',
    });
    expect(records[0]!.data).toEqual(ETHER_UDP_FRAME);
    expect(records[2]).toMatchObject({ comments: ['obsolete'], interfaceDescription: 'v6 desc' });
    expect(records[3]!.data).toEqual(hex('aabbccddeeff'));
  });

  it('reads a nanosecond timestamp far beyond 2^53 ticks exactly', () => {
    const ticks = 1700000000n * 1_000_000_000n + 999_999_999n;
    const file = concat(
      sectionHeader(true),
      interfaceBlock(true, 1, 0, [{ code: 9, value: Uint8Array.of(9) }]),
      enhancedPacket(true, 0, ...halves(ticks), ETHER_UDP_FRAME),
    );
    expect([...readCapture(file)][0]).toMatchObject({ timestampSec: 1700000000, timestampNsec: 999_999_999 });
  });

  it('reports an EPB whose interface was not declared, after the packets before it', () => {
    const good = enhancedPacket(true, 0, 0, 1, ETHER_UDP_FRAME);
    const file = concat(
      sectionHeader(true),
      interfaceBlock(true, 1, 0),
      good,
      enhancedPacket(true, 3, 0, 2, hex('00')),
    );
    const seen: number[] = [];
    let error: unknown;
    try {
      for (const record of readCapture(file)) seen.push(record.timestampNsec);
    } catch (caught) {
      error = caught;
    }
    expect(seen).toEqual([1000]);
    expect(error).toBeInstanceOf(CaptureError);
    const offset = 28 + 20 + good.length;
    expect((error as CaptureError).fileOffset).toBe(offset + 8);
    expect((error as CaptureError).reason).toMatch(
      /interface id 3 is not declared \(the section has 1 interfaces\)/,
    );
  });
});
