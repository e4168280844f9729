/**
 * Converting a capture between pcap and pcapng, keeping every timestamp to the nanosecond:
 * - to pcap: nanosecond pcap when the input is nanosecond (or finer than µs), or when any timestamp has
 *   a sub-microsecond part; one link type only (a multi-link-type pcapng cannot become a pcap).
 * - to pcapng: interfaces (ids, names, descriptions, link types, snap lengths), packet comments,
 *   directions and name records are kept; an interface gets nanosecond resolution when its input
 *   resolution is not a whole number of microseconds.
 */
import { realpathSync } from 'node:fs';
import { FieldError } from '../core/errors.js';
import { captureProblems, openCaptureFile, readCaptureStream } from './reader.js';
import { type CaptureFormat, type CaptureInterface, DEFAULT_SNAPLEN, type TsResolution } from './types.js';
import { type CaptureWriter, createCaptureWriter } from './writer.js';

export interface ConvertOptions {
  /** Output format; default from the output file's extension. */
  format?: CaptureFormat | undefined;
  chunkSize?: number | undefined;
  /**
   * Stops converting when aborted (looked at between records; reading yields to the event loop
   * every chunk): the output is closed, a valid capture of the packets converted so far.
   */
  signal?: AbortSignal | undefined;
}

export interface ConvertSummary {
  format: CaptureFormat;
  /** Classic pcap output: nanosecond magic. */
  nanosecond: boolean;
  packets: number;
  interfaces: number;
  /**
   * What the input had that was read anyway (records above the snap length; a last record cut
   * short, whose intact packets were written: a repair), one line each.
   */
  problems: string[];
}

/** The format a file name implies: .pcapng/.ntar → pcapng, .pcap/.cap/.dmp → pcap. */
export function formatFromPath(path: string): CaptureFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.pcapng') || lower.endsWith('.ntar') || lower.endsWith('.scap')) return 'pcapng';
  if (lower.endsWith('.pcap') || lower.endsWith('.cap') || lower.endsWith('.dmp')) return 'pcap';
  return undefined;
}

/** True when a tick rate cannot be written exactly at microsecond resolution. */
function finerThanMicroseconds(iface: CaptureInterface): boolean {
  return iface.ticksPerSecond > 1e6 || 1e6 % iface.ticksPerSecond !== 0;
}

/** The input; a last record cut short ends it (the intact packets are converted: a repair). */
function openInput(input: string, chunkSize: number | undefined, reuseRecord: boolean) {
  const options = { chunkSize, reuseRecord, allowCutShortTail: true };
  return input === '-' ? readCaptureStream(process.stdin, options) : openCaptureFile(input, options);
}

interface PcapPlan {
  linkType: number;
  snapLen: number;
  nanosecond: boolean;
}

/** First pass for classic pcap output: one link type, and whether nanoseconds are needed. */
async function planPcap(
  input: string,
  chunkSize: number | undefined,
  signal: AbortSignal | undefined,
): Promise<PcapPlan> {
  const reader = openInput(input, chunkSize, true);
  let nanosecond = false;
  for await (const record of reader) {
    if (signal?.aborted) break;
    if (!nanosecond && record.timestampNsec % 1000 !== 0) nanosecond = true;
  }
  const linkTypes = new Set(reader.interfaces.map((iface) => iface.linkType));
  if (linkTypes.size > 1) {
    throw new FieldError(
      'convert',
      'format',
      `the input has ${linkTypes.size} link types (${[...linkTypes].join(', ')}); classic pcap holds one: convert to pcapng`,
    );
  }
  if (reader.nanosecond || reader.interfaces.some(finerThanMicroseconds)) nanosecond = true;
  const snapLen = Math.max(0, ...reader.interfaces.map((iface) => iface.snapLen));
  return {
    linkType: reader.interfaces[0]?.linkType ?? 1,
    snapLen: snapLen === 0 || snapLen > DEFAULT_SNAPLEN ? DEFAULT_SNAPLEN : snapLen,
    nanosecond,
  };
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Converts `input` to `output` ('-' means stdin/stdout). Throws CaptureError for a damaged input
 * (after writing every intact packet before the damage) and FieldError for an impossible conversion.
 * `onWriter` receives the writer as soon as it exists (the CLI uses it to flush on SIGINT).
 */
export async function convertCapture(
  input: string,
  output: string,
  options: ConvertOptions = {},
  onWriter?: (writer: CaptureWriter) => void,
): Promise<ConvertSummary> {
  const format = options.format ?? formatFromPath(output);
  if (!format) {
    throw new FieldError(
      'convert',
      'format',
      `cannot tell the format from '${output}': use --format pcap|pcapng`,
    );
  }
  if (input !== '-' && output !== '-' && sameFile(input, output)) {
    throw new FieldError('convert', 'output', 'output is the input file');
  }
  if (input === '-' && format === 'pcap') {
    throw new FieldError('convert', 'input', 'converting stdin to pcap needs two passes: give a file');
  }
  const plan = format === 'pcap' ? await planPcap(input, options.chunkSize, options.signal) : undefined;
  const target = output === '-' ? process.stdout : output;
  const writer = plan
    ? createCaptureWriter(target, {
        format,
        linkType: plan.linkType,
        snapLen: plan.snapLen,
        tsResolution: plan.nanosecond ? 'ns' : 'us',
      })
    : createCaptureWriter(target, { format });
  onWriter?.(writer);
  const reader = openInput(input, options.chunkSize, true);
  let packets = 0;
  const addNewInterfaces = (): void => {
    if (format !== 'pcapng') return;
    const interfaces = reader.interfaces;
    for (let id = writer.interfaceCount; id < interfaces.length; id++) {
      const iface = interfaces[id]!;
      const tsResolution: TsResolution = finerThanMicroseconds(iface) ? 'ns' : 'us';
      writer.addInterface({
        linkType: iface.linkType,
        name: iface.name,
        description: iface.description,
        snapLen: iface.snapLen,
        tsResolution,
      });
    }
  };
  try {
    for await (const record of reader) {
      if (options.signal?.aborted) break;
      if (record.interfaceId >= writer.interfaceCount) addNewInterfaces();
      const ok = writer.writePacket(record.data, record.timestampSec, record.timestampNsec, {
        interfaceId: format === 'pcapng' ? record.interfaceId : 0,
        originalLength: Math.max(record.originalLength, record.data.length),
        comments: record.comments.length > 0 ? record.comments : undefined,
        direction: record.direction,
        // A record longer than its snap length (read as wiretap reads it) is copied whole.
        keepLength: true,
      });
      packets++;
      if (!ok) await writer.drain();
    }
    addNewInterfaces();
    writer.addNameRecords(reader.nameRecords);
  } finally {
    // Whatever happened, every packet handed over so far ends up in a valid file.
    await writer.close();
  }
  return {
    format,
    nanosecond: plan?.nanosecond ?? false,
    packets,
    interfaces: writer.interfaceCount,
    problems: captureProblems(reader),
  };
}
