/**
 * The carriers between the PGW and the DC edge (src/scenario/carriers.ts), judged against RFC 3031/3032
 * (push, swap, penultimate hop popping or the explicit null label 0) and RFC 3443's uniform model:
 * at the push the label TTL is the incoming IP TTL − 1, every LSR takes one off the label TTL, and the
 * popping router writes label TTL − 1 into the IP header. The expected TTLs below are counted here from
 * the router list, not read from the journey's output.
 */
import { describe, expect, it } from 'vitest';
import { FieldError } from '../../src/core/errors.js';
import { ipv4 } from '../../src/layers/index.js';
import { type DecodedLayer, decodePacket, encodePacket } from '../../src/packet/index.js';
import {
  buildJourney,
  carrierRouteLine,
  defaultJourneyConfig,
  formatCarrierPath,
  type JourneyConfig,
  type JourneyResult,
  labelEntry,
  orderedPackets,
  resolveJourneyConfig,
} from '../../src/scenario/index.js';

interface Frame {
  hop: string;
  direction: 'up' | 'down';
  layers: DecodedLayer[];
  inner: Uint8Array;
  innerTtl: number;
  innerId: number;
}

/** The journey's TCP frames (the tunnel setup's GTPv2-C and the DNS lookup take other paths). */
function framesOf(result: JourneyResult): Frame[] {
  const frames = orderedPackets(result.scenario).map((packet) => {
    const hop = result.hops[packet.hop]!;
    const decoded = decodePacket(packet.data, { linkType: hop.linkType });
    // No problem at all: every IPv4 header checksum (updated incrementally at each TTL change) verifies.
    expect(decoded.problems, `${hop.id} ${packet.comments[0]}`).toEqual([]);
    const inner = decoded.layers.filter((layer) => layer.layer === 'ipv4').at(-1)!;
    return {
      hop: hop.id,
      direction: packet.direction,
      layers: decoded.layers,
      inner: packet.data.subarray(inner.offset, inner.end),
      innerTtl: inner.fields.ttl as number,
      innerId: inner.fields.id as number,
    };
  });
  return frames.filter((f) => f.layers.some((layer) => layer.layer === 'tcp'));
}

const at = (frames: Frame[], hop: string, direction: 'up' | 'down'): Frame[] =>
  frames.filter((f) => f.hop === hop && f.direction === direction);

/** The single value of `pick` over the frames (all frames of one hop and direction agree). */
function one<T>(frames: Frame[], pick: (f: Frame) => T): T {
  const values = [...new Set(frames.map(pick))];
  expect(values).toHaveLength(1);
  return values[0]!;
}

const mplsOf = (f: Frame): DecodedLayer | undefined => f.layers.find((l) => l.layer === 'mpls');

/** A core of five routers (three P routers) with its own labels, and a phone TTL of 40. */
function longCore(pop: 'php' | 'explicit-null'): JourneyConfig {
  return resolveJourneyConfig({
    https: false,
    phone: { ttl: 40 },
    carriers: {
      core: {
        pop,
        routers: [
          { name: 'pe1', mac: '02:00:00:00:21:01' },
          { name: 'p1', mac: '02:00:00:00:22:01' },
          { name: 'p2', mac: '02:00:00:00:23:01' },
          { name: 'p3', mac: '02:00:00:00:25:01' },
          { name: 'pe2', mac: '02:00:00:00:24:01' },
        ],
        links: [
          { uplinkLabel: 100, downlinkLabel: null, delayMs: 1 },
          { uplinkLabel: 200, downlinkLabel: 900, delayMs: 1 },
          { uplinkLabel: 300, downlinkLabel: 800, delayMs: 1 },
          { uplinkLabel: null, downlinkLabel: 700, delayMs: 1 },
        ],
      },
      upstream: { routers: [{ name: 'br1', mac: '02:00:00:00:31:01', delayMs: 1 }] },
    },
  });
}

