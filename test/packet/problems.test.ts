/**
 * Problems and decode errors carry the field, what it should be, what it is, and which length
 * bounded the read; the same situation has the same kind in every layer.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

const build = (spec: string) => encodePacket(parseSpec(spec));

describe('structured problems', () => {
  it('a header length below 5 words is a length problem in IPv4 and in TCP alike', () => {
    const v4 = decodePacket(build('ipv4(ihl=4)/raw(len=4)'), { first: 'ip' });
    expect(v4.problems[0]).toMatchObject({
      layer: 'ipv4',
      kind: 'bad-length',
      offset: 0,
      field: 'ihl',
      actual: 4,
    });
    const tcp = decodePacket(build('ipv4/tcp(dataofs=4)'), { first: 'ip' });
    const problem = tcp.problems.find((p) => p.layer === 'tcp');
    expect(problem).toMatchObject({
      kind: 'bad-length',
      offset: 20 + 12,
      field: 'dataofs',
      expected: '>= 5',
      actual: 4,
    });
  });

  it('names the length that bounded a read: the bytes, or the enclosing IPv4 / IPv6 / UDP length', () => {
    // UDP claims 100 bytes; IPv4's total length leaves it 12: bounded by ipv4.len, not by the bytes.
    const udpInIp = decodePacket(
      build('ether/ipv4/udp(sport=40000,dport=9,len=100)/raw(len=4)/'.replace(/\/$/, '')),
    );
    expect(udpInIp.problems).toEqual([
      expect.objectContaining({
        layer: 'udp',
        kind: 'bad-length',
        offset: 14 + 20 + 4,
        field: 'len',
        actual: 100,
        expected: '<= 12',
        bound: 'ipv4.len',
      }),
    ]);
    // The same over IPv6: bounded by ipv6.plen.
    const udpInIp6 = decodePacket(build('ether/ipv6/udp(len=100)/raw(len=4)'));
    expect(udpInIp6.problems.find((p) => p.layer === 'udp')).toMatchObject({
      bound: 'ipv6.plen',
      field: 'len',
    });
    // IPv4's own total length past the end of the frame: bounded by the bytes.
    const long = decodePacket(build('ether/ipv4(len=200)/udp/raw(len=4)'));
    expect(long.problems.find((p) => p.layer === 'ipv4')).toMatchObject({
      field: 'len',
      offset: 16,
      actual: 200,
      bound: 'bytes',
    });
    // GTP-U's length beyond what UDP's length leaves: bounded by udp.len.
    const gtp = decodePacket(build('ether/ipv4/udp/gtpu(len=300)/ipv4/icmp'));
    expect(gtp.problems.find((p) => p.layer === 'gtpu')).toMatchObject({
      field: 'len',
      actual: 300,
      bound: 'udp.len',
    });
  });

  it('a header cut short is a truncated problem with the bytes needed and had, and the bound', () => {
    const frame = build('ether/ipv4/udp/gtpu(teid=1)/ipv4/icmp');
    // Claim only 4 bytes of UDP payload: the GTP-U header (8 bytes) is cut short by udp.len.
    const bytes = frame.slice();
    bytes[14 + 20 + 4] = 0;
    bytes[14 + 20 + 5] = 12;
    const decoded = decodePacket(bytes);
    expect(toHex(bytes, 38, 40)).toBe('000c');
    expect(decoded.problems.find((p) => p.kind === 'truncated')).toMatchObject({
      layer: 'gtpu',
      offset: 42,
      expected: 8,
      actual: 4,
      bound: 'udp.len',
    });
    const cut = decodePacket(frame.subarray(0, 14 + 10));
    expect(cut.problems[0]).toMatchObject({
      layer: 'ipv4',
      kind: 'truncated',
      offset: 14,
      expected: 20,
      actual: 10,
      bound: 'bytes',
    });
  });

  it('a bad checksum names the checksum field at its own offset, in every layer', () => {
    for (const [spec, layer, offset] of [
      ['ether/ipv4(chksum=1)/udp', 'ipv4', 14 + 10],
      ['ether/ipv4/udp(chksum=1)', 'udp', 14 + 20 + 6],
      ['ether/ipv4/tcp(chksum=1)', 'tcp', 14 + 20 + 16],
      ['ether/ipv4/icmp(chksum=1)', 'icmp', 14 + 20 + 2],
      ['ether/ipv6/icmpv6(chksum=1)', 'icmpv6', 14 + 40 + 2],
    ] as const) {
      const problem = decodePacket(build(spec)).problems.find((p) => p.layer === layer);
      expect(problem).toMatchObject({ kind: 'bad-checksum', field: 'chksum', offset, actual: 1 });
      expect(typeof problem?.expected).toBe('number');
    }
  });
});
