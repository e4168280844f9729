import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { fillRecords, recordLength } from '../../src/engine/generate.js';
import { compileTemplate } from '../../src/engine/template.js';
import { workloads } from '../../src/engine/workloads.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CASES } from './cases.js';

/**
 * The generated writers against the interpreter, which template.test.ts checks against encodePacket of
 * explicit packets (Scapy and tshark check encodePacket in turn).
 */

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
