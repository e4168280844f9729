/**
 * Reads a capture (classic pcap or pcapng, either byte order) into the records replay needs: bytes,
 * link type and timestamp, through the shared capture reader (src/capture). Damage is a CaptureError
 * naming the file offset, raised after the intact records before it would have been read.
 */
import { readFileSync } from 'node:fs';
import { readCapture } from '../capture/reader.js';

export interface ReplayRecord {
  linkType: number;
  timestampSec: number;
  timestampNsec: number;
  data: Uint8Array;
}

/** Every record of the file at `path`, in file order (views into one buffer holding the file). */
export function readCaptureRecords(path: string): ReplayRecord[] {
  const bytes = new Uint8Array(readFileSync(path));
  const records: ReplayRecord[] = [];
  for (const record of readCapture(bytes, { path })) {
    records.push({
      linkType: record.linkType,
      timestampSec: record.timestampSec,
      timestampNsec: record.timestampNsec,
      data: record.data,
    });
  }
  return records;
}
