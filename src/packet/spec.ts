/**
 * The text spec: a Scapy-like layer list, outermost first, separated by '/'. Each layer is `name` or
 * `name(field=value, ...)`. Values: decimal or 0x hex integers, IPv4/IPv6/MAC addresses, flag letters
 * (tcp flags=PA, ipv4 flags=DF+MF), quoted strings ("..." or '...', backslash escapes), and for
 * bytes fields 0x-hex or a quoted hex string. Every layer also takes `trailer=0x...` (bytes after its
 * inner content: Ethernet padding and the like). Errors name the token and its 0-based position.
 *
 *   ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(teid=0x1234,qfi=9)/ipv4(src=10.0.0.1)/tcp(flags=S,mss=1400)
 */
import { isIPv4, isIPv6, isMac } from '../core/address.js';
import { fromHex } from '../core/bytes.js';
import { SpecError } from '../core/errors.js';
import type { LayerName, LayerValue } from '../layers/layer.js';
import { codecs, isLayerName, layerNames } from '../layers/registry.js';
import type { FieldSchema } from '../layers/schema.js';

/** Field names accepted for every layer on top of its own. */
const COMMON_FIELDS: Readonly<Record<string, FieldSchema>> = {
  trailer: {
    kind: 'bytes',
    role: 'shape',
    doc: 'bytes after the inner content that belong to this layer (padding)',
  },
};

/** Aliases in the spec: `raw(hex=...)` is `raw(data=...)`. */
const ALIASES: Partial<Record<LayerName, Record<string, string>>> = { raw: { hex: 'data' } };

class Scanner {
  position = 0;
  constructor(readonly text: string) {}
  peek(): string {
    return this.text[this.position] ?? '';
  }
  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }
  error(reason: string, token?: string, position = this.position): SpecError {
    const shown = token ?? (this.text.slice(position, position + 12) || 'end of spec');
    return new SpecError(shown, position, reason);
  }
}

/** Parses a spec into layer values (fields converted by each layer's field kinds). */
export function parseSpec(spec: string): LayerValue[] {
  const scanner = new Scanner(spec);
  const layers: LayerValue[] = [];
  scanner.skipSpace();
  if (scanner.position >= spec.length) throw scanner.error('empty spec: give layers like ether/ipv4/udp', '');
  for (;;) {
    scanner.skipSpace();
    const nameStart = scanner.position;
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(spec.slice(nameStart));
    if (!nameMatch) throw scanner.error('expected a layer name');
    const name = nameMatch[0];
    scanner.position += name.length;
    const layerName = name.toLowerCase();
    if (!isLayerName(layerName)) {
      throw scanner.error(`unknown layer '${name}' (known: ${layerNames.join(', ')})`, name, nameStart);
    }
    const fields: Record<string, unknown> = {};
    let trailer: Uint8Array | undefined;
    scanner.skipSpace();
    if (scanner.peek() === '(') {
      scanner.position++;
      scanner.skipSpace();
      if (scanner.peek() === ')') scanner.position++;
      else {
        for (;;) {
          scanner.skipSpace();
          const fieldStart = scanner.position;
          const fieldMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(spec.slice(fieldStart));
          if (!fieldMatch) throw scanner.error(`expected a field name in ${layerName}(...)`);
          const written = fieldMatch[0];
          scanner.position += written.length;
          const field = ALIASES[layerName]?.[written] ?? written;
          const info = codecs[layerName].schema[field] ?? COMMON_FIELDS[field];
          if (!info) {
            const known = [...Object.keys(codecs[layerName].schema), ...Object.keys(COMMON_FIELDS)].join(
              ', ',
            );
            throw scanner.error(
              `unknown field '${written}' for ${layerName} (known: ${known})`,
              written,
              fieldStart,
            );
          }
          if (Object.hasOwn(fields, field) || (field === 'trailer' && trailer)) {
            throw scanner.error(`field '${written}' given twice`, written, fieldStart);
          }
          scanner.skipSpace();
          if (scanner.peek() !== '=') throw scanner.error(`expected '=' after ${written}`);
          scanner.position++;
          scanner.skipSpace();
          const valueStart = scanner.position;
          const { text, quoted } = readValue(scanner);
          const value = convertValue(layerName, field, info, text, quoted, valueStart, scanner);
          if (field === 'trailer') trailer = value as Uint8Array;
          else fields[field] = value;
          scanner.skipSpace();
          const separator = scanner.peek();
          if (separator === ',') {
            scanner.position++;
            continue;
          }
          if (separator === ')') {
            scanner.position++;
            break;
          }
          throw scanner.error(`expected ',' or ')' in ${layerName}(...)`);
        }
      }
    }
    layers.push(trailer ? { layer: layerName, fields, trailer } : { layer: layerName, fields });
    scanner.skipSpace();
    if (scanner.position >= spec.length) break;
    if (scanner.peek() !== '/') throw scanner.error("expected '/' between layers");
    scanner.position++;
  }
  return layers;
}

