/**
 * GTPv2-C (3GPP TS 29.274): the control plane that sets up the GTP-U tunnels, over UDP 2123.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Ver=2|P|T|MP|Sp|  Message type |     Message length (after 4)  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            TEID (only when T = 1)                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Sequence number                  | Prio | Spare  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  IEs: type (8) | length (16) | spare (4) | instance (4) | value ...
 *
 * T is on except for the messages that have no TEID (Echo Request/Response, Version Not Supported,
 * §5.5.1) unless set; MP is on when `priority` is given; the length is computed. With P set
 * (piggybacking, §5.5.1) another message may follow in the datagram: it is the next `gtpv2` layer.
 *
 * The IEs (`ies`) are text, one item per `;`, each `NAME[#INSTANCE]=VALUE`, a grouped IE as
 * `NAME[#INSTANCE](ITEMS)`; tokens in a value are separated by `/`:
 *
 *   imsi=001010123456789; msisdn=15551234567; mei=3584211122233301; rat=EUTRAN;
 *   serving_network=001-01; fteid=s11-mme/0x1/10.0.0.1; apn=internet; ambr=50000/100000;
 *   pdn_type=ipv4; paa=0.0.0.0; bearer(ebi=5; qos=qci=9/pl=15/pvi=1); recovery=7; cause=16
 *
 * Typed (TS 29.274 §8): imsi (1), cause (2: `16` or `16/pce/bce/cs`), recovery (3), apn (71), ambr
 * (72: uplink/downlink kbps), ebi (73), ip (74), mei (75), msisdn (76), paa (79: IPv4, `PREFIX/LEN`
 * for IPv6, `PREFIX/LEN/IPV4` for both), qos (80: qci, pl, pci, pvi, mbr_ul, mbr_dl, gbr_ul, gbr_dl),
 * rat (82), serving_network (83: MCC-MNC), fteid (87: interface/TEID[/IPv4][/IPv6]), bearer (93,
 * grouped), pdn_type (99), apn_restriction (127), selection_mode (128). Any other IE, and a typed one
 * whose value is not in the form pktcraft writes, is `ieN=0xHEX` (N its type), byte-exact. Decode
 * gives the same text; where even that cannot say the bytes (an IE running past its group, a spare
 * nibble set) it also gives `body`, the IEs verbatim, which encode writes instead of `ies`.
 */
import { formatIPv4, formatIPv6, isIPv4, isIPv6, writeIPv4, writeIPv6 } from '../core/address.js';
import { fromHex, need, readU16, readU24, readU32, toHex } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import { bytesField, uintOf } from './field-check.js';
import type {
  BytesValue,
  DecodeContext,
  DecodeStep,
  EncodeFrame,
  LayerCodec,
  LayerValue,
  Problem,
} from './layer.js';
import { at, defineSchema, type FieldPosition } from './schema.js';

/** GTPv2-C header fields and IEs; defaults, ranges and docs in `gtpv2Schema`. */
export interface Gtpv2Fields {
  version?: number;
  p?: number;
  t?: number;
  mp?: number;
  spare?: number;
  type?: number | string;
  len?: number;
  teid?: number;
  seq?: number;
  priority?: number;
  spare2?: number;
  /** The IEs as text (see the module comment). */
  ies?: string;
  /** The IEs verbatim; when set, `ies` is not encoded. */
  body?: BytesValue;
}

export type Gtpv2Layer = LayerValue<'gtpv2', Gtpv2Fields>;

export function gtpv2(fields: Gtpv2Fields = {}): Gtpv2Layer {
  return { layer: 'gtpv2', fields };
}

/** Message types (TS 29.274 Table 6.1-1) by the names the spec takes. */
export const GTPV2_MESSAGE: Readonly<Record<string, number>> = {
  echo_request: 1,
  echo_response: 2,
  version_not_supported: 3,
  create_session_request: 32,
  create_session_response: 33,
  modify_bearer_request: 34,
  modify_bearer_response: 35,
  delete_session_request: 36,
  delete_session_response: 37,
  change_notification_request: 38,
  change_notification_response: 39,
  modify_bearer_command: 64,
  modify_bearer_failure_indication: 65,
  delete_bearer_command: 66,
  delete_bearer_failure_indication: 67,
  bearer_resource_command: 68,
  bearer_resource_failure_indication: 69,
  downlink_data_notification_failure_indication: 70,
  create_bearer_request: 95,
  create_bearer_response: 96,
  update_bearer_request: 97,
  update_bearer_response: 98,
  delete_bearer_request: 99,
  delete_bearer_response: 100,
  release_access_bearers_request: 170,
  release_access_bearers_response: 171,
  downlink_data_notification: 176,
  downlink_data_notification_acknowledge: 177,
};

/** IE types (TS 29.274 Table 8.1-1) that have a name in the text form. */
export const GTPV2_IE: Readonly<Record<string, number>> = {
  imsi: 1,
  cause: 2,
  recovery: 3,
  apn: 71,
  ambr: 72,
  ebi: 73,
  ip: 74,
  mei: 75,
  msisdn: 76,
  indication: 77,
  pco: 78,
  paa: 79,
  qos: 80,
  rat: 82,
  serving_network: 83,
  uli: 86,
  fteid: 87,
  bearer: 93,
  pdn_type: 99,
  apn_restriction: 127,
  selection_mode: 128,
};

/** F-TEID interface types (TS 29.274 Table 8.22-1) by short name. */
export const GTPV2_INTERFACE: Readonly<Record<string, number>> = {
  's1u-enb': 0,
  's1u-sgw': 1,
  's12-rnc': 2,
  's12-sgw': 3,
  's5u-sgw': 4,
  's5u-pgw': 5,
  's5c-sgw': 6,
  's5c-pgw': 7,
  's5-sgw-pmip': 8,
  's5-pgw-pmip': 9,
  's11-mme': 10,
  's11-sgw': 11,
  's10-mme': 12,
  's3-mme': 13,
  's3-sgsn': 14,
  's4u-sgsn': 15,
  's4u-sgw': 16,
  's4c-sgsn': 17,
  's16-sgsn': 18,
};

