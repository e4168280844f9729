/**
 * Writing packets built on the command line to a capture file: the format from the extension (or
 * --format), the link type from the first layer (Ethernet, or raw IP 101 when the packet starts with
 * IP). SIGINT flushes what was written so far, so an interrupted run still leaves a valid file.
 */
import { formatFromPath } from '../capture/convert.js';
import { LinkType } from '../capture/linktype.js';
import { createCaptureWriter, flushOpenCaptureWritersSync } from '../capture/writer.js';
import { FieldError } from '../core/errors.js';
import type { LayerName } from '../layers/layer.js';

export function linkTypeForFirstLayer(first: LayerName): number {
  if (first === 'ether') return LinkType.ETHERNET;
  if (first === 'ipv4' || first === 'ipv6') return LinkType.RAW;
  throw new FieldError(
    'build',
    'spec',
    `a capture needs the packet to start with ether, ipv4 or ipv6, not ${first}`,
  );
}

let sigintInstalled = false;

/** Flush every open capture on Ctrl-C, then exit 130 (the CLI's "interrupted"). */
export function installSigintFlush(onInterrupt?: () => void): void {
  if (sigintInstalled) return;
  sigintInstalled = true;
  process.on('SIGINT', () => {
    flushOpenCaptureWritersSync();
    onInterrupt?.();
    process.exit(130);
  });
}

export interface WriteOptions {
  format?: 'pcap' | 'pcapng';
  comments?: string[];
  interfaceName?: string;
  /** First timestamp (seconds); packets are 1 µs apart. Default 1700000000. */
  startSec?: number;
}

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

/** Writes `count` copies of one frame, 1 µs apart. */
export async function writePacketsToFile(
  path: string,
  first: LayerName,
  frame: Uint8Array,
  count: number,
  options: WriteOptions = {},
): Promise<void> {
  const format = captureFormatFor(path, options.format);
  const writer = createCaptureWriter(path, {
    format,
    interfaces: [
      {
        linkType: linkTypeForFirstLayer(first),
        ...(options.interfaceName ? { name: options.interfaceName } : {}),
      },
    ],
  });
  installSigintFlush();
  const startSec = options.startSec ?? 1700000000;
  const packetOptions = options.comments?.length ? { comments: options.comments } : undefined;
  for (let i = 0; i < count; i++) {
    writer.writePacket(frame, startSec + Math.floor(i / 1e6), (i % 1e6) * 1000, packetOptions);
  }
  await writer.close();
}
