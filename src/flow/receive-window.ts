/**
 * The receive window as Linux 6.x computes it (net/ipv4/tcp_output.c, tcp_input.c), for an endpoint
 * whose receive buffer is not fixed by the user:
 *  - the buffer starts at tcp_rmem[1] = 131072 bytes and the window is the part of it the kernel
 *    reckons data may fill (tcp_win_from_space(): buffer * scaling_ratio / 256). The ratio starts at
 *    128/256 (so the SYN offers 64240 with MSS 1460, 65160 with 1448, as tcp_select_initial_window()
 *    rounds the space down to whole segments) and is re-measured from the first data segment as
 *    len / truesize (tcp_measure_rcv_mss()); the model takes 160/256, what the lab kernel's windows show
 *    (a 1448-byte segment in a 2304-byte skb: the first ACKs grow to 80 kB before any auto-tuning);
 *  - rcv_ssthresh, the window actually offered, starts at the SYN's window and grows by
 *    max(2 * advmss, 2 * len) per in-order data segment up to min(window_clamp, free space)
 *    (tcp_grow_window()); while it grows the receiver stays in quick-ACK mode (`quick |= 1`);
 *  - __tcp_select_window(): min(free space, rcv_ssthresh), rounded up to the window-scale unit; under
 *    pressure (less than half the buffer free) the free space rounded down, and zero below one MSS or
 *    1/16 of the buffer; tcp_select_window() never shrinks what was offered;
 *  - receive-buffer auto-tuning (tcp_rcv_space_adjust(), sysctl tcp_moderate_rcvbuf = 1): once per
 *    receiver RTT (measured from timestamps, tcp_rcv_rtt_measure_ts(), or once per window without
 *    them), if the application read more than rcvq_space.space bytes in it, the buffer becomes
 *    space_from_win(2 * copied + 16 * advmss, plus the growth term for a sender in slow start), at
 *    most tcp_rmem[2] = 6 MiB, and window_clamp follows it;
 *  - while out-of-order data is held (Linux 6.16+, tcp_rcvbuf_grow() from tcp_data_queue_ofo()), the
 *    buffer may also grow to cover twice the last measured space plus the span of the held data, and
 *    each out-of-order segment grows rcv_ssthresh as in-order data does (tcp_grow_window(), SACK flows).
 * Memory is accounted in window bytes: data held (unread or out of order) takes its own size from the
 * window, which is what scaling_ratio makes of its truesize.
 */

/** tcp_rmem[1]: the receive buffer a socket starts with. */
export const LINUX_RCVBUF_DEFAULT = 131072;
/** tcp_rmem[2]: the largest buffer auto-tuning gives (Linux's default; 6 MiB). */
export const LINUX_RCVBUF_MAX = 6 * 1024 * 1024;
/** TCP_DEFAULT_SCALING_RATIO: window / buffer before the first data segment, in 1/256. */
const DEFAULT_SCALING_RATIO = 128;
/** The ratio the model measures from the first data segment (len / truesize, in 1/256). */
export const MEASURED_SCALING_RATIO = 160;

export interface LinuxReceiveWindowConfig {
  /** Auto-tune the buffer (tcp_moderate_rcvbuf). */
  autotune: boolean;
  /** Starting buffer, bytes (tcp_rmem[1]). */
  initialBuffer: number;
  /** Largest auto-tuned buffer, bytes (tcp_rmem[2]). */
  maxBuffer: number;
}

