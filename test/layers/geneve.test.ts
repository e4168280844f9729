import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError, FieldError } from '../../src/core/errors.js';
import { compileTemplate } from '../../src/engine/template.js';
import { geneveCodec, parseGeneveOptions } from '../../src/layers/geneve.js';
import { defaultBindings } from '../../src/layers/numbers.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { layersFromJson, packetToJson } from '../../src/packet/json.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

const OUTER = 'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=40000)';
// RFC 8926 §3.4 layout, written out by hand: version 0, optlen 3 (12 bytes), O=1, C=1, reserved 0,
// protocol 0x6558, VNI 0xabcdef, reserved 0, then one option: class 0x0102, type 0x80, length 2.
const HEADER = '03c06558abcdef00' + '0102800211223344' + '55667788';

/** Where the Geneve header starts in an Ethernet / IPv4 / UDP packet. */
function geneveAt(_bytes: Uint8Array): number {
  return 14 + 20 + 8;
}

describe('geneve', () => {
  it('encodes the RFC 8926 header: bindings fill UDP 6081 and the protocol type from the payload', () => {
    const spec = `${OUTER}/geneve(vni=0xabcdef,oam=1,critical=1,options=0x010280021122334455667788)/ether/ipv4/icmp`;
    const bytes = encodePacket(parseSpec(spec));
    const at = geneveAt(bytes);
    expect(toHex(bytes, at - 6, at - 4)).toBe('17c1'); // UDP destination port 6081
    expect(toHex(bytes, at, at + 20)).toBe(HEADER);
    const overIp = encodePacket(parseSpec(`${OUTER}/geneve/ipv4/icmp`));
    expect(toHex(overIp, at + 2, at + 4)).toBe('0800');
    const overIp6 = encodePacket(parseSpec(`${OUTER}/geneve/ipv6/icmpv6`));
    expect(toHex(overIp6, at + 2, at + 4)).toBe('86dd');
    const alone = encodePacket(parseSpec(`${OUTER}/geneve`));
    expect(toHex(alone, at, at + 8)).toBe('0000000000000000');
  });

  it('decodes every field, the options as given and parsed, and the payload by protocol type', () => {
    const spec = `${OUTER}/geneve(vni=0xabcdef,oam=1,critical=1,options=0x010280021122334455667788)/ether/ipv4/icmp`;
    const decoded = decodePacket(encodePacket(parseSpec(spec)));
    expect(decoded.problems).toEqual([]);
    expect(decoded.layers.map((l) => l.layer)).toEqual([
      'ether',
      'ipv4',
      'udp',
      'geneve',
      'ether',
      'ipv4',
      'icmp',
    ]);
    const layer = decoded.layers[3];
    expect(layer?.fields).toMatchObject({
      version: 0,
      optionlen: 3,
      oam: 1,
      critical: 1,
      reserved: 0,
      proto: 0x6558,
      vni: 0xabcdef,
      reserved2: 0,
    });
    expect(toHex(layer?.fields.options as Uint8Array)).toBe('010280021122334455667788');
    expect(layer?.info?.options).toEqual([
      {
        class: 0x0102,
        type: 0x80,
        length: 8,
        data: Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
      },
    ]);
    expect(decoded.layers[4]?.layer).toBe('ether');
    const v6 = decodePacket(encodePacket(parseSpec(`${OUTER}/geneve/ipv6/udp/raw(len=3)`)));
    expect(v6.layers.map((l) => l.layer)).toEqual(['ether', 'ipv4', 'udp', 'geneve', 'ipv6', 'udp', 'raw']);
  });

  it('round-trips through the text spec and JSON byte-exact, odd fields included', () => {
    for (const spec of [
      `${OUTER}/geneve(vni=1)/ether/ipv4/udp/raw(len=4)`,
      `${OUTER}/geneve(version=0,optionlen=1,reserved=0x3f,reserved2=0xff,proto=0x1234,options=0xffff0100)/raw(len=9)`,
      `${OUTER}/geneve(oam=1,options=0x0001000000020101cafe0001)/ipv6/tcp`,
    ]) {
      const bytes = encodePacket(parseSpec(spec));
      const decoded = decodePacket(bytes);
      expect(toHex(encodePacket(parseSpec(formatSpec(decoded.layers))))).toBe(toHex(bytes));
      const json = JSON.parse(JSON.stringify(packetToJson(decoded)));
      expect(toHex(encodePacket(layersFromJson(json)))).toBe(toHex(bytes));
    }
  });

  it('reports a version other than 0 and a malformed option; leaves the payload raw on an unknown version', () => {
    const bytes = encodePacket(parseSpec(`${OUTER}/geneve(version=1,options=0x00010003)/ether/ipv4`));
    const decoded = decodePacket(bytes);
    expect(decoded.layers.map((l) => l.layer)).toEqual(['ether', 'ipv4', 'udp', 'geneve', 'raw']);
    const geneveProblems = decoded.problems.filter((p) => p.layer === 'geneve');
    expect(geneveProblems.map((p) => [p.kind, p.offset])).toEqual([
      ['malformed', geneveAt(bytes) + 8],
      ['bad-value', geneveAt(bytes)],
    ]);
    expect(parseGeneveOptions(Uint8Array.from([0, 1, 2]))).toEqual({ options: [], malformed: true });
  });

  it('refuses out-of-range values and too many options; a header cut short is a typed DecodeError', () => {
    expect(() =>
      encodePacket([...parseSpec(OUTER), { layer: 'geneve', fields: { vni: 0x1000000 } }]),
    ).toThrow(FieldError);
    expect(() =>
      encodePacket([...parseSpec(OUTER), { layer: 'geneve', fields: { options: new Uint8Array(256) } }]),
    ).toThrow(FieldError);
    const bytes = encodePacket(parseSpec(`${OUTER}/geneve(options=0x0001000100000000)`));
    const header = bytes.subarray(geneveAt(bytes));
    expect(decodeGeneveDirect(header)).toMatchObject({ headerLength: 16 });
    for (const cut of [4, 12]) {
      let error: unknown;
      try {
        decodeGeneveDirect(header.subarray(0, cut));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect(error).toMatchObject({ layer: 'geneve', offset: 0 });
    }
  });

  it('varies with --vary geneve.vni=..., byte-identical to encoding each packet', () => {
    const layers = parseSpec(
      `${OUTER}/geneve(options=0x0102800100000007)/ether/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp/raw(len=6)`,
    );
    const template = compileTemplate(layers, ['geneve.vni=100+']);
    const out = new Uint8Array(template.length);
    for (const index of [0, 1, 77, 5000]) {
      template.writePacket(index, out, 0);
      const expected = encodePacket(
        layers.map((layer) =>
          layer.layer === 'geneve' ? { ...layer, fields: { ...layer.fields, vni: 100 + index } } : layer,
        ),
      );
      expect(toHex(out)).toBe(toHex(expected));
    }
    expect(() => compileTemplate(layers, ['geneve.optionlen=1+'])).toThrow(/cannot vary: it is a length/);
    expect(() => compileTemplate(layers, ['geneve.version=1'])).toThrow(/cannot vary: it shapes/);
  });
});

function decodeGeneveDirect(bytes: Uint8Array): unknown {
  return geneveCodec.decode(bytes, 0, bytes.length, {
    problems: [],
    bindings: defaultBindings,
    ipVersion: 0,
    ipOffset: 0,
    insideIcmpError: false,
  });
}
