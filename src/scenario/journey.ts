/**
 * The order journey: one mobile order from the phone to the order service, captured at every hop.
 *
 * 1. The phone opens a TCP connection to the SLB's VIP and posts the order (connection 0; with
 *    `retry` a second connection follows). The connection runs on the flow model (tcp-session.ts) with
 *    the configured losses on the radio and the phone's receive window lessons.
 * 2. When HAProxy has read the whole request, it opens its own connection to the order service,
 *    forwarding the request with `X-Forwarded-For`; the order service (an idempotent store) answers
 *    after its processing time; HAProxy relays the answer to the phone (or, in the retry lesson, the
 *    first connection breaks: HAProxy resets it, or the answer is lost and the phone times out).
 * 3. Every segment of the phone ↔ HAProxy connection is shown at every front hop (hops.ts) at the time
 *    it passes there, with that hop's encapsulation and addresses; the backend connection at its hop.
 */

import type { DropEntry } from '../flow/drop-list.js';
import { segmentToLayers } from '../flow/packets.js';
import { type CapturedSegment, TCP_RST, TCP_SYN } from '../flow/types.js';
import { tcpFlagNames } from '../layers/tcp.js';
import { encodePacket } from '../packet/index.js';
import { synthesizeTlsHandshake, type TlsHandshake } from '../tls/session.js';
// --- j-carriers: carrier comments ---
import { carrierDetail } from './carriers.js';
// --- end j-carriers ---
import type { JourneyConfig } from './config.js';
// --- j-dc: the data centre below HAProxy ---
import { Datacentre, type DatacentreResult, datacentreHops, renderDatacentre } from './datacentre.js';
import type { Scenario, ScenarioPacket } from './engine.js';
import {
  type Direction,
  innerPacketAt,
  type JourneyHop,
  journeyHops,
  OuterIds,
  publicPhoneAddress,
  wrapAt,
} from './hops.js';
// --- end j-dc ---
import { forwardedRequest, type OrderResult, phoneRequest } from './order-service.js';
// --- j-setup: tunnel setup and name lookup before the first user packet ---
import { type JourneySetup, planSetup, renderSetup } from './setup.js';
// --- end j-setup ---
import { runTcpSession, type ServerAction, type SessionResult, type Transmission } from './tcp-session.js';

/** Flow notes that only repeat what the flags already say. */
const SYN_NOTES: ReadonlySet<string> = new Set(['SYN', 'SYN-ACK']);

/** HAProxy's own processing time before it forwards a request or relays a response, µs. */
const HAPROXY_PROCESSING_US = 300;

export interface JourneyConnection {
  index: number;
  clientPort: number;
  /** Front connection (phone ↔ HAProxy): every transmission with its send time. */
  front: SessionResult;
  /** Backend connection (HAProxy ↔ order service), when the request reached HAProxy. */
  backend: SessionResult | undefined;
  backendPort: number;
  request: Uint8Array;
  /** The forwarded request (with X-Forwarded-For) and the order service's answer. */
  forwarded: Uint8Array | undefined;
  order: OrderResult | undefined;
  response: Uint8Array | undefined;
  /** True when the phone received the whole response. */
  answered: boolean;
  /** How the connection ended: 'completed', 'reset by HAProxy', 'timed out'. */
  outcome: string;
}

