/**
 * DNS (RFC 1035, AAAA of RFC 3596, EDNS(0) of RFC 6891, SRV of RFC 2782, unknown types of RFC 3597),
 * over UDP and over TCP with the 2-octet length prefix (RFC 7766 §8, RFC 1035 §4.2.2).
 *
 *   0                   1
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |    length (over TCP only)     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              ID               |
 *  |QR| Opcode|AA|TC|RD|RA|Z|AD|CD| RCODE |
 *  |  QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT  (4 x 16 bits)
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  question, answer, authority, additional sections ...
 *
 * One `dns` layer is one message. Over TCP (the layer below is `tcp`, or another `dns` message in
 * the same segment) the message starts with its length; over UDP it does not. Header fields are
 * numbers at fixed places (`--vary dns.id=1+` works over both, the places move by the prefix).
 *
 * The four sections are text in the zone-file form a `dig` user reads (RFC 1035 §5.1), one line per
 * item, items separated by `;`, tokens by spaces or `/` (so a spec needs no quotes for simple ones):
 *
 *   qd=shop.example.com/A                      question: NAME [CLASS] [TYPE] (IN, A when left out)
 *   an=shop.example.com/300/A/198.51.100.10    record:   NAME [TTL] [CLASS] TYPE RDATA (TTL 0, IN)
 *   ar=OPT/udp=1232/do/cookie=0102030405060708  EDNS(0): OPT [udp=N] [do] [version=N] [ercode=N] [z=N] [OPTION=HEX]...
 *   an='x.example 60 IN TYPE65 \# 3 010203'     any type, RFC 3597's generic form (also for A, MX, ...)
 *
 * Rdata read and written as text: A, AAAA, NS, CNAME, PTR, DNAME (a name), MX (preference, name),
 * TXT (one or more strings, quoted or bare), SRV (priority, weight, port, target), SOA (mname,
 * rname, serial, refresh, retry, expire, minimum), OPT. Every other type uses the generic form.
 * Names are text with the master-file escapes (`\.`, `\DDD`), case kept, the trailing dot optional;
 * `.` is the root. EDNS option names: nsid (3), ecs (8), cookie (10), keepalive (11), padding (12),
 * or the option code as a number.
 *
 * Name compression (RFC 1035 §4.1.4): on encode by default (`compress=0` turns it off), in owner
 * names and in the rdata names of the types RFC 1035 defines (NS, CNAME, PTR, MX, SOA), never in SRV
 * or DNAME (RFC 2782, RFC 6672; RFC 3597 §4). A pointer goes to the earliest identical suffix already
 * written, case-sensitively, so the bytes decode back to the same text. Decode follows pointers
 * anywhere in the message with a bound on hops and on the name's 255 octets: a loop, a pointer past
 * the end or an unknown label type is a `malformed` problem, never a hang.
 *
 * Decode gives the sections as text and `compress` as the message used it. When the text would not
 * encode back to the same bytes (pointers pktcraft would not write, a record cut short, counts the
 * records do not fill) it also gives `body`, the message after the header verbatim, which encode
 * then writes instead of the sections: every message round-trips exactly.
 */
import { formatIPv4, formatIPv6, isIPv4, isIPv6, writeIPv4, writeIPv6 } from '../core/address.js';
import { fromHex, need, readU16, readU32, toHex } from '../core/bytes.js';
import { DecodeError, FieldError } from '../core/errors.js';
import { bytesField, uintOf } from './field-check.js';
import type {
  BytesValue,
  DecodeContext,
  DecodeStep,
  EncodeFrame,
  LayerCodec,
  LayerName,
  LayerValue,
  Problem,
} from './layer.js';
import { at, defineSchema, type FieldPosition, type PositionLocator } from './schema.js';

/** DNS header fields and sections; defaults, ranges and docs in `dnsSchema`. */
export interface DnsFields {
  /** The 2-octet message length over TCP (RFC 7766); absent over UDP. */
  len?: number;
  id?: number;
  qr?: number;
  opcode?: number;
  aa?: number;
  tc?: number;
  rd?: number;
  ra?: number;
  z?: number;
  ad?: number;
  cd?: number;
  rcode?: number;
  qdcount?: number;
  ancount?: number;
  nscount?: number;
  arcount?: number;
  /** Questions, `;`-separated: `NAME [CLASS] [TYPE]`. */
  qd?: string;
  /** Answer records, `;`-separated: `NAME [TTL] [CLASS] TYPE RDATA`. */
  an?: string;
  /** Authority records. */
  ns?: string;
  /** Additional records (EDNS's OPT goes here). */
  ar?: string;
  /** Compress names on encode (default true). */
  compress?: boolean;
  /** The message after the 12-octet header, verbatim; when set the sections are not encoded. */
  body?: BytesValue;
}

export type DnsLayer = LayerValue<'dns', DnsFields>;

export function dns(fields: DnsFields = {}): DnsLayer {
  return { layer: 'dns', fields };
}

export const DNS_HEADER_LENGTH = 12;
/** The TCP length prefix (RFC 7766 §8). */
export const DNS_TCP_PREFIX_LENGTH = 2;

/* ------------------------------------------------------------------ numbers and names */

/** Resource record types by mnemonic (IANA "Resource Record (RR) TYPEs"). */
export const DNS_TYPE: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MINFO: 14,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  SIG: 24,
  KEY: 25,
  AAAA: 28,
  LOC: 29,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  URI: 256,
  CAA: 257,
};

/** Classes by mnemonic. */
export const DNS_CLASS: Readonly<Record<string, number>> = {
  IN: 1,
  CS: 2,
  CH: 3,
  HS: 4,
  NONE: 254,
  ANY: 255,
};

/** Opcodes by name (RFC 1035, 1996, 2136, 8490). */
export const DNS_OPCODE: Readonly<Record<string, number>> = {
  QUERY: 0,
  IQUERY: 1,
  STATUS: 2,
  NOTIFY: 4,
  UPDATE: 5,
  DSO: 6,
};

/** Response codes by name (RFC 1035, 2136, 6891). */
export const DNS_RCODE: Readonly<Record<string, number>> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
};

/** EDNS(0) option codes by the names the OPT text uses (IANA "DNS EDNS0 Option Codes"). */
export const EDNS_OPTION: Readonly<Record<string, number>> = {
  nsid: 3,
  ecs: 8,
  cookie: 10,
  keepalive: 11,
  padding: 12,
};

const invert = (table: Readonly<Record<string, number>>): ReadonlyMap<number, string> =>
  new Map(Object.entries(table).map(([name, value]) => [value, name]));
const TYPE_NAME = invert(DNS_TYPE);
const CLASS_NAME = invert(DNS_CLASS);
const OPCODE_NAME = invert(DNS_OPCODE);
const RCODE_NAME = invert(DNS_RCODE);
const OPTION_NAME = invert(EDNS_OPTION);

const T = DNS_TYPE as Readonly<Record<string, number>> & {
  A: number;
  NS: number;
  CNAME: number;
  SOA: number;
  PTR: number;
  MX: number;
  TXT: number;
  AAAA: number;
  SRV: number;
  DNAME: number;
  OPT: number;
};

/** "A", "TYPE65534" */
export function dnsTypeName(type: number): string {
  return TYPE_NAME.get(type) ?? `TYPE${type}`;
}

export function dnsClassName(klass: number): string {
  return CLASS_NAME.get(klass) ?? `CLASS${klass}`;
}

function mnemonic(table: Readonly<Record<string, number>>, prefix: string, text: string): number | undefined {
  const upper = text.toUpperCase();
  const known = table[upper];
  if (known !== undefined) return known;
  const match = new RegExp(`^${prefix}(\\d{1,5})$`).exec(upper);
  if (!match) return undefined;
  const value = Number(match[1]);
  return value <= 0xffff ? value : undefined;
}
const typeOf = (text: string): number | undefined => mnemonic(DNS_TYPE, 'TYPE', text);
const classOf = (text: string): number | undefined => mnemonic(DNS_CLASS, 'CLASS', text);

