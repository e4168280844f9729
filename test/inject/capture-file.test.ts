/** The replay reader against captures written by Scapy (pcap µs, pcap ns, pcapng). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unescapeText } from '../../src/cli/tcp-client.js';
import { CaptureError } from '../../src/core/errors.js';
import { readCaptureRecords } from '../../src/inject/capture-file.js';
import { nextHop6For, nextHopFor } from '../../src/inject/tcp-client.js';

const dir = mkdtempSync(join(tmpdir(), 'pkc-capfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function scapyWrite(writer: string): void {
  const script = `
from scapy.all import *
ps = []
for i in range(3):
    p = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='192.0.2.1', dst='192.0.2.2')/UDP(sport=1000+i, dport=9)/bytes([i]*(10+i))
    p.time = EDecimal('1700000000.000123456') + i * EDecimal('0.010')
    ps.append(p)
${writer}
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
}

describe('readCaptureRecords', () => {
  for (const [name, writer, nsec] of [
    ['pcap (µs)', `wrpcap('${dir}/us.pcap', ps)`, 123000],
    ['pcap (ns)', `wrpcap('${dir}/ns.pcap', ps, nano=True)`, 123456],
    ['pcapng', `wrpcapng('${dir}/a.pcapng', ps)`, 123456],
  ] as const) {
    it(`reads ${name} written by Scapy`, () => {
      const file = writer.match(/'([^']+)'/)![1]!;
      scapyWrite(writer);
      const records = readCaptureRecords(file);
      expect(records).toHaveLength(3);
      records.forEach((record, i) => {
        expect(record.linkType).toBe(1);
        expect(record.data.length).toBe(14 + 20 + 8 + 10 + i);
        expect(record.data[record.data.length - 1]).toBe(i);
        expect(record.timestampSec).toBe(1700000000);
        expect(Math.abs(record.timestampNsec - (nsec + i * 10_000_000))).toBeLessThanOrEqual(1000);
      });
    });
  }

  it('refuses a file that is not a capture, and a cut record', () => {
    writeFileSync(join(dir, 'junk'), 'not a capture at all');
    expect(() => readCaptureRecords(join(dir, 'junk'))).toThrow(CaptureError);
    scapyWrite(`wrpcap('${dir}/cut.pcap', ps)`);
    const whole = spawnSync('truncate', ['-s', '-5', join(dir, 'cut.pcap')]);
    expect(whole.status).toBe(0);
    expect(() => readCaptureRecords(join(dir, 'cut.pcap'))).toThrow(/truncated/);
  });
});

describe('helpers', () => {
  it('finds the next hop from /proc/net/route text', () => {
    const routes = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
c0\t006433C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
c0\t007100CB\t016433C6\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
    expect(nextHopFor('c0', '203.0.113.2', routes)).toBe('198.51.100.1');
    expect(nextHopFor('c0', '198.51.100.7', routes)).toBe('198.51.100.7');
    expect(nextHopFor('c0', '192.0.2.1', routes)).toBeUndefined();
    expect(nextHopFor('eth9', '203.0.113.2', routes)).toBeUndefined();
  });

  it('finds the IPv6 next hop from /proc/net/ipv6_route text (as the lab client namespace has it)', () => {
    const routes = [
      '20010db8000500000000000000000000 40 00000000000000000000000000000000 00 20010db8000c00000000000000000001 00000400 00000001 00000000 00000003       c0',
      '20010db8000c00000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001       c0',
      'fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001       c0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    ].join('\n');
    expect(nextHop6For('c0', '2001:db8:5::2', routes)).toBe('2001:db8:c::1');
    expect(nextHop6For('c0', '2001:DB8:c:0::7', routes)).toBe('2001:db8:c::7');
    expect(nextHop6For('c0', '2001:db8:9::1', routes)).toBeUndefined();
    expect(nextHop6For('eth9', '2001:db8:5::2', routes)).toBeUndefined();
    expect(nextHop6For('c0', '203.0.113.2', routes)).toBeUndefined();
  });

  it('unescapes command-line request text', () => {
    expect(unescapeText('GET / HTTP/1.0\\r\\n\\r\\n')).toBe('GET / HTTP/1.0\r\n\r\n');
    expect(unescapeText('a\\tb\\\\n\\x41')).toBe('a\tb\\nA');
  });
});
