/**
 * MAC, IPv4 and IPv6 addresses: parsed from and printed to the strings the API uses, and written
 * into / read from packet bytes. IPv6 is printed per RFC 5952 (lowercase, longest zero run of two
 * or more groups compressed, leftmost on a tie, no leading zeros).
 */
import { toHex } from './bytes.js';

const MAC_RE =
  /^([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text);
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Parses "02:00:00:00:00:01" (':' or '-', one or two hex digits a group) into 6 bytes at out[offset];
 * returns false when it is not a MAC. A hand loop: encoding parses MACs for every packet.
 */
function parseMacInto(text: string, out: Uint8Array, offset: number): boolean {
  let group = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 58 || code === 45) {
      if (digits === 0 || group === 5) return false;
      out[offset + group++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const digit = hexDigit(code);
    if (digit < 0 || digits === 2) return false;
    value = value * 16 + digit;
    digits++;
  }
  if (group !== 5 || digits === 0) return false;
  out[offset + 5] = value;
  return true;
}

/** Recently written MACs: a packet stream repeats a few addresses. */
const macCache = new Map<string, Uint8Array>();
let lastMacText0: string | undefined;
let lastMacBytes0: Uint8Array = new Uint8Array(6);
let lastMacText1: string | undefined;
let lastMacBytes1: Uint8Array = new Uint8Array(6);

/** Writes a MAC given as "02:00:00:00:00:01" (or with '-') into out at offset. Throws TypeError if invalid. */
export function writeMac(text: string, out: Uint8Array, offset: number): void {
  // The two texts written last (a frame's destination and source) are checked before the map.
  let bytes: Uint8Array | undefined;
  if (text === lastMacText0) bytes = lastMacBytes0;
  else if (text === lastMacText1) bytes = lastMacBytes1;
  else {
    bytes = macCache.get(text);
    if (bytes === undefined) {
      bytes = new Uint8Array(6);
      if (!parseMacInto(text, bytes, 0)) throw new TypeError(`not a MAC address: '${text}'`);
      if (macCache.size >= 256) macCache.clear();
      macCache.set(text, bytes);
    }
    lastMacText1 = lastMacText0;
    lastMacBytes1 = lastMacBytes0;
    lastMacText0 = text;
    lastMacBytes0 = bytes;
  }
  out[offset] = bytes[0]!;
  out[offset + 1] = bytes[1]!;
  out[offset + 2] = bytes[2]!;
  out[offset + 3] = bytes[3]!;
  out[offset + 4] = bytes[4]!;
  out[offset + 5] = bytes[5]!;
}

export function parseMac(text: string): Uint8Array {
  const out = new Uint8Array(6);
  writeMac(text, out, 0);
  return out;
}

/** Two lowercase hex digits per byte value. */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Decimal text per byte value. */
const DEC: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Decimal text per byte value followed by a dot (the first three octets of an IPv4 address). */
const DEC_DOT: readonly string[] = DEC.map((text) => `${text}.`);

/**
 * Recently formatted MACs, direct-mapped on the low bits of the address: a capture repeats a few
 * addresses, and a hit returns the same flat string without building it again.
 */
const MAC_CACHE_SIZE = 64;
const macCacheHigh = new Int32Array(MAC_CACHE_SIZE).fill(-1);
const macCacheLow = new Int32Array(MAC_CACHE_SIZE);
const macCacheText: string[] = new Array<string>(MAC_CACHE_SIZE).fill('');

export function formatMac(bytes: Uint8Array, offset = 0): string {
  const b0 = bytes[offset]!;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  const b4 = bytes[offset + 4]!;
  const b5 = bytes[offset + 5]!;
  if (b5 === undefined) {
    // Fewer than 6 bytes (no decoder calls it so): the historical output, byte by byte.
    let text = '';
    for (let i = 0; i < 6; i++) {
      if (i) text += ':';
      text += toHex(bytes, offset + i, offset + i + 1);
    }
    return text;
  }
  const high = (b0 << 8) | b1;
  const low = (b2 << 24) | (b3 << 16) | (b4 << 8) | b5;
  const slot = (b5 ^ b3) & (MAC_CACHE_SIZE - 1);
  if (macCacheHigh[slot] === high && macCacheLow[slot] === low) return macCacheText[slot]!;
  const text = `${HEX2[b0]}:${HEX2[b1]}:${HEX2[b2]}:${HEX2[b3]}:${HEX2[b4]}:${HEX2[b5]}`;
  macCacheHigh[slot] = high;
  macCacheLow[slot] = low;
  macCacheText[slot] = text;
  return text;
}

/** Parses dotted-quad IPv4 to a 32-bit unsigned number, or undefined. */
export function ipv4ToNumber(text: string): number | undefined {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits > 0 && part === 0)) return undefined; // no leading zeros (avoid octal ambiguity)
      part = part * 10 + (c - 48);
      if (part > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + part;
}

