import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { type DecodedLayer, decodePacket } from '../../src/packet/index.js';
import {
  buildJourney,
  type JourneyResult,
  orderedPackets,
  resolveJourneyConfig,
} from '../../src/scenario/index.js';

interface Seen {
  hop: string;
  direction: 'up' | 'down';
  layers: DecodedLayer[];
  /** The innermost IPv4 packet's bytes. */
  inner: Uint8Array;
  innerFields: Record<string, unknown>;
  comments: string[];
}

function frames(result: JourneyResult): Seen[] {
  return orderedPackets(result.scenario).map((packet) => {
    const hop = result.hops[packet.hop]!;
    const decoded = decodePacket(packet.data, { linkType: hop.linkType });
    expect(decoded.problems, `${hop.id}: ${packet.comments[0]}`).toEqual([]);
    const ips = decoded.layers.filter((layer) => layer.layer === 'ipv4');
    const inner = ips.at(-1)!;
    return {
      hop: hop.id,
      direction: packet.direction,
      layers: decoded.layers,
      inner: packet.data.subarray(inner.offset, inner.end),
      innerFields: inner.fields,
      comments: packet.comments,
    };
  });
}

/** Transmissions are told apart by direction and inner IP identification (a per-sender counter). */
function byId(seen: Seen[], hop: string): Map<string, Seen> {
  return new Map(seen.filter((s) => s.hop === hop).map((s) => [`${s.direction}/${s.innerFields.id}`, s]));
}

/** The inner packet with TTL and header checksum blanked (what routers may change). */
function withoutTtl(bytes: Uint8Array): string {
  const copy = bytes.slice();
  copy[8] = 0;
  copy[10] = 0;
  copy[11] = 0;
  return toHex(copy);
}

/** The phone ↔ HAProxy TCP frames (not the tunnel setup's GTPv2-C nor the DNS lookup of j-setup). */
const tcpOnly = (seen: Seen[]): Seen[] => seen.filter((s) => s.layers.some((l) => l.layer === 'tcp'));

const layer = (seen: Seen, name: string, occurrence = 0): DecodedLayer =>
  seen.layers.filter((l) => l.layer === name)[occurrence]!;

