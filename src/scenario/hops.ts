/**
 * The journey's hops: where each capture point sits on the path, which link type it has, and how the
 * phone's inner IP packet looks and is wrapped there.
 *
 * Front path (the phone ↔ HAProxy TCP flow), uplink order:
 *   radio      the phone's own interface (raw IP): the packet as the phone sends and receives it
 *   s1u / n3   eNodeB ↔ SGW: Ethernet / IPv4 / UDP 2152 / GTP-U (uplink TEID from the SGW, downlink TEID
 *              from the eNodeB) / the inner packet unchanged
 *   s5 / n9    SGW ↔ PGW: a second GTP-U tunnel with its own addresses and TEIDs (5G: + PDU Session Container)
 *   sgi        PGW → the operator's ingress PE: decapsulated, TTL − 1 (the PGW routes), source NATed when configured
 *   carrier-a-b the carriers (carriers.ts): the operator's MPLS core (label pushed, swapped, popped before
 *              the egress PE, TTL by RFC 3443's uniform model), the eBGP border link, the upstream
 *              carrier's routers; MACs change on every link, the header checksum follows every TTL change
 *   dc-edge    DC edge router → SLB host: TTL − 1 (the edge router), destination the SLB's VIP
 *   vxlan      SLB host → HAProxy host: Ethernet / IPv4 / UDP 4789 / VXLAN / Ethernet / the inner packet
 *              DNATed to the HAProxy VM (the SLB is not a router: TTL unchanged)
 * Downlink packets go back through the same hops in reverse: the SLB undoes the DNAT, each router
 * takes one off the TTL, the PGW undoes the SNAT and routes (TTL − 1), then the tunnels.
 *
 * The backend hop (HAProxy VM → controller) and the data-centre hops after it (composite, inventory,
 * orders, inventory-db, orders-db; kind 'backend' too) carry separate TCP flows, built in datacentre.ts.
 */
import type { LayerValue } from '../layers/index.js';
import { ether, gtpu, ipv4, mpls, raw, udp, vxlan } from '../layers/index.js';
import { UDP_PORT } from '../layers/numbers.js';
import { encodePacket } from '../packet/index.js';
// --- j-carriers: carrier links ---
import {
  type CarrierLink,
  carrierEncapsulation,
  carrierHopLabel,
  carrierLinks,
  carrierRouterCount,
  ingressPeMac,
  labelEntry,
} from './carriers.js';
// --- end j-carriers ---
import type { JourneyConfig } from './config.js';
import type { ScenarioHop } from './engine.js';
import { decrementTtl, rewriteAddress, rewritePort } from './rewrite.js';
// --- j-setup: the control-plane hops ---
import { controlHops } from './setup.js';
// --- end j-setup ---

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

export type HopKind =
  // --- j-setup: GTPv2-C control-plane hops (s11, s5c), first in the list in 4G mode ---
  | 'gtp-control'
  // --- end j-setup ---
  | 'radio'
  | 'gtp-access'
  | 'gtp-core'
  | 'sgi'
  | 'carrier'
  | 'dc-edge'
  | 'vxlan'
  | 'backend';

export interface JourneyHop extends ScenarioHop {
  kind: HopKind;
  /** Distance from the phone in microseconds of one-way delay (the front path's capture position). */
  positionUs: number;
  // --- j-carriers: the carrier link of a 'carrier' hop ---
  /** For 'carrier' hops: the link (its routers, MACs, labels). */
  carrier?: CarrierLink;
  // --- end j-carriers ---
}

export type Direction = 'up' | 'down';

/** Microseconds, rounded to whole µs. */
function us(ms: number): number {
  return Math.round(ms * 1000);
}

