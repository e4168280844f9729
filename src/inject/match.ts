/**
 * Which received packets answer a sent one (like Scapy's `answers`), worked out from decoded packets.
 *
 * The probe is the innermost ICMP/ICMPv6 echo, TCP, UDP (GTP-U echo) or ARP layer of the request, with the IP
 * header around it; tunnels (VXLAN) around it must come back with the same VNI. Matching rules:
 * - ICMP echo: an echo reply with the same id and seq, from the request's destination; or an ICMP error quoting
 *   the request (same addresses, id, seq).
 * - TCP: ports and addresses swapped; an ACK-bearing answer acknowledges the request's sequence space
 *   (seq < ack <= seq + payload + SYN + FIN, or ack == seq when the request occupies none); a RST without ACK
 *   has seq == the request's ack. ICMP errors quoting the segment match too.
 * - UDP: ports and addresses swapped; a GTP-U echo request (type 1) is answered by an echo response (type 2)
 *   with the same sequence number. ICMP errors quoting the datagram match too.
 * - ARP: a reply (op 2) whose sender protocol address is the request's target.
 */

import { parseTcpFlags, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../layers/tcp.js';

/** The decoded shape matching works on (a subset of `DecodedPacket` from the packet model). */
export interface MatchLayer {
  readonly layer: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly offset: number;
  readonly headerLength: number;
  readonly end: number;
  readonly trailer?: Uint8Array;
}

export interface MatchPacket {
  readonly layers: readonly MatchLayer[];
}

type ProbeKind = 'icmp-echo' | 'tcp' | 'udp' | 'arp';

/** What a request is, precomputed once; `matches` is then cheap per received packet. */
export interface Probe {
  readonly kind: ProbeKind;
  /** One line describing what answers are looked for. */
  readonly description: string;
  matches(candidate: MatchPacket): boolean;
}

const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
const ICMPV6_ERROR_TYPES = new Set([1, 2, 3, 4]);
const IP_LAYERS = new Set(['ipv4', 'ipv6']);

function numberField(layer: MatchLayer, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = layer.fields[name];
    if (typeof value === 'number') return value;
    if (typeof value === 'bigint') return Number(value);
  }
  return undefined;
}

function textField(layer: MatchLayer, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = layer.fields[name];
    if (typeof value === 'string') return value.toLowerCase();
  }
  return undefined;
}

/** TCP flags as a number, whether decoded as a number or as letters ('SA'). */
export function tcpFlagsOf(layer: MatchLayer): number {
  const value = layer.fields['flags'];
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseTcpFlags(value) ?? 0;
  return 0;
}

/** Bytes of payload carried after a layer's header (its content, trailer excluded). */
export function payloadLength(layer: MatchLayer): number {
  const contentEnd = layer.end - (layer.trailer?.length ?? 0);
  return Math.max(0, contentEnd - layer.offset - layer.headerLength);
}

function enclosingIp(layers: readonly MatchLayer[], index: number): MatchLayer | undefined {
  for (let i = index - 1; i >= 0; i--) if (IP_LAYERS.has(layers[i]!.layer)) return layers[i];
  return undefined;
}

function tunnelVni(layers: readonly MatchLayer[], index: number): number | undefined {
  for (let i = index - 1; i >= 0; i--) {
    if (layers[i]!.layer === 'vxlan') return numberField(layers[i]!, 'vni');
  }
  return undefined;
}

const PROBE_LAYERS = new Set(['icmp', 'icmpv6', 'tcp', 'udp', 'arp', 'gtpu']);

/** Index of the layer that defines the probe: the innermost ICMP/TCP/UDP/ARP (GTP-U counts via its UDP). */
function probeIndex(layers: readonly MatchLayer[]): number {
  // The innermost transport layer that is not inside an ICMP error (a request rarely is one).
  for (let i = layers.length - 1; i >= 0; i--) {
    const name = layers[i]!.layer;
    if (!PROBE_LAYERS.has(name)) continue;
    if (name === 'gtpu') {
      // an echo is the UDP below it; a G-PDU carries an inner packet that is the probe (found above)
      continue;
    }
    return i;
  }
  return -1;
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a === b;
}

/** Layers after `index` that are quoted by an ICMP error at `index`, or undefined when it is no error. */
function quotedAfterError(layers: readonly MatchLayer[], index: number): number | undefined {
  const layer = layers[index]!;
  const type = numberField(layer, 'type');
  if (type === undefined) return undefined;
  const isError = layer.layer === 'icmp' ? ICMP_ERROR_TYPES.has(type) : ICMPV6_ERROR_TYPES.has(type);
  return isError && index + 1 < layers.length ? index + 1 : undefined;
}

