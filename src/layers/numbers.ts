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
  ipv6: 0x86dd,
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
} as const;

export const TCP_PORT = {
  tls: 443,
} as const;

export const UDP_PORT = {
  gtpu: 2152,
  vxlan: 4789,
} as const;

export const defaultBindings: Bindings = {
  etherType: new Map<number, LayerName>([
    [0x0800, 'ipv4'],
    [0x0806, 'arp'],
    [0x8100, 'dot1q'],
    [0x88a8, 'dot1q'],
    [0x9100, 'dot1q'],
    [0x86dd, 'ipv6'],
  ]),
  ipProtocol: new Map<number, LayerName>([
    [0, 'ipv6hop'],
    [1, 'icmp'],
    [4, 'ipv4'],
    [6, 'tcp'],
    [17, 'udp'],
    [41, 'ipv6'],
    [43, 'ipv6route'],
    [44, 'ipv6frag'],
    [58, 'icmpv6'],
    [60, 'ipv6dest'],
  ]),
  udpPort: new Map<number, LayerName>([
    [2152, 'gtpu'],
    [4789, 'vxlan'],
  ]),
  tcpPort: new Map<number, LayerName>([[443, 'tls']]),
};

/** EtherType announcing `next` (the layer after an Ethernet or 802.1Q header), or undefined. */
export function etherTypeFor(layers: readonly { layer: LayerName }[], nextIndex: number): number | undefined {
  const next = layers[nextIndex];
  if (!next) return undefined;
  switch (next.layer) {
    case 'ipv4':
      return ETHERTYPE.ipv4;
    case 'ipv6':
      return ETHERTYPE.ipv6;
    case 'arp':
      return ETHERTYPE.arp;
    case 'dot1q':
      // The outermost of two or more stacked tags is an 802.1ad S-tag (0x88a8), like Linux's QinQ.
      if (layers[nextIndex + 1]?.layer === 'dot1q' && layers[nextIndex - 1]?.layer !== 'dot1q')
        return ETHERTYPE.qinq;
      return ETHERTYPE.dot1q;
    default:
      return undefined;
  }
}

/** IP protocol / IPv6 next-header number announcing the layer at `nextIndex`, or undefined (59 = none is the caller's choice). */
export function ipProtocolFor(
  layers: readonly { layer: LayerName }[],
  nextIndex: number,
): number | undefined {
  const next = layers[nextIndex];
  if (!next) return undefined;
  // A switch on the common names first: a keyed lookup with a varying key is slow per packet.
  switch (next.layer) {
    case 'tcp':
      return IP_PROTOCOL.tcp;
    case 'udp':
      return IP_PROTOCOL.udp;
    case 'icmp':
      return IP_PROTOCOL.icmp;
    case 'icmpv6':
      return IP_PROTOCOL.icmpv6;
    default:
      return (IP_PROTOCOL as Record<string, number>)[next.layer];
  }
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
