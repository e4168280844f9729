/**
 * The flow's frames written straight into a capture writer's buffer: one template per direction
 * (Ethernet and IP headers made once through the packet model), then per segment only the fields that
 * change, the TCP options laid out as Linux's tcp_options_write() (the same layout as the tcp layer's
 * convenience options) and both checksums. Nothing is allocated per segment. The bytes are exactly
 * those of flowFrames() (test/flow/frame-encoder.test.ts compares them).
 */
import { ether, ipv4, ipv6, type LayerValue, tcp } from '../layers/index.js';
import { encodePacket } from '../packet/index.js';
import type { FlowCaptureOptions } from './packets.js';
import { immutablePayloadPeriod } from './payload.js';
import type { CapturedSegment, Side } from './types.js';

interface DirectionTemplate {
  /** Ethernet (if any) and IP header with zero lengths, id and checksum. */
  prefix: Uint8Array;
  /** Offset of the IP header in the frame. */
  ipOffset: number;
  /** Sum of the pseudo-header words that do not change (addresses, protocol). */
  pseudoSum: number;
  /** Sum of the IPv4 header words of the template (lengths, id, ECN and checksum zero). */
  ipSum: number;
  sport: number;
  dport: number;
}

/** The TCP option bytes a segment carries (as tcp_options_write() lays them out). */
export function segmentOptionsLength(segment: CapturedSegment): number {
  let length = 0;
  if (segment.mss !== undefined) length += 4;
  if (segment.tsval !== undefined) length += 12;
  else if (segment.sackOk) length += 4;
  if (segment.wscale !== undefined) length += 4;
  const blocks = segment.sackBlocks;
  if (blocks !== undefined && blocks.length > 0) length += 4 + 8 * blocks.length;
  return length;
}

/** Adds the 16-bit big-endian words of bytes[start, end) to `sum` (an odd start is handled). */
function sumWords(bytes: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i === last) sum += (bytes[i] as number) << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Word sums of the immutable pattern buffers as prefix sums, one array per parity of the range's start:
 * even[i] = sum of bytes k < i weighted 256 at even k and 1 at odd k (odd[i] the other way round), so
 * the sum of the 16-bit words of bytes [s, e) (a trailing odd byte padded, as sumWords) is
 * even[e] - even[s] for an even s and odd[e] - odd[s] for an odd one: the same integer sumWords gives.
 *
 * A buffer with an even period p (payload.ts: the pattern repeats every PATTERN_PERIOD bytes) keeps
 * the arrays for one period only: with i = q * p + r (0 <= r < p), the bytes below i are q whole
 * periods and then the first r bytes again, each at the parity it has in the first period (p is even),
 * so even[i] = q * even[p] + even[r], and the same for odd. Every term is an integer far below 2^53,
 * so the result is exact: the same integer as the arrays over the whole buffer.
 */
interface PrefixSums {
  even: Float64Array;
  odd: Float64Array;
  /** The length the arrays cover: the period, or the whole buffer (indices up to it). */
  period: number;
}
const prefixSums = new WeakMap<ArrayBufferLike, PrefixSums>();
let lastBuffer: ArrayBufferLike | undefined;
let lastSums: PrefixSums | undefined;

function prefixSumsOf(buffer: ArrayBufferLike): PrefixSums | undefined {
  if (buffer === lastBuffer) return lastSums;
  let sums = prefixSums.get(buffer);
  if (sums === undefined) {
    const period = immutablePayloadPeriod(buffer);
    if (period === undefined) return undefined;
    const bytes = new Uint8Array(buffer);
    const covered = period > 0 && period % 2 === 0 && period < bytes.length ? period : bytes.length;
    const even = new Float64Array(covered + 1);
    const odd = new Float64Array(covered + 1);
    for (let k = 0; k < covered; k++) {
      const b = bytes[k] as number;
      even[k + 1] = (even[k] as number) + ((k & 1) === 0 ? b * 256 : b);
      odd[k + 1] = (odd[k] as number) + ((k & 1) === 1 ? b * 256 : b);
    }
    sums = { even, odd, period: covered };
    prefixSums.set(buffer, sums);
  }
  lastBuffer = buffer;
  lastSums = sums;
  return sums;
}

/** table[i] for any i of the buffer, from the one-period table (see PrefixSums). */
function prefixAt(table: Float64Array, period: number, i: number): number {
  if (i <= period) return table[i] as number;
  const q = Math.floor(i / period);
  return q * (table[period] as number) + (table[i - q * period] as number);
}

