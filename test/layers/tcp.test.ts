import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import {
  parseSackBlocks,
  parseTcpFlags,
  type TcpFields,
  type TcpOptionInfo,
  tcp,
  tcpCodec,
  tcpFlagLetters,
} from '../../src/layers/tcp.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { hex, newContext, oneLayerRoundTrip, reencode, sameBytes } from './harness.js';

const A = { src: '192.0.2.1', dst: '192.0.2.2' };
const A6 = { src: '2001:db8::1', dst: '2001:db8::2' };

describe('tcp encode: Scapy vectors and Linux option layout', () => {
  it('SYN with every option: MSS, SACK_PERM, TS, NOP, WS (Linux tcp_options_write)', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/TCP(sport=40000,dport=443,flags='S',
    //   options=[('MSS',1460),('SAckOK',b''),('Timestamp',(12345,0)),('NOP',None),('WScale',7)])
    const expected = hex(
      '4500003c000100004006f6b7c0000201c00002029c4001bb0000000000000000a0022000d5c70000020405b40402080a000030390000000001030307',
    );
    const fields: TcpFields = {
      sport: 40000,
      dport: 443,
      flags: 'S',
      mss: 1460,
      sackok: true,
      tsval: 12345,
      wscale: 7,
    };
    sameBytes(encodePacket([ipv4(A), tcp(fields)]), expected);
  });

  it('SYN without timestamps: MSS, NOP, NOP, SACK_PERM, NOP, WS', () => {
    // ... options=[('MSS',1460),('NOP',None),('NOP',None),('SAckOK',b''),('NOP',None),('WScale',7)]
    const expected = hex(
      '45000034000100004006f6bfc0000201c00002029c4001bb0000000000000000800220002d120000020405b40101040201030307',
    );
    sameBytes(
      encodePacket([ipv4(A), tcp({ sport: 40000, dport: 443, mss: 1460, sackok: 1, wscale: 7 })]),
      expected,
    );
  });

  it('SYN with timestamps but no SACK_PERM: MSS, NOP, NOP, TS, NOP, WS', () => {
    // ... options=[('MSS',1460),('NOP',None),('NOP',None),('Timestamp',(1,2)),('NOP',None),('WScale',7)]
    const expected = hex(
      '4500003c000100004006f6b7c0000201c00002029c4001bb0000000000000000a002200008ff0000020405b40101080a000000010000000201030307',
    );
    sameBytes(
      encodePacket([ipv4(A), tcp({ sport: 40000, dport: 443, mss: 1460, tsval: 1, tsecr: 2, wscale: 7 })]),
      expected,
    );
  });

  it('ACK with timestamps and SACK blocks: NOP, NOP, TS, NOP, NOP, SACK', () => {
    // ... TCP(sport=40000,dport=443,flags='A',seq=1001,ack=2001,window=501,options=[('NOP',None),('NOP',None),
    //   ('Timestamp',(100,200)),('NOP',None),('NOP',None),('SAck',(1000,2000,3000,4000))])
    const expected = hex(
      '45000048000100004006f6abc0000201c00002029c4001bb000003e9000007d1d01001f5c8ab00000101080a00000064000000c801010512000003e8000007d000000bb800000fa0',
    );
    const fields: TcpFields = {
      sport: 40000,
      dport: 443,
      flags: 'A',
      seq: 1001,
      ack: 2001,
      window: 501,
      tsval: 100,
      tsecr: 200,
      sack: '1000-2000;3000-4000',
    };
    sameBytes(encodePacket([ipv4(A), tcp(fields)]), expected);
    sameBytes(
      encodePacket([
        ipv4(A),
        tcp({
          ...fields,
          sack: [
            [1000, 2000],
            [3000, 4000],
          ],
        }),
      ]),
      expected,
    );
  });

  it("defaults are Scapy's, over IPv6", () => {
    // IPv6(src='2001:db8::1',dst='2001:db8::2')/TCP()
    const expected = hex(
      '600000000014064020010db800000000000000000000000120010db800000000000000000000000200140050000000000000000050022000340a0000',
    );
    sameBytes(encodePacket([ipv6(A6), tcp()]), expected);
  });

  it('writes ECE, CWR and AE (flags=SECN, 0x1c2)', () => {
    // IP(src='192.0.2.1',dst='192.0.2.2')/TCP(flags='SECN')
    const expected = hex('45000028000100004006f6cbc0000201c000020200140050000000000000000051c2200009bb0000');
    sameBytes(encodePacket([ipv4(A), tcp({ flags: 'SECN' })]), expected);
    sameBytes(encodePacket([ipv4(A), tcp({ flags: 0x1c2 })]), expected);
  });

  it('data segment with PA', () => {
    // IP(...)/TCP(sport=1024,dport=33333,flags='PA',seq=1,ack=1,window=65535)/bytes(range(64))
    const expected = hex(
      '45000068000100004006f68bc0000201c00002020400823500000001000000015018ffffc14d0000' +
        '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
    );
    const bytes = encodePacket([
      ipv4(A),
      tcp({ sport: 1024, dport: 33333, flags: 'PA', seq: 1, ack: 1, window: 65535 }),
      raw({ len: 64 }),
    ]);
    sameBytes(bytes, expected);
  });

  it('keeps raw options byte-exact (unknown kind), overriding convenience fields', () => {
    // IP(...)/TCP(flags='S',options=[(254,b'\xab\xcd\xef\x01'),('NOP',None),('NOP',None)])
    const expected = hex(
      '45000030000100004006f6c3c0000201c000020200140050000000000000000070022000519b0000fe06abcdef010101',
    );
    sameBytes(encodePacket([ipv4(A), tcp({ options: 'fe06abcdef010101', mss: 1460 })]), expected);
  });

  it('pads raw options to 4 octets unless dataofs is set', () => {
    const padded = encodePacket([tcp({ options: '020405b401' })]);
    expect(padded.length).toBe(28);
    expect(padded[12]! >> 4).toBe(7);
    expect(toHex(padded.subarray(20))).toBe('020405b401000000');
    const exact = encodePacket([tcp({ options: '020405b401', dataofs: 7 })]);
    expect(exact.length).toBe(25);
  });

  it('writes user-set wrong values as set', () => {
    const bytes = encodePacket([ipv4(A), tcp({ dataofs: 3, reserved: 7, chksum: 0xbeef, urgptr: 9 })]);
    expect(bytes[32]).toBe(0x3e);
    expect(toHex(bytes.subarray(36, 40))).toBe('beef0009');
  });

  it('rejects bad values with FieldError', () => {
    expect(() => encodePacket([tcp({ flags: 'SX' })])).toThrow(FieldError);
    expect(() => encodePacket([tcp({ flags: 0x200 })])).toThrow(FieldError);
    expect(() => encodePacket([tcp({ sack: '1-2;x' })])).toThrow(FieldError);
    expect(() => encodePacket([tcp({ seq: 2 ** 32 })])).toThrow(FieldError);
    // 4 (MSS) + 12 (TS) + 4 (WS) + 4 + 3*8 (SACK) = 48 > 40
    expect(() =>
      encodePacket([
        tcp({
          mss: 1,
          tsval: 1,
          wscale: 1,
          sack: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        }),
      ]),
    ).toThrow(FieldError);
  });

  it('parses flags and SACK specs', () => {
    expect(parseTcpFlags('PA')).toBe(0x18);
    expect(parseTcpFlags('SA')).toBe(0x12);
    expect(parseTcpFlags('N')).toBe(0x100);
    expect(parseTcpFlags('SYN+ACK')).toBe(0x12);
    expect(parseTcpFlags('ECE')).toBe(0x40);
    expect(parseTcpFlags('0x11')).toBe(0x11);
    expect(parseTcpFlags('Q')).toBeUndefined();
    expect(tcpFlagLetters(0x1ff)).toBe('FSRPAUECN');
    expect(parseSackBlocks('1000-2000;3000-4000')).toEqual([
      [1000, 2000],
      [3000, 4000],
    ]);
    expect(parseSackBlocks('1000-x')).toBeUndefined();
    // From the spec: NOP NOP SACK_PERM, then NOP NOP SACK with two blocks.
    const fromSpec = encodePacket(parseSpec('tcp(flags=PA,sack=1000-2000;3000-4000,sackok=1)'));
    expect(toHex(fromSpec.subarray(20))).toBe('01010402' + '01010512000003e8000007d000000bb800000fa0');
    const spec = parseSpec('tcp(flags=PA,sack=1000-2000;3000-4000)');
    expect(spec[0]!.fields).toEqual({ flags: 0x18, sack: '1000-2000;3000-4000' });
  });
});

