/**
 * Writing packets built on the command line to a capture file: the format from the extension (or
 * --format), the link type from the first layer (Ethernet, or raw IP 101 when the packet starts with
 * IP). A stop signal (signals.ts) ends the loop between chunks; the writer is closed, so an
 * interrupted run leaves a valid file holding every packet handed to it.
 */
import { formatFromPath } from '../capture/convert.js';
import { linkTypeForLayer } from '../capture/linktype.js';
import { createCaptureWriter } from '../capture/writer.js';
import { FieldError } from '../core/errors.js';
import type { LayerName } from '../layers/layer.js';

export function linkTypeForFirstLayer(first: LayerName): number {
  const linkType = linkTypeForLayer(first);
  if (linkType !== undefined) return linkType;
  throw new FieldError(
    'build',
    'spec',
    `a capture needs the packet to start with ether, ipv4, ipv6, sll, sll2, null or loop, not ${first}`,
  );
}

export interface WriteOptions {
  format?: 'pcap' | 'pcapng';
  comments?: string[];
  interfaceName?: string;
  /** First timestamp (seconds); packets are 1 µs apart. Default 1700000000. */
  startSec?: number;
  /** Stops the loop (between chunks) when aborted; the packets written so far stay valid. */
  signal?: AbortSignal;
}

/** Packets written between two looks at the stop signal. */
const CHUNK_PACKETS = 16_384;

export function captureFormatFor(path: string, forced?: 'pcap' | 'pcapng'): 'pcap' | 'pcapng' {
  const format = forced ?? formatFromPath(path);
  if (!format)
    throw new FieldError(
      'build',
      'output',
      `cannot tell the format from '${path}': use --format pcap|pcapng`,
    );
  return format;
}

/** The writer, first timestamp and per-packet options both file writers below share. */
function openCaptureFile(path: string, first: LayerName, options: WriteOptions) {
  const writer = createCaptureWriter(path, {
    format: captureFormatFor(path, options.format),
    interfaces: [
      {
        linkType: linkTypeForFirstLayer(first),
        ...(options.interfaceName ? { name: options.interfaceName } : {}),
      },
    ],
  });
  const startSec = options.startSec ?? 1700000000;
  const packetOptions = options.comments?.length ? { comments: options.comments } : undefined;
  return { writer, startSec, packetOptions };
}

/** Writes `count` copies of one frame, 1 µs apart; returns how many were written (fewer if stopped). */
export async function writePacketsToFile(
  path: string,
  first: LayerName,
  frame: Uint8Array,
  count: number,
  options: WriteOptions = {},
): Promise<number> {
  const { writer, startSec, packetOptions } = openCaptureFile(path, first, options);
  const signal = options.signal;
  try {
    for (let first = 0; first < count && !signal?.aborted; first += CHUNK_PACKETS) {
      for (let i = first, last = Math.min(count, first + CHUNK_PACKETS); i < last; i++) {
        writer.writePacket(frame, startSec + Math.floor(i / 1e6), (i % 1e6) * 1000, packetOptions);
      }
      // Let a stop signal's handler run.
      if (signal) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await writer.close();
  }
  return writer.packetCount;
}

/** Writes a list of frames in order, 1 µs apart (fragments of `build --fragment`); returns how many. */
export async function writeFramesToFile(
  path: string,
  first: LayerName,
  frames: Iterable<Uint8Array>,
  options: WriteOptions = {},
): Promise<number> {
  const { writer, startSec, packetOptions } = openCaptureFile(path, first, options);
  const signal = options.signal;
  let i = 0;
  try {
    for (const frame of frames) {
      if (signal?.aborted) break;
      writer.writePacket(frame, startSec + Math.floor(i / 1e6), (i % 1e6) * 1000, packetOptions);
      i++;
      if (signal && i % CHUNK_PACKETS === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await writer.close();
  }
  return writer.packetCount;
}
