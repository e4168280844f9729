import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { type GtpuExtension, type GtpuFields, gtpu, gtpuCodec } from '../../src/layers/gtpu.js';
import { icmp } from '../../src/layers/icmp.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import { udp } from '../../src/layers/udp.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { hex, newContext, oneLayerRoundTrip, reencode, sameBytes } from './harness.js';

const A = { src: '192.0.2.1', dst: '192.0.2.2' };
const INNER = { src: '10.0.0.1', dst: '203.0.113.10' };

describe('gtpu encode: Scapy (scapy.contrib.gtp) vectors', () => {
  it('IPv4/UDP/G-PDU with a DL PDU Session Container (PPP, RQI, QFI 9, PPI 5), outer UDP checksum over it', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=2152,dport=2152)/GTP_U_Header(teid=0x1234,next_ex=0x85)/
    //   GTPPDUSessionContainer(type=0,QFI=9,PPP=1,RQI=1,PPI=5)/IP(src='10.0.0.1',dst='203.0.113.10')/ICMP()
    const expected = hex(
      '4500004c000100004011f69cc0000201c0000202086808680038572934ff002800001234000000850200c9a0000000004500001c00010000400134d50a000001cb00710a0800f7ff00000000',
    );
    const convenience = encodePacket([
      ipv4(A),
      udp(),
      gtpu({ teid: 0x1234, qfi: 9, ppp: 1, rqi: 1, ppi: 5 }),
      ipv4(INNER),
      icmp(),
    ]);
    sameBytes(convenience, expected);
    const listed = encodePacket([
      ipv4(A),
      udp(),
      gtpu({ teid: 0x1234, extensions: [{ type: 0x85, pdu_type: 0, qfi: 9, rqi: 1, ppi: 5 }] }),
      ipv4(INNER),
      icmp(),
    ]);
    sameBytes(listed, expected);
  });

  it('UL PDU Session Container (pdu_type 1, QFI 5)', () => {
    // GTP_U_Header(teid=0x1234)/GTPPDUSessionContainer(type=1,QFI=5)/IP(src='10.0.0.1',dst='203.0.113.10')/ICMP()
    const expected = hex(
      '34ff00240000123400000085011005004500001c00010000400134d50a000001cb00710a0800f7ff00000000',
    );
    sameBytes(encodePacket([gtpu({ teid: 0x1234, pdu_type: 1, qfi: 5 }), ipv4(INNER), icmp()]), expected);
  });

  it('plain G-PDU with the default flags 0x30', () => {
    // IP(...)/UDP(sport=2152,dport=2152)/GTP_U_Header(teid=0x11223344)/IP(src='10.0.0.1',dst='203.0.113.10')/ICMP()/b'hello'
    const expected = hex(
      '45000045000100004011f6a3c0000201c0000202086808680031f53130ff0021112233444500002100010000400134d00a000001cb00710a0800b42d0000000068656c6c6f',
    );
    sameBytes(
      encodePacket([ipv4(A), udp(), gtpu({ teid: 0x11223344 }), ipv4(INNER), icmp(), raw('hello')]),
      expected,
    );
  });

  it('sequence number sets S; N-PDU number sets PN (TS 29.281 §5.1)', () => {
    // GTP_U_Header(S=1,seq=0x1234,teid=1)/IP(src='10.0.0.1',dst='203.0.113.10')
    sameBytes(
      encodePacket([gtpu({ teid: 1, seq: 0x1234 }), ipv4({ ...INNER, proto: 0 })]),
      hex('32ff001800000001123400004500001400010000400034de0a000001cb00710a'),
    );
    // GTP_U_Header(PN=1,npdu=7,teid=1)/IP(src='10.0.0.1',dst='203.0.113.10')
    sameBytes(
      encodePacket([gtpu({ teid: 1, npdu: 7 }), ipv4({ ...INNER, proto: 0 })]),
      hex('31ff001800000001000007004500001400010000400034de0a000001cb00710a'),
    );
  });

  it('End Marker, Echo Request, Echo Response with Recovery, Error Indication with IEs', () => {
    // GTP_U_Header(teid=0x11223344, gtp_type=254)
    sameBytes(encodePacket([gtpu({ teid: 0x11223344, type: 254 })]), hex('30fe000011223344'));
    // GTP_U_Header(teid=0, gtp_type=1, S=1, seq=1)
    sameBytes(encodePacket([gtpu({ type: 1, seq: 1 })]), hex('320100040000000000010000'));
    // GTPHeader(gtp_type=2, seq=1, S=1)/IE_Recovery(restart_counter=7)
    sameBytes(
      encodePacket([gtpu({ type: 2, seq: 1 }), raw(hex('0e07'))]),
      hex('3202000600000000000100000e07'),
    );
    // GTPHeader(gtp_type=26)/IE_TEIDI(TEIDI=0x11223344)/IE_GSNAddress(length=4, ipv4_address='192.0.2.1')
    sameBytes(
      encodePacket([gtpu({ type: 26 }), raw(hex('1011223344850004c0000201'))]),
      hex('301a000c000000001011223344850004c0000201'),
    );
  });

  it('G-PDU carrying IPv6', () => {
    // GTP_U_Header(teid=5)/IPv6(src='2001:db8::10',dst='2001:db8::20')/UDP(sport=1000,dport=2000)
    const expected = hex(
      '30ff003000000005600000000008114020010db800000000000000000000001020010db800000000000000000000002003e807d000089884',
    );
    sameBytes(
      encodePacket([
        gtpu({ teid: 5 }),
        ipv6({ src: '2001:db8::10', dst: '2001:db8::20' }),
        udp({ sport: 1000, dport: 2000 }),
      ]),
      expected,
    );
  });

  it('chains several extension headers; unknown types and UDP Port byte-exact (TS 29.281 figure 5.2.1-1)', () => {
    const extensions: GtpuExtension[] = [
      { type: 0x40, udp_port: 2152 },
      { type: 0x99, content: 'aabbccddeeff' },
      { type: 0x85, qfi: 1 },
    ];
    const bytes = encodePacket([gtpu({ teid: 7, extensions })]);
    // 8 + 4 optional + (4: UDP port) + (8: unknown, len 2) + (4: PDU session) = 28
    expect(toHex(bytes)).toBe(
      '34ff0014' + '00000007' + '00000040' + '01086899' + '02aabbccddeeff85' + '01000100',
    );
  });

  it('pads short content to 4n-2 unless len is given; len 0 writes only the length octet', () => {
    expect(toHex(encodePacket([gtpu({ extensions: [{ type: 0x99, content: 'aa' }] })]))).toBe(
      '34ff000800000000000000990' + '1aa0000',
    );
    expect(toHex(encodePacket([gtpu({ extensions: [{ type: 0x99, content: 'aa', len: 5 }] })]))).toBe(
      '34ff000700000000000000990' + '5aa00',
    );
    expect(toHex(encodePacket([gtpu({ extensions: [{ type: 0x99, len: 0 }] })]))).toBe(
      '34ff0005000000000000009900',
    );
  });

  it('writes user-set wrong values as set (flags, length, next_ext)', () => {
    expect(toHex(encodePacket([gtpu({ flags: 0x20, len: 99, teid: 1 })]))).toBe('20ff006300000001');
    // S flag set by hand without seq: the optional octets are present and zero.
    expect(toHex(encodePacket([gtpu({ flags: 0x32 })]))).toBe('32ff000400000000' + '00000000');
    expect(toHex(encodePacket([gtpu({ next_ext: 0xc0, flags: 0x32 })]))).toBe(
      '32ff000400000000' + '000000c0',
    );
  });

  it('extensions from the JSON spec form, with hex content', () => {
    const layers = parseSpec(
      `gtpu(teid=1,extensions='[{"type":133,"content":"0109"},{"type":64,"udp_port":2152}]')`,
    );
    expect(toHex(encodePacket(layers))).toBe('34ff000c00000001000000850101094001086800');
    expect(toHex(encodePacket(parseSpec('gtpu(teid=0x1234,qfi=9)')))).toBe(
      '34ff000800001234000000850100090' + '0',
    );
  });

  it('rejects bad values with FieldError', () => {
    expect(() => encodePacket([gtpu({ qfi: 64 })])).toThrow(FieldError);
    expect(() => encodePacket([gtpu({ extensions: [{ type: 0x99, content: 'xyz' }] })])).toThrow(FieldError);
    expect(() => encodePacket([gtpu({ extensions: 'nope' as unknown as GtpuExtension[] })])).toThrow(
      FieldError,
    );
    expect(() => encodePacket([gtpu({ teid: -1 })])).toThrow(FieldError);
  });
});

