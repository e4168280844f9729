/**
 * The layers' public surface: builders, their field types and the numbers users write in fields.
 * src/index.ts re-exports this list whole; codecs, schemas and offsets stay internal (import them from
 * their modules inside the project). Adding a protocol adds its line here.
 */
export { ARP_OPERATIONS, type ArpAddress, type ArpFields, type ArpLayer, arp } from './arp.js';
export { bytesOf } from './bytes-value.js';
export {
  DNS_CLASS,
  DNS_HEADER_LENGTH,
  DNS_OPCODE,
  DNS_RCODE,
  DNS_TYPE,
  type DnsFields,
  type DnsLayer,
  dns,
  EDNS_OPTION,
  formatDnsName,
  parseDnsName,
} from './dns.js';
export { ETHER_HEADER_LENGTH, type EtherFields, type EtherLayer, ether } from './ethernet.js';
export {
  GENEVE_HEADER_LENGTH,
  type GeneveFields,
  type GeneveLayer,
  type GeneveOption,
  geneve,
} from './geneve.js';
export { GRE_HEADER_LENGTH, type GreFields, type GreLayer, gre } from './gre.js';
export {
  GTPU_EXTENSION,
  GTPU_FLAG,
  GTPU_HEADER_LENGTH,
  GTPU_MESSAGE,
  type GtpuExtension,
  type GtpuFields,
  type GtpuLayer,
  gtpu,
  type PduSessionFields,
} from './gtpu.js';
export {
  GTPV2_HEADER_LENGTH,
  GTPV2_IE,
  GTPV2_INTERFACE,
  GTPV2_MESSAGE,
  GTPV2_RAT,
  type Gtpv2Fields,
  type Gtpv2Layer,
  gtpv2,
} from './gtpv2.js';
export { ICMP_TYPE, ICMP_TYPE_NAMES, type IcmpFields, type IcmpLayer, icmp } from './icmp.js';
export {
  ICMPV6_TYPE,
  ICMPV6_TYPE_NAMES,
  type Icmpv6Fields,
  type Icmpv6Layer,
  icmpv6,
  NA_FLAG,
  type NdpOption,
} from './icmpv6.js';
export {
  IPV4_FLAG,
  IPV4_HEADER_LENGTH,
  type Ipv4Fields,
  type Ipv4Layer,
  type Ipv4Option,
  ipv4,
} from './ipv4.js';
export { IPV6_HEADER_LENGTH, type Ipv6Fields, type Ipv6Layer, ipv6 } from './ipv6.js';
export {
  type Ipv6destFields,
  type Ipv6destLayer,
  type Ipv6fragFields,
  type Ipv6fragLayer,
  type Ipv6hopFields,
  type Ipv6hopLayer,
  type Ipv6Option,
  type Ipv6routeFields,
  type Ipv6routeLayer,
  ipv6dest,
  ipv6frag,
  ipv6hop,
  ipv6route,
} from './ipv6-ext.js';
export type {
  Bindings,
  BytesValue,
  FieldKind,
  FieldValue,
  LayerName,
  LayerValue,
  Problem,
} from './layer.js';
export {
  BSD_AF,
  type LoopFields,
  type LoopLayer,
  loop,
  type NullFields,
  type NullLayer,
  nullLink,
} from './loopback.js';
export { MPLS_HEADER_LENGTH, MPLS_LABEL, type MplsFields, type MplsLayer, mpls } from './mpls.js';
export {
  MYSQL_CAPABILITY,
  MYSQL_COMMAND,
  MYSQL_TYPE,
  type MysqlFields,
  type MysqlLayer,
  type MysqlMessage,
  mysql,
} from './mysql.js';
export { bindingsWith, defaultBindings, ETHERTYPE, IP_PROTOCOL, UDP_PORT } from './numbers.js';
export { type RawFields, type RawLayer, raw } from './raw.js';
export { isLayerName, layerNames } from './registry.js';
export {
  SLL_HEADER_LENGTH,
  SLL_PACKET_TYPE,
  SLL2_HEADER_LENGTH,
  type Sll2Fields,
  type Sll2Layer,
  type SllFields,
  type SllLayer,
  sll,
  sll2,
} from './sll.js';
export {
  type SackBlock,
  TCP_FLAGS,
  TCP_HEADER_LENGTH,
  type TcpFields,
  type TcpLayer,
  type TcpOptionInfo,
  tcp,
} from './tcp.js';
export {
  type ClientHelloFields,
  type ClientHelloLayer,
  clienthello,
  type TlsRecordFields,
  type TlsRecordLayer,
  tls,
} from './tls.js';
export { type ChecksumStatus, UDP_HEADER_LENGTH, type UdpFields, type UdpLayer, udp } from './udp.js';
export { type Dot1qFields, type Dot1qLayer, dot1q } from './vlan.js';
export { VXLAN_HEADER_LENGTH, type VxlanFields, type VxlanLayer, vxlan } from './vxlan.js';
