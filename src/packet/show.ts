/**
 * Human output: a Wireshark-like indented tree and a hex dump with offsets.
 */
import { toHex } from '../core/bytes.js';
import { codecs } from '../layers/registry.js';
import type { DecodedPacket } from './decode.js';

function formatFieldValue(name: string, value: unknown, max?: number): string {
  if (value instanceof Uint8Array) return value.length ? toHex(value) : '(none)';
  if (typeof value === 'number') {
    // One bit (DNS's tc) reads as 0/1 whatever its name.
    if (max !== 1 && /chksum|checksum|type|flags|teid|tos|tc$|fl$/.test(name))
      return `0x${value.toString(16)} (${value})`;
    return String(value);
  }
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    return JSON.stringify(value, (_key, inner: unknown) =>
      inner instanceof Uint8Array ? toHex(inner) : inner,
    );
  }
  return String(value);
}

/** The tree: one line per layer with its summary, then its fields indented, then derived info in brackets. */
export function formatTree(decoded: DecodedPacket, heading?: string): string {
  const lines: string[] = [];
  if (heading) lines.push(heading);
  for (const layer of decoded.layers) {
    const codec = codecs[layer.layer];
    const summary = codec.summary?.(layer.fields, layer.info);
    lines.push(
      `${codec.title}${summary ? `, ${summary}` : ''}  [${layer.layer} @${layer.offset}, ${layer.end - layer.offset} bytes]`,
    );
    for (const [name, value] of Object.entries(layer.fields)) {
      if (value === undefined) continue;
      if (layer.layer === 'raw' && name === 'data' && value instanceof Uint8Array && value.length > 32) {
        lines.push(`    ${name}: ${toHex(value, 0, 32)}... (${value.length} bytes)`);
        continue;
      }
      lines.push(`    ${name}: ${formatFieldValue(name, value, codec.schema[name]?.max)}`);
    }
    if (layer.trailer?.length) lines.push(`    trailer: ${toHex(layer.trailer)}`);
    if (layer.info) {
      for (const [name, value] of Object.entries(layer.info)) {
        if (value === undefined) continue;
        lines.push(`    [${name}: ${formatFieldValue(name, value)}]`);
      }
    }
  }
  for (const problem of decoded.problems) {
    lines.push(`  ! ${problem.layer} at byte ${problem.offset}: ${problem.kind}: ${problem.message}`);
  }
  return lines.join('\n');
}

/** Classic hex dump: offset, 16 bytes in two groups of 8, printable ASCII. */
export function formatHexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let row = 0; row < bytes.length; row += 16) {
    const end = Math.min(row + 16, bytes.length);
    let hex = '';
    let ascii = '';
    for (let i = row; i < row + 16; i++) {
      if (i === row + 8) hex += ' ';
      if (i < end) {
        hex += `${toHex(bytes, i, i + 1)} `;
        const c = bytes[i]!;
        ascii += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      } else hex += '   ';
    }
    lines.push(`${row.toString(16).padStart(4, '0')}  ${hex} ${ascii}`);
  }
  return lines.join('\n');
}
