import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CaptureRecord,
  convertCapture,
  createCaptureWriter,
  LinkType,
  readCapture,
  summarizeCapture,
} from '../../src/capture/index.js';
import { convertCommand } from '../../src/cli/convert.js';
import { infoCommand } from '../../src/cli/info.js';
import { CaptureError, FieldError } from '../../src/core/errors.js';
import { ETHER_UDP_FRAME, IPV4_UDP_PACKET } from './spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-convert-'));
const T0 = 1700000000;

function read(path: string) {
  const capture = readCapture(new Uint8Array(readFileSync(path)));
  return { records: [...capture], capture };
}

function essence(records: CaptureRecord[]) {
  return records.map((r) => ({
    t: [r.timestampSec, r.timestampNsec],
    data: Array.from(r.data),
    len: r.originalLength,
    link: r.linkType,
    comments: r.comments,
    direction: r.direction,
    name: r.interfaceName,
  }));
}

async function write(
  name: string,
  format: 'pcap' | 'pcapng',
  build: (w: ReturnType<typeof createCaptureWriter>) => void,
) {
  const path = join(dir, name);
  const writer = createCaptureWriter(path, { format });
  build(writer);
  await writer.close();
  return path;
}

const multi = () =>
  write('multi.pcapng', 'pcapng', (w) => {
    w.addInterface({ linkType: LinkType.ETHERNET, name: 'eth0', description: 'uplink' });
    w.addInterface({ linkType: LinkType.IPV6, name: 'idle0' }); // no packets: still kept
    w.addInterface({ linkType: LinkType.IPV4, name: 'tun0', tsResolution: 'ns' });
    w.addNameRecords([{ address: '192.0.2.1', names: ['one.example'] }]);
    w.writePacket(ETHER_UDP_FRAME, T0, 1000, { comments: ['x', 'y'], direction: 'inbound' });
    w.writePacket(IPV4_UDP_PACKET, T0 + 1, 123456789, { interfaceId: 2, direction: 'outbound' });
  });

describe('convertCapture', () => {
  it('pcapng → pcapng keeps interfaces, comments, directions, name records and ns timestamps', async () => {
    const input = await multi();
    const output = join(dir, 'copy.pcapng');
    const summary = await convertCapture(input, output);
    expect(summary).toMatchObject({ format: 'pcapng', packets: 2, interfaces: 3 });
    const before = read(input);
    const after = read(output);
    expect(essence(after.records)).toEqual(essence(before.records));
    expect(
      after.capture.interfaces.map((i) => [i.linkType, i.name, i.description, i.tsResolutionCode]),
    ).toEqual([
      [1, 'eth0', 'uplink', 6],
      [229, 'idle0', undefined, 6],
      [228, 'tun0', undefined, 9],
    ]);
    expect(after.capture.nameRecords).toEqual([{ address: '192.0.2.1', names: ['one.example'] }]);
  });

  it('pcapng → pcap picks nanoseconds when a timestamp has a sub-µs part, µs otherwise', async () => {
    const ns = await write('ns.pcapng', 'pcapng', (w) => {
      w.addInterface({ linkType: LinkType.RAW, tsResolution: 'ns' });
      w.writePacket(IPV4_UDP_PACKET, T0, 1);
    });
    const nsOut = join(dir, 'ns.pcap');
    expect(await convertCapture(ns, nsOut)).toMatchObject({ format: 'pcap', nanosecond: true, packets: 1 });
    expect(read(nsOut).capture.nanosecond).toBe(true);
    expect(essence(read(nsOut).records).map((r) => [r.t, r.link])).toEqual([[[T0, 1], 101]]);

    const us = await write('us.pcapng', 'pcapng', (w) => {
      w.addInterface({ linkType: LinkType.ETHERNET });
      w.writePacket(ETHER_UDP_FRAME, T0, 5000);
    });
    const usOut = join(dir, 'us.cap');
    expect(await convertCapture(us, usOut)).toMatchObject({ format: 'pcap', nanosecond: false });
    expect(essence(read(usOut).records)).toEqual(
      essence(read(us).records).map((r) => ({ ...r, name: undefined })),
    );
  });

  it('pcap → pcapng and ns pcap → pcap (forced format) keep every timestamp', async () => {
    const source = join(dir, 'source.pcap');
    const writer = createCaptureWriter(source, {
      format: 'pcap',
      linkType: 1,
      tsResolution: 'ns',
      snapLen: 30,
    });
    writer.writePacket(ETHER_UDP_FRAME, T0, 999_999_999);
    await writer.close();
    const ng = join(dir, 'from-pcap.pcapng');
    await convertCapture(source, ng);
    expect(essence(read(ng).records)).toEqual(essence(read(source).records));
    expect(read(ng).capture.interfaces[0]).toMatchObject({ snapLen: 30, tsResolutionCode: 9 });
    const again = join(dir, 'again.data');
    expect(await convertCapture(ng, again, { format: 'pcap' })).toMatchObject({ nanosecond: true });
    expect(readFileSync(again)).toEqual(readFileSync(source));
  });

  it('refuses impossible conversions with a FieldError', async () => {
    const input = await multi();
    await expect(convertCapture(input, join(dir, 'multi.pcap'))).rejects.toThrow(/3 link types/);
    await expect(convertCapture(input, join(dir, 'out.txt'))).rejects.toThrow(FieldError);
    await expect(convertCapture(input, input)).rejects.toThrow(/output is the input/);
  });

  it('an input cut short in its last block (a writer killed): the intact packets are converted', async () => {
    const input = await write('damaged.pcapng', 'pcapng', (w) => {
      w.addInterface({ linkType: 1 });
      for (let i = 0; i < 3; i++) w.writePacket(ETHER_UDP_FRAME, T0 + i, 0);
    });
    const bytes = readFileSync(input);
    writeFileSync(input, bytes.subarray(0, bytes.length - 3));
    const output = join(dir, 'damaged-out.pcapng');
    const summary = await convertCapture(input, output);
    expect(summary.packets).toBe(2);
    const lastStart = bytes.length - (32 + 48);
    expect(summary.problems).toEqual([`2 intact packets, the last record cut short at offset ${lastStart}`]);
    expect(read(output).records.map((r) => r.timestampSec)).toEqual([T0, T0 + 1]);
  });

  it('a damaged input: every intact packet is converted, then the CaptureError', async () => {
    const input = await write('damaged2.pcapng', 'pcapng', (w) => {
      w.addInterface({ linkType: 1 });
      for (let i = 0; i < 3; i++) w.writePacket(ETHER_UDP_FRAME, T0 + i, 0);
    });
    const bytes = readFileSync(input);
    // The last block's trailing length contradicts its leading one: damage, not a cut.
    bytes[bytes.length - 4]! ^= 0x40;
    writeFileSync(input, bytes);
    const output = join(dir, 'damaged2-out.pcapng');
    await expect(convertCapture(input, output)).rejects.toThrow(CaptureError);
    expect(read(output).records.map((r) => r.timestampSec)).toEqual([T0, T0 + 1]);
  });
});