describe('tcp decode', () => {
  const synFull = hex(
    '4500003c000100004006f6b7c0000201c00002029c4001bb0000000000000000a0022000d5c70000020405b40402080a000030390000000001030307',
  );

  it('decodes every field, the parsed options and the convenience values', () => {
    const packet = decodePacket(synFull, { first: 'ipv4' });
    expect(packet.problems).toEqual([]);
    const layer = packet.layers[1]!;
    expect({ ...layer.fields, options: toHex(layer.fields.options as Uint8Array) }).toEqual({
      sport: 40000,
      dport: 443,
      seq: 0,
      ack: 0,
      dataofs: 10,
      reserved: 0,
      flags: 2,
      window: 8192,
      chksum: 0xd5c7,
      urgptr: 0,
      options: '020405b40402080a000030390000000001030307',
    });
    const info = layer.info!;
    expect(info.checksum).toBe('good');
    expect(info.mss).toBe(1460);
    expect(info.sackok).toBe(true);
    expect(info.tsval).toBe(12345);
    expect(info.tsecr).toBe(0);
    expect(info.wscale).toBe(7);
    expect((info.options as TcpOptionInfo[]).map((o) => o.name)).toEqual([
      'MSS',
      'SACK_PERM',
      'TS',
      'NOP',
      'WS',
    ]);
    sameBytes(reencode(synFull, 'ipv4'), synFull);
  });

  it('parses SACK blocks and unknown kinds', () => {
    const ack = hex(
      '45000048000100004006f6abc0000201c00002029c4001bb000003e9000007d1d01001f5c8ab00000101080a00000064000000c801010512000003e8000007d000000bb800000fa0',
    );
    const info = decodePacket(ack, { first: 'ipv4' }).layers[1]!.info!;
    expect(info.sack).toEqual([
      [1000, 2000],
      [3000, 4000],
    ]);
    const unknown = hex(
      '45000030000100004006f6c3c0000201c000020200140050000000000000000070022000519b0000fe06abcdef010101',
    );
    const options = decodePacket(unknown, { first: 'ipv4' }).layers[1]!.info!.options as TcpOptionInfo[];
    expect(options[0]).toEqual({
      kind: 254,
      name: 'kind 254',
      offset: 40,
      length: 6,
      values: { data: hex('abcdef01') },
    });
  });

  it('reports a bad checksum with the right value', () => {
    const bad = synFull.slice();
    bad[36] = 0x12;
    bad[37] = 0x34;
    const packet = decodePacket(bad, { first: 'ipv4' });
    expect(packet.layers[1]!.info!.checksum).toBe('bad');
    expect(packet.problems.map(({ message: _, ...structured }) => structured)).toEqual([
      { layer: 'tcp', offset: 36, kind: 'bad-checksum', field: 'chksum', expected: 0xd5c7, actual: 0x1234 },
    ]);
    sameBytes(reencode(bad, 'ipv4'), bad);
  });

  it('reports a data offset below 5 or beyond the bytes', () => {
    const small = newContext();
    const low = tcpCodec.decode(hex('00140050000000000000000030022000000000000102'), 0, 22, small);
    expect(low.headerLength).toBe(20);
    // The same situation as an IPv4 IHL below 5: a length problem, at the data offset's byte.
    expect(small.problems[0]).toMatchObject({
      kind: 'bad-length',
      offset: 12,
      field: 'dataofs',
      expected: '>= 5',
      actual: 3,
    });
    const big = newContext();
    const high = tcpCodec.decode(hex('0014005000000000000000008002200000000000020405b4'), 0, 24, big);
    expect(high.headerLength).toBe(24);
    expect(big.problems[0]).toMatchObject({ kind: 'truncated', offset: 12, field: 'dataofs', actual: 8 });
    for (const bytes of [
      '00140050000000000000000030022000000000000102',
      '0014005000000000000000008002200000000000020405b4',
    ]) {
      sameBytes(oneLayerRoundTrip(tcpCodec, hex(bytes))!.out, hex(bytes));
    }
  });

  it('reports malformed option lengths', () => {
    const context = newContext();
    tcpCodec.decode(hex('001400500000000000000000600220000000000002010000'), 0, 24, context);
    expect(context.problems.map((p) => p.kind)).toEqual(['malformed']);
  });
});

