/**
 * The scenario engine: a scenario is a list of hops (capture points, each with its link type) and the
 * packets seen at them (bytes, capture time, comments). The engine orders them in time and writes
 *   - one pcapng with one interface per hop (named after the hop, with its link type), every packet
 *     carrying its comments, in time order. By default each conversation (the innermost IP addresses
 *     and TCP/UDP ports) appears there at one hop only, the first that carries it: Wireshark 4.0 keys a
 *     TCP conversation by addresses and ports alone, so the same segment seen at two capture points
 *     less than one handshake RTT apart is to it an out-of-order copy, fed again to a reassembly
 *     already complete ("New fragment overlaps old data"). `combined: 'all-hops'` writes every hop's
 *     copy anyway (the multi-point merge, as mergecap would make it);
 *   - one classic pcap per hop, `<dir>/<NN>-<hop>.pcap` (pcapng `<NN>-<hop>.pcapng` when the scenario
 *     has TLS secrets, which classic pcap cannot carry).
 * Output is a pure function of the scenario: the same scenario gives byte-identical files.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createCaptureWriter } from '../capture/writer.js';
import { FieldError } from '../core/errors.js';
import { decodePacket } from '../packet/decode.js';

export interface ScenarioHop {
  /** Short file-safe name ("s1u", "internet-2"); the pcapng interface name is `<NN>-<id>`. */
  id: string;
  /** Human label ("S1-U (eNodeB → SGW)"), the pcapng interface description. */
  label: string;
  /** pcap link type: 1 Ethernet, 101 raw IP. */
  linkType: number;
  /** What wraps the inner packet here ("Ethernet / IPv4 / UDP 2152 / GTP-U / IPv4 / TCP"). */
  encapsulation: string;
  // --- j-setup: direction flags on the host's own interface, whatever its place in the list ---
  /** A host's own interface (the phone's radio): its packets get the pcapng in/out direction flags. */
  ownInterface?: boolean;
  // --- end j-setup ---
}

export interface ScenarioPacket {
  /** Index into the scenario's hops. */
  hop: number;
  /** Capture time, integer microseconds since the epoch. */
  timeUs: number;
  data: Uint8Array;
  /** pcapng comments: the hop and what happened there. */
  comments: string[];
  /** Which way along the path: 'up' (towards the servers) or 'down' (towards the phone). */
  direction: 'up' | 'down';
}

export interface Scenario {
  name: string;
  hops: ScenarioHop[];
  packets: ScenarioPacket[];
  /** Host names for the pcapng Name Resolution Block (Wireshark shows them with name resolution on). */
  names?: Array<{ address: string; names: string[] }>;
  /**
   * TLS key log (NSS format) of the scenario's TLS sessions: written as a Decryption Secrets Block
   * before the first packet, and the per-hop files become pcapng (`NN-hop.pcapng`) to carry it too.
   */
  tlsKeyLog?: string;
}

export interface HopStats {
  hop: ScenarioHop;
  /** The pcapng interface name and the per-hop file's base name: `NN-id`. */
  fileName: string;
  packets: number;
  bytes: number;
}

export interface ScenarioFiles {
  combined: string;
  /** Packets written to the combined file (fewer than the scenario's with 'first-hop'). */
  combinedPacketCount: number;
  perHop: string[];
}

export interface WriteScenarioOptions {
  /**
   * What the combined pcapng holds: 'first-hop' (default) each conversation at the first hop that
   * carries it, so that Wireshark analyses every TCP connection once and cleanly; 'all-hops' every
   * hop's copy (one connection at several capture points, which Wireshark 4.0 flags as out-of-order
   * and, inside a reassembled PDU, as malformed). The per-hop files always hold every hop's packets.
   */
  combined?: 'first-hop' | 'all-hops';
}

/**
 * The conversation a packet belongs to, by its innermost IP header followed by TCP or UDP (addresses
 * and ports, both directions alike), or undefined when it has none (ARP, ICMP, a later fragment).
 */
export function conversationKey(data: Uint8Array, linkType: number): string | undefined {
  const { layers } = decodePacket(data, { linkType });
  for (let i = layers.length - 2; i >= 0; i--) {
    const ip = layers[i]!;
    if (ip.layer !== 'ipv4' && ip.layer !== 'ipv6') continue;
    const transport = layers[i + 1]!;
    if (transport.layer !== 'tcp' && transport.layer !== 'udp') return undefined;
    const a = `${ip.fields.src} ${transport.fields.sport}`;
    const b = `${ip.fields.dst} ${transport.fields.dport}`;
    return `${transport.layer} ${a < b ? `${a}|${b}` : `${b}|${a}`}`;
  }
  return undefined;
}

/**
 * The packets of the combined file in time order: with 'first-hop', a packet whose conversation was
 * first seen at another hop is left out (it stays in its own hop's file).
 */
