/**
 * The carriers of the order journey as tshark 4.0 sees them (checksum validation on, default
 * preferences otherwise): the MPLS label stack changing hop by hop through the operator's core
 * (`mpls.label`, `mpls.bottom`, `mpls.ttl`; tshark 4.0 calls the TC bits `mpls.exp`), the IP TTL
 * going down by one per router, the MACs of every link, and no malformed packet and no expert item
 * beyond the TCP analysis the plain SGi hop shows for the same packets.
 *
 * The expected labels and TTLs are counted here from the default config's router list and RFC 3443's
 * uniform model (push: label TTL = IP TTL − 1; swap: label TTL − 1; pop: IP TTL = label TTL − 1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJourney,
  hopFileName,
  type JourneyConfig,
  type JourneyResult,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';

interface Variant {
  config: JourneyConfig;
  result: JourneyResult;
  dir: string;
}

let root: string;
const variants: Record<string, Variant> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pktcraft-carriers-'));
  const files: Record<string, object> = {
    php: {},
    explicitNull: { https: false, carriers: { core: { pop: 'explicit-null', tc: 5 } }, name: 'jnull' },
    fiveG: { mode: '5g', name: 'j5g' },
  };
  for (const [name, file] of Object.entries(files)) {
    const config = resolveJourneyConfig(file);
    const result = buildJourney(config);
    const dir = join(root, name);
    await writeScenario(result.scenario, dir);
    variants[name] = { config, result, dir };
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const FIELDS = [
  'eth.src',
  'eth.dst',
  'eth.type',
  'mpls.label',
  'mpls.exp',
  'mpls.bottom',
  'mpls.ttl',
  'ip.src',
  'ip.ttl',
  'ip.checksum.status',
  'tcp.checksum.status',
  'frame.protocols',
  '_ws.expert.severity',
  '_ws.expert.group',
  '_ws.expert.message',
  '_ws.malformed',
];

function hopPackets(variant: Variant, id: string): Promise<TsharkPacket[]> {
  const index = variant.result.hops.findIndex((hop) => hop.id === id);
  if (index < 0) throw new Error(`no hop ${id}`);
  const extension = variant.config.https ? 'pcapng' : 'pcap';
  const file = join(
    variant.dir,
    variant.config.name,
    `${hopFileName(index, variant.result.hops[index]!)}.${extension}`,
  );
  return tsharkFields(file, FIELDS);
}

/** The packets of one direction: uplink ones come from the phone (the innermost source). */
function direction(packets: TsharkPacket[], config: JourneyConfig, up: boolean): TsharkPacket[] {
  return packets.filter((p) => (p['ip.src']?.at(-1) === config.phone.ip) === up);
}

/** The one value each packet has for `field` (joined when a packet has several), as a set. */
function valuesOf(packets: TsharkPacket[], field: string): string[] {
  return [...new Set(packets.map((p) => (p[field] ?? []).join(',')))];
}

/** Expert items per frame, as "severity group message". */
function experts(packets: TsharkPacket[]): string[][] {
  return packets.map((p) =>
    (p['_ws.expert.severity'] ?? []).map(
      (severity, i) => `${severity} ${p['_ws.expert.group']?.[i]} ${p['_ws.expert.message']?.[i]}`,
    ),
  );
}

const CARRIER_HOPS = [
  'carrier-pe1-p1',
  'carrier-p1-p2',
  'carrier-p2-pe2',
  'carrier-pe2-br1',
  'carrier-br1-cr1',
  'carrier-cr1-edge',
];

/**
 * Default router list: PGW, pe1, p1, p2, pe2 (the operator), br1, cr1 (the upstream carrier), the DC
 * edge router. Phone TTL 64, HAProxy TTL 64. Per hop, uplink then downlink: the labels (empty: plain
 * IPv4), the label TTL, the inner IP TTL.
 */
const PHP_EXPECTED: Record<string, { up: [string, string, string]; down: [string, string, string] }> = {
  // Uplink: pe1 forwards 63 → IP 62 and pushes label TTL 62. Downlink: p1 popped label TTL 59 → IP 58.
  'carrier-pe1-p1': { up: ['16010', '62', '62'], down: ['', '', '58'] },
  // p1 swaps: 61. Downlink: p2 swapped 60 → 59, IP as pe2 forwarded it: 60.
  'carrier-p1-p2': { up: ['16020', '61', '62'], down: ['24020', '59', '60'] },
  // p2 pops (PHP): IP TTL 61 − 1 = 60. Downlink: pe2 got IP 61 (edge, cr1, br1), pushes 60.
  'carrier-p2-pe2': { up: ['', '', '60'], down: ['24030', '60', '60'] },
  'carrier-pe2-br1': { up: ['', '', '59'], down: ['', '', '61'] },
  'carrier-br1-cr1': { up: ['', '', '58'], down: ['', '', '62'] },
  'carrier-cr1-edge': { up: ['', '', '57'], down: ['', '', '63'] },
};