describe('gtpu decode', () => {
  it('decodes the DL PDU Session Container like tshark (pdu_type 0, ppp 1, rqi 1, qfi 9, ppi 5) and an IPv4 payload', () => {
    // tshark-oracle §1 [verified]: DL len=2 02 00 c9 a0 00 00 00 00 gives pdu_type=0, ppp=1, rqi=1, qfi=9, ppi=5.
    const bytes = hex(
      '34ff002800001234000000850200c9a0000000004500001c00010000400134d50a000001cb00710a0800f7ff00000000',
    );
    const packet = decodePacket(bytes, { first: 'gtpu' });
    expect(packet.problems).toEqual([]);
    const layer = packet.layers[0]!;
    expect(layer.headerLength).toBe(20);
    expect(layer.fields).toEqual({
      flags: 0x34,
      type: 255,
      len: 40,
      teid: 0x1234,
      seq: 0,
      npdu: 0,
      next_ext: 0x85,
      extensions: [{ type: 0x85, len: 2, content: hex('00c9a0000000') }],
    });
    expect(layer.info).toMatchObject({ qfi: 9, pdu_type: 0, ppp: 1, rqi: 1, ppi: 5, message: 'G-PDU' });
    expect(packet.layers.map((l) => l.layer)).toEqual(['gtpu', 'ipv4', 'icmp']);
    sameBytes(reencode(bytes, 'gtpu'), bytes);
  });

  it('decodes UL (pdu_type 1, qfi 5) and two chained containers', () => {
    // tshark-oracle §1 [verified]: UL len=1 01 10 05 00 gives pdu_type=1, qfi=5.
    const ul = decodePacket(hex('34ff000c0000123400000085011005004500'), { first: 'gtpu' });
    expect(ul.layers[0]!.info).toMatchObject({ qfi: 5, pdu_type: 1 });
    const chained = hex('34ff001000000001000000850110058501000900');
    const packet = decodePacket(chained, { first: 'gtpu' });
    const extensions = (packet.layers[0]!.info!.extensions as { qfi: number }[]).map((e) => e.qfi);
    expect(extensions).toEqual([5, 9]);
    sameBytes(reencode(chained, 'gtpu'), chained);
  });

  it('a DL container of length 1 with PPP set has no PPI octet: no PPI, a length problem, bytes kept', () => {
    // length 8: seq/N-PDU/next 85, then 01 | 00 89 | 00: DL (pdu_type 0), PPP 1, QFI 9 in one 4-octet unit, so the PPI octet is missing.
    const bytes = hex('34ff0008000000010000008501008900');
    const packet = decodePacket(bytes, { first: 'gtpu' });
    const layer = packet.layers[0]!;
    expect(layer.info).toMatchObject({ qfi: 9, pdu_type: 0, ppp: 1 });
    expect(layer.info).not.toHaveProperty('ppi');
    expect(packet.problems).toContainEqual(
      expect.objectContaining({
        layer: 'gtpu',
        offset: 12,
        kind: 'bad-length',
        field: 'extensions',
        expected: '>= 2',
        actual: 1,
      }),
    );
    sameBytes(reencode(bytes, 'gtpu'), bytes);
  });

  it('shows only the optional octets; each field is kept whatever the flag (flags 0x31)', () => {
    const bytes = hex('31ff001800000001abcd07004500001400010000400034de0a000001cb00710a');
    const layer = decodePacket(bytes, { first: 'gtpu' }).layers[0]!;
    expect(layer.fields).toMatchObject({ seq: 0xabcd, npdu: 7, next_ext: 0, extensions: [] });
    sameBytes(reencode(bytes, 'gtpu'), bytes);
  });

  it('chooses the payload by the first octet like Wireshark: 0x45..0x4e IPv4, 0x6? IPv6, else raw (never Ethernet)', () => {
    const next = (first: number) =>
      gtpuCodec.decode(hex(`30ff000200000001${first.toString(16).padStart(2, '0')}00`), 0, 10, newContext())
        .next;
    expect(next(0x45)).toBe('ipv4');
    expect(next(0x4e)).toBe('ipv4');
    expect(next(0x44)).toBeUndefined();
    expect(next(0x4f)).toBeUndefined();
    expect(next(0x60)).toBe('ipv6');
    expect(next(0x6f)).toBe('ipv6');
    expect(next(0x02)).toBeUndefined();
    // Not a G-PDU: IEs, raw.
    expect(gtpuCodec.decode(hex('30fe000200000001' + '4500'), 0, 10, newContext()).next).toBeUndefined();
  });

  it('parses IEs of Echo Response and Error Indication for display', () => {
    const echo = decodePacket(hex('3202000600000000000100000e07'), { first: 'gtpu' });
    expect(echo.layers[0]!.info!.ies).toEqual([
      { type: 14, name: 'Recovery', offset: 12, length: 1, recovery: 7 },
    ]);
    expect(echo.layers[1]!.layer).toBe('raw');
    const error = decodePacket(hex('301a000c000000001011223344850004c0000201'), { first: 'gtpu' });
    expect(error.layers[0]!.info!.ies).toEqual([
      { type: 16, name: 'TEID Data I', offset: 8, length: 4, teid_data: 0x11223344 },
      { type: 133, name: 'GTP-U Peer Address', offset: 13, length: 4, address: '192.0.2.1' },
    ]);
    // TS 29.281 §8.5 Extension Header Type List: type 141, a 1-octet length, then the types.
    const supported = decodePacket(hex('301f0004000000008d024085'), { first: 'gtpu' });
    expect(supported.layers[0]!.info!.ies).toEqual([
      { type: 141, name: 'Extension Header Type List', offset: 8, length: 2, types: [0x40, 0x85] },
    ]);
  });

  it('reports a length beyond the bytes and one shorter than the optional part', () => {
    const long = newContext();
    const step = gtpuCodec.decode(hex('30ff00ff00000001aabb'), 0, 10, long);
    expect(step.contentEnd).toBe(10);
    expect(long.problems[0]).toMatchObject({ kind: 'bad-length', offset: 2 });
    expect(long.problems[0]!.message).toContain('should be 2');
    const short = newContext();
    gtpuCodec.decode(hex('32ff000000000001aabb0000'), 0, 12, short);
    expect(short.problems[0]!.kind).toBe('bad-length');
    // A shorter length leaves the rest as a trailer of the enclosing layer; re-encoding keeps it.
    const bytes = encodePacket([ipv4(A), udp(), gtpu({ len: 4, teid: 3 }), raw(hex('45000000aabbccdd'))]);
    sameBytes(reencode(bytes, 'ipv4'), bytes);
  });

  it('reports a zero extension length (Wireshark: gtp.ext_length.invalid) and stops the chain', () => {
    const bytes = hex('34ff0008000000010000009900aabbcc');
    const packet = decodePacket(bytes, { first: 'gtpu' });
    expect(packet.problems.map((p) => p.kind)).toEqual(['malformed']);
    expect(packet.layers[0]!.fields.extensions).toEqual([{ type: 0x99, len: 0 }]);
    expect(packet.layers[0]!.headerLength).toBe(13);
    sameBytes(reencode(bytes, 'gtpu'), bytes);
  });

  it('reports version, PT and PDU type problems but decodes', () => {
    const context = newContext();
    // Version 2 (0x50): GTPv2 on the GTP-U port.
    gtpuCodec.decode(hex('50ff000000000001'), 0, 8, context);
    expect(context.problems.map((p) => p.kind)).toEqual(['bad-value']);
    const pt = newContext();
    gtpuCodec.decode(hex('20ff000000000001'), 0, 8, pt);
    expect(pt.problems[0]!.message).toContain('PT');
    const pdu = newContext();
    gtpuCodec.decode(hex('34ff000800000001000000850120050000'), 0, 16, pdu);
    expect(pdu.problems[0]!.message).toContain('PDU type 2');
  });

  it('throws DecodeError when E is set but the bytes end (Wireshark: malformed)', () => {
    expect(() => gtpuCodec.decode(hex('34ff000000000001'), 0, 8, newContext())).toThrow(DecodeError);
    expect(() => gtpuCodec.decode(hex('34ff000400000001000000850300'), 0, 14, newContext())).toThrow(
      DecodeError,
    );
  });
});

