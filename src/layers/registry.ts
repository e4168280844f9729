/**
 * The registry: layer name → codec. The bindings between layers (EtherType, IP protocol, UDP port)
 * live in numbers.ts so that layer modules can use them without importing each other.
 */

import type { ArpDecodedFields, ArpInfo } from './arp.js';
import { arpCodec } from './arp.js';
import type { DnsDecodedFields, DnsInfo } from './dns.js';
import { dnsCodec } from './dns.js';
import type { EtherDecodedFields } from './ethernet.js';
import { etherCodec } from './ethernet.js';
import type { GeneveDecodedFields, GeneveInfo } from './geneve.js';
import { geneveCodec } from './geneve.js';
import type { GreDecodedFields, GreInfo } from './gre.js';
import { greCodec } from './gre.js';
import type { GtpuDecodedFields, GtpuInfo } from './gtpu.js';
import { gtpuCodec } from './gtpu.js';
import type { Gtpv2DecodedFields, Gtpv2Info } from './gtpv2.js';
import { gtpv2Codec } from './gtpv2.js';
import type { IcmpDecodedFields, IcmpInfo } from './icmp.js';
import { icmpCodec } from './icmp.js';
import type { Icmpv6DecodedFields, Icmpv6Info } from './icmpv6.js';
import { icmpv6Codec } from './icmpv6.js';
import type { Ipv4DecodedFields, Ipv4Info } from './ipv4.js';
import { ipv4Codec } from './ipv4.js';
import type { Ipv6DecodedFields, Ipv6Info } from './ipv6.js';
import { ipv6Codec } from './ipv6.js';
import type {
  Ipv6destDecodedFields,
  Ipv6destInfo,
  Ipv6fragDecodedFields,
  Ipv6fragInfo,
  Ipv6hopDecodedFields,
  Ipv6hopInfo,
  Ipv6routeDecodedFields,
  Ipv6routeInfo,
} from './ipv6-ext.js';
import { ipv6destCodec, ipv6fragCodec, ipv6hopCodec, ipv6routeCodec } from './ipv6-ext.js';
import type { LayerCodec, LayerName } from './layer.js';
import type { LoopDecodedFields, NullDecodedFields } from './loopback.js';
import { loopCodec, nullCodec } from './loopback.js';
import type { MplsDecodedFields } from './mpls.js';
import { mplsCodec } from './mpls.js';
import type { MysqlDecodedFields, MysqlInfo } from './mysql.js';
import { mysqlCodec } from './mysql.js';
import type { RawDecodedFields } from './raw.js';
import { rawCodec } from './raw.js';
import type { Sll2DecodedFields, SllDecodedFields, SllInfo } from './sll.js';
import { sll2Codec, sllCodec } from './sll.js';
import type { TcpDecodedFields, TcpInfo } from './tcp.js';
import { tcpCodec } from './tcp.js';
import type { ClientHelloDecodedFields, ClientHelloInfo, TlsDecodedFields, TlsInfo } from './tls.js';
import { clientHelloCodec, tlsCodec } from './tls.js';
import type { UdpDecodedFields, UdpInfo } from './udp.js';
import { udpCodec } from './udp.js';
import type { Dot1qDecodedFields } from './vlan.js';
import { dot1qCodec } from './vlan.js';
import type { VxlanDecodedFields, VxlanInfo } from './vxlan.js';
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
  geneve: geneveCodec,
  tls: tlsCodec,
  clienthello: clientHelloCodec,
  raw: rawCodec,
  mysql: mysqlCodec,
  dns: dnsCodec,
  gtpv2: gtpv2Codec,
  mpls: mplsCodec,
  gre: greCodec,
  sll: sllCodec,
  sll2: sll2Codec,
  null: nullCodec,
  loop: loopCodec,
};

export const layerNames = Object.keys(codecs) as LayerName[];

export function isLayerName(name: string): name is LayerName {
  return Object.hasOwn(codecs, name);
}

/**
 * What decode gives for each layer: its fields (every wire field the header has, exactly as on the
 * wire, addresses as text and bytes as Uint8Array) and its info (undefined: the layer gives none).
 */
export interface DecodedShapes {
  ether: [EtherDecodedFields, undefined];
  dot1q: [Dot1qDecodedFields, undefined];
  arp: [ArpDecodedFields, ArpInfo];
  ipv4: [Ipv4DecodedFields, Ipv4Info];
  ipv6: [Ipv6DecodedFields, Ipv6Info];
  ipv6hop: [Ipv6hopDecodedFields, Ipv6hopInfo];
  ipv6route: [Ipv6routeDecodedFields, Ipv6routeInfo];
  ipv6frag: [Ipv6fragDecodedFields, Ipv6fragInfo];
  ipv6dest: [Ipv6destDecodedFields, Ipv6destInfo];
  icmp: [IcmpDecodedFields, IcmpInfo];
  icmpv6: [Icmpv6DecodedFields, Icmpv6Info];
  udp: [UdpDecodedFields, UdpInfo];
  tcp: [TcpDecodedFields, TcpInfo];
  gtpu: [GtpuDecodedFields, GtpuInfo];
  vxlan: [VxlanDecodedFields, VxlanInfo];
  geneve: [GeneveDecodedFields, GeneveInfo];
  tls: [TlsDecodedFields, TlsInfo];
  clienthello: [ClientHelloDecodedFields, ClientHelloInfo];
  raw: [RawDecodedFields, undefined];
  mysql: [MysqlDecodedFields, MysqlInfo];
  dns: [DnsDecodedFields, DnsInfo];
  gtpv2: [Gtpv2DecodedFields, Gtpv2Info];
  mpls: [MplsDecodedFields, undefined];
  gre: [GreDecodedFields, GreInfo];
  sll: [SllDecodedFields, SllInfo];
  sll2: [Sll2DecodedFields, SllInfo];
  null: [NullDecodedFields, undefined];
  loop: [LoopDecodedFields, undefined];
}
