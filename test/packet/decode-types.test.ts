/**
 * Typed decode results: `DecodedLayer` is a union discriminated on `layer`. The types claim which
 * fields every decoded layer of a kind has and what they hold (addresses as text, bytes as
 * Uint8Array, flags as numbers); these tests check the claims against real decodes, so a decoder
 * that leaves one out (or a type that promises too much) fails here.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LayerName } from '../../src/layers/layer.js';
import { type DecodedLayer, type DecodedLayerOf, decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';

type Kind = 'number' | 'string' | 'bytes' | 'boolean' | 'list';

/** Per layer: the fields every decode of it gives, with what they hold (mirrors the XDecodedFields types). */
const ALWAYS: { readonly [N in LayerName]: Readonly<Record<string, Kind>> } = {
  ether: { dst: 'string', src: 'string', type: 'number' },
  dot1q: { pcp: 'number', dei: 'number', vlan: 'number', type: 'number' },
  arp: {
    hwtype: 'number',
    ptype: 'number',
    hwlen: 'number',
    plen: 'number',
    op: 'number',
    hwsrc: 'string',
    psrc: 'string',
    hwdst: 'string',
    pdst: 'string',
  },
  ipv4: {
    version: 'number',
    ihl: 'number',
    tos: 'number',
    len: 'number',
    id: 'number',
    flags: 'number',
    frag: 'number',
    ttl: 'number',
    proto: 'number',
    chksum: 'number',
    src: 'string',
    dst: 'string',
    options: 'bytes',
  },
  ipv6: {
    version: 'number',
    tc: 'number',
    fl: 'number',
    plen: 'number',
    nh: 'number',
    hlim: 'number',
    src: 'string',
    dst: 'string',
  },
  ipv6hop: { nh: 'number', len: 'number', options: 'bytes' },
  ipv6dest: { nh: 'number', len: 'number', options: 'bytes' },
  ipv6route: { nh: 'number', len: 'number', type: 'number', segleft: 'number', data: 'bytes' },
  ipv6frag: { nh: 'number', res: 'number', offset: 'number', res2: 'number', m: 'number', id: 'number' },
  icmp: { type: 'number', code: 'number', chksum: 'number' },
  icmpv6: { type: 'number', code: 'number', chksum: 'number' },
  udp: { sport: 'number', dport: 'number', len: 'number', chksum: 'number' },
  tcp: {
    sport: 'number',
    dport: 'number',
    seq: 'number',
    ack: 'number',
    dataofs: 'number',
    reserved: 'number',
    flags: 'number',
    window: 'number',
    chksum: 'number',
    urgptr: 'number',
    options: 'bytes',
  },
  gtpu: { flags: 'number', type: 'number', len: 'number', teid: 'number' },
  vxlan: { flags: 'number', gbp: 'number', vni: 'number', reserved: 'number' },
  geneve: {
    version: 'number',
    optionlen: 'number',
    oam: 'number',
    critical: 'number',
    reserved: 'number',
    proto: 'number',
    vni: 'number',
    reserved2: 'number',
    options: 'bytes',
  },
  tls: { type: 'number', version: 'number', len: 'number' },
  clienthello: {
    len: 'number',
    version: 'number',
    random: 'bytes',
    session_id: 'bytes',
    cipher_suites: 'list',
    extensions: 'list',
  },
  raw: { data: 'bytes' },
  mysql: { len: 'number', seq: 'number', msg: 'string' },
  gtpv2: {
    version: 'number',
    p: 'number',
    t: 'number',
    mp: 'number',
    spare: 'number',
    type: 'number',
    len: 'number',
    seq: 'number',
    spare2: 'number',
  },
  dns: {
    id: 'number',
    qr: 'number',
    opcode: 'number',
    aa: 'number',
    tc: 'number',
    rd: 'number',
    ra: 'number',
    z: 'number',
    ad: 'number',
    cd: 'number',
    rcode: 'number',
    qdcount: 'number',
    ancount: 'number',
    nscount: 'number',
    arcount: 'number',
  },
  mpls: { label: 'number', tc: 'number', s: 'number', ttl: 'number' },
  gre: {
    c: 'number',
    r: 'number',
    k: 'number',
    s: 'number',
    reserved0: 'number',
    version: 'number',
    proto: 'number',
  },
  sll: { pkttype: 'number', hatype: 'number', halen: 'number', addr: 'bytes', proto: 'number' },
  sll2: {
    proto: 'number',
    reserved: 'number',
    ifindex: 'number',
    hatype: 'number',
    pkttype: 'number',
    halen: 'number',
    addr: 'bytes',
  },
  null: { family: 'number', be: 'number' },
  loop: { family: 'number' },
};

