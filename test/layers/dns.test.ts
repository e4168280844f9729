import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { compileTemplate } from '../../src/engine/template.js';
import { dns, dnsCodec, formatDnsName, parseDnsName, parseDnsRecords } from '../../src/layers/dns.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import {
  checkDecodeThrowsOnlyDecodeError,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  hex,
  stackOf,
} from './harness.js';

// RFC 1035 §4.1: header (id, flags, four counts), then the question as labels, QTYPE, QCLASS.
// "shop.example.com" = 04 'shop' 07 'example' 03 'com' 00.
const SHOP = '0473686f70' + '076578616d706c65' + '03636f6d' + '00';
// id 7; flags 0x0100 (RD); QDCOUNT 1; QTYPE A (1), QCLASS IN (1).
const QUERY = `000701000001000000000000${SHOP}00010001`;

function dnsMessage(bytes: Uint8Array) {
  const decoded = decodePacket(bytes, { first: 'dns' });
  const layer = decoded.layers[0];
  if (layer?.layer !== 'dns') throw new Error(`not dns: ${stackOf(decoded)}`);
  return { decoded, layer };
}

describe('dns: encode', () => {
  it('writes a query as RFC 1035 lays it out (RD on by default, counts computed)', () => {
    expect(toHex(encodePacket([dns({ id: 7, qd: 'shop.example.com' })]))).toBe(QUERY);
    expect(toHex(encodePacket(parseSpec('dns(id=7,qd=shop.example.com/A)')))).toBe(QUERY);
    expect(toHex(encodePacket(parseSpec('dns(id=7,qd=shop.example.com./IN/A)')))).toBe(QUERY);
    // AAAA (RFC 3596: type 28) and the root name.
    expect(toHex(encodePacket(parseSpec('dns(qd=./AAAA)')))).toBe(
      '000001000001000000000000' + '00' + '001c0001',
    );
  });

  it('compresses names as RFC 1035 §4.1.4 shows (F.ISI.ARPA, FOO.F.ISI.ARPA, ARPA)', () => {
    // F.ISI.ARPA at offset 12; FOO.F.ISI.ARPA as FOO + a pointer to 12; ARPA as a pointer to its
    // label at 12 + 2 + 4 = 18.
    const fIsiArpa = '0146' + '03495349' + '0441525041' + '00';
    const bytes = encodePacket(
      parseSpec(
        "dns(id=1,qr=1,rd=0,qd=F.ISI.ARPA/A,an='FOO.F.ISI.ARPA 60 A 10.0.0.1; ARPA 60 NS F.ISI.ARPA')",
      ),
    );
    expect(toHex(bytes)).toBe(
      '0001' +
        '8000' +
        '0001000200000000' +
        fIsiArpa +
        '00010001' +
        // FOO.F.ISI.ARPA: 03 FOO, pointer 0xc00c; type A, class IN, TTL 60, rdlength 4, 10.0.0.1
        '03464f4f' +
        'c00c' +
        '0001' +
        '0001' +
        '0000003c' +
        '0004' +
        '0a000001' +
        // ARPA: pointer to 18; type NS, class IN, TTL 60, rdlength 2, rdata a pointer to 12
        'c012' +
        '0002' +
        '0001' +
        '0000003c' +
        '0002' +
        'c00c',
    );
    // compress=0 writes every name in full.
    const plain = encodePacket(
      parseSpec("dns(id=1,qr=1,rd=0,compress=0,qd=F.ISI.ARPA,an='ARPA 60 NS F.ISI.ARPA')"),
    );
    expect(toHex(plain)).toBe(
      '000180000001000100000000' +
        fIsiArpa +
        '00010001' +
        '0441525041' +
        '00' +
        '000200010000003c000c' +
        fIsiArpa,
    );
  });

  it('never compresses an SRV target (RFC 2782) nor a DNAME (RFC 6672), and matches case exactly', () => {
    const srv = encodePacket(
      parseSpec("dns(qd=_sip._tcp.example.com/SRV,an='_sip._tcp.example.com 60 SRV 10 20 5060 example.com')"),
    );
    // The answer's owner is a pointer to 12, the target written in full: 07 example 03 com 00.
    expect(
      toHex(srv).endsWith(
        'c00c' +
          '0021' +
          '0001' +
          '0000003c' +
          '0013' +
          '000a' +
          '0014' +
          '13c4' +
          '076578616d706c6503636f6d00',
      ),
    ).toBe(true);
    const dname = encodePacket(parseSpec("dns(qd=a.example.com,an='a.example.com 1 DNAME example.com')"));
    expect(toHex(dname).endsWith('0027000100000001000d076578616d706c6503636f6d00')).toBe(true);
    // EXAMPLE.com is not example.com on the wire: no pointer between them.
    const cased = encodePacket(parseSpec("dns(qd=example.com,an='EXAMPLE.com 1 A 192.0.2.1')"));
    expect(toHex(cased)).toContain('074558414d504c45' + 'c014');
  });

  it('writes MX, TXT, SOA, generic rdata and EDNS(0) OPT with its options', () => {
    const records = [
      'example.com 3600 IN MX 10 mail.example.com',
      'example.com 300 TXT "v=spf1 -all" "two"',
      'example.com 900 SOA ns1.example.com hostmaster.example.com 2026120601 7200 3600 1209600 300',
      'example.com 60 TYPE65 \\# 3 010203',
    ].join('; ');
    const bytes = encodePacket([
      dns({ qr: 1, compress: false, an: records, ar: 'OPT udp=1232 do nsid= cookie=0102030405060708' }),
    ]);
    const body = toHex(bytes, 12);
    const exampleCom = '076578616d706c6503636f6d00';
    expect(body).toContain(`${exampleCom}000f000100000e100014000a046d61696c${exampleCom}`);
    // TXT: two character strings, 11 and 3 octets.
    expect(body).toContain(`${exampleCom}001000010000012c00100b763d73706631202d616c6c0374776f`);
    // SOA: serial 2026120601 = 0x78c42599, refresh 7200, retry 3600, expire 1209600, minimum 300.
    expect(body).toContain('78c42599' + '00001c20' + '00000e10' + '00127500' + '0000012c');
    expect(body).toContain(`${exampleCom}004100010000003c0003010203`);
    // OPT: root, type 41, UDP size 1232 (0x04d0), TTL 0x00008000 (DO), options NSID (3, empty), COOKIE (10).
    expect(
      body.endsWith(
        '00' + '0029' + '04d0' + '00008000' + '0010' + '00030000' + '000a0008' + '0102030405060708',
      ),
    ).toBe(true);
    expect(toHex(bytes, 4, 12)).toBe('0000000400000001');
  });

  it('adds the 2-octet length prefix over TCP (RFC 7766), also for a second message in the segment', () => {
    const bytes = encodePacket(
      parseSpec('ether/ipv4/tcp(dport=53,flags=PA)/dns(id=7,qd=shop.example.com)/dns(id=8,qd=a.b)'),
    );
    const payload = toHex(bytes, 54);
    expect(payload.startsWith(`0022${QUERY}`)).toBe(true);
    expect(payload.slice(4 + QUERY.length)).toBe(
      '0015' + '0008' + '0100' + '0001000000000000' + '0161016200' + '00010001',
    );
    // Over UDP there is no prefix, and setting one is refused; the ports default to 53.
    const udp = encodePacket(parseSpec('ether/ipv4/udp/dns(id=7,qd=shop.example.com)'));
    expect(toHex(udp, 34, 38)).toBe('00350035');
    expect(toHex(udp, 42)).toBe(QUERY);
    expect(() => encodePacket(parseSpec('ether/ipv4/udp/dns(len=5)'))).toThrow(/TCP length prefix/);
  });

  it('refuses names and rdata that cannot be on the wire, naming the field', () => {
    expect(() => parseDnsName('a..b')).toThrow(/empty label/);
    expect(() => parseDnsName(`${'a'.repeat(64)}.com`)).toThrow(/label of 64 octets/);
    const long = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
    expect(() => parseDnsName(long)).toThrow(/257 octets on the wire, at most 255/);
    expect(
      parseDnsName(Array.from({ length: 4 }, (_, i) => 'a'.repeat(i === 3 ? 61 : 63)).join('.')),
    ).toHaveLength(4);
    expect(() => encodePacket([dns({ an: 'x A 300.1.1.1' })])).toThrow(FieldError);
    expect(() => encodePacket([dns({ an: 'x 60 HTTPS 1 . alpn=h2' })])).toThrow(
      /no text form here; write it as/,
    );
    expect(() => encodePacket([dns({ an: 'x 60 MX mail' })])).toThrow(
      /dns.an: record 1: MX rdata is PREFERENCE EXCHANGE/,
    );
    expect(() => encodePacket([dns({ qd: 'x QQ' })])).toThrow(/neither a type nor a class/);
    expect(() => encodePacket([dns({ an: 'x 60 TYPE99 \\# 3 0102' })])).toThrow(
      /says 3 octets, the hex has 2/,
    );
    expect(() => parseSpec('dns(rcode=16)')).toThrow();
    expect(() => parseSpec('dns(opcode=BOGUS)')).toThrow();
  });

  it('reads names with escapes both ways', () => {
    const name = parseDnsName('a\\.b.c\\032d.\\255');
    expect(name.map((label) => toHex(label))).toEqual(['612e62', '632064', 'ff']);
    expect(formatDnsName(name)).toBe('a\\.b.c\\032d.\\255');
    expect(formatDnsName([])).toBe('.');
    // A name that reads as the OPT keyword is written with its final dot.
    expect(formatDnsName(parseDnsName('opt'))).toBe('opt.');
    expect(parseDnsRecords('opt. 1 A 192.0.2.1')[0]?.name).toHaveLength(1);
  });

  it('takes opcode and rcode by name, and varies the ID in place over UDP and TCP', () => {
    const named = encodePacket(parseSpec('dns(qr=1,opcode=NOTIFY,rcode=NXDOMAIN)'));
    expect(toHex(named, 2, 4)).toBe('a103');
    for (const [spec, at] of [
      ['ether/ipv4/udp/dns(qd=a.example)', 42],
      ['ether/ipv4/tcp(flags=PA)/dns(qd=a.example)', 56],
    ] as const) {
      const layers = parseSpec(spec);
      const template = compileTemplate(layers, ['dns.id=100+']);
      const out = new Uint8Array(template.length);
      template.writePacket(5, out, 0);
      const decoded = decodePacket(out);
      expect(decoded.problems).toEqual([]);
      expect(toHex(out, at, at + 2)).toBe('0069');
      const expected = encodePacket(
        layers.map((layer) =>
          layer.layer === 'dns' ? dns({ ...(layer.fields as object), id: 105 }) : layer,
        ),
      );
      expect(toHex(out)).toBe(toHex(expected));
    }
    expect(() => compileTemplate(parseSpec('ether/ipv4/udp/dns(qd=a.b)'), ['dns.len=1+'])).toThrow(
      /cannot vary/,
    );
  });
});

