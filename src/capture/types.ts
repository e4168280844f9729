/** Shapes shared by the capture reader and writer. */

export type CaptureFormat = 'pcap' | 'pcapng';
export type Direction = 'inbound' | 'outbound';
export type TsResolution = 'us' | 'ns';

/** One captured packet as read from a file. `data` is a view into the reader's bytes (no copy). */
export interface CaptureRecord {
  /** Index into the reader's `interfaces` (global across pcapng sections; 0 for classic pcap). */
  interfaceId: number;
  linkType: number;
  timestampSec: number;
  timestampNsec: number;
  data: Uint8Array;
  originalLength: number;
  comments: string[];
  direction?: Direction | undefined;
  /** The raw epb_flags word when present. */
  flags?: number | undefined;
  interfaceName?: string | undefined;
  interfaceDescription?: string | undefined;
  /** Byte offset of the record (pcap record header / pcapng block) in the file. */
  fileOffset: number;
}

/** An interface: the single implied one of a classic pcap, or a pcapng Interface Description Block. */
export interface CaptureInterface {
  /** Global index (pcapng: counted across sections in file order). */
  id: number;
  /** pcapng section number (0-based); always 0 for classic pcap. */
  section: number;
  /** The id packets use inside their section. */
  localId: number;
  linkType: number;
  /** 0 means "no limit". */
  snapLen: number;
  name?: string | undefined;
  description?: string | undefined;
  /** if_tsresol byte: 6 = µs, 9 = ns, 0x80|n = 2^-n. Classic pcap: 6 or 9. */
  tsResolutionCode: number;
  ticksPerSecond: number;
  /** if_tsoffset, in seconds, added to every timestamp. */
  tsOffsetSec: number;
  os?: string | undefined;
  filter?: string | undefined;
  hardware?: string | undefined;
  fcsLength?: number | undefined;
  comments: string[];
}

/** A Name Resolution Block entry: an address (IPv4 dotted or IPv6 text) and its names. */
export interface NameRecord {
  address: string;
  names: string[];
}

/** What a pcapng Section Header Block said (classic pcap: one implied section with no options). */
export interface CaptureSection {
  byteOrder: 'little' | 'big';
  versionMajor: number;
  versionMinor: number;
  hardware?: string | undefined;
  os?: string | undefined;
  userApplication?: string | undefined;
  comments: string[];
}

/** Interface declaration for the writer. */
export interface InterfaceOptions {
  linkType: number;
  name?: string | undefined;
  description?: string | undefined;
  /** Default 262144; 0 means no limit (pcapng). Longer packets are cut to it (caplen < origlen). */
  snapLen?: number | undefined;
  tsResolution?: TsResolution | undefined;
}

/** Per-packet writer options. */
export interface PacketOptions {
  interfaceId?: number | undefined;
  /** Length on the wire; default `data.length`. Must be ≥ the captured length. */
  originalLength?: number | undefined;
  /** pcapng only (classic pcap has nowhere to put them; they are dropped). */
  comments?: readonly string[] | undefined;
  /** pcapng only, written as epb_flags. */
  direction?: Direction | undefined;
  /**
   * Write all of `data` even when it is longer than the interface's snap length (default false: cut
   * to it). For copying records read from a file whose snap length they exceed (convert).
   */
  keepLength?: boolean | undefined;
}

/**
 * Largest captured length written, and read for most link types (Wireshark's
 * WTAP_MAX_PACKET_SIZE_STANDARD); `maxCapturedLengthFor` gives the few larger ones.
 */
export const MAX_CAPLEN = 262144;
/** Wiretap's larger per-link-type maxima (wtap_max_snaplen_for_encap). */
const LARGE_CAPLEN: ReadonlyMap<number, number> = new Map([
  [220, 128 * 1024 * 1024], // USB Linux, memory-mapped
  [231, 128 * 1024 * 1024], // D-Bus
  [249, 128 * 1024 * 1024], // USBPcap
  [279, 8 * 1024 * 1024], // EBHSCR
]);
/**
 * The longest record a reader accepts for a link type: what wiretap accepts. A record's length above
 * the file's snap length is not an error (the snap length is advisory); above this bound it is.
 */
export function maxCapturedLengthFor(linkType: number): number {
  return LARGE_CAPLEN.get(linkType) ?? MAX_CAPLEN;
}
/** Largest pcapng block accepted on read: an EPB with the largest packet and 128 KiB of options. */
export const MAX_BLOCK_LENGTH = 32 + 128 * 1024 * 1024 + 128 * 1024;

/**
 * Records longer than their interface's snap length (read anyway, as Wireshark does). One entry per
 * interface that has any.
 */
export interface SnapLengthExcess {
  interfaceId: number;
  snapLen: number;
  /** How many records are longer than `snapLen`. */
  records: number;
  /** The longest captured length seen. */
  longest: number;
  /** File offset of the first such record. */
  firstOffset: number;
}

/** The file ends inside a record or block (a writer killed mid-write): every packet before it was read. */
export interface CutShortTail {
  /** Packets read intact before the cut. */
  intactPackets: number;
  /** File offset where the partial record or block starts. */
  fileOffset: number;
  /** What was cut: "record header", "record body", "block", ... */
  what: string;
}
export const DEFAULT_SNAPLEN = 262144;
