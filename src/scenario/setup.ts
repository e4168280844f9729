/**
 * Before the phone's first TCP segment (issue #15, items 1 and 2):
 *
 * 1. Tunnel setup (4G mode): the attach's GTPv2-C (3GPP TS 29.274) on two control-plane hops of their
 *    own, first in the hop list:
 *      s11  MME ↔ SGW-C, UDP 2123, captured at the MME:
 *             Create Session Request  (TEID 0: the MME knows no SGW TEID yet), Create Session Response,
 *             Modify Bearer Request (the eNodeB's S1-U F-TEID), Modify Bearer Response
 *      s5c  SGW-C ↔ PGW-C, UDP 2123, captured at the SGW-C:
 *             Create Session Request (the SGW's S5/S8-U F-TEID), Create Session Response (the PGW's
 *             S5/S8-U F-TEID and the phone's address in the PAA)
 *    Every GTP-U TEID of the user plane is one these messages hand out, read from the same config
 *    values: the SGW's S1-U F-TEID (`tunnels.s1u.uplinkTeid`, in both Create Session Responses' bearer
 *    context and the Modify Bearer Response), the eNodeB's (`tunnels.s1u.downlinkTeid`, in the Modify
 *    Bearer Request), the PGW's S5/S8-U F-TEID (`tunnels.s5.uplinkTeid`, Create Session Response) and
 *    the SGW's (`tunnels.s5.downlinkTeid`, Create Session Request on S5/S8-C). A TEID names the
 *    receiving end: the uplink GTP-U packets on S1-U carry the SGW's, the downlink ones the eNodeB's.
 *    In 5G mode the session is set up by NGAP and PFCP (N2, N4), which pktcraft does not model: no
 *    control-plane hop, the N3/N9 TEIDs are the config's.
 *
 * 2. Name lookup (4G and 5G): the phone asks the operator's resolver (`dns.resolver`, on the SGi LAN
 *    behind the PGW) for the A records of the shop's API host (`order.host` without its port), through
 *    the radio, S1-U, S5/S8 and SGi hops with the same encapsulation, TTL and NAT as the TCP packets
 *    there (`innerPacketAt` / `wrapAt` of hops.ts); the answer holds the SLB's three VIPs (`slb.vip`
 *    first, then `dns.otherVips`) with their TTL. The phone connects to the first record: Android's
 *    getaddrinfo sorts the answer by RFC 6724 §6, where rules 1 to 8 tie for global IPv4 unicast
 *    addresses of one family and scope, and bionic applies rule 9 (longest matching prefix) to IPv6
 *    only, so rule 10 keeps the resolver's order; the app's HTTP client tries the first address. The
 *    SYN follows the answer by `dns.connectAfterMs`. The later connections of `--retry` use the cached
 *    answer (its TTL has not run out): one query per journey.
 *
 * The timeline is laid backwards from the phone's SYN (`startTime`): the answer arrives
 * `dns.connectAfterMs` before it, the query left one resolver round trip before that, and the attach's
 * last message (Modify Bearer Response) arrived `tunnelSetup.queryAfterMs` before the query.
 */
import type { LayerValue } from '../layers/index.js';
import { dns, ether, gtpv2, ipv4, raw, udp } from '../layers/index.js';
import { encodePacket } from '../packet/index.js';
import type { JourneyConfig } from './config.js';
import type { ScenarioPacket } from './engine.js';
import {
  type Direction,
  innerPacketAt,
  type JourneyHop,
  LINKTYPE_ETHERNET,
  type OuterIds,
  publicPhoneAddress,
  wrapAt,
} from './hops.js';
import { decrementTtl, rewriteAddress } from './rewrite.js';

/** The ids of the control-plane hops. */
export const S11_HOP = 's11';
export const S5C_HOP = 's5c';

/** IPv4 identification of the phone's DNS query and of the resolver's answer (their own counters). */
const QUERY_IP_ID = 0x51c4;
const ANSWER_IP_ID = 0x0b7e;
/** GTPv2-C Cause 16: Request accepted (TS 29.274 Table 8.4-1). */
const CAUSE_ACCEPTED = 16;