/** The hops of the journey in path order (the backend hop last) and the one-way delay phone → HAProxy. */
export function journeyHops(config: JourneyConfig): { hops: JourneyHop[]; oneWayUs: number } {
  const d = config.delays;
  const fiveG = config.mode === '5g';
  const hops: JourneyHop[] = [];
  // --- j-setup: the tunnel setup's control-plane hops come first (none in 5G mode) ---
  hops.push(...controlHops(config));
  // --- end j-setup ---
  let position = 0;
  hops.push({
    id: 'radio',
    kind: 'radio',
    label: fiveG ? 'Radio (UE → gNB)' : 'Radio (UE → eNodeB)',
    linkType: LINKTYPE_RAW,
    encapsulation: 'IPv4 / TCP (raw IP, no link layer)',
    positionUs: position,
    // --- j-setup: the phone's own interface gets the pcapng direction flags (it is no longer hop 0) ---
    ownInterface: true,
    // --- end j-setup ---
  });
  position += us(d.radioMs);
  const gtpEncapsulation = fiveG
    ? 'Ethernet / IPv4 / UDP 2152 / GTP-U + PDU Session Container / IPv4 / TCP'
    : 'Ethernet / IPv4 / UDP 2152 / GTP-U / IPv4 / TCP';
  hops.push({
    id: fiveG ? 'n3' : 's1u',
    kind: 'gtp-access',
    label: fiveG ? 'N3 (gNB → I-UPF)' : 'S1-U (eNodeB → SGW)',
    linkType: LINKTYPE_ETHERNET,
    encapsulation: gtpEncapsulation,
    positionUs: position,
  });
  position += us(d.s1uMs);
  hops.push({
    id: fiveG ? 'n9' : 's5',
    kind: 'gtp-core',
    label: fiveG ? 'N9 (I-UPF → PSA-UPF)' : 'S5/S8 (SGW → PGW)',
    linkType: LINKTYPE_ETHERNET,
    encapsulation: gtpEncapsulation,
    positionUs: position,
  });
  position += us(d.s5Ms);
  hops.push({
    id: fiveG ? 'n6' : 'sgi',
    kind: 'sgi',
    label: fiveG ? 'N6 (PSA-UPF → operator PE)' : 'SGi (PGW → operator PE)',
    linkType: LINKTYPE_ETHERNET,
    encapsulation: config.pgw.snat ? 'Ethernet / IPv4 (source NATed) / TCP' : 'Ethernet / IPv4 / TCP',
    positionUs: position,
  });
  position += us(d.sgiMs);
  // --- j-carriers: one hop per carrier link (the same in 5G mode: the carriers follow N6) ---
  for (const link of carrierLinks(config)) {
    hops.push({
      id: link.id,
      kind: 'carrier',
      label: carrierHopLabel(link),
      linkType: LINKTYPE_ETHERNET,
      encapsulation: carrierEncapsulation(config, link),
      positionUs: position,
      carrier: link,
    });
    position += us(link.delayMs);
  }
  // --- end j-carriers ---
  hops.push({
    id: 'dc-edge',
    kind: 'dc-edge',
    label: 'DC edge (edge router → SLB VIP)',
    linkType: LINKTYPE_ETHERNET,
    encapsulation: 'Ethernet / IPv4 / TCP',
    positionUs: position,
  });
  position += us(d.dcEdgeMs);
  hops.push({
    id: 'vxlan',
    kind: 'vxlan',
    label: 'VXLAN (SLB host → HAProxy host)',
    linkType: LINKTYPE_ETHERNET,
    encapsulation: 'Ethernet / IPv4 / UDP 4789 / VXLAN / Ethernet / IPv4 (DNATed) / TCP',
    positionUs: position,
  });
  position += us(d.vxlanMs);
  hops.push({
    id: 'backend',
    kind: 'backend',
    // --- j-dc: HAProxy's backend is the controller (the API gateway) ---
    label: 'Backend (HAProxy → controller)',
    // --- end j-dc ---
    linkType: LINKTYPE_ETHERNET,
    encapsulation: 'Ethernet / IPv4 / TCP (a separate connection)',
    positionUs: position,
  });
  return { hops, oneWayUs: position };
}

