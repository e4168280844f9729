/**
 * The carriers between the mobile operator's packet gateway and the data centre's edge router: the
 * part of the order journey that used to be a row of plain "internet" routers.
 *
 * Uplink order (the downlink takes the same links in reverse, on LSPs of its own):
 *   core      the mobile operator's MPLS core: the ingress PE (facing the PGW / PSA-UPF), the P routers,
 *             the egress PE (the operator's border router). One capture per link, `carrier-<a>-<b>`.
 *   border    the eBGP peering link between the operator's border router (the egress PE) and the
 *             upstream carrier's border router: plain IP, link addresses from config (/31 or /30).
 *   upstream  the data centre's upstream carrier: its border router and further routers, plain IP, the
 *             last one's link ending at the DC edge router.
 *
 * Label switching (RFC 3031): one LSP per direction (LSPs are unidirectional), uplink from the
 * ingress PE to the egress PE towards the data centre's prefix, downlink from the egress PE back to
 * the ingress PE towards the phone's. The label on each link is the one the downstream router of
 * that direction assigned (config: `carriers.core.links[i].uplinkLabel` / `downlinkLabel`). The
 * ingress of the LSP pushes one label, every P router swaps it, and the last P router before the
 * LSP's egress removes it: penultimate hop popping (the egress advertised implicit null, label 3,
 * RFC 3032 §2.1) sends plain IP on the last link; `pop: 'explicit-null'` sends the IPv4 explicit null
 * label 0 instead, which the egress PE pops. The last link's label in each direction is therefore
 * not configurable: it is `null` in the config.
 *
 * TTL, RFC 3443's uniform model (§3.1, the model of RFC 3032 itself): the ingress PE forwards the IP
 * packet (IP TTL − 1, the header checksum updated) and copies that TTL into the label it pushes (label
 * TTL = incoming IP TTL − 1); each LSR decrements the label TTL and leaves the IP header alone; the
 * router that pops (the penultimate P router, or the egress PE for explicit null) writes label TTL − 1
 * into the IP header as it forwards. Seen from outside, every router of the core took one off the
 * TTL, as on the plain IP links around it, where every router takes one off the IP TTL.
 *
 * TC (the former EXP bits), our choice: the ingress PE sets TC from the IP precedence (the top three
 * bits of the DSCP), or from `carriers.core.tc` when configured; swaps copy it; the pop leaves the IP
 * DSCP as it was (the short-pipe DiffServ model of RFC 3270: the core's marking does not leak into
 * the customer's header).
 *
 * MACs: one MAC per router (`routers[].mac`); on every link the source MAC is the sender's and the
 * destination MAC the next router's (the DC edge router's, `dcEdge.mac`, on the last upstream link).
 *
 * 5G mode: the same carriers follow the N6 hop; nothing here depends on the mode.
 */
import { FieldError } from '../core/errors.js';
import type { JourneyConfig } from './config.js';

export type CorePop = 'php' | 'explicit-null';

export interface CarrierRouter {
  /** Short lower-case name, used in hop ids (`carrier-pe1-p1`). */
  name: string;
  mac: string;
}

export interface CoreLink {
  /** The label on this link towards the data centre; null on the last link (popped, or explicit null). */
  uplinkLabel: number | null;
  /** The label on this link towards the phone; null on the first link (popped, or explicit null). */
  downlinkLabel: number | null;
  delayMs: number;
}

export interface CarriersConfig {
  core: {
    /** How the LSPs end: penultimate hop popping, or the IPv4 explicit null label 0 up to the egress PE. */
    pop: CorePop;
    /** TC of the pushed label: null copies the IP precedence; swaps copy the TC. */
    tc: number | null;
    /** Uplink order: the ingress PE, the P routers (at least one), the egress PE (the operator's border router). */
    routers: CarrierRouter[];
    /** `links[i]` joins `routers[i]` and `routers[i + 1]`. */
    links: CoreLink[];
  };
  /** The eBGP peering link between the egress PE and the upstream carrier's first router. */
  border: {
    prefixLength: number;
    operatorIp: string;
    carrierIp: string;
    operatorAsn: number;
    carrierAsn: number;
    delayMs: number;
  };
  /** The DC's upstream carrier: its border router first; router k's link leads to router k+1 or the DC edge. */
  upstream: { routers: Array<CarrierRouter & { delayMs: number }> };
}

export type CarrierSegment = 'core' | 'border' | 'upstream';

