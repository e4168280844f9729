/**
 * Running tshark as an oracle: field values per packet (every occurrence, outer to inner) and expert
 * items, with checksum validation on and an empty configuration directory so that user preferences
 * never change the verdict.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InjectError } from '../core/errors.js';

/** Checksum validation for every protocol that has it (ICMP/ICMPv6 always validate). */
export const CHECKSUM_PREFERENCES = [
  'ip.check_checksum:TRUE',
  'udp.check_checksum:TRUE',
  'tcp.check_checksum:TRUE',
] as const;

export interface TsharkRunOptions {
  /** Extra preferences (`-o name:value`). */
  preferences?: readonly string[];
  /** Wireshark "decode as" rules (`-d udp.port==5555,gtp`). */
  decodeAs?: readonly string[];
  /** A display filter (`-Y`). */
  filter?: string;
  /** Two-pass analysis (`-2`). */
  twoPass?: boolean;
}

export type TsharkPacket = Record<string, string[]>;

export const SEVERITY = {
  comment: 1048576,
  chat: 2097152,
  note: 4194304,
  warning: 6291456,
  error: 8388608,
} as const;

function tsharkArgs(file: string, options: TsharkRunOptions): string[] {
  const args = ['-n', '-r', file];
  for (const preference of [...CHECKSUM_PREFERENCES, ...(options.preferences ?? [])])
    args.push('-o', preference);
  for (const rule of options.decodeAs ?? []) args.push('-d', rule);
  if (options.filter) args.push('-Y', options.filter);
  if (options.twoPass) args.push('-2');
  return args;
}

/** Runs tshark with a throwaway config dir; resolves stdout, rejects with tshark's stderr on failure. */
export function runTsharkRaw(args: readonly string[]): Promise<string> {
  const configDir = mkdtempSync(join(tmpdir(), 'pktcraft-ws-'));
  return new Promise<string>((resolve, reject) => {
    const child = spawn('tshark', args, {
      env: { ...process.env, WIRESHARK_CONFIG_DIR: configDir, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      rmSync(configDir, { recursive: true, force: true });
      reject(
        new InjectError('ENOENT', `cannot run tshark (${error.message}); install it: apt-get install tshark`),
      );
    });
    child.on('close', (code) => {
      rmSync(configDir, { recursive: true, force: true });
      const stderr = Buffer.concat(err)
        .toString()
        .split('\n')
        .filter((line) => line && !/Running as user "root"/.test(line))
        .join('\n');
      if (code !== 0) reject(new InjectError('TSHARK', `tshark exited with ${code}: ${stderr}`));
      else resolve(Buffer.concat(out).toString());
    });
  });
}

/** Every occurrence of each field, per packet, in tshark's order (outer header first). */
export async function tsharkFields(
  file: string,
  fields: readonly string[],
  options: TsharkRunOptions = {},
): Promise<TsharkPacket[]> {
  const args = [...tsharkArgs(file, options), '-T', 'json'];
  for (const field of ['frame.number', ...fields]) args.push('-e', field);
  const text = await runTsharkRaw(args);
  const parsed = JSON.parse(text || '[]') as { _source: { layers: Record<string, string[]> } }[];
  return parsed.map((entry) => entry._source.layers);
}

export interface ExpertItem {
  frame: number;
  severity: number;
  group: number;
  message: string;
}

/** Expert items of every packet (all severities) plus malformed markers, read from the field dump. */
export async function tsharkExpert(file: string, options: TsharkRunOptions = {}): Promise<ExpertItem[]> {
  const packets = await tsharkFields(
    file,
    ['_ws.expert.severity', '_ws.expert.group', '_ws.expert.message', '_ws.malformed'],
    options,
  );
  const items: ExpertItem[] = [];
  for (const packet of packets) {
    const frame = Number(packet['frame.number']?.[0]);
    const severities = packet['_ws.expert.severity'] ?? [];
    const groups = packet['_ws.expert.group'] ?? [];
    const messages = packet['_ws.expert.message'] ?? [];
    for (let i = 0; i < severities.length; i++) {
      items.push({
        frame,
        severity: Number(severities[i]),
        group: Number(groups[i]),
        message: messages[i] ?? '',
      });
    }
    if (packet['_ws.malformed'] && !messages.some((message) => /Malformed/.test(message))) {
      items.push({ frame, severity: SEVERITY.error, group: 117440512, message: 'Malformed Packet' });
    }
  }
  return items;
}
