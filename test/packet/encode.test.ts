/**
 * encodePacketInto against encodePacket: the same bytes whatever was in the caller's buffer before
 * (it skips zeroing when every layer writes all of its bytes), at any offset, and checksums that
 * reuse the sums of finished inner regions equal those computed byte by byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { internetChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from '../../src/core/checksum.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodedLength, encodePacket, encodePacketInto } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

const SPECS = [
  'ether/ipv4(src=192.0.2.1,dst=192.0.2.2,id=0)/udp/gtpu(teid=7)/ipv4(src=10.0.0.1,dst=203.0.113.10)/tcp(sport=1024,dport=443,seq=5,ack=1,flags=PA,window=65535)/raw(len=64)',
  'ether/ipv4/udp/gtpu(teid=0x1234,qfi=9,seq=7)/ipv4/tcp(flags=S,mss=1400,wscale=7,sackok=1,tsval=1,tsecr=0)',
  'ether/ipv4/udp(sport=50000)/vxlan(vni=77)/ether/ipv4(src=10.1.0.1,dst=10.1.0.2)/tcp(flags=PA,tsval=5,tsecr=6,sack="100-200")/raw(len=41)',
  'ether/ipv4(options=0x070b04)/udp/raw(text="odd length payload!")',
  'ether/ipv4/tcp(options=0x0204)/raw(data=0x0102030405)',
  'ether/ipv4/tcp(dataofs=6,options=0x01)/raw(len=3)',
  'ether/ipv4/udp/gtpu(extensions="[{\\"type\\":64,\\"content\\":\\"0868\\"},{\\"type\\":133,\\"qfi\\":3,\\"ppi\\":2}]")/ipv4/udp/raw(len=300)',
  'ether/ipv6/udp/gtpu(teid=1)/ipv4/tcp/raw(len=9)',
  'ether/dot1q(vlan=10)/ipv4/icmp(type=3,code=1)/ipv4/udp/raw(len=8)',
  'ether/ipv6/ipv6hop/ipv6frag(id=9)/udp/raw(len=7)',
  'ipv4/udp/gtpu/ipv4/udp/raw(len=1)',
  'ether/ipv4/udp/raw(len=2000)',
  'ipv4(len=40)/tcp(chksum=0x1234)/raw(len=20)',
  'ether/ipv4(chksum=0)/udp(chksum=0)/gtpu/ipv4/tcp/raw(len=11)',
];

describe('encodePacketInto', () => {
  it.each(SPECS)('writes the same bytes as encodePacket into a dirty buffer at any offset: %s', (spec) => {
    const layers = parseSpec(spec);
    const expected = toHex(encodePacket(layers));
    const length = encodedLength(layers);
    for (const fill of [0x00, 0xa5, 0xff]) {
      for (let offset = 0; offset < 8; offset++) {
        const out = new Uint8Array(length + 16).fill(fill);
        expect(encodePacketInto(layers, out, offset)).toBe(length);
        expect(toHex(out.subarray(offset, offset + length))).toBe(expected);
        // Nothing written outside the packet.
        for (let i = 0; i < offset; i++) expect(out[i]).toBe(fill);
        for (let i = offset + length; i < out.length; i++) expect(out[i]).toBe(fill);
      }
    }
  });

  it('gives the same bytes for random field values, encoded over the previous packet', () => {
    const out = Buffer.alloc(4096, 0x5a);
    fc.assert(
      fc.property(
        fc.record({
          teid: fc.integer({ min: 0, max: 0xffffffff }),
          sport: fc.integer({ min: 0, max: 0xffff }),
          seq: fc.integer({ min: 0, max: 0xffffffff }),
          src: fc.uint8Array({ minLength: 4, maxLength: 4 }),
          payload: fc.uint8Array({ minLength: 0, maxLength: 200 }),
          qfi: fc.option(fc.integer({ min: 0, max: 63 }), { nil: undefined }),
          offset: fc.nat({ max: 64 }),
        }),
        ({ teid, sport, seq, src, payload, qfi, offset }) => {
          const layers = parseSpec(
            `ether/ipv4(id=0)/udp/gtpu(teid=${teid}${qfi === undefined ? '' : `,qfi=${qfi}`})/ipv4/tcp(sport=${sport},seq=${seq},flags=PA)/raw(data=0x${toHex(payload)})`,
          );
          (layers[4]!.fields as { src?: Uint8Array }).src = src;
          const expected = toHex(encodePacket(layers));
          const length = encodePacketInto(layers, out, offset);
          expect(toHex(out.subarray(offset, offset + length))).toBe(expected);
          // Every checksum verifies (decode reports none bad) and equals a byte-by-byte computation.
          const bytes = out.subarray(offset, offset + length);
          expect(decodePacket(bytes, { first: 'ether' }).problems).toEqual([]);
          const tcpAt = 14 + 20 + 8 + (qfi === undefined ? 8 : 16) + 20;
          const segment = Uint8Array.from(bytes.subarray(tcpAt));
          const stored = (segment[16]! << 8) | segment[17]!;
          segment[16] = 0;
          segment[17] = 0;
          const pseudo = pseudoHeaderSumV4(bytes, tcpAt - 20, 6, segment.length);
          expect(stored).toBe(internetChecksum(segment, 0, segment.length, pseudo));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('computes the outer UDP checksum of a tunnel over IPv6 as a plain byte sum does', () => {
    const layers = parseSpec('ether/ipv6/udp/gtpu(teid=3)/ipv4/tcp(flags=PA)/raw(len=33)');
    const bytes = encodePacket(layers);
    const udpAt = 14 + 40;
    const datagram = Uint8Array.from(bytes.subarray(udpAt));
    const stored = (datagram[6]! << 8) | datagram[7]!;
    datagram[6] = 0;
    datagram[7] = 0;
    const pseudo = pseudoHeaderSumV6(bytes, 14, 17, datagram.length);
    const computed = internetChecksum(datagram, 0, datagram.length, pseudo);
    expect(stored).toBe(computed === 0 ? 0xffff : computed);
  });

  it('throws RangeError when the packet does not fit, writing nothing', () => {
    const layers = parseSpec('ether/ipv4/udp/raw(len=10)');
    const out = new Uint8Array(40).fill(7);
    expect(() => encodePacketInto(layers, out, 5)).toThrow(RangeError);
    expect(out.every((byte) => byte === 7)).toBe(true);
  });
});
