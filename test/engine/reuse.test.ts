import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCaptureWriter } from '../../src/capture/writer.js';
import { toHex } from '../../src/core/bytes.js';
import { type CompiledStack, compileStack } from '../../src/engine/index.js';
import { workloads } from '../../src/engine/workloads.js';
import type { LayerValue } from '../../src/layers/layer.js';
import { encodePacket, encodePacketTo } from '../../src/packet/encode.js';
import { encodePacketGeneric } from '../../src/packet/encode-generic.js';
import { parseSpec } from '../../src/packet/spec.js';

/**
 * A compiled stack (compileStack, engine/reuse.ts) must never change what is encoded: after any
 * sequence of field changes, every encode through it equals the generic encoder's bytes, or throws
 * the same error. (The generic encoder is checked against Scapy and tshark elsewhere.)
 */

type Outcome = { bytes: string } | { error: string };

function generic(layers: readonly LayerValue[]): Outcome {
  try {
    return { bytes: toHex(encodePacketGeneric(layers)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Encodes through `stack` in one of its three ways (new buffer; into a buffer; into a sink's room). */
function viaStack(stack: CompiledStack, layers: readonly LayerValue[], way: number): Outcome {
  try {
    if (way % 3 === 0) return { bytes: toHex(stack.encode(layers)) };
    if (way % 3 === 1) {
      const length = stack.encodedLength(layers);
      const out = new Uint8Array(length + 9).fill(0xa5);
      expect(stack.encodeInto(layers, out, 5)).toBe(length);
      expect(toHex(out, 0, 5) + toHex(out, 5 + length)).toBe('a5'.repeat(9));
      return { bytes: toHex(out, 5, 5 + length) };
    }
    let room: Uint8Array | undefined;
    const length = stack.encodeTo(layers, {
      reservePacket: (size) => {
        room = new Uint8Array(size + 3).fill(0x5a);
        return { buffer: room, offset: 3 };
      },
    });
    if (room === undefined) throw new Error('encodeTo reserved no room');
    expect(room.length).toBe(length + 3);
    return { bytes: toHex(room, 3) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** compileStack's outcome: a compiled stack, or the error it threw. */
function compiledOrError(layers: readonly LayerValue[]): CompiledStack | { error: string } {
  try {
    return compileStack(layers);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const SPECS = [
  'ether/dot1q(vlan=10,pcp=3)/ipv4(src=192.0.2.1,dst=192.0.2.2,ttl=9)/udp(sport=4000,dport=4789)/vxlan(vni=5)/ether(src=02:00:00:00:00:01)/ipv6(hlim=3,fl=7)/tcp(sport=1,dport=2,flags=S,seq=5)/raw(len=16)',
  'ether/ipv4(id=5)/udp/vxlan(vni=7)/ether/ipv4(src=10.1.0.1)/udp(sport=5000,dport=6000)/raw(len=20)',
  'ether/ipv6/udp(sport=1000,dport=2000)/raw(len=9)',
  'ipv4(src=198.51.100.1,id=3)/icmp(id=1,seq=1)/raw(len=56)',
  'ether/ipv6/icmpv6(type=128,id=1,seq=1)/raw(len=8)',
  'ether/ipv4(id=1)/udp(dport=2152)/gtpu(teid=1,seq=5,npdu=2)/ipv4(ttl=3)/udp(sport=7,dport=8)/raw(len=3)',
  'ether/ipv4(src=192.0.2.9,dst=192.0.2.10)/tcp(sport=80,dport=1000,seq=1,ack=2,window=3,urgptr=0,flags=PA,mss=1400)/raw(data=0x0102)',
];

const UINT_FIELDS = [
  'sport',
  'dport',
  'seq',
  'ack',
  'window',
  'urgptr',
  'teid',
  'vni',
  'id',
  'ttl',
  'vlan',
  'pcp',
  'hlim',
  'fl',
  'npdu',
];

type Edit = { kind: number; layer: number; value: number; extra: number };

/** Applies one edit: patchable fields (valid and invalid values), other fields, keys added and removed, new objects. */
function apply(layers: LayerValue[], edit: Edit): void {
  const index = edit.layer % layers.length;
  const layer = layers[index]!;
  const fields = layer.fields as Record<string, unknown>;
  const present = UINT_FIELDS.filter((key) => key in fields);
  switch (edit.kind % 10) {
    case 0:
    case 1:
    case 2: {
      // A patchable number: usually valid, sometimes out of range.
      const key = present[edit.extra % Math.max(1, present.length)] ?? 'sport';
      if (key in fields) fields[key] = edit.extra % 17 === 0 ? 2 ** 33 + edit.value : edit.value % 256;
      break;
    }
    case 3:
      // An address: text, bytes, bytes changed in place, or not an address.
      if (layer.layer === 'ipv4') {
        const choice = edit.extra % 4;
        if (choice === 0) fields['src'] = `10.0.${edit.value % 256}.${edit.extra % 256}`;
        else if (choice === 1) fields['dst'] = Uint8Array.of(203, 0, 113, edit.value % 256);
        else if (choice === 2 && fields['dst'] instanceof Uint8Array)
          (fields['dst'] as Uint8Array)[3] = edit.value % 256;
        else fields['src'] = 'not.an.address';
      } else if (layer.layer === 'ether') {
        fields[edit.extra % 2 ? 'src' : 'dst'] =
          edit.value % 3 === 0
            ? `02:00:00:00:00:${(edit.value % 256).toString(16).padStart(2, '0')}`
            : Uint8Array.of(2, 0, 0, 0, 1, edit.value % 256);
      }
      break;
    case 4:
      // Fields that are not patched: TOS, flags, a payload length.
      if (layer.layer === 'ipv4') fields['tos'] = edit.value % 256;
      else if (layer.layer === 'tcp') fields['flags'] = ['S', 'PA', 'A', 0x18][edit.value % 4];
      else if (layer.layer === 'raw') fields['len'] = edit.value % 40;
      else if (layer.layer === 'udp') fields['chksum'] = edit.value % 65536;
      break;
    case 5:
      // A key removed, or added.
      if (present.length > 0 && edit.extra % 2 === 0) delete fields[present[edit.value % present.length]!];
      else if (layer.layer === 'tcp') fields['urgptr'] = edit.value % 65536;
      else if (layer.layer === 'ipv4') fields['ttl'] = edit.value % 256;
      break;
    case 6:
      // A new layer object (same fields object, or a copy).
      layers[index] = { ...layer, fields: edit.extra % 2 ? fields : { ...fields } };
      break;
    case 7:
      // The raw payload bytes changed in place.
      if (
        layer.layer === 'raw' &&
        fields['data'] instanceof Uint8Array &&
        (fields['data'] as Uint8Array).length > 0
      )
        (fields['data'] as Uint8Array)[0] = edit.value % 256;
      break;
    default:
      break; // only encode again
  }
}

describe('compileStack', () => {
  it('the gtpu and vxlan workloads compile, and every packet equals the generic encoder', () => {
    for (const name of ['gtpu', 'vxlan'] as const) {
      const stack = workloads[name].reusable();
      stack.set(0);
      const compiled = compileStack(stack.layers);
      expect(compiled.compiled, name).toBe(true);
      expect(compiled.length).toBe(encodePacketGeneric(stack.layers).length);
      for (let i = 0; i < 3000; i++) {
        stack.set(i * 7919 + (i >> 3));
        const want = generic(stack.layers);
        expect(viaStack(compiled, stack.layers, i), `${name} packet ${i}`).toEqual(want);
      }
    }
  });

  it('after any sequence of edits, each encode gives the generic bytes or the same error', () => {
    fc.assert(
      fc.property(
        fc.nat(SPECS.length - 1),
        fc.array(
          fc.record({
            kind: fc.nat(),
            layer: fc.nat(),
            value: fc.nat(),
            extra: fc.nat(),
            repeat: fc.integer({ min: 1, max: 12 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (which, edits) => {
          const layers = parseSpec(SPECS[which]!).map((layer) => ({ ...layer, fields: { ...layer.fields } }));
          let compiled = compileStack(layers);
          expect(compiled.compiled).toBe(true);
          for (const edit of edits) {
            apply(layers, edit);
            if (edit.value % 4 === 0) {
              // Compiled again from the stack as it is now (removed keys, bytes, broken values): it
              // compiles, or throws what the generic encoder throws.
              const again = compiledOrError(layers);
              if ('error' in again) expect(again).toEqual(generic(layers));
              else compiled = again;
            }
            for (let k = 0; k < edit.repeat; k++) {
              // The same array, or a new array of new layer objects built alike (the check is by shape).
              const stack =
                (k + edit.extra) % 3 === 2
                  ? layers.map((layer) => ({ ...layer, fields: { ...layer.fields } }))
                  : layers;
              expect(viaStack(compiled, stack, k + edit.kind)).toEqual(generic(stack));
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('new stacks built alike for every packet take the compiled stack too, with the generic bytes', () => {
    for (const name of ['gtpu', 'vxlan'] as const) {
      const compiled = compileStack(workloads[name].packet(0));
      for (let i = 0; i < 3000; i++) {
        const layers = workloads[name].packet(i * 7919 + (i >> 3));
        expect(viaStack(compiled, layers, i), `${name} packet ${i}`).toEqual(generic(layers));
      }
    }
  });

  it('after it learns which fields change, a field that starts changing later still gives the generic bytes', () => {
    const layers = parseSpec(SPECS[5] ?? '').map((layer) => ({ ...layer, fields: { ...layer.fields } }));
    const compiled = compileStack(layers);
    const gtpu = layers[3]?.fields as Record<string, unknown>;
    const inner = layers[5]?.fields as Record<string, unknown>;
    for (let i = 0; i < 400; i++) {
      gtpu['teid'] = i; // changes from the start
      if (i >= 100) inner['sport'] = i; // changes only after the narrow form is made
      if (i >= 200) inner['dport'] = i % 7 === 0 ? 70000 : i; // sometimes out of range: the error
      expect(viaStack(compiled, layers, i), `packet ${i}`).toEqual(generic(layers));
    }
  });

  it('a stack of another shape is encoded generically, and the compiled form stays for its own', () => {
    const compiled = compileStack(workloads.gtpu.packet(0));
    const other = workloads.vxlan.packet(3);
    expect(viaStack(compiled, other, 0)).toEqual(generic(other));
    const own = workloads.gtpu.packet(9);
    expect(viaStack(compiled, own, 1)).toEqual(generic(own));
  });

  it('throws what the generic encoder throws for a stack it cannot encode', () => {
    const bad: LayerValue[] = [
      ...parseSpec('ether'),
      { layer: 'ipv4', fields: { ttl: 300 } },
      ...parseSpec('udp/raw(len=4)'),
    ];
    const want = generic(bad);
    expect('error' in want).toBe(true);
    expect(compiledOrError(bad)).toEqual(want);
  });

  it('encodes stacks it cannot patch safely (structured values, unknown keys) generically', () => {
    const withList = parseSpec('ether/ipv4/udp/gtpu(extensions="[{\\"type\\":133,\\"qfi\\":3}]")/ipv4/tcp');
    const unknownKey: LayerValue[] = [
      { layer: 'ipv4', fields: { src: '192.0.2.1', colour: 'red' } },
      ...parseSpec('udp'),
    ];
    for (const layers of [withList, unknownKey]) {
      const compiled = compileStack(layers);
      expect(compiled.compiled).toBe(false);
      for (let way = 0; way < 3; way++) expect(viaStack(compiled, layers, way)).toEqual(generic(layers));
    }
  });
});

describe('encodePacket is stateless', () => {
  it('gives the generic bytes however often a shape is encoded, and whatever was compiled', () => {
    const stack = workloads.gtpu.reusable();
    const compiled = compileStack(stack.layers);
    for (let i = 0; i < 50; i++) {
      stack.set(i);
      const want = toHex(encodePacketGeneric(stack.layers));
      expect(toHex(encodePacket(stack.layers))).toBe(want);
      expect(toHex(compiled.encode(stack.layers))).toBe(want);
      let room = new Uint8Array(0);
      encodePacketTo(stack.layers, {
        reservePacket: (size) => {
          room = new Uint8Array(size);
          return { buffer: room, offset: 0 };
        },
      });
      expect(toHex(room)).toBe(want);
    }
  });
});

describe('compiled stacks written with CaptureWriter.writeCompiled', () => {
  it('give the file the generic encoder gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-reuse-'));
    const stack = workloads.vxlan.reusable();
    const compiled = compileStack(stack.layers);
    const fast = createCaptureWriter(join(dir, 'fast.pcap'), { format: 'pcap', linkType: 1 });
    const slow = createCaptureWriter(join(dir, 'slow.pcap'), { format: 'pcap', linkType: 1 });
    for (let i = 0; i < 2000; i++) {
      stack.set(i * 40503);
      expect(fast.writeCompiled(compiled, stack.layers, 1_700_000_000, i * 1000)).toBe(compiled.length);
      slow.writePacket(encodePacketGeneric(stack.layers), 1_700_000_000, i * 1000);
    }
    await fast.close();
    await slow.close();
    expect(readFileSync(join(dir, 'fast.pcap')).equals(readFileSync(join(dir, 'slow.pcap')))).toBe(true);
  });
});