function readValue(scanner: Scanner): { text: string; quoted: boolean } {
  const quote = scanner.peek();
  if (quote === '"' || quote === "'") {
    const start = scanner.position;
    scanner.position++;
    let text = '';
    for (;;) {
      if (scanner.position >= scanner.text.length)
        throw scanner.error('unterminated string', scanner.text.slice(start, start + 12), start);
      const c = scanner.text[scanner.position++]!;
      if (c === quote) break;
      if (c === '\\') {
        const escaped = scanner.text[scanner.position++];
        if (escaped === undefined)
          throw scanner.error('unterminated string', scanner.text.slice(start, start + 12), start);
        text +=
          escaped === 'n'
            ? '\n'
            : escaped === 'r'
              ? '\r'
              : escaped === 't'
                ? '\t'
                : escaped === '0'
                  ? '\0'
                  : escaped;
      } else text += c;
    }
    return { text, quoted: true };
  }
  const start = scanner.position;
  while (scanner.position < scanner.text.length && !/[,)\s]/.test(scanner.text[scanner.position]!))
    scanner.position++;
  const text = scanner.text.slice(start, scanner.position);
  if (text === '') throw scanner.error('expected a value');
  return { text, quoted: false };
}

function parseInteger(text: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  return undefined;
}

function convertValue(
  layer: LayerName,
  field: string,
  info: FieldSchema,
  text: string,
  quoted: boolean,
  position: number,
  scanner: Scanner,
): unknown {
  const bad = (reason: string) => scanner.error(`${layer}.${field}: ${reason}`, text, position);
  switch (info.kind) {
    case 'uint': {
      const value = parseInteger(text);
      if (value === undefined) throw bad('expected a decimal or 0x hex integer');
      const max = info.max ?? 0xffffffff;
      if (value > max) throw bad(`${value} is larger than ${max}`);
      return value;
    }
    case 'flags': {
      const value = parseInteger(text) ?? info.parseFlags?.(text);
      if (value === undefined) throw bad('expected flag letters/names or an integer');
      if (info.max !== undefined && value > info.max) throw bad(`${value} is larger than ${info.max}`);
      return value;
    }
    case 'bool': {
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      throw bad('expected 0/1 or true/false');
    }
    case 'mac':
    case 'ipv4':
    case 'ipv6':
      // Address fields of unusual sizes (ARP with hwlen ≠ 6) are given as 0x-hex bytes.
      if (!quoted && /^0[xX]/.test(text)) {
        const bytes = fromHex(text);
        if (!bytes) throw bad('not valid hex bytes');
        return bytes;
      }
      return convertAddress(info.kind, text, bad);

    case 'bytes': {
      if (!quoted && !/^0[xX]/.test(text)) throw bad('expected 0x-prefixed hex bytes or a quoted hex string');
      const bytes = fromHex(text);
      if (!bytes) throw bad('not valid hex bytes');
      return bytes;
    }
    case 'text':
      return text;
    case 'json': {
      try {
        return JSON.parse(text);
      } catch {
        throw bad('expected a quoted JSON value');
      }
    }
  }
}

function convertAddress(
  kind: 'mac' | 'ipv4' | 'ipv6',
  text: string,
  bad: (reason: string) => SpecError,
): string {
  if (kind === 'mac') {
    if (!isMac(text)) throw bad('expected a MAC address like 02:00:00:00:00:01');
    return text.toLowerCase();
  }
  if (kind === 'ipv4') {
    if (!isIPv4(text)) throw bad('expected an IPv4 address like 192.0.2.1');
    return text;
  }
  if (!isIPv6(text)) throw bad('expected an IPv6 address like 2001:db8::1');
  return text;
}

/** Renders layer values back to a spec string (the inverse of parseSpec for every field kind). */
export function formatSpec(layers: readonly LayerValue[]): string {
  return layers
    .map((layer) => {
      const codec = codecs[layer.layer];
      const parts: string[] = [];
      const fields = layer.fields as Record<string, unknown>;
      for (const [field, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        const info = codec.schema[field];
        parts.push(`${field}=${formatValue(value, info)}`);
      }
      if (layer.trailer && layer.trailer.length > 0)
        parts.push(`trailer=${formatValue(layer.trailer, COMMON_FIELDS.trailer)}`);
      return parts.length ? `${layer.layer}(${parts.join(',')})` : layer.layer;
    })
    .join('/');
}

function formatValue(value: unknown, info: FieldSchema | undefined): string {
  if (value instanceof Uint8Array)
    return `0x${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}`;
  if (typeof value === 'number')
    return info?.kind === 'uint' && info.max !== undefined && info.max > 0xffff
      ? String(value)
      : String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') {
    if (info?.kind === 'bytes') return `0x${value.replace(/^0x/i, '')}`;
    if (info?.kind === 'text' || /[,)\s/'"\\]/.test(value) || value === '') return JSON.stringify(value);
    return value;
  }
  return `'${JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Uint8Array ? Buffer.from(inner).toString('hex') : inner,
  )
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")}'`;
}
