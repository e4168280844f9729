import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { numberToIpv4 } from '../../src/core/address.js';
import { generateToCapture } from '../../src/engine/generate.js';
import { workloads } from '../../src/engine/workloads.js';
import { CHECKSUM_OPTIONS, tsharkRows, tsharkSync } from '../tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'pktcraft-engine-oracle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The ports (443, 1024..61023) would hand the 64 payload bytes to TLS, SOCKS, TPM2... whose complaints
// about them are not ours: only the layers the engine writes are enabled.
const CHECKS = [
  '--disable-protocol',
  'ALL',
  '--enable-protocol',
  'frame,eth,ethertype,ip,udp,gtp,vxlan,tcp,data',
  ...CHECKSUM_OPTIONS,
];
const COUNT = 3000;

describe('engine output judged by tshark', () => {
  for (const name of ['gtpu', 'vxlan'] as const) {
    it(`${name}: every checksum good, no expert warning, fields as meant`, async () => {
      const path = join(dir, `${name}.pcap`);
      await generateToCapture({
        layers: workloads[name].layers,
        vary: workloads[name].vary,
        count: COUNT,
        output: path,
        workers: 1,
      });
      const tunnelField = name === 'gtpu' ? 'gtp.teid' : 'vxlan.vni';
      const rows = tsharkRows(
        path,
        [
          'frame.protocols',
          'ip.src',
          'ip.checksum.status',
          'udp.srcport',
          'udp.checksum.status',
          'tcp.srcport',
          'tcp.seq_raw',
          'tcp.checksum.status',
          tunnelField,
        ],
        CHECKS,
      );
      expect(rows).toHaveLength(COUNT);
      rows.forEach((row, i) => {
        const tunnel = row[tunnelField];
        // What follows TCP depends on the port (1080 is SOCKS to Wireshark...): only the stack up to TCP is ours.
        expect(
          row['frame.protocols'].startsWith(
            name === 'gtpu'
              ? 'eth:ethertype:ip:udp:gtp:ip:tcp'
              : 'eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp',
          ),
        ).toBe(true);
        expect(row['ip.src']).toBe(`192.0.2.1;${numberToIpv4(0x0a000000 + i)}`);
        expect(row['ip.checksum.status']).toBe('1;1'); // 1 = good (0 bad, 2 unverified)
        expect(row['udp.checksum.status']).toBe('1');
        expect(row['tcp.checksum.status']).toBe('1');
        expect(row['tcp.srcport']).toBe(String(1024 + (i % 60000)));
        expect(row['tcp.seq_raw']).toBe(String(i));
        const udpSport = row['udp.srcport'];
        if (name === 'gtpu') {
          expect(udpSport).toBe('2152');
          expect(Number(tunnel)).toBe(i);
        } else {
          expect(udpSport).toBe(String(49152 + (i % 16384)));
          expect(Number(tunnel)).toBe(i);
        }
      });
      const expert = tsharkSync(['-r', path, ...CHECKS, '-q', '-z', 'expert,note']);
      expect(expert).not.toMatch(/Errors \(|Warns \(|Notes \(/);
    }, 60_000);
  }
});