/** Routers (TTL decrements) between the phone and this hop's capture point, uplink. */
function routersBefore(config: JourneyConfig, hop: JourneyHop): number {
  const n = carrierRouterCount(config);
  switch (hop.kind) {
    // --- j-setup ---
    case 'gtp-control':
    // --- end j-setup ---
    case 'radio':
    case 'gtp-access':
    case 'gtp-core':
      return 0;
    case 'sgi':
      return 1; // the PGW
    case 'carrier':
      return 1 + hop.carrier!.ipDecrementsUp; // the PGW, then the carrier routers (uniform model inside LSPs)
    case 'dc-edge':
    case 'vxlan':
    case 'backend':
      return 2 + n; // PGW, N carrier routers, the DC edge router
  }
}

/** Address the servers see as the phone's: the SNAT address when the PGW NATs, else the phone's. */
export function publicPhoneAddress(config: JourneyConfig): string {
  return config.pgw.snat ?? config.phone.ip;
}

/**
 * Routers a downlink packet crossed between leaving HAProxy and this capture point: the DC edge router,
 * the carrier routers so far (inside an LSP: up to its ingress PE), then the PGW.
 */
function routersAfterServer(config: JourneyConfig, hop: JourneyHop): number {
  const n = carrierRouterCount(config);
  switch (hop.kind) {
    // --- j-setup ---
    case 'gtp-control':
    // --- end j-setup ---
    case 'vxlan':
    case 'dc-edge':
    case 'backend':
      return 0;
    case 'carrier':
      return 1 + hop.carrier!.ipDecrementsDown; // the edge router, the carrier routers so far
    case 'sgi':
      return 1 + n;
    case 'radio':
    case 'gtp-access':
    case 'gtp-core':
      return 2 + n; // + the PGW
  }
}

/**
 * The inner IP packet at `hop`, derived from how it left its sender: an uplink packet as the phone sent
 * it (to the VIP), a downlink packet as HAProxy sent it (from the VM address to the phone's public
 * address). Only TTL, addresses/ports under NAT and the checksums (updated incrementally) change.
 */
export function innerPacketAt(
  config: JourneyConfig,
  hop: JourneyHop,
  direction: Direction,
  sent: Uint8Array,
): Uint8Array {
  let packet = sent;
  if (direction === 'up') {
    const routers = routersBefore(config, hop);
    if (routers > 0) packet = decrementTtl(packet, routers);
    if (config.pgw.snat && routers > 0) packet = rewriteAddress(packet, 'src', config.pgw.snat);
    if (hop.kind === 'vxlan') {
      packet = rewriteAddress(packet, 'dst', config.haproxy.vmIp);
      if (config.haproxy.port !== config.slb.port) packet = rewritePort(packet, 'dport', config.haproxy.port);
    }
    return packet;
  }
  const routers = routersAfterServer(config, hop);
  if (hop.kind !== 'vxlan') {
    // The SLB undoes its DNAT on the way out.
    packet = rewriteAddress(packet, 'src', config.slb.vip);
    if (config.haproxy.port !== config.slb.port) packet = rewritePort(packet, 'sport', config.slb.port);
  }
  if (routers > 0) packet = decrementTtl(packet, routers);
  if (config.pgw.snat && (hop.kind === 'radio' || hop.kind === 'gtp-access' || hop.kind === 'gtp-core')) {
    packet = rewriteAddress(packet, 'dst', config.phone.ip);
  }
  return packet;
}

/** Per-hop IPv4 identification counters of the outer headers (one per sending device). */
export class OuterIds {
  private readonly next = new Map<string, number>();
  take(device: string): number {
    const value = this.next.get(device) ?? hashStart(device);
    this.next.set(device, (value + 1) & 0xffff);
    return value;
  }
}

function hashStart(device: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < device.length; i++) h = Math.imul(h ^ device.charCodeAt(i), 0x01000193);
  return (h >>> 0) & 0xffff;
}

