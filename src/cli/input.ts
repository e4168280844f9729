/**
 * Reading packets from a capture file for the CLI: every record with the metadata a user wants to
 * see next to it (time, interface, comments, direction).
 */

import { captureProblems, openCaptureFile } from '../capture/reader.js';
import { formatEpoch } from '../capture/timestamp.js';

export interface InputPacket {
  linkType: number;
  data: Uint8Array;
  /** The timestamp in seconds since the epoch (fractional). */
  seconds: number;
  meta: Record<string, unknown>;
}

/**
 * Every packet of the file. A file that ends inside a record gives its intact packets; that, and
 * records above the snap length, are pushed to `problems` (one line each) when the file is done.
 */
export async function* readPacketsFromFile(
  path: string,
  problems: string[] = [],
): AsyncGenerator<InputPacket> {
  // One reused buffer (reuseRecord): memory stays flat for any file size and no fresh memory is
  // touched per chunk. `data` is valid until the next packet: callers that keep it copy it.
  const reader = openCaptureFile(path, { allowCutShortTail: true, reuseRecord: true });
  for await (const record of reader) {
    yield {
      linkType: record.linkType,
      data: record.data,
      seconds: record.timestampSec + record.timestampNsec / 1e9,
      meta: {
        time: formatEpoch(record.timestampSec, record.timestampNsec),
        ...(record.interfaceName !== undefined ? { interface: record.interfaceName } : {}),
        ...(record.direction !== undefined ? { direction: record.direction } : {}),
        ...(record.originalLength !== record.data.length ? { originalLength: record.originalLength } : {}),
        ...(record.comments.length ? { comments: [...record.comments] } : {}),
      },
    };
  }
  problems.push(...captureProblems(reader));
}