/**
 * True when the packet contains an ICMP error that quotes the request: the quoted IP header has the request's
 * addresses and the quoted transport layer satisfies `quotedMatches`.
 */
function errorQuotes(
  candidate: MatchPacket,
  requestIp: MatchLayer,
  transportName: string,
  quotedMatches: (quoted: MatchLayer) => boolean,
): boolean {
  const layers = candidate.layers;
  const source = textField(requestIp, 'src');
  const destination = textField(requestIp, 'dst');
  for (let i = 0; i < layers.length; i++) {
    const name = layers[i]!.layer;
    if (name !== 'icmp' && name !== 'icmpv6') continue;
    const start = quotedAfterError(layers, i);
    if (start === undefined) continue;
    for (let j = start; j < layers.length; j++) {
      const quoted = layers[j]!;
      if (IP_LAYERS.has(quoted.layer)) {
        if (
          !sameAddress(textField(quoted, 'src'), source) ||
          !sameAddress(textField(quoted, 'dst'), destination)
        ) {
          break;
        }
        continue;
      }
      if (quoted.layer === transportName) return quotedMatches(quoted);
    }
  }
  return false;
}

/** Finds layers of `name` in the candidate whose enclosing IP swaps the request's addresses. */
function* replyLayers(
  candidate: MatchPacket,
  name: string,
  requestIp: MatchLayer | undefined,
  vni: number | undefined,
) {
  const layers = candidate.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    if (layer.layer !== name) continue;
    // a layer quoted inside an ICMP error is not a reply by itself
    let quoted = false;
    for (let k = 0; k < i; k++) {
      const outer = layers[k]!;
      if ((outer.layer === 'icmp' || outer.layer === 'icmpv6') && quotedAfterError(layers, k) !== undefined)
        quoted = true;
    }
    if (quoted) continue;
    if (vni !== undefined && tunnelVni(layers, i) !== vni) continue;
    if (requestIp) {
      const ip = enclosingIp(layers, i);
      if (!ip || ip.layer !== requestIp.layer) continue;
      if (!sameAddress(textField(ip, 'src'), textField(requestIp, 'dst'))) {
        // a reply to a broadcast/multicast destination comes from someone else: only require it is for us
        const destination = textField(requestIp, 'dst') ?? '';
        const broadcastLike =
          destination.endsWith('.255') ||
          destination.startsWith('ff') ||
          /^2(2[4-9]|3\d)\./.test(destination);
        if (!broadcastLike) continue;
      }
      if (!sameAddress(textField(ip, 'dst'), textField(requestIp, 'src'))) continue;
    }
    yield layer;
  }
}

function icmpEchoProbe(request: MatchPacket, index: number): Probe | undefined {
  const layers = request.layers;
  const echo = layers[index]!;
  const isV6 = echo.layer === 'icmpv6';
  const type = numberField(echo, 'type');
  if (type !== (isV6 ? 128 : 8)) return undefined;
  const id = numberField(echo, 'id') ?? 0;
  const seq = numberField(echo, 'seq') ?? 0;
  const ip = enclosingIp(layers, index);
  const vni = tunnelVni(layers, index);
  const replyType = isV6 ? 129 : 0;
  return {
    kind: 'icmp-echo',
    description: `ICMP${isV6 ? 'v6' : ''} echo reply id=${id} seq=${seq}${ip ? ` from ${textField(ip, 'dst')}` : ''}${
      vni !== undefined ? ` in VXLAN VNI ${vni}` : ''
    }`,
    matches(candidate) {
      for (const reply of replyLayers(candidate, echo.layer, ip, vni)) {
        if (
          numberField(reply, 'type') === replyType &&
          numberField(reply, 'id') === id &&
          numberField(reply, 'seq') === seq
        ) {
          return true;
        }
      }
      if (!ip) return false;
      return errorQuotes(
        candidate,
        ip,
        echo.layer,
        (quoted) => numberField(quoted, 'id') === id && numberField(quoted, 'seq') === seq,
      );
    },
  };
}

