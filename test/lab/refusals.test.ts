/**
 * The safety refusals, each one line on stderr and exit code 2, nothing sent: no interface, the default-route
 * interface, loopback, no CAP_NET_RAW (dropped with capsh), an oversize frame; and the kernel's EMSGSIZE
 * turned into a clear message when --force skips our own size check.
 */
import { describe, expect, it } from 'vitest';
import { CLI, useLab } from './lab.js';

const lab = useLab({ vni: 300 });

function expectOneLineRefusal(
  result: { status: number; stderr: string; stdout: string },
  pattern: RegExp,
): void {
  expect(result.status, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^pktcraft: /);
  expect(lines[0]).toMatch(pattern);
}

function icmpSpec(): string {
  const { client, server } = lab().info;
  return `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=${server.ip})/icmp`;
}

describe('refusals', () => {
  it('refuses to send without --interface', () => {
    expectOneLineRefusal(lab().pktcraft('client', ['send', icmpSpec()]), /needs --interface/);
    expectOneLineRefusal(lab().pktcraft('client', ['sr', icmpSpec()]), /needs --interface/);
    expectOneLineRefusal(
      lab().pktcraft('client', ['tcp-client', '203.0.113.2', '8080', '--src', '198.51.100.10']),
      /needs --interface/,
    );
  });

  it('refuses the interface that carries the default route, unless --force', () => {
    const { router } = lab().info;
    // give the router a default route through its server-side interface, inside its own namespace
    const route = lab().run('router', [
      'ip',
      'route',
      'add',
      'default',
      'via',
      '203.0.113.2',
      'dev',
      router.serverSide.interface,
    ]);
    expect(route.status, route.stderr).toBe(0);
    expectOneLineRefusal(
      lab().pktcraft('router', ['send', icmpSpec(), '--interface', router.serverSide.interface]),
      /refusing to send on 'r1': it carries this host's default route.*--force/,
    );
    // the other interface is fine, and --force overrides
    expect(
      lab().pktcraft('router', ['send', icmpSpec(), '--interface', router.clientSide.interface]).status,
    ).toBe(0);
    expect(
      lab().pktcraft('router', ['send', icmpSpec(), '--interface', router.serverSide.interface, '--force'])
        .status,
    ).toBe(0);
  });

  it('refuses loopback', () => {
    expectOneLineRefusal(
      lab().pktcraft('client', ['send', icmpSpec(), '--interface', 'lo']),
      /loopback interface 'lo'.*--force/,
    );
  });

  it('says in one line how to get CAP_NET_RAW when it is missing', () => {
    const command = `node --import tsx ${CLI} send '${icmpSpec()}' --interface c0`;
    const result = lab().run('client', ['capsh', '--drop=cap_net_raw', '--', '-c', command]);
    expectOneLineRefusal(
      result,
      /needs CAP_NET_RAW: run as root, or .*setcap cap_net_raw\+ep \$\(readlink -f \$\(which node\)\)/,
    );
    const sr = lab().run('client', [
      'capsh',
      '--drop=cap_net_raw',
      '--',
      '-c',
      command.replace(' send ', ' sr '),
    ]);
    expectOneLineRefusal(sr, /needs CAP_NET_RAW/);
  });

  it('refuses a frame larger than the MTU plus the Ethernet header; the kernel refusal is clear with --force', () => {
    const { client, server } = lab().info;
    const base = `ether(src=${client.mac},dst=${client.gatewayMac})/ipv4(src=${client.pktcraftIp},dst=${server.ip})/udp`;
    // 14 + 20 + 8 + 1472 = 1514: exactly the limit for MTU 1500
    expect(lab().pktcraft('client', ['send', `${base}/raw(len=1472)`, '--interface', 'c0']).status).toBe(0);
    expectOneLineRefusal(
      lab().pktcraft('client', ['send', `${base}/raw(len=1473)`, '--interface', 'c0']),
      /frame is 1515 bytes but 'c0' takes at most 1514 \(MTU 1500 \+ Ethernet header\); use --force/,
    );
    expectOneLineRefusal(
      lab().pktcraft('client', ['send', `${base}/raw(len=3000)`, '--interface', 'c0', '--force']),
      /EMSGSIZE/,
    );
  });
});
