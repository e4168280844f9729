/**
 * IPv6 in the lab: an ICMPv6 echo request sent through the raw IPv6 socket (--l3) crosses the lab's
 * router to the server, whose kernel answers, and pktcraft matches the reply by id and seq; the
 * userspace TCP client resolves the router with a neighbour solicitation and fetches a page from the
 * server's kernel over IPv6, judged by tshark on the router's capture.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsharkRows } from '../tshark.js';
import { useLab } from './lab.js';

const dir = mkdtempSync(join(tmpdir(), 'pkc-ipv6-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonLayer {
  layer: string;
  fields: Record<string, unknown>;
}

const lab = useLab({ vni: 4712, ipv6: true });

describe('IPv6 in the lab', () => {
  it('sends an ICMPv6 echo request at layer 3 and matches the kernel echo reply', () => {
    const { client, ipv6 } = lab().info;
    expect(ipv6).not.toBeNull();
    const spec = `ipv6(src=${ipv6!.client},dst=${ipv6!.server})/icmpv6(type=128,id=0x0606,seq=9)/raw(text="pktcraft v6")`;
    const result = lab().pktcraft('client', [
      'sr',
      spec,
      '--interface',
      client.interface,
      '--l3',
      '--timeout',
      '3000',
      '--json',
    ]);
    expect(result.stderr).toContain('received 1 answer');
    expect(result.status).toBe(0);
    const layers = (JSON.parse(result.stdout) as { answers: { layers: JsonLayer[] }[] }).answers[0]!.layers;
    expect(layers.map((layer) => layer.layer)).toEqual(['ether', 'ipv6', 'icmpv6', 'raw']);
    // One router hop: the server's hop limit 64 arrives as 63.
    expect(layers[1]!.fields).toMatchObject({ src: ipv6!.server, dst: ipv6!.client, hlim: 63 });
    expect(layers[2]!.fields).toMatchObject({ type: 129, code: 0, id: 0x0606, seq: 9 });
    expect(layers[3]!.fields['data']).toBe(Buffer.from('pktcraft v6').toString('hex'));
  });

  it('refuses a layer 3 spec that is not IP, in one line with exit code 2', () => {
    const { client } = lab().info;
    const result = lab().pktcraft('client', [
      'send',
      'udp/raw(len=4)',
      '--interface',
      client.interface,
      '--l3',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/ipv4 or ipv6/);
  });

  it('the userspace TCP client talks HTTP to the kernel over IPv6: NDP, handshake, whole response, no RST', async () => {
    const { client, server, router, ipv6 } = lab().info;
    const capture = join(dir, 'router6.pcap');
    const tcpdump = await lab().tcpdump('router', router.clientSide.interface, capture, ['ip6']);
    const result = lab().pktcraft('client', [
      'tcp-client',
      ipv6!.server,
      String(server.http.port),
      '--interface',
      client.interface,
      '--src',
      ipv6!.pktcraftIp,
      '--sport',
      '40666',
      '--request',
      'GET /big.txt HTTP/1.0\\r\\nHost: lab\\r\\n\\r\\n',
      '--json',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await lab().stop(tcpdump);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as {
      response: string;
      resetsReceived: number;
      synAck: { mss: number };
    };
    const body = readFileSync(join(server.http.root, 'big.txt'), 'utf8');
    const [head, ...rest] = json.response.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.0 200 OK\r\n/);
    expect(rest.join('\r\n\r\n')).toBe(body);
    expect(json.resetsReceived).toBe(0);
    // The kernel's MSS over IPv6 on a 1500-byte link: 1500 - 40 - 20.
    expect(json.synAck.mss).toBe(1440);

    const rows = tsharkRows(
      capture,
      ['icmpv6.type', 'icmpv6.nd.ns.target_address', 'tcp.flags.reset', 'tcp.checksum.status', 'ipv6.src'],
      ['-o', 'tcp.check_checksum:TRUE'],
    );
    // Our neighbour solicitation for the router, from pktcraft's address, and the router's answer.
    expect(
      rows.some(
        (row) =>
          row['icmpv6.type'] === '135' &&
          row['icmpv6.nd.ns.target_address'] === ipv6!.router &&
          row['ipv6.src'] === ipv6!.pktcraftIp,
      ),
    ).toBe(true);
    expect(rows.some((row) => row['icmpv6.type'] === '136')).toBe(true);
    const segments = rows.filter((row) => row['tcp.checksum.status'] !== '');
    expect(segments.length).toBeGreaterThan(8); // veth GRO may merge the data segments on the way
    // No reset in either direction; every checksum of ours good (the kernel's own segments leave the
    // server with checksum offload, so tshark cannot judge theirs on a veth capture).
    for (const row of segments) expect(row['tcp.flags.reset']).toBe('0');
    const ours = segments.filter((row) => row['ipv6.src'] === ipv6!.pktcraftIp);
    expect(ours.length).toBeGreaterThan(3);
    for (const row of ours) expect(row['tcp.checksum.status']).toBe('1');
  });
});