/** The ones-complement sum (folded to 16 bits) of the payload's 16-bit words, the last one padded. */
export function payloadSum(payload: Uint8Array): number {
  const sums = prefixSumsOf(payload.buffer);
  if (sums === undefined) return fold(sumWords(payload, 0, payload.length, 0));
  const start = payload.byteOffset;
  const end = start + payload.length;
  const table = (start & 1) === 0 ? sums.even : sums.odd;
  return fold(prefixAt(table, sums.period, end) - prefixAt(table, sums.period, start));
}

export class FlowFrameEncoder {
  /** The two directions' templates, as fields (read per segment without a keyed lookup). */
  private readonly clientTemplate: DirectionTemplate;
  private readonly serverTemplate: DirectionTemplate;
  private readonly templatesByConnection = new Map<number, Record<Side, DirectionTemplate>>();
  /** The next IPv4 identification of each direction. */
  private clientIpId: number;
  private serverIpId: number;
  private readonly ipv6: boolean;

  constructor(private readonly options: FlowCaptureOptions) {
    this.ipv6 = options.ipVersion === 6;
    this.clientIpId = options.ipId ?? 0;
    this.serverIpId = options.ipId ?? 0;
    const templates = this.makeTemplates(options.clientPort);
    this.clientTemplate = templates.client;
    this.serverTemplate = templates.server;
  }

  private makeTemplates(clientPort: number): Record<Side, DirectionTemplate> {
    const o = this.options;
    const ethernet = o.ethernet ?? true;
    const make = (from: Side): DirectionTemplate => {
      const fromClient = from === 'client';
      const src = fromClient ? o.clientIp : o.serverIp;
      const dst = fromClient ? o.serverIp : o.clientIp;
      const ttl = o.ttl ?? 64;
      const ip = this.ipv6 ? ipv6({ src, dst, hlim: ttl }) : ipv4({ src, dst, ttl, id: 0, flags: 'DF' });
      const layers: LayerValue[] = [ip, tcp({})];
      if (ethernet) {
        const clientMac = o.clientMac ?? '02:00:00:00:00:01';
        const serverMac = o.serverMac ?? '02:00:00:00:00:02';
        layers.unshift(
          ether({ src: fromClient ? clientMac : serverMac, dst: fromClient ? serverMac : clientMac }),
        );
      }
      const frame = encodePacket(layers);
      const ipOffset = ethernet ? 14 : 0;
      const ipLength = this.ipv6 ? 40 : 20;
      const prefix = frame.slice(0, ipOffset + ipLength);
      if (!this.ipv6) {
        // encode() sets the ECN byte, total length, id and checksum of every frame: zero in the template.
        for (const at of [1, 2, 3, 4, 5, 10, 11]) prefix[ipOffset + at] = 0;
      }
      let pseudoSum = 6;
      if (this.ipv6) pseudoSum = sumWords(prefix, ipOffset + 8, ipOffset + 40, pseudoSum);
      else pseudoSum = sumWords(prefix, ipOffset + 12, ipOffset + 20, pseudoSum);
      return {
        prefix,
        ipOffset,
        pseudoSum,
        ipSum: this.ipv6 ? 0 : sumWords(prefix, ipOffset, ipOffset + 20, 0),
        sport: fromClient ? clientPort : o.serverPort,
        dport: fromClient ? o.serverPort : clientPort,
      };
    };
    return { client: make('client'), server: make('server') };
  }

  private templateFor(segment: CapturedSegment): DirectionTemplate {
    const portFor = this.options.clientPortFor;
    if (portFor === undefined) return segment.from === 'client' ? this.clientTemplate : this.serverTemplate;
    let set = this.templatesByConnection.get(segment.connection);
    if (set === undefined) {
      set = this.makeTemplates(portFor(segment.connection));
      this.templatesByConnection.set(segment.connection, set);
    }
    return set[segment.from];
  }

  /** The segment frameLength() last measured, and its option bytes (encode() then needs not count them again). */
  private measured: CapturedSegment | undefined;
  private measuredOptions = 0;

  /** The frame length of `segment`. */
  frameLength(segment: CapturedSegment): number {
    const t = this.templateFor(segment);
    const optionsLength = segmentOptionsLength(segment);
    this.measured = segment;
    this.measuredOptions = optionsLength;
    return t.prefix.length + 20 + optionsLength + segment.payload.length;
  }

