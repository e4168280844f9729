/**
 * Safety checks run before anything is sent: an interface must be named, it must not carry the default route
 * nor be loopback (unless forced), the process must hold CAP_NET_RAW, frames must fit the interface,
 * and a packet built from a spec must not be malformed beyond what the spec asked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InjectError } from '../core/errors.js';
import type { Bindings, LayerName, LayerValue } from '../layers/layer.js';
import { BINDINGS, bindingKeyIn, VLAN_TPIDS } from '../layers/numbers.js';
import { codecs, layerNames } from '../layers/registry.js';
import type { AnySchema } from '../layers/schema.js';
import { decodePacket } from '../packet/decode.js';
import { NEED_CAP_NET_RAW } from './errors.js';
import { parseIpv4Routes, parseIpv6Routes } from './routes.js';

const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;
const IFF_LOOPBACK = 0x8;
const ARPHRD_LOOPBACK = 772;
const CAP_NET_RAW = 13;
const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;

export interface SafetyOptions {
  /** Allow the default-route interface, loopback and oversize frames. */
  force?: boolean;
}

/** Sending needs a named interface; pktcraft never picks one. */
export function requireInterface(interfaceName: string | undefined): string {
  if (interfaceName === undefined || interfaceName.trim() === '') {
    throw new InjectError(
      'ENOIFACE',
      'no interface given: sending needs --interface IF (pktcraft never picks an interface by itself)',
    );
  }
  return interfaceName;
}

