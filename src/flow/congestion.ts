/**
 * Congestion window growth and reduction: NewReno (RFC 5681 / RFC 6582) and CUBIC (RFC 9438).
 *
 * Loss *recovery* (which segment to resend, pipe, fast recovery's window inflation) lives in the
 * endpoint; this module only owns cwnd growth on new ACKs and the multiplicative decrease.
 * All windows are in bytes; cwnd may be fractional (congestion avoidance adds SMSS*SMSS/cwnd per ACK).
 */

export type CongestionAlgorithm = 'newreno' | 'cubic';

export interface CongestionControl {
  readonly algorithm: CongestionAlgorithm;
  /** Congestion window, bytes. */
  cwnd: number;
  /** Slow-start threshold, bytes (Infinity until the first congestion event). */
  ssthresh: number;
  /** New data was cumulatively acknowledged outside loss recovery. */
  onNewAck(ackedBytes: number, nowUs: number, srttUs: number): void;
  /**
   * A loss was detected by duplicate ACKs or SACK: set ssthresh (cwnd is set by the recovery logic).
   * `flightSize` is the data outstanding and not yet acknowledged in any way (SND.MAX - SND.UNA minus
   * the SACKed bytes).
   */
  onCongestionEvent(flightSize: number, nowUs: number): void;
  /**
   * The retransmission timer expired for a segment not yet resent by the timer: set ssthresh as for
   * any congestion event, whatever state the sender was in (RFC 5681 section 3.1: NewReno's equation
   * (4); RFC 9438 section 4.8: CUBIC's cwnd * beta), and collapse cwnd to the loss window (1 SMSS).
   */
  onRetransmissionTimeout(flightSize: number, nowUs: number): void;
  /** Recovery ended (full ACK); cwnd is deflated to ssthresh. */
  onRecoveryEnd(nowUs: number): void;
}

/** RFC 5681 slow start and congestion avoidance, RFC 5681 equation (4) for ssthresh. */
export class NewReno implements CongestionControl {
  readonly algorithm = 'newreno' as const;
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  constructor(
    private readonly smss: number,
    initialWindow: number,
  ) {
    this.cwnd = initialWindow;
  }
  onNewAck(ackedBytes: number): void {
    if (this.cwnd < this.ssthresh) {
      // RFC 5681 (2): cwnd += min(N, SMSS)
      this.cwnd += Math.min(ackedBytes, this.smss);
    } else {
      // RFC 5681 (3): cwnd += SMSS*SMSS/cwnd
      this.cwnd += (this.smss * this.smss) / this.cwnd;
    }
  }
  onCongestionEvent(flightSize: number): void {
    // RFC 5681 (4): ssthresh = max(FlightSize / 2, 2*SMSS)
    this.ssthresh = Math.max(flightSize / 2, 2 * this.smss);
  }
  onRetransmissionTimeout(flightSize: number): void {
    this.ssthresh = Math.max(flightSize / 2, 2 * this.smss);
    this.cwnd = this.smss;
  }
  onRecoveryEnd(): void {
    this.cwnd = this.ssthresh;
  }
}

/** RFC 9438 constants. */
export const CUBIC_C = 0.4;
export const CUBIC_BETA = 0.7;
const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/** CUBIC per RFC 9438 (with fast convergence and the Reno-friendly region), computed in segments. */
export class Cubic implements CongestionControl {
  readonly algorithm = 'cubic' as const;
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  private wMax = 0;
  private k = 0;
  private epochStartUs = -1;
  private wEst = 0;
  private cwndPrior = 0;
  constructor(
    private readonly smss: number,
    initialWindow: number,
  ) {
    this.cwnd = initialWindow;
  }
  onNewAck(ackedBytes: number, nowUs: number, srttUs: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(ackedBytes, this.smss);
      return;
    }
    const mss = this.smss;
    let cwndSeg = this.cwnd / mss;
    if (this.epochStartUs < 0) {
      // Congestion avoidance starts now (RFC 9438 4.2: t measured from the start of this epoch).
      this.epochStartUs = nowUs;
      if (this.wMax <= 0) {
        this.wMax = cwndSeg;
        this.k = 0;
      }
      this.wEst = cwndSeg;
    }
    const t = (nowUs - this.epochStartUs) / 1e6;
    const rtt = srttUs / 1e6;
    const wCubicNow = CUBIC_C * (t - this.k) ** 3 + this.wMax;
    let target = CUBIC_C * (t + rtt - this.k) ** 3 + this.wMax;
    target = Math.min(Math.max(target, cwndSeg), 1.5 * cwndSeg);
    const ackedSeg = ackedBytes / mss;
    const alpha = this.wEst >= this.cwndPrior / mss && this.cwndPrior > 0 ? 1 : CUBIC_ALPHA;
    this.wEst += (alpha * ackedSeg) / cwndSeg;
    if (wCubicNow < this.wEst) {
      cwndSeg = Math.max(cwndSeg, this.wEst);
    } else {
      cwndSeg += ((target - cwndSeg) / cwndSeg) * ackedSeg;
    }
    this.cwnd = cwndSeg * mss;
  }
  /**
   * RFC 9438 4.6: ssthresh = cwnd * beta_cubic (as Linux bictcp_recalc_ssthresh(), never below 2 SMSS),
   * from the window in use when the congestion is detected, not from the flight: after a timeout in
   * the middle of a recovery the flight still counts the whole window that was outstanding before the
   * reduction, which would raise ssthresh instead of lowering it.
   */
  private reduce(): void {
    const mss = this.smss;
    const cwndSeg = this.cwnd / mss;
    // Fast convergence (RFC 9438 4.7).
    this.wMax = cwndSeg < this.wMax ? (cwndSeg * (1 + CUBIC_BETA)) / 2 : cwndSeg;
    this.cwndPrior = this.cwnd;
    this.k = Math.cbrt((this.wMax * (1 - CUBIC_BETA)) / CUBIC_C);
    this.ssthresh = Math.max(this.cwnd * CUBIC_BETA, 2 * mss);
    this.epochStartUs = -1;
  }
  onCongestionEvent(_flightSize: number): void {
    this.reduce();
  }
  onRetransmissionTimeout(_flightSize: number): void {
    this.reduce();
    this.cwnd = this.smss;
  }
  onRecoveryEnd(): void {
    this.cwnd = this.ssthresh;
  }
}

export function createCongestionControl(
  algorithm: CongestionAlgorithm,
  smss: number,
  initialWindow: number,
): CongestionControl {
  return algorithm === 'newreno' ? new NewReno(smss, initialWindow) : new Cubic(smss, initialWindow);
}

/** RFC 6928 initial window: min(10*MSS, max(2*MSS, 14600)); one segment after a lost SYN (RFC 6928 sec. 2). */
export function initialWindowBytes(smss: number, synRetransmitted: boolean): number {
  if (synRetransmitted) return smss;
  return Math.min(10 * smss, Math.max(2 * smss, 14600));
}
