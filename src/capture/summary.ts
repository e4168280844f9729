/** What `pktcraft info` reports about a capture, like capinfos: counts, link types, interfaces, time span. */
import { statSync } from 'node:fs';
import { linkTypeName } from './linktype.js';
import { captureProblems, openCaptureFile } from './reader.js';
import { compareTime, formatEpoch } from './timestamp.js';
import type { CaptureFormat, CutShortTail, SnapLengthExcess } from './types.js';

export interface LinkTypeCount {
  linkType: number;
  name: string;
  packets: number;
}

export interface InterfaceSummary {
  id: number;
  name?: string | undefined;
  description?: string | undefined;
  linkType: number;
  linkTypeName: string;
  snapLen: number;
  /** "microseconds (6)", "nanoseconds (9)", "2^-10 seconds (0x8a)" ... */
  timePrecision: string;
  ticksPerSecond: number;
  packets: number;
}

export interface TimeValue {
  sec: number;
  nsec: number;
  /** `1700000000.000000001` */
  epoch: string;
  /** ISO 8601 UTC with nanoseconds. */
  iso: string;
}

export interface CaptureSummary {
  path: string;
  format: CaptureFormat;
  /** capinfos' wording: "pcap", "nanosecond pcap" or "pcapng". */
  fileType: string;
  byteOrder: 'little' | 'big';
  fileSize: number;
  packets: number;
  /** Sum of captured lengths. */
  dataBytes: number;
  /** Sum of original (on-the-wire) lengths. */
  originalBytes: number;
  /** One name, or "Per packet" when the interfaces differ. */
  encapsulation: string;
  linkTypes: LinkTypeCount[];
  interfaces: InterfaceSummary[];
  first?: TimeValue | undefined;
  last?: TimeValue | undefined;
  /** Seconds with nine decimals, last − first. */
  duration?: string | undefined;
  strictTimeOrder: boolean;
  packetComments: number;
  sections: {
    userApplication?: string | undefined;
    hardware?: string | undefined;
    os?: string | undefined;
    comments: string[];
  }[];
  resolvedIPv4: number;
  resolvedIPv6: number;
  /** Records longer than the snap length (read in full), per interface. */
  snapLengthExcess: SnapLengthExcess[];
  /** The file ends inside a record: the packets before it were counted. */
  cutShort?: CutShortTail | undefined;
  /** One line per item above, for a user. */
  problems: string[];
}

export function timePrecisionText(code: number): string {
  if (code === 6) return 'microseconds (6)';
  if (code === 9) return 'nanoseconds (9)';
  if (code === 3) return 'milliseconds (3)';
  if (code === 0) return 'seconds (0)';
  if (code & 0x80) return `2^-${code & 0x7f} seconds (0x${code.toString(16)})`;
  return `10^-${code} seconds (${code})`;
}

function timeValue(sec: number, nsec: number): TimeValue {
  const iso = new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, `.${String(nsec).padStart(9, '0')}Z`);
  return { sec, nsec, epoch: formatEpoch(sec, nsec), iso };
}

/**
 * Reads the whole file (streaming, bounded memory) and summarises it. A file that ends inside a
 * record (a writer killed mid-write) is summarised up to it, with `cutShort` and a problem line.
 */
export async function summarizeCapture(path: string): Promise<CaptureSummary> {
  const reader = openCaptureFile(path, { reuseRecord: true, allowCutShortTail: true });
  let packets = 0;
  let dataBytes = 0;
  let originalBytes = 0;
  let packetComments = 0;
  let strict = true;
  let firstSec = 0;
  let firstNsec = 0;
  let lastSec = 0;
  let lastNsec = 0;
  let prevSec = 0;
  let prevNsec = 0;
  const perInterface: number[] = [];
  for await (const record of reader) {
    const sec = record.timestampSec;
    const nsec = record.timestampNsec;
    if (packets === 0) {
      firstSec = lastSec = prevSec = sec;
      firstNsec = lastNsec = prevNsec = nsec;
    } else {
      if (compareTime(sec, nsec, firstSec, firstNsec) < 0) {
        firstSec = sec;
        firstNsec = nsec;
      }
      if (compareTime(sec, nsec, lastSec, lastNsec) > 0) {
        lastSec = sec;
        lastNsec = nsec;
      }
      if (compareTime(sec, nsec, prevSec, prevNsec) < 0) strict = false;
      prevSec = sec;
      prevNsec = nsec;
    }
    packets++;
    dataBytes += record.data.length;
    originalBytes += record.originalLength;
    packetComments += record.comments.length;
    perInterface[record.interfaceId] = (perInterface[record.interfaceId] ?? 0) + 1;
  }
  const linkTypeCounts = new Map<number, number>();
  for (const iface of reader.interfaces) {
    linkTypeCounts.set(
      iface.linkType,
      (linkTypeCounts.get(iface.linkType) ?? 0) + (perInterface[iface.id] ?? 0),
    );
  }
  const linkTypes = [...linkTypeCounts].map(([linkType, count]) => ({
    linkType,
    name: linkTypeName(linkType),
    packets: count,
  }));
  let duration: string | undefined;
  if (packets > 0) {
    let seconds = lastSec - firstSec;
    let nanoseconds = lastNsec - firstNsec;
    if (nanoseconds < 0) {
      seconds -= 1;
      nanoseconds += 1e9;
    }
    duration = formatEpoch(seconds, nanoseconds);
  }
  const format = reader.format ?? 'pcap';
  return {
    path,
    format,
    fileType: format === 'pcapng' ? 'pcapng' : reader.nanosecond ? 'nanosecond pcap' : 'pcap',
    byteOrder: reader.byteOrder,
    fileSize: statSync(path).size,
    packets,
    dataBytes,
    originalBytes,
    encapsulation:
      linkTypes.length === 1 ? linkTypes[0]!.name : linkTypes.length === 0 ? 'none' : 'Per packet',
    linkTypes,
    interfaces: reader.interfaces.map((iface) => ({
      id: iface.id,
      name: iface.name,
      description: iface.description,
      linkType: iface.linkType,
      linkTypeName: linkTypeName(iface.linkType),
      snapLen: iface.snapLen,
      timePrecision: timePrecisionText(iface.tsResolutionCode),
      ticksPerSecond: iface.ticksPerSecond,
      packets: perInterface[iface.id] ?? 0,
    })),
    first: packets > 0 ? timeValue(firstSec, firstNsec) : undefined,
    last: packets > 0 ? timeValue(lastSec, lastNsec) : undefined,
    duration,
    strictTimeOrder: strict,
    packetComments,
    sections: reader.sections.map((section) => ({
      userApplication: section.userApplication,
      hardware: section.hardware,
      os: section.os,
      comments: section.comments,
    })),
    resolvedIPv4: reader.nameRecords.filter((record) => !record.address.includes(':')).length,
    resolvedIPv6: reader.nameRecords.filter((record) => record.address.includes(':')).length,
    snapLengthExcess: reader.snapLengthExcess.map((excess) => ({ ...excess })),
    cutShort: reader.cutShort,
    problems: captureProblems(reader),
  };
}
