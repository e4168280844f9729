// Layer builders, field types and codecs, one protocol per module.
export * from './arp.js';
export { bytesOf } from './bytes-value.js';
export * from './ethernet.js';
export * from './geneve.js';
export * from './gtpu.js';
export * from './icmp.js';
export * from './icmpv6.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './ipv6-ext.js';
export type * from './layer.js';
export * from './numbers.js';
export * from './raw.js';
export { codecs, isLayerName, layerNames } from './registry.js';
export * from './tcp.js';
export * from './udp.js';
export * from './vlan.js';
export * from './vxlan.js';