describe('dns: decode', () => {
  it('reads every header field and the sections as text', () => {
    const { decoded, layer } = dnsMessage(hex(QUERY));
    expect(decoded.problems).toEqual([]);
    expect(layer.fields).toEqual({
      id: 7,
      qr: 0,
      opcode: 0,
      aa: 0,
      tc: 0,
      rd: 1,
      ra: 0,
      z: 0,
      ad: 0,
      cd: 0,
      rcode: 0,
      qdcount: 1,
      ancount: 0,
      nscount: 0,
      arcount: 0,
      qd: 'shop.example.com IN A',
      compress: true,
    });
    expect(dnsCodec.summary?.(layer.fields, layer.info)).toBe('Standard query 0x0007 A shop.example.com');
  });

  it('follows pointers and keeps the bytes exact whatever compression the sender chose', () => {
    // A forward pointer and a pointer into the middle of a label sequence: legal to follow, not what
    // pktcraft writes, so `body` keeps the bytes.
    const forward = `000180000001000100000000c01200010001${SHOP}0001000100000e100004c0000201`;
    const { decoded, layer } = dnsMessage(hex(forward));
    expect(decoded.problems).toEqual([]);
    expect(layer.fields.qd).toBe('shop.example.com IN A');
    expect(layer.fields.an).toBe('shop.example.com 3600 IN A 192.0.2.1');
    expect(toHex(layer.fields.body as Uint8Array)).toBe(forward.slice(24));
    expectRoundTrip(hex(forward), 'dns');
    // A sender that does not compress: compress=false, no body.
    const plain = `000180000001000100000000${SHOP}00010001${SHOP}0001000100000e100004c0000201`;
    expect(dnsMessage(hex(plain)).layer.fields).toMatchObject({
      compress: false,
      an: 'shop.example.com 3600 IN A 192.0.2.1',
    });
    expect(dnsMessage(hex(plain)).layer.fields.body).toBeUndefined();
    expectRoundTrip(hex(plain), 'dns');
  });

  it('stops at pointer loops, pointers past the end and unknown label types, with a malformed problem', () => {
    const header = '000101000001000000000000';
    for (const [name, why] of [
      ['c00c', /pointer loop/],
      ['01610c', /past the end|pointer loop|runs past/],
      ['c0ff', /pointer to 255, past the/],
      ['4161', /label type 0x40/],
      ['0161c00c', /pointer loop|longer than 255/],
    ] as const) {
      const bytes = hex(`${header}${name}00010001`);
      const { decoded, layer } = dnsMessage(bytes);
      expect(decoded.problems.map((p) => p.kind)).toContain('malformed');
      expect(decoded.problems.map((p) => p.message).join()).toMatch(why);
      expect(layer.fields.body).toBeDefined();
      expectRoundTrip(bytes, 'dns');
    }
  });

  it('reports counts the records do not fill and rdata past the end, keeping every byte', () => {
    const short = `000181800001000200000000${SHOP}00010001c00c0001000100000e100004c0000201`;
    const { decoded, layer } = dnsMessage(hex(short));
    expect(decoded.problems).toMatchObject([{ kind: 'truncated', field: 'an' }]);
    expect(layer.fields.an).toBe('shop.example.com 3600 IN A 192.0.2.1');
    expectRoundTrip(hex(short), 'dns');
    const overrun = `000181800001000100000000${SHOP}00010001c00c0001000100000e100009c0000201`;
    expect(dnsMessage(hex(overrun)).decoded.problems).toMatchObject([{ kind: 'bad-length', field: 'an' }]);
    expectRoundTrip(hex(overrun), 'dns');
    // A header cut short is a DecodeError (truncated), the bytes kept raw.
    expect(decodePacket(hex('000101'), { first: 'dns' }).problems).toMatchObject([
      { layer: 'dns', kind: 'truncated' },
    ]);
  });

  it('keeps bytes after the message as raw bytes after it, and an A record of 5 octets in the generic form', () => {
    const odd = `000181800001000100000000${SHOP}00010001c00c000100010000003c0005c000020101beef`;
    const { decoded, layer } = dnsMessage(hex(odd));
    expect(decoded.problems).toEqual([]);
    expect(layer.fields.an).toBe('shop.example.com 60 IN A \\# 5 c000020101');
    expect(stackOf(decoded)).toBe('dns/raw');
    expect(decoded.layers[1]?.fields).toEqual({ data: hex('beef') });
    expectRoundTrip(hex(odd), 'dns');
  });

  it('splits the messages of one TCP segment and keeps one that continues in the next segment', () => {
    const bytes = encodePacket(
      parseSpec('ether/ipv4/tcp(sport=40000,dport=53,flags=PA)/dns(id=1,qd=a.b)/dns(id=2,qd=c.d)'),
    );
    const decoded = expectRoundTrip(bytes, 'ether');
    expect(stackOf(decoded)).toBe('ether/ipv4/tcp/dns/dns');
    // Only the first 20 octets of a 34-octet message in this segment.
    const partial = encodePacket(
      parseSpec(`ether/ipv4/tcp(sport=53,dport=40000,flags=PA)/raw(data=0x0022${QUERY.slice(0, 40)})`),
    );
    const cut = decodePacket(partial);
    expect(stackOf(cut)).toBe('ether/ipv4/tcp/dns');
    expect(cut.problems).toEqual([]);
    expect(cut.layers[3]?.info).toMatchObject({ continues: 14 });
    expectRoundTrip(partial, 'ether');
  });

  it('round-trips through JSON and the text spec, EDNS and TXT included', () => {
    const bytes = encodePacket([
      dns({
        id: 0xbeef,
        qr: 1,
        aa: 1,
        qd: 'example.com TXT',
        an: 'example.com 5 TXT "a \\"quoted\\" ; / string" bare',
        ns: 'example.com 60 NS ns1.example.com',
        ar: 'ns1.example.com 60 AAAA 2001:db8::53; OPT udp=4096 version=1 ercode=1 do z=3 15=0001 padding=0000',
      }),
    ]);
    expectJsonAndSpecRoundTrip(toHex(bytes), 'dns');
    const { layer } = dnsMessage(bytes);
    expect(layer.fields.an).toBe('example.com 5 IN TXT "a \\"quoted\\" ; / string" "bare"');
    expect(layer.fields.ar).toBe(
      'ns1.example.com 60 IN AAAA 2001:db8::53; OPT udp=4096 ercode=1 version=1 do z=3 15=0001 padding=0000',
    );
    expect(layer.info).toMatchObject({ rcodeName: 'BADVERS', ednsUdpPayloadSize: 4096 });
  });
});

