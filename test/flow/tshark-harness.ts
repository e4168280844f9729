/**
 * Test helper (not a test): synthesize a flow, write it to a pcapng, and ask tshark what its TCP
 * analysis flagged on each frame.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFlowCapture } from '../../src/flow/packets.js';
import { type FlowOptions, type FlowResult, synthesizeFlow } from '../../src/flow/simulator.js';
import { CHECKSUM_OPTIONS, tsharkRows, tsharkSync } from '../tshark.js';

export const CLIENT_PORT = 45678;
export const SERVER_PORT = 33333;

export const ANALYSIS_FLAGS = [
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'ack_lost_segment',
  'duplicate_ack',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'window_update',
  'window_full',
  'keep_alive',
  'keep_alive_ack',
  'reused_ports',
] as const;
export type AnalysisFlag = (typeof ANALYSIS_FLAGS)[number];

export interface FrameAnalysis {
  frame: number;
  flags: Set<AnalysisFlag>;
  bytesInFlight: number | undefined;
  tcpLen: number;
  experts: string[];
}

export function tshark(args: string[]): string {
  return tsharkSync([...CHECKSUM_OPTIONS, ...args]);
}

export async function synthesizeToCapture(
  options: FlowOptions,
  ipVersion: 4 | 6 = 4,
): Promise<{ result: FlowResult; path: string }> {
  const result = synthesizeFlow({ ...options, ipVersion });
  const dir = mkdtempSync(join(tmpdir(), 'pktcraft-flow-'));
  const path = join(dir, 'flow.pcapng');
  await writeFlowCapture(path, result.segments, {
    ipVersion,
    clientIp: ipVersion === 6 ? '2001:db8::1' : '192.0.2.1',
    serverIp: ipVersion === 6 ? '2001:db8::2' : '198.51.100.7',
    clientPort: CLIENT_PORT,
    serverPort: SERVER_PORT,
  });
  return { result, path };
}

/** Per-frame TCP analysis flags, bytes in flight and warning-or-worse expert messages. */
export function analyze(path: string): FrameAnalysis[] {
  const fields = ANALYSIS_FLAGS.map((f) => `tcp.analysis.${f}` as const);
  const rows = tsharkRows(
    path,
    [
      'frame.number',
      'tcp.len',
      'tcp.analysis.bytes_in_flight',
      '_ws.expert.severity',
      '_ws.expert.message',
      ...fields,
    ],
    CHECKSUM_OPTIONS,
  );
  const frames: FrameAnalysis[] = [];
  for (const row of rows) {
    const flags = new Set<AnalysisFlag>();
    ANALYSIS_FLAGS.forEach((name, i) => {
      if (row[fields[i]!] !== '') flags.add(name);
    });
    const severities = row['_ws.expert.severity'].split(';');
    const experts = row['_ws.expert.message'].split(';').filter((_, i) => Number(severities[i]) >= 6291456);
    const inFlight = row['tcp.analysis.bytes_in_flight'];
    frames.push({
      frame: Number(row['frame.number']),
      tcpLen: Number(row['tcp.len']),
      bytesInFlight: inFlight ? Number(inFlight) : undefined,
      flags,
      experts,
    });
  }
  return frames;
}

/** Frame numbers (1-based) that carry a flag. */
export function framesWith(frames: FrameAnalysis[], flag: AnalysisFlag): number[] {
  return frames.filter((f) => f.flags.has(flag)).map((f) => f.frame);
}

/** Raw payload of each direction from `tshark -z follow,tcp,raw,STREAM`. */
export function followRaw(path: string, stream = 0): { client: Buffer; server: Buffer } {
  const out = tshark(['-r', path, '-q', '-z', `follow,tcp,raw,${stream}`]);
  const client: string[] = [];
  const server: string[] = [];
  let started = false;
  for (const line of out.split('\n')) {
    if (line.startsWith('Node 1:')) {
      started = true;
      continue;
    }
    if (!started || line.startsWith('====')) continue;
    if (line.startsWith('\t')) server.push(line.trim());
    else if (line.trim() !== '') client.push(line.trim());
  }
  return { client: Buffer.from(client.join(''), 'hex'), server: Buffer.from(server.join(''), 'hex') };
}
