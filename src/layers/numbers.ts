/**
 * Protocol numbers and the default bindings between layers: EtherType, IP protocol, UDP/TCP port.
 * No imports of layer modules here, so every layer can use it.
 */
import type { Bindings, LayerName } from './layer.js';

export const ETHERTYPE = {
  ipv4: 0x0800,
  arp: 0x0806,
  dot1q: 0x8100,
  qinq: 0x88a8,
  /** The pre-standard QinQ TPID some switches still send; decoded as 802.1Q, never written by default. */
  qinqLegacy: 0x9100,
  ipv6: 0x86dd,
  teb: 0x6558,
  mpls: 0x8847,
  mplsMulticast: 0x8848,
} as const;

export const IP_PROTOCOL = {
  ipv6hop: 0,
  icmp: 1,
  ipv4: 4,
  tcp: 6,
  udp: 17,
  ipv6: 41,
  ipv6route: 43,
  ipv6frag: 44,
  icmpv6: 58,
  none: 59,
  ipv6dest: 60,
  gre: 47,
} as const;

export const TCP_PORT = {
  dns: 53,
  tls: 443,
  mysql: 3306,
} as const;

export const UDP_PORT = {
  dns: 53,
  gtpv2: 2123,
  gtpu: 2152,
  vxlan: 4789,
  geneve: 6081,
} as const;

/**
 * One declaration per relation between layers: the parent layers whose `key` field carries `value`
 * to announce `child`, the decode table it lives in (overridable per decode: "decode as"), and the
 * parent fields it fills when the user left them out (UDP ports over GTP-U). The decode tables,
 * encode's next-protocol / EtherType / port fill and the README's "bound by" column all come from
 * this list. `decodeOnly` marks another value that also announces the child when decoding (the
 * 802.1Q TPIDs 0x88a8 and 0x9100) but is never written for it by default.
 */
export interface Binding {
  readonly table: keyof Bindings;
  readonly parents: readonly LayerName[];
  /** The parent's field that carries `value` (see `keyIn` for a parent that names it otherwise). */
  readonly key: string;
  /** Parents whose key field has another name (Geneve's EtherType is `proto`, IPv4's protocol `proto`). */
  readonly keyIn?: Readonly<Partial<Record<LayerName, string>>>;
  readonly value: number;
  readonly child: LayerName;
  readonly fills?: Readonly<Record<string, number>>;
  readonly decodeOnly?: boolean;
}

/** Layers whose next-protocol field is an EtherType. */
const ETHER_PARENTS: readonly LayerName[] = ['ether', 'dot1q', 'geneve', 'gre'];
const IP_PARENTS: readonly LayerName[] = ['ipv4', 'ipv6', 'ipv6hop', 'ipv6route', 'ipv6frag', 'ipv6dest'];

const ether = (value: number, child: LayerName, decodeOnly = false): Binding => ({
  table: 'etherType',
  parents: ETHER_PARENTS,
  key: 'type',
  keyIn: { geneve: 'proto' },
  value,
  child,
  ...(decodeOnly ? { decodeOnly } : {}),
});
const ip = (value: number, child: LayerName): Binding => ({
  table: 'ipProtocol',
  parents: IP_PARENTS,
  key: 'nh',
  keyIn: { ipv4: 'proto' },
  value,
  child,
});

export const BINDINGS: readonly Binding[] = [
  ether(ETHERTYPE.ipv4, 'ipv4'),
  ether(ETHERTYPE.arp, 'arp'),
  ether(ETHERTYPE.dot1q, 'dot1q'),
  ether(ETHERTYPE.qinq, 'dot1q', true),
  ether(ETHERTYPE.qinqLegacy, 'dot1q', true),
  ether(ETHERTYPE.ipv6, 'ipv6'),
  ip(IP_PROTOCOL.ipv6hop, 'ipv6hop'),
  ip(IP_PROTOCOL.icmp, 'icmp'),
  ip(IP_PROTOCOL.ipv4, 'ipv4'),
  ip(IP_PROTOCOL.tcp, 'tcp'),
  ip(IP_PROTOCOL.udp, 'udp'),
  ip(IP_PROTOCOL.ipv6, 'ipv6'),
  ip(IP_PROTOCOL.ipv6route, 'ipv6route'),
  ip(IP_PROTOCOL.ipv6frag, 'ipv6frag'),
  ip(IP_PROTOCOL.icmpv6, 'icmpv6'),
  ip(IP_PROTOCOL.ipv6dest, 'ipv6dest'),
  {
    table: 'udpPort',
    parents: ['udp'],
    key: 'dport',
    value: UDP_PORT.gtpu,
    child: 'gtpu',
    fills: { sport: UDP_PORT.gtpu, dport: UDP_PORT.gtpu },
  },
  // The source port over VXLAN is a hash of the inner flow (udp.ts, `vxlanSourcePort`).
  {
    table: 'udpPort',
    parents: ['udp'],
    key: 'dport',
    value: UDP_PORT.vxlan,
    child: 'vxlan',
    fills: { dport: UDP_PORT.vxlan },
  },
  {
    table: 'udpPort',
    parents: ['udp'],
    key: 'dport',
    value: UDP_PORT.geneve,
    child: 'geneve',
    // Both ports: UDP's own default source port, 53, is DNS's, and Wireshark tries the lower port first.
    fills: { sport: UDP_PORT.geneve, dport: UDP_PORT.geneve },
  },
  // TLS on its registered port (RFC 8446 over TCP 443); decode only: a spec under tcp keeps TCP's ports.
  { table: 'tcpPort', parents: ['tcp'], key: 'dport', value: TCP_PORT.tls, child: 'tls', decodeOnly: true },
  // Transparent Ethernet bridging: an Ethernet frame as the payload (Geneve; Wireshark's EtherType table too).
  { table: 'etherType', parents: ['geneve'], key: 'proto', value: ETHERTYPE.teb, child: 'ether' },
  // MySQL on its registered port; decode only (the server's side is the one on 3306: set the ports).
  {
    table: 'tcpPort',
    parents: ['tcp'],
    key: 'dport',
    value: TCP_PORT.mysql,
    child: 'mysql',
    decodeOnly: true,
  },
  { table: 'etherType', parents: ['geneve', 'gre'], key: 'proto', value: ETHERTYPE.teb, child: 'ether' },
  // MPLS (RFC 3032): unicast 0x8847; multicast 0x8848 decodes too (written only when set).
  ether(ETHERTYPE.mpls, 'mpls'),
  ether(ETHERTYPE.mplsMulticast, 'mpls', true),
  // GRE (RFC 2784) over IPv4 and IPv6; its protocol type is an EtherType (ETHER_PARENTS).
  ip(IP_PROTOCOL.gre, 'gre'),
  // DNS (RFC 1035) on port 53 either way; left out, both UDP ports are 53 (as Scapy writes UDP()/DNS()).
  {
    table: 'udpPort',
    parents: ['udp'],
    key: 'dport',
    value: UDP_PORT.dns,
    child: 'dns',
    fills: { sport: UDP_PORT.dns, dport: UDP_PORT.dns },
  },
  // GTPv2-C (TS 29.274 §4.2: port 2123 for requests; the response goes back to the request's port).
  {
    table: 'udpPort',
    parents: ['udp'],
    key: 'dport',
    value: UDP_PORT.gtpv2,
    child: 'gtpv2',
    fills: { sport: UDP_PORT.gtpv2, dport: UDP_PORT.gtpv2 },
  },
  // DNS over TCP (RFC 7766); decode only, like TLS: a spec under tcp sets TCP's ports.
  { table: 'tcpPort', parents: ['tcp'], key: 'dport', value: TCP_PORT.dns, child: 'dns', decodeOnly: true },
];

