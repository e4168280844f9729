/**
 * The scenario engine: a scenario is a list of hops (capture points, each with its link type) and the
 * packets seen at them (bytes, capture time, comments). The engine orders them in time and writes
 *   - one pcapng with one interface per hop (named after the hop, with its link type), every packet
 *     carrying its comments, all hops interleaved in time order;
 *   - one classic pcap per hop, `<dir>/<NN>-<hop>.pcap` (pcapng `<NN>-<hop>.pcapng` when the scenario
 *     has TLS secrets, which classic pcap cannot carry).
 * Output is a pure function of the scenario: the same scenario gives byte-identical files.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createCaptureWriter } from '../capture/writer.js';
import { FieldError } from '../core/errors.js';

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
  perHop: string[];
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
export async function writeScenario(scenario: Scenario, dir: string): Promise<ScenarioFiles> {
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
  for (const packet of ordered) {
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
  return { combined, perHop };
}