describe('tcp properties', () => {
  it('decode throws nothing but DecodeError on random and mutated bytes', () => {
    const base = hex('0014005000000000000000008002200000000000020405b4');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc
            .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })
            .map((edits) => {
              const copy = base.slice();
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
        ),
        fc.constantFrom<0 | 4 | 6>(0, 4, 6),
        (bytes, ipVersion) => {
          const buffer = new Uint8Array(40 + bytes.length);
          buffer.set(bytes, 40);
          try {
            tcpCodec.decode(buffer, 40, buffer.length, newContext(ipVersion, 0));
          } catch (error) {
            if (!(error instanceof DecodeError)) throw error;
          }
        },
      ),
    );
  });

  it('decode -> encode is byte-exact for random (valid or not) headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 80 }), (bytes) => {
        const result = oneLayerRoundTrip(tcpCodec, bytes);
        return result !== undefined && sameBytes(result.out, bytes);
      }),
    );
  });

  it('random convenience options survive encode -> decode, checksum good', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            mss: fc.integer({ min: 0, max: 0xffff }),
            wscale: fc.integer({ min: 0, max: 14 }),
            sackok: fc.boolean(),
            tsval: fc.integer({ min: 0, max: 0xffffffff }),
            tsecr: fc.integer({ min: 0, max: 0xffffffff }),
            flags: fc.integer({ min: 0, max: 0x1ff }),
          },
          { requiredKeys: ['flags'] },
        ),
        fc.array(fc.tuple(fc.nat(0xffffffff), fc.nat(0xffffffff)), { maxLength: 2 }),
        (fields, sack) => {
          const all: TcpFields = { ...fields, ...(sack.length > 0 ? { sack } : {}) };
          const bytes = encodePacket([ipv4(A), tcp(all), raw({ len: 5 })]);
          const layer = decodePacket(bytes, { first: 'ipv4' }).layers[1]!;
          const info = layer.info!;
          expect(info.checksum).toBe('good');
          if (all.mss !== undefined) expect(info.mss).toBe(all.mss);
          if (all.wscale !== undefined) expect(info.wscale).toBe(all.wscale);
          if (all.tsval !== undefined) expect(info.tsval).toBe(all.tsval);
          if (all.sackok) expect(info.sackok).toBe(true);
          if (sack.length > 0) expect(info.sack).toEqual(sack);
          expect(layer.fields.flags).toBe(all.flags);
          return sameBytes(reencode(bytes, 'ipv4'), bytes);
        },
      ),
    );
  });
});
