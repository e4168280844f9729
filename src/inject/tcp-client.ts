/**
 * A TCP client run from userspace over an AF_PACKET link: pktcraft builds every segment with the packet
 * model, so a script can send exactly what it wants (options, a zero window, a retransmission) and see what a
 * kernel server does. The high-level steps (connect, send, read, close) are built on `sendSegment` and
 * `receiveSegment`, which a script may call directly.
 *
 * The kernel of the host running the client must not see the server's segments as its own: otherwise it
 * answers the SYN-ACK of a connection it does not know with a RST. Run the client with a source address that
 * is not configured on any interface of its network namespace (the lab's 198.51.100.10: the router has a
 * permanent neighbour entry for it, the client kernel drops frames for it silently because forwarding is off).
 */

import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { formatIPv6, ipv4ToNumber, isIPv6, numberToIpv4, parseIPv6 } from '../core/address.js';
import { InjectError } from '../core/errors.js';
import { arp, ether, icmpv6, ipv4, ipv6, raw, type TcpFields, tcp } from '../layers/index.js';
import {
  TCP_ACK as ACK,
  TCP_FIN as FIN,
  TCP_PSH as PSH,
  TCP_RST as RST,
  TCP_SYN as SYN,
} from '../layers/tcp.js';
import { type DecodedLayerOf, type DecodedPacket, decodePacket, encodePacket } from '../packet/index.js';
import { type TlsClientResult, tlsClientSession } from '../tls/client.js';
import { PacketLink } from './link.js';
import { probeOf } from './match.js';
import { parseIpv4Routes, parseIpv6Routes } from './routes.js';
import type { SafetyOptions } from './safety.js';

export interface TcpClientOptions extends SafetyOptions {
  interfaceName: string | undefined;
  /** Our address; must not be configured on an interface of this namespace (see the file comment). */
  srcIp: string;
  dstIp: string;
  dstPort: number;
  /** Default: random in 49152..65535. */
  srcPort?: number;
  /** Default: the interface's MAC. */
  srcMac?: string;
  /** Next-hop MAC; default resolved with ARP for the route's gateway (or the destination when on-link). */
  dstMac?: string;
  /** Initial sequence number; default random. */
  isn?: number;
  /** SYN options; set a field to undefined/false to leave that option out. */
  mss?: number;
  wscale?: number;
  sackok?: boolean;
  timestamps?: boolean;
  /** Advertised window (unscaled field value); default 65535. */
  window?: number;
  /** Wait for each expected answer this long before retransmitting (default 1000 ms). */
  timeoutMs?: number;
  /** Retransmissions of a SYN or data segment before giving up (default 3). */
  retries?: number;
}

/** One segment sent or received on this connection. */
export interface SegmentRecord {
  direction: 'out' | 'in';
  /** Milliseconds since the client opened. */
  timeMs: number;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  payloadLength: number;
  bytes: Uint8Array;
}

/** What the server's SYN-ACK said. */
export interface SynAckInfo {
  seq: number;
  ack: number;
  window: number;
  mss?: number;
  wscale?: number;
  sackok: boolean;
  tsval?: number;
  tsecr?: number;
  /** Raw option bytes. */
  options: Uint8Array;
  /** Parsed option list as decoded (kind, name, values). */
  optionList: readonly unknown[];
}

/** A received segment of this connection, decoded. */
export interface ReceivedSegment {
  decoded: DecodedPacket;
  tcp: DecodedLayerOf<'tcp'>;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  payload: Uint8Array;
}

/** A segment to send; left-out fields come from the connection state. */
export interface SegmentSpec {
  flags: number | string;
  seq?: number;
  ack?: number;
  window?: number;
  payload?: Uint8Array;
  /** TCP option fields (mss, wscale, sackok, tsval, tsecr, sack, options); default timestamps if negotiated. */
  tcpOptions?: Partial<Pick<TcpFields, 'mss' | 'wscale' | 'sackok' | 'tsval' | 'tsecr' | 'sack' | 'options'>>;
}

const u32 = (value: number): number => value >>> 0;
const seqAfter = (a: number, b: number): boolean => ((a - b) | 0) > 0;

