/**
 * The capture layer against Wireshark's own tools (4.0.17): capinfos and tshark read what we write,
 * editcap and mergecap accept it, and we read back what text2pcap, editcap and mergecap write.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CaptureRecord, createCaptureWriter, LinkType, readCapture } from '../../src/capture/index.js';
import { ETHER_UDP_FRAME, IPV4_UDP_PACKET } from '../capture/spec-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-oracle-capture-'));
const env = { ...process.env, WIRESHARK_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'ws-')), TZ: 'UTC' };
const T0 = 1700000000;

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', env });
  if (result.status !== 0) {
    throw new Error(`${tool} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

function fields(file: string, names: string[], extra: string[] = []): string[][] {
  const args = ['-n', '-r', file, ...extra, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a'];
  for (const name of names) args.push('-e', name);
  return run('tshark', args)
    .trimEnd()
    .split('\n')
    .map((line) => line.split('|'));
}

function readBack(path: string): CaptureRecord[] {
  return [...readCapture(new Uint8Array(readFileSync(path)))];
}

const ng = join(dir, 'ours.pcapng');
const nsPcap = join(dir, 'ours-ns.pcap');
const usPcap = join(dir, 'ours-us.pcap');

beforeAll(async () => {
  const writer = createCaptureWriter(ng, {
    format: 'pcapng',
    interfaces: [
      { linkType: LinkType.ETHERNET, name: 'eth0', description: 'lab uplink' },
      { linkType: LinkType.IPV4, name: 'tun0', tsResolution: 'ns' },
    ],
    nameRecords: [
      { address: '192.0.2.1', names: ['one.example'] },
      { address: '2001:db8::1', names: ['six.example'] },
    ],
  });
  writer.writePacket(ETHER_UDP_FRAME, T0, 123456789, {
    comments: ['first comment', 'second ü'],
    direction: 'inbound',
  });
  writer.writePacket(IPV4_UDP_PACKET, T0 + 1, 987654321, { interfaceId: 1, direction: 'outbound' });
  const raw = writer.addInterface({ linkType: LinkType.RAW, name: 'raw0', snapLen: 24 });
  writer.writePacket(IPV4_UDP_PACKET, T0 + 2, 5000, { interfaceId: raw, comments: ['snapped'] });
  await writer.close();

  const ns = createCaptureWriter(nsPcap, { format: 'pcap', linkType: LinkType.ETHERNET, tsResolution: 'ns' });
  for (let i = 0; i < 5; i++) ns.writePacket(ETHER_UDP_FRAME, T0 + i, i * 111_111_111 + 1);
  await ns.close();
  const us = createCaptureWriter(usPcap, { format: 'pcap', linkType: LinkType.LINUX_SLL2, snapLen: 30 });
  us.writePacket(new Uint8Array(40).fill(7), T0, 999_999_999);
  await us.close();
});

describe('capinfos reads what we write', () => {
  it('pcapng: counts, link types, resolutions, interface names, name records, application', () => {
    const text = run('capinfos', [ng]);
    expect(text).toMatch(/File type:\s+Wireshark\/\.\.\. - pcapng/);
    expect(text).toMatch(/Number of packets:\s+3\n/);
    expect(text).toMatch(/File encapsulation:\s+Per packet/);
    expect(text).toMatch(/Ethernet \(1\)\n\s+Raw IP \(1\)\n\s+Raw IPv4 \(1\)/);
    expect(text).toMatch(/Capture application:\s+pktcraft/);
    expect(text).toMatch(
      /Interface #0 info:\n\s+Name = eth0\n\s+Description = lab uplink\n\s+Encapsulation = Ethernet \(1 - ether\)\n\s+Capture length = 262144\n\s+Time precision = microseconds \(6\)/,
    );
    expect(text).toMatch(
      /Interface #1 info:\n\s+Name = tun0\n\s+Encapsulation = Raw IPv4 \(129 - rawip4\)\n\s+Capture length = 262144\n\s+Time precision = nanoseconds \(9\)/,
    );
    expect(text).toMatch(
      /Interface #2 info:\n\s+Name = raw0\n\s+Encapsulation = Raw IP \(7 - rawip\)\n\s+Capture length = 24/,
    );
    expect(text).toMatch(/Number of resolved IPv4 addresses in file: 1/);
    expect(text).toMatch(/Number of resolved IPv6 addresses in file: 1/);
  });

  it('pcap: nanosecond and microsecond variants, link type, snap length', () => {
    const ns = run('capinfos', [nsPcap]);
    expect(ns).toMatch(/File type:\s+Wireshark\/tcpdump\/\.\.\. - nanosecond pcap/);
    expect(ns).toMatch(/Number of packets:\s+5\n/);
    expect(ns).toMatch(/File timestamp precision:\s+nanoseconds \(9\)/);
    expect(ns).toMatch(/Last packet time:\s+2023-11-14 22:13:24\.444444445/);
    const us = run('capinfos', [usPcap]);
    expect(us).toMatch(/File type:\s+Wireshark\/tcpdump\/\.\.\. - pcap\n/);
    expect(us).toMatch(/File encapsulation:\s+Linux cooked-mode capture v2/);
    expect(us).toMatch(/File timestamp precision:\s+microseconds \(6\)/);
    expect(us).toMatch(/Packet size limit:\s+file hdr: 30 bytes/);
    expect(us).toMatch(/First packet time:\s+2023-11-14 22:13:20\.999999\n/);
  });
});

describe('tshark decodes every packet', () => {
  it('shows our comments, interface names, directions and timestamps', () => {
    const rows = fields(
      ng,
      [
        'frame.number',
        'frame.interface_name',
        'frame.interface_description',
        'frame.comment',
        'frame.packet_flags_direction',
        'frame.time_epoch',
        'frame.protocols',
        'frame.len',
        'frame.cap_len',
        'ip.src_host',
      ],
      ['-N', 'n'],
    );
    expect(rows).toEqual([
      [
        '1',
        'eth0',
        'lab uplink',
        'first comment,second ü',
        '0x00000001',
        '1700000000.123456000',
        'eth:ethertype:ip:udp:data',
        '46',
        '46',
        'one.example',
      ],
      ['2', 'tun0', '', '', '0x00000002', '1700000001.987654321', 'ip:udp:data', '32', '32', 'one.example'],
      ['3', 'raw0', '', 'snapped', '', '1700000002.000005000', 'raw:ip:udp', '32', '24', 'one.example'],
    ]);
    const malformed = fields(ng, ['frame.number'], ['-Y', '_ws.malformed']);
    expect(malformed).toEqual([['']]);
  });

  it('reads our nanosecond pcap to the nanosecond', () => {
    const rows = fields(nsPcap, ['frame.time_epoch', 'udp.srcport']);
    expect(rows.map((row) => row[0])).toEqual([
      '1700000000.000000001',
      '1700000001.111111112',
      '1700000002.222222223',
      '1700000003.333333334',
      '1700000004.444444445',
    ]);
    expect(rows.every((row) => row[1] === '45678')).toBe(true);
  });
});

describe('editcap and mergecap accept our files, and we read what they write', () => {
  it('editcap rewrites our pcapng and pcap; we read the results back identically', () => {
    const copy = join(dir, 'edit.pcapng');
    run('editcap', ['-F', 'pcapng', ng, copy]);
    const ours = readBack(ng);
    const theirs = readBack(copy);
    expect(
      theirs.map((r) => [r.timestampSec, r.timestampNsec, r.comments, r.interfaceName, r.direction]),
    ).toEqual(ours.map((r) => [r.timestampSec, r.timestampNsec, r.comments, r.interfaceName, r.direction]));
    for (let i = 0; i < ours.length; i++) expect(theirs[i]!.data).toEqual(ours[i]!.data);

    const usCopy = join(dir, 'edit-us.pcap');
    run('editcap', ['-F', 'pcap', nsPcap, usCopy]); // ns → µs: editcap rounds down
    const us = readBack(usCopy);
    expect(us.map((r) => r.timestampNsec)).toEqual([0, 111111000, 222222000, 333333000, 444444000]);
    const nsCopy = join(dir, 'edit-ns.pcapng');
    run('editcap', ['-F', 'pcapng', nsPcap, nsCopy]);
    expect(readBack(nsCopy).map((r) => r.timestampNsec)).toEqual(
      readBack(nsPcap).map((r) => r.timestampNsec),
    );
  });

  it('mergecap merges our files; we read the merged file in time order', () => {
    const merged = join(dir, 'merged.pcapng');
    run('mergecap', ['-w', merged, ng, nsPcap]);
    const records = readBack(merged);
    expect(records).toHaveLength(8);
    const times = records.map((r) => `${r.timestampSec}.${String(r.timestampNsec).padStart(9, '0')}`);
    expect(times).toEqual([...times].sort());
    expect(times).toContain('1700000001.987654321');
    expect(records.find((r) => r.timestampNsec === 123456000)!.comments).toEqual([
      'first comment',
      'second ü',
    ]);
    const mergedPcap = join(dir, 'merged.pcap');
    run('mergecap', ['-F', 'pcap', '-w', mergedPcap, nsPcap, nsPcap]);
    expect(readBack(mergedPcap)).toHaveLength(10);
  });

  it('text2pcap output (pcapng and pcap, with -t timestamps) reads back with the same packets and times', () => {
    const hexdump = (frame: Uint8Array): string =>
      `0000 ${Array.from(frame, (byte) => byte.toString(16).padStart(2, '0')).join(' ')}\n`;
    const input = join(dir, 'dump.txt');
    writeFileSync(
      input,
      `2023-11-14T22:13:20.123456789\n${hexdump(ETHER_UDP_FRAME)}\n2023-11-14T22:13:21.000000001\n${hexdump(ETHER_UDP_FRAME.subarray(0, 20))}\n`,
    );
    const ngOut = join(dir, 'text2pcap.pcapng');
    run('text2pcap', ['-q', '-t', '%Y-%m-%dT%H:%M:%S.%f', '-N', 'lab0', input, ngOut]);
    const records = readBack(ngOut);
    expect(records.map((r) => [r.timestampSec, r.timestampNsec, r.interfaceName, r.linkType])).toEqual([
      [T0, 123456789, 'lab0', 1],
      [T0 + 1, 1, 'lab0', 1],
    ]);
    expect(records[0]!.data).toEqual(ETHER_UDP_FRAME);
    expect(records[1]!.data).toEqual(ETHER_UDP_FRAME.subarray(0, 20));

    const pcapOut = join(dir, 'text2pcap.pcap');
    run('text2pcap', ['-q', '-F', 'pcap', '-l', '1', '-t', 'ISO', input, pcapOut]);
    expect(readBack(pcapOut).map((r) => [r.timestampSec, r.timestampNsec, r.data.length])).toEqual([
      [T0, 123456000, 46],
      [T0 + 1, 0, 20],
    ]);
    // And editcap's nanosecond pcap of the text2pcap pcapng keeps every nanosecond.
    const nsOut = join(dir, 'text2pcap-ns.pcap');
    run('editcap', ['-F', 'nsecpcap', ngOut, nsOut]);
    const ns = [...readCapture(new Uint8Array(readFileSync(nsOut)))];
    expect(ns.map((r) => r.timestampNsec)).toEqual([123456789, 1]);
  });

  it('tshark reports a truncated file of ours as cut short after the intact packets, like we do', () => {
    const bytes = readFileSync(nsPcap);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
    const result = spawnSync('tshark', ['-n', '-r', cut, '-T', 'fields', '-e', 'frame.number'], {
      encoding: 'utf8',
      env,
    });
    expect(result.status).toBe(2);
    expect(result.stdout.trim().split('\n')).toEqual(['1', '2', '3', '4']);
    expect(result.stderr).toMatch(/cut short in the middle of a packet/);
    let seen = 0;
    expect(() => {
      for (const _record of readCapture(new Uint8Array(readFileSync(cut)))) seen++;
    }).toThrow(/truncated record body/);
    expect(seen).toBe(4);
  });
});