/** The MPLS label stack entry of a link in one direction: the label and its place on that direction's LSP. */
export interface LinkLabel {
  label: number;
  /** 0 on the LSP's first link (where it was pushed), +1 per swap. */
  lspPosition: number;
}

export interface CarrierLink {
  /** Hop id: `carrier-<from>-<to>`. */
  id: string;
  segment: CarrierSegment;
  /** Router names in uplink order ('edge' for the DC edge router). */
  from: string;
  to: string;
  /** Uplink MACs (the downlink swaps them). */
  srcMac: string;
  dstMac: string;
  delayMs: number;
  up: LinkLabel | undefined;
  down: LinkLabel | undefined;
  /** IP TTL decrements since the packet entered the first carrier router of its direction, when it is on this link. */
  ipDecrementsUp: number;
  ipDecrementsDown: number;
}

const ROUTER_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** The carrier routers' count: every one of them takes one off the TTL (the core's by the uniform model). */
export function carrierRouterCount(config: JourneyConfig): number {
  return config.carriers.core.routers.length + config.carriers.upstream.routers.length;
}

/** The label a packet carries on core link `i` in one direction, or undefined for plain IP. */
function coreLabel(config: JourneyConfig, i: number, direction: 'up' | 'down'): LinkLabel | undefined {
  const { pop, links } = config.carriers.core;
  const last = links.length - 1;
  const lspPosition = direction === 'up' ? i : last - i;
  const configured = direction === 'up' ? links[i]!.uplinkLabel : links[i]!.downlinkLabel;
  if (lspPosition === last) return pop === 'explicit-null' ? { label: 0, lspPosition } : undefined;
  return { label: configured!, lspPosition };
}

/** Every carrier link in uplink order. */
export function carrierLinks(config: JourneyConfig): CarrierLink[] {
  const { core, border, upstream } = config.carriers;
  const out: CarrierLink[] = [];
  const n = core.routers.length;
  const u = upstream.routers.length;
  const coreLinks = n - 1;
  core.links.forEach((link, i) => {
    const from = core.routers[i]!;
    const to = core.routers[i + 1]!;
    const up = coreLabel(config, i, 'up');
    const down = coreLabel(config, i, 'down');
    out.push({
      id: `carrier-${from.name}-${to.name}`,
      segment: 'core',
      from: from.name,
      to: to.name,
      srcMac: from.mac,
      dstMac: to.mac,
      delayMs: link.delayMs,
      up,
      down,
      // Inside an LSP the IP header keeps the TTL the LSP's ingress gave it (one router: that PE);
      // on a plain link every router so far took one off.
      ipDecrementsUp: up ? 1 : i + 1,
      ipDecrementsDown: down ? u + 1 : u + (coreLinks - i),
    });
  });
  const operatorBorder = core.routers[n - 1]!;
  const carrierBorder = upstream.routers[0]!;
  out.push({
    id: `carrier-${operatorBorder.name}-${carrierBorder.name}`,
    segment: 'border',
    from: operatorBorder.name,
    to: carrierBorder.name,
    srcMac: operatorBorder.mac,
    dstMac: carrierBorder.mac,
    delayMs: border.delayMs,
    up: undefined,
    down: undefined,
    ipDecrementsUp: n,
    ipDecrementsDown: u,
  });
  upstream.routers.forEach((router, k) => {
    const next = upstream.routers[k + 1];
    out.push({
      id: `carrier-${router.name}-${next ? next.name : 'edge'}`,
      segment: 'upstream',
      from: router.name,
      to: next ? next.name : 'edge',
      srcMac: router.mac,
      dstMac: next ? next.mac : config.dcEdge.mac,
      delayMs: router.delayMs,
      up: undefined,
      down: undefined,
      ipDecrementsUp: n + k + 1,
      ipDecrementsDown: u - 1 - k,
    });
  });
  return out;
}

/** The MAC of the first carrier router of the uplink (the ingress PE), which the SGi hop sends to. */
export function ingressPeMac(config: JourneyConfig): string {
  return config.carriers.core.routers[0]!.mac;
}

/**
 * The label stack entry a labelled link carries for an inner IP packet as it is on that link (its TTL
 * is the one the LSP's ingress PE forwarded with): label TTL = that IP TTL − the swaps since the push;
 * TC from the config or the IP precedence.
 */
