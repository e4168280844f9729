import { describe, expect, it } from 'vitest';
import { FieldError } from '../../src/core/errors.js';
import { defaultJourneyConfig, resolveJourneyConfig } from '../../src/scenario/config.js';

function errorOf(file: unknown): FieldError {
  try {
    resolveJourneyConfig(file);
  } catch (error) {
    if (error instanceof FieldError) return error;
    throw error;
  }
  throw new Error('expected a FieldError');
}

describe('journey config', () => {
  it('resolves {} to the defaults, documentation addresses and 02: MACs', () => {
    const config = resolveJourneyConfig({});
    expect(config).toEqual(defaultJourneyConfig());
    const ips = [
      config.phone.ip,
      config.enodeb.ip,
      config.sgw.s1uIp,
      config.pgw.ip,
      config.slb.vip,
      config.haproxy.vmIp,
    ];
    for (const ip of ips) expect(ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
    for (const mac of [config.enodeb.mac, config.sgw.s1uMac, config.slb.hostMac, config.haproxy.vmMac]) {
      expect(mac).toMatch(/^02:/);
    }
    expect(config.tunnels.s1u.uplinkTeid).not.toBe(config.tunnels.s1u.downlinkTeid);
  });

  it('merges a partial file over the defaults', () => {
    const config = resolveJourneyConfig({ slb: { vni: 42 }, carriers: { core: { pop: 'explicit-null' } } });
    expect(config.slb.vni).toBe(42);
    expect(config.slb.vip).toBe('203.0.113.10');
    expect(config.carriers.core.pop).toBe('explicit-null');
    expect(config.carriers.core.routers).toEqual(defaultJourneyConfig().carriers.core.routers);
  });

  it('names the bad key in every error', () => {
    expect(errorOf({ slb: { vni: 99999999 } }).message).toBe(
      'config.slb.vni: must be an integer from 0 to 16777215, got 99999999',
    );
    expect(errorOf({ tunnels: { s1u: { uplinkTeid: 'abc' } } }).message).toMatch(
      /^config\.tunnels\.s1u\.uplinkTeid: must be an integer/,
    );
    expect(errorOf({ phone: { ip: '10.0.0.300' } }).message).toMatch(
      /^config\.phone\.ip: must be an IPv4 address/,
    );
    expect(errorOf({ enodeb: { mac: 'zz' } }).message).toMatch(/^config\.enodeb\.mac: must be a MAC address/);
    expect(errorOf({ mode: '6g' }).message).toBe('config.mode: must be one of "4g", "5g", got "6g"');
    expect(errorOf({ lessons: { uplinkDrops: [3, 0] } }).message).toMatch(
      /^config\.lessons\.uplinkDrops\[1\]: must be an integer from 1/,
    );
    expect(errorOf({ retry: { enabled: 'yes' } }).message).toMatch(
      /^config\.retry\.enabled: must be true or false/,
    );
  });

  it('rejects unknown keys, listing the known ones', () => {
    const error = errorOf({ slb: { vnid: 7 } });
    expect(error.field).toBe('slb.vnid');
    expect(error.message).toMatch(/unknown key \(known here: vip, port, hostIp, hostMac, gatewayMac, vni\)/);
    expect(errorOf({ colour: 'red' }).field).toBe('colour');
  });

  it('checks rules across keys', () => {
    expect(errorOf({ tunnels: { s5: { uplinkTeid: 5, downlinkTeid: 5 } } }).field).toBe(
      'tunnels.s5.downlinkTeid',
    );
    const core = defaultJourneyConfig().carriers.core;
    expect(errorOf({ carriers: { core: { links: core.links.slice(0, 2) } } }).field).toBe(
      'carriers.core.links',
    );
    expect(errorOf([1, 2]).field).toBe('(root)');
  });

  it('accepts SNAT and null alike', () => {
    expect(resolveJourneyConfig({ pgw: { snat: '203.0.113.99' } }).pgw.snat).toBe('203.0.113.99');
    expect(resolveJourneyConfig({ pgw: { snat: null } }).pgw.snat).toBeNull();
  });
});