export class LinuxReceiveWindow {
  /** sk_rcvbuf. */
  buffer: number;
  /** tp->window_clamp: the largest window ever offered. */
  windowClamp = 65535 << 14;
  /** tp->rcv_ssthresh. */
  rcvSsthresh = 0;
  private ratio = DEFAULT_SCALING_RATIO;
  private ratioMeasured = false;
  /** rcvq_space: bytes copied in the last measured RTT, and where that measurement started. */
  private space = 0;
  private spaceSeq = 0;
  private spaceTimeUs = 0;
  /** tp->rcv_rtt_est.rtt_us (plain microseconds, 0 until measured). */
  rttUs = 0;
  private lastTsecr = -1;
  /** Without timestamps: the sequence whose arrival ends the current per-window RTT measurement. */
  private rttSeq = -1;
  private rttTimeUs = 0;
  /** Times the buffer grew (for the trace and tests). */
  adjustments = 0;

  constructor(readonly config: LinuxReceiveWindowConfig) {
    this.buffer = config.initialBuffer;
  }

  /** tcp_win_from_space(). */
  winFromSpace(space: number): number {
    return Math.floor((space * this.ratio) / 256);
  }

  /** tcp_space_from_win(). */
  spaceFromWin(window: number): number {
    return Math.floor((window * 256) / this.ratio);
  }

  /** tcp_full_space(). */
  fullSpace(): number {
    return this.winFromSpace(this.buffer);
  }

  /** tcp_space(): the window bytes still free with `held` bytes unread or out of order. */
  freeSpace(held: number): number {
    return Math.max(0, this.fullSpace() - held);
  }

  /**
   * tcp_select_initial_window(): the window of our SYN (never scaled). `mss` is the MSS we announce,
   * less the timestamp option when the peer's SYN already offered timestamps (the SYN-ACK).
   */
  initialWindow(mss: number): number {
    let space = Math.min(this.fullSpace(), this.windowClamp);
    if (space > mss) space = Math.floor(space / mss) * mss;
    const window = Math.min(space, 0xffff);
    this.rcvSsthresh = window;
    return window;
  }

  /** tcp_init_buffer_space(), at the end of the handshake. */
  onEstablished(nowUs: number, advmss: number, copied: number, offered: number): void {
    this.windowClamp = Math.min(this.windowClamp, this.fullSpace());
    this.rcvSsthresh = Math.min(this.rcvSsthresh, this.windowClamp);
    this.space = Math.min(this.rcvSsthresh, offered, 10 * advmss);
    this.spaceSeq = copied;
    this.spaceTimeUs = nowUs;
  }

  /**
   * An in-order data segment of `len` bytes was queued (`held` bytes now held, it included):
   * the first one measures the scaling ratio (tcp_measure_rcv_mss()); then tcp_grow_window().
   * Returns true when rcv_ssthresh grew (Linux then sets quick-ACK mode: `icsk_ack.quick |= 1`).
   */
  onDataQueued(len: number, held: number, advmss: number): boolean {
    if (!this.ratioMeasured && len >= advmss) {
      this.ratioMeasured = true;
      if (this.ratio !== MEASURED_SCALING_RATIO) {
        this.ratio = MEASURED_SCALING_RATIO;
        this.windowClamp = this.fullSpace();
      }
    }
    if (len < 128) return false;
    const room = Math.min(this.windowClamp, this.freeSpace(held)) - this.rcvSsthresh;
    if (room <= 0) return false;
    const increment = Math.max(2 * advmss, 2 * len);
    this.rcvSsthresh += Math.min(room, increment);
    return true;
  }

  /**
   * tcp_data_queue_ofo() -> tcp_rcvbuf_grow() (Linux 6.16+, "tcp: adjust rcvbuf in presence of
   * reorders"): while out-of-order data is held the buffer may grow to space_from_win(2 * rcvq_space +
   * the span from rcv_nxt to the end of the last out-of-order block), at most tcp_rmem[2], and
   * window_clamp follows. `span` is that span in bytes. Returns true when the buffer grew.
   */
  onOutOfOrder(span: number): boolean {
    if (!this.config.autotune) return false;
    const window = 2 * this.space + span;
    const buffer = Math.min(this.spaceFromWin(window), this.config.maxBuffer);
    if (buffer <= this.buffer) return false;
    this.buffer = buffer;
    this.windowClamp = this.winFromSpace(buffer);
    this.adjustments++;
    return true;
  }