describe('dns: robustness', () => {
  it('decode throws nothing but DecodeError on any bytes', () => {
    checkDecodeThrowsOnlyDecodeError(dnsCodec, 200);
  });

  it('any bytes decode and re-encode identically, over UDP and over TCP', () => {
    const seeds = [
      hex(QUERY),
      encodePacket(
        parseSpec(
          "dns(qr=1,qd=a.example.com,an='a.example.com 1 CNAME b.example.com; b.example.com 1 A 192.0.2.1; b.example.com 1 MX 5 a.example.com',ns='example.com 1 SOA a.example.com b.example.com 1 2 3 4 5',ar='OPT udp=512 cookie=00')",
        ),
      ),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.boolean(),
        (source, edits, cut, overTcp) => {
          let bytes = Uint8Array.from(source);
          for (const [position, value] of edits) bytes[position % bytes.length] = value;
          if (cut !== undefined) bytes = bytes.subarray(0, cut % (bytes.length + 1));
          if (!overTcp) {
            expectRoundTrip(bytes, 'dns');
            return;
          }
          const segment = encodePacket(
            parseSpec(
              `ether/ipv4/tcp(sport=53,dport=40000,flags=PA)/raw(data=0x${toHex(bytes.length ? Uint8Array.of(0, bytes.length, ...bytes) : bytes)})`,
            ),
          );
          expectRoundTrip(segment, 'ether');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a message of pointers that all point at each other decodes at once', () => {
    // 2000 questions, each name a pointer to the next one's: the first read hits the hop bound.
    const names = Array.from({ length: 2000 }, (_, i) => {
      const target = 12 + ((i + 1) % 2000) * 6;
      return `${toHex(Uint8Array.of(0xc0 | (target >> 8), target & 0xff))}00010001`;
    }).join('');
    const bytes = hex(`0001010007d0000000000000${names}`);
    const { decoded } = dnsMessage(bytes);
    expect(decoded.problems[0]?.kind).toBe('malformed');
    expectRoundTrip(bytes, 'dns');
  });
});