describe('summarizeCapture and the CLI commands', () => {
  afterEach(() => vi.restoreAllMocks());

  it('summarises counts, link types, interfaces and the time span', async () => {
    const input = await multi();
    const summary = await summarizeCapture(input);
    expect(summary).toMatchObject({
      format: 'pcapng',
      fileType: 'pcapng',
      packets: 2,
      dataBytes: 46 + 32,
      encapsulation: 'Per packet',
      duration: '1.123455789',
      strictTimeOrder: true,
      packetComments: 2,
      resolvedIPv4: 1,
      first: { sec: T0, nsec: 1000, epoch: '1700000000.000001000', iso: '2023-11-14T22:13:20.000001000Z' },
      last: { epoch: '1700000001.123456789' },
    });
    expect(summary.linkTypes).toEqual([
      { linkType: 1, name: 'Ethernet', packets: 1 },
      { linkType: 229, name: 'Raw IPv6', packets: 0 },
      { linkType: 228, name: 'Raw IPv4', packets: 1 },
    ]);
    expect(summary.interfaces[2]).toMatchObject({
      name: 'tun0',
      timePrecision: 'nanoseconds (9)',
      packets: 1,
    });
  });

  it('pktcraft info prints text and JSON; pktcraft convert writes the file', async () => {
    const input = await multi();
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const info = infoCommand.handler as (args: object) => Promise<void>;
    await info({ file: input, json: false });
    expect(out).toMatch(/Number of packets:\s+2\n/);
    expect(out).toMatch(/Interface #2 info:\n\s+Name = tun0\n\s+Encapsulation = Raw IPv4 \(228\)/);
    out = '';
    await info({ file: input, json: true });
    expect(JSON.parse(out)).toMatchObject({
      packets: 2,
      interfaces: [{ name: 'eth0' }, { name: 'idle0' }, { name: 'tun0' }],
    });

    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const output = join(dir, 'cli.pcapng');
    await (convertCommand.handler as (args: object) => Promise<void>)({ input, output });
    expect(essence(read(output).records)).toEqual(essence(read(input).records));
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});
