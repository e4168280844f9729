/**
 * IPv6 at layer 3: an ICMPv6 echo request sent through the raw IPv6 socket (--l3) crosses the lab's
 * router to the server, whose kernel answers; pktcraft matches the reply by id and seq.
 */
import { describe, expect, it } from 'vitest';
import { useLab } from './lab.js';

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
});
