/**
 * Link-layer header types (https://www.tcpdump.org/linktypes.html) used in pcap and pcapng headers,
 * with the names capinfos prints for them and the first layer a decoder should start from.
 */

export const LinkType = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type KnownLinkType = (typeof LinkType)[keyof typeof LinkType];

/** The first layer of a packet captured on this link type; 'ip' means IPv4 or IPv6 by the version nibble. */
export type LinkFirstLayer = 'ether' | 'ip' | 'ipv4' | 'ipv6' | 'sll' | 'sll2';

const NAMES: ReadonlyMap<number, string> = new Map([
  [LinkType.ETHERNET, 'Ethernet'],
  [LinkType.RAW, 'Raw IP'],
  [LinkType.LINUX_SLL, 'Linux cooked-mode capture v1'],
  [LinkType.IPV4, 'Raw IPv4'],
  [LinkType.IPV6, 'Raw IPv6'],
  [LinkType.LINUX_SLL2, 'Linux cooked-mode capture v2'],
]);

const SHORT_NAMES: ReadonlyMap<number, string> = new Map([
  [LinkType.ETHERNET, 'ether'],
  [LinkType.RAW, 'rawip'],
  [LinkType.LINUX_SLL, 'linux-sll'],
  [LinkType.IPV4, 'rawip4'],
  [LinkType.IPV6, 'rawip6'],
  [LinkType.LINUX_SLL2, 'linux-sll2'],
]);

const FIRST_LAYERS: ReadonlyMap<number, LinkFirstLayer> = new Map<number, LinkFirstLayer>([
  [LinkType.ETHERNET, 'ether'],
  [LinkType.RAW, 'ip'],
  [LinkType.LINUX_SLL, 'sll'],
  [LinkType.IPV4, 'ipv4'],
  [LinkType.IPV6, 'ipv6'],
  [LinkType.LINUX_SLL2, 'sll2'],
]);

/** The name capinfos prints ("Ethernet", "Raw IP", ...), or "Unknown link type N". */
export function linkTypeName(linkType: number): string {
  return NAMES.get(linkType) ?? `Unknown link type ${linkType}`;
}

/** Wireshark's short encapsulation name ("ether", "rawip", ...), or `linktype-N`. */
export function linkTypeShortName(linkType: number): string {
  return SHORT_NAMES.get(linkType) ?? `linktype-${linkType}`;
}

export function firstLayerForLinkType(linkType: number): LinkFirstLayer | undefined {
  return FIRST_LAYERS.get(linkType);
}

/** Link types by their short or constant name ('ether', 'ETHERNET', 'rawip', 'RAW', ...) or number. */
export function parseLinkType(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const lower = text.toLowerCase();
  for (const [key, value] of Object.entries(LinkType)) if (key.toLowerCase() === lower) return value;
  for (const [value, name] of SHORT_NAMES) if (name === lower) return value;
  return undefined;
}