describe('the MPLS core, uniform TTL model (RFC 3443 §3.1), penultimate hop popping', () => {
  const config = longCore('php');
  const frames = framesOf(buildJourney(config));
  const T = config.phone.ttl;
  const ingressIpTtl = T - 1; // the PGW routed once before the ingress PE

  it('pushes at the ingress PE: label TTL = incoming IP TTL − 1, the IP header forwarded with TTL − 1', () => {
    const pushed = at(frames, 'carrier-pe1-p1', 'up');
    expect(pushed.length).toBeGreaterThan(0);
    expect(one(pushed, (f) => mplsOf(f)?.fields.label)).toBe(100);
    expect(one(pushed, (f) => mplsOf(f)?.fields.ttl)).toBe(ingressIpTtl - 1);
    expect(one(pushed, (f) => mplsOf(f)?.fields.s)).toBe(1);
    expect(one(pushed, (f) => f.innerTtl)).toBe(ingressIpTtl - 1);
    expect(one(pushed, (f) => f.layers[0]!.fields.type)).toBe(0x8847);
  });

  it('swaps at every P router with the label of the next link, one off the label TTL, the IP TTL untouched', () => {
    const labels = [100, 200, 300];
    labels.forEach((label, i) => {
      const hop = ['carrier-pe1-p1', 'carrier-p1-p2', 'carrier-p2-p3'][i]!;
      const up = at(frames, hop, 'up');
      expect(
        one(up, (f) => mplsOf(f)?.fields.label),
        hop,
      ).toBe(label);
      expect(
        one(up, (f) => mplsOf(f)?.fields.ttl),
        hop,
      ).toBe(ingressIpTtl - 1 - i);
      expect(
        one(up, (f) => f.innerTtl),
        hop,
      ).toBe(ingressIpTtl - 1);
    });
  });

  it('pops at the penultimate router: plain IPv4 to the egress PE with IP TTL = label TTL − 1', () => {
    const last = at(frames, 'carrier-p3-pe2', 'up');
    expect(last.every((f) => mplsOf(f) === undefined)).toBe(true);
    expect(one(last, (f) => f.layers[0]!.fields.type)).toBe(0x0800);
    const labelTtlArriving = ingressIpTtl - 1 - 2; // pushed by pe1, swapped by p1 and p2
    expect(one(last, (f) => f.innerTtl)).toBe(labelTtlArriving - 1); // p3 pops and forwards
  });

  it('gives the same TTL after the core as five IP routers would', () => {
    // pe1, p1, p2, p3, pe2: five routers after the PGW.
    expect(one(at(frames, 'carrier-pe2-br1', 'up'), (f) => f.innerTtl)).toBe(T - 1 - 5);
    // br1 and the DC edge router follow.
    expect(one(at(frames, 'dc-edge', 'up'), (f) => f.innerTtl)).toBe(T - 1 - 5 - 2);
  });

  it('takes the downlink on an LSP of its own: pushed at pe2, swapped, popped by p1 before pe1', () => {
    const serverTtl = 64;
    const ingress = serverTtl - 1 - 1; // the DC edge router and br1 before pe2
    const expected: Array<[string, number | undefined, number]> = [
      ['carrier-p3-pe2', 700, ingress - 1],
      ['carrier-p2-p3', 800, ingress - 2],
      ['carrier-p1-p2', 900, ingress - 3],
    ];
    for (const [hop, label, ttl] of expected) {
      const down = at(frames, hop, 'down');
      expect(
        one(down, (f) => mplsOf(f)?.fields.label),
        hop,
      ).toBe(label);
      expect(
        one(down, (f) => mplsOf(f)?.fields.ttl),
        hop,
      ).toBe(ttl);
      expect(
        one(down, (f) => f.innerTtl),
        hop,
      ).toBe(ingress - 1);
      // Unidirectional LSPs: the downlink label of a link is not its uplink label.
      expect(
        one(at(frames, hop, 'up'), (f) => mplsOf(f)?.fields.label ?? null),
        hop,
      ).not.toBe(label);
    }
    const popped = at(frames, 'carrier-pe1-p1', 'down');
    expect(popped.every((f) => mplsOf(f) === undefined)).toBe(true);
    expect(one(popped, (f) => f.innerTtl)).toBe(ingress - 3 - 1);
    // PGW and the phone: the PGW routes once more.
    expect(one(at(frames, 'radio', 'down'), (f) => f.innerTtl)).toBe(serverTtl - 2 - 5 - 1);
  });
});

describe('explicit null instead of PHP', () => {
  const php = framesOf(buildJourney(longCore('php')));
  const config = longCore('explicit-null');
  const frames = framesOf(buildJourney(config));
  const ingressIpTtl = config.phone.ttl - 1;

  it('sends label 0 (IPv4 explicit null, RFC 3032 §2.1) on the last link, the label TTL still counting', () => {
    const last = at(frames, 'carrier-p3-pe2', 'up');
    expect(one(last, (f) => mplsOf(f)?.fields.label)).toBe(0);
    expect(one(last, (f) => mplsOf(f)?.fields.s)).toBe(1);
    expect(one(last, (f) => mplsOf(f)?.fields.ttl)).toBe(ingressIpTtl - 1 - 3);
    expect(one(last, (f) => f.innerTtl)).toBe(ingressIpTtl - 1);
    const down = at(frames, 'carrier-pe1-p1', 'down');
    expect(one(down, (f) => mplsOf(f)?.fields.label)).toBe(0);
  });

  it('ends with the same IP TTL as PHP once the egress PE pops and forwards', () => {
    for (const [hop, direction] of [
      ['carrier-pe2-br1', 'up'],
      ['sgi', 'down'],
      ['radio', 'down'],
    ] as const) {
      expect(
        one(at(frames, hop, direction), (f) => f.innerTtl),
        hop,
      ).toBe(one(at(php, hop, direction), (f) => f.innerTtl));
    }
  });
});