function namedNumber(table: Readonly<Record<string, number>>, max: number) {
  return (text: string): number | undefined => {
    const known = table[text.trim().toUpperCase()];
    if (known !== undefined) return known;
    return /^\d+$/.test(text.trim()) && Number(text) <= max ? Number(text) : undefined;
  };
}

/* ------------------------------------------------------------------ schema */

/** Header positions within the message; over TCP they move by the 2-octet prefix. */
function inMessage(position: FieldPosition): PositionLocator {
  const prefixed: FieldPosition = { ...position, offset: position.offset + DNS_TCP_PREFIX_LENGTH };
  return (_bytes, _header, _headerLength, below) => (hasTcpPrefix(below) ? prefixed : position);
}

/** Whether a message whose layer below is `below` carries the TCP length prefix. */
export function hasTcpPrefix(below: LayerName | undefined): boolean {
  return below === 'tcp' || below === 'dns';
}

const header = (
  offset: number,
  bits: number,
  shift: number,
  doc: string,
  extra: { default?: number; tshark?: string; perPacket?: boolean; responseOnly?: boolean } = {},
) => ({
  kind: 'uint' as const,
  role: 'value' as const,
  locate: inMessage(at(offset, 2, bits, shift)),
  max: 2 ** bits - 1,
  default: extra.default ?? 0,
  doc,
  ...(extra.tshark !== undefined ? { tshark: extra.tshark } : {}),
  ...(extra.perPacket ? { perPacket: true } : {}),
  // tshark 4.0 shows AA, RA, AD and RCODE in responses only.
  ...(extra.responseOnly ? { tsharkWhen: isResponse } : {}),
});

const isResponse = (fields: Readonly<Record<string, unknown>>): boolean => fields.qr === 1;

const count = (offset: number, section: string, tshark: string) => ({
  kind: 'uint' as const,
  role: 'length' as const,
  locate: inMessage(at(offset, 2)),
  max: 0xffff,
  auto: `counted from ${section}`,
  tshark,
  doc: `number of items in ${section}`,
});

export const dnsSchema = defineSchema<DnsFields>({
  len: {
    kind: 'uint',
    role: 'length',
    locate: (_bytes, _header, _headerLength, below) =>
      hasTcpPrefix(below) ? at(0, 2) : 'over UDP a DNS message has no length prefix',
    max: 0xffff,
    auto: 'over TCP: the message length; none over UDP',
    tshark: 'dns.length',
    tsharkWhen: (fields) => fields.len !== undefined,
    doc: 'TCP length prefix (RFC 7766), only over TCP',
  },
  id: header(0, 16, 0, 'transaction ID', { tshark: 'dns.id', perPacket: true }),
  qr: header(2, 1, 15, 'response (1) or query (0)', { tshark: 'dns.flags.response' }),
  opcode: {
    ...header(2, 4, 11, 'opcode; names QUERY, IQUERY, STATUS, NOTIFY, UPDATE, DSO', {
      tshark: 'dns.flags.opcode',
    }),
    kind: 'flags',
    parseFlags: namedNumber(DNS_OPCODE, 15),
  },
  aa: header(2, 1, 10, 'authoritative answer', { tshark: 'dns.flags.authoritative', responseOnly: true }),
  tc: header(2, 1, 9, 'truncated', { tshark: 'dns.flags.truncated' }),
  rd: header(2, 1, 8, 'recursion desired (Scapy sets it too)', {
    default: 1,
    tshark: 'dns.flags.recdesired',
  }),
  ra: header(2, 1, 7, 'recursion available', { tshark: 'dns.flags.recavail', responseOnly: true }),
  z: header(2, 1, 6, 'reserved bit', { tshark: 'dns.flags.z' }),
  ad: header(2, 1, 5, 'authentic data (DNSSEC)', { tshark: 'dns.flags.authenticated', responseOnly: true }),
  cd: header(2, 1, 4, 'checking disabled (DNSSEC)', { tshark: 'dns.flags.checkdisable' }),
  rcode: {
    ...header(2, 4, 0, 'response code; names NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, ...', {
      tshark: 'dns.flags.rcode',
      responseOnly: true,
    }),
    kind: 'flags',
    parseFlags: namedNumber(DNS_RCODE, 15),
  },
  qdcount: count(4, 'qd', 'dns.count.queries'),
  ancount: count(6, 'an', 'dns.count.answers'),
  nscount: count(8, 'ns', 'dns.count.auth_rr'),
  arcount: count(10, 'ar', 'dns.count.add_rr'),
  qd: { kind: 'text', role: 'shape', auto: 'none', doc: "questions: 'NAME [CLASS] [TYPE]', ';' between" },
  an: {
    kind: 'text',
    role: 'shape',
    auto: 'none',
    doc: "answers: 'NAME [TTL] [CLASS] TYPE RDATA', ';' between",
  },
  ns: { kind: 'text', role: 'shape', auto: 'none', doc: 'authority records, as an' },
  ar: {
    kind: 'text',
    role: 'shape',
    auto: 'none',
    doc: "additional records, as an; EDNS 'OPT udp=N do ...'",
  },
  compress: { kind: 'bool', role: 'shape', default: true, doc: 'name compression on encode' },
  body: {
    kind: 'bytes',
    role: 'shape',
    auto: 'from the sections',
    doc: 'the message after the header, verbatim (instead of the sections)',
  },
});

/* ------------------------------------------------------------------ the message model */

/** A name as its labels (bytes, case kept). The root is no labels. */
export type DnsName = readonly Uint8Array[];

export interface DnsQuestion {
  readonly name: DnsName;
  readonly type: number;
  readonly class: number;
}

export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

export type DnsRdata =
  | { readonly kind: 'a'; readonly address: string }
  | { readonly kind: 'aaaa'; readonly address: string }
  | { readonly kind: 'name'; readonly name: DnsName }
  | { readonly kind: 'mx'; readonly preference: number; readonly exchange: DnsName }
  | { readonly kind: 'txt'; readonly strings: readonly Uint8Array[] }
  | {
      readonly kind: 'srv';
      readonly priority: number;
      readonly weight: number;
      readonly port: number;
      readonly target: DnsName;
    }
  | {
      readonly kind: 'soa';
      readonly mname: DnsName;
      readonly rname: DnsName;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  | { readonly kind: 'opt'; readonly options: readonly EdnsOption[] }
  | { readonly kind: 'generic'; readonly data: Uint8Array };

export interface DnsRecord {
  readonly name: DnsName;
  readonly type: number;
  /** The class; for OPT the requestor's UDP payload size. */
  readonly class: number;
  /** The TTL; for OPT the extended RCODE, version, DO bit and Z. */
  readonly ttl: number;
  readonly rdata: DnsRdata;
}

/** Which rdata kinds a type has in text (every other type is generic). */
function rdataKindOf(type: number): DnsRdata['kind'] {
  switch (type) {
    case T.A:
      return 'a';
    case T.AAAA:
      return 'aaaa';
    case T.NS:
    case T.CNAME:
    case T.PTR:
    case T.DNAME:
      return 'name';
    case T.MX:
      return 'mx';
    case T.TXT:
      return 'txt';
    case T.SRV:
      return 'srv';
    case T.SOA:
      return 'soa';
    case T.OPT:
      return 'opt';
    default:
      return 'generic';
  }
}

/** RFC 3597 §4: names in the rdata of RFC 1035's types may be compressed; SRV's and DNAME's not. */
function rdataCompressible(type: number): boolean {
  return type === T.NS || type === T.CNAME || type === T.PTR || type === T.MX || type === T.SOA;
}

const MAX_NAME_OCTETS = 255;
const MAX_LABEL_OCTETS = 63;

/* ------------------------------------------------------------------ text: tokens */

interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

/** Splits a section's text into items (`;`) of tokens (spaces or `/`), minding quotes and escapes. */
function tokenize(section: string, text: string): Token[][] {
  const items: Token[][] = [];
  let tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ';') {
      if (tokens.length > 0) items.push(tokens);
      tokens = [];
      i++;
    } else if (c === '/' || /\s/.test(c)) i++;
    else if (c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new FieldError('dns', section, `unterminated quoted string at ${i}`);
        const d = text[j]!;
        if (d === '"') break;
        if (d === '\\') {
          value += d + (text[j + 1] ?? '');
          j += 2;
        } else {
          value += d;
          j++;
        }
      }
      tokens.push({ text: value, quoted: true });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;/"]/.test(text[j]!)) j += text[j] === '\\' ? 2 : 1;
      tokens.push({ text: text.slice(i, Math.min(j, text.length)), quoted: false });
      i = j;
    }
  }
  if (tokens.length > 0) items.push(tokens);
  return items;
}