describe('the order journey (4G defaults)', () => {
  const config = resolveJourneyConfig({});
  const result = buildJourney(config);
  const seen = frames(result);

  it('is deterministic', () => {
    const again = buildJourney(resolveJourneyConfig({}));
    expect(again.scenario.packets.length).toBe(result.scenario.packets.length);
    again.scenario.packets.forEach((packet, i) => {
      const first = result.scenario.packets[i]!;
      expect(packet.timeUs).toBe(first.timeUs);
      expect(toHex(packet.data)).toBe(toHex(first.data));
      expect(packet.comments).toEqual(first.comments);
    });
  });

  it('has the hops of the issue in path order, radio first as raw IP', () => {
    expect(result.hops.map((hop) => hop.id)).toEqual([
      's11',
      's5c',
      'radio',
      's1u',
      's5',
      'sgi',
      'carrier-pe1-p1',
      'carrier-p1-p2',
      'carrier-p2-pe2',
      'carrier-pe2-br1',
      'carrier-br1-cr1',
      'carrier-cr1-edge',
      'dc-edge',
      'vxlan',
      'backend',
      'composite',
      'inventory',
      'orders',
      'inventory-db',
      'orders-db',
    ]);
    expect(result.hops.map((hop) => hop.linkType)).toEqual([1, 1, 101, ...Array<number>(17).fill(1)]);
    expect(result.ordersCreated).toBe(1);
    expect(result.connections[0]!.order).toEqual({ status: 201, orderId: 'ord-100017', created: true });
  });

  it('comments every packet with its hop', () => {
    const names: Record<string, RegExp> = {
      radio: /^Radio (up|down)link/,
      s1u: /^S1-U (up|down)link, TEID 0x[0-9a-f]{8}/,
      s5: /^S5\/S8 (up|down)link, TEID 0x[0-9a-f]{8}/,
      sgi: /^SGi (up|down)link/,
      'dc-edge': /^DC edge (up|down)link/,
      'carrier-pe1-p1': /^Operator MPLS core (up|down)link, (MPLS label \d+ \(pushed\)|label popped by p1)/,
      'carrier-p1-p2': /^Operator MPLS core (up|down)link, MPLS label \d+ \(swapped\), label TTL \d+/,
      'carrier-p2-pe2': /^Operator MPLS core (up|down)link, (MPLS label \d+ \(pushed\)|label popped by p2)/,
      'carrier-pe2-br1': /^Carrier border (up|down)link, eBGP peering link \/31 /,
      vxlan: /^VXLAN (up|down)link, VNI 7001/,
      backend: /^Backend HAProxy -> controller: /,
      composite: /^Composite controller -> composite: /,
      inventory: /^Inventory composite -> inventory: /,
      orders: /^Orders composite -> orders: /,
      'inventory-db': /^Inventory-db inventory -> MySQL: /,
      'orders-db': /^Orders-db orders -> MySQL: /,
      s11: /^S11 (MME|SGW-C) -> (SGW-C|MME): (Create Session|Modify Bearer) (Request|Response), TEID 0x[0-9a-f]{8}, seq 0x[0-9a-f]{6}$/,
      s5c: /^S5\/S8-C (SGW-C|PGW-C) -> (PGW-C|SGW-C): Create Session (Request|Response), TEID 0x[0-9a-f]{8}/,
    };
    for (const s of seen) {
      const pattern = names[s.hop] ?? /^Upstream carrier (up|down)link, IP TTL \d+/;
      expect(s.comments[0]).toMatch(pattern);
    }
    expect(
      seen.some((s) => s.hop === 'radio' && s.comments.includes('retransmission (RTO) of segment 1')),
    ).toBe(true);
    expect(
      seen.some((s) => s.hop === 'radio' && s.comments.includes('lost on the radio uplink after this point')),
    ).toBe(true);
  });

  it('uses different TEIDs up and down on S1-U and S5, UDP 2152 and the tunnel end addresses', () => {
    for (const [hop, tunnel, a, b] of [
      ['s1u', config.tunnels.s1u, config.enodeb.ip, config.sgw.s1uIp],
      ['s5', config.tunnels.s5, config.sgw.s5Ip, config.pgw.ip],
    ] as const) {
      for (const s of seen.filter((x) => x.hop === hop)) {
        const up = s.direction === 'up';
        expect(layer(s, 'gtpu').fields.teid).toBe(up ? tunnel.uplinkTeid : tunnel.downlinkTeid);
        expect(layer(s, 'udp').fields.dport).toBe(2152);
        expect(layer(s, 'ipv4', 0).fields.src).toBe(up ? a : b);
        expect(layer(s, 'ipv4', 0).fields.dst).toBe(up ? b : a);
        expect(layer(s, 'gtpu').fields.flags).toBe(0x30); // version 1, PT, no E/S/PN: no extension header in 4G
      }
    }
    expect(config.tunnels.s1u.uplinkTeid).not.toBe(config.tunnels.s1u.downlinkTeid);
  });

  it('carries the inner packet unchanged through the tunnels, and changes only the TTL after', () => {
    const radio = byId(seen, 'radio');
    for (const hop of ['s1u', 's5']) {
      for (const [key, s] of byId(seen, hop)) {
        if (s.direction === 'up') expect(toHex(s.inner), `${hop} ${key}`).toBe(toHex(radio.get(key)!.inner));
      }
    }
    const s1u = byId(seen, 's1u');
    for (const hop of [
      'sgi',
      'carrier-pe1-p1',
      'carrier-p1-p2',
      'carrier-p2-pe2',
      'carrier-pe2-br1',
      'carrier-br1-cr1',
      'carrier-cr1-edge',
      'dc-edge',
    ]) {
      for (const [key, s] of byId(seen, hop)) {
        const reference = s.direction === 'up' ? radio.get(key)! : s1u.get(key)!;
        expect(withoutTtl(s.inner), `${hop} ${key}`).toBe(withoutTtl(reference.inner));
      }
    }
  });

  it('takes exactly one off the TTL per router (inside an LSP the label TTL counts, RFC 3443)', () => {
    const ttlAt = (hop: string, direction: 'up' | 'down'): Set<unknown> =>
      new Set(
        tcpOnly(seen)
          .filter((s) => s.hop === hop && s.direction === direction)
          .map((s) => s.innerFields.ttl),
      );
    // The hop's TTL: the label's where the packet is labelled, else the IP header's.
    const hopTtl = (hop: string, direction: 'up' | 'down'): unknown[] => [
      ...new Set(
        tcpOnly(seen)
          .filter((s) => s.hop === hop && s.direction === direction)
          .map((s) => (s.layers[1]?.layer === 'mpls' ? s.layers[1].fields.ttl : s.innerFields.ttl)),
      ),
    ];
    const up = [
      'radio',
      's1u',
      's5',
      'sgi', // PGW
      'carrier-pe1-p1', // pe1 pushed: label TTL 62
      'carrier-p1-p2', // p1 swapped: 61
      'carrier-p2-pe2', // p2 popped (PHP): IP TTL 60
      'carrier-pe2-br1',
      'carrier-br1-cr1',
      'carrier-cr1-edge',
      'dc-edge',
      'vxlan',
    ];
    expect(up.map((hop) => hopTtl(hop, 'up'))).toEqual(
      [64, 64, 64, 63, 62, 61, 60, 59, 58, 57, 56, 56].map((ttl) => [ttl]),
    );
    expect(up.map((hop) => hopTtl(hop, 'down'))).toEqual(
      [56, 56, 56, 57, 58, 59, 60, 61, 62, 63, 64, 64].map((ttl) => [ttl]),
    );
    // Inside the LSP the IP header keeps the TTL its ingress PE forwarded with.
    expect([...ttlAt('carrier-p1-p2', 'up')]).toEqual([62]);
    expect([...ttlAt('carrier-p1-p2', 'down')]).toEqual([60]);
  });

  it('DNATs to the HAProxy VM inside VXLAN (UDP 4789, the VNI, virtual MACs) and undoes it on the way back', () => {
    const sourcePorts = new Set<unknown>();
    for (const s of seen.filter((x) => x.hop === 'vxlan')) {
      const up = s.direction === 'up';
      expect(layer(s, 'udp').fields.dport).toBe(4789);
      sourcePorts.add(layer(s, 'udp').fields.sport);
      expect(layer(s, 'vxlan').fields.vni).toBe(config.slb.vni);
      expect(layer(s, 'ipv4', 0).fields.src).toBe(up ? config.slb.hostIp : config.haproxy.hostIp);
      expect(layer(s, 'ether', 1).fields.dst).toBe(up ? config.haproxy.vmMac : config.slb.gatewayMac);
      expect(s.innerFields[up ? 'dst' : 'src']).toBe(config.haproxy.vmIp);
    }
    // The source port is a hash of the inner flow: one per direction of the one connection.
    expect(sourcePorts.size).toBeLessThanOrEqual(2);
    for (const s of seen.filter((x) => x.hop === 'dc-edge')) {
      expect(s.innerFields[s.direction === 'up' ? 'dst' : 'src']).toBe(config.slb.vip);
    }
  });

  it('changes the MACs at every Ethernet hop', () => {
    const macs = new Set(
      tcpOnly(seen)
        .filter((s) => s.direction === 'up' && s.hop !== 'radio')
        .map((s) => `${layer(s, 'ether').fields.src}`),
    );
    // The front hops' routers and HAProxy, then the controller, the composite and both base services as callers.
    expect(macs.size).toBe(16);
  });
});