/** The control-plane hops of the tunnel setup, first in the hop list; none in 5G mode. */
export function controlHops(config: JourneyConfig): JourneyHop[] {
  if (config.mode === '5g') return [];
  return [
    {
      id: S11_HOP,
      kind: 'gtp-control',
      label: 'S11 (MME <-> SGW-C)',
      linkType: LINKTYPE_ETHERNET,
      encapsulation: 'Ethernet / IPv4 / UDP 2123 / GTPv2-C',
      positionUs: 0,
    },
    {
      id: S5C_HOP,
      kind: 'gtp-control',
      label: 'S5/S8-C (SGW-C <-> PGW-C)',
      linkType: LINKTYPE_ETHERNET,
      encapsulation: 'Ethernet / IPv4 / UDP 2123 / GTPv2-C',
      positionUs: 0,
    },
  ];
}

/** An F-TEID a GTPv2-C message hands out (TS 29.274 §8.22). */
export interface SignalledFteid {
  /** Interface type by name: `s11-mme`, `s1u-sgw`, `s5u-pgw`, ... */
  interfaceType: string;
  teid: number;
  ipv4: string;
}

export interface SetupMessage {
  hop: typeof S11_HOP | typeof S5C_HOP;
  /** 'up': a request from the MME side; 'down': a response. */
  direction: Direction;
  from: string;
  to: string;
  /** "Create Session Request". */
  name: string;
  /** gtpv2 message type name: create_session_request ... */
  type: string;
  /** The header TEID: the receiver's control TEID (0 before the sender knows it). */
  teid: number;
  seq: number;
  ies: string;
  /** Capture time at the hop, µs since the epoch. */
  atUs: number;
  fteids: SignalledFteid[];
  src: { ip: string; mac: string };
  dst: { ip: string; mac: string };
}

export interface NameLookup {
  /** The name asked for: `order.host` without its port. */
  name: string;
  resolver: string;
  /** The A records in the answer's order. */
  records: string[];
  ttl: number;
  /** The record the phone connects to, and why. */
  chosen: string;
  rule: string;
  queryId: number;
  /** The phone sends the query; the answer arrives at the phone (µs since the epoch). */
  queryUs: number;
  answerUs: number;
  /** The resolver receives the query and sends the answer. */
  resolverInUs: number;
  resolverOutUs: number;
}

export interface JourneySetup {
  /** The GTPv2-C messages in time order (empty in 5G mode). */
  messages: SetupMessage[];
  lookup: NameLookup;
}

