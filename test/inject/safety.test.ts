import { describe, expect, it } from 'vitest';
import { InjectError } from '../../src/core/errors.js';
import {
  checkFrameSize,
  countVlanTags,
  defaultRouteInterfaces,
  hasCapNetRaw,
  maxFrameLength,
  requireInterface,
} from '../../src/inject/safety.js';

// /proc/net/route and /proc/net/ipv6_route as Linux prints them (copied from a host with eth0 as default)
const IPV4_ROUTES = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
c0\t007100CB\t016433C6\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const IPV6_ROUTES = `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     wlan0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

describe('default-route interfaces', () => {
  it('finds the IPv4 default route and the IPv6 one, ignoring the unreachable default on lo', () => {
    expect([...defaultRouteInterfaces(IPV4_ROUTES, IPV6_ROUTES)].sort()).toEqual(['eth0', 'wlan0']);
  });
  it('finds none when only specific routes exist', () => {
    const onlyLab = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
c0\t007100CB\t016433C6\t0003\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
    expect(defaultRouteInterfaces(onlyLab, '').size).toBe(0);
  });
});

describe('capabilities', () => {
  it('reads CAP_NET_RAW (bit 13) from CapEff', () => {
    expect(hasCapNetRaw('Name:\tnode\nCapEff:\t000001ffffffffff\n')).toBe(true);
    expect(hasCapNetRaw('Name:\tnode\nCapEff:\t000001ffffffdfff\n')).toBe(false);
    expect(hasCapNetRaw('CapEff:\t0000000000000000\n')).toBe(false);
  });
});

describe('interface and size checks', () => {
  it('needs a named interface', () => {
    expect(() => requireInterface(undefined)).toThrow(InjectError);
    expect(() => requireInterface('  ')).toThrow(/needs --interface/);
    expect(requireInterface('c0')).toBe('c0');
  });

  it('allows 4 more bytes per VLAN tag', () => {
    const untagged = new Uint8Array(1514);
    untagged.set([0x08, 0x00], 12);
    const tagged = new Uint8Array(1522);
    tagged.set([0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00], 12);
    expect(countVlanTags(untagged)).toBe(0);
    expect(countVlanTags(tagged)).toBe(2);
    expect(maxFrameLength(1500, untagged)).toBe(1514);
    expect(maxFrameLength(1500, tagged)).toBe(1522);
    expect(() => checkFrameSize(tagged, 1500, 'c0')).not.toThrow();
    expect(() => checkFrameSize(new Uint8Array(1515), 1500, 'c0')).toThrow(
      /1515 bytes but 'c0' takes at most 1514/,
    );
    expect(() => checkFrameSize(new Uint8Array(1515), 1500, 'c0', { force: true })).not.toThrow();
    expect(() => checkFrameSize(new Uint8Array(10), 1500, 'c0')).toThrow(/shorter than an Ethernet header/);
  });
});