/** Routing: the next hop for `destination` on `interfaceName` from /proc/net/route (gateway, or on-link). */
export function nextHopFor(
  interfaceName: string,
  destination: string,
  routeText?: string,
): string | undefined {
  const target = ipv4ToNumber(destination);
  if (target === undefined) return undefined;
  let best: { prefix: number; gateway: number } | undefined;
  for (const route of parseIpv4Routes(routeText ?? readFileSync('/proc/net/route', 'utf8'))) {
    if (route.interfaceName !== interfaceName || u32(target & route.mask) !== route.destination) continue;
    const prefix = route.mask.toString(2).replace(/0/g, '').length;
    if (!best || prefix > best.prefix) best = { prefix, gateway: route.gateway };
  }
  if (!best) return undefined;
  return best.gateway === 0 ? destination : numberToIpv4(best.gateway);
}

/** An IPv6 address in its canonical text (RFC 5952), for comparing with decoded addresses. */
function canonicalIPv6(text: string): string {
  return formatIPv6(parseIPv6(text), 0);
}

/**
 * Routing for IPv6: the next hop for `destination` on `interfaceName` from /proc/net/ipv6_route
 * (longest prefix; the destination itself when the route is on-link).
 */
export function nextHop6For(
  interfaceName: string,
  destination: string,
  routeText?: string,
): string | undefined {
  if (!isIPv6(destination)) return undefined;
  const target = parseIPv6(destination);
  let best: { prefix: number; nextHop: Uint8Array } | undefined;
  for (const route of parseIpv6Routes(routeText ?? readFileSync('/proc/net/ipv6_route', 'utf8'))) {
    if (route.interfaceName !== interfaceName || (best && route.prefixLength <= best.prefix)) continue;
    let inside = true;
    for (let bit = 0; bit < route.prefixLength && inside; bit++) {
      const mask = 0x80 >> (bit & 7);
      inside = (route.destination[bit >> 3]! & mask) === (target[bit >> 3]! & mask);
    }
    if (inside) best = { prefix: route.prefixLength, nextHop: route.nextHop };
  }
  if (!best) return undefined;
  return best.nextHop.every((byte) => byte === 0) ? canonicalIPv6(destination) : formatIPv6(best.nextHop, 0);
}

/**
 * Sends `request` and returns the first answer `answer` finds in what `link` receives within
 * `timeoutMs`, trying `retries` more times; undefined when none came.
 */
