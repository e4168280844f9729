/**
 * The data types the flow model hands to the rest of pktcraft. A CapturedSegment is pure data, free of
 * addresses and ports: the caller wraps it in whatever IP version and encapsulation it likes
 * (see packets.ts).
 */

export type Side = 'client' | 'server';

export { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../layers/tcp.js';

// --- rcv: ECN codepoints of the IP header (RFC 3168 section 5) ---
export const ECN_NOT_ECT = 0;
export const ECN_ECT1 = 1;
export const ECN_ECT0 = 2;
export const ECN_CE = 3;
// --- end rcv ---

/** One TCP segment as the capture point saw it. */
export interface CapturedSegment {
  /** Capture time, integer microseconds since the Unix epoch (exact: 1.7e15 < 2^53). */
  timeUs: number;
  from: Side;
  /** Absolute 32-bit sequence number. */
  seq: number;
  /** Absolute 32-bit acknowledgment number (0 when the ACK flag is clear). */
  ack: number;
  /** FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80. */
  flags: number;
  /** The raw 16-bit window field as sent (already scaled down, except on SYN segments). */
  window: number;
  mss?: number;
  wscale?: number;
  sackOk?: boolean;
  tsval?: number;
  tsecr?: number;
  /** SACK blocks as absolute [left edge, right edge) sequence numbers. */
  sackBlocks?: Array<[number, number]>;
  payload: Uint8Array;
  /** Connection index, 0-based, in the order connections were opened. */
  connection: number;
  /** What the sender meant by this segment, e.g. "fast retransmission of segment 3", "zero window probe". */
  note?: string;
  /**
   * A zero window probe from the persist timer. It carries one byte so that Wireshark recognizes it, but
   * the receiver never takes that byte: like Linux's probe, which carries none, it only asks for an ACK.
   */
  probe?: boolean;
  // --- rcv ---
  /** The ECN field of the IP header (ECN_ECT0, ECN_CE, ...); absent: Not-ECT. */
  ecn?: number;
  // --- end rcv ---
}

/** Seconds and nanoseconds of a capture time, for capture writers. */
export function segmentTime(segment: CapturedSegment): { sec: number; nsec: number } {
  const sec = Math.floor(segment.timeUs / 1_000_000);
  return { sec, nsec: (segment.timeUs - sec * 1_000_000) * 1000 };
}