export function labelEntry(
  config: JourneyConfig,
  label: LinkLabel,
  inner: Uint8Array,
): { label: number; tc: number; ttl: number; s: number } {
  const ipTtl = inner[8] ?? 0;
  const tc = config.carriers.core.tc ?? (inner[1] ?? 0) >>> 5;
  return { label: label.label, tc, ttl: ipTtl - label.lspPosition, s: 1 };
}

function segmentName(link: CarrierLink): string {
  if (link.segment === 'core') return 'Operator MPLS core';
  if (link.segment === 'border') return 'Carrier border';
  return 'Upstream carrier';
}

/** A router's name for people: the DC edge router is "DC edge". */
function routerName(name: string): string {
  return name === 'edge' ? 'DC edge' : name;
}

/** The hop label ("Operator MPLS core (pe1 → p1)"). */
export function carrierHopLabel(link: CarrierLink): string {
  return `${segmentName(link)} (${link.from} → ${routerName(link.to)})`;
}

function labelText(label: LinkLabel | undefined, pop: CorePop): string {
  if (label) return label.label === 0 ? 'explicit null 0' : `label ${label.label}`;
  return pop === 'php' ? 'unlabelled (PHP)' : 'unlabelled';
}

/** The hop's encapsulation column ("Ethernet / MPLS / IPv4 / TCP (up label 16010, down unlabelled (PHP))"). */
export function carrierEncapsulation(config: JourneyConfig, link: CarrierLink): string {
  if (link.segment !== 'core' || (!link.up && !link.down)) return 'Ethernet / IPv4 / TCP';
  const pop = config.carriers.core.pop;
  const up = labelText(link.up, pop);
  const down = labelText(link.down, pop);
  return `Ethernet / MPLS / IPv4 / TCP (up ${up}, down ${down})`;
}

/** What the packet comment says about a carrier hop. */
export function carrierDetail(
  config: JourneyConfig,
  link: CarrierLink,
  direction: 'up' | 'down',
  inner: Uint8Array,
): string {
  const ttl = inner[8] ?? 0;
  const label = direction === 'up' ? link.up : link.down;
  if (link.segment === 'border') {
    const b = config.carriers.border;
    const [src, dst] =
      direction === 'up'
        ? [`${b.operatorIp} AS${b.operatorAsn}`, `${b.carrierIp} AS${b.carrierAsn}`]
        : [`${b.carrierIp} AS${b.carrierAsn}`, `${b.operatorIp} AS${b.operatorAsn}`];
    return `eBGP peering link /${b.prefixLength} ${src} -> ${dst}, IP TTL ${ttl}`;
  }
  if (link.segment === 'upstream') return `IP TTL ${ttl}`;
  if (label) {
    const entry = labelEntry(config, label, inner);
    const action = label.lspPosition === 0 ? 'pushed' : label.label === 0 ? 'explicit null' : 'swapped';
    return `MPLS label ${entry.label} (${action}), label TTL ${entry.ttl}, TC ${entry.tc}, IP TTL ${ttl}`;
  }
  const penultimate = direction === 'up' ? link.from : link.to;
  return `label popped by ${penultimate} (penultimate hop popping), IP TTL ${ttl}`;
}

/**
 * The carrier path as text for the terminal summary: one line per link with the label (and what
 * happened to it) each way, and the eBGP link's addresses.
 */