/** The MACs of an Ethernet hop of the front path, uplink direction (swap them for downlink). */
function uplinkMacs(config: JourneyConfig, hop: JourneyHop): { src: string; dst: string } {
  switch (hop.kind) {
    case 'gtp-access':
      return { src: config.enodeb.mac, dst: config.sgw.s1uMac };
    case 'gtp-core':
      return { src: config.sgw.s5Mac, dst: config.pgw.s5Mac };
    case 'sgi':
      return { src: config.pgw.sgiMac, dst: ingressPeMac(config) };
    case 'carrier':
      return { src: hop.carrier!.srcMac, dst: hop.carrier!.dstMac };
    case 'dc-edge':
      return { src: config.dcEdge.mac, dst: config.slb.hostMac };
    case 'vxlan':
      return { src: config.slb.hostMac, dst: config.haproxy.hostMac };
    default:
      return { src: config.haproxy.vmMac, dst: config.orderService.mac };
  }
}

export interface Wrapped {
  data: Uint8Array;
  /** What the outer headers say, for the packet comment ("TEID 0x1a2b3c4d"). */
  detail: string;
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** The frame captured at `hop` for an inner packet (already as it looks at that hop). */
export function wrapAt(
  config: JourneyConfig,
  hop: JourneyHop,
  direction: Direction,
  inner: Uint8Array,
  ids: OuterIds,
): Wrapped {
  if (hop.kind === 'radio') return { data: inner, detail: '' };
  const up = direction === 'up';
  const macs = uplinkMacs(config, hop);
  const link = up ? macs : { src: macs.dst, dst: macs.src };
  const fiveG = config.mode === '5g';
  const layers: LayerValue[] = [ether(link)];
  let detail = '';
  if (hop.kind === 'gtp-access' || hop.kind === 'gtp-core') {
    const access = hop.kind === 'gtp-access';
    const ends = access
      ? { a: config.enodeb.ip, b: config.sgw.s1uIp, tunnel: config.tunnels.s1u }
      : { a: config.sgw.s5Ip, b: config.pgw.ip, tunnel: config.tunnels.s5 };
    const src = up ? ends.a : ends.b;
    const dst = up ? ends.b : ends.a;
    const teid = up ? ends.tunnel.uplinkTeid : ends.tunnel.downlinkTeid;
    layers.push(ipv4({ src, dst, ttl: 64, id: ids.take(`${hop.id}-${src}`), flags: 'DF' }));
    layers.push(udp({ sport: config.tunnels.udpSourcePort, dport: UDP_PORT.gtpu }));
    layers.push(fiveG ? gtpu({ teid, pdu_type: up ? 1 : 0, qfi: config.tunnels.qfi }) : gtpu({ teid }));
    detail = `TEID ${hex32(teid)}${fiveG ? `, QFI ${config.tunnels.qfi}` : ''}`;
  } else if (hop.kind === 'vxlan') {
    const src = up ? config.slb.hostIp : config.haproxy.hostIp;
    const dst = up ? config.haproxy.hostIp : config.slb.hostIp;
    layers.push(ipv4({ src, dst, ttl: 64, id: ids.take(`vxlan-${src}`), flags: 'DF' }));
    layers.push(udp({ dport: UDP_PORT.vxlan }));
    layers.push(vxlan({ vni: config.slb.vni }));
    layers.push(
      ether(
        up
          ? { src: config.slb.gatewayMac, dst: config.haproxy.vmMac, type: 0x0800 }
          : { src: config.haproxy.vmMac, dst: config.slb.gatewayMac, type: 0x0800 },
      ),
    );
    detail = `VNI ${config.slb.vni}`;
    // --- j-carriers: a labelled link of the MPLS core (EtherType 0x8847 from the binding) ---
  } else if (hop.kind === 'carrier' && (up ? hop.carrier!.up : hop.carrier!.down)) {
    const label = (up ? hop.carrier!.up : hop.carrier!.down)!;
    layers.push(mpls(labelEntry(config, label, inner)));
    // --- end j-carriers ---
  } else {
    // Plain Ethernet: the inner packet follows directly.
    layers[0] = ether({ ...link, type: 0x0800 });
  }
  layers.push(raw({ data: inner }));
  return { data: encodePacket(layers), detail };
}
