/**
 * Test helper (not a test): synthesize a flow, write it to a pcapng, and ask tshark what its TCP
 * analysis flagged on each frame.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFlowCapture } from '../../src/flow/packets.js';
import { type FlowOptions, type FlowResult, synthesizeFlow } from '../../src/flow/simulator.js';
import { tsharkSync } from '../tshark.js';

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
  return tsharkSync(['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', ...args]);
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
  const fields = ANALYSIS_FLAGS.map((f) => `tcp.analysis.${f}`);
  const out = tshark([
    '-r',
    path,
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=;',
    '-e',
    'frame.number',
    '-e',
    'tcp.len',
    '-e',
    'tcp.analysis.bytes_in_flight',
    '-e',
    '_ws.expert.severity',
    '-e',
    '_ws.expert.message',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  const frames: FrameAnalysis[] = [];
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const cols = line.split('|');
    const flags = new Set<AnalysisFlag>();
    ANALYSIS_FLAGS.forEach((name, i) => {
      if ((cols[5 + i] ?? '') !== '') flags.add(name);
    });
    const severities = (cols[3] ?? '').split(';');
    const messages = (cols[4] ?? '').split(';');
    const experts = messages.filter((_, i) => Number(severities[i]) >= 6291456);
    frames.push({
      frame: Number(cols[0]),
      tcpLen: Number(cols[1]),
      bytesInFlight: cols[2] ? Number(cols[2]) : undefined,
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