/** The field of `parent` that carries a binding's value (`type`, `proto`, `nh`, `dport`). */
export function bindingKeyIn(binding: Binding, parent: LayerName): string {
  return binding.keyIn?.[parent] ?? binding.key;
}

/** Every EtherType that announces an 802.1Q-format tag (0x8100, 0x88a8, 0x9100), from BINDINGS. */
export const VLAN_TPIDS: ReadonlySet<number> = new Set(
  BINDINGS.filter((b) => b.table === 'etherType' && b.child === 'dot1q').map((b) => b.value),
);

function decodeTable(table: keyof Bindings): ReadonlyMap<number, LayerName> {
  return new Map(BINDINGS.filter((b) => b.table === table).map((b) => [b.value, b.child]));
}

export const defaultBindings: Bindings = {
  etherType: decodeTable('etherType'),
  ipProtocol: decodeTable('ipProtocol'),
  udpPort: decodeTable('udpPort'),
  tcpPort: decodeTable('tcpPort'),
};

/** For one parent layer: child layer → the binding written when the key field is left out. Built once per parent. */
export function encodeBindings(parent: LayerName): ReadonlyMap<LayerName, Binding> {
  const map = new Map<LayerName, Binding>();
  for (const binding of BINDINGS) {
    if (binding.decodeOnly || !binding.parents.includes(parent) || map.has(binding.child)) continue;
    map.set(binding.child, binding);
  }
  return map;
}

const ETHER_NEXT = encodeBindings('ether');
const IP_NEXT = encodeBindings('ipv4');

/** EtherType announcing `next` (the layer after an Ethernet or 802.1Q header), or undefined. */
export function etherTypeFor(layers: readonly { layer: LayerName }[], nextIndex: number): number | undefined {
  const next = layers[nextIndex];
  if (!next) return undefined;
  // The outermost of two or more stacked tags is an 802.1ad S-tag (0x88a8), like Linux's QinQ.
  if (
    next.layer === 'dot1q' &&
    layers[nextIndex + 1]?.layer === 'dot1q' &&
    layers[nextIndex - 1]?.layer !== 'dot1q'
  )
    return ETHERTYPE.qinq;
  return ETHER_NEXT.get(next.layer)?.value;
}

/** IP protocol / IPv6 next-header number announcing the layer at `nextIndex`, or undefined (59 = none is the caller's choice). */
export function ipProtocolFor(
  layers: readonly { layer: LayerName }[],
  nextIndex: number,
): number | undefined {
  const next = layers[nextIndex];
  if (!next) return undefined;
  return IP_NEXT.get(next.layer)?.value;
}

/** Merges "decode as" overrides into the default bindings. */
export function bindingsWith(overrides: {
  etherType?: Record<number, LayerName>;
  ipProtocol?: Record<number, LayerName>;
  udpPort?: Record<number, LayerName>;
  tcpPort?: Record<number, LayerName>;
}): Bindings {
  const merge = (base: ReadonlyMap<number, LayerName>, extra?: Record<number, LayerName>) => {
    if (!extra) return base;
    const map = new Map(base);
    for (const [key, value] of Object.entries(extra)) map.set(Number(key), value);
    return map;
  };
  return {
    etherType: merge(defaultBindings.etherType, overrides.etherType),
    ipProtocol: merge(defaultBindings.ipProtocol, overrides.ipProtocol),
    udpPort: merge(defaultBindings.udpPort, overrides.udpPort),
    tcpPort: merge(defaultBindings.tcpPort, overrides.tcpPort),
  };
}