export function formatCarrierPath(config: JourneyConfig): string {
  const links = carrierLinks(config);
  const { border, core } = config.carriers;
  const rows = links.map((link) => {
    const up = link.segment === 'core' ? describeLabel(link.up, core.pop) : 'IP';
    const down = link.segment === 'core' ? describeLabel(link.down, core.pop) : 'IP';
    const extra =
      link.segment === 'border'
        ? `  eBGP ${border.operatorIp}/${border.prefixLength} AS${border.operatorAsn} <-> ${border.carrierIp} AS${border.carrierAsn}`
        : '';
    return [link.id, `${link.from} -> ${routerName(link.to)}`, up, down, extra];
  });
  const header = ['carrier hop', 'routers (uplink)', 'uplink', 'downlink', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column < cells.length - 1 ? cell.padEnd(widths[column]!) : cell))
      .join('  ')
      .trimEnd();
  const mode = core.pop === 'php' ? 'penultimate hop popping' : 'explicit null (label 0) to the egress PE';
  return [
    `carrier path: MPLS core ${core.routers.map((r) => r.name).join(' -> ')} (${mode}, TTL by RFC 3443's uniform model), eBGP border, upstream carrier ${config.carriers.upstream.routers.map((r) => r.name).join(' -> ')} -> DC edge`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

function describeLabel(label: LinkLabel | undefined, pop: CorePop): string {
  if (!label) return pop === 'php' ? 'IP (popped, PHP)' : 'IP';
  const action = label.lspPosition === 0 ? 'push' : label.label === 0 ? 'explicit null' : 'swap';
  return `MPLS ${label.label} (${action})`;
}

/** A short one-line route for the ladder's heading: `pe1 =16010=> p1 =16020=> p2 -> pe2 -eBGP-> br1 -> cr1 -> DC edge`. */
export function carrierRouteLine(config: JourneyConfig): string {
  const links = carrierLinks(config);
  const parts: string[] = [links[0]?.from ?? ''];
  for (const link of links) {
    const arrow = link.up ? `=${link.up.label}=>` : link.segment === 'border' ? '-eBGP->' : '->';
    parts.push(arrow, routerName(link.to));
  }
  return parts.join(' ');
}

/** Rules of the carriers block that span several keys (the schema checked each value). */
export function checkCarriers(config: JourneyConfig): void {
  const { core, border, upstream } = config.carriers;
  const fail = (field: string, reason: string): never => {
    throw new FieldError('config', `carriers.${field}`, reason);
  };
  if (core.routers.length < 3) {
    fail(
      'core.routers',
      `must list the ingress PE, at least one P router and the egress PE, got ${core.routers.length}`,
    );
  }
  if (core.links.length !== core.routers.length - 1) {
    fail(
      'core.links',
      `must list one link per pair of neighbouring routers (${core.routers.length - 1}), got ${core.links.length}`,
    );
  }
  const last = core.links.length - 1;
  core.links.forEach((link, i) => {
    for (const [key, value, pops] of [
      ['uplinkLabel', link.uplinkLabel, i === last],
      ['downlinkLabel', link.downlinkLabel, i === 0],
    ] as const) {
      if (pops && value !== null) {
        fail(
          `core.links[${i}].${key}`,
          `must be null: the ${key === 'uplinkLabel' ? 'uplink' : 'downlink'} LSP ends on this link (${core.pop === 'php' ? 'penultimate hop popping sends no label' : 'explicit null sends label 0'}), got ${value}`,
        );
      }
      if (!pops && value === null)
        fail(`core.links[${i}].${key}`, 'must be a label from 16 to 1048575, got null');
    }
  });
  if (upstream.routers.length < 1) fail('upstream.routers', 'must list at least the border router');
  const names = new Set<string>(['edge']);
  const allRouters = [
    ...core.routers.map((router, i) => ({ router, key: `core.routers[${i}].name` })),
    ...upstream.routers.map((router, i) => ({ router, key: `upstream.routers[${i}].name` })),
  ];
  for (const { router, key } of allRouters) {
    if (!ROUTER_NAME.test(router.name))
      fail(key, `must match ${ROUTER_NAME}, got ${JSON.stringify(router.name)}`);
    if (names.has(router.name))
      fail(key, `must be unique among the carrier routers, got ${JSON.stringify(router.name)} twice`);
    names.add(router.name);
  }
  // The eBGP link: both ends in one /31 (RFC 3021) or /30, neither the /30's network nor broadcast address.
  const a = ipv4Value(border.operatorIp);
  const b = ipv4Value(border.carrierIp);
  const size = 2 ** (32 - border.prefixLength);
  if (a === b)
    fail('border.carrierIp', `must differ from carriers.border.operatorIp, got ${border.carrierIp}`);
  if (Math.floor(a / size) !== Math.floor(b / size)) {
    fail(
      'border.carrierIp',
      `must be in the same /${border.prefixLength} as carriers.border.operatorIp (${border.operatorIp}), got ${border.carrierIp}`,
    );
  }
  if (border.prefixLength === 30) {
    for (const [key, value, text] of [
      ['operatorIp', a, border.operatorIp],
      ['carrierIp', b, border.carrierIp],
    ] as const) {
      if (value % 4 === 0 || value % 4 === 3) {
        fail(`border.${key}`, `must not be the /30's network or broadcast address, got ${text}`);
      }
    }
  }
  if (border.operatorAsn === border.carrierAsn) {
    fail(
      'border.carrierAsn',
      `must differ from carriers.border.operatorAsn (eBGP joins two ASes), got ${border.carrierAsn}`,
    );
  }
}

function ipv4Value(address: string): number {
  return address.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}