  /**
   * tcp_rcv_rtt_measure_ts(): a data segment of at least one MSS echoing a TSval we have not seen
   * echoed yet gives a sample (our clock minus the echo, in ms, at least 1 ms).
   */
  onTimestampEcho(tsecr: number, nowTsMs: number, len: number, rcvMss: number): void {
    if (tsecr === this.lastTsecr) return;
    this.lastTsecr = tsecr;
    if (len < rcvMss) return;
    const deltaMs = (nowTsMs - tsecr) | 0;
    if (deltaMs < 0) return;
    this.rttSample(Math.max(1, deltaMs) * 1000, false);
  }

  /**
   * tcp_rcv_rtt_measure() without timestamps: the time for one window of data to arrive, a sample per
   * window (`rcvNxt` after this segment, `offered` the window we last advertised).
   */
  onDataWithoutTimestamps(rcvNxt: number, offered: number, nowUs: number): void {
    if (this.rttSeq < 0) {
      this.rttSeq = rcvNxt + offered;
      this.rttTimeUs = nowUs;
      return;
    }
    if (rcvNxt < this.rttSeq) return;
    this.rttSample(nowUs - this.rttTimeUs, true);
    this.rttSeq = rcvNxt + offered;
    this.rttTimeUs = nowUs;
  }

  /** tcp_rcv_rtt_update(): smoothed by 1/8 with timestamps, the minimum per window without. */
  private rttSample(sampleUs: number, windowDependent: boolean): void {
    const sample = Math.max(1, sampleUs);
    if (this.rttUs === 0) this.rttUs = sample;
    else if (windowDependent) this.rttUs = Math.min(this.rttUs, sample);
    else this.rttUs += (sample - this.rttUs) / 8;
  }

  /**
   * tcp_rcv_space_adjust(), after the application read (`copied` = every byte read so far). Returns
   * true when the buffer grew.
   */
  onRead(copied: number, nowUs: number, advmss: number): boolean {
    if (this.rttUs === 0 || nowUs - this.spaceTimeUs < this.rttUs) return false;
    const inLastRtt = copied - this.spaceSeq;
    let grew = false;
    if (inLastRtt > this.space) {
      if (this.config.autotune) {
        let window = 2 * inLastRtt + 16 * advmss;
        if (this.space > 0) window += 2 * Math.floor((window * (inLastRtt - this.space)) / this.space);
        const buffer = Math.min(this.spaceFromWin(window), this.config.maxBuffer);
        if (buffer > this.buffer) {
          this.buffer = buffer;
          this.windowClamp = this.winFromSpace(buffer);
          this.adjustments++;
          grew = true;
        }
      }
      this.space = inLastRtt;
    }
    this.spaceSeq = copied;
    this.spaceTimeUs = nowUs;
    return grew;
  }

  /**
   * __tcp_select_window(): the window to offer now, in bytes, before the never-shrink rule
   * (`held` bytes unread or out of order, `mss` the peer's segment size, `shift` our window scale).
   */
  selectWindow(held: number, mss: number, shift: number): number {
    const allowed = this.fullSpace();
    const full = Math.min(this.windowClamp, allowed);
    let free = this.freeSpace(held);
    let segment = mss;
    if (segment > full) {
      segment = full;
      if (segment <= 0) return 0;
    }
    if (free < full / 2) {
      free = Math.floor(free / 2 ** shift) * 2 ** shift;
      if (free < allowed / 16 || free < segment) return 0;
    }
    if (free > this.rcvSsthresh) free = this.rcvSsthresh;
    if (shift > 0) return Math.ceil(free / 2 ** shift) * 2 ** shift;
    // Without scaling Linux keeps the window a multiple of the MSS.
    return free > segment ? Math.floor(free / segment) * segment : free;
  }
}