/** RAT types (TS 29.274 §8.17). */
export const GTPV2_RAT: Readonly<Record<string, number>> = {
  UTRAN: 1,
  GERAN: 2,
  WLAN: 3,
  GAN: 4,
  'HSPA-EVOLUTION': 5,
  EUTRAN: 6,
  VIRTUAL: 7,
  'EUTRAN-NB-IOT': 8,
  'LTE-M': 9,
  NR: 10,
};

const PDN_TYPE: Readonly<Record<string, number>> = { ipv4: 1, ipv6: 2, ipv4v6: 3, 'non-ip': 4 };

const invert = (table: Readonly<Record<string, number>>): ReadonlyMap<number, string> =>
  new Map(Object.entries(table).map(([name, value]) => [value, name]));
const _MESSAGE_NAME = invert(GTPV2_MESSAGE);
const IE_NAME = invert(GTPV2_IE);
const INTERFACE_NAME = invert(GTPV2_INTERFACE);
const RAT_NAME = invert(GTPV2_RAT);
const PDN_TYPE_NAME = invert(PDN_TYPE);

const MESSAGE_TITLE: ReadonlyMap<number, string> = new Map(
  Object.entries(GTPV2_MESSAGE).map(([name, value]) => [
    value,
    name
      .split('_')
      .map((word) => word[0]!.toUpperCase() + word.slice(1))
      .join(' '),
  ]),
);

/** Messages sent without a TEID (§5.5.1): T defaults to 0 for them. */
const WITHOUT_TEID = new Set([1, 2, 3]);

export const GTPV2_HEADER_LENGTH = 12;
export const GTPV2_HEADER_LENGTH_NO_TEID = 8;
/** The IE header: type, length, spare/instance. */
const IE_HEADER = 4;
/** Grouped IEs deeper than this are not followed (each level needs 4 octets; this bounds the recursion). */
const MAX_GROUP_DEPTH = 8;

function parseMessageType(text: string): number | undefined {
  const name = text.trim().toLowerCase();
  const known = GTPV2_MESSAGE[name];
  if (known !== undefined) return known;
  return /^(\d+|0x[0-9a-f]+)$/.test(name) && Number(name) <= 0xff ? Number(name) : undefined;
}

/** Where the optional octets are: after the TEID when T is set (the flags octet says). */
const afterTeid = (position: FieldPosition) => (bytes: Uint8Array, header: number) =>
  (bytes[header]! & 0x08) !== 0 ? { ...position, offset: position.offset + 4 } : position;

export const gtpv2Schema = defineSchema<Gtpv2Fields>({
  version: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 3, 5),
    default: 2,
    tshark: 'gtpv2.version',
    doc: 'version (2; 1 is GTPv1-C)',
  },
  p: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 1, 4),
    default: 0,
    tshark: 'gtpv2.p',
    doc: 'piggybacked message follows',
  },
  t: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 1, 3),
    auto: '1, except Echo and Version Not Supported',
    tshark: 'gtpv2.t',
    doc: 'TEID present',
  },
  mp: {
    kind: 'uint',
    role: 'shape',
    at: at(0, 1, 1, 2),
    auto: '1 when priority is set',
    tshark: 'gtpv2.mp',
    doc: 'message priority present',
  },
  spare: {
    kind: 'uint',
    role: 'value',
    at: at(0, 1, 2, 0),
    default: 0,
    doc: 'spare bits of the flags octet',
  },
  type: {
    kind: 'flags',
    role: 'shape',
    at: at(1, 1),
    default: 1,
    tshark: 'gtpv2.message_type',
    doc: 'message type; names echo_request, create_session_request, modify_bearer_response, ...',
    parseFlags: parseMessageType,
  },
  len: {
    kind: 'uint',
    role: 'length',
    at: at(2, 2),
    auto: 'computed (octets after the first 4)',
    endsContent: 4,
    tshark: 'gtpv2.msg_length',
    doc: 'message length',
  },
  teid: {
    kind: 'uint',
    role: 'value',
    locate: (bytes, header) => ((bytes[header]! & 0x08) !== 0 ? at(4, 4) : 'the T flag is off: no TEID'),
    max: 0xffffffff,
    default: 0,
    perPacket: true,
    tshark: 'gtpv2.teid',
    tsharkWhen: (fields) => fields.t === 1,
    doc: 'tunnel endpoint identifier of the receiver (only with T)',
  },
  seq: {
    kind: 'uint',
    role: 'value',
    locate: afterTeid(at(4, 3)),
    max: 0xffffff,
    default: 0,
    perPacket: true,
    tshark: 'gtpv2.seq',
    doc: 'sequence number, 24 bits',
  },
  priority: {
    kind: 'uint',
    role: 'value',
    locate: (bytes, header) =>
      (bytes[header]! & 0x04) !== 0
        ? afterTeid(at(7, 1, 4, 4))(bytes, header)
        : 'the MP flag is off: no priority',
    max: 15,
    auto: 'none',
    doc: 'message priority (only with MP)',
  },
  spare2: {
    kind: 'uint',
    role: 'value',
    locate: (bytes, header) =>
      afterTeid((bytes[header]! & 0x04) !== 0 ? at(7, 1, 4, 0) : at(7, 1))(bytes, header),
    max: 0xff,
    default: 0,
    doc: 'spare bits after the sequence number (4 with MP, else 8)',
  },
  ies: {
    kind: 'text',
    role: 'shape',
    auto: 'none',
    doc: "IEs: 'name[#instance]=value', ';' between (see the README)",
  },
  body: { kind: 'bytes', role: 'shape', auto: 'from ies', doc: 'the IEs verbatim (instead of ies)' },
});

/* ------------------------------------------------------------------ the IE model */

