import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { icmp } from '../../src/layers/icmp.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { udp } from '../../src/layers/udp.js';
import { parseVxlanFlags, vxlan, vxlanCodec } from '../../src/layers/vxlan.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { hex, newContext, oneLayerRoundTrip, reencode, sameBytes } from './harness.js';

const A = { src: '192.0.2.1', dst: '192.0.2.2' };
const INNER_ETHER = { src: '02:00:00:00:01:01', dst: '02:00:00:00:01:02' };
const INNER = { src: '10.0.0.1', dst: '203.0.113.10' };

// IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=49152,dport=4789)/VXLAN(flags='Instance',vni=42)/
//   Ether(src='02:00:00:00:01:01',dst='02:00:00:00:01:02')/IP(src='10.0.0.1',dst='203.0.113.10')/ICMP()
const SCAPY_VXLAN = hex(
  '4500004e000100004011f69ac0000201c0000202c00012b5003a68bd0800000000002a0002000000010202000000010108004500001c00010000400134d50a000001cb00710a0800f7ff00000000',
);

describe('vxlan encode (RFC 7348 §5)', () => {
  it('matches Scapy: I flag, VNI 42, reserved zero, outer UDP checksum over the inner frame', () => {
    sameBytes(
      encodePacket([
        ipv4(A),
        udp({ sport: 49152 }),
        vxlan({ vni: 42 }),
        ether(INNER_ETHER),
        ipv4(INNER),
        icmp(),
      ]),
      SCAPY_VXLAN,
    );
  });

  it('keeps G flag, group policy ID and reserved bits byte-exact', () => {
    // VXLAN(flags='G+Instance', gpid=0x1234, vni=0xabcdef)/Ether(src=..., dst=..., type=0x9000)
    const expected = hex('88001234abcdef000200000001020200000001019000');
    sameBytes(
      encodePacket([
        vxlan({ flags: 0x8800, gbp: 0x1234, vni: 0xabcdef }),
        ether({ ...INNER_ETHER, type: 0x9000 }),
      ]),
      expected,
    );
    expect(toHex(encodePacket([vxlan({ flags: 0xffff, gbp: 0xffff, vni: 0xffffff, reserved: 0xff })]))).toBe(
      'ffffffffffffffff',
    );
    // VXLAN(flags=0, vni=7): the I flag cleared on purpose.
    sameBytes(encodePacket([vxlan({ flags: 0, vni: 7 })]), hex('0000000000000700'));
  });

  it('parses flag names and the spec form', () => {
    expect(parseVxlanFlags('I')).toBe(0x0800);
    expect(parseVxlanFlags('G+I')).toBe(0x8800);
    expect(parseVxlanFlags('X')).toBeUndefined();
    expect(toHex(encodePacket(parseSpec('vxlan(vni=5,flags=G+I,gbp=0x10)')))).toBe('8800001000000500');
  });

  it('rejects out-of-range values', () => {
    expect(() => encodePacket([vxlan({ vni: 0x1000000 })])).toThrow(FieldError);
    expect(() => encodePacket([vxlan({ flags: 0x10000 })])).toThrow(FieldError);
  });
});

describe('vxlan decode', () => {
  it('decodes every field, then the inner Ethernet frame', () => {
    const packet = decodePacket(SCAPY_VXLAN, { first: 'ipv4' });
    expect(packet.problems).toEqual([]);
    expect(packet.layers.map((l) => l.layer)).toEqual(['ipv4', 'udp', 'vxlan', 'ether', 'ipv4', 'icmp']);
    expect(packet.layers[2]!.fields).toEqual({ flags: 0x0800, gbp: 0, vni: 42, reserved: 0 });
    expect(packet.layers[1]!.info).toEqual({ checksum: 'good' });
    sameBytes(reencode(SCAPY_VXLAN, 'ipv4'), SCAPY_VXLAN);
  });

  it('reports a missing I flag as bad-value but still decodes the inner frame (Wireshark does too)', () => {
    const bytes = hex('0000000000000700' + '0200000001020200000001019000');
    const packet = decodePacket(bytes, { first: 'vxlan' });
    expect(packet.problems.map((p) => [p.layer, p.kind])).toEqual([['vxlan', 'bad-value']]);
    expect(packet.layers.map((l) => l.layer)).toEqual(['vxlan', 'ether']);
    expect(packet.layers[0]!.fields.vni).toBe(7);
    sameBytes(reencode(bytes, 'vxlan'), bytes);
  });

  it('throws DecodeError only when the 8 octets are not there', () => {
    expect(() => vxlanCodec.decode(hex('08000000000001'), 0, 7, newContext())).toThrow(DecodeError);
    expect(vxlanCodec.decode(hex('0800000000000100'), 0, 8, newContext()).next).toBeUndefined();
  });
});

describe('vxlan properties', () => {
  it('decode throws nothing but DecodeError, and decode -> encode is byte-exact', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          vxlanCodec.decode(bytes, 0, bytes.length, newContext());
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          return bytes.length < 8;
        }
        const result = oneLayerRoundTrip(vxlanCodec, bytes);
        return result !== undefined && sameBytes(result.out, bytes);
      }),
    );
  });

  it('random field values survive encode -> decode', () => {
    fc.assert(
      fc.property(
        fc.nat(0xffff),
        fc.nat(0xffff),
        fc.nat(0xffffff),
        fc.nat(0xff),
        (flags, gbp, vni, reserved) => {
          const bytes = encodePacket([vxlan({ flags, gbp, vni, reserved })]);
          expect(vxlanCodec.decode(bytes, 0, 8, newContext()).fields).toEqual({ flags, gbp, vni, reserved });
        },
      ),
    );
  });
});