function tcpProbe(request: MatchPacket, index: number): Probe {
  const layers = request.layers;
  const segment = layers[index]!;
  const ip = enclosingIp(layers, index);
  const vni = tunnelVni(layers, index);
  const sport = numberField(segment, 'sport') ?? 0;
  const dport = numberField(segment, 'dport') ?? 0;
  const seq = numberField(segment, 'seq') ?? 0;
  const ack = numberField(segment, 'ack') ?? 0;
  const flags = tcpFlagsOf(segment);
  const occupies = payloadLength(segment) + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);
  const acknowledges = (value: number): boolean => {
    const advance = (value - seq) >>> 0;
    return occupies === 0 ? advance === 0 : advance >= 1 && advance <= occupies;
  };
  return {
    kind: 'tcp',
    description: `TCP ${dport} -> ${sport}${ip ? ` from ${textField(ip, 'dst')}` : ''} acknowledging seq ${seq}`,
    matches(candidate) {
      for (const reply of replyLayers(candidate, 'tcp', ip, vni)) {
        if (numberField(reply, 'sport') !== dport || numberField(reply, 'dport') !== sport) continue;
        const replyFlags = tcpFlagsOf(reply);
        if (replyFlags & TCP_ACK) {
          if (acknowledges(numberField(reply, 'ack') ?? -1)) return true;
        } else if (replyFlags & TCP_RST) {
          if (numberField(reply, 'seq') === ack) return true;
        }
      }
      if (!ip) return false;
      return errorQuotes(
        candidate,
        ip,
        'tcp',
        (quoted) =>
          numberField(quoted, 'sport') === sport &&
          numberField(quoted, 'dport') === dport &&
          numberField(quoted, 'seq') === seq,
      );
    },
  };
}

function udpProbe(request: MatchPacket, index: number): Probe {
  const layers = request.layers;
  const datagram = layers[index]!;
  const ip = enclosingIp(layers, index);
  const vni = tunnelVni(layers, index);
  const sport = numberField(datagram, 'sport') ?? 0;
  const dport = numberField(datagram, 'dport') ?? 0;
  const gtpu = layers[index + 1]?.layer === 'gtpu' ? layers[index + 1] : undefined;
  const gtpuType = gtpu ? numberField(gtpu, 'type', 'msgtype', 'message_type') : undefined;
  const echoSeq = gtpu && gtpuType === 1 ? numberField(gtpu, 'seq', 'seqno', 'sequence') : undefined;
  return {
    kind: 'udp',
    description:
      echoSeq !== undefined
        ? `GTP-U echo response seq=${echoSeq} to UDP port ${sport}`
        : `UDP ${dport} -> ${sport}${ip ? ` from ${textField(ip, 'dst')}` : ''}`,
    matches(candidate) {
      const candidateLayers = candidate.layers;
      for (const reply of replyLayers(candidate, 'udp', ip, vni)) {
        if (numberField(reply, 'sport') !== dport || numberField(reply, 'dport') !== sport) continue;
        if (echoSeq === undefined) return true;
        const replyIndex = candidateLayers.indexOf(reply);
        const replyGtpu = candidateLayers[replyIndex + 1];
        if (
          replyGtpu?.layer === 'gtpu' &&
          numberField(replyGtpu, 'type', 'msgtype', 'message_type') === 2 &&
          numberField(replyGtpu, 'seq', 'seqno', 'sequence') === echoSeq
        ) {
          return true;
        }
      }
      if (!ip) return false;
      return errorQuotes(
        candidate,
        ip,
        'udp',
        (quoted) => numberField(quoted, 'sport') === sport && numberField(quoted, 'dport') === dport,
      );
    },
  };
}

function arpProbe(request: MatchPacket, index: number): Probe | undefined {
  const message = request.layers[index]!;
  if ((numberField(message, 'op') ?? 1) !== 1) return undefined;
  const target = textField(message, 'pdst');
  const sender = textField(message, 'psrc');
  return {
    kind: 'arp',
    description: `ARP reply from ${target}`,
    matches(candidate) {
      for (const layer of candidate.layers) {
        if (layer.layer !== 'arp' || numberField(layer, 'op') !== 2) continue;
        if (!sameAddress(textField(layer, 'psrc'), target)) continue;
        const replyTarget = textField(layer, 'pdst');
        if (sender === undefined || replyTarget === undefined || replyTarget === sender) return true;
      }
      return false;
    },
  };
}

/** The probe a request defines, or undefined when pktcraft does not know what would answer it. */
export function probeOf(request: MatchPacket): Probe | undefined {
  const index = probeIndex(request.layers);
  if (index < 0) return undefined;
  switch (request.layers[index]!.layer) {
    case 'icmp':
    case 'icmpv6':
      return icmpEchoProbe(request, index);
    case 'tcp':
      return tcpProbe(request, index);
    case 'udp':
      return udpProbe(request, index);
    case 'arp':
      return arpProbe(request, index);
    default:
      return undefined;
  }
}

/** True when `candidate` answers `request`. */
export function answers(request: MatchPacket, candidate: MatchPacket): boolean {
  return probeOf(request)?.matches(candidate) ?? false;
}
