/**
 * Where code generation from strings is disallowed (`node --disallow-code-generation-from-strings`,
 * a CSP), the engine keeps to its interpreter and compileStack to the generic encoder: the same
 * files and bytes, only slower. Generated functions name themselves with `//# sourceURL=`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { compileStack } from '../../src/engine/reuse.js';
import { compileTemplate } from '../../src/engine/template.js';
import { workloads } from '../../src/engine/workloads.js';
import { encodePacketGeneric } from '../../src/packet/encode-generic.js';
import { parseSpec } from '../../src/packet/spec.js';

const DIST = join(import.meta.dirname, '../../dist');
const directory = mkdtempSync(join(tmpdir(), 'pktcraft-nocodegen-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const DISALLOW = '--disallow-code-generation-from-strings';

function node(flags: string[], args: string[]) {
  const result = spawnSync(process.execPath, [...flags, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('code generation disallowed', () => {
  it('pktcraft build --vary writes the same file as with generated writers', () => {
    const spec =
      'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(dport=2152)/gtpu/ipv4/tcp(flags=PA)/raw(len=20)';
    const vary = [
      '--vary',
      'gtpu.teid=1..1000',
      '--vary',
      'ipv4[1].src=10.0.0.0+',
      '--vary',
      'tcp.seq=random',
    ];
    const files: Buffer[] = [];
    for (const flags of [[], [DISALLOW]]) {
      const output = join(directory, `build-${flags.length}.pcap`);
      const run = node(flags, [
        join(DIST, 'cli/main.js'),
        'build',
        spec,
        '--count',
        '100',
        ...vary,
        '-o',
        output,
      ]);
      expect(run.stderr, flags.join(' ')).not.toMatch(/EvalError|Code generation/);
      expect(run.code, run.stderr).toBe(0);
      files.push(readFileSync(output));
    }
    const [generated, interpreted] = files;
    if (generated === undefined || interpreted === undefined) throw new Error('a run wrote no file');
    expect(generated.length).toBe(24 + 100 * (16 + 110));
    expect(interpreted.equals(generated)).toBe(true);
  });

  it('compileStack encodes through the generic encoder, with the same bytes', () => {
    // The child prints compileStack's verdict and 200 packets of the gtpu workload, set per packet.
    const script = `
      import { compileStack, toHex } from ${JSON.stringify(join(DIST, 'index.js'))};
      import { workloads } from ${JSON.stringify(join(DIST, 'engine/workloads.js'))};
      const stack = workloads.gtpu.reusable();
      stack.set(0);
      const compiled = compileStack(stack.layers);
      const lines = [String(compiled.compiled)];
      for (let i = 0; i < 200; i++) { stack.set(i * 7919); lines.push(toHex(compiled.encode(stack.layers))); }
      console.log(lines.join('\\n'));`;
    const run = node([DISALLOW, '--input-type=module', '-e', script], []);
    expect(run.code, run.stderr).toBe(0);
    const [verdict, ...packets] = run.stdout.trim().split('\n');
    expect(verdict).toBe('false');
    const stack = workloads.gtpu.reusable();
    const want: string[] = [];
    for (let i = 0; i < 200; i++) {
      stack.set(i * 7919);
      want.push(toHex(encodePacketGeneric(stack.layers)));
    }
    expect(packets).toEqual(want);
    // Here, with code generation allowed, the same stack compiles.
    stack.set(0);
    expect(compileStack(stack.layers).compiled).toBe(true);
  });
});

describe('generated functions', () => {
  it('carry a sourceURL that names them in stack traces', () => {
    const template = compileTemplate(parseSpec('ether/ipv4/udp/raw(len=4)'), ['udp.sport=1..9']);
    const writers = template.generated;
    expect(writers).toBeDefined();
    let stack = '';
    try {
      // A buffer too short for the packet: the generated writer throws from inside itself.
      writers?.writePacket(0, undefined as unknown as Uint8Array, 0);
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(stack).toMatch(/pktcraft-generated\/template-writers-\d+\.js/);

    // compileStack's check: a layer object whose name getter throws, read first by the check.
    const compiled = compileStack(parseSpec('ether/ipv4/udp/raw(len=4)'));
    expect(compiled.compiled).toBe(true);
    const layers = parseSpec('ether/ipv4/udp/raw(len=4)');
    const hostile = Object.defineProperty({ fields: {} }, 'layer', {
      get: () => {
        throw new Error('layer read');
      },
    });
    layers[0] = hostile as (typeof layers)[number];
    stack = '';
    try {
      compiled.encode(layers);
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(stack).toMatch(/pktcraft-generated\/stack-check-\d+\.js/);
  });
});
