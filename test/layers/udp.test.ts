import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { gtpu } from '../../src/layers/gtpu.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import { tcp } from '../../src/layers/tcp.js';
import {
  flowSourcePort,
  jhash,
  udp,
  udpCodec,
  VXLAN_SPORT_MAX,
  VXLAN_SPORT_MIN,
  vxlanSourcePort,
} from '../../src/layers/udp.js';
import { vxlan } from '../../src/layers/vxlan.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { hex, newContext, oneLayerRoundTrip, reencode, sameBytes } from './harness.js';

const A = { src: '192.0.2.1', dst: '192.0.2.2' };
const A6 = { src: '2001:db8::1', dst: '2001:db8::2' };

describe('udp encode: Scapy vectors', () => {
  it('IPv4 with payload and checksum', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=1234,dport=5678)/b'hello'
    const expected = hex('45000021000100004011f6c7c0000201c000020204d2162e000d1cfe68656c6c6f');
    sameBytes(encodePacket([ipv4(A), udp({ sport: 1234, dport: 5678 }), raw('hello')]), expected);
  });

  it('IPv6 pseudo-header', () => {
    // IPv6(src='2001:db8::1',dst='2001:db8::2')/UDP(sport=1234,dport=5678)/b'hello'
    const expected = hex(
      '6000000000' +
        '0d114020010db800000000000000000000000120010db800000000000000000000000204d2162e000d458d68656c6c6f',
    );
    sameBytes(encodePacket([ipv6(A6), udp({ sport: 1234, dport: 5678 }), raw('hello')]), expected);
  });

  it('defaults to Scapy ports 53 -> 53', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/UDP()
    sameBytes(
      encodePacket([ipv4(A), udp()]),
      hex('4500001c000100004011f6ccc0000201c00002020035003500087b70'),
    );
  });

  it('sends a computed checksum of 0 as 0xffff', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=1,dport=2)/struct.pack('!H', 31699): Scapy gives chksum 0xffff
    const expected = hex('4500001e000100004011f6cac0000201c000020200010002000affff7bd3');
    sameBytes(encodePacket([ipv4(A), udp({ sport: 1, dport: 2 }), raw(hex('7bd3'))]), expected);
  });

  it('writes fields set by the user as set, even when wrong', () => {
    const bytes = encodePacket([ipv4(A), udp({ sport: 1, dport: 2, len: 99, chksum: 0x1234 }), raw('hi')]);
    expect(toHex(bytes.subarray(20))).toBe('0001000200631234' + '6869');
    const zero = encodePacket([ipv4(A), udp({ chksum: 0 }), raw('hi')]);
    expect(zero[26]).toBe(0);
    expect(zero[27]).toBe(0);
  });

  it('defaults both ports to 2152 over GTP-U and dport to 4789 over VXLAN', () => {
    const g = encodePacket([ipv4(A), udp(), gtpu({ teid: 1 })]);
    expect(toHex(g.subarray(20, 24))).toBe('08680868');
    const v = encodePacket([ipv4(A), udp(), vxlan({ vni: 1 }), ether(), ipv4(A), tcp()]);
    const sport = (v[20]! << 8) | v[21]!;
    expect((v[22]! << 8) | v[23]!).toBe(4789);
    expect(sport).toBeGreaterThanOrEqual(VXLAN_SPORT_MIN);
    expect(sport).toBeLessThan(VXLAN_SPORT_MAX);
    // The checksum covers the source port written in finish.
    const decoded = decodePacket(v, { first: 'ipv4' });
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers[1]!.info).toEqual({ checksum: 'good' });
  });

  it('throws FieldError for out-of-range values', () => {
    expect(() => encodePacket([ipv4(A), udp({ sport: 70000 })])).toThrow(FieldError);
    expect(() => encodePacket([ipv4(A), udp({ len: -1 })])).toThrow(FieldError);
  });
});