export function combinedPackets(
  scenario: Scenario,
  ordered: readonly ScenarioPacket[],
  mode: 'first-hop' | 'all-hops' = 'first-hop',
): ScenarioPacket[] {
  if (mode === 'all-hops') return [...ordered];
  const firstHop = new Map<string, number>();
  return ordered.filter((packet) => {
    const linkType = scenario.hops[packet.hop]?.linkType ?? 1;
    const key = conversationKey(packet.data, linkType);
    if (key === undefined) return true;
    const hop = firstHop.get(key);
    if (hop === undefined) {
      firstHop.set(key, packet.hop);
      return true;
    }
    return hop === packet.hop;
  });
}

/** `NN-id`, NN 1-based and two digits. */
export function hopFileName(index: number, hop: ScenarioHop): string {
  return `${String(index + 1).padStart(2, '0')}-${hop.id}`;
}

/** Packets in capture order: by time, ties kept in the order they were added (a stable sort). */
export function orderedPackets(scenario: Scenario): ScenarioPacket[] {
  return scenario.packets
    .map((packet, index) => ({ packet, index }))
    .sort((a, b) => a.packet.timeUs - b.packet.timeUs || a.index - b.index)
    .map((entry) => entry.packet);
}

export function hopStats(scenario: Scenario): HopStats[] {
  const stats = scenario.hops.map((hop, index) => ({
    hop,
    fileName: hopFileName(index, hop),
    packets: 0,
    bytes: 0,
  }));
  for (const packet of scenario.packets) {
    const entry = stats[packet.hop];
    if (!entry)
      throw new FieldError('scenario', 'hop', `packet refers to hop ${packet.hop}, which does not exist`);
    entry.packets++;
    entry.bytes += packet.data.length;
  }
  return stats;
}

function splitTime(timeUs: number): [number, number] {
  if (!Number.isSafeInteger(timeUs) || timeUs < 0)
    throw new FieldError('scenario', 'time', `bad capture time ${timeUs} µs`);
  const sec = Math.floor(timeUs / 1_000_000);
  return [sec, (timeUs - sec * 1_000_000) * 1000];
}

/**
 * Writes `<dir>/<name>.pcapng` and `<dir>/<name>/NN-hop.pcap` (stale `.pcap` files in that folder are
 * removed first so that a smaller hop count leaves no old hops behind).
 */
export async function writeScenario(
  scenario: Scenario,
  dir: string,
  options: WriteScenarioOptions = {},
): Promise<ScenarioFiles> {
  hopStats(scenario); // validates hop indexes
  const ordered = orderedPackets(scenario);
  mkdirSync(dir, { recursive: true });
  const combined = join(dir, `${scenario.name}.pcapng`);
  const hopDir = join(dir, scenario.name);
  mkdirSync(hopDir, { recursive: true });
  for (const file of readdirSync(hopDir)) {
    if (/^\d\d-.*\.pcap(ng)?$/.test(file)) rmSync(join(hopDir, file));
  }

  const writer = createCaptureWriter(combined, {
    format: 'pcapng',
    interfaces: scenario.hops.map((hop, index) => ({
      linkType: hop.linkType,
      name: hopFileName(index, hop),
      description: `${hop.label}: ${hop.encapsulation}`,
    })),
    sectionComment: `pktcraft scenario ${scenario.name}`,
    nameRecords: scenario.names,
    userApplication: 'pktcraft',
  });
  if (scenario.tlsKeyLog) writer.addDecryptionSecrets(scenario.tlsKeyLog);
  const inCombined = combinedPackets(scenario, ordered, options.combined);
  for (const packet of inCombined) {
    const [sec, nsec] = splitTime(packet.timeUs);
    writer.writePacket(packet.data, sec, nsec, {
      interfaceId: packet.hop,
      comments: packet.comments,
      // --- j-setup: was `packet.hop === 0` ---
      direction: scenario.hops[packet.hop]?.ownInterface
        ? packet.direction === 'up'
          ? 'outbound'
          : 'inbound'
        : undefined,
      // --- end j-setup ---
    });
  }
  await writer.close();

  const perHop: string[] = [];
  for (let index = 0; index < scenario.hops.length; index++) {
    const hop = scenario.hops[index]!;
    const secrets = scenario.tlsKeyLog;
    const path = join(hopDir, `${hopFileName(index, hop)}.${secrets ? 'pcapng' : 'pcap'}`);
    const hopWriter = createCaptureWriter(path, {
      format: secrets ? 'pcapng' : 'pcap',
      linkType: hop.linkType,
      ...(secrets ? { tsResolution: 'us' as const } : {}),
    });
    if (secrets) hopWriter.addDecryptionSecrets(secrets);
    for (const packet of ordered) {
      if (packet.hop !== index) continue;
      const [sec, nsec] = splitTime(packet.timeUs);
      hopWriter.writePacket(packet.data, sec, nsec);
    }
    await hopWriter.close();
    perHop.push(path);
  }
  return { combined, combinedPacketCount: inCombined.length, perHop };
}