function us(ms: number): number {
  return Math.round(ms * 1000);
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function hex24(value: number): string {
  return `0x${value.toString(16).padStart(6, '0')}`;
}

/** The name the phone looks up: `order.host` without a port. */
export function lookupName(config: JourneyConfig): string {
  return config.order.host.replace(/:\d+$/, '');
}

/** The A records the resolver answers with, in its order: the SLB's VIP first, then its siblings. */
export function answerRecords(config: JourneyConfig): string[] {
  return [config.slb.vip, ...config.dns.otherVips];
}

export const CHOICE_RULE =
  "the first record: Android's getaddrinfo sorts by RFC 6724, rules 1-8 tie for global IPv4 addresses " +
  'and rule 9 applies to IPv6 only, so the resolver order stands (rule 10)';

/** PLMN identity in TBCD (TS 24.008 §10.5.1.13): MCC digit 2|1, MNC digit 3 (or F)|MCC digit 3, MNC 2|1. */
function plmnHex(mcc: string, mnc: string): string {
  const d = (text: string, i: number): number => (text[i] === undefined ? 0xf : Number(text[i]));
  const bytes = [(d(mcc, 1) << 4) | d(mcc, 0), (d(mnc, 2) << 4) | d(mcc, 2), (d(mnc, 1) << 4) | d(mnc, 0)];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** User Location Info (TS 29.274 §8.21): TAI (TAC 1) and ECGI (eNodeB 1, cell 1). */
function uliHex(config: JourneyConfig): string {
  const plmn = plmnHex(config.subscriber.mcc, config.subscriber.mnc);
  return `0x18${plmn}0001${plmn}00000101`;
}

/** The APN as the MME sends it: network identifier and operator identifier (TS 23.003 §9.1). */
function fullApn(config: JourneyConfig): string {
  const { apn, mcc, mnc } = config.subscriber;
  return `${apn}.mnc${mnc.padStart(3, '0')}.mcc${mcc}.gprs`;
}

function fteidText(instance: number, f: SignalledFteid): string {
  return `fteid${instance ? `#${instance}` : ''}=${f.interfaceType}/${hex32(f.teid)}/${f.ipv4}`;
}

/** The whole setup: the GTPv2-C exchanges and the name lookup, timed before the phone's SYN. */
export function planSetup(config: JourneyConfig, hops: readonly JourneyHop[]): JourneySetup {
  const synUs = config.startTime * 1_000_000;
  const sgi = hops.find((hop) => hop.kind === 'sgi');
  const resolverDistanceUs = (sgi?.positionUs ?? 0) + us(config.dns.resolverMs);
  const answerUs = synUs - us(config.dns.connectAfterMs);
  const queryUs = answerUs - 2 * resolverDistanceUs - us(config.dns.answerMs);
  const records = answerRecords(config);
  const lookup: NameLookup = {
    name: lookupName(config),
    resolver: config.dns.resolver,
    records,
    ttl: config.dns.ttl,
    chosen: records[0]!,
    rule: CHOICE_RULE,
    queryId: config.dns.queryId,
    queryUs,
    answerUs,
    resolverInUs: queryUs + resolverDistanceUs,
    resolverOutUs: queryUs + resolverDistanceUs + us(config.dns.answerMs),
  };
  const messages = config.mode === '5g' ? [] : gtpcMessages(config, queryUs);
  return { messages, lookup };
}

function gtpcMessages(config: JourneyConfig, queryUs: number): SetupMessage[] {
  const t = config.tunnelSetup;
  const s11 = us(t.s11Ms);
  const s5c = us(t.s5cMs);
  const node = us(t.nodeMs);
  // Backwards from the phone's query; s11 is captured at the MME, s5c at the SGW-C.
  const mbrResponseAt = queryUs - us(t.queryAfterMs);
  const mbrAt = mbrResponseAt - 2 * s11 - node;
  const csResponseS11At = mbrAt - us(t.radioSetupMs);
  const csResponseS5At = csResponseS11At - s11 - node;
  const csRequestS5At = csResponseS5At - 2 * s5c - node;
  const csRequestS11At = csRequestS5At - s11 - node;

  const { mme, sgwControl: sgwc, pgwControl: pgwc, subscriber: sub } = config;
  const mmeEnd = { ip: mme.ip, mac: mme.mac };
  const sgwS11End = { ip: sgwc.s11Ip, mac: sgwc.s11Mac };
  const sgwS5End = { ip: sgwc.s5cIp, mac: sgwc.s5cMac };
  const pgwEnd = { ip: pgwc.s5cIp, mac: pgwc.s5cMac };

  const mmeS11: SignalledFteid = { interfaceType: 's11-mme', teid: mme.s11Teid, ipv4: mme.ip };
  const sgwS11: SignalledFteid = { interfaceType: 's11-sgw', teid: sgwc.s11Teid, ipv4: sgwc.s11Ip };
  const sgwS5c: SignalledFteid = { interfaceType: 's5c-sgw', teid: sgwc.s5cTeid, ipv4: sgwc.s5cIp };
  const pgwS5c: SignalledFteid = { interfaceType: 's5c-pgw', teid: pgwc.s5cTeid, ipv4: pgwc.s5cIp };
  const pgwS5cUnknown: SignalledFteid = { interfaceType: 's5c-pgw', teid: 0, ipv4: pgwc.s5cIp };
  // The user plane: each TEID is the one its receiver hands out, from the same config values as GTP-U.
  const sgwS1u: SignalledFteid = {
    interfaceType: 's1u-sgw',
    teid: config.tunnels.s1u.uplinkTeid,
    ipv4: config.sgw.s1uIp,
  };
  const enbS1u: SignalledFteid = {
    interfaceType: 's1u-enb',
    teid: config.tunnels.s1u.downlinkTeid,
    ipv4: config.enodeb.ip,
  };
  const sgwS5u: SignalledFteid = {
    interfaceType: 's5u-sgw',
    teid: config.tunnels.s5.downlinkTeid,
    ipv4: config.sgw.s5Ip,
  };
  const pgwS5u: SignalledFteid = {
    interfaceType: 's5u-pgw',
    teid: config.tunnels.s5.uplinkTeid,
    ipv4: config.pgw.ip,
  };

  const qos = `qos=qci=${t.qci}/pl=${t.arpPriority}/pci=1/pvi=0`;
  const ambr = `ambr=${t.ambrUplinkKbps}/${t.ambrDownlinkKbps}`;
  const identity = [
    `imsi=${sub.imsi}`,
    `msisdn=${sub.msisdn}`,
    `mei=${sub.imei}`,
    `uli=${uliHex(config)}`,
    `serving_network=${sub.mcc}-${sub.mnc}`,
    'rat=EUTRAN',
  ];
  const session = [
    `apn=${fullApn(config)}`,
    'selection_mode=0',
    'pdn_type=ipv4',
    'paa=0.0.0.0',
    'apn_restriction=0',
    ambr,
  ];
  const join = (items: string[]): string => items.join('; ');
  const ebi = `ebi=${t.ebi}`;
  const cause = `cause=${CAUSE_ACCEPTED}`;
  const sequenceAfter = (seq: number): number => (seq + 1) & 0xffffff;

  return [
    {
      hop: S11_HOP,
      direction: 'up',
      from: 'MME',
      to: 'SGW-C',
      name: 'Create Session Request',
      type: 'create_session_request',
      teid: 0,
      seq: mme.sequence,
      ies: join([
        ...identity,
        fteidText(0, mmeS11),
        fteidText(1, pgwS5cUnknown),
        ...session,
        `bearer(${ebi}; ${qos})`,
        `recovery=${mme.recovery}`,
      ]),
      atUs: csRequestS11At,
      fteids: [mmeS11, pgwS5cUnknown],
      src: mmeEnd,
      dst: sgwS11End,
    },
    {
      hop: S5C_HOP,
      direction: 'up',
      from: 'SGW-C',
      to: 'PGW-C',
      name: 'Create Session Request',
      type: 'create_session_request',
      teid: 0,
      seq: sgwc.sequence,
      ies: join([
        ...identity,
        fteidText(0, sgwS5c),
        ...session,
        `bearer(${ebi}; ${fteidText(2, sgwS5u)}; ${qos})`,
        `recovery=${sgwc.recovery}`,
      ]),
      atUs: csRequestS5At,
      fteids: [sgwS5c, sgwS5u],
      src: sgwS5End,
      dst: pgwEnd,
    },
    {
      hop: S5C_HOP,
      direction: 'down',
      from: 'PGW-C',
      to: 'SGW-C',
      name: 'Create Session Response',
      type: 'create_session_response',
      teid: sgwc.s5cTeid,
      seq: sgwc.sequence,
      ies: join([
        cause,
        fteidText(1, pgwS5c),
        `paa=${config.phone.ip}`,
        'apn_restriction=0',
        ambr,
        `bearer(${ebi}; ${cause}; ${fteidText(2, pgwS5u)})`,
        `recovery=${pgwc.recovery}`,
      ]),
      atUs: csResponseS5At,
      fteids: [pgwS5c, pgwS5u],
      src: pgwEnd,
      dst: sgwS5End,
    },
    {
      hop: S11_HOP,
      direction: 'down',
      from: 'SGW-C',
      to: 'MME',
      name: 'Create Session Response',
      type: 'create_session_response',
      teid: mme.s11Teid,
      seq: mme.sequence,
      ies: join([
        cause,
        fteidText(0, sgwS11),
        fteidText(1, pgwS5c),
        `paa=${config.phone.ip}`,
        'apn_restriction=0',
        ambr,
        `bearer(${ebi}; ${cause}; ${fteidText(0, sgwS1u)}; ${fteidText(2, pgwS5u)})`,
        `recovery=${sgwc.recovery}`,
      ]),
      atUs: csResponseS11At,
      fteids: [sgwS11, pgwS5c, sgwS1u, pgwS5u],
      src: sgwS11End,
      dst: mmeEnd,
    },
    {
      hop: S11_HOP,
      direction: 'up',
      from: 'MME',
      to: 'SGW-C',
      name: 'Modify Bearer Request',
      type: 'modify_bearer_request',
      teid: sgwc.s11Teid,
      seq: sequenceAfter(mme.sequence),
      ies: join([`bearer(${ebi}; ${fteidText(0, enbS1u)})`]),
      atUs: mbrAt,
      fteids: [enbS1u],
      src: mmeEnd,
      dst: sgwS11End,
    },
    {
      hop: S11_HOP,
      direction: 'down',
      from: 'SGW-C',
      to: 'MME',
      name: 'Modify Bearer Response',
      type: 'modify_bearer_response',
      teid: mme.s11Teid,
      seq: sequenceAfter(mme.sequence),
      ies: join([cause, `bearer(${ebi}; ${cause}; ${fteidText(0, sgwS1u)})`]),
      atUs: mbrResponseAt,
      fteids: [sgwS1u],
      src: sgwS11End,
      dst: mmeEnd,
    },
  ];
}

/** What a GTPv2-C message's comment says about it. */
function messageComment(message: SetupMessage): string[] {
  const hop = message.hop === S11_HOP ? 'S11' : 'S5/S8-C';
  const head = `${hop} ${message.from} -> ${message.to}: ${message.name}, TEID ${hex32(message.teid)}, seq ${hex24(message.seq)}`;
  const fteids = message.fteids
    .filter((f) => f.teid !== 0)
    .map((f) => `${f.interfaceType} ${hex32(f.teid)} @ ${f.ipv4}`);
  const out = [head];
  if (fteids.length > 0) out.push(`F-TEIDs handed out: ${fteids.join(', ')}`);
  if (message.teid === 0) out.push('header TEID 0: the receiver has handed out no TEID yet');
  return out;
}

/** The frames of the setup at their hops; `outerIds` is the journey's, so the tunnel ends' counters go on. */
export function renderSetup(
  config: JourneyConfig,
  hops: readonly JourneyHop[],
  outerIds: OuterIds,
): ScenarioPacket[] {
  const setup = planSetup(config, hops);
  const packets: ScenarioPacket[] = [];
  const hopIndex = (id: string): number => hops.findIndex((hop) => hop.id === id);
  for (const message of setup.messages) {
    const index = hopIndex(message.hop);
    if (index < 0) continue;
    const layers: LayerValue[] = [
      ether({ src: message.src.mac, dst: message.dst.mac }),
      ipv4({
        src: message.src.ip,
        dst: message.dst.ip,
        ttl: 64,
        id: outerIds.take(`gtpc-${message.src.ip}`),
        flags: 'DF',
      }),
      udp(),
      gtpv2({ type: message.type, teid: message.teid, seq: message.seq, ies: message.ies }),
    ];
    packets.push({
      hop: index,
      timeUs: message.atUs,
      data: encodePacket(layers),
      comments: messageComment(message),
      direction: message.direction,
    });
  }
  packets.push(...renderLookup(config, hops, setup.lookup, outerIds));
  return packets;
}

/** The query and the answer as their senders send them (inner IPv4 / UDP / DNS). */
function lookupPackets(config: JourneyConfig, lookup: NameLookup): { query: Uint8Array; answer: Uint8Array } {
  const question = `${lookup.name} IN A`;
  const query = encodePacket([
    ipv4({ src: config.phone.ip, dst: lookup.resolver, ttl: config.phone.ttl, id: QUERY_IP_ID, flags: 'DF' }),
    udp({ sport: config.dns.phonePort, dport: 53 }),
    dns({ id: lookup.queryId, rd: 1, qd: question }),
  ]);
  const answer = encodePacket([
    ipv4({ src: lookup.resolver, dst: publicPhoneAddress(config), ttl: 64, id: ANSWER_IP_ID }),
    udp({ sport: 53, dport: config.dns.phonePort }),
    dns({
      id: lookup.queryId,
      qr: 1,
      rd: 1,
      ra: 1,
      qd: question,
      an: lookup.records.map((address) => `${lookup.name} ${lookup.ttl} IN A ${address}`).join('; '),
    }),
  ]);
  return { query, answer };
}

/** The answer at a hop on its way down: the PGW routes it (TTL − 1) and undoes its SNAT below SGi. */
function answerAt(config: JourneyConfig, hop: JourneyHop, sent: Uint8Array): Uint8Array {
  if (hop.kind === 'sgi') return sent;
  let packet = decrementTtl(sent, 1);
  if (config.pgw.snat) packet = rewriteAddress(packet, 'dst', config.phone.ip);
  return packet;
}

function renderLookup(
  config: JourneyConfig,
  hops: readonly JourneyHop[],
  lookup: NameLookup,
  outerIds: OuterIds,
): ScenarioPacket[] {
  const { query, answer } = lookupPackets(config, lookup);
  const userPlane = hops
    .map((hop, index) => ({ hop, index }))
    .filter(({ hop }) => ['radio', 'gtp-access', 'gtp-core', 'sgi'].includes(hop.kind));
  const packets: ScenarioPacket[] = [];
  const snat = config.pgw.snat;
  const records = lookup.records.join(', ');
  for (const direction of ['up', 'down'] as const) {
    for (const { hop, index } of userPlane) {
      const up = direction === 'up';
      const inner = up ? innerPacketAt(config, hop, 'up', query) : answerAt(config, hop, answer);
      const ttl = inner[8]!;
      let data: Uint8Array;
      let detail: string;
      if (hop.kind === 'sgi') {
        // The resolver sits on the SGi LAN: the PGW's SGi interface talks to it directly.
        const link = up
          ? { src: config.pgw.sgiMac, dst: config.dns.resolverMac }
          : { src: config.dns.resolverMac, dst: config.pgw.sgiMac };
        data = encodePacket([ether({ ...link, type: 0x0800 }), raw({ data: inner })]);
        detail = up
          ? `decapsulated by the PGW, TTL ${ttl}${snat ? `, source NAT ${config.phone.ip} -> ${snat}` : ''}`
          : `from the resolver, TTL ${ttl}${snat ? ` (to the SNAT address ${snat})` : ''}`;
      } else {
        const wrapped = wrapAt(config, hop, direction, inner, outerIds);
        data = wrapped.data;
        detail = wrapped.detail;
      }
      const where = `${hop.label.replace(/ \(.*\)$/, '')} ${up ? 'uplink' : 'downlink'}`;
      const heading = [where, detail].filter((part) => part !== '').join(', ');
      const comments = up
        ? [
            `${heading}: DNS query ${hex16(lookup.queryId)} A ${lookup.name} to the operator's resolver ${lookup.resolver}`,
          ]
        : [
            `${heading}: DNS answer ${hex16(lookup.queryId)}: ${lookup.name} A ${records} (TTL ${lookup.ttl} s)`,
            `the phone connects to ${lookup.chosen}, ${lookup.rule}`,
          ];
      const timeUs = up
        ? lookup.queryUs + hop.positionUs
        : lookup.resolverOutUs + (lookup.resolverInUs - lookup.queryUs - hop.positionUs);
      packets.push({ hop: index, timeUs, data, comments, direction });
    }
  }
  return packets;
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}

/** Ladder lines of the setup for the terminal summary (times in ms relative to the phone's SYN). */
export function formatSetupLadder(config: JourneyConfig, setup: JourneySetup): string[] {
  const t0 = config.startTime * 1_000_000;
  const time = (atUs: number): string => ((atUs - t0) / 1000).toFixed(3).padStart(10);
  const lines: string[] = [];
  if (setup.messages.length > 0) {
    lines.push('tunnel setup (GTPv2-C, before the first user packet; ms before the SYN)');
    for (const message of setup.messages) {
      const hop = message.hop === S11_HOP ? 'S11    ' : 'S5/S8-C';
      const arrow = `${message.from} -> ${message.to}`.padEnd(16);
      const fteids = message.fteids
        .filter((f) => f.teid !== 0)
        .map((f) => `${f.interfaceType} ${hex32(f.teid)}`)
        .join(', ');
      lines.push(
        `${time(message.atUs)}  ${hop} ${arrow} ${message.name.padEnd(23)} TEID ${hex32(message.teid)} seq ${hex24(message.seq)}${fteids ? `  F-TEID ${fteids}` : ''}`,
      );
    }
  } else {
    lines.push('tunnel setup: not shown in 5G mode (NGAP and PFCP are not modelled)');
  }
  const { lookup } = setup;
  lines.push('');
  lines.push(`name lookup (DNS through the tunnel to the resolver ${lookup.resolver})`);
  lines.push(`${time(lookup.queryUs)}  phone -> resolver  query ${hex16(lookup.queryId)} A ${lookup.name}`);
  lines.push(
    `${time(lookup.answerUs)}  resolver -> phone  ${lookup.records.join(', ')} (TTL ${lookup.ttl} s)`,
  );
  lines.push(`${' '.repeat(12)}the phone connects to ${lookup.chosen}, ${lookup.rule}`);
  lines.push('');
  return lines;
}
