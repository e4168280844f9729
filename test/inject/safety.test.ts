import { describe, expect, it } from 'vitest';
import { InjectError } from '../../src/core/errors.js';
import {
  checkFrameSize,
  checkWellFormed,
  countVlanTags,
  defaultRouteInterfaces,
  hasCapNetRaw,
  maxFrameLength,
  requireInterface,
  shapingFields,
} from '../../src/inject/safety.js';
import { codecs, layerNames } from '../../src/layers/registry.js';
import type { AnySchema } from '../../src/layers/schema.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { buildCorpus } from '../oracle/corpus.js';

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

describe('checkWellFormed: malformed beyond what the spec asked for', () => {
  it('passes every packet of the tshark oracle corpus, deliberate errors included (the spec asked for them)', () => {
    for (const entry of buildCorpus()) {
      const layers = parseSpec(entry.spec);
      expect(
        () => checkWellFormed(layers, encodePacket(layers), entry.linkType === 'raw' ? 'ip' : 'ether'),
        entry.spec,
      ).not.toThrow();
    }
  });

  it('ignores what the decoder reads past the spec (raw bytes on the GTP-U and VXLAN ports)', () => {
    for (const spec of ['ether/ipv4/udp(dport=2152)/raw(len=3)', 'ether/ipv4/udp(dport=4789)/raw(len=2)']) {
      const layers = parseSpec(spec);
      expect(() => checkWellFormed(layers, encodePacket(layers), 'ether'), spec).not.toThrow();
    }
  });

  it('refuses a checksum or a length gone wrong where nothing asked for it, unless forced', () => {
    const layers = parseSpec('ether/ipv4/udp(sport=1000,dport=2000)/raw(len=10)');
    const badChecksum = encodePacket(layers).slice();
    badChecksum[40]! ^= 0xff; // the UDP checksum
    expect(() => checkWellFormed(layers, badChecksum, 'ether')).toThrow(
      /^the packet is malformed where the spec did not ask for it: udp at byte 40: bad checksum .*; use --force to send it anyway$/,
    );
    expect(() => checkWellFormed(layers, badChecksum, 'ether', { force: true })).not.toThrow();
    const badLength = encodePacket(layers).slice();
    badLength[17] = 200; // the IPv4 total length, beyond the bytes
    expect(() => checkWellFormed(layers, badLength, 'ether')).toThrow(InjectError);
    // The same bytes are what a spec setting the length asks for.
    const asked = parseSpec('ether/ipv4(len=200)/udp(sport=1000,dport=2000)/raw(len=10)');
    expect(() => checkWellFormed(asked, encodePacket(asked), 'ether')).not.toThrow();
  });
});

describe('shapingFields: derived from the schemas and the bindings', () => {
  it('holds every length, checksum and shape field of every layer', () => {
    for (const layer of layerNames) {
      for (const [name, field] of Object.entries(codecs[layer].schema as AnySchema)) {
        if (field.role !== 'value') expect(shapingFields(layer).has(name), `${layer}.${name}`).toBe(true);
      }
    }
  });

  it('holds the next-protocol number fields and the values that decide how the rest is read', () => {
    expect([...shapingFields('ipv4')].sort()).toEqual(
      ['chksum', 'flags', 'frag', 'ihl', 'len', 'options', 'proto', 'version'].sort(),
    );
    expect(shapingFields('ether').has('type')).toBe(true);
    expect(shapingFields('dot1q').has('type')).toBe(true);
    expect(shapingFields('geneve').has('proto')).toBe(true);
    expect(shapingFields('ipv6').has('nh')).toBe(true);
    expect(shapingFields('ipv6frag').has('offset') && shapingFields('ipv6frag').has('m')).toBe(true);
    expect(shapingFields('gtpu').has('type')).toBe(true);
  });

  it('leaves out plain values, ports included', () => {
    expect(shapingFields('ipv4').has('ttl') || shapingFields('ipv4').has('src')).toBe(false);
    expect(shapingFields('udp').has('sport') || shapingFields('udp').has('dport')).toBe(false);
    expect(shapingFields('tcp').has('flags') || shapingFields('tcp').has('dport')).toBe(false);
  });

  it('still refuses a bad TCP checksum when the spec sets only values (TCP flags, ports, TTL)', () => {
    const layers = parseSpec('ether/ipv4(ttl=9)/tcp(sport=1000,dport=2000,flags=S)/raw(len=10)');
    const badChecksum = encodePacket(layers).slice();
    badChecksum[50] = (badChecksum[50] ?? 0) ^ 0xff; // the TCP checksum
    expect(() => checkWellFormed(layers, badChecksum, 'ether')).toThrow(InjectError);
  });
});