/** The bytes of text with master-file escapes (`\X`, `\DDD`); `stop` splits it (names: '.'). */
function unescapeText(section: string, text: string, what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      const digits = /^\d{3}/.exec(text.slice(i + 1));
      if (digits) {
        const value = Number(digits[0]);
        if (value > 255) throw new FieldError('dns', section, `${what}: \\${digits[0]} is above 255`);
        out.push(value);
        i += 3;
      } else if (i + 1 < text.length) {
        out.push(...Buffer.from(text[i + 1]!, 'utf8'));
        i++;
      } else throw new FieldError('dns', section, `${what}: ends with a lone backslash`);
    } else if (c < 0x80) out.push(c);
    else out.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return out;
}

/** A name from text: labels split on unescaped dots, the trailing dot optional, `.` the root. */
export function parseDnsName(text: string, section = 'qd'): DnsName {
  if (text === '.') return [];
  const labels: Uint8Array[] = [];
  let current = '';
  const finish = (): void => {
    const bytes = unescapeText(section, current, `name '${text}'`);
    if (bytes.length === 0) throw new FieldError('dns', section, `name '${text}' has an empty label`);
    if (bytes.length > MAX_LABEL_OCTETS)
      throw new FieldError(
        'dns',
        section,
        `name '${text}': label of ${bytes.length} octets, at most ${MAX_LABEL_OCTETS}`,
      );
    labels.push(Uint8Array.from(bytes));
    current = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      current += c + (text[i + 1] ?? '');
      i++;
    } else if (c === '.') {
      finish();
    } else current += c;
  }
  if (current !== '' || !text.endsWith('.')) finish();
  const octets = labels.reduce((sum, label) => sum + label.length + 1, 1);
  if (octets > MAX_NAME_OCTETS)
    throw new FieldError('dns', section, `name '${text}' is ${octets} octets on the wire, at most 255`);
  return labels;
}

/** Names that the text form reads as a keyword when first in an item: written with a final dot. */
const KEYWORD_NAMES = new Set(['opt']);

/** A name as text: escapes for dots, separators and bytes outside printable ASCII; `.` for the root. */
export function formatDnsName(name: DnsName): string {
  if (name.length === 0) return '.';
  const text = name
    .map((label) => {
      let out = '';
      for (const byte of label) {
        if (byte <= 0x20 || byte >= 0x7f || byte === 0x23) out += `\\${String(byte).padStart(3, '0')}`;
        else if (byte === 0x2e || byte === 0x5c || byte === 0x22 || byte === 0x3b || byte === 0x2f)
          out += `\\${String.fromCharCode(byte)}`;
        else out += String.fromCharCode(byte);
      }
      return out;
    })
    .join('.');
  return KEYWORD_NAMES.has(text.toLowerCase()) ? `${text}.` : text;
}

function formatCharacterString(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte < 0x20 || byte >= 0x7f) out += `\\${String(byte).padStart(3, '0')}`;
    else if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/* ------------------------------------------------------------------ text: parse */

function integer(section: string, token: Token | undefined, what: string, max: number): number {
  const text = token?.text;
  if (text === undefined) throw new FieldError('dns', section, `${what} missing`);
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(text) || Number(text) > max)
    throw new FieldError('dns', section, `${what} must be an integer from 0 to ${max}, got '${text}'`);
  return Number(text);
}

function nameToken(section: string, token: Token | undefined, what: string): DnsName {
  if (token === undefined) throw new FieldError('dns', section, `${what} missing`);
  return parseDnsName(token.text, section);
}

/** Questions from text. */
export function parseDnsQuestions(text: string, section = 'qd'): DnsQuestion[] {
  return tokenize(section, text).map((tokens, index) => {
    const where = `question ${index + 1}`;
    const [first, ...rest] = tokens;
    const name = nameToken(section, first, `${where}: name`);
    if (rest.length > 2)
      throw new FieldError(
        'dns',
        section,
        `${where}: expected NAME [CLASS] [TYPE], got ${tokens.length} tokens`,
      );
    let type = T.A;
    let klass = DNS_CLASS.IN!;
    if (rest.length === 2) {
      const [c, t] = rest as [Token, Token];
      const parsedClass = classOf(c.text);
      const parsedType = typeOf(t.text);
      if (parsedClass === undefined)
        throw new FieldError('dns', section, `${where}: unknown class '${c.text}'`);
      if (parsedType === undefined)
        throw new FieldError('dns', section, `${where}: unknown type '${t.text}'`);
      klass = parsedClass;
      type = parsedType;
    } else if (rest.length === 1) {
      const token = rest[0]!.text;
      const parsedType = typeOf(token);
      const parsedClass = classOf(token);
      if (parsedType !== undefined) type = parsedType;
      else if (parsedClass !== undefined) klass = parsedClass;
      else throw new FieldError('dns', section, `${where}: '${token}' is neither a type nor a class`);
    }
    return { name, type, class: klass };
  });
}

function hexTokens(section: string, tokens: readonly Token[], where: string): Uint8Array {
  const text = tokens.map((token) => token.text).join('');
  const bytes = fromHex(text);
  if (bytes === undefined) throw new FieldError('dns', section, `${where}: '${text}' is not hex`);
  return bytes;
}

/**
 * RFC 3597's `\#`, or a bare `#` (a spec's quoted string turns `\#` into `#` unless the backslash is
 * doubled). Names never print as a bare `#` (formatDnsName writes it `\035`) and TXT strings print
 * quoted, so neither is read as the marker.
 */
function isGenericMarker(token: Token | undefined): boolean {
  return token !== undefined && !token.quoted && (token.text === '\\#' || token.text === '#');
}

/** `\# LEN HEX...` (RFC 3597 §5) */
function genericRdata(section: string, tokens: readonly Token[], where: string): Uint8Array {
  const length = integer(section, tokens[1], `${where}: generic rdata length`, 0xffff);
  const data = hexTokens(section, tokens.slice(2), where);
  if (data.length !== length)
    throw new FieldError('dns', section, `${where}: \\# says ${length} octets, the hex has ${data.length}`);
  return data;
}

function parseOpt(section: string, name: DnsName, tokens: readonly Token[], where: string): DnsRecord {
  let udp = 1232;
  let ercode = 0;
  let version = 0;
  let z = 0;
  let dnssecOk = false;
  const options: EdnsOption[] = [];
  let raw: Uint8Array | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (isGenericMarker(token)) {
      raw = genericRdata(section, tokens.slice(i), where);
      break;
    }
    const match = /^([a-z0-9]+)(?:=(.*))?$/i.exec(token.text);
    if (!match || token.quoted)
      throw new FieldError('dns', section, `${where}: OPT does not take '${token.text}'`);
    const key = match[1]!.toLowerCase();
    const value = match[2];
    const numeric = (max: number): number =>
      integer(
        section,
        value === undefined ? undefined : { text: value, quoted: false },
        `${where}: ${key}`,
        max,
      );
    if (key === 'do' && value === undefined) dnssecOk = true;
    else if (key === 'udp') udp = numeric(0xffff);
    else if (key === 'ercode') ercode = numeric(0xff);
    else if (key === 'version') version = numeric(0xff);
    else if (key === 'z') z = numeric(0x7fff);
    else if (value !== undefined) {
      const code = EDNS_OPTION[key] ?? (/^\d+$/.test(key) && Number(key) <= 0xffff ? Number(key) : undefined);
      if (code === undefined) throw new FieldError('dns', section, `${where}: unknown EDNS option '${key}'`);
      const data = value === '' ? new Uint8Array(0) : fromHex(value);
      if (data === undefined) throw new FieldError('dns', section, `${where}: ${key}=${value} is not hex`);
      options.push({ code, data });
    } else throw new FieldError('dns', section, `${where}: OPT does not take '${token.text}'`);
  }
  const ttl = ((ercode << 24) | (version << 16) | (dnssecOk ? 0x8000 : 0) | z) >>> 0;
  return {
    name,
    type: T.OPT,
    class: udp,
    ttl,
    rdata: raw !== undefined ? { kind: 'generic', data: raw } : { kind: 'opt', options },
  };
}