/** Per layer: the info keys every decode of it gives (undefined: the layer gives no info). */
const INFO: { readonly [N in LayerName]: Readonly<Record<string, Kind>> | undefined } = {
  ether: undefined,
  dot1q: undefined,
  raw: undefined,
  arp: { operation: 'string' },
  ipv4: {
    dscp: 'number',
    ecn: 'number',
    flags: 'string',
    fragment: 'boolean',
    checksum: 'string',
    options: 'list',
  },
  ipv6: { dscp: 'number', ecn: 'number' },
  ipv6hop: { options: 'list' },
  ipv6dest: { options: 'list' },
  ipv6route: {},
  ipv6frag: { fragment: 'boolean' },
  icmp: { typeName: 'string', checksum: 'string' },
  icmpv6: { typeName: 'string', checksum: 'string' },
  udp: { checksum: 'string' },
  tcp: { flagNames: 'string', flagLetters: 'string', options: 'list', checksum: 'string' },
  gtpu: { version: 'number', pt: 'number', e: 'number', s: 'number', pn: 'number', message: 'string' },
  vxlan: { flagNames: 'list', vniValid: 'boolean' },
  geneve: { options: 'list' },
  tls: { records: 'list' },
  clienthello: { ja3: 'string', ja3_full: 'string', ja4: 'string', ja4_r: 'string' },
  mysql: { message: 'string' },
  gtpv2: { message: 'string', fteids: 'list' },
  dns: {
    message: 'string',
    opcodeName: 'string',
    rcodeName: 'string',
    compressed: 'boolean',
    questions: 'list',
    answers: 'list',
  },
  mpls: undefined,
  gre: { checksum: 'string' },
  sll: { mac: 'string' },
  sll2: { mac: 'string' },
  null: undefined,
  loop: undefined,
};

function kindOf(value: unknown): Kind | 'other' {
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'list';
  const type = typeof value;
  return type === 'number' || type === 'string' || type === 'boolean' ? type : 'other';
}

const SPECS = [
  'ether/dot1q(vlan=10)/ipv4(src=192.0.2.1,dst=192.0.2.2,options=0x01010100)/udp(sport=4000,dport=4789)/vxlan(vni=5)/ether/ipv6/tcp(flags=S,mss=1460,sackok=1)/raw(len=16)',
  'ether/ipv4/udp(dport=2152)/gtpu(teid=1,seq=5,qfi=9)/ipv4/icmp(id=1,seq=2)/raw(len=8)',
  'ether/ipv4/icmp(type=3,code=4)/ipv4/udp/raw(len=8)',
  'ether/arp(op=2)',
  'ether/ipv6/ipv6hop/ipv6route(addresses="[\\"2001:db8::1\\"]")/ipv6frag(id=7)/ipv6dest/udp/raw(len=4)',
  'ether/ipv6/icmpv6(type=128,id=1,seq=1)/raw(len=8)',
  'ether/ipv6/icmpv6(type=136,flags=S,target=2001:db8::2)',
  'ether/ipv6(plen=30)/icmpv6(type=2,mtu=1280)/ipv6/udp/raw(len=4)',
  'ether/ipv4/tcp(dport=443,flags=PA)/tls/clienthello(sni=shop.example.com,alpn=h2)',
  'ether/ipv4/udp(dport=6081)/geneve(vni=7,options=0x0102030100000000)/ether/ipv4/udp/raw(len=4)',
  'ether/ipv4/tcp(sport=40000,dport=3306,flags=PA)/mysql(query="SELECT 1")/mysql(msg=raw,seq=1,data=0x00)',
  'ether/mpls(label=16004)/mpls(label=20,tc=3)/ipv4/udp/raw(len=4)',
  'ether/ipv4/gre(c=1,key=7,seq=1)/ipv4/udp/raw(len=4)',
  'sll(addr=0x020000000001)/ipv4/udp/raw(len=4)',
  'sll2(ifindex=3,addr=0x020000000001)/ipv6/udp/raw(len=4)',
  'null/ipv4/udp/raw(len=4)',
  'loop/ipv6/udp/raw(len=4)',
  "ether/ipv4/udp/gtpv2(type=create_session_request,seq=1,ies='imsi=001010123456789; fteid=s11-mme/1/10.0.0.1; bearer(ebi=5)')",
  "ether/ipv4/udp/dns(id=7,qd=shop.example.com/A,an='shop.example.com 300 A 198.51.100.10')",
];

