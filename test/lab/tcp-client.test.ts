/**
 * The userspace TCP client against the kernel HTTP server of the lab: handshake, request, the whole response,
 * close; the SYN-ACK options decoded as tshark decodes them from a capture on the router; no RST from either
 * kernel.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useLab } from './lab.js';

interface TcpJson {
  srcPort: number;
  synAck: {
    mss: number;
    wscale: number;
    sackok: boolean;
    tsval: number;
    tsecr: number;
    window: number;
    options: string;
  };
  segments: Array<{ direction: 'in' | 'out'; flags: string; seq: number; ack: number; length: number }>;
  resetsReceived: number;
  response: string;
}

const lab = useLab({ vni: 100 });
const dir = mkdtempSync(join(tmpdir(), 'pkc-tcp-'));
afterAll(() => spawnSync('rm', ['-rf', dir]));

function tshark(file: string, filter: string, fields: string[]): string[][] {
  const result = spawnSync(
    'tshark',
    ['-r', file, '-Y', filter, '-T', 'fields', ...fields.flatMap((field) => ['-e', field])],
    { encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

describe('userspace TCP client', () => {
  it('completes a handshake with the kernel HTTP server, reads the whole response and closes without a RST', async () => {
    const { client, server, router } = lab().info;
    const capture = join(dir, 'router.pcap');
    const tcpdump = await lab().tcpdump('router', router.clientSide.interface, capture, ['tcp or arp']);
    const result = lab().pktcraft('client', [
      'tcp-client',
      server.ip,
      String(server.http.port),
      '--interface',
      client.interface,
      '--src',
      client.pktcraftIp,
      '--sport',
      '40123',
      '--request',
      'GET /big.txt HTTP/1.0\\r\\nHost: lab\\r\\n\\r\\n',
      '--json',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await lab().stop(tcpdump);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as TcpJson;

    // the whole response: headers, then exactly the file's bytes
    const body = readFileSync(join(server.http.root, 'big.txt'), 'utf8');
    expect(body.length).toBe(54_000);
    const [head, ...rest] = json.response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(head).toContain(`Content-Length: ${body.length}`);
    expect(rest.join('\r\n\r\n')).toBe(body);

    // the SYN-ACK options, as tshark reads them from the router's capture
    const [synAck] = tshark(capture, 'tcp.flags.syn==1 && tcp.flags.ack==1', [
      'tcp.options.mss_val',
      'tcp.options.wscale.shift',
      'tcp.options.sack_perm',
      'tcp.options.timestamp.tsval',
      'tcp.options.timestamp.tsecr',
      'tcp.window_size_value',
    ]);
    expect(synAck).toBeDefined();
    expect(json.synAck.mss).toBe(Number(synAck![0]));
    expect(json.synAck.mss).toBe(1460);
    expect(json.synAck.wscale).toBe(Number(synAck![1]));
    expect(synAck![2]).not.toBe('');
    expect(json.synAck.sackok).toBe(true);
    expect(json.synAck.tsval).toBe(Number(synAck![3]));
    expect(json.synAck.tsecr).toBe(Number(synAck![4]));
    expect(json.synAck.window).toBe(Number(synAck![5]));

    // no RST from either kernel, and the connection closed with a FIN each way
    expect(json.resetsReceived).toBe(0);
    expect(tshark(capture, 'tcp.flags.reset==1', ['frame.number'])).toEqual([]);
    expect(tshark(capture, `tcp.flags.fin==1 && tcp.srcport==40123`, ['frame.number'])).toHaveLength(1);
    expect(tshark(capture, `tcp.flags.fin==1 && tcp.dstport==40123`, ['frame.number'])).toHaveLength(1);
    // the last segment is the server's ACK of our FIN
    const last = json.segments[json.segments.length - 1]!;
    expect(last).toMatchObject({ direction: 'in', flags: 'A' });
    const ourFin = json.segments.filter(
      (segment) => segment.direction === 'out' && segment.flags.includes('F'),
    );
    expect(ourFin).toHaveLength(1);
    expect(last.ack).toBe((ourFin[0]!.seq + 1) >>> 0);
  });
});