/** Interfaces that carry a default route (IPv4 /proc/net/route, IPv6 /proc/net/ipv6_route) in this namespace. */
export function defaultRouteInterfaces(
  ipv4RouteText = readOptional('/proc/net/route'),
  ipv6RouteText = readOptional('/proc/net/ipv6_route'),
): Set<string> {
  const names = new Set<string>();
  const usable = (flags: number): boolean => (flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0;
  for (const route of parseIpv4Routes(ipv4RouteText)) {
    if (route.destination === 0 && route.mask === 0 && usable(route.flags)) names.add(route.interfaceName);
  }
  for (const route of parseIpv6Routes(ipv6RouteText)) {
    const everywhere = route.prefixLength === 0 && route.destination.every((byte) => byte === 0);
    if (everywhere && usable(route.flags) && route.interfaceName !== 'lo') names.add(route.interfaceName);
  }
  return names;
}

/** True for the loopback interface (by its flags and type in /sys, or by the name lo). */
export function isLoopbackInterface(interfaceName: string): boolean {
  if (interfaceName === 'lo') return true;
  const base = `/sys/class/net/${interfaceName}`;
  if (existsSync(`${base}/flags`)) {
    const flags = Number.parseInt(readOptional(`${base}/flags`).trim(), 16);
    if (Number.isFinite(flags) && flags & IFF_LOOPBACK) return true;
  }
  if (existsSync(`${base}/type`)) {
    if (Number.parseInt(readOptional(`${base}/type`).trim(), 10) === ARPHRD_LOOPBACK) return true;
  }
  return false;
}

/** Refuses the default-route interface and loopback unless forced; returns the interface name. */
export function checkInterfaceAllowed(
  interfaceName: string | undefined,
  options: SafetyOptions = {},
): string {
  const name = requireInterface(interfaceName);
  if (options.force) return name;
  if (isLoopbackInterface(name)) {
    throw new InjectError(
      'ELOOPBACK',
      `refusing to send on loopback interface '${name}': crafted packets there reach this host's own stack; use --force to do it anyway`,
    );
  }
  if (defaultRouteInterfaces().has(name)) {
    throw new InjectError(
      'EDEFAULTROUTE',
      `refusing to send on '${name}': it carries this host's default route, so crafted packets would leave for the real network; use a lab interface (scripts/lab up) or --force`,
    );
  }
  return name;
}

/** Whether this process holds CAP_NET_RAW in its effective set (from /proc/self/status). */
export function hasCapNetRaw(statusText = readOptional('/proc/self/status')): boolean {
  const match = /^CapEff:\s*([0-9a-fA-F]+)/m.exec(statusText);
  if (!match) return true; // unknown: let the socket call decide
  return (BigInt(`0x${match[1]}`) & (1n << BigInt(CAP_NET_RAW))) !== 0n;
}

/** Throws the one-line CAP_NET_RAW error when the capability is missing. */
export function requireCapNetRaw(): void {
  if (!hasCapNetRaw()) throw new InjectError('EPERM', NEED_CAP_NET_RAW);
}

/** Number of 802.1Q/802.1ad tags at the front of an Ethernet frame. */
export function countVlanTags(frame: Uint8Array): number {
  let tags = 0;
  let offset = 12;
  while (offset + 2 <= frame.length && tags < 8) {
    const etherType = (frame[offset]! << 8) | frame[offset + 1]!;
    if (!VLAN_TPIDS.has(etherType)) break;
    tags++;
    offset += VLAN_TAG;
  }
  return tags;
}

/** Largest Ethernet frame (without FCS) the interface takes: MTU + 14, plus 4 per VLAN tag in this frame. */
export function maxFrameLength(mtu: number, frame: Uint8Array): number {
  return mtu + ETHERNET_HEADER + VLAN_TAG * countVlanTags(frame);
}

/** Refuses frames larger than the interface allows (or shorter than an Ethernet header) unless forced. */
export function checkFrameSize(
  frame: Uint8Array,
  mtu: number,
  interfaceName: string,
  options: SafetyOptions = {},
  index?: number,
): void {
  if (options.force) return;
  const which = index === undefined ? 'frame' : `frame ${index + 1}`;
  if (frame.length < ETHERNET_HEADER) {
    throw new InjectError(
      'ESHORT',
      `${which} is ${frame.length} bytes, shorter than an Ethernet header (14); use --force to send it anyway`,
    );
  }
  const limit = maxFrameLength(mtu, frame);
  if (frame.length > limit) {
    throw new InjectError(
      'EOVERSIZE',
      `${which} is ${frame.length} bytes but '${interfaceName}' takes at most ${limit} (MTU ${mtu} + Ethernet header${
        limit - mtu > ETHERNET_HEADER ? ' + VLAN tags' : ''
      }); use --force to send it anyway`,
    );
  }
}

/** Refuses IP packets larger than the interface MTU unless forced. */
export function checkPacketSize(
  packet: Uint8Array,
  mtu: number,
  interfaceName: string,
  options: SafetyOptions = {},
): void {
  if (options.force) return;
  if (packet.length > mtu) {
    throw new InjectError(
      'EOVERSIZE',
      `IP packet is ${packet.length} bytes but the MTU of '${interfaceName}' is ${mtu}; use --force to send it anyway`,
    );
  }
}

/** MTU of an interface from /sys (for L3 sends, which have no AF_PACKET socket to ask). */
export function interfaceMtu(interfaceName: string): number | undefined {
  const text = readOptional(`/sys/class/net/${interfaceName}/mtu`).trim();
  const mtu = Number.parseInt(text, 10);
  return Number.isFinite(mtu) ? mtu : undefined;
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Binding tables whose key field is a protocol number and nothing else (EtherType, IP protocol).
 * Ports are left out: a spec sets them as addresses, and a port that makes the decoder read
 * something else than the spec's next layer is already past the layers the spec describes.
 */
const NUMBER_TABLES: ReadonlySet<keyof Bindings> = new Set(['etherType', 'ipProtocol']);

/**
 * Per layer, the fields that shape lengths, checksums or what follows, from the schemas and
 * BINDINGS: every `length`, `checksum` and `shape` field, every value that `shapesNext`, and the
 * field that carries a protocol number to the next layer. A spec that sets one of them on a layer
 * (or on a layer enclosing it) asks for whatever the decoder then finds wrong there.
 */
export function shapingFields(layer: LayerName): ReadonlySet<string> {
  return SHAPING_FIELDS.get(layer) ?? new Set();
}

const SHAPING_FIELDS: ReadonlyMap<LayerName, ReadonlySet<string>> = new Map(
  layerNames.map((layer) => {
    const names = new Set<string>();
    for (const [name, field] of Object.entries(codecs[layer].schema as AnySchema))
      if (field.role !== 'value' || field.shapesNext) names.add(name);
    for (const binding of BINDINGS)
      if (NUMBER_TABLES.has(binding.table) && binding.parents.includes(layer))
        names.add(bindingKeyIn(binding, layer));
    return [layer, names];
  }),
);

/**
 * Refuses a packet built from `layers` when decoding it finds a bad checksum, a bad length or a
 * truncated header in a layer the spec describes, while neither that layer nor any
 * layer around it sets a field that shapes lengths, checksums or the next protocol: that is a
 * malformation nobody asked for. Problems past the point where the decoder reads the bytes as
 * something else than the spec's layers (raw bytes on a GTP-U port, say) are the spec's business.
 */
export function checkWellFormed(
  layers: readonly LayerValue[],
  packet: Uint8Array,
  first: 'ether' | 'ip',
  options: SafetyOptions = {},
): void {
  if (options.force) return;
  const decoded = decodePacket(packet, { first });
  let agreeing = 0;
  while (
    agreeing < layers.length &&
    agreeing < decoded.layers.length &&
    decoded.layers[agreeing]!.layer === layers[agreeing]!.layer
  ) {
    agreeing++;
  }
  for (const problem of decoded.problems) {
    // Lengths and checksums are what an encoder gets right by itself; a layer order or a value the
    // decoder frowns on (hop-by-hop after a destination header) is the spec's own choice.
    if (problem.kind !== 'bad-checksum' && problem.kind !== 'bad-length' && problem.kind !== 'truncated')
      continue;
    // The innermost decoded layer that starts at or before the problem.
    let index = -1;
    for (let i = 0; i < decoded.layers.length; i++)
      if (decoded.layers[i]!.offset <= problem.offset) index = i;
    if (index < 0 || index >= agreeing) continue;
    let asked = false;
    for (let i = 0; i <= index && !asked; i++) {
      const layer = layers[i]!;
      const fields = layer.fields as Record<string, unknown>;
      asked =
        layer.trailer !== undefined ||
        [...shapingFields(layer.layer)].some((name) => fields[name] !== undefined);
    }
    if (!asked) {
      throw new InjectError(
        'EMALFORMED',
        `the packet is malformed where the spec did not ask for it: ${problem.layer} at byte ${problem.offset}: ${problem.message}; use --force to send it anyway`,
      );
    }
  }
}
