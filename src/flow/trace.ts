/**
 * The per-event trace of a synthesized flow: what each sender thought at each moment. Written as JSON by
 * `tcp-flow --trace`, drawn by plot.ts, and compared with tshark's analysis in the oracle tests.
 */
import type { Side } from './types.js';

export type TraceEventKind =
  | 'send' // a segment left the endpoint
  | 'ack' // an acknowledgment was processed by the sender
  | 'rto' // the retransmission timer expired
  | 'recovery-start' // fast retransmit / fast recovery entered
  | 'recovery-end' // full ACK ended recovery
  | 'persist' // the persist timer fired (a zero window probe follows)
  | 'state' // a TCP state change
  | 'drop' // the path dropped a segment
  | 'read' // the application read from the receive buffer
  // --- rack: loss detection and recovery events ---
  | 'tlp' // the RACK-TLP probe timer fired (a tail loss probe follows, RFC 8985 7.3)
  | 'tlp-loss' // the probe repaired a loss: cwnd reduced as for a congestion event (RFC 8985 7.4.2)
  | 'rack-timer' // the RACK reordering timer marked segments lost and started recovery
  | 'undo' // a retransmission timeout proven spurious (F-RTO RFC 5682 / Eifel RFC 3522) was undone
  // --- end rack ---
  // --- rcv ---
  | 'rcvbuf' // receive-buffer auto-tuning grew the buffer (tcp_rcv_space_adjust)
  | 'ecn-reduction'; // an ECN echo reduced cwnd (RFC 3168 6.1.2, Linux tcp_enter_cwr)
// --- end rcv ---

export type RecoveryState = 'open' | 'recovery' | 'loss';

export interface TraceEvent {
  /** Microseconds since the flow's start time. */
  timeUs: number;
  connection: number;
  side: Side;
  kind: TraceEventKind;
  /** TCP state (ESTABLISHED, FIN_WAIT_1, ...). */
  state: string;
  /** Loss-recovery state of the sender. */
  recovery: RecoveryState;
  /** Congestion window, bytes. */
  cwnd: number;
  /** Slow-start threshold, bytes (null while still infinite). */
  ssthresh: number | null;
  /** The peer's advertised receive window, bytes (scaled). */
  rwnd: number;
  /** Our own advertised receive window, bytes (scaled), as last sent. */
  advertisedWindow: number;
  /**
   * Bytes in flight the way Wireshark counts them: highest sequence sent minus the oldest unacked one,
   * minus the bytes covered by the SACK blocks of the last ACK received (and 1 for an unacked FIN).
   */
  bytesInFlight: number;
  /** RFC 6675 pipe: outstanding bytes not SACKed and not deemed lost, plus retransmitted bytes. */
  pipe: number;
  /** Current retransmission timeout, microseconds (backoff included). */
  rtoUs: number;
  /** Smoothed RTT, microseconds (0 until the first sample). */
  srttUs: number;
  /** Relative sequence number (data byte 1 = 1) of the segment concerned, when there is one. */
  seq?: number;
  /** Payload length of the segment concerned. */
  len?: number;
  /** Relative ack of an ACK processed. */
  ack?: number;
  /** Segment flags of a 'send' event. */
  flags?: number;
  note?: string;
}
