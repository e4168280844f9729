/**
 * `verify`: decode a capture with pktcraft and with tshark (checksum validation on) and report, per
 * packet, malformed packets, expert items at Warning or above, and every mapped field where the two
 * decodes disagree.
 */
import { formatIPv6, parseIPv6 } from '../core/address.js';
import type { LayerName } from '../layers/layer.js';
import { ETHERTYPE } from '../layers/numbers.js';
import { codecs, layerNames } from '../layers/registry.js';
import type { AnySchema } from '../layers/schema.js';
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

/** The fields whose tshark name the layer's schema declares (src/layers/schema.ts). */
function schemaMappings(layer: LayerName): FieldMapping[] {
  return Object.entries(codecs[layer].schema as AnySchema).flatMap(([name, schema]) => {
    if (schema.tshark === undefined) return [];
    const when = schema.tsharkWhen;
    return [field(name, schema.tshark, when ? (decoded) => when(decoded.fields) : undefined)];
  });
}

/** tshark's protocol name for one of our layers (`ipv4` → `ip`, `gtpu` → `gtp`), from the codec. */
export function tsharkProtocolOf(layer: LayerName): string {
  return codecs[layer].tsharkProtocol ?? layer;
}

/** tshark fields that are not one of ours but computed from them. */
const COMPUTED: Partial<Record<TsharkLayerKey, readonly FieldMapping[]>> = {
  ipv4: [
    field((l) => (num(l, 'flags') >> 1) & 1, 'ip.flags.df'),
    field((l) => num(l, 'flags') & 1, 'ip.flags.mf'),
  ],
  tcp: [field((l) => num(l, 'dataofs') * 4, 'tcp.hdr_len')],
};

/** Our layer → the tshark fields that must agree. Occurrence k of a layer matches value k of each field. */
export const TSHARK_FIELD_MAP: Partial<Record<TsharkLayerKey, readonly FieldMapping[]>> = Object.fromEntries(
  layerNames
    .map((layer): [LayerName, FieldMapping[]] => [
      layer,
      [...schemaMappings(layer), ...(COMPUTED[layer] ?? [])],
    ])
    .filter(([, mappings]) => mappings.length > 0),
);

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
    const key: TsharkLayerKey =
      layer.layer === 'dot1q' && previousType === ETHERTYPE.qinq ? 'dot1ad' : layer.layer;
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