async function checkPath(
  variant: Variant,
  expected: Record<string, { up: [string, string, string]; down: [string, string, string] }>,
  tc: string,
): Promise<void> {
  const { config } = variant;
  const sgiId = config.mode === '5g' ? 'n6' : 'sgi';
  // The phone's TCP packets: the SGi hop also carries the DNS lookup, which the resolver on the SGi LAN answers.
  const sgi = (await hopPackets(variant, sgiId)).filter((p) => /:tcp/.test(p['frame.protocols']?.[0] ?? ''));
  const routers = [...config.carriers.core.routers, ...config.carriers.upstream.routers];
  const macs = [config.pgw.sgiMac, ...routers.map((r) => r.mac), config.dcEdge.mac];
  let previousUp = Number(valuesOf(direction(sgi, config, true), 'ip.ttl')[0]);
  for (const [index, id] of CARRIER_HOPS.entries()) {
    const packets = await hopPackets(variant, id);
    expect(packets.length, id).toBe(sgi.length);
    for (const up of [true, false]) {
      const where = `${id} ${up ? 'uplink' : 'downlink'}`;
      const mine = direction(packets, config, up);
      const [label, labelTtl, ipTtl] = expected[id]![up ? 'up' : 'down'];
      expect(valuesOf(mine, 'mpls.label'), where).toEqual([label]);
      expect(valuesOf(mine, 'mpls.ttl'), where).toEqual([labelTtl]);
      expect(valuesOf(mine, 'ip.ttl'), where).toEqual([ipTtl]);
      expect(valuesOf(mine, 'mpls.bottom'), where).toEqual([label === '' ? '' : '1']);
      expect(valuesOf(mine, 'mpls.exp'), where).toEqual([label === '' ? '' : tc]);
      expect(valuesOf(mine, 'eth.type'), where).toEqual([label === '' ? '0x0800' : '0x8847']);
      expect(valuesOf(mine, 'frame.protocols')[0], where).toMatch(
        label === '' ? /^eth:ethertype:ip:tcp/ : /^eth:ethertype:mpls:ip:tcp/,
      );
      // index + 1 is the sending router of this link (0 is the PGW), uplink.
      const [src, dst] = up ? [macs[index + 1], macs[index + 2]] : [macs[index + 2], macs[index + 1]];
      expect(valuesOf(mine, 'eth.src'), where).toEqual([src]);
      expect(valuesOf(mine, 'eth.dst'), where).toEqual([dst]);
      expect(valuesOf(mine, 'ip.checksum.status'), where).toEqual(['1']);
      expect(valuesOf(mine, 'tcp.checksum.status'), where).toEqual(['1']);
    }
    // One router per link: the TTL that counts (the label's inside the LSP) goes down by exactly one.
    const upTtl = Number(expected[id]!.up[1] || expected[id]!.up[2]);
    expect(upTtl, id).toBe(previousUp - 1);
    previousUp = upTtl;
    // Nothing malformed, and no expert item the plain SGi hop does not show for the same packets.
    expect(
      packets.filter((p) => p['_ws.malformed']),
      id,
    ).toEqual([]);
    // (Compared as a multiset: uplink and downlink packets may interleave differently at each capture point.)
    expect(experts(packets).flat().sort(), id).toEqual(experts(sgi).flat().sort());
    for (const items of experts(packets)) {
      for (const item of items) {
        const [severity, group] = item.split(' ');
        if (Number(severity) >= SEVERITY.warning) expect(Number(group), `${id}: ${item}`).toBe(0x02000000);
      }
    }
  }
  // The DC edge: one more router.
  const edge = await hopPackets(variant, 'dc-edge');
  expect(valuesOf(direction(edge, config, true), 'ip.ttl')).toEqual([String(previousUp - 1)]);
}

describe('the carrier path as tshark sees it', () => {
  it('PHP (4G, HTTPS): labels pushed, swapped and popped before pe2, uplink and downlink on their own LSPs', async () => {
    await checkPath(variants.php!, PHP_EXPECTED, '0');
  });

  it('explicit null: label 0 to the egress PE, TC 5 as configured, the same TTLs after the core', async () => {
    await checkPath(
      variants.explicitNull!,
      {
        ...PHP_EXPECTED,
        // Downlink: p1 swaps to 0 (59 → 58); the IP TTL stays as pe2 forwarded it: 60.
        'carrier-pe1-p1': { up: ['16010', '62', '62'], down: ['0', '58', '60'] },
        // Uplink: p2 swaps to 0 (61 → 60), the IP header keeps 62; pe2 pops: IP 59 on the border link.
        'carrier-p2-pe2': { up: ['0', '60', '62'], down: ['24030', '60', '60'] },
      },
      '5',
    );
  });

  it('5G: the same carriers after N6', async () => {
    await checkPath(variants.fiveG!, PHP_EXPECTED, '0');
  });
});
