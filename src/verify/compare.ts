/**
 * `verify`: decode a capture with pktcraft and with tshark (checksum validation on) and report, per
 * packet, malformed packets, expert items at Warning or above, and every mapped field where the two
 * decodes disagree.
 */
import { formatIPv6, parseIPv6 } from '../core/address.js';
import type { LayerName } from '../layers/layer.js';
import type { DecodedLayer, DecodedPacket } from '../packet/decode.js';
import {
  type ExpertItem,
  SEVERITY,
  type TsharkPacket,
  type TsharkRunOptions,
  tsharkExpert,
  tsharkFields,
} from './tshark.js';

type Getter = (layer: DecodedLayer) => unknown;

/** Our layer names, plus 'dot1ad' for an 802.1Q-format tag announced by TPID 0x88a8. */
type TsharkLayerKey = LayerName | 'dot1ad';

interface FieldMapping {
  /** Our field (or a getter over the decoded layer). */
  ours: string | Getter;
  /** tshark's field name. */
  tshark: string;
  /** Only compared when this holds for our layer (tshark shows some fields conditionally). */
  when?: (layer: DecodedLayer) => boolean;
}

const field = (
  ours: string | Getter,
  tshark: string,
  when?: (layer: DecodedLayer) => boolean,
): FieldMapping => (when ? { ours, tshark, when } : { ours, tshark });
const num = (layer: DecodedLayer, name: string): number => Number(layer.fields[name] ?? 0);

/** Our layer → the tshark fields that must agree. Occurrence k of a layer matches value k of each field. */
export const TSHARK_FIELD_MAP: Partial<Record<TsharkLayerKey, readonly FieldMapping[]>> = {
  ether: [field('dst', 'eth.dst'), field('src', 'eth.src')],
  dot1q: [
    field('vlan', 'vlan.id'),
    field('pcp', 'vlan.priority'),
    field('dei', 'vlan.dei'),
    field('type', 'vlan.etype'),
  ],
  arp: [
    field('op', 'arp.opcode'),
    field('hwsrc', 'arp.src.hw_mac'),
    field('psrc', 'arp.src.proto_ipv4'),
    field('hwdst', 'arp.dst.hw_mac'),
    field('pdst', 'arp.dst.proto_ipv4'),
  ],
  ipv4: [
    field('src', 'ip.src'),
    field('dst', 'ip.dst'),
    field('ttl', 'ip.ttl'),
    field('id', 'ip.id'),
    field('len', 'ip.len'),
    field('proto', 'ip.proto'),
    field('chksum', 'ip.checksum'),
    field('tos', 'ip.dsfield'),
    field((l) => (num(l, 'flags') >> 1) & 1, 'ip.flags.df'),
    field((l) => num(l, 'flags') & 1, 'ip.flags.mf'),
  ],
  ipv6: [
    field('src', 'ipv6.src'),
    field('dst', 'ipv6.dst'),
    field('hlim', 'ipv6.hlim'),
    field('plen', 'ipv6.plen'),
    field('nh', 'ipv6.nxt'),
    field('tc', 'ipv6.tclass'),
    field('fl', 'ipv6.flow'),
  ],
  icmp: [
    field('type', 'icmp.type'),
    field('code', 'icmp.code'),
    field('chksum', 'icmp.checksum'),
    field('id', 'icmp.ident', (l) => l.fields['type'] === 0 || l.fields['type'] === 8),
    field('seq', 'icmp.seq', (l) => l.fields['type'] === 0 || l.fields['type'] === 8),
  ],
  icmpv6: [
    field('type', 'icmpv6.type'),
    field('code', 'icmpv6.code'),
    field('chksum', 'icmpv6.checksum'),
    field('id', 'icmpv6.echo.identifier', (l) => l.fields['type'] === 128 || l.fields['type'] === 129),
    field('seq', 'icmpv6.echo.sequence_number', (l) => l.fields['type'] === 128 || l.fields['type'] === 129),
  ],
  udp: [
    field('sport', 'udp.srcport'),
    field('dport', 'udp.dstport'),
    field('len', 'udp.length'),
    field('chksum', 'udp.checksum'),
  ],
  tcp: [
    field('sport', 'tcp.srcport'),
    field('dport', 'tcp.dstport'),
    field('seq', 'tcp.seq_raw'),
    field('ack', 'tcp.ack_raw'),
    field('flags', 'tcp.flags'),
    field('window', 'tcp.window_size_value'),
    field('chksum', 'tcp.checksum'),
    field('urgptr', 'tcp.urgent_pointer'),
    field((l) => num(l, 'dataofs') * 4, 'tcp.hdr_len'),
  ],
  gtpu: [
    field('flags', 'gtp.flags'),
    field('type', 'gtp.message'),
    field('len', 'gtp.length'),
    field('teid', 'gtp.teid'),
    field('seq', 'gtp.seq_number', (l) => (num(l, 'flags') & 0x02) !== 0),
    field('npdu', 'gtp.npdu_number', (l) => (num(l, 'flags') & 0x01) !== 0),
  ],
  vxlan: [field('flags', 'vxlan.flags'), field('vni', 'vxlan.vni')],
};

