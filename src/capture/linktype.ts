/**
 * Link-layer header types (https://www.tcpdump.org/linktypes.html) used in pcap and pcapng headers,
 * with the names capinfos prints for them and the first layer a decoder should start from.
 */

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export type KnownLinkType = (typeof LinkType)[keyof typeof LinkType];

/** The first layer of a packet captured on this link type; 'ip' means IPv4 or IPv6 by the version nibble. */
export type LinkFirstLayer = 'ether' | 'ip' | 'ipv4' | 'ipv6' | 'sll' | 'sll2' | 'null' | 'loop';

const NAMES: ReadonlyMap<number, string> = new Map([
  [LinkType.NULL, 'NULL/Loopback'],
  [LinkType.LOOP, 'OpenBSD loopback'],
  [LinkType.ETHERNET, 'Ethernet'],
  [LinkType.RAW, 'Raw IP'],
  [LinkType.LINUX_SLL, 'Linux cooked-mode capture v1'],
  [LinkType.IPV4, 'Raw IPv4'],
  [LinkType.IPV6, 'Raw IPv6'],
  [LinkType.LINUX_SLL2, 'Linux cooked-mode capture v2'],
]);

const SHORT_NAMES: ReadonlyMap<number, string> = new Map([
  [LinkType.NULL, 'null'],
  [LinkType.LOOP, 'loop'],
  [LinkType.ETHERNET, 'ether'],
  [LinkType.RAW, 'rawip'],
  [LinkType.LINUX_SLL, 'linux-sll'],
  [LinkType.IPV4, 'rawip4'],
  [LinkType.IPV6, 'rawip6'],
  [LinkType.LINUX_SLL2, 'linux-sll2'],
]);

const FIRST_LAYERS: ReadonlyMap<number, LinkFirstLayer> = new Map<number, LinkFirstLayer>([
  [LinkType.NULL, 'null'],
  [LinkType.LOOP, 'loop'],
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

/**
 * tcpdump's LINKTYPE_ names (https://www.tcpdump.org/linktypes.html) for the link types captures
 * commonly carry, so a packet pktcraft keeps as raw bytes says what link it came from.
 */
const CONSTANT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [6, 'IEEE802_5'],
  [7, 'ARCNET_BSD'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [114, 'LTALK'],
  [117, 'PFLOG'],
  [119, 'IEEE802_11_PRISM'],
  [122, 'IP_OVER_FC'],
  [123, 'SUNATM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [129, 'ARCNET_LINUX'],
  [137, 'JUNIPER_ATM1'],
  [138, 'APPLE_IP_OVER_IEEE1394'],
  [143, 'DOCSIS'],
  [144, 'LINUX_IRDA'],
  [147, 'USER0'],
  [148, 'USER1'],
  [149, 'USER2'],
  [150, 'USER3'],
  [151, 'USER4'],
  [152, 'USER5'],
  [153, 'USER6'],
  [154, 'USER7'],
  [155, 'USER8'],
  [156, 'USER9'],
  [157, 'USER10'],
  [158, 'USER11'],
  [159, 'USER12'],
  [160, 'USER13'],
  [161, 'USER14'],
  [162, 'USER15'],
  [163, 'IEEE802_11_AVS'],
  [178, 'JUNIPER_ETHER'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [215, 'IEEE802_15_4_NONASK_PHY'],
  [220, 'USB_LINUX_MMAPPED'],
  [226, 'IPNET'],
  [227, 'CAN_SOCKETCAN'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [230, 'IEEE802_15_4_NOFCS'],
  [231, 'DBUS'],
  [239, 'NFLOG'],
  [240, 'NETANALYZER'],
  [242, 'IPOIB'],
  [249, 'USBPCAP'],
  [258, 'PKTAP'],
  [263, 'PROFIBUS_DL'],
  [271, 'VSOCK'],
  [276, 'LINUX_SLL2'],
  [283, 'IEEE802_15_4_TAP'],
]);

/** "105 (IEEE802_11)": a link type by number and tcpdump's LINKTYPE_ name, as the tree and JSON show it. */
export function describeLinkType(linkType: number): string {
  const name = CONSTANT_NAMES.get(linkType);
  return name === undefined ? String(linkType) : `${linkType} (${name})`;
}

/** The link type a capture of packets starting with `first` is written with, or undefined when none fits. */
export function linkTypeForLayer(first: string): number | undefined {
  switch (first) {
    case 'ether':
      return LinkType.ETHERNET;
    case 'ipv4':
    case 'ipv6':
      return LinkType.RAW;
    case 'sll':
      return LinkType.LINUX_SLL;
    case 'sll2':
      return LinkType.LINUX_SLL2;
    case 'null':
      return LinkType.NULL;
    case 'loop':
      return LinkType.LOOP;
    default:
      return undefined;
  }
}