export type Gtpv2Value =
  | { readonly kind: 'digits'; readonly digits: string }
  | { readonly kind: 'uint'; readonly value: number; readonly width: 1 | 2 | 4 }
  | { readonly kind: 'cause'; readonly cause: number; readonly flags: number }
  | { readonly kind: 'apn'; readonly labels: readonly string[] }
  | { readonly kind: 'ambr'; readonly uplink: number; readonly downlink: number }
  | { readonly kind: 'ip'; readonly address: string }
  | {
      readonly kind: 'paa';
      readonly pdnType: number;
      readonly ipv4?: string;
      readonly ipv6?: string;
      readonly prefixLength?: number;
    }
  | {
      readonly kind: 'qos';
      readonly pci: number;
      readonly pl: number;
      readonly pvi: number;
      readonly qci: number;
      readonly mbrUl: number;
      readonly mbrDl: number;
      readonly gbrUl: number;
      readonly gbrDl: number;
    }
  | { readonly kind: 'plmn'; readonly mcc: string; readonly mnc: string }
  | {
      readonly kind: 'fteid';
      readonly interfaceType: number;
      readonly teid: number;
      readonly ipv4?: string;
      readonly ipv6?: string;
    }
  | { readonly kind: 'group'; readonly ies: readonly Gtpv2Ie[] }
  | { readonly kind: 'raw'; readonly data: Uint8Array };

export interface Gtpv2Ie {
  readonly type: number;
  readonly instance: number;
  readonly value: Gtpv2Value;
}

/** What kind of value each typed IE has. */
const VALUE_KIND: ReadonlyMap<number, Gtpv2Value['kind'] | 'ebi' | 'rat' | 'pdn' | 'recovery' | 'small'> =
  new Map([
    [1, 'digits'],
    [2, 'cause'],
    [3, 'recovery'],
    [71, 'apn'],
    [72, 'ambr'],
    [73, 'ebi'],
    [74, 'ip'],
    [75, 'digits'],
    [76, 'digits'],
    [79, 'paa'],
    [80, 'qos'],
    [82, 'rat'],
    [83, 'plmn'],
    [87, 'fteid'],
    [93, 'group'],
    [99, 'pdn'],
    [127, 'small'],
    [128, 'small'],
  ] as const);

/* ------------------------------------------------------------------ text: parse */

interface Item {
  readonly name: string;
  readonly instance: number;
  readonly value?: string;
  readonly group?: Item[];
}

/** Items of `text` from `start` until `)` (when nested) or the end. */
function parseItems(text: string, start: number, depth: number): { items: Item[]; end: number } {
  if (depth > MAX_GROUP_DEPTH)
    throw new FieldError('gtpv2', 'ies', `groups nested deeper than ${MAX_GROUP_DEPTH}`);
  const items: Item[] = [];
  let i = start;
  for (;;) {
    while (i < text.length && /[\s;]/.test(text[i]!)) i++;
    if (i >= text.length) {
      if (depth > 0) throw new FieldError('gtpv2', 'ies', `a group opened before ${start} is not closed`);
      return { items, end: i };
    }
    if (text[i] === ')') {
      if (depth === 0) throw new FieldError('gtpv2', 'ies', `')' at ${i} closes no group`);
      return { items, end: i + 1 };
    }
    const match = /^([a-z_][a-z0-9_]*)(?:#(\d+))?\s*([=(])/i.exec(text.slice(i));
    if (!match)
      throw new FieldError(
        'gtpv2',
        'ies',
        `expected NAME=VALUE or NAME(...) at ${i}, got '${text.slice(i, i + 16)}'`,
      );
    const name = match[1]!.toLowerCase();
    const instance = match[2] === undefined ? 0 : Number(match[2]);
    if (instance > 15) throw new FieldError('gtpv2', 'ies', `${name}: instance ${instance} is above 15`);
    i += match[0].length;
    if (match[3] === '(') {
      const inner = parseItems(text, i, depth + 1);
      items.push({ name, instance, group: inner.items });
      i = inner.end;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ';' && text[j] !== ')') j++;
      items.push({ name, instance, value: text.slice(i, j).trim() });
      i = j;
    }
  }
}

function ieTypeOf(name: string): number {
  const known = GTPV2_IE[name];
  if (known !== undefined) return known;
  const generic = /^ie(\d{1,3})$/.exec(name);
  if (generic && Number(generic[1]) <= 255) return Number(generic[1]);
  throw new FieldError(
    'gtpv2',
    'ies',
    `unknown IE '${name}' (names: ${Object.keys(GTPV2_IE).join(', ')}, or ieN=0xHEX)`,
  );
}

function number(what: string, text: string | undefined, max: number): number {
  if (text === undefined || !/^(\d+|0x[0-9a-f]+)$/i.test(text) || Number(text) > max)
    throw new FieldError('gtpv2', 'ies', `${what} must be an integer from 0 to ${max}, got '${text ?? ''}'`);
  return Number(text);
}

function named(what: string, table: Readonly<Record<string, number>>, text: string, max: number): number {
  const known = table[text] ?? table[text.toLowerCase()] ?? table[text.toUpperCase()];
  return known ?? number(what, text, max);
}

function digits(what: string, text: string): string {
  if (!/^\d{1,16}$/.test(text))
    throw new FieldError('gtpv2', 'ies', `${what} must be 1 to 16 digits, got '${text}'`);
  return text;
}