  /**
   * Writes the frame of `segment` at out[offset..]; returns its length. Call once per segment, in
   * order. With `payloadKept` only that many payload bytes are written (a snap length); the checksum
   * is still the whole segment's.
   */
  encode(segment: CapturedSegment, out: Uint8Array, offset: number, payloadKept = -1): number {
    const t = this.templateFor(segment);
    const prefix = t.prefix;
    out.set(prefix, offset);
    const ip = offset + t.ipOffset;
    const optionsLength = this.measured === segment ? this.measuredOptions : segmentOptionsLength(segment);
    this.measured = undefined;
    const payload = segment.payload;
    const tcpLength = 20 + optionsLength + payload.length;
    let ipId: number;
    if (segment.from === 'client') {
      ipId = this.clientIpId;
      this.clientIpId = (ipId + 1) & 0xffff;
    } else {
      ipId = this.serverIpId;
      this.serverIpId = (ipId + 1) & 0xffff;
    }
    let at = offset + prefix.length;
    const ecn = (segment.ecn ?? 0) & 3; // --- rcv: the ECN field (the template's DSCP/class is 0) ---
    if (this.ipv6) {
      out[ip + 1] = ((out[ip + 1] as number) & 0xcf) | (ecn << 4);
      out[ip + 4] = tcpLength >>> 8;
      out[ip + 5] = tcpLength & 0xff;
    } else {
      out[ip + 1] = ecn;
      const total = 20 + tcpLength;
      out[ip + 2] = total >>> 8;
      out[ip + 3] = total & 0xff;
      out[ip + 4] = ipId >>> 8;
      out[ip + 5] = ipId & 0xff;
      // The template's words plus the ones set here (the ECN byte is the low byte of the first word).
      const sum = 0xffff - fold(t.ipSum + ecn + total + ipId);
      out[ip + 10] = sum >>> 8;
      out[ip + 11] = sum & 0xff;
    }
    const th = at;
    writeU16(out, th, t.sport);
    writeU16(out, th + 2, t.dport);
    writeU32(out, th + 4, segment.seq);
    writeU32(out, th + 8, segment.ack);
    out[th + 12] = ((20 + optionsLength) / 4) << 4;
    out[th + 13] = segment.flags & 0xff;
    writeU16(out, th + 14, segment.window);
    out[th + 16] = 0;
    out[th + 17] = 0;
    out[th + 18] = 0;
    out[th + 19] = 0;
    at = th + 20;
    if (segment.mss !== undefined) {
      out[at] = 2;
      out[at + 1] = 4;
      writeU16(out, at + 2, segment.mss);
      at += 4;
    }
    const sackOk = segment.sackOk === true;
    if (segment.tsval !== undefined) {
      out[at] = sackOk ? 4 : 1;
      out[at + 1] = sackOk ? 2 : 1;
      out[at + 2] = 8;
      out[at + 3] = 10;
      writeU32(out, at + 4, segment.tsval);
      writeU32(out, at + 8, segment.tsecr ?? 0);
      at += 12;
    } else if (sackOk) {
      out[at] = 1;
      out[at + 1] = 1;
      out[at + 2] = 4;
      out[at + 3] = 2;
      at += 4;
    }
    if (segment.wscale !== undefined) {
      out[at] = 1;
      out[at + 1] = 3;
      out[at + 2] = 3;
      out[at + 3] = segment.wscale;
      at += 4;
    }
    const blocks = segment.sackBlocks;
    if (blocks !== undefined && blocks.length > 0) {
      out[at] = 1;
      out[at + 1] = 1;
      out[at + 2] = 5;
      out[at + 3] = 2 + 8 * blocks.length;
      at += 4;
      for (let i = 0; i < blocks.length; i++) {
        const block = blocks[i]!;
        writeU32(out, at, block[0]);
        writeU32(out, at + 4, block[1]);
        at += 8;
      }
    }
    // The fixed header's words from the values just written (checksum and urgent pointer zero), the options' from the bytes.
    const seq = segment.seq;
    const ack = segment.ack;
    let sum =
      t.pseudoSum +
      tcpLength +
      (t.sport & 0xffff) +
      (t.dport & 0xffff) +
      ((seq >>> 16) & 0xffff) +
      (seq & 0xffff) +
      ((ack >>> 16) & 0xffff) +
      (ack & 0xffff) +
      ((((20 + optionsLength) / 4) << 12) | (segment.flags & 0xff)) +
      (segment.window & 0xffff) +
      sumWords(out, th + 20, at, 0);
    if (payload.length > 0) {
      if (payloadKept < 0 || payloadKept >= payload.length) out.set(payload, at);
      else if (payloadKept > 256) out.set(payload.subarray(0, payloadKept), at);
      // A few bytes (a snap length just past the headers): copied in place, no view per segment.
      else for (let i = 0; i < payloadKept; i++) out[at + i] = payload[i]!;
      // The payload starts at an even offset of the TCP segment (the header is a multiple of 4).
      sum += payloadSum(payload);
    }
    const checksum = 0xffff - fold(sum);
    writeU16(out, th + 16, checksum);
    return at + payload.length - offset;
  }
}

function writeU16(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 8) & 0xff;
  out[at + 1] = value & 0xff;
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}