function ask(
  link: PacketLink,
  request: Uint8Array,
  timeoutMs: number,
  retries: number,
  answer: (decoded: DecodedPacket) => string | undefined,
): string | undefined {
  for (let attempt = 0; attempt <= retries; attempt++) {
    link.send(request);
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const frame = link.receive(deadline - performance.now());
      if (!frame) break;
      const found = answer(decodePacket(frame.bytes, { first: 'ether' }));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Resolves an IPv6 address to a MAC with a neighbour solicitation (RFC 4861 §7.2.2: to the target's
 * solicited-node multicast address, hop limit 255, our link-layer address) answered on `link`.
 */
export function resolveMac6(
  link: PacketLink,
  srcMac: string,
  srcIp: string,
  targetIp: string,
  timeoutMs = 1000,
  retries = 2,
): string {
  const target = parseIPv6(targetIp);
  const tail = [target[13]!, target[14]!, target[15]!].map((byte) => byte.toString(16).padStart(2, '0'));
  const request = encodePacket([
    ether({ src: srcMac, dst: `33:33:ff:${tail.join(':')}` }),
    ipv6({ src: srcIp, dst: `ff02::1:ff${tail[0]}:${tail[1]}${tail[2]}`, hlim: 255 }),
    icmpv6({ type: 135, target: targetIp, lladdr: srcMac }),
  ]);
  const wanted = canonicalIPv6(targetIp);
  const mac = ask(link, request, timeoutMs, retries, (decoded) => {
    const advert = decoded.layers.find((layer) => layer.layer === 'icmpv6');
    if (advert?.layer !== 'icmpv6' || advert.fields.type !== 136 || advert.fields.target !== wanted)
      return undefined;
    const option = advert.info.options?.find((item) => item.type === 2 && item.lladdr !== undefined);
    return option?.lladdr ?? String(decoded.layers[0]!.fields['src']);
  });
  if (mac !== undefined) return mac;
  throw new InjectError(
    'ENDP',
    `no neighbour advertisement from ${targetIp} on '${link.interfaceName}'; give the next hop's MAC with --dst-mac`,
  );
}

/** Resolves an IPv4 address to a MAC with an ARP request sent and answered on `link`. */
export function resolveMac(
  link: PacketLink,
  srcMac: string,
  srcIp: string,
  targetIp: string,
  timeoutMs = 1000,
  retries = 2,
): string {
  const request = encodePacket([
    ether({ src: srcMac, dst: 'ff:ff:ff:ff:ff:ff' }),
    arp({ op: 1, hwsrc: srcMac, psrc: srcIp, hwdst: '00:00:00:00:00:00', pdst: targetIp }),
  ]);
  const probe = probeOf(decodePacket(request, { first: 'ether' }))!;
  const mac = ask(link, request, timeoutMs, retries, (decoded) =>
    probe.matches(decoded)
      ? String(decoded.layers.find((layer) => layer.layer === 'arp')!.fields['hwsrc'])
      : undefined,
  );
  if (mac !== undefined) return mac;
  throw new InjectError(
    'EARP',
    `no ARP reply from ${targetIp} on '${link.interfaceName}'; give the next hop's MAC with --dst-mac`,
  );
}

export class UserspaceTcpClient {
  readonly options: Required<
    Pick<TcpClientOptions, 'srcIp' | 'dstIp' | 'dstPort' | 'timeoutMs' | 'retries' | 'window'>
  >;
  readonly srcPort: number;
  readonly srcMac: string;
  readonly dstMac: string;
  /** IPv6 (both addresses IPv6) or IPv4. */
  private readonly ipv6: boolean;
  private readonly ownAddress: string;
  private readonly peerAddress: string;
  readonly isn: number;
  /** Every segment of this connection, both directions, in order. */
  readonly segments: SegmentRecord[] = [];
  /** The data received in order. */
  received: Uint8Array[] = [];
  synAck: SynAckInfo | undefined;
  /** Next sequence number to send; next expected from the peer. */
  sndNxt: number;
  sndUna: number;
  rcvNxt = 0;
  peerFin = false;
  resetsReceived = 0;
  /** Whether timestamps were negotiated; then every segment carries them. */
  timestamps = false;
  private peerTsval = 0;
  private readonly link: PacketLink;
  private readonly start = performance.now();
  private readonly synOptions: Pick<TcpFields, 'mss' | 'wscale' | 'sackok' | 'tsval' | 'tsecr'>;
  private readonly outOfOrder = new Map<number, Uint8Array>();

  private constructor(link: PacketLink, options: TcpClientOptions, dstMac: string) {
    this.link = link;
    this.options = {
      srcIp: options.srcIp,
      dstIp: options.dstIp,
      dstPort: options.dstPort,
      timeoutMs: options.timeoutMs ?? 1000,
      retries: options.retries ?? 3,
      window: options.window ?? 65535,
    };
    this.srcPort = options.srcPort ?? randomInt(49152, 65536);
    this.srcMac = options.srcMac ?? link.mac;
    this.dstMac = dstMac;
    this.ipv6 = isIPv6(options.srcIp);
    // Decoded addresses are canonical text: compare with the canonical forms of ours.
    this.ownAddress = this.ipv6 ? canonicalIPv6(options.srcIp) : options.srcIp;
    this.peerAddress = this.ipv6 ? canonicalIPv6(options.dstIp) : options.dstIp;
    this.isn = u32(options.isn ?? randomInt(0, 2 ** 32 - 1));
    this.sndNxt = this.isn;
    this.sndUna = this.isn;
    this.synOptions = {
      mss: options.mss ?? 1460,
      ...((options.sackok ?? true) ? { sackok: true } : {}),
      ...((options.timestamps ?? true) ? { tsval: this.clock(), tsecr: 0 } : {}),
      wscale: options.wscale ?? 7,
    };
  }

  /** Opens the link (safety checks included) and resolves the next hop's MAC unless given. */
  static open(options: TcpClientOptions): UserspaceTcpClient {
    const v4 = ipv4ToNumber(options.srcIp) !== undefined && ipv4ToNumber(options.dstIp) !== undefined;
    const v6 = isIPv6(options.srcIp) && isIPv6(options.dstIp);
    if (!v4 && !v6) {
      throw new InjectError(
        'EINVAL',
        'the TCP client needs source and destination addresses of one family (both IPv4 or both IPv6)',
      );
    }
    if (!(Number.isInteger(options.dstPort) && options.dstPort > 0 && options.dstPort < 65536)) {
      throw new InjectError('EINVAL', `bad destination port ${options.dstPort}`);
    }
    const link = PacketLink.open(options.interfaceName, { ...options, receiveBufferBytes: 4 << 20 });
    try {
      let dstMac = options.dstMac;
      if (!dstMac) {
        const hop = v4
          ? nextHopFor(link.interfaceName, options.dstIp)
          : nextHop6For(link.interfaceName, options.dstIp);
        if (!hop) {
          throw new InjectError(
            'ENOROUTE',
            `no route to ${options.dstIp} on '${link.interfaceName}' to find the next hop; give its MAC with --dst-mac`,
          );
        }
        const resolve = v4 ? resolveMac : resolveMac6;
        dstMac = resolve(link, options.srcMac ?? link.mac, options.srcIp, hop, options.timeoutMs ?? 1000);
      }
      return new UserspaceTcpClient(link, options, dstMac);
    } catch (error) {
      link.close();
      throw error;
    }
  }

  /** Milliseconds since open, as a 32-bit timestamp clock. */
  clock(): number {
    return u32(Math.floor(performance.now() - this.start) + 1);
  }

  /** Builds and sends one segment exactly as specified; returns its bytes. */
  sendSegment(spec: SegmentSpec): Uint8Array {
    const payload = spec.payload ?? new Uint8Array(0);
    const tcpFields: TcpFields = {
      sport: this.srcPort,
      dport: this.options.dstPort,
      seq: u32(spec.seq ?? this.sndNxt),
      ack: u32(spec.ack ?? this.rcvNxt),
      flags: spec.flags,
      window: spec.window ?? this.options.window,
      ...(this.timestamps && !spec.tcpOptions ? { tsval: this.clock(), tsecr: this.peerTsval } : {}),
      ...spec.tcpOptions,
    };
    const layers = [
      ether({ src: this.srcMac, dst: this.dstMac }),
      this.ipv6
        ? ipv6({ src: this.options.srcIp, dst: this.options.dstIp, hlim: 64 })
        : ipv4({ src: this.options.srcIp, dst: this.options.dstIp, flags: 'DF', ttl: 64 }),
      tcp(tcpFields),
      ...(payload.length > 0 ? [raw({ data: payload })] : []),
    ];
    const frame = encodePacket(layers);
    this.link.send(frame);
    const sent = decodePacket(frame).layers[2];
    const flags = typeof spec.flags === 'number' ? spec.flags : sent?.layer === 'tcp' ? sent.fields.flags : 0;
    this.segments.push({
      direction: 'out',
      timeMs: performance.now() - this.start,
      flags,
      seq: tcpFields.seq!,
      ack: tcpFields.ack!,
      window: tcpFields.window!,
      payloadLength: payload.length,
      bytes: frame,
    });
    return frame;
  }

  /** The next segment of this connection (any flags), or undefined after `timeoutMs`. */
  receiveSegment(timeoutMs: number): ReceivedSegment | undefined {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) return undefined;
      const frame = this.link.receive(remaining);
      if (!frame) return undefined;
      const bytes = frame.bytes.slice();
      const decoded = decodePacket(bytes, { first: 'ether' });
      const ipName = this.ipv6 ? 'ipv6' : 'ipv4';
      const ipIndex = decoded.layers.findIndex((layer) => layer.layer === ipName);
      const ip = decoded.layers[ipIndex];
      const segment = decoded.layers[ipIndex + 1];
      if (!ip || segment?.layer !== 'tcp') continue;
      if (ip.fields['src'] !== this.peerAddress || ip.fields['dst'] !== this.ownAddress) continue;
      if (segment.fields['sport'] !== this.options.dstPort || segment.fields['dport'] !== this.srcPort)
        continue;
      // payload: from the end of the TCP header to the end of the IP datagram (Ethernet padding excluded)
      const ipEnd = this.ipv6
        ? ip.offset + 40 + Number(ip.fields['plen'])
        : ip.offset + Number(ip.fields['len']);
      const payload = bytes.subarray(segment.offset + segment.headerLength, Math.min(ipEnd, bytes.length));
      const received: ReceivedSegment = {
        decoded,
        tcp: segment,
        flags: segment.fields.flags,
        seq: segment.fields.seq,
        ack: segment.fields.ack,
        window: segment.fields.window,
        payload,
      };
      if (segment.info.tsval !== undefined) this.peerTsval = segment.info.tsval;
      if (received.flags & RST) this.resetsReceived++;
      this.segments.push({
        direction: 'in',
        timeMs: performance.now() - this.start,
        flags: received.flags,
        seq: received.seq,
        ack: received.ack,
        window: received.window,
        payloadLength: payload.length,
        bytes,
      });
      return received;
    }
  }

  private throwIfReset(segment: ReceivedSegment): void {
    if (segment.flags & RST) {
      throw new InjectError(
        'ECONNRESET',
        `${this.options.dstIp}:${this.options.dstPort} reset the connection`,
      );
    }
  }

  /** Three-way handshake: SYN (retransmitted on timeout), SYN-ACK, ACK. Returns the SYN-ACK's options. */
  connect(): SynAckInfo {
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      this.sendSegment({ flags: SYN, seq: this.isn, ack: 0, tcpOptions: this.synOptions });
      const deadline = performance.now() + this.options.timeoutMs;
      while (performance.now() < deadline) {
        const segment = this.receiveSegment(deadline - performance.now());
        if (!segment) break;
        this.throwIfReset(segment);
        if ((segment.flags & (SYN | ACK)) !== (SYN | ACK) || segment.ack !== u32(this.isn + 1)) continue;
        const info = segment.tcp.info;
        this.synAck = {
          seq: segment.seq,
          ack: segment.ack,
          window: segment.window,
          ...(info.mss !== undefined ? { mss: info.mss } : {}),
          ...(info.wscale !== undefined ? { wscale: info.wscale } : {}),
          sackok: info.sackok === true,
          ...(info.tsval !== undefined ? { tsval: info.tsval } : {}),
          ...(info.tsecr !== undefined ? { tsecr: info.tsecr } : {}),
          options: segment.tcp.fields.options.slice(),
          optionList: info.options,
        };
        this.timestamps = this.synOptions.tsval !== undefined && this.synAck.tsval !== undefined;
        this.sndNxt = u32(this.isn + 1);
        this.sndUna = this.sndNxt;
        this.rcvNxt = u32(segment.seq + 1);
        this.sendSegment({ flags: ACK });
        return this.synAck;
      }
    }
    throw new InjectError(
      'ETIMEDOUT',
      `no SYN-ACK from ${this.options.dstIp}:${this.options.dstPort} after ${this.options.retries + 1} SYNs`,
    );
  }

  /** Takes in-order data from a received segment, ACKs what needs acknowledging; true when it carried news. */
  private absorb(segment: ReceivedSegment): void {
    let seq = segment.seq;
    let payload = segment.payload;
    if (payload.length > 0) {
      // drop what we already have
      const already = (this.rcvNxt - seq) | 0;
      if (already > 0) {
        payload = payload.subarray(Math.min(already, payload.length));
        seq = u32(seq + Math.min(already, segment.payload.length));
      }
      if (payload.length > 0) {
        if (seq === this.rcvNxt) {
          this.received.push(payload.slice());
          this.rcvNxt = u32(this.rcvNxt + payload.length);
          // anything queued out of order that now fits
          for (let next = this.outOfOrder.get(this.rcvNxt); next; next = this.outOfOrder.get(this.rcvNxt)) {
            this.outOfOrder.delete(this.rcvNxt);
            this.received.push(next);
            this.rcvNxt = u32(this.rcvNxt + next.length);
          }
        } else if (seqAfter(seq, this.rcvNxt)) {
          this.outOfOrder.set(seq, payload.slice());
        }
      }
    }
    if (segment.flags & FIN && u32(segment.seq + segment.payload.length) === this.rcvNxt && !this.peerFin) {
      this.peerFin = true;
      this.rcvNxt = u32(this.rcvNxt + 1);
    }
    if (segment.flags & ACK && seqAfter(segment.ack, this.sndUna)) this.sndUna = segment.ack;
    if (segment.payload.length > 0 || segment.flags & FIN) this.sendSegment({ flags: ACK });
  }

  /** Sends data (PSH+ACK) and waits until it is acknowledged, retransmitting on timeout. */
  send(data: Uint8Array): void {
    const seq = this.sndNxt;
    const end = u32(seq + data.length);
    this.sndNxt = end;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      this.sendSegment({ flags: PSH | ACK, seq, payload: data });
      const deadline = performance.now() + this.options.timeoutMs;
      while (performance.now() < deadline) {
        const segment = this.receiveSegment(deadline - performance.now());
        if (!segment) break;
        this.throwIfReset(segment);
        this.absorb(segment);
        if (!seqAfter(end, this.sndUna)) return;
      }
    }
    throw new InjectError(
      'ETIMEDOUT',
      `${this.options.dstIp} did not acknowledge ${data.length} bytes of data`,
    );
  }

  /** Reads until the peer closes (FIN) or `done(received)` says enough; returns the data received so far. */
  read(options: { idleTimeoutMs?: number; done?: (received: Uint8Array) => boolean } = {}): Uint8Array {
    const idle = options.idleTimeoutMs ?? 3000;
    for (;;) {
      if (this.peerFin) break;
      if (options.done?.(this.data())) break;
      const segment = this.receiveSegment(idle);
      if (!segment) throw new InjectError('ETIMEDOUT', `no data from ${this.options.dstIp} for ${idle} ms`);
      this.throwIfReset(segment);
      this.absorb(segment);
    }
    return this.data();
  }

  /** Everything received in order, joined. */
  data(): Uint8Array {
    const total = this.received.reduce((sum, chunk) => sum + chunk.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of this.received) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** Sends our FIN and waits until it is acknowledged and the peer has closed too. */
  close(): void {
    const finSeq = this.sndNxt;
    this.sndNxt = u32(finSeq + 1);
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      this.sendSegment({ flags: FIN | ACK, seq: finSeq });
      const deadline = performance.now() + this.options.timeoutMs;
      while (performance.now() < deadline) {
        if (!seqAfter(this.sndNxt, this.sndUna) && this.peerFin) return;
        const segment = this.receiveSegment(deadline - performance.now());
        if (!segment) break;
        this.throwIfReset(segment);
        this.absorb(segment);
      }
      if (!seqAfter(this.sndNxt, this.sndUna) && this.peerFin) return;
    }
    throw new InjectError('ETIMEDOUT', `the close with ${this.options.dstIp} did not complete`);
  }

  /** Closes the link (not the connection). */
  dispose(): void {
    this.link.close();
  }
}

