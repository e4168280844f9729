import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { fillRecords, recordLength } from '../../src/engine/generate.js';
import { compileTemplate } from '../../src/engine/template.js';
import { workloads } from '../../src/engine/workloads.js';
import { parseSpec } from '../../src/packet/spec.js';

/**
 * The generated writers against the interpreter, which template.test.ts checks against encodePacket of
 * explicit packets (Scapy and tshark check encodePacket in turn).
 */

const CASES: [string, string[]][] = [
  [
    'ether/dot1q(vlan=10)/ipv4(src=192.0.2.1,dst=192.0.2.2,flags=DF)/udp(sport=4000,dport=4789)/vxlan(vni=5)/ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=1,dport=2,flags=S)/raw(len=16)',
    [
      'dot1q.vlan=1..4094',
      'dot1q.pcp=0..7',
      'ipv4.flags=0..7',
      'ipv4.frag=0..8191',
      'ipv4.dscp=random(seed=3)',
      'ipv4.ttl=1,64,255',
      'ether[1].src=02:00:00:00:00:fe+',
      'ether.dst=random',
      'ipv6.src=2001:db8::ffff:fff0+',
      'ipv6[-1].dst=random(2001:db8::1..2001:db8::ff)',
      'ipv6.fl=0xffff0+',
      'tcp.flags=S,SA,A,PA,FA,R',
      'tcp.seq=4294967290+3',
      'tcp.window=random(100..200,seed=9)',
      'vxlan.vni=16777214+',
      'raw.u16@3=random',
      'raw.u32@12=7..9',
    ],
  ],
  [
    'ether/ipv4/udp/vxlan(vni=7)/ether/ipv4(src=10.1.0.1)/udp(sport=5000,dport=6000)/raw(len=20)',
    ['ipv4[1].src=10.1.0.1+', 'udp[1].sport=5000..5999'],
  ],
  [
    'ether/ipv6/udp(sport=1000,dport=2000)/raw(len=9)',
    ['udp.sport=1000+', 'ipv6.hlim=1..255', 'raw.u8@8=0+'],
  ],
  ['ipv4(src=198.51.100.1)/icmp(id=1,seq=1)/raw(len=56)', ['icmp.seq=0+', 'icmp.id=random', 'ipv4.id=0+']],
  ['ether/ipv6/icmpv6(type=128,id=1,seq=1)/raw(len=8)', ['icmpv6.seq=0+', 'ipv6.src=2001:db8::1+']],
  [
    'ether/ipv4/udp(dport=2152)/gtpu(teid=1,seq=5)/ipv4/udp/raw(len=3)',
    ['gtpu.seq=0+', 'gtpu.teid=random', 'udp[1].dport=1..9'],
  ],
  ['ether/ipv4/udp(sport=7,dport=9)/raw(len=200)', ['raw.u32@0=0+', 'raw.u32@100=random', 'udp.sport=0+7']],
  ['ether/ipv4/tcp/raw(len=4)', ['ether.src=random(seed=5)', 'ipv4.dst=random', 'tcp.ack=random(seed=77)']],
];

const INDICES = [
  0,
  1,
  2,
  255,
  256,
  65535,
  65536,
  16_777_215,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 40 + 3,
];

describe('generated template writers', () => {
  it('write the same bytes as the interpreter, at any offset, for every generator and checksum kind', () => {
    for (const [spec, vary] of CASES) {
      const generated = compileTemplate(parseSpec(spec), vary);
      const interpreted = compileTemplate(parseSpec(spec), vary, { interpretOnly: true });
      expect(generated.generated, spec).toBeDefined();
      expect(interpreted.generated).toBeUndefined();
      const length = generated.length;
      fc.assert(
        fc.property(
          fc.oneof(fc.nat(), fc.constantFrom(...INDICES), fc.integer({ min: 0, max: 2 ** 48 })),
          fc.nat(7),
          (index, offset) => {
            const a = new Uint8Array(length + 16).fill(0x5a);
            const b = new Uint8Array(length + 16).fill(0x5a);
            generated.writePacket(index, a, offset);
            interpreted.writePacket(index, b, offset);
            expect(toHex(a), `${spec} packet ${index}`).toBe(toHex(b));
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('fill pcap records in a reused buffer (template in place) exactly as in a fresh one', () => {
    const framing = {
      format: 'pcap' as const,
      startSec: 1_700_000_000,
      startNsec: 999_999_000,
      intervalNs: 1000,
      ticksPerSecond: 1e6,
    };
    for (const [spec, vary] of [...CASES, [workloads.gtpu.layers, workloads.gtpu.vary] as const]) {
      const layers = typeof spec === 'string' ? parseSpec(spec) : spec;
      const template = compileTemplate(layers, vary);
      const reference = compileTemplate(layers, vary, { interpretOnly: true });
      const bytes = 64 * recordLength('pcap', template.length);
      const reused = new Uint8Array(bytes);
      // The buffer first holds another chunk of the same template, as in the engine's pipeline.
      fillRecords(template, framing, 5_000_000, 64, reused, 0);
      for (const first of [0, 1_000_000, 2 ** 32 - 10]) {
        const used = fillRecords(template, framing, first, 64, reused, 0, true);
        const fresh = new Uint8Array(bytes);
        fillRecords(reference, framing, first, 64, fresh, 0);
        expect(used).toBe(bytes);
        expect(toHex(reused), `${String(spec).slice(0, 40)} from ${first}`).toBe(toHex(fresh));
      }
    }
  });

  it('nanosecond pcap records and pcapng go through the same packet bytes', () => {
    const { layers, vary } = workloads.vxlan;
    const template = compileTemplate(layers, vary);
    const reference = compileTemplate(layers, vary, { interpretOnly: true });
    for (const format of ['pcap', 'pcapng'] as const) {
      const framing = { format, startSec: 1_700_000_000, startNsec: 5, intervalNs: 333, ticksPerSecond: 1e9 };
      const a = new Uint8Array(100 * recordLength(format, template.length));
      const b = new Uint8Array(a.length);
      fillRecords(template, framing, 123_456, 100, a, 0);
      fillRecords(reference, framing, 123_456, 100, b, 0);
      expect(toHex(a)).toBe(toHex(b));
    }
  });
});