export interface FieldDisagreement {
  layer: TsharkLayerKey;
  occurrence: number;
  field: string;
  tsharkField: string;
  ours: string;
  tshark: string;
}

export interface PacketVerdict {
  frame: number;
  disagreements: FieldDisagreement[];
  expert: ExpertItem[];
}

export interface VerifyReport {
  packets: number;
  verdicts: PacketVerdict[];
  /** True when no packet has a disagreement, a malformed mark or an expert item at Warning or above. */
  clean: boolean;
}

function normalise(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  const text = String(value).trim().toLowerCase();
  if (/^0x[0-9a-f]+$/.test(text)) return String(Number.parseInt(text.slice(2), 16));
  if (text === 'true') return '1';
  if (text === 'false') return '0';
  if (text.includes(':') && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(text)) {
    try {
      return formatIPv6(parseIPv6(text));
    } catch {
      return text;
    }
  }
  return text;
}

/** Compares one packet's decode with tshark's fields; returns the disagreements. */
export function compareWithTshark(decoded: DecodedPacket, tshark: TsharkPacket): FieldDisagreement[] {
  const disagreements: FieldDisagreement[] = [];
  const occurrences = new Map<TsharkLayerKey, DecodedLayer[]>();
  decoded.layers.forEach((layer, index) => {
    const previousType = decoded.layers[index - 1]?.fields['type'];
    const key: TsharkLayerKey = layer.layer === 'dot1q' && previousType === 0x88a8 ? 'dot1ad' : layer.layer;
    const list = occurrences.get(key) ?? [];
    list.push(layer);
    occurrences.set(key, list);
  });
  for (const [name, layers] of occurrences) {
    for (const mapping of TSHARK_FIELD_MAP[name] ?? []) {
      const values = tshark[mapping.tshark] ?? [];
      // tshark lists a conditional field only where it shows it: pair those occurrences in order.
      let tsharkIndex = 0;
      layers.forEach((layer, occurrence) => {
        if (mapping.when && !mapping.when(layer)) return;
        const ours = typeof mapping.ours === 'string' ? layer.fields[mapping.ours] : mapping.ours(layer);
        const theirs = values[tsharkIndex++];
        if (normalise(ours) !== normalise(theirs)) {
          disagreements.push({
            layer: name,
            occurrence,
            field: typeof mapping.ours === 'string' ? mapping.ours : mapping.tshark,
            tsharkField: mapping.tshark,
            ours: normalise(ours),
            tshark: theirs === undefined ? '(absent)' : theirs,
          });
        }
      });
    }
  }
  return disagreements;
}

export function allMappedTsharkFields(): string[] {
  return [...new Set(Object.values(TSHARK_FIELD_MAP).flatMap((mappings) => mappings.map((m) => m.tshark)))];
}

/**
 * Verifies a capture: `decodedPackets` are our decodes in file order. Expert items at Warning or
 * above and malformed marks are reported; lower ones (comments, chats, notes) are kept in the verdict
 * but do not make the report unclean.
 */
export async function verifyWithTshark(
  file: string,
  decodedPackets: readonly DecodedPacket[],
  options: TsharkRunOptions = {},
): Promise<VerifyReport> {
  const [fields, expert] = await Promise.all([
    tsharkFields(file, allMappedTsharkFields(), options),
    tsharkExpert(file, options),
  ]);
  const verdicts: PacketVerdict[] = [];
  let clean = fields.length === decodedPackets.length;
  const count = Math.max(fields.length, decodedPackets.length);
  for (let i = 0; i < count; i++) {
    const frame = i + 1;
    const ours = decodedPackets[i];
    const theirs = fields[i];
    const disagreements: FieldDisagreement[] =
      ours && theirs
        ? compareWithTshark(ours, theirs)
        : [
            {
              layer: 'raw',
              occurrence: 0,
              field: 'packet',
              tsharkField: 'frame',
              ours: ours ? 'present' : '(absent)',
              tshark: theirs ? 'present' : '(absent)',
            },
          ];
    const items = expert.filter((item) => item.frame === frame);
    if (disagreements.length || items.some((item) => item.severity >= SEVERITY.warning)) clean = false;
    verdicts.push({ frame, disagreements, expert: items });
  }
  return { packets: decodedPackets.length, verdicts, clean };
}