export interface JourneyResult {
  config: JourneyConfig;
  scenario: Scenario;
  hops: JourneyHop[];
  /** One-way delay phone → HAProxy, µs. */
  oneWayUs: number;
  connections: JourneyConnection[];
  ordersCreated: number;
  /** HTTPS: the NSS key log of every front connection's TLS session (empty for plain HTTP). */
  keyLog: string;
  // --- j-dc: the data centre's connections, requests and database ---
  datacentre: DatacentreResult;
  // --- end j-dc ---
  // --- j-setup: the GTPv2-C exchanges (4G) and the DNS lookup before the SYN ---
  setup: JourneySetup;
  // --- end j-setup ---
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * The phone's data transmission that ends its first flight, which the radio tail loss drops: the
 * ClientHello with HTTPS (the phone waits for the server's flight after it), else the request's last
 * segment (at the phone's MSS less 12 octets of TCP timestamps).
 */
function firstFlightTail(config: JourneyConfig): number {
  if (config.https) return 1;
  return Math.ceil(phoneRequest(config).length / (config.phone.mtu - 40 - 12));
}

function dropEntries(side: 'client' | 'server', indexes: readonly number[]): DropEntry[] {
  return indexes.map((index) => ({ side, kind: 'data', index }));
}

/** Builds the whole journey (pure: the same config gives the same packets). */
export function buildJourney(config: JourneyConfig): JourneyResult {
  const { hops, oneWayUs } = journeyHops(config);
  // --- j-dc: the tiers below the controller and the database links, after the backend hop ---
  hops.push(...datacentreHops(hops[hops.length - 1]?.positionUs ?? oneWayUs));
  // --- end j-dc ---
  const lossPositionUs = Math.floor(Math.round(config.delays.radioMs * 1000) / 2);
  // --- j-dc: the tiers below HAProxy and their database ---
  const datacentre = new Datacentre(config);
  // --- end j-dc ---
  const request = phoneRequest(config);
  const phoneMss = config.phone.mtu - 40;
  const squeeze = config.lessons.windowSqueeze || config.lessons.zeroWindow;
  const phoneSide = {
    mss: phoneMss,
    // The squeeze: a small receive buffer drained by a slow app; the zero window: an app that stalls.
    receiveBuffer: squeeze ? 4096 : config.phone.receiveWindow,
    readerRate: config.lessons.zeroWindow
      ? 4_000
      : config.lessons.windowSqueeze
        ? 100_000
        : Number.POSITIVE_INFINITY,
  };
  const serverSide = { mss: 1460, receiveBuffer: 131072, readerRate: Number.POSITIVE_INFINITY };
  const connections: JourneyConnection[] = [];
  const keyLogs: string[] = [];
  const attempts = config.retry.enabled ? 2 : 1;
  let startUs = config.startTime * 1_000_000;

  for (let index = 0; index < attempts; index++) {
    const breaks = config.retry.enabled && index === 0;
    const clientPort = config.phone.port + index;
    const backendPort = config.haproxy.backendSourcePort + index;
    const connection: JourneyConnection = {
      index,
      clientPort,
      front: undefined as unknown as SessionResult,
      backend: undefined,
      backendPort,
      request,
      forwarded: undefined,
      order: undefined,
      response: undefined,
      answered: false,
      outcome: '',
    };
    // HTTPS terminates at HAProxy: the phone's connection carries TLS 1.3, the backend hop plain HTTP.
    const tls: TlsHandshake | undefined = config.https
      ? synthesizeTlsHandshake({
          seed: config.tcp.seed * 1000 + index,
          serverName: config.order.host.replace(/:\d+$/, ''),
          alpn: ['http/1.1'],
        })
      : undefined;
    if (tls) keyLogs.push(tls.keyLog);
    const onRequest = (readUs: number): ServerAction => {
      const forwarded = forwardedRequest(request, publicPhoneAddress(config));
      // --- j-dc: HAProxy's backend connection to the controller, and everything below it ---
      const served = datacentre.serve(forwarded, readUs + HAPROXY_PROCESSING_US, backendPort, 1, index + 1);
      const response = served.response;
      connection.order = served.order;
      connection.backend = served.backend;
      // --- end j-dc ---
      connection.forwarded = forwarded;
      connection.response = response;
      const relayAt = served.responseReadUs + HAPROXY_PROCESSING_US;
      const delayUs = relayAt - readUs;
      if (breaks && config.retry.break === 'rst') return { kind: 'reset', delayUs };
      const relayed = tls ? concatBytes(tls.sessionTicket, tls.sealServer(response)) : response;
      if (breaks && config.retry.break === 'timeout')
        return { kind: 'respond-then-lose', response: relayed, delayUs };
      return { kind: 'respond', response: relayed, delayUs };
    };
    const front = runTcpSession({
      startUs,
      oneWayUs,
      lossPositionUs,
      drops:
        index === 0
          ? [
              ...dropEntries('client', [
                ...new Set([
                  ...(config.lessons.radioTailLoss ? [firstFlightTail(config)] : []),
                  ...config.lessons.uplinkDrops,
                ]),
              ]),
              ...dropEntries('server', config.lessons.downlinkDrops),
            ]
          : [],
      seed: config.tcp.seed + index,
      congestion: config.tcp.congestionControl,
      connection: index,
      client: phoneSide,
      server: serverSide,
      request: tls ? concatBytes(tls.clientFinished, tls.sealClient(request)) : request,
      handshake: tls ? { client: tls.clientHello, server: tls.serverFlight } : undefined,
      onRequest,
      clientTimeoutUs:
        breaks && config.retry.break === 'timeout' ? Math.round(config.retry.timeoutMs * 1000) : undefined,
    });
    connection.front = front;
    connection.answered = front.responseReadUs !== undefined;
    connection.outcome = front.serverReset
      ? 'reset by HAProxy'
      : front.clientAborted
        ? 'timed out, phone reset it'
        : 'completed';
    connections.push(connection);
    // The phone learns of the break (the RST arrives, or its timer fires), waits, and tries again.
    const learnedUs = front.serverReset
      ? lastSend(front.transmissions, 'server', TCP_RST) + oneWayUs
      : front.clientAborted
        ? lastSend(front.transmissions, 'client', TCP_RST)
        : front.endUs;
    startUs = learnedUs + Math.round(config.retry.backoffMs * 1000);
  }
  // --- j-dc: the race lesson: a second phone's order for the same last item enters at HAProxy ---
  const race = config.datacentre.race;
  const firstRead = connections[0]?.front.requestReadUs;
  if (race.enabled && firstRead !== undefined) {
    const secondPhone: JourneyConfig = {
      ...config,
      order: { ...config.order, idempotencyKey: race.idempotencyKey, customerId: race.customerId },
      datacentre: { ...config.datacentre, bearerToken: race.bearerToken },
    };
    datacentre.serve(
      forwardedRequest(phoneRequest(secondPhone), race.phoneIp),
      firstRead + Math.round(race.offsetMs * 1000) + HAPROXY_PROCESSING_US,
      config.haproxy.backendSourcePort + attempts,
      2,
      1,
    );
  }
  // --- end j-dc ---

  const packets = renderPackets(config, hops, oneWayUs, connections);
  // --- j-dc: every connection inside the data centre, each on its hop ---
  packets.push(...renderDatacentre(config, hops, datacentre.result));
  // --- end j-dc ---
  return {
    config,
    scenario: {
      name: config.name,
      hops,
      packets,
      names: hostNames(config),
      ...(keyLogs.length > 0 ? { tlsKeyLog: keyLogs.join('') } : {}),
    },
    hops,
    oneWayUs,
    connections,
    // --- j-dc: orders are rows of the database now ---
    ordersCreated: datacentre.database.stateAt().orders.length,
    datacentre: datacentre.result,
    // --- end j-dc ---
    keyLog: keyLogs.join(''),
    // --- j-setup ---
    setup: planSetup(config, hops),
    // --- end j-setup ---
  };
}

/** Names of the journey's hosts for the pcapng Name Resolution Block (one name per address). */
function hostNames(config: JourneyConfig): Array<{ address: string; names: string[] }> {
  const fiveG = config.mode === '5g';
  const entries: Array<[string, string]> = [
    [config.phone.ip, 'phone.ue.example'],
    [config.enodeb.ip, fiveG ? 'gnb.ran.example' : 'enodeb.ran.example'],
    [config.sgw.s1uIp, fiveG ? 'i-upf-n3.core.example' : 'sgw-s1u.core.example'],
    [config.sgw.s5Ip, fiveG ? 'i-upf-n9.core.example' : 'sgw-s5.core.example'],
    [config.pgw.ip, fiveG ? 'psa-upf.core.example' : 'pgw.core.example'],
    [config.slb.vip, config.order.host.replace(/:\d+$/, '')],
    [config.slb.hostIp, 'slb-host.dc.example'],
    [config.haproxy.hostIp, 'haproxy-host.dc.example'],
    [config.haproxy.vmIp, 'haproxy.vpc.example'],
    [config.orderService.ip, 'orders.vpc.example'],
    // --- j-dc: the data-centre tiers ---
    [config.datacentre.controller.ip, 'controller.vpc.example'],
    [config.datacentre.inventory.ip, 'inventory-svc.vpc.example'],
    [config.datacentre.orders.ip, 'orders-svc.vpc.example'],
    [config.database.ip, 'mysql.vpc.example'],
    ...(config.datacentre.race.enabled
      ? ([[config.datacentre.race.phoneIp, 'phone2.ue.example']] as Array<[string, string]>)
      : []),
    // --- end j-dc ---
  ];
  if (config.pgw.snat) entries.push([config.pgw.snat, 'nat.core.example']);
  // --- j-setup: the control plane, the resolver and the shop's other VIPs ---
  if (!fiveG) {
    entries.push(
      [config.mme.ip, 'mme.core.example'],
      [config.sgwControl.s11Ip, 'sgw-c-s11.core.example'],
      [config.sgwControl.s5cIp, 'sgw-c-s5c.core.example'],
      [config.pgwControl.s5cIp, 'pgw-c.core.example'],
    );
  }
  entries.push([config.dns.resolver, 'resolver.core.example']);
  for (const vip of config.dns.otherVips) entries.push([vip, config.order.host.replace(/:\d+$/, '')]);
  // --- end j-setup ---
  const seen = new Set<string>();
  const out: Array<{ address: string; names: string[] }> = [];
  for (const [address, name] of entries) {
    if (seen.has(address)) continue;
    seen.add(address);
    out.push({ address, names: [name] });
  }
  return out;
}

function lastSend(transmissions: readonly Transmission[], side: 'client' | 'server', flag: number): number {
  for (let i = transmissions.length - 1; i >= 0; i--) {
    const segment = transmissions[i]!.segment;
    if (segment.from === side && segment.flags & flag) return segment.timeUs;
  }
  return transmissions[transmissions.length - 1]?.segment.timeUs ?? 0;
}

/** "PSH, ACK" in Wireshark's order of flag names (the TCP layer's own list). */
export const flagNames: (flags: number) => string = tcpFlagNames;

/** Describes segments by relative sequence numbers and the original data segment number. */
class SegmentNamer {
  private readonly iss = new Map<string, number>();
  private readonly ordinals = new Map<string, number>();
  private readonly counts = new Map<string, number>();

  describe(segment: CapturedSegment, what: { client: string; server: string }): string {
    const key = `${segment.connection}/${segment.from}`;
    if (segment.flags & TCP_SYN) this.iss.set(key, segment.seq);
    const iss = this.iss.get(key) ?? segment.seq - 1;
    const relative = (segment.seq - iss) >>> 0;
    const length = segment.payload.length;
    const flags = flagNames(segment.flags);
    if (length === 0) return `${flags}${segment.flags & TCP_SYN ? '' : `, seq ${relative}`}`;
    const ordinalKey = `${key}/${relative}`;
    let ordinal = this.ordinals.get(ordinalKey);
    if (ordinal === undefined) {
      ordinal = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, ordinal);
      this.ordinals.set(ordinalKey, ordinal);
    }
    const name = segment.from === 'client' ? what.client : what.server;
    return `${flags}, ${name} segment ${ordinal} (bytes ${relative}-${relative + length - 1}, ${length} bytes)`;
  }
}

function hopDetail(config: JourneyConfig, hop: JourneyHop, direction: Direction, inner: Uint8Array): string {
  const ttl = inner[8]!;
  const snat = config.pgw.snat;
  switch (hop.kind) {
    case 'sgi':
      return direction === 'up'
        ? `decapsulated by the PGW, TTL ${ttl}${snat ? `, source NAT ${config.phone.ip} -> ${snat}` : ''}`
        : `towards the PGW, TTL ${ttl}${snat ? ` (to the SNAT address ${snat})` : ''}`;
    // --- j-carriers: the carrier hop's labels, TTLs, eBGP link ---
    case 'carrier':
      return carrierDetail(config, hop.carrier!, direction, inner);
    // --- end j-carriers ---
    case 'dc-edge':
      return direction === 'up'
        ? `to the SLB VIP ${config.slb.vip}, TTL ${ttl}`
        : `from the SLB VIP ${config.slb.vip}, TTL ${ttl}`;
    case 'vxlan':
      return direction === 'up'
        ? `DNAT ${config.slb.vip} -> ${config.haproxy.vmIp}`
        : `from the HAProxy VM ${config.haproxy.vmIp} (the SLB undoes the DNAT)`;
    default:
      return '';
  }
}

function renderPackets(
  config: JourneyConfig,
  hops: JourneyHop[],
  oneWayUs: number,
  connections: JourneyConnection[],
): ScenarioPacket[] {
  const packets: ScenarioPacket[] = [];
  const outerIds = new OuterIds();
  // --- j-setup: the tunnel setup and the name lookup come first (the tunnel ends' IP ids go on from them) ---
  packets.push(...renderSetup(config, hops, outerIds));
  // --- end j-setup ---
  const ids = { client: 0x3a10, server: 0x7c20, haproxy: 0x5d30, orders: 0x6e40 };
  const namer = new SegmentNamer();
  const phoneAddress = publicPhoneAddress(config);
  // Inner packets as sent, in send order over every connection (IP ids are per-sender counters).
  const sent: Array<{
    transmission: Transmission;
    bytes: Uint8Array;
    connection: JourneyConnection;
    text: string;
  }> = [];
  for (const connection of connections) {
    for (const transmission of connection.front.transmissions) {
      const segment = transmission.segment;
      const fromClient = segment.from === 'client';
      const layers = segmentToLayers(segment, {
        ipVersion: 4,
        clientIp: fromClient ? config.phone.ip : phoneAddress,
        serverIp: fromClient ? config.slb.vip : config.haproxy.vmIp,
        clientPort: connection.clientPort,
        serverPort: fromClient ? config.slb.port : config.haproxy.port,
        ttl: fromClient ? config.phone.ttl : 64,
        ipId: fromClient ? ids.client++ & 0xffff : ids.server++ & 0xffff,
      });
      const text = namer.describe(segment, { client: 'request', server: 'response' });
      sent.push({ transmission, bytes: encodePacket(layers), connection, text });
    }
  }
  hops.forEach((hop, hopIndex) => {
    if (hop.kind === 'backend') return;
    // --- j-setup: the control-plane hops carry no user packet ---
    if (hop.kind === 'gtp-control') return;
    // --- end j-setup ---
    for (const { transmission, bytes, connection, text } of sent) {
      const segment = transmission.segment;
      const direction: Direction = segment.from === 'client' ? 'up' : 'down';
      const lost = transmission.lostAtUs;
      const travelled = direction === 'up' ? hop.positionUs : oneWayUs - hop.positionUs;
      const lossTravelled = lost === undefined ? undefined : direction === 'up' ? lost : oneWayUs - lost;
      if (lossTravelled !== undefined && travelled > lossTravelled) continue;
      const inner = innerPacketAt(config, hop, direction, bytes);
      const wrapped = wrapAt(config, hop, direction, inner, outerIds);
      const where = `${hop.label.replace(/ \(.*\)$/, '')} ${direction === 'up' ? 'uplink' : 'downlink'}`;
      const extra = hopDetail(config, hop, direction, inner);
      const heading = [where, wrapped.detail, extra].filter((part) => part !== '').join(', ');
      const comments = [`${heading}: connection ${connection.index + 1}, ${text}`];
      if (segment.note && !SYN_NOTES.has(segment.note)) comments.push(segment.note);
      // --- j-setup: the phone's SYN goes to the address its DNS lookup chose ---
      if (direction === 'up' && segment.flags & TCP_SYN) {
        comments.push(
          `to ${config.slb.vip}, the first A record of the DNS answer for ${config.order.host.replace(/:\d+$/, '')}${connection.index > 0 ? ' (cached)' : ''}`,
        );
      }
      // --- end j-setup ---
      if (lost !== undefined) {
        comments.push(
          direction === 'up'
            ? 'lost on the radio uplink after this point'
            : 'lost on the radio downlink after this point',
        );
      }
      packets.push({
        hop: hopIndex,
        timeUs: segment.timeUs + travelled,
        data: wrapped.data,
        comments,
        direction,
      });
    }
  });
  // --- j-dc: the backend connections are drawn by datacentre.ts (renderDatacentre) ---
  // --- end j-dc ---
  return packets;
}