describe('gtpu properties', () => {
  const base = hex('34ff002800001234000000850200c9a0000000004500001c');

  it('decode throws nothing but DecodeError on random and mutated bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc
            .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
            .map((edits) => {
              const copy = base.slice();
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
        ),
        (bytes) => {
          try {
            gtpuCodec.decode(bytes, 0, bytes.length, newContext());
          } catch (error) {
            if (!(error instanceof DecodeError)) throw error;
          }
        },
      ),
    );
  });

  it('decode -> encode is byte-exact for random (valid or not) headers', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 8, maxLength: 64 }),
          fc
            .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })
            .map((edits) => {
              const copy = base.slice();
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
        ),
        (bytes) => {
          const result = oneLayerRoundTrip(gtpuCodec, bytes);
          return result === undefined || sameBytes(result.out, bytes);
        },
      ),
    );
  });

  it('random valid headers encode, decode to the same values and re-encode byte-exact', () => {
    const extension = fc.oneof(
      fc.record({ type: fc.constant(0x85), qfi: fc.nat(63), pdu_type: fc.nat(1), rqi: fc.nat(1) }),
      fc.record({ type: fc.constant(0x40), udp_port: fc.nat(0xffff) }),
      fc.record({
        type: fc.integer({ min: 1, max: 255 }),
        content: fc.nat(3).chain((n) => fc.uint8Array({ minLength: 4 * n + 2, maxLength: 4 * n + 2 })),
      }),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            teid: fc.nat(0xffffffff),
            type: fc.constantFrom(1, 2, 26, 31, 254, 255),
            seq: fc.nat(0xffff),
            npdu: fc.nat(0xff),
            extensions: fc.array(extension, { maxLength: 3 }),
          },
          { requiredKeys: ['teid'] },
        ),
        fc.uint8Array({ maxLength: 16 }),
        (fields, payload) => {
          const bytes = encodePacket([gtpu(fields as GtpuFields), raw(payload)]);
          const decoded = gtpuCodec.decode(bytes, 0, bytes.length, newContext());
          expect(decoded.fields.teid).toBe(fields.teid);
          expect(decoded.fields.len).toBe(bytes.length - 8);
          if (fields.seq !== undefined) expect(decoded.fields.seq).toBe(fields.seq);
          expect(decoded.fields.extensions?.length ?? 0).toBe(fields.extensions?.length ?? 0);
          const result = oneLayerRoundTrip(gtpuCodec, bytes);
          return result !== undefined && sameBytes(result.out, bytes);
        },
      ),
    );
  });
});