export interface RequestResult {
  synAck: SynAckInfo;
  response: Uint8Array;
  segments: SegmentRecord[];
  resetsReceived: number;
  srcPort: number;
}

/** Connect, send `request`, read the whole response (until the server closes), close. */
export function tcpRequest(
  options: TcpClientOptions & { request: Uint8Array; idleTimeoutMs?: number },
): RequestResult {
  const client = UserspaceTcpClient.open(options);
  try {
    const synAck = client.connect();
    if (options.request.length > 0) client.send(options.request);
    const response = client.read({ idleTimeoutMs: options.idleTimeoutMs ?? 3000 });
    client.close();
    return {
      synAck,
      response,
      segments: client.segments,
      resetsReceived: client.resetsReceived,
      srcPort: client.srcPort,
    };
  } finally {
    client.dispose();
  }
}

export interface TlsRequestResult extends RequestResult {
  tls: TlsClientResult;
  /** Wall-clock ms since the epoch when the client opened (segment times are relative to it). */
  openedAtMs: number;
}

/** Connect, run a TLS 1.3 session (handshake, `request`, the answer until the server closes), close. */
export function tlsRequest(
  options: TcpClientOptions & {
    request: Uint8Array;
    idleTimeoutMs?: number;
    serverName?: string | undefined;
    alpn?: readonly string[] | undefined;
    seed?: number | undefined;
  },
): TlsRequestResult {
  const openedAtMs = Date.now();
  const client = UserspaceTcpClient.open(options);
  try {
    const synAck = client.connect();
    const idleTimeoutMs = options.idleTimeoutMs ?? 3000;
    const tls = tlsClientSession(
      {
        // After the server's FIN (openssl closes after its answer) nothing more is sent: its kernel would reset.
        send: (data) => {
          if (!client.peerFin) client.send(data);
        },
        read: (done) => client.read({ idleTimeoutMs, done }),
      },
      { request: options.request, serverName: options.serverName, alpn: options.alpn, seed: options.seed },
    );
    client.close();
    return {
      synAck,
      response: tls.response,
      segments: client.segments,
      resetsReceived: client.resetsReceived,
      srcPort: client.srcPort,
      tls,
      openedAtMs,
    };
  } finally {
    client.dispose();
  }
}
