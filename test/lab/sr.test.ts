/**
 * Send and match against the kernel: an ICMP echo injected at layer 2 and an ICMP echo wrapped in VXLAN to the
 * server's kernel VXLAN device, both answered by the kernel and matched by pktcraft.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { namespaceExists, useLab } from './lab.js';

const dir = mkdtempSync(join(tmpdir(), 'pkc-sr-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface JsonLayer {
  layer: string;
  fields: Record<string, unknown>;
}
interface SrJson {
  sent: number;
  answers: Array<{ layers: JsonLayer[] }>;
  unanswered: number;
}

const lab = useLab({ vni: 4711 });

describe('sr in the lab', () => {
  it('gets the kernel echo reply to an ICMP echo injected at layer 2 and matches it by id and seq', () => {
    const { client, server } = lab().info;
    const spec = `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=${server.ip})/icmp(id=0x1234,seq=7)/raw(text="pktcraft")`;
    const result = lab().pktcraft('client', [
      'sr',
      spec,
      '--interface',
      client.interface,
      '--timeout',
      '3000',
      '--json',
    ]);
    expect(result.stderr).toContain('received 1 answer');
    expect(result.status).toBe(0);
    const json = JSON.parse(result.stdout) as SrJson;
    expect(json.answers).toHaveLength(1);
    const layers = json.answers[0]!.layers;
    expect(layers.map((layer) => layer.layer)).toEqual(['ether', 'ipv4', 'icmp', 'raw']);
    expect(layers[1]!.fields).toMatchObject({ src: server.ip, dst: client.pktcraftIp, ttl: 63 });
    expect(layers[2]!.fields).toMatchObject({ type: 0, code: 0, id: 0x1234, seq: 7 });
    // the kernel echoes the payload
    expect(layers[3]!.fields['data']).toBe(Buffer.from('pktcraft').toString('hex'));
  });

  it('-o writes the request and the kernel answer in time order; tshark pairs them', () => {
    const { client, server } = lab().info;
    const file = join(dir, 'exchange.pcapng');
    const spec = `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=${server.ip})/icmp(id=0x4321,seq=9)/raw(text="saved")`;
    const before = Date.now() / 1000;
    const result = lab().pktcraft('client', [
      'sr',
      spec,
      '-i',
      client.interface,
      '--timeout',
      '3000',
      '-o',
      file,
    ]);
    expect(result.stderr).toContain('received 1 answer');
    expect(result.status).toBe(0);
    const capinfos = spawnSync('capinfos', ['-c', file], { encoding: 'utf8' });
    expect(capinfos.stderr).toBe('');
    expect(capinfos.stdout).toMatch(/Number of packets:\s+2\n/);
    const rows = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-T',
        'fields',
        '-e',
        'icmp.type',
        '-e',
        'icmp.seq',
        '-e',
        'frame.time_epoch',
        '-e',
        'icmp.resp_to',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows.map((row) => [row[0], row[1]])).toEqual([
      ['8', '9'],
      ['0', '9'],
    ]);
    // tshark's request/response tracking finds the reply answers frame 1
    expect(rows[1]![3]).toBe('1');
    const sentAt = Number(rows[0]![2]);
    const answeredAt = Number(rows[1]![2]);
    expect(sentAt).toBeGreaterThanOrEqual(Math.floor(before));
    expect(answeredAt).toBeGreaterThan(sentAt);
    expect(answeredAt - sentAt).toBeLessThan(1);
  });

  it('reports no answer (exit code 1) when nothing answers before the timeout', () => {
    const { client } = lab().info;
    // 203.0.113.99 does not exist: the router's ARP fails and nothing comes back
    const spec = `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=203.0.113.99)/icmp(id=1,seq=1)`;
    const result = lab().pktcraft('client', [
      'sr',
      spec,
      '--interface',
      client.interface,
      '--timeout',
      '500',
      '--json',
    ]);
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout) as SrJson;
    expect(json.answers).toHaveLength(0);
    expect(json.unanswered).toBe(1);
  });

  it('gets a VXLAN-encapsulated echo reply from the kernel VXLAN device and decodes the inner reply', () => {
    const { client, server, vni } = lab().info;
    const vx = server.vxlan;
    const spec =
      `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=${server.ip})` +
      `/udp(sport=49152,dport=4789)/vxlan(vni=${vni})/ether(src=${vx.peerMac},dst=${vx.mac})` +
      `/ipv4(src=${vx.peerIp},dst=${vx.ip})/icmp(id=0x0bad,seq=3)/raw(text="inner")`;
    const result = lab().pktcraft('client', [
      'sr',
      spec,
      '--interface',
      client.interface,
      '--timeout',
      '3000',
      '--json',
    ]);
    expect(result.stderr).toContain('received 1 answer');
    const json = JSON.parse(result.stdout) as SrJson;
    const layers = json.answers[0]!.layers;
    expect(layers.map((layer) => layer.layer)).toEqual([
      'ether',
      'ipv4',
      'udp',
      'vxlan',
      'ether',
      'ipv4',
      'icmp',
      'raw',
    ]);
    expect(layers[1]!.fields).toMatchObject({ src: server.ip, dst: client.pktcraftIp });
    expect(layers[2]!.fields).toMatchObject({ dport: 4789 });
    expect(layers[3]!.fields).toMatchObject({ vni });
    expect(layers[4]!.fields).toMatchObject({ src: vx.mac, dst: vx.peerMac });
    expect(layers[5]!.fields).toMatchObject({ src: vx.ip, dst: vx.peerIp });
    expect(layers[6]!.fields).toMatchObject({ type: 0, id: 0x0bad, seq: 3 });
    expect(layers[7]!.fields['data']).toBe(Buffer.from('inner').toString('hex'));
  });

  it('sends at layer 3 (--l3, raw IP socket bound to the interface) and matches the echo reply', () => {
    const { client, server } = lab().info;
    const spec = `ipv4(src=${client.pktcraftIp},dst=${server.ip})/icmp(id=0x013,seq=2)`;
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
    const layers = (JSON.parse(result.stdout) as SrJson).answers[0]!.layers;
    expect(layers[1]!.fields).toMatchObject({ src: server.ip, dst: client.pktcraftIp });
    expect(layers[2]!.fields).toMatchObject({ type: 0, id: 0x013, seq: 2 });
  });

  it('runs in namespaces of its own', () => {
    expect(namespaceExists(lab().namespace('client'))).toBe(true);
    expect(lab().info.name).toMatch(/^pkc-\d+-\d+-[0-9a-f]{4}$/);
  });
});