function ieValueOf(item: Item, type: number): Gtpv2Value {
  const where = `${item.name}${item.instance ? `#${item.instance}` : ''}`;
  if (item.group !== undefined) {
    if (VALUE_KIND.get(type) !== 'group' && !item.name.startsWith('ie'))
      throw new FieldError('gtpv2', 'ies', `${where} is not a grouped IE`);
    return { kind: 'group', ies: item.group.map(ieOf) };
  }
  const text = item.value ?? '';
  const kind = item.name.startsWith('ie') && GTPV2_IE[item.name] === undefined ? 'raw' : VALUE_KIND.get(type);
  const tokens = text.split('/').map((token) => token.trim());
  switch (kind) {
    case 'raw':
    case 'uint':
    case undefined: {
      const data = fromHex(text);
      if (data === undefined) throw new FieldError('gtpv2', 'ies', `${where}=${text}: expected hex bytes`);
      return { kind: 'raw', data };
    }
    case 'digits':
      return { kind: 'digits', digits: digits(where, text) };
    case 'cause': {
      let flags = 0;
      for (const flag of tokens.slice(1)) {
        const bit = { pce: 4, bce: 2, cs: 1 }[flag.toLowerCase()];
        if (bit === undefined)
          throw new FieldError('gtpv2', 'ies', `${where}: unknown cause flag '${flag}' (pce, bce, cs)`);
        flags |= bit;
      }
      return { kind: 'cause', cause: number(`${where} value`, tokens[0], 0xff), flags };
    }
    case 'recovery':
    case 'small':
      return { kind: 'uint', value: number(where, text, 0xff), width: 1 };
    case 'ebi':
      return { kind: 'uint', value: number(where, text, 15), width: 1 };
    case 'rat':
      return { kind: 'uint', value: named(where, GTPV2_RAT, text, 0xff), width: 1 };
    case 'pdn':
      return { kind: 'uint', value: named(where, PDN_TYPE, text, 7), width: 1 };
    case 'apn': {
      const labels = text === '' ? [] : text.split('.');
      for (const label of labels)
        if (label.length === 0 || label.length > 63)
          throw new FieldError('gtpv2', 'ies', `${where}: APN label '${label}' must be 1 to 63 characters`);
      return { kind: 'apn', labels };
    }
    case 'ambr':
      if (tokens.length !== 2) throw new FieldError('gtpv2', 'ies', `${where} is UPLINK/DOWNLINK in kbps`);
      return {
        kind: 'ambr',
        uplink: number(`${where} uplink`, tokens[0], 0xffffffff),
        downlink: number(`${where} downlink`, tokens[1], 0xffffffff),
      };
    case 'ip':
      if (!isIPv4(text) && !isIPv6(text))
        throw new FieldError('gtpv2', 'ies', `${where}: '${text}' is not an IP address`);
      return { kind: 'ip', address: text };
    case 'paa': {
      if (tokens.length === 1 && isIPv4(tokens[0]!)) return { kind: 'paa', pdnType: 1, ipv4: tokens[0]! };
      if ((tokens.length === 2 || tokens.length === 3) && isIPv6(tokens[0]!)) {
        const prefixLength = number(`${where} prefix length`, tokens[1], 128);
        if (tokens.length === 2) return { kind: 'paa', pdnType: 2, ipv6: tokens[0]!, prefixLength };
        if (!isIPv4(tokens[2]!))
          throw new FieldError('gtpv2', 'ies', `${where}: '${tokens[2]}' is not an IPv4 address`);
        return { kind: 'paa', pdnType: 3, ipv6: tokens[0]!, prefixLength, ipv4: tokens[2]! };
      }
      throw new FieldError('gtpv2', 'ies', `${where} is IPV4, IPV6/PREFIXLEN or IPV6/PREFIXLEN/IPV4`);
    }
    case 'qos': {
      const q = { pci: 0, pl: 0, pvi: 0, qci: 9, mbr_ul: 0, mbr_dl: 0, gbr_ul: 0, gbr_dl: 0 };
      const limits: Record<string, number> = { pci: 1, pl: 15, pvi: 1, qci: 0xff };
      for (const token of tokens) {
        if (token === '') continue;
        const [key, value] = token.split('=') as [string, string | undefined];
        if (!(key in q))
          throw new FieldError(
            'gtpv2',
            'ies',
            `${where}: unknown QoS key '${key}' (${Object.keys(q).join(', ')})`,
          );
        q[key as keyof typeof q] = number(`${where} ${key}`, value, limits[key] ?? 0xffffffffff);
      }
      return {
        kind: 'qos',
        pci: q.pci,
        pl: q.pl,
        pvi: q.pvi,
        qci: q.qci,
        mbrUl: q.mbr_ul,
        mbrDl: q.mbr_dl,
        gbrUl: q.gbr_ul,
        gbrDl: q.gbr_dl,
      };
    }
    case 'plmn': {
      const match = /^(\d{3})-(\d{2,3})$/.exec(text);
      if (!match)
        throw new FieldError('gtpv2', 'ies', `${where} is MCC-MNC (001-01, 310-410), got '${text}'`);
      return { kind: 'plmn', mcc: match[1]!, mnc: match[2]! };
    }
    case 'fteid': {
      if (tokens.length < 2 || tokens.length > 4)
        throw new FieldError('gtpv2', 'ies', `${where} is INTERFACE/TEID[/IPV4][/IPV6]`);
      const interfaceType = named(`${where} interface`, GTPV2_INTERFACE, tokens[0]!, 63);
      const teid = number(`${where} TEID`, tokens[1], 0xffffffff);
      let ipv4: string | undefined;
      let ipv6: string | undefined;
      for (const address of tokens.slice(2)) {
        if (isIPv4(address) && ipv4 === undefined) ipv4 = address;
        else if (isIPv6(address) && ipv6 === undefined) ipv6 = address;
        else throw new FieldError('gtpv2', 'ies', `${where}: '${address}' is not a (second kind of) address`);
      }
      return { kind: 'fteid', interfaceType, teid, ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
    }
    case 'group':
      throw new FieldError('gtpv2', 'ies', `${where} is grouped: write ${item.name}(...)`);
  }
}

function ieOf(item: Item): Gtpv2Ie {
  const type = ieTypeOf(item.name);
  return { type, instance: item.instance, value: ieValueOf(item, type) };
}

/** The IEs written in `text`. */
export function parseGtpv2Ies(text: string): Gtpv2Ie[] {
  return parseItems(text, 0, 0).items.map(ieOf);
}

/* ------------------------------------------------------------------ text: format */

function formatValue(ie: Gtpv2Ie): string {
  const v = ie.value;
  switch (v.kind) {
    case 'digits':
      return v.digits;
    case 'uint':
      if (ie.type === 82) return RAT_NAME.get(v.value) ?? String(v.value);
      if (ie.type === 99) return PDN_TYPE_NAME.get(v.value) ?? String(v.value);
      return String(v.value);
    case 'cause':
      return [String(v.cause), ...(['pce', 'bce', 'cs'] as const).filter((_, i) => v.flags & (4 >> i))].join(
        '/',
      );
    case 'apn':
      return v.labels.join('.');
    case 'ambr':
      return `${v.uplink}/${v.downlink}`;
    case 'ip':
      return v.address;
    case 'paa':
      return v.pdnType === 1
        ? v.ipv4!
        : v.pdnType === 2
          ? `${v.ipv6}/${v.prefixLength}`
          : `${v.ipv6}/${v.prefixLength}/${v.ipv4}`;
    case 'qos': {
      const parts = [`qci=${v.qci}`, `pl=${v.pl}`];
      if (v.pci) parts.push('pci=1');
      if (v.pvi) parts.push('pvi=1');
      for (const [key, value] of [
        ['mbr_ul', v.mbrUl],
        ['mbr_dl', v.mbrDl],
        ['gbr_ul', v.gbrUl],
        ['gbr_dl', v.gbrDl],
      ] as const)
        if (value) parts.push(`${key}=${value}`);
      return parts.join('/');
    }
    case 'plmn':
      return `${v.mcc}-${v.mnc}`;
    case 'fteid':
      return [
        INTERFACE_NAME.get(v.interfaceType) ?? String(v.interfaceType),
        `0x${v.teid.toString(16).padStart(8, '0')}`,
        ...(v.ipv4 ? [v.ipv4] : []),
        ...(v.ipv6 ? [v.ipv6] : []),
      ].join('/');
    case 'raw':
      return `0x${toHex(v.data)}`;
    case 'group':
      return '';
  }
}

function formatIe(ie: Gtpv2Ie): string {
  const typed = IE_NAME.get(ie.type);
  const name = ie.value.kind === 'raw' || typed === undefined ? `ie${ie.type}` : typed;
  const head = `${name}${ie.instance ? `#${ie.instance}` : ''}`;
  if (ie.value.kind === 'group') return `${head}(${ie.value.ies.map(formatIe).join('; ')})`;
  return `${head}=${formatValue(ie)}`;
}

/** The IEs as text (the form `ies` takes). */
export function formatGtpv2Ies(ies: readonly Gtpv2Ie[]): string {
  return ies.map(formatIe).join('; ');
}

/* ------------------------------------------------------------------ wire: write */

class IeWriter {
  bytes = new Uint8Array(128);
  length = 0;
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
    this.u8(value >>> 8);
    this.u8(value);
  }
  u32(value: number): void {
    this.u16(value >>> 16);
    this.u16(value & 0xffff);
  }
  /** 40-bit big-endian (bit rates in Bearer QoS). */
  u40(value: number): void {
    this.u8(Math.floor(value / 2 ** 32));
    this.u32(value % 2 ** 32);
  }
  raw(source: Uint8Array): void {
    this.room(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }
  address(text: string, size: 4 | 16): void {
    const out = new Uint8Array(size);
    if (size === 4) writeIPv4(text, out, 0);
    else writeIPv6(text, out, 0);
    this.raw(out);
  }
  /** TBCD (TS 29.274 §8.3): two digits per octet, low nibble first, an odd count padded with 0xF. */
  tbcd(digits: string): void {
    for (let i = 0; i < digits.length; i += 2) {
      const low = digits.charCodeAt(i) - 48;
      const high = i + 1 < digits.length ? digits.charCodeAt(i + 1) - 48 : 0xf;
      this.u8((high << 4) | low);
    }
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

function writeIe(w: IeWriter, ie: Gtpv2Ie): void {
  w.u8(ie.type);
  const lengthAt = w.length;
  w.u16(0);
  w.u8(ie.instance & 0x0f);
  const start = w.length;
  const v = ie.value;
  switch (v.kind) {
    case 'digits':
      w.tbcd(v.digits);
      break;
    case 'uint':
      if (v.width === 1) w.u8(v.value);
      else if (v.width === 2) w.u16(v.value);
      else w.u32(v.value);
      break;
    case 'cause':
      w.u8(v.cause);
      w.u8(v.flags);
      break;
    case 'apn':
      for (const label of v.labels) {
        const bytes = Buffer.from(label, 'utf8');
        w.u8(bytes.length);
        w.raw(bytes);
      }
      break;
    case 'ambr':
      w.u32(v.uplink);
      w.u32(v.downlink);
      break;
    case 'ip':
      w.address(v.address, isIPv4(v.address) ? 4 : 16);
      break;
    case 'paa':
      w.u8(v.pdnType);
      if (v.ipv6 !== undefined) {
        w.u8(v.prefixLength ?? 64);
        w.address(v.ipv6, 16);
      }
      if (v.ipv4 !== undefined) w.address(v.ipv4, 4);
      break;
    case 'qos':
      w.u8((v.pci << 6) | (v.pl << 2) | v.pvi);
      w.u8(v.qci);
      w.u40(v.mbrUl);
      w.u40(v.mbrDl);
      w.u40(v.gbrUl);
      w.u40(v.gbrDl);
      break;
    case 'plmn': {
      const m = v.mcc;
      const n = v.mnc;
      w.u8(((m.charCodeAt(1) - 48) << 4) | (m.charCodeAt(0) - 48));
      w.u8(((n.length === 3 ? n.charCodeAt(2) - 48 : 0xf) << 4) | (m.charCodeAt(2) - 48));
      w.u8(((n.charCodeAt(1) - 48) << 4) | (n.charCodeAt(0) - 48));
      break;
    }
    case 'fteid':
      w.u8((v.ipv4 !== undefined ? 0x80 : 0) | (v.ipv6 !== undefined ? 0x40 : 0) | v.interfaceType);
      w.u32(v.teid);
      if (v.ipv4 !== undefined) w.address(v.ipv4, 4);
      if (v.ipv6 !== undefined) w.address(v.ipv6, 16);
      break;
    case 'group':
      for (const inner of v.ies) writeIe(w, inner);
      break;
    case 'raw':
      w.raw(v.data);
      break;
  }
  const length = w.length - start;
  if (length > 0xffff)
    throw new FieldError('gtpv2', 'ies', `IE ${ie.type} of ${length} octets does not fit its length`);
  w.bytes[lengthAt] = length >>> 8;
  w.bytes[lengthAt + 1] = length & 0xff;
}

/** The IEs as bytes. */
export function encodeGtpv2Ies(ies: readonly Gtpv2Ie[]): Uint8Array {
  const w = new IeWriter();
  for (const ie of ies) writeIe(w, ie);
  return w.result();
}

/* ------------------------------------------------------------------ wire: read */

function readTbcd(bytes: Uint8Array, start: number, end: number): string | undefined {
  let text = '';
  for (let i = start; i < end; i++) {
    const low = bytes[i]! & 0x0f;
    const high = bytes[i]! >> 4;
    if (low > 9) return undefined;
    text += String(low);
    if (high === 0xf && i === end - 1) break;
    if (high > 9) return undefined;
    text += String(high);
  }
  return text.length > 0 && text.length <= 16 ? text : undefined;
}

/** The typed value of an IE's bytes, or undefined when they are not in the form pktcraft writes. */
function readValue(
  type: number,
  bytes: Uint8Array,
  start: number,
  end: number,
  depth: number,
  problems: Problem[],
): Gtpv2Value | undefined {
  const length = end - start;
  const b = (i: number) => bytes[start + i]!;
  switch (VALUE_KIND.get(type)) {
    case 'digits': {
      const text = readTbcd(bytes, start, end);
      return text === undefined ? undefined : { kind: 'digits', digits: text };
    }
    case 'cause':
      return length === 2 && (b(1) & 0xf8) === 0 ? { kind: 'cause', cause: b(0), flags: b(1) } : undefined;
    case 'recovery':
    case 'small':
    case 'rat':
      return length === 1 ? { kind: 'uint', value: b(0), width: 1 } : undefined;
    case 'ebi':
      return length === 1 && b(0) <= 15 ? { kind: 'uint', value: b(0), width: 1 } : undefined;
    case 'pdn':
      return length === 1 && b(0) <= 7 ? { kind: 'uint', value: b(0), width: 1 } : undefined;
    case 'apn': {
      const labels: string[] = [];
      let i = start;
      while (i < end) {
        const size = bytes[i]!;
        if (size === 0 || size > 63 || i + 1 + size > end) return undefined;
        const label = bytes.subarray(i + 1, i + 1 + size);
        if (label.some((c) => c <= 0x20 || c >= 0x7f || c === 0x2e || c === 0x3b || c === 0x29 || c === 0x2f))
          return undefined;
        labels.push(Buffer.from(label).toString('latin1'));
        i += 1 + size;
      }
      return { kind: 'apn', labels };
    }
    case 'ambr':
      return length === 8
        ? { kind: 'ambr', uplink: readU32(bytes, start), downlink: readU32(bytes, start + 4) }
        : undefined;
    case 'ip':
      return length === 4
        ? { kind: 'ip', address: formatIPv4(bytes, start) }
        : length === 16
          ? { kind: 'ip', address: formatIPv6(bytes, start) }
          : undefined;
    case 'paa': {
      if (length < 1) return undefined;
      const pdnType = b(0);
      if (pdnType === 1 && length === 5) return { kind: 'paa', pdnType, ipv4: formatIPv4(bytes, start + 1) };
      if (pdnType === 2 && length === 18 && b(1) <= 128)
        return { kind: 'paa', pdnType, prefixLength: b(1), ipv6: formatIPv6(bytes, start + 2) };
      if (pdnType === 3 && length === 22 && b(1) <= 128)
        return {
          kind: 'paa',
          pdnType,
          prefixLength: b(1),
          ipv6: formatIPv6(bytes, start + 2),
          ipv4: formatIPv4(bytes, start + 18),
        };
      return undefined;
    }
    case 'qos': {
      if (length !== 22 || (b(0) & 0x82) !== 0) return undefined;
      const rate = (i: number) => b(i) * 2 ** 32 + readU32(bytes, start + i + 1);
      return {
        kind: 'qos',
        pci: (b(0) >> 6) & 1,
        pl: (b(0) >> 2) & 15,
        pvi: b(0) & 1,
        qci: b(1),
        mbrUl: rate(2),
        mbrDl: rate(7),
        gbrUl: rate(12),
        gbrDl: rate(17),
      };
    }
    case 'plmn': {
      if (length !== 3) return undefined;
      const digitsOf = [b(0) & 15, b(0) >> 4, b(1) & 15, b(2) & 15, b(2) >> 4, b(1) >> 4];
      if (digitsOf.slice(0, 5).some((d) => d > 9) || (digitsOf[5]! > 9 && digitsOf[5] !== 15))
        return undefined;
      const mcc = digitsOf.slice(0, 3).join('');
      const mnc = digitsOf.slice(3, 5).join('') + (digitsOf[5] === 15 ? '' : String(digitsOf[5]));
      return { kind: 'plmn', mcc, mnc };
    }
    case 'fteid': {
      if (length < 5) return undefined;
      const flags = b(0);
      const v4 = (flags & 0x80) !== 0;
      const v6 = (flags & 0x40) !== 0;
      if (length !== 5 + (v4 ? 4 : 0) + (v6 ? 16 : 0)) return undefined;
      return {
        kind: 'fteid',
        interfaceType: flags & 0x3f,
        teid: readU32(bytes, start + 1),
        ...(v4 ? { ipv4: formatIPv4(bytes, start + 5) } : {}),
        ...(v6 ? { ipv6: formatIPv6(bytes, start + 5 + (v4 ? 4 : 0)) } : {}),
      };
    }
    case 'group': {
      if (depth >= MAX_GROUP_DEPTH) {
        problems.push({
          layer: 'gtpv2',
          offset: start,
          kind: 'malformed',
          message: `grouped IE nested deeper than ${MAX_GROUP_DEPTH}: kept as bytes`,
          field: 'ies',
        });
        return undefined;
      }
      const inner = readIes(bytes, start, end, depth + 1, problems);
      return inner.complete ? { kind: 'group', ies: inner.ies } : undefined;
    }
    default:
      return undefined;
  }
}

interface ReadIes {
  readonly ies: Gtpv2Ie[];
  /** Every octet read as whole IEs with a zero spare nibble: the text says the bytes. */
  readonly complete: boolean;
}

function readIes(bytes: Uint8Array, start: number, end: number, depth: number, problems: Problem[]): ReadIes {
  const ies: Gtpv2Ie[] = [];
  let position = start;
  let complete = true;
  while (position < end) {
    if (position + IE_HEADER > end) {
      problems.push({
        layer: 'gtpv2',
        offset: position,
        kind: 'truncated',
        message: `${end - position} octets left, too few for an IE header (4)`,
        field: 'ies',
      });
      return { ies, complete: false };
    }
    const type = bytes[position]!;
    const length = readU16(bytes, position + 1);
    const spareInstance = bytes[position + 3]!;
    const valueStart = position + IE_HEADER;
    if (valueStart + length > end) {
      problems.push({
        layer: 'gtpv2',
        offset: position + 1,
        kind: 'bad-length',
        message: `IE ${type} length ${length} runs past its ${depth ? 'group' : 'message'} (${end - valueStart} octets left)`,
        field: 'ies',
        expected: `<= ${end - valueStart}`,
        actual: length,
      });
      return { ies, complete: false };
    }
    if (spareInstance & 0xf0) complete = false;
    const typed = readValue(type, bytes, valueStart, valueStart + length, depth, problems);
    const ie: Gtpv2Ie = {
      type,
      instance: spareInstance & 0x0f,
      value: typed ?? { kind: 'raw', data: bytes.slice(valueStart, valueStart + length) },
    };
    // A typed value must write back the same octets; else it stays raw.
    if (typed !== undefined && typed.kind !== 'group') {
      const again = encodeGtpv2Ies([ie]);
      if (!sameBytes(again.subarray(IE_HEADER), bytes, valueStart, valueStart + length))
        ies.push({ ...ie, value: { kind: 'raw', data: bytes.slice(valueStart, valueStart + length) } });
      else ies.push(ie);
    } else ies.push(ie);
    position = valueStart + length;
  }
  return { ies, complete };
}

function sameBytes(a: Uint8Array, b: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/* ------------------------------------------------------------------ codec */

/** IEs of the layers being encoded, computed once per layer by `headerLength`, written by `encode`. */
const pending = new WeakMap<Gtpv2Fields, Uint8Array>();

function iesFor(fields: Gtpv2Fields): Uint8Array {
  let ies = pending.get(fields);
  if (ies === undefined) {
    if (fields.ies !== undefined && typeof fields.ies !== 'string')
      throw new FieldError('gtpv2', 'ies', `must be text, got ${typeof fields.ies}`);
    ies =
      fields.body !== undefined
        ? bytesField('gtpv2', 'body', fields.body)
        : encodeGtpv2Ies(fields.ies === undefined ? [] : parseGtpv2Ies(fields.ies));
    pending.set(fields, ies);
  }
  return ies;
}

function messageTypeOf(fields: Gtpv2Fields): number {
  const type = fields.type;
  if (typeof type === 'string') {
    const parsed = parseMessageType(type);
    if (parsed === undefined) throw new FieldError('gtpv2', 'type', `unknown message type '${type}'`);
    return parsed;
  }
  return uintOf('gtpv2', 'type', type, 0xff, 1);
}

function flagsOf(fields: Gtpv2Fields): { t: number; mp: number } {
  const type = messageTypeOf(fields);
  const t = uintOf('gtpv2', 't', fields.t, 1, fields.teid !== undefined || !WITHOUT_TEID.has(type) ? 1 : 0);
  const mp = uintOf('gtpv2', 'mp', fields.mp, 1, fields.priority !== undefined ? 1 : 0);
  return { t, mp };
}

function fixedLength(fields: Gtpv2Fields): number {
  return flagsOf(fields).t ? GTPV2_HEADER_LENGTH : GTPV2_HEADER_LENGTH_NO_TEID;
}

export const gtpv2Codec: LayerCodec<Gtpv2Fields> = {
  name: 'gtpv2',
  title: 'GPRS Tunneling Protocol V2',
  schema: gtpv2Schema,

  // The whole message: a piggybacked message after it is the next layer.
  headerLength(fields: Gtpv2Fields): number {
    return fixedLength(fields) + iesFor(fields).length;
  },

  encode(fields: Gtpv2Fields, frame: EncodeFrame): void {
    const ies = iesFor(fields);
    pending.delete(fields);
    const { out, offset } = frame;
    const { t, mp } = flagsOf(fields);
    const header = t ? GTPV2_HEADER_LENGTH : GTPV2_HEADER_LENGTH_NO_TEID;
    const total = header + ies.length;
    out[offset] =
      (uintOf('gtpv2', 'version', fields.version, 7, 2) << 5) |
      (uintOf('gtpv2', 'p', fields.p, 1, 0) << 4) |
      (t << 3) |
      (mp << 2) |
      uintOf('gtpv2', 'spare', fields.spare, 3, 0);
    out[offset + 1] = messageTypeOf(fields);
    if (fields.len === undefined && total - 4 > 0xffff)
      throw new FieldError('gtpv2', 'len', `a message of ${total} octets does not fit the length field`);
    const len = uintOf('gtpv2', 'len', fields.len, 0xffff, total - 4);
    out[offset + 2] = len >>> 8;
    out[offset + 3] = len & 0xff;
    let at = offset + 4;
    if (t) {
      const teid = uintOf('gtpv2', 'teid', fields.teid, 0xffffffff, 0);
      out[at] = teid >>> 24;
      out[at + 1] = (teid >>> 16) & 0xff;
      out[at + 2] = (teid >>> 8) & 0xff;
      out[at + 3] = teid & 0xff;
      at += 4;
    } else if (fields.teid !== undefined && fields.teid !== 0) {
      throw new FieldError('gtpv2', 'teid', 'is only on the wire with t=1');
    }
    const seq = uintOf('gtpv2', 'seq', fields.seq, 0xffffff, 0);
    out[at] = seq >>> 16;
    out[at + 1] = (seq >>> 8) & 0xff;
    out[at + 2] = seq & 0xff;
    const spare2 = uintOf('gtpv2', 'spare2', fields.spare2, mp ? 15 : 0xff, 0);
    out[at + 3] = mp ? (uintOf('gtpv2', 'priority', fields.priority, 15, 0) << 4) | spare2 : spare2;
    if (!mp && fields.priority !== undefined)
      throw new FieldError('gtpv2', 'priority', 'is only on the wire with mp=1');
    out.set(ies, offset + header);
  },

  decode(bytes: Uint8Array, offset: number, end: number, context: DecodeContext): DecodeStep<Gtpv2Fields> {
    need('gtpv2', offset, GTPV2_HEADER_LENGTH_NO_TEID, end);
    const flags = bytes[offset]!;
    const version = flags >> 5;
    const t = (flags >> 3) & 1;
    const mp = (flags >> 2) & 1;
    const header = t ? GTPV2_HEADER_LENGTH : GTPV2_HEADER_LENGTH_NO_TEID;
    need('gtpv2', offset, header, end);
    const len = readU16(bytes, offset + 2);
    const seqAt = offset + (t ? 8 : 4);
    const last = bytes[seqAt + 3]!;
    const fields: Gtpv2DecodedFields = {
      version,
      p: (flags >> 4) & 1,
      t,
      mp,
      spare: flags & 3,
      type: bytes[offset + 1]!,
      len,
      ...(t ? { teid: readU32(bytes, offset + 4) } : {}),
      seq: readU24(bytes, seqAt),
      ...(mp ? { priority: last >> 4 } : {}),
      spare2: mp ? last & 15 : last,
    };
    const problems = context.problems;
    let messageEnd = offset + 4 + len;
    if (len + 4 < header) {
      problems.push({
        layer: 'gtpv2',
        offset: offset + 2,
        kind: 'bad-length',
        message: `length ${len} is shorter than the rest of the header (${header - 4})`,
        field: 'len',
        expected: `>= ${header - 4}`,
        actual: len,
      });
      messageEnd = offset + header;
    } else if (messageEnd > end) {
      problems.push({
        layer: 'gtpv2',
        offset: offset + 2,
        kind: 'bad-length',
        message: `length ${len} runs past the ${end - offset - 4} octets after the first 4`,
        field: 'len',
        expected: `<= ${end - offset - 4}`,
        actual: len,
        ...(context.bound ? { bound: context.bound } : {}),
      });
      messageEnd = end;
    }
    if (version !== 2)
      problems.push({
        layer: 'gtpv2',
        offset,
        kind: 'bad-value',
        message: `version ${version}, should be 2${version === 1 ? ' (GTPv1-C is not decoded)' : ''}`,
        field: 'version',
        expected: 2,
        actual: version,
      });
    const iesStart = offset + header;
    const read =
      version === 2 ? readIes(bytes, iesStart, messageEnd, 0, problems) : { ies: [], complete: false };
    if (read.ies.length > 0) fields.ies = formatGtpv2Ies(read.ies);
    if (!read.complete && messageEnd > iesStart) fields.body = bytes.slice(iesStart, messageEnd);
    const fteids: Gtpv2FteidInfo[] = [];
    const collect = (ies: readonly Gtpv2Ie[], path: string): void => {
      for (const ie of ies) {
        if (ie.value.kind === 'fteid')
          fteids.push({
            path: `${path}fteid${ie.instance ? `#${ie.instance}` : ''}`,
            interfaceType: ie.value.interfaceType,
            interfaceName: INTERFACE_NAME.get(ie.value.interfaceType) ?? String(ie.value.interfaceType),
            teid: ie.value.teid,
            ...(ie.value.ipv4 ? { ipv4: ie.value.ipv4 } : {}),
            ...(ie.value.ipv6 ? { ipv6: ie.value.ipv6 } : {}),
          });
        if (ie.value.kind === 'group')
          collect(
            ie.value.ies,
            `${path}${IE_NAME.get(ie.type) ?? `ie${ie.type}`}${ie.instance ? `#${ie.instance}` : ''}.`,
          );
      }
    };
    collect(read.ies, '');
    const type = fields.type as number;
    const info: Gtpv2Info = {
      message: MESSAGE_TITLE.get(type) ?? `Unknown (${type})`,
      fteids,
    };
    const next = fields.p === 1 && messageEnd < end ? 'gtpv2' : undefined;
    return {
      fields,
      headerLength: messageEnd - offset,
      contentEnd: end,
      next,
      info: info as unknown as Record<string, unknown>,
    };
  },

  summary(fields: Gtpv2Fields, info?: Readonly<Record<string, unknown>>): string {
    const facts = info as Gtpv2Info | undefined;
    const type = typeof fields.type === 'number' ? fields.type : (parseMessageType(fields.type ?? '') ?? 1);
    const title = facts?.message ?? MESSAGE_TITLE.get(type) ?? `Unknown (${type})`;
    const teid = fields.teid !== undefined ? `, TEID 0x${fields.teid.toString(16).padStart(8, '0')}` : '';
    return `${title}${teid}, Seq ${fields.seq ?? 0}`;
  },
};

/** One F-TEID a message carries, for linking the control plane to the GTP-U tunnels. */
export interface Gtpv2FteidInfo {
  /** Where it sits: `fteid`, `fteid#1`, `bearer.fteid#2`. */
  readonly path: string;
  readonly interfaceType: number;
  readonly interfaceName: string;
  readonly teid: number;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** What `decode` gives as `info` for GTPv2-C. */
export interface Gtpv2Info {
  /** "Create Session Request", as Wireshark names it. */
  readonly message: string;
  readonly fteids: readonly Gtpv2FteidInfo[];
}

/** The fields `decode` gives for GTPv2-C: every header field on the wire; ies when any; body when needed. */
export type Gtpv2DecodedFields = Gtpv2Fields &
  Required<Pick<Gtpv2Fields, 'version' | 'p' | 't' | 'mp' | 'spare' | 'len' | 'seq' | 'spare2'>> & {
    type: number;
  };
