/**
 * Linux's SACK compression (net/ipv4/tcp_input.c __tcp_ack_snd_check(), since 4.20; sysctls
 * tcp_comp_sack_nr = 44, tcp_comp_sack_delay_ns = 1 ms, tcp_comp_sack_slack_ns = 100 us).
 *
 * While out-of-order data is held and the peer uses SACK, a receiver that is not in quick-ACK mode
 * answers the first TCP_FASTRETRANS_THRESH (3) segments that leave rcv_nxt where it is at once (the
 * duplicate ACKs the sender's fast retransmit needs), then holds the next ones back: one timer of
 * min(tcp_comp_sack_delay_ns, RTT / 20) starts, the segments arriving meanwhile are counted in
 * compressed_ack, and when it fires one ACK carries the latest SACK blocks for all of them
 * (tcp_compressed_ack_kick()). 44 held back, or any ACK sent for another reason, ends the wait
 * (tcp_event_ack_sent() clears the count and cancels the timer). The RTT is the receiver's estimate
 * (rcv_rtt_est), or the smoothed RTT if that is known and smaller. The model fires the timer at the
 * delay itself; the kernel's hrtimer may fire up to the 100 us slack later.
 */

/** sysctl net.ipv4.tcp_comp_sack_nr: the most ACKs held back before one must go. */
export const LINUX_COMP_SACK_NR = 44;
/** sysctl net.ipv4.tcp_comp_sack_delay_ns, in microseconds. */
export const LINUX_COMP_SACK_DELAY_US = 1000;
/** TCP_FASTRETRANS_THRESH: duplicate ACKs always sent at once for one rcv_nxt. */
const FAST_RETRANSMIT_THRESHOLD = 3;

export type SackAckDecision = 'send-now' | 'start-timer' | 'held';

export class SackCompression {
  /** tp->compressed_ack: ACKs held back since the last one sent. */
  private heldBack = 0;
  /** tp->compressed_ack_rcv_nxt and tp->dup_ack_counter. */
  private counterRcvNxt = -1;
  private duplicatesSent = 0;
  private timerRunning = false;
  /** ACKs the compression saved (LINUX_MIB_TCPACKCOMPRESSED), for the trace and tests. */
  saved = 0;

  constructor(
    readonly maxHeldBack: number = LINUX_COMP_SACK_NR,
    readonly maxDelayUs: number = LINUX_COMP_SACK_DELAY_US,
  ) {}

  /**
   * A segment arrived while out-of-order data is held, and nothing else asks for an ACK now (the
   * quick-ACK, more-than-one-segment and ACK-now tests of __tcp_ack_snd_check() came first).
   */
  decide(rcvNxt: number): SackAckDecision {
    if (this.heldBack >= this.maxHeldBack) return 'send-now';
    if (this.counterRcvNxt !== rcvNxt) {
      this.counterRcvNxt = rcvNxt;
      this.duplicatesSent = 0;
    }
    if (this.duplicatesSent < FAST_RETRANSMIT_THRESHOLD) {
      this.duplicatesSent++;
      return 'send-now';
    }
    this.heldBack++;
    if (this.timerRunning) return 'held';
    this.timerRunning = true;
    return 'start-timer';
  }

  /** The timer's delay: min(tcp_comp_sack_delay_ns, RTT / 20), from the receiver's RTT and the srtt. */
  delayUs(receiverRttUs: number, srttUs: number): number {
    let rtt = receiverRttUs;
    if (srttUs > 0 && srttUs < rtt) rtt = srttUs;
    return Math.min(this.maxDelayUs, rtt / 20);
  }

  /** tcp_compressed_ack_kick(): true when an ACK is to go now (one was held back). */
  onTimer(): boolean {
    this.timerRunning = false;
    if (this.heldBack === 0) return false;
    this.heldBack--;
    return true;
  }

  /** tcp_event_ack_sent(): every ACK ends the wait. Returns true when a running timer is to be cancelled. */
  onAckSent(): boolean {
    this.saved += this.heldBack;
    this.heldBack = 0;
    const running = this.timerRunning;
    this.timerRunning = false;
    return running;
  }
}