describe('udp vxlan source port (Linux udp_flow_src_port with jhash)', () => {
  it('jhash matches lookup3 hashlittle test values', () => {
    // lookup3.c driver5(): hashlittle("", 0, 0) = 0xdeadbeef; "Four score and seven years ago" with
    // initval 0 = 0x17770551, with initval 1 = 0xcd628161.
    const text = new TextEncoder().encode('Four score and seven years ago');
    expect(jhash(new Uint8Array(0), 0, 0)).toBe(0xdeadbeef);
    expect(jhash(text, text.length, 0)).toBe(0x17770551);
    expect(jhash(text, text.length, 1)).toBe(0xcd628161);
  });

  it('scales like udp_flow_src_port: hash ^= hash << 16; (hash * (max - min)) >> 32 + min', () => {
    expect(flowSourcePort(0, 32768, 60999)).toBe(32768);
    // 0xffffffff ^ 0xffff0000 = 0x0000ffff -> (65535 * 28231) >> 32 = 0
    expect(flowSourcePort(0xffffffff, 32768, 60999)).toBe(32768);
    // 0x80000000 ^ 0 = 0x80000000 -> 28231 / 2 = 14115
    expect(flowSourcePort(0x80000000, 32768, 60999)).toBe(32768 + 14115);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (hash) => {
        const port = flowSourcePort(hash, 32768, 60999);
        const mixed = BigInt((hash ^ (hash << 16)) >>> 0);
        return port === Number((mixed * 28231n) >> 32n) + 32768;
      }),
    );
  });

  it('is deterministic per inner flow and differs between flows', () => {
    const inner = (sport: number) =>
      encodePacket([ether(), ipv4({ src: '10.0.0.1', dst: '203.0.113.10' }), tcp({ sport, dport: 443 })]);
    const a = inner(1024);
    const b = inner(1025);
    expect(vxlanSourcePort(a, 0, a.length)).toBe(vxlanSourcePort(inner(1024), 0, a.length));
    expect(vxlanSourcePort(a, 0, a.length)).not.toBe(vxlanSourcePort(b, 0, b.length));
  });
});