export function numberToIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function isIPv4(text: string): boolean {
  return ipv4ToNumber(text) !== undefined;
}

/** Recently parsed IPv4 texts, direct-mapped on the last characters (a stream repeats a few). */
const IPV4_PARSE_CACHE_SIZE = 64;
const ipv4ParseText: string[] = new Array<string>(IPV4_PARSE_CACHE_SIZE).fill('');
const ipv4ParseValue = new Float64Array(IPV4_PARSE_CACHE_SIZE);

export function writeIPv4(text: string, out: Uint8Array, offset: number): void {
  const n = text.length;
  const slot =
    n > 1 ? (text.charCodeAt(n - 1) * 7 + text.charCodeAt(n - 2) * 3 + n) & (IPV4_PARSE_CACHE_SIZE - 1) : 0;
  let value: number | undefined;
  if (ipv4ParseText[slot] === text && n > 0) value = ipv4ParseValue[slot]!;
  else {
    value = ipv4ToNumber(text);
    if (value === undefined) throw new TypeError(`not an IPv4 address: '${text}'`);
    ipv4ParseText[slot] = text;
    ipv4ParseValue[slot] = value;
  }
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

export function parseIPv4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  writeIPv4(text, out, 0);
  return out;
}

export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  const b0 = bytes[offset];
  const b1 = bytes[offset + 1];
  const b2 = bytes[offset + 2];
  const b3 = bytes[offset + 3];
  if (b3 === undefined) return `${b0}.${b1}.${b2}.${b3}`;
  const value = (b0! << 24) | (b1! << 16) | (b2! << 8) | b3;
  const slot = (b3 ^ (b2! << 2) ^ b1!) & (IPV4_CACHE_SIZE - 1);
  if (ipv4CacheValue[slot] === value && ipv4CacheText[slot] !== '') return ipv4CacheText[slot]!;
  // Three joins of "a." pieces, not the six of a template with the dots apart.
  const text = DEC_DOT[b0!]! + DEC_DOT[b1!]! + DEC_DOT[b2!]! + DEC[b3]!;
  ipv4CacheValue[slot] = value;
  ipv4CacheText[slot] = text;
  return text;
}

/** Recently formatted IPv4 addresses, direct-mapped (as the MAC cache). */
const IPV4_CACHE_SIZE = 256;
const ipv4CacheValue = new Int32Array(IPV4_CACHE_SIZE);
const ipv4CacheText: string[] = new Array<string>(IPV4_CACHE_SIZE).fill('');

/** Parses an IPv6 address (RFC 4291 text forms, including embedded IPv4) into 8 groups, or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const doubleColon = text.indexOf('::');
  if (doubleColon !== -1 && text.indexOf('::', doubleColon + 1) !== -1) return undefined;
  const parseSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const parts = side.split(':');
    const groups: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4ToNumber(part);
        if (v4 === undefined) return undefined;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
        groups.push(Number.parseInt(part, 16));
      }
    }
    return groups;
  };
  if (doubleColon === -1) {
    const groups = parseSide(text);
    return groups && groups.length === 8 ? groups : undefined;
  }
  const head = parseSide(text.slice(0, doubleColon));
  const tail = parseSide(text.slice(doubleColon + 2));
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

export function isIPv6(text: string): boolean {
  return ipv6Groups(text) !== undefined;
}

export function writeIPv6(text: string, out: Uint8Array, offset: number): void {
  const groups = ipv6Groups(text);
  if (!groups) throw new TypeError(`not an IPv6 address: '${text}'`);
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = groups[i]! >>> 8;
    out[offset + 2 * i + 1] = groups[i]!;
  }
}

export function parseIPv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  writeIPv6(text, out, 0);
  return out;
}

/** RFC 5952 canonical text. */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  // The longest run of two or more zero groups (leftmost on a tie) becomes '::'.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = bytes[offset + 2 * i] === 0 && bytes[offset + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    const group = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
    text += i === 7 || i + 1 === bestStart ? group.toString(16) : `${group.toString(16)}:`;
  }
  return text;
}