describe('typed decode results', () => {
  it('every decoded layer has the fields and info its type promises, holding what it says', () => {
    const seen = new Set<string>();
    for (const spec of SPECS) {
      const built = parseSpec(spec);
      const { layers } = decodePacket(encodePacket(built), { first: built[0]?.layer ?? 'ether' });
      for (const layer of layers) {
        seen.add(layer.layer);
        const fields: Readonly<Record<string, unknown>> = layer.fields;
        for (const [key, kind] of Object.entries(ALWAYS[layer.layer]))
          expect(kindOf(fields[key]), `${spec}: ${layer.layer}.${key}`).toBe(kind);
        const info = INFO[layer.layer];
        if (info === undefined) expect(layer.info, `${spec}: ${layer.layer} info`).toBeUndefined();
        else {
          expect(layer.info, `${spec}: ${layer.layer} info`).toBeDefined();
          const got: Readonly<Record<string, unknown>> = layer.info ?? {};
          for (const [key, kind] of Object.entries(info))
            expect(kindOf(got[key]), `${spec}: ${layer.layer} info.${key}`).toBe(kind);
        }
      }
    }
    // The corpus reaches every layer the packet model knows.
    expect([...seen].sort()).toEqual(Object.keys(ALWAYS).sort());
  });

  it('narrows on layer: fields and info typed without casts', () => {
    const { layers } = decodePacket(
      encodePacket(parseSpec('ether/ipv4(src=192.0.2.1)/tcp(sport=1234,flags=SA,mss=1400)/raw(len=4)')),
    );
    const segment = layers.find((layer): layer is DecodedLayerOf<'tcp'> => layer.layer === 'tcp');
    if (segment === undefined) throw new Error('no TCP layer');
    expectTypeOf(segment.fields.sport).toEqualTypeOf<number>();
    expectTypeOf(segment.fields.flags).toEqualTypeOf<number>();
    expectTypeOf(segment.fields.options).toEqualTypeOf<Uint8Array>();
    expectTypeOf(segment.info.checksum).toEqualTypeOf<'good' | 'bad' | 'unverified'>();
    expectTypeOf(segment.info.mss).toEqualTypeOf<number | undefined>();
    expect(segment.fields.sport).toBe(1234);
    expect(segment.fields.flags).toBe(0x12);
    expect(segment.info.mss).toBe(1400);
    expect(segment.info.checksum).toBe('good');

    const ip = layers[1];
    if (ip?.layer !== 'ipv4') throw new Error('no IPv4 layer');
    expectTypeOf(ip.fields.src).toEqualTypeOf<string>();
    expectTypeOf(ip.info.checksum).toEqualTypeOf<'good' | 'bad' | 'none'>();
    expect(ip.fields.src).toBe('192.0.2.1');
    expect(ip.info.checksum).toBe('good');

    const link = layers[0];
    if (link?.layer !== 'ether') throw new Error('no Ethernet layer');
    expectTypeOf(link.info).toEqualTypeOf<undefined>();
    expectTypeOf(link.fields.dst).toEqualTypeOf<string>();
    expectTypeOf<DecodedLayer['layer']>().toEqualTypeOf<LayerName>();
  });
});
