import { describe, expect, it } from 'vitest';
import { formatIPv6, formatMac, numberToIpv4 } from '../../src/core/address.js';
import { toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { type CompiledTemplate, compileTemplate } from '../../src/engine/template.js';
import { parseVary } from '../../src/engine/vary.js';
import { workloads } from '../../src/engine/workloads.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';
import { parseSpec } from '../../src/packet/spec.js';
import { BIT_FIELDS_AND_ADDRESSES, CHECKSUM_CASES, VXLAN_DERIVED_PORT } from './cases.js';

/** Packet `index` written by the engine at an odd offset inside a bigger buffer (to catch alignment bugs). */
function engineBytes(template: CompiledTemplate, index: number): string {
  const out = new Uint8Array(template.length + 7).fill(0xaa);
  template.writePacket(index, out, 5);
  expect(out[4]).toBe(0xaa);
  expect(out[5 + template.length]).toBe(0xaa);
  return toHex(out, 5, 5 + template.length);
}

/** The same packet through the ordinary API: every varied field set explicitly in a copy of the layers. */
function explicitBytes(template: CompiledTemplate, index: number): string {
  const layers: LayerValue[] = template.layers.map((layer) => ({ ...layer, fields: { ...layer.fields } }));
  template.fields.forEach((field, f) => {
    const value = template.valueAt(f, index);
    const fields = layers[field.layerIndex]!.fields as Record<string, unknown>;
    if (field.spec.layer === 'raw') {
      const data = encodePacket([layers[field.layerIndex]!]).slice();
      const at = field.offset - template.layout.offsets[field.layerIndex]!;
      for (let b = field.width - 1, v = value; b >= 0; b--, v >>= 8n) data[at + b] = Number(v & 0xffn);
      layers[field.layerIndex] = { layer: 'raw', fields: { data } };
      return;
    }
    const bytes = new Uint8Array(16);
    for (let b = 15, v = value; b >= 0; b--, v >>= 8n) bytes[b] = Number(v & 0xffn);
    fields[field.spec.field] =
      field.kind === 'ipv4'
        ? numberToIpv4(Number(value))
        : field.kind === 'mac'
          ? formatMac(bytes, 10)
          : field.kind === 'ipv6'
            ? formatIPv6(bytes, 0)
            : Number(value);
  });
  return toHex(encodePacket(layers));
}

function expectSame(template: CompiledTemplate, indices: Iterable<number>): void {
  for (const i of indices) expect(engineBytes(template, i), `packet ${i}`).toBe(explicitBytes(template, i));
}

const EDGES = [
  0,
  1,
  2,
  255,
  256,
  4095,
  4096,
  16383,
  16384,
  59999,
  60000,
  65535,
  65536,
  999_999,
  16_777_215,
  16_777_216,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
];

describe('engine template vs encodePacket', () => {
  for (const name of ['gtpu', 'vxlan'] as const) {
    it(`${name} workload: engine bytes equal encodePacket of the explicit packet (every checksum)`, () => {
      const workload = workloads[name];
      const template = compileTemplate(workload.layers, workload.vary);
      const indices = [...Array.from({ length: 3000 }, (_, i) => i), ...EDGES];
      for (const i of indices) {
        const want = toHex(encodePacket(workload.packet(i)));
        expect(engineBytes(template, i), `packet ${i}`).toBe(want);
      }
      // And the workload's own explicit builder agrees with the generic one.
      expectSame(template, [0, 7, 65536]);
    });
  }

  it('every checksum of engine output verifies when decoded (gtpu, vxlan)', () => {
    for (const name of ['gtpu', 'vxlan'] as const) {
      const template = compileTemplate(workloads[name].layers, workloads[name].vary);
      const out = new Uint8Array(template.length);
      for (const i of [3, 12345, 2 ** 32 - 7]) {
        template.writePacket(i, out, 0);
        const decoded = decodePacket(out);
        expect(decoded.problems).toEqual([]);
        expect(decoded.layers.map((l) => l.layer)).toContain('tcp');
      }
    }
  });

  it('bit fields, addresses, lists, random and inner occurrences', () => {
    const template = compileTemplate(parseSpec(BIT_FIELDS_AND_ADDRESSES[0]), BIT_FIELDS_AND_ADDRESSES[1]);
    expectSame(template, [...Array.from({ length: 500 }, (_, i) => i), ...EDGES]);
  });

  it('derives the VXLAN outer source port (flow hash) when it is left out and inner fields vary', () => {
    const template = compileTemplate(parseSpec(VXLAN_DERIVED_PORT[0]), VXLAN_DERIVED_PORT[1]);
    expectSame(
      template,
      Array.from({ length: 300 }, (_, i) => i * 37),
    );
  });

  it('IPv6 UDP, ICMP echo and ICMPv6 echo checksums', () => {
    for (const [spec, vary] of CHECKSUM_CASES)
      expectSame(
        compileTemplate(parseSpec(spec), vary),
        Array.from({ length: 400 }, (_, i) => i * 131),
      );
  });

  it('a UDP checksum that computes to 0 is sent as 0xFFFF; TCP and ICMP keep every value (all 65536 sums)', () => {
    for (const [spec, every] of [
      ['ipv4/udp(sport=7,dport=9)/raw(len=6)', 1],
      ['ether/ipv4/tcp/raw(len=6)', 17],
    ] as const) {
      const template = compileTemplate(parseSpec(spec), ['raw.u16@0=0+']);
      expectSame(
        template,
        Array.from({ length: Math.ceil(65536 / every) }, (_, i) => i * every),
      );
    }
    const udp = compileTemplate(parseSpec('ipv4/udp(sport=7,dport=9)/raw(len=6)'), ['raw.u16@0=0+']);
    const out = new Uint8Array(udp.length);
    const sums = new Set<string>();
    for (let i = 0; i < 65536; i++) {
      udp.writePacket(i, out, 0);
      sums.add(toHex(out, 26, 28));
    }
    expect(sums.has('ffff')).toBe(true);
    expect(sums.has('0000')).toBe(false);
  });

  it('keeps a checksum the packet sets explicitly, as encodePacket does', () => {
    const layers = parseSpec('ether/ipv4(chksum=0x1234)/udp(sport=1,dport=2,chksum=0)/raw(len=4)');
    const template = compileTemplate(layers, ['ipv4.src=10.0.0.1+', 'udp.sport=1+']);
    expectSame(template, [0, 1, 2, 1000]);
    const out = new Uint8Array(template.length);
    template.writePacket(5, out, 0);
    expect(toHex(out, 24, 26)).toBe('1234');
  });

  it('the same seed gives the same random values; another seed others', () => {
    const layers = parseSpec('ether/ipv4/udp/raw(len=4)');
    const a = compileTemplate(layers, ['udp.sport=random'], { seed: 5 });
    const b = compileTemplate(layers, ['udp.sport=random'], { seed: 5 });
    const c = compileTemplate(layers, ['udp.sport=random'], { seed: 6 });
    const values = (t: CompiledTemplate) => Array.from({ length: 50 }, (_, i) => t.valueAt(0, i));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    expect(new Set(values(a)).size).toBeGreaterThan(40);
    const ranged = compileTemplate(layers, ['udp.sport=random(10..12)']);
    const seen = new Set(Array.from({ length: 200 }, (_, i) => Number(ranged.valueAt(0, i))));
    expect([...seen].sort()).toEqual([10, 11, 12]);
  });
});

describe('vary syntax', () => {
  it('parses names with occurrences', () => {
    expect(parseVary('gtpu.teid=1..1000000')).toMatchObject({
      layer: 'gtpu',
      occurrence: 0,
      field: 'teid',
      expression: '1..1000000',
    });
    expect(parseVary('ipv4[1].src=10.0.0.0+')).toMatchObject({ layer: 'ipv4', occurrence: 1, field: 'src' });
    expect(parseVary('ipv4[-1].dst=1.2.3.4')).toMatchObject({ occurrence: -1 });
  });

  it('refuses what it cannot do, with a FieldError naming the field', () => {
    const layers = workloads.gtpu.layers;
    const refuse = (vary: string, message: RegExp) => {
      expect(() => compileTemplate(layers, [vary])).toThrow(FieldError);
      expect(() => compileTemplate(layers, [vary])).toThrow(message);
    };
    refuse('udp.len=1..9', /length/);
    refuse('ipv4.ihl=5..6', /header length/);
    refuse('tcp.chksum=1', /computed/);
    refuse('tcp.dataofs=5', /data offset/);
    refuse('gtpu.seq=1+', /optional octets/);
    refuse('ipv4[2].src=1.2.3.4', /2 ipv4 layers/);
    refuse('vxlan.vni=1', /0 vxlan layers/);
    refuse('udp.sport=70000', /does not fit in 16 bits/);
    refuse('udp.sport=9..3', /empty range/);
    refuse('ipv4.src=10.0.0.300+', /not an IPv4 address/);
    refuse('raw.u32@62=1', /past the 64-byte payload/);
    refuse('nope.x=1', /unknown layer/);
    refuse('udp.sport', /FIELD=EXPR/);
    expect(() => compileTemplate(layers, ['udp.sport=1', 'udp[0].sport=2'])).toThrow(/varied twice/);
  });
});