function parseRdata(section: string, type: number, tokens: readonly Token[], where: string): DnsRdata {
  if (isGenericMarker(tokens[0])) return { kind: 'generic', data: genericRdata(section, tokens, where) };
  const kind = rdataKindOf(type);
  const expect = (n: number, form: string): void => {
    if (tokens.length !== n)
      throw new FieldError('dns', section, `${where}: ${dnsTypeName(type)} rdata is ${form}`);
  };
  switch (kind) {
    case 'a': {
      expect(1, 'an IPv4 address');
      if (!isIPv4(tokens[0]!.text))
        throw new FieldError('dns', section, `${where}: '${tokens[0]!.text}' is not an IPv4 address`);
      return { kind, address: tokens[0]!.text };
    }
    case 'aaaa': {
      expect(1, 'an IPv6 address');
      if (!isIPv6(tokens[0]!.text))
        throw new FieldError('dns', section, `${where}: '${tokens[0]!.text}' is not an IPv6 address`);
      return { kind, address: tokens[0]!.text };
    }
    case 'name':
      expect(1, 'a name');
      return { kind, name: nameToken(section, tokens[0], `${where}: rdata name`) };
    case 'mx':
      expect(2, 'PREFERENCE EXCHANGE');
      return {
        kind,
        preference: integer(section, tokens[0], `${where}: preference`, 0xffff),
        exchange: nameToken(section, tokens[1], `${where}: exchange`),
      };
    case 'txt': {
      if (tokens.length === 0)
        throw new FieldError('dns', section, `${where}: TXT needs at least one string`);
      const strings = tokens.map((token) => {
        const bytes = unescapeText(section, token.text, `${where}: TXT string`);
        if (bytes.length > 255)
          throw new FieldError('dns', section, `${where}: TXT string of ${bytes.length} octets, at most 255`);
        return Uint8Array.from(bytes);
      });
      return { kind, strings };
    }
    case 'srv':
      expect(4, 'PRIORITY WEIGHT PORT TARGET');
      return {
        kind,
        priority: integer(section, tokens[0], `${where}: priority`, 0xffff),
        weight: integer(section, tokens[1], `${where}: weight`, 0xffff),
        port: integer(section, tokens[2], `${where}: port`, 0xffff),
        target: nameToken(section, tokens[3], `${where}: target`),
      };
    case 'soa':
      expect(7, 'MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM');
      return {
        kind,
        mname: nameToken(section, tokens[0], `${where}: mname`),
        rname: nameToken(section, tokens[1], `${where}: rname`),
        serial: integer(section, tokens[2], `${where}: serial`, 0xffffffff),
        refresh: integer(section, tokens[3], `${where}: refresh`, 0xffffffff),
        retry: integer(section, tokens[4], `${where}: retry`, 0xffffffff),
        expire: integer(section, tokens[5], `${where}: expire`, 0xffffffff),
        minimum: integer(section, tokens[6], `${where}: minimum`, 0xffffffff),
      };
    default:
      throw new FieldError(
        'dns',
        section,
        `${where}: ${dnsTypeName(type)} rdata has no text form here; write it as '\\# LENGTH HEX' (RFC 3597)`,
      );
  }
}

/** Resource records from text. */
export function parseDnsRecords(text: string, section = 'an'): DnsRecord[] {
  return tokenize(section, text).map((tokens, index) => {
    const where = `record ${index + 1}`;
    if (!tokens[0]!.quoted && tokens[0]!.text.toUpperCase() === 'OPT')
      return parseOpt(section, [], tokens.slice(1), where);
    const name = nameToken(section, tokens[0], `${where}: name`);
    let ttl: number | undefined;
    let klass: number | undefined;
    let type: number | undefined;
    let i = 1;
    for (; i < tokens.length && type === undefined; i++) {
      const token = tokens[i]!;
      if (/^\d+$/.test(token.text) && ttl === undefined) {
        ttl = integer(section, token, `${where}: TTL`, 0xffffffff);
        continue;
      }
      const asClass = classOf(token.text);
      const following = tokens[i + 1];
      if (asClass !== undefined && klass === undefined && following && typeOf(following.text) !== undefined) {
        klass = asClass;
        continue;
      }
      type = typeOf(token.text);
      if (type === undefined)
        throw new FieldError('dns', section, `${where}: expected a TTL, class or type, got '${token.text}'`);
    }
    if (type === undefined)
      throw new FieldError('dns', section, `${where}: no type (NAME [TTL] [CLASS] TYPE RDATA)`);
    const rest = tokens.slice(i);
    if (type === T.OPT) {
      if (ttl !== undefined || klass !== undefined)
        throw new FieldError(
          'dns',
          section,
          `${where}: OPT takes udp=N and ercode/version/do/z, not a TTL or class`,
        );
      return parseOpt(section, name, rest, where);
    }
    return {
      name,
      type,
      class: klass ?? DNS_CLASS.IN!,
      ttl: ttl ?? 0,
      rdata: parseRdata(section, type, rest, where),
    };
  });
}

/* ------------------------------------------------------------------ text: format */

export function formatDnsQuestion(question: DnsQuestion): string {
  return `${formatDnsName(question.name)} ${dnsClassName(question.class)} ${dnsTypeName(question.type)}`;
}

function formatOpt(record: DnsRecord): string {
  const parts: string[] = record.name.length === 0 ? ['OPT'] : [formatDnsName(record.name), 'OPT'];
  parts.push(`udp=${record.class}`);
  const ercode = record.ttl >>> 24;
  const version = (record.ttl >>> 16) & 0xff;
  const z = record.ttl & 0x7fff;
  if (ercode !== 0) parts.push(`ercode=${ercode}`);
  if (version !== 0) parts.push(`version=${version}`);
  if (record.ttl & 0x8000) parts.push('do');
  if (z !== 0) parts.push(`z=${z}`);
  if (record.rdata.kind === 'generic')
    parts.push('\\#', String(record.rdata.data.length), toHex(record.rdata.data));
  else if (record.rdata.kind === 'opt')
    for (const option of record.rdata.options)
      parts.push(`${OPTION_NAME.get(option.code) ?? option.code}=${toHex(option.data)}`);
  return parts.join(' ');
}

export function formatDnsRecord(record: DnsRecord): string {
  if (record.type === T.OPT) return formatOpt(record);
  const head = `${formatDnsName(record.name)} ${record.ttl} ${dnsClassName(record.class)} ${dnsTypeName(record.type)}`;
  const rdata = record.rdata;
  switch (rdata.kind) {
    case 'a':
    case 'aaaa':
      return `${head} ${rdata.address}`;
    case 'name':
      return `${head} ${formatDnsName(rdata.name)}`;
    case 'mx':
      return `${head} ${rdata.preference} ${formatDnsName(rdata.exchange)}`;
    case 'txt':
      return `${head} ${rdata.strings.map(formatCharacterString).join(' ')}`;
    case 'srv':
      return `${head} ${rdata.priority} ${rdata.weight} ${rdata.port} ${formatDnsName(rdata.target)}`;
    case 'soa':
      return `${head} ${formatDnsName(rdata.mname)} ${formatDnsName(rdata.rname)} ${rdata.serial} ${rdata.refresh} ${rdata.retry} ${rdata.expire} ${rdata.minimum}`;
    case 'generic':
      return `${head} \\# ${rdata.data.length}${rdata.data.length ? ` ${toHex(rdata.data)}` : ''}`;
    case 'opt':
      return formatOpt(record);
  }
}

/* ------------------------------------------------------------------ wire: write */