describe('udp decode', () => {
  it('decodes every field and verifies the IPv4 checksum', () => {
    const bytes = hex('45000021000100004011f6c7c0000201c000020204d2162e000d1cfe68656c6c6f');
    const packet = decodePacket(bytes, { first: 'ipv4' });
    expect(packet.problems).toEqual([]);
    expect(packet.layers[1]!.fields).toEqual({ sport: 1234, dport: 5678, len: 13, chksum: 0x1cfe });
    expect(packet.layers[1]!.info).toEqual({ checksum: 'good' });
    expect(packet.layers[2]!.layer).toBe('raw');
  });

  it('reports a bad checksum with the value it should have', () => {
    const bytes = hex('45000021000100004011f6c7c0000201c000020204d2162e000d123468656c6c6f');
    const packet = decodePacket(bytes, { first: 'ipv4' });
    expect(packet.layers[1]!.info).toEqual({ checksum: 'bad' });
    expect(packet.problems.map(({ message: _, ...structured }) => structured)).toEqual([
      { layer: 'udp', offset: 26, kind: 'bad-checksum', field: 'chksum', expected: 0x1cfe, actual: 0x1234 },
    ]);
    sameBytes(reencode(bytes, 'ipv4'), bytes);
  });

  it('treats 0 as "no checksum" on IPv4 and as invalid on IPv6', () => {
    const v4 = hex('45000021000100004011f6c7c0000201c000020204d2162e000d000068656c6c6f');
    const p4 = decodePacket(v4, { first: 'ipv4' });
    expect(p4.problems).toEqual([]);
    expect(p4.layers[1]!.info).toEqual({ checksum: 'none' });
    const v6 = hex(
      '60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d2162e000d000068656c6c6f',
    );
    const p6 = decodePacket(v6, { first: 'ipv6' });
    expect(p6.problems.map((p) => p.kind)).toEqual(['bad-checksum']);
    expect(p6.problems[0]!.message).toContain('0x0000');
    sameBytes(reencode(v6, 'ipv6'), v6);
  });

  it('verifies the IPv6 checksum', () => {
    const v6 = hex(
      '60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d2162e000d458d68656c6c6f',
    );
    const packet = decodePacket(v6, { first: 'ipv6' });
    expect(packet.problems).toEqual([]);
    expect(packet.layers[1]!.info).toEqual({ checksum: 'good' });
  });

  it('reports lengths below 8 and beyond the bytes, and keeps the bytes', () => {
    const short = udpCodec.decode(hex('0001000200040000aabb'), 0, 10, newContext());
    expect(short.contentEnd).toBe(8);
    const long = newContext();
    const step = udpCodec.decode(hex('0001000200ff0000aabb'), 0, 10, long);
    expect(step.contentEnd).toBe(10);
    expect(long.problems[0]!.kind).toBe('bad-length');
    const roundTrip = oneLayerRoundTrip(udpCodec, hex('0001000200040000aabb'));
    sameBytes(roundTrip!.out, hex('0001000200040000aabb'));
  });

  it('makes a shorter UDP length leave the rest as the IP layer trailer', () => {
    // IPv4 total length 33, UDP says 10: two bytes of payload, three after it.
    const bytes = hex('45000021000100004011f6c7c0000201c000020204d2162e000a000068656c6c6f');
    const packet = decodePacket(bytes, { first: 'ipv4' });
    expect(packet.layers[2]!.fields).toEqual({ data: hex('6865') });
    sameBytes(reencode(bytes, 'ipv4'), bytes);
  });

  it('binds the lower port first, then the higher (Wireshark order)', () => {
    // sport 2152 (gtpu), dport 4789 (vxlan): the lower, 2152, wins.
    const context = newContext();
    expect(udpCodec.decode(hex('08680868000c0000' + '30ff0000'), 0, 12, context).next).toBe('gtpu');
    expect(udpCodec.decode(hex('12b50868000c0000' + '30ff0000'), 0, 12, context).next).toBe('gtpu');
    expect(udpCodec.decode(hex('12b5ffff000c0000' + '08000000'), 0, 12, context).next).toBe('vxlan');
    // 53 (DNS) is the lower of 53 and 65535; two unbound ports leave the payload raw.
    expect(udpCodec.decode(hex('0035ffff000c0000' + '08000000'), 0, 12, context).next).toBe('dns');
    expect(udpCodec.decode(hex('0009ffff000c0000' + '08000000'), 0, 12, context).next).toBeUndefined();
    // No payload: nothing follows.
    expect(udpCodec.decode(hex('0868086800080000'), 0, 8, context).next).toBeUndefined();
  });

  it('skips checks inside an ICMP error quote', () => {
    const context = { ...newContext(4, 0), insideIcmpError: true };
    udpCodec.decode(hex('000100020063ffff'), 0, 8, context);
    expect(context.problems).toEqual([]);
  });
});

describe('udp properties', () => {
  it('decode throws nothing but DecodeError on random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom<0 | 4 | 6>(0, 4, 6),
        (bytes, ipVersion) => {
          // A fake enclosing header of zeros in front so pseudo-header reads stay in the buffer.
          const buffer = new Uint8Array(40 + bytes.length);
          buffer.set(bytes, 40);
          try {
            udpCodec.decode(buffer, 40, buffer.length, newContext(ipVersion, 0));
          } catch (error) {
            if (!(error instanceof DecodeError)) throw error;
          }
        },
      ),
    );
  });

  it('decode -> encode is byte-exact for random headers and payloads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 40 }), (bytes) => {
        const result = oneLayerRoundTrip(udpCodec, bytes);
        return result !== undefined && sameBytes(result.out, bytes);
      }),
    );
  });

  it('valid datagrams over IPv4/IPv6 re-encode byte-exact and verify', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 64 }),
        fc.boolean(),
        (sport, dport, payload, v6) => {
          const bytes = encodePacket([v6 ? ipv6(A6) : ipv4(A), udp({ sport, dport }), raw(payload)]);
          const packet = decodePacket(bytes, { first: v6 ? 'ipv6' : 'ipv4' });
          expect(packet.problems.filter((p) => p.layer === 'udp')).toEqual([]);
          expect(packet.layers[1]!.info).toEqual({ checksum: 'good' });
          return sameBytes(reencode(bytes, v6 ? 'ipv6' : 'ipv4'), bytes);
        },
      ),
    );
  });
});