describe('journey variants', () => {
  it('5G mode carries the QFI in a PDU Session Container (UL type 1, DL type 0)', () => {
    const config = resolveJourneyConfig({ mode: '5g' });
    const result = buildJourney(config);
    const gtp = frames(result).filter((s) => s.hop === 'n3' || s.hop === 'n9');
    expect(gtp.length).toBeGreaterThan(0);
    for (const s of gtp) {
      const info = layer(s, 'gtpu').info as { qfi: number; pdu_type: number };
      expect(info.qfi).toBe(config.tunnels.qfi);
      expect(info.pdu_type).toBe(s.direction === 'up' ? 1 : 0);
    }
    expect(result.hops.map((hop) => hop.id).slice(0, 4)).toEqual(['radio', 'n3', 'n9', 'n6']);
  });

  it('SNAT at the PGW: the source changes after the PGW and the phone still gets its own address', () => {
    const config = resolveJourneyConfig({ pgw: { snat: '203.0.113.99' } });
    const seen = frames(buildJourney(config));
    const front = new Set(
      buildJourney(config)
        .hops.filter((hop) => hop.kind !== 'backend' && hop.kind !== 'gtp-control')
        .map((hop) => hop.id),
    );
    for (const s of seen.filter((x) => front.has(x.hop))) {
      const beforePgw = s.hop === 'radio' || s.hop === 's1u' || s.hop === 's5';
      const phone = s.innerFields[s.direction === 'up' ? 'src' : 'dst'];
      expect(phone, s.comments[0]).toBe(beforePgw ? config.phone.ip : '203.0.113.99');
    }
    const backend = seen.find(
      (s) => s.hop === 'backend' && s.comments.some((c) => c.startsWith('X-Forwarded-For')),
    );
    expect(backend?.comments).toContain('X-Forwarded-For: 203.0.113.99');
  });

  it('--retry: two connections, the same Idempotency-Key, one order, the same order id twice', () => {
    const result = buildJourney(resolveJourneyConfig({ retry: { enabled: true } }));
    expect(result.connections).toHaveLength(2);
    const [first, second] = result.connections;
    expect(first!.outcome).toBe('reset by HAProxy');
    expect(first!.answered).toBe(false);
    expect(second!.answered).toBe(true);
    expect(first!.clientPort).not.toBe(second!.clientPort);
    expect(first!.order).toEqual({ status: 201, orderId: 'ord-100017', created: true });
    expect(second!.order).toEqual({ status: 200, orderId: 'ord-100017', created: false });
    expect(result.ordersCreated).toBe(1);
  });

  it('--retry by timeout: the answer is lost on the radio, the phone resets and retries', () => {
    const result = buildJourney(resolveJourneyConfig({ retry: { enabled: true, break: 'timeout' } }));
    const [first, second] = result.connections;
    expect(first!.outcome).toBe('timed out, phone reset it');
    expect(second!.order?.status).toBe(200);
    expect(result.ordersCreated).toBe(1);
  });
});