/** A growing byte list for one message body (DNS messages are small; not a hot path). */
class MessageWriter {
  bytes = new Uint8Array(256);
  length = 0;
  /** Suffix of a name (its labels from one on, as a key) → where it was written, for compression. */
  private readonly suffixes = new Map<string, number>();
  constructor(
    private readonly compress: boolean,
    /** Where this writer's first byte sits in the message (names' offsets count from the header). */
    private readonly base: number,
  ) {}
  private room(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
  u8(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value & 0xff;
  }
  u16(value: number): void {
    this.room(2);
    this.bytes[this.length++] = (value >>> 8) & 0xff;
    this.bytes[this.length++] = value & 0xff;
  }
  u32(value: number): void {
    this.u16(value >>> 16);
    this.u16(value & 0xffff);
  }
  raw(source: Uint8Array): void {
    this.room(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }
  /** Writes a name; `compressible` says whether a pointer may replace a suffix here. */
  name(name: DnsName, compressible: boolean): void {
    const keys = suffixKeys(name);
    for (let k = 0; k < name.length; k++) {
      const key = keys[k]!;
      const earlier = this.suffixes.get(key);
      if (this.compress && compressible && earlier !== undefined) {
        this.u16(0xc000 | earlier);
        return;
      }
      const here = this.base + this.length;
      if (earlier === undefined && here < 0x4000) this.suffixes.set(key, here);
      const label = name[k]!;
      this.u8(label.length);
      this.raw(label);
    }
    this.u8(0);
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** A key per suffix of a name (labels k..end), exact bytes. */
function suffixKeys(name: DnsName): string[] {
  const keys = new Array<string>(name.length);
  let key = '';
  for (let k = name.length - 1; k >= 0; k--) {
    const label = name[k]!;
    key = String.fromCharCode(label.length) + String.fromCharCode(...label) + key;
    keys[k] = key;
  }
  return keys;
}

function writeRecord(w: MessageWriter, record: DnsRecord): void {
  w.name(record.name, true);
  w.u16(record.type);
  w.u16(record.class);
  w.u32(record.ttl);
  const lengthAt = w.length;
  w.u16(0);
  const start = w.length;
  const rdata = record.rdata;
  switch (rdata.kind) {
    case 'a': {
      const bytes = new Uint8Array(4);
      writeIPv4(rdata.address, bytes, 0);
      w.raw(bytes);
      break;
    }
    case 'aaaa': {
      const bytes = new Uint8Array(16);
      writeIPv6(rdata.address, bytes, 0);
      w.raw(bytes);
      break;
    }
    case 'name':
      w.name(rdata.name, rdataCompressible(record.type));
      break;
    case 'mx':
      w.u16(rdata.preference);
      w.name(rdata.exchange, true);
      break;
    case 'txt':
      for (const text of rdata.strings) {
        w.u8(text.length);
        w.raw(text);
      }
      break;
    case 'srv':
      w.u16(rdata.priority);
      w.u16(rdata.weight);
      w.u16(rdata.port);
      w.name(rdata.target, false);
      break;
    case 'soa':
      w.name(rdata.mname, true);
      w.name(rdata.rname, true);
      w.u32(rdata.serial);
      w.u32(rdata.refresh);
      w.u32(rdata.retry);
      w.u32(rdata.expire);
      w.u32(rdata.minimum);
      break;
    case 'opt':
      for (const option of rdata.options) {
        w.u16(option.code);
        w.u16(option.data.length);
        w.raw(option.data);
      }
      break;
    case 'generic':
      w.raw(rdata.data);
      break;
  }
  const rdlength = w.length - start;
  w.bytes[lengthAt] = rdlength >>> 8;
  w.bytes[lengthAt + 1] = rdlength & 0xff;
}

/** The parsed sections of a message. */
export interface DnsSections {
  readonly qd: readonly DnsQuestion[];
  readonly an: readonly DnsRecord[];
  readonly ns: readonly DnsRecord[];
  readonly ar: readonly DnsRecord[];
}

/** The sections after the header, as bytes (offsets of compression pointers count from the header's start). */
export function encodeDnsSections(sections: DnsSections, compress = true): Uint8Array {
  const w = new MessageWriter(compress, DNS_HEADER_LENGTH);
  for (const question of sections.qd) {
    w.name(question.name, true);
    w.u16(question.type);
    w.u16(question.class);
  }
  for (const record of sections.an) writeRecord(w, record);
  for (const record of sections.ns) writeRecord(w, record);
  for (const record of sections.ar) writeRecord(w, record);
  return w.result();
}

function textField(section: keyof DnsFields, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new FieldError('dns', section, `must be text, got ${typeof value}`);
  return value;
}

/** The sections a fields value gives (text parsed). */
export function dnsSectionsOf(fields: DnsFields): DnsSections {
  const qd = textField('qd', fields.qd);
  const an = textField('an', fields.an);
  const ns = textField('ns', fields.ns);
  const ar = textField('ar', fields.ar);
  return {
    qd: qd === undefined ? [] : parseDnsQuestions(qd, 'qd'),
    an: an === undefined ? [] : parseDnsRecords(an, 'an'),
    ns: ns === undefined ? [] : parseDnsRecords(ns, 'ns'),
    ar: ar === undefined ? [] : parseDnsRecords(ar, 'ar'),
  };
}

interface PendingMessage {
  readonly body: Uint8Array;
  readonly counts: readonly [number, number, number, number];
}

/**
 * Bodies of the layers being encoded, computed once per layer by `headerLength` and written by
 * `encode` (DNS messages go through the generic path: one body per packet).
 */
const pending = new WeakMap<DnsFields, PendingMessage>();

function pendingFor(fields: DnsFields): PendingMessage {
  let message = pending.get(fields);
  if (message === undefined) {
    const sections = dnsSectionsOf(fields);
    const compress = fields.compress ?? true;
    if (typeof compress !== 'boolean') throw new FieldError('dns', 'compress', 'must be true or false');
    const body =
      fields.body !== undefined
        ? bytesField('dns', 'body', fields.body)
        : encodeDnsSections(sections, compress);
    message = {
      body,
      counts: [sections.qd.length, sections.an.length, sections.ns.length, sections.ar.length],
    };
    pending.set(fields, message);
  }
  return message;
}

/* ------------------------------------------------------------------ wire: read */

/*
 * Decode reads the message once and writes the section text as it goes; it never builds the model
 * above nor encodes to compare. Names are interned in a per-message trie of suffixes (a node per
 * distinct suffix, its text built once), and the same walk tells whether pktcraft's compressor would
 * write these exact bytes: it points to the first place a suffix was written, and only there.
 */

/** Why a name could not be read (a `malformed` problem). */
class NameError extends Error {}

/**
 * One distinct name suffix. The trie is shared by every message decoded (names repeat across a
 * capture, so a label's text is built once), bounded by MAX_SUFFIXES nodes: past that it starts
 * afresh. What is per message (`first`) carries the message's stamp.
 */
class Suffix {
  children: Map<string, Suffix> | undefined = undefined;
  /** Where the compressor would have written it first in message `stamp` (from the header). */
  first = -1;
  stamp = 0;
  constructor(
    /** The suffix as text (labels escaped, joined by dots); '' for the root. */
    readonly text: string,
    readonly labels: number,
    /** Its octets on the wire, the final zero included. */
    readonly octets: number,
  ) {}
}

const MAX_SUFFIXES = 65_536;
let trieRoot = new Suffix('', 0, 1);
let trieSize = 0;
let messageStamp = 0;

/** A name as read: its suffixes from the first label on, and how the sender wrote it. */
interface NameRead {
  readonly suffixes: readonly Suffix[];
  /** Offsets (from the header) of the labels written in place, before any pointer. */
  readonly literals: readonly number[];
  /** The first pointer's target (from the header), or -1 when the name has none. */
  readonly target: number;
  /** Where the name's own octets end. */
  readonly next: number;
  readonly pointers: number;
}

const PLAIN_LABEL_BYTE = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) PLAIN_LABEL_BYTE[c] = 1;
for (const c of [0x2e, 0x5c, 0x22, 0x3b, 0x2f, 0x23]) PLAIN_LABEL_BYTE[c] = 0;

/** A label as the text form writes it (formatDnsName's escapes). */
function labelText(bytes: Uint8Array, start: number, length: number): string {
  let text = '';
  for (let i = start; i < start + length; i++) {
    const byte = bytes[i]!;
    if (PLAIN_LABEL_BYTE[byte]) text += String.fromCharCode(byte);
    else if (byte <= 0x20 || byte >= 0x7f || byte === 0x23) text += `\\${String(byte).padStart(3, '0')}`;
    else text += `\\${String.fromCharCode(byte)}`;
  }
  return text;
}

/** Scratch for the one message being read (decoding a name never decodes another message). */
const KNOWN = new Map<number, readonly Suffix[]>();
const STARTS: number[] = [];
const LENGTHS: number[] = [];

const latin1 = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;
const NO_LITERALS: readonly number[] = [];

class MessageReader {
  /** Whether pktcraft's compressor gives these bytes; false as soon as one name says otherwise. */
  compressible = true;
  pointers = 0;
  readonly stamp = ++messageStamp;
  /** Label offsets (from the header) read so far → the suffixes from that label on (shared, cleared per message). */
  private readonly known = KNOWN;
  private readonly starts = STARTS;
  private readonly lengths = LENGTHS;
  constructor(
    readonly bytes: Uint8Array,
    /** The message's first octet (pointers count from it). */
    readonly base: number,
    readonly end: number,
  ) {
    KNOWN.clear();
    if (trieSize > MAX_SUFFIXES) {
      trieRoot = new Suffix('', 0, 1);
      trieSize = 0;
    }
  }

  /**
   * Reads a name at `start` whose own octets end by `limit`. Pointers are followed anywhere in the
   * message; the name's 255 octets bound the hops (a pointer loop gives up there).
   */
  name(start: number, limit: number): NameRead {
    const { bytes, base, end, starts, lengths } = this;
    starts.length = 0;
    lengths.length = 0;
    let literals: number[] | undefined;
    let position = start;
    let next = -1;
    let octets = 1;
    let pointers = 0;
    let target = -1;
    let tail: readonly Suffix[] | undefined;
    for (;;) {
      const bound = next < 0 ? limit : end;
      if (position >= bound) throw new NameError(`name at ${start - base} runs past the end`);
      const length = bytes[position]!;
      if (length === 0) {
        if (next < 0) next = position + 1;
        break;
      }
      const top = length & 0xc0;
      if (top === 0xc0) {
        if (position + 2 > bound) throw new NameError(`name at ${start - base}: pointer cut short`);
        const to = ((length & 0x3f) << 8) | bytes[position + 1]!;
        if (next < 0) {
          next = position + 2;
          target = to;
        }
        // Each hop must land on a label: with at most 127 labels in 255 octets, more is a loop.
        if (++pointers > 127) throw new NameError(`name at ${start - base}: compression pointer loop`);
        if (base + to >= end)
          throw new NameError(
            `name at ${start - base}: pointer to ${to}, past the ${end - base}-octet message`,
          );
        // A label already read (the usual pointer to an earlier name): its suffixes are known.
        const seen = this.known.get(to);
        if (seen !== undefined && seen.length > 0) {
          if (octets - 1 + seen[0]!.octets > MAX_NAME_OCTETS)
            throw new NameError(`name at ${start - base} is longer than 255 octets`);
          tail = seen;
          break;
        }
        position = base + to;
        continue;
      }
      if (top !== 0)
        throw new NameError(`name at ${start - base}: label type 0x${top.toString(16)} is not defined`);
      if (position + 1 + length > bound)
        throw new NameError(`name at ${start - base}: label runs past the end`);
      octets += length + 1;
      if (octets > MAX_NAME_OCTETS) throw new NameError(`name at ${start - base} is longer than 255 octets`);
      if (next < 0) {
        if (literals === undefined) literals = [];
        literals.push(position - base);
      }
      starts.push(position + 1);
      lengths.push(length);
      position += 1 + length;
    }
    const own = starts.length;
    const below = tail?.length ?? 0;
    if (own === 0 && tail !== undefined)
      return { suffixes: tail, literals: literals ?? NO_LITERALS, target, next, pointers };
    const suffixes = new Array<Suffix>(own + below);
    for (let k = 0; k < below; k++) suffixes[own + k] = tail![k]!;
    let node = below > 0 ? tail![0]! : trieRoot;
    for (let k = own - 1; k >= 0; k--) {
      const from = starts[k]!;
      const key = latin1.call(bytes, from, from + lengths[k]!);
      let child = node.children?.get(key);
      if (child === undefined) {
        const label = labelText(bytes, from, lengths[k]!);
        child = new Suffix(
          node.labels === 0 ? label : `${label}.${node.text}`,
          node.labels + 1,
          node.octets + lengths[k]! + 1,
        );
        if (node.children === undefined) node.children = new Map();
        node.children.set(key, child);
        trieSize++;
      }
      suffixes[k] = child;
      node = child;
    }
    // Remember where each label read in place starts, for later pointers to it.
    if (literals !== undefined)
      for (let k = 0; k < literals.length; k++) this.known.set(literals[k]!, suffixes.slice(k));
    return { suffixes, literals: literals ?? NO_LITERALS, target, next, pointers };
  }

  /**
   * Takes a name read into the message: counts its pointers and replays what the compressor would do
   * (`compressible` false: SRV and DNAME targets, written in full).
   */
  accept(name: NameRead, compressible: boolean): void {
    this.pointers += name.pointers;
    if (!this.compressible) return;
    const { suffixes, literals, target } = name;
    const stamp = this.stamp;
    for (let k = 0; k < suffixes.length; k++) {
      const suffix = suffixes[k]!;
      const first = suffix.stamp === stamp ? suffix.first : -1;
      if (compressible && first >= 0) {
        // The compressor points here, to the suffix's first place: the sender must have too.
        if (k !== literals.length || target !== first) this.compressible = false;
        return;
      }
      if (k >= literals.length) {
        this.compressible = false; // the sender pointed where the compressor writes the label
        return;
      }
      if (first < 0 && literals[k]! < 0x4000) {
        suffix.first = literals[k]!;
        suffix.stamp = stamp;
      }
    }
    if (target >= 0) this.compressible = false;
  }
}

/** A name's text (formatDnsName's form). */
function nameText(name: NameRead): string {
  const first = name.suffixes[0];
  if (first === undefined) return '.';
  return first.labels === 1 && KEYWORD_NAMES.has(first.text.toLowerCase()) ? `${first.text}.` : first.text;
}

/** An rdata read as text, with the names it holds (accepted only when the whole rdata reads). */
interface RdataRead {
  readonly text: string;
  /** For the summary: "A 198.51.100.10", "SOA ns1.example.com". */
  readonly answer: string;
}

function genericText(bytes: Uint8Array, start: number, end: number): string {
  return end > start ? `\\# ${end - start} ${toHex(bytes, start, end)}` : '\\# 0';
}

function readRdata(
  reader: MessageReader,
  type: number,
  typeName: string,
  start: number,
  end: number,
): RdataRead {
  const { bytes } = reader;
  const length = end - start;
  const generic = (): RdataRead => ({ text: genericText(bytes, start, end), answer: typeName });
  try {
    switch (rdataKindOf(type)) {
      case 'a':
        if (length !== 4) return generic();
        return { text: formatIPv4(bytes, start), answer: `${typeName} ${formatIPv4(bytes, start)}` };
      case 'aaaa': {
        if (length !== 16) return generic();
        const address = formatIPv6(bytes, start);
        return { text: address, answer: `${typeName} ${address}` };
      }
      case 'name': {
        const name = reader.name(start, end);
        if (name.next !== end) return generic();
        reader.accept(name, rdataCompressible(type));
        const text = nameText(name);
        return { text, answer: `${typeName} ${text}` };
      }
      case 'mx': {
        if (length < 3) return generic();
        const name = reader.name(start + 2, end);
        if (name.next !== end) return generic();
        reader.accept(name, true);
        const text = `${readU16(bytes, start)} ${nameText(name)}`;
        return { text, answer: `${typeName} ${text}` };
      }
      case 'txt': {
        if (length === 0) return generic();
        const strings: string[] = [];
        let position = start;
        while (position < end) {
          const size = bytes[position]!;
          if (position + 1 + size > end) return generic();
          strings.push(formatCharacterString(bytes.subarray(position + 1, position + 1 + size)));
          position += 1 + size;
        }
        return { text: strings.join(' '), answer: typeName };
      }
      case 'srv': {
        if (length < 7) return generic();
        const name = reader.name(start + 6, end);
        if (name.next !== end) return generic();
        reader.accept(name, false);
        const text = `${readU16(bytes, start)} ${readU16(bytes, start + 2)} ${readU16(bytes, start + 4)} ${nameText(name)}`;
        return { text, answer: `${typeName} ${text}` };
      }
      case 'soa': {
        const mname = reader.name(start, end);
        const mnameText = nameText(mname);
        const rname = reader.name(mname.next, end);
        if (rname.next + 20 !== end) return generic();
        reader.accept(mname, true);
        reader.accept(rname, true);
        const p = rname.next;
        const numbers = [0, 4, 8, 12, 16].map((i) => readU32(bytes, p + i)).join(' ');
        return { text: `${mnameText} ${nameText(rname)} ${numbers}`, answer: `${typeName} ${mnameText}` };
      }
      case 'opt': {
        const parts: string[] = [];
        let position = start;
        while (position < end) {
          if (position + 4 > end) return generic();
          const size = readU16(bytes, position + 2);
          if (position + 4 + size > end) return generic();
          const code = readU16(bytes, position);
          parts.push(`${OPTION_NAME.get(code) ?? code}=${toHex(bytes, position + 4, position + 4 + size)}`);
          position += 4 + size;
        }
        return { text: parts.join(' '), answer: typeName };
      }
      default:
        return generic();
    }
  } catch (error) {
    if (error instanceof NameError) return generic();
    throw error;
  }
}

type SectionName = 'qd' | 'an' | 'ns' | 'ar';
const SECTION_NAMES: readonly SectionName[] = ['qd', 'an', 'ns', 'ar'];
const SECTION_COUNT: Readonly<Record<SectionName, keyof DnsFields>> = {
  qd: 'qdcount',
  an: 'ancount',
  ns: 'nscount',
  ar: 'arcount',
};

interface ReadMessage {
  /** Each section's items as text. */
  readonly text: [string[], string[], string[], string[]];
  /** "A shop.example.com" per question, "A 198.51.100.10" per answer. */
  readonly questions: string[];
  readonly answers: string[];
  /** Where the last item read ends. */
  readonly end: number;
  /** Every item the counts announce was read. */
  readonly complete: boolean;
  /** The first OPT record's class (UDP payload size) and TTL. */
  readonly edns: { readonly udp: number; readonly ttl: number } | undefined;
}

function optText(owner: string, udp: number, ttl: number, rdata: string): string {
  let text = owner === '.' ? 'OPT' : `${owner} OPT`;
  text += ` udp=${udp}`;
  const ercode = ttl >>> 24;
  const version = (ttl >>> 16) & 0xff;
  const z = ttl & 0x7fff;
  if (ercode !== 0) text += ` ercode=${ercode}`;
  if (version !== 0) text += ` version=${version}`;
  if (ttl & 0x8000) text += ' do';
  if (z !== 0) text += ` z=${z}`;
  if (rdata !== '') text += ` ${rdata}`;
  return text;
}

/** Reads the sections of the message whose header starts at `reader.base`; problems for what fails. */
function readSections(
  reader: MessageReader,
  counts: readonly [number, number, number, number],
  problems: Problem[],
): ReadMessage {
  const { bytes, end } = reader;
  const text: ReadMessage['text'] = [[], [], [], []];
  const questions: string[] = [];
  const answers: string[] = [];
  let edns: ReadMessage['edns'];
  let position = reader.base + DNS_HEADER_LENGTH;
  const fail = (s: number, index: number, kind: Problem['kind'], message: string): ReadMessage => {
    const section = SECTION_NAMES[s]!;
    problems.push({
      layer: 'dns',
      offset: position,
      kind,
      message: `${section} item ${index + 1} of ${counts[s]}: ${message}`,
      field: section,
    });
    return { text, questions, answers, end: position, complete: false, edns };
  };
  for (let s = 0; s < 4; s++) {
    const section = SECTION_NAMES[s]!;
    for (let index = 0; index < counts[s]!; index++) {
      if (position >= end)
        return fail(
          s,
          index,
          'truncated',
          `the message ends here (${SECTION_COUNT[section]} says ${counts[s]})`,
        );
      let name: NameRead;
      try {
        name = reader.name(position, end);
      } catch (error) {
        if (error instanceof NameError) return fail(s, index, 'malformed', error.message);
        throw error;
      }
      if (s === 0) {
        if (name.next + 4 > end) return fail(s, index, 'truncated', 'question type and class cut short');
        reader.accept(name, true);
        const owner = nameText(name);
        const typeName = dnsTypeName(readU16(bytes, name.next));
        text[0].push(`${owner} ${dnsClassName(readU16(bytes, name.next + 2))} ${typeName}`);
        questions.push(`${typeName} ${owner}`);
        position = name.next + 4;
        continue;
      }
      if (name.next + 10 > end) return fail(s, index, 'truncated', 'record header cut short');
      const type = readU16(bytes, name.next);
      const klass = readU16(bytes, name.next + 2);
      const ttl = readU32(bytes, name.next + 4);
      const rdlength = readU16(bytes, name.next + 8);
      const rdataStart = name.next + 10;
      if (rdataStart + rdlength > end) {
        position = name.next + 8;
        return fail(
          s,
          index,
          'bad-length',
          `rdlength ${rdlength} runs past the message (${end - rdataStart} octets left)`,
        );
      }
      // The owner name is written before the rdata: the compressor sees it first.
      reader.accept(name, true);
      const owner = nameText(name);
      const typeName = dnsTypeName(type);
      const rdata = readRdata(reader, type, typeName, rdataStart, rdataStart + rdlength);
      if (type === T.OPT) {
        text[s]!.push(optText(owner, klass, ttl, rdata.text));
        if (edns === undefined && s === 3) edns = { udp: klass, ttl };
      } else {
        text[s]!.push(
          `${owner} ${ttl} ${dnsClassName(klass)} ${typeName}${rdata.text === '' ? '' : ` ${rdata.text}`}`,
        );
      }
      if (s === 1) answers.push(rdata.answer);
      position = rdataStart + rdlength;
    }
  }
  return { text, questions, answers, end: position, complete: true, edns };
}

/* ------------------------------------------------------------------ codec */

const W = {
  id: 0,
  flags: 2,
  counts: 4,
} as const;

function bit(
  fields: DnsFields,
  name: 'qr' | 'aa' | 'tc' | 'rd' | 'ra' | 'z' | 'ad' | 'cd',
  shift: number,
): number {
  return uintOf('dns', name, fields[name], 1, name === 'rd' ? 1 : 0) << shift;
}

function writeHeader(fields: DnsFields, message: PendingMessage, out: Uint8Array, at: number): void {
  const id = uintOf('dns', 'id', fields.id, 0xffff, 0);
  const flags =
    bit(fields, 'qr', 15) |
    (uintOf('dns', 'opcode', fields.opcode, 15, 0) << 11) |
    bit(fields, 'aa', 10) |
    bit(fields, 'tc', 9) |
    bit(fields, 'rd', 8) |
    bit(fields, 'ra', 7) |
    bit(fields, 'z', 6) |
    bit(fields, 'ad', 5) |
    bit(fields, 'cd', 4) |
    uintOf('dns', 'rcode', fields.rcode, 15, 0);
  const counts = [
    uintOf('dns', 'qdcount', fields.qdcount, 0xffff, message.counts[0]),
    uintOf('dns', 'ancount', fields.ancount, 0xffff, message.counts[1]),
    uintOf('dns', 'nscount', fields.nscount, 0xffff, message.counts[2]),
    uintOf('dns', 'arcount', fields.arcount, 0xffff, message.counts[3]),
  ];
  out[at + W.id] = id >>> 8;
  out[at + W.id + 1] = id & 0xff;
  out[at + W.flags] = flags >>> 8;
  out[at + W.flags + 1] = flags & 0xff;
  for (let i = 0; i < 4; i++) {
    out[at + W.counts + 2 * i] = counts[i]! >>> 8;
    out[at + W.counts + 2 * i + 1] = counts[i]! & 0xff;
  }
}

/** The whole message (header and sections) of a fields value, without the TCP prefix. */
export function encodeDnsMessage(fields: DnsFields): Uint8Array {
  const message = pendingFor(fields);
  pending.delete(fields);
  const out = new Uint8Array(DNS_HEADER_LENGTH + message.body.length);
  writeHeader(fields, message, out, 0);
  out.set(message.body, DNS_HEADER_LENGTH);
  return out;
}

function opcodeTitle(opcode: number, qr: number): string {
  const base =
    opcode === 0
      ? 'Standard query'
      : opcode === 1
        ? 'Inverse query'
        : opcode === 2
          ? 'Server status request'
          : opcode === 4
            ? 'Zone change notification'
            : opcode === 5
              ? 'Dynamic update'
              : `Unknown operation (${opcode})`;
  return qr ? `${base} response` : base;
}

export const dnsCodec: LayerCodec<DnsFields> = {
  name: 'dns',
  title: 'Domain Name System',
  schema: dnsSchema,

  headerLength(fields: DnsFields, below?: LayerName): number {
    return (
      (hasTcpPrefix(below) ? DNS_TCP_PREFIX_LENGTH : 0) + DNS_HEADER_LENGTH + pendingFor(fields).body.length
    );
  },

  encode(fields: DnsFields, frame: EncodeFrame): void {
    const message = pendingFor(fields);
    pending.delete(fields);
    const { out, offset } = frame;
    const prefixed = hasTcpPrefix(frame.layers[frame.index - 1]?.layer);
    const length = DNS_HEADER_LENGTH + message.body.length;
    let start = offset;
    if (prefixed) {
      if (fields.len === undefined && length > 0xffff)
        throw new FieldError(
          'dns',
          'len',
          `a message of ${length} octets does not fit the TCP length prefix`,
        );
      const len = uintOf('dns', 'len', fields.len, 0xffff, length);
      out[offset] = len >>> 8;
      out[offset + 1] = len & 0xff;
      start += DNS_TCP_PREFIX_LENGTH;
    } else if (fields.len !== undefined)
      throw new FieldError(
        'dns',
        'len',
        'is the TCP length prefix (RFC 7766); a DNS message over UDP has none',
      );
    writeHeader(fields, message, out, start);
    out.set(message.body, start + DNS_HEADER_LENGTH);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<DnsFields> {
    const prefixed = hasTcpPrefix(context.below);
    let base = offset;
    let messageEnd = end;
    let len: number | undefined;
    let continues = 0;
    if (prefixed) {
      need('dns', offset, DNS_TCP_PREFIX_LENGTH, end, 'length prefix');
      len = readU16(bytes, offset);
      base = offset + DNS_TCP_PREFIX_LENGTH;
      if (len < DNS_HEADER_LENGTH)
        throw new DecodeError('dns', offset, `length ${len} is shorter than the 12-octet header`, {
          field: 'len',
          expected: DNS_HEADER_LENGTH,
          actual: len,
        });
      continues = Math.max(0, base + len - end);
      messageEnd = Math.min(end, base + len);
    }
    need('dns', base, DNS_HEADER_LENGTH, messageEnd);
    const flags = readU16(bytes, base + W.flags);
    const counts = [
      readU16(bytes, base + 4),
      readU16(bytes, base + 6),
      readU16(bytes, base + 8),
      readU16(bytes, base + 10),
    ] as const;
    const fields: DnsDecodedFields = {
      len,
      id: readU16(bytes, base + W.id),
      qr: (flags >>> 15) & 1,
      opcode: (flags >>> 11) & 15,
      aa: (flags >>> 10) & 1,
      tc: (flags >>> 9) & 1,
      rd: (flags >>> 8) & 1,
      ra: (flags >>> 7) & 1,
      z: (flags >>> 6) & 1,
      ad: (flags >>> 5) & 1,
      cd: (flags >>> 4) & 1,
      rcode: flags & 15,
      qdcount: counts[0],
      ancount: counts[1],
      nscount: counts[2],
      arcount: counts[3],
    };
    const reader = new MessageReader(bytes, base, messageEnd);
    const read = readSections(reader, counts, continues > 0 ? [] : context.problems);
    for (let s = 0; s < 4; s++) {
      const items = read.text[s]!;
      if (items.length > 0) fields[SECTION_NAMES[s]!] = items.length === 1 ? items[0]! : items.join('; ');
    }
    // Which encoding gives these bytes back: compressed, uncompressed, or neither (keep the body).
    const bodyStart = base + DNS_HEADER_LENGTH;
    const exact = read.complete && continues === 0;
    const compress = !exact
      ? undefined
      : reader.compressible
        ? true
        : reader.pointers === 0
          ? false
          : undefined;
    let messageLength: number;
    if (compress !== undefined) {
      fields.compress = compress;
      messageLength = read.end - base;
    } else {
      fields.body = bytes.slice(bodyStart, messageEnd);
      messageLength = messageEnd - base;
    }
    const headerLength = base - offset + messageLength;
    const rcode = fields.rcode | (read.edns ? (read.edns.ttl >>> 24) << 4 : 0);
    const info: { -readonly [K in keyof DnsInfo]: DnsInfo[K] } = {
      message: opcodeTitle(fields.opcode, fields.qr),
      opcodeName: OPCODE_NAME.get(fields.opcode) ?? `OPCODE${fields.opcode}`,
      rcodeName: RCODE_NAME.get(rcode) ?? (rcode === 16 ? 'BADVERS' : `RCODE${rcode}`),
      compressed: reader.pointers > 0,
      questions: read.questions,
      answers: read.answers,
    };
    if (read.edns) info.ednsUdpPayloadSize = read.edns.udp;
    if (continues > 0) info.continues = continues;
    if (compress === undefined && continues === 0)
      info.note = 'the sections are shown as far as they read; body keeps the bytes exactly';
    const next = prefixed && continues === 0 && offset + headerLength < end ? 'dns' : undefined;
    return { fields, headerLength, contentEnd: end, next, info: info as unknown as Record<string, unknown> };
  },

  summary(fields: DnsFields, info?: Readonly<Record<string, unknown>>): string {
    const facts = info as DnsInfo | undefined;
    const title = facts?.message ?? opcodeTitle(fields.opcode ?? 0, fields.qr ?? 0);
    const parts = [`${title} 0x${(fields.id ?? 0).toString(16).padStart(4, '0')}`];
    if (fields.qr && facts && facts.rcodeName !== 'NOERROR') parts.push(facts.rcodeName);
    if (facts) parts.push(...facts.questions, ...facts.answers);
    return parts.join(' ');
  },
};

/** What `decode` gives as `info` for DNS. */
export interface DnsInfo {
  /** "Standard query", "Standard query response", ... as Wireshark's Info column starts. */
  readonly message: string;
  readonly opcodeName: string;
  /** With EDNS's extended RCODE folded in. */
  readonly rcodeName: string;
  /** The message used compression pointers. */
  readonly compressed: boolean;
  readonly ednsUdpPayloadSize?: number;
  /** Over TCP: octets of this message that are in later segments. */
  readonly continues?: number;
  readonly note?: string;
  /** "A shop.example.com" per question. */
  readonly questions: readonly string[];
  /** "A 198.51.100.10" per answer. */
  readonly answers: readonly string[];
}

/** The fields `decode` gives for DNS: every header field; sections when present; compress or body. */
export type DnsDecodedFields = DnsFields &
  Required<
    Pick<
      DnsFields,
      | 'id'
      | 'qr'
      | 'opcode'
      | 'aa'
      | 'tc'
      | 'rd'
      | 'ra'
      | 'z'
      | 'ad'
      | 'cd'
      | 'rcode'
      | 'qdcount'
      | 'ancount'
      | 'nscount'
      | 'arcount'
    >
  >;
