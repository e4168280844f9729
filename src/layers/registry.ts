/**
 * The registry: layer name → codec. The bindings between layers (EtherType, IP protocol, UDP port)
 * live in numbers.ts so that layer modules can use them without importing each other.
 */
import { arpCodec } from './arp.js';
import { etherCodec } from './ethernet.js';
import { gtpuCodec } from './gtpu.js';
import { icmpCodec } from './icmp.js';
import { icmpv6Codec } from './icmpv6.js';
import { ipv4Codec } from './ipv4.js';
import { ipv6Codec } from './ipv6.js';
import { ipv6destCodec, ipv6fragCodec, ipv6hopCodec, ipv6routeCodec } from './ipv6-ext.js';
import type { LayerCodec, LayerName } from './layer.js';
import { rawCodec } from './raw.js';
import { tcpCodec } from './tcp.js';
import { clientHelloCodec, tlsCodec } from './tls.js';
import { udpCodec } from './udp.js';
import { dot1qCodec } from './vlan.js';
import { vxlanCodec } from './vxlan.js';

export { bindingsWith, defaultBindings } from './numbers.js';

// biome-ignore lint/suspicious/noExplicitAny: the registry holds codecs of every fields type; callers narrow by name
type AnyCodec = LayerCodec<any>;

export const codecs: Readonly<Record<LayerName, AnyCodec>> = {
  ether: etherCodec,
  dot1q: dot1qCodec,
  arp: arpCodec,
  ipv4: ipv4Codec,
  ipv6: ipv6Codec,
  ipv6hop: ipv6hopCodec,
  ipv6route: ipv6routeCodec,
  ipv6frag: ipv6fragCodec,
  ipv6dest: ipv6destCodec,
  icmp: icmpCodec,
  icmpv6: icmpv6Codec,
  udp: udpCodec,
  tcp: tcpCodec,
  gtpu: gtpuCodec,
  vxlan: vxlanCodec,
  tls: tlsCodec,
  clienthello: clientHelloCodec,
  raw: rawCodec,
};

export const layerNames = Object.keys(codecs) as LayerName[];

export function isLayerName(name: string): name is LayerName {
  return Object.hasOwn(codecs, name);
}