describe('every carrier link (default 4G journey)', () => {
  const config = resolveJourneyConfig({});
  const result = buildJourney(config);
  const frames = framesOf(result);
  const core = config.carriers.core.routers;
  const upstream = config.carriers.upstream.routers;
  const expectedMacs: Record<string, [string, string]> = {
    sgi: [config.pgw.sgiMac, core[0]!.mac],
    'carrier-pe1-p1': [core[0]!.mac, core[1]!.mac],
    'carrier-p1-p2': [core[1]!.mac, core[2]!.mac],
    'carrier-p2-pe2': [core[2]!.mac, core[3]!.mac],
    'carrier-pe2-br1': [core[3]!.mac, upstream[0]!.mac],
    'carrier-br1-cr1': [upstream[0]!.mac, upstream[1]!.mac],
    'carrier-cr1-edge': [upstream[1]!.mac, config.dcEdge.mac],
  };

  it('rewrites the MACs on every link: the sender router to the next one, swapped downlink', () => {
    for (const [hop, [src, dst]] of Object.entries(expectedMacs)) {
      expect(
        one(at(frames, hop, 'up'), (f) => `${f.layers[0]!.fields.src}>${f.layers[0]!.fields.dst}`),
        hop,
      ).toBe(`${src}>${dst}`);
      expect(
        one(at(frames, hop, 'down'), (f) => `${f.layers[0]!.fields.src}>${f.layers[0]!.fields.dst}`),
        hop,
      ).toBe(`${dst}>${src}`);
    }
  });

  it('leaves the inner IP packet as the PGW sent it apart from the TTL and the header checksum', () => {
    const blank = (bytes: Uint8Array): string => {
      const copy = bytes.slice();
      copy[8] = 0;
      copy[10] = 0;
      copy[11] = 0;
      return Buffer.from(copy).toString('hex');
    };
    for (const direction of ['up', 'down'] as const) {
      const reference = new Map(at(frames, 'sgi', direction).map((f) => [f.innerId, f.inner]));
      for (const hop of Object.keys(expectedMacs)) {
        for (const f of at(frames, hop, direction)) {
          expect(blank(f.inner), `${hop} ${direction} ${f.innerId}`).toBe(blank(reference.get(f.innerId)!));
        }
      }
    }
  });

  it('names the hops by link, has the eBGP link in the comments and MPLS in the encapsulation', () => {
    const byId = new Map(result.hops.map((hop) => [hop.id, hop]));
    expect(byId.get('carrier-p1-p2')!.encapsulation).toMatch(/^Ethernet \/ MPLS \/ IPv4 \/ TCP/);
    expect(byId.get('carrier-pe2-br1')!.encapsulation).toBe('Ethernet / IPv4 / TCP');
    const border = result.scenario.packets.filter((p) => result.hops[p.hop]!.id === 'carrier-pe2-br1');
    expect(border[0]!.comments[0]).toContain('203.0.113.200 AS64500 -> 203.0.113.201 AS64510');
  });

  it('has every MAC and label a carrier frame carries in the printed config (--print-config prints it)', () => {
    const printed = JSON.stringify(config);
    const carrierFrames = frames.filter((f) => f.hop.startsWith('carrier-'));
    const macs = new Set(carrierFrames.flatMap((f) => [f.layers[0]!.fields.src, f.layers[0]!.fields.dst]));
    const labels = new Set(carrierFrames.flatMap((f) => (mplsOf(f) ? [mplsOf(f)!.fields.label] : [])));
    expect(macs.size).toBe(7); // pe1, p1, p2, pe2, br1, cr1, the DC edge router
    expect([...labels].sort()).toEqual([16010, 16020, 24020, 24030]);
    for (const value of [...macs, ...labels]) expect(printed).toContain(JSON.stringify(value));
    for (const address of ['203.0.113.200', '203.0.113.201']) expect(printed).toContain(address);
  });

  it('prints the carrier path: each link with its label and action both ways, the eBGP link', () => {
    const lines = formatCarrierPath(config).split('\n');
    expect(lines[0]).toMatch(/^carrier path: MPLS core pe1 -> p1 -> p2 -> pe2 \(penultimate hop popping/);
    expect(lines.find((line) => line.startsWith('carrier-p2-pe2'))).toMatch(
      /p2 -> pe2\s+IP \(popped, PHP\)\s+MPLS 24030 \(push\)$/,
    );
    expect(lines.find((line) => line.startsWith('carrier-pe2-br1'))).toContain(
      'eBGP 203.0.113.200/31 AS64500 <-> 203.0.113.201 AS64510',
    );
    const explicit = formatCarrierPath(
      resolveJourneyConfig({ carriers: { core: { pop: 'explicit-null' } } }),
    );
    expect(explicit).toMatch(
      /^carrier-p2-pe2\s+p2 -> pe2\s+MPLS 0 \(explicit null\)\s+MPLS 24030 \(push\)$/m,
    );
    expect(carrierRouteLine(config)).toBe('pe1 =16010=> p1 =16020=> p2 -> pe2 -eBGP-> br1 -> cr1 -> DC edge');
  });

  it('is the same carrier path in 5G mode, after N6', () => {
    const fiveG = buildJourney(resolveJourneyConfig({ mode: '5g' }));
    const ids = fiveG.hops.map((hop) => hop.id);
    expect(ids.slice(3, 10)).toEqual(['n6', ...Object.keys(expectedMacs).slice(1)]);
    const f = framesOf(fiveG);
    expect(one(at(f, 'carrier-p1-p2', 'up'), (x) => mplsOf(x)?.fields.label)).toBe(16020);
    expect(one(at(f, 'carrier-p1-p2', 'down'), (x) => mplsOf(x)?.fields.label)).toBe(24020);
  });
});

describe('traffic class', () => {
  it('copies the IP precedence at the push when tc is null, or sets the configured TC', () => {
    const config = defaultJourneyConfig();
    // DSCP EF (46): TOS 0xb8, precedence 5.
    const packet = encodePacket([ipv4({ src: '198.51.100.23', dst: '203.0.113.10', tos: 0xb8, ttl: 62 })]);
    expect(labelEntry(config, { label: 16020, lspPosition: 1 }, packet)).toEqual({
      label: 16020,
      tc: 5,
      ttl: 61,
      s: 1,
    });
    config.carriers.core.tc = 3;
    expect(labelEntry(config, { label: 16020, lspPosition: 1 }, packet).tc).toBe(3);
    const frames = framesOf(buildJourney(resolveJourneyConfig({ carriers: { core: { tc: 3 } } })));
    expect(frames.filter((f) => mplsOf(f)).every((f) => mplsOf(f)!.fields.tc === 3)).toBe(true);
  });
});

describe('carriers config rules', () => {
  function errorOf(file: unknown): string {
    try {
      resolveJourneyConfig(file);
    } catch (error) {
      if (error instanceof FieldError) return error.message;
      throw error;
    }
    throw new Error('expected a FieldError');
  }
  const links = defaultJourneyConfig().carriers.core.links;

  it('demands null exactly where an LSP ends and a label elsewhere', () => {
    expect(
      errorOf({ carriers: { core: { links: [links[0], links[1], { ...links[2], uplinkLabel: 5000 }] } } }),
    ).toMatch(
      /^config\.carriers\.core\.links\[2\]\.uplinkLabel: must be null: the uplink LSP ends on this link/,
    );
    expect(
      errorOf({ carriers: { core: { links: [links[0], { ...links[1], downlinkLabel: null }, links[2]] } } }),
    ).toBe('config.carriers.core.links[1].downlinkLabel: must be a label from 16 to 1048575, got null');
    expect(
      errorOf({ carriers: { core: { links: [{ ...links[0], uplinkLabel: 3 }, links[1], links[2]] } } }),
    ).toBe('config.carriers.core.links[0].uplinkLabel: must be an integer from 16 to 1048575, got 3');
  });

  it('checks the eBGP link addresses, the ASes and the router names', () => {
    expect(errorOf({ carriers: { border: { carrierIp: '203.0.113.202' } } })).toBe(
      'config.carriers.border.carrierIp: must be in the same /31 as carriers.border.operatorIp (203.0.113.200), got 203.0.113.202',
    );
    expect(errorOf({ carriers: { border: { prefixLength: 30 } } })).toBe(
      "config.carriers.border.operatorIp: must not be the /30's network or broadcast address, got 203.0.113.200",
    );
    expect(
      resolveJourneyConfig({
        carriers: { border: { prefixLength: 30, operatorIp: '203.0.113.201', carrierIp: '203.0.113.202' } },
      }).carriers.border.prefixLength,
    ).toBe(30);
    expect(errorOf({ carriers: { border: { carrierAsn: 64500 } } })).toMatch(
      /^config\.carriers\.border\.carrierAsn: must differ/,
    );
    expect(
      errorOf({
        carriers: { upstream: { routers: [{ name: 'p1', mac: '02:00:00:00:31:01', delayMs: 1 }] } },
      }),
    ).toBe(
      'config.carriers.upstream.routers[0].name: must be unique among the carrier routers, got "p1" twice',
    );
    expect(errorOf({ phone: { ttl: 8 } })).toBe(
      'config.phone.ttl: must be more than the 8 routers on the path (the packet would expire), got 8',
    );
  });
});
