/**
 * Inside a tunnel the outer UDP checksum covers the inner TCP or UDP segment too, so the decoder
 * verifies the inner checksum from the outer region's sum minus the tunnel headers (core/checksum.ts
 * `suffixSum`). These packets make each checksum good or bad on purpose, one at a time: each status
 * must be exactly what RFC 768/793's definition gives, whichever way it was computed.
 */
import { describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

function statuses(spec: string, patch?: (bytes: Uint8Array) => void): string[] {
  const bytes = encodePacket(parseSpec(spec));
  patch?.(bytes);
  const decoded = decodePacket(bytes);
  return decoded.layers.flatMap((layer) =>
    layer.layer === 'udp' || layer.layer === 'tcp' ? [`${layer.layer}:${layer.info.checksum}`] : [],
  );
}

const GTPU = 'ether/ipv4/udp(sport=2152,dport=2152)/gtpu(teid=7)/ipv4(src=10.0.0.1,dst=203.0.113.10)';
const VXLAN = 'ether/ipv4/udp(dport=4789)/vxlan(vni=5)/ether/ipv6(src=2001:db8::1,dst=2001:db8::2)';

describe('inner checksums verified from the outer UDP region', () => {
  it('GTP-U: both good; a wrong inner TCP checksum under a right outer one is bad alone', () => {
    expect(statuses(`${GTPU}/tcp(sport=1024,dport=443,flags=PA)/raw(len=64)`)).toEqual([
      'udp:good',
      'tcp:good',
    ]);
    // The encoder computes the outer UDP checksum over the wrong inner one: UDP good, TCP bad.
    expect(statuses(`${GTPU}/tcp(sport=1024,dport=443,flags=PA,chksum=0x1234)/raw(len=64)`)).toEqual([
      'udp:good',
      'tcp:bad',
    ]);
    expect(
      statuses(
        `${GTPU}/tcp(sport=1024,dport=443,flags=PA)/raw(len=64)`.replace('udp(', 'udp(chksum=0x1234,'),
      ),
    ).toEqual(['udp:bad', 'tcp:good']);
  });

  it('a payload byte changed after encoding makes both bad (odd and even payload lengths)', () => {
    for (const length of [63, 64]) {
      const spec = `${GTPU}/tcp(flags=PA)/raw(len=${length})`;
      const flip = (bytes: Uint8Array) => {
        bytes[bytes.length - 1]! ^= 0x01;
      };
      expect(statuses(spec)).toEqual(['udp:good', 'tcp:good']);
      expect(statuses(spec, flip)).toEqual(['udp:bad', 'tcp:bad']);
    }
  });

  it('VXLAN over IPv4 with an inner IPv6 UDP datagram and TCP segment', () => {
    expect(statuses(`${VXLAN}/udp(sport=5000,dport=6000)/raw(len=21)`)).toEqual(['udp:good', 'udp:good']);
    expect(statuses(`${VXLAN}/udp(sport=5000,dport=6000,chksum=0x4321)/raw(len=21)`)).toEqual([
      'udp:good',
      'udp:bad',
    ]);
    expect(statuses(`${VXLAN}/tcp(sport=1,dport=2,flags=S)/raw(len=16)`)).toEqual(['udp:good', 'tcp:good']);
  });

  it('an inner packet that ends before the outer region (padding inside the tunnel) is summed whole', () => {
    // Inner Ethernet padding: the inner IPv4 packet ends 16 bytes before the VXLAN region does, so
    // the recorded outer sum is not reused; the statuses must not change.
    const spec = (udp: string) =>
      `ether/ipv4/udp(dport=4789)/vxlan(vni=5)/ether(trailer=0x${'00'.repeat(16)})/ipv4/udp(${udp}sport=5000,dport=6000)/raw(len=2)`;
    const decoded = decodePacket(encodePacket(parseSpec(spec(''))));
    expect(decoded.layers[4]?.trailer?.length).toBe(16);
    expect(statuses(spec(''))).toEqual(['udp:good', 'udp:good']);
    expect(statuses(spec('chksum=0x1111,'))).toEqual(['udp:good', 'udp:bad']);
  });
});
