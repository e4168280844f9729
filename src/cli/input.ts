/**
 * Reading packets from a capture file for the CLI: every record with the metadata a user wants to
 * see next to it (time, interface, comments, direction).
 */

import { openCaptureFile } from '../capture/reader.js';
import { formatEpoch } from '../capture/timestamp.js';

export interface InputPacket {
  linkType: number;
  data: Uint8Array;
  meta: Record<string, unknown>;
}

export async function* readPacketsFromFile(path: string): AsyncGenerator<InputPacket> {
  for await (const record of openCaptureFile(path)) {
    yield {
      linkType: record.linkType,
      data: record.data,
      meta: {
        time: formatEpoch(record.timestampSec, record.timestampNsec),
        ...(record.interfaceName !== undefined ? { interface: record.interfaceName } : {}),
        ...(record.direction !== undefined ? { direction: record.direction } : {}),
        ...(record.originalLength !== record.data.length ? { originalLength: record.originalLength } : {}),
        ...(record.comments.length ? { comments: [...record.comments] } : {}),
      },
    };
  }
}
