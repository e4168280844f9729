/**
 * One TCP endpoint: the connection state machine, the sender (segmentation, congestion control,
 * RACK-TLP loss detection (RFC 8985) or RFC 6675 SACK loss recovery, PRR (RFC 6937), RFC 6582 NewReno
 * recovery without SACK, RFC 6298 retransmission timer with F-RTO / Eifel undo (RFC 5682 / RFC 3522),
 * persist timer with zero window probes) and the receiver (reassembly, SACK blocks, Linux-like delayed and quick
 * ACKs, receive buffer drained by the application at a given rate, window updates).
 *
 * Sequence numbers are kept as offsets from the ISN: the SYN is offset 0, data byte i (0-based) is
 * offset 1 + i, the FIN follows the last data byte. Offsets never wrap; the 32-bit wire values are
 * made only when a segment is built.
 */
import {
  type CongestionAlgorithm,
  type CongestionControl,
  createCongestionControl,
  initialWindowBytes,
} from './congestion.js';
import { BytesPayload, ChainedPayload, type PayloadSource, payloadSource } from './payload.js';
// --- rcv: Linux receive window, ECN ---
import { LinuxReceiveWindow, type LinuxReceiveWindowConfig } from './receive-window.js';
import { SackCompression } from './sack-compression.js';
// --- end rcv ---
import type { RecoveryState, TraceEvent, TraceEventKind } from './trace.js';
import {
  type CapturedSegment,
  ECN_CE,
  ECN_ECT0,
  type Side,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
} from './types.js';

/**
 * The offset from `base` (an ISN) that the 32-bit sequence number `wire` stands for: the one within 2^31
 * of the offset `near` (RFC 9293 sequence arithmetic), so offsets keep counting past 4 GiB.
 */
export function unwrapSequence(wire: number, base: number, near: number): number {
  return near + ((wire - base - near) | 0);
}

export interface TimerHandle {
  cancel(): void;
}

/** What an endpoint needs from the simulator around it. */
export interface EndpointHost {
  now(): number;
  schedule(atUs: number, action: () => void): TimerHandle;
  /**
   * Optional: `previous?.cancel(); return schedule(atUs, action)`, which may reuse `previous`
   * (EventQueue.reschedule()); the endpoint holds no other reference to `previous`.
   */
  reschedule?(previous: TimerHandle | undefined, atUs: number, action: () => void): TimerHandle;
  transmit(segment: CapturedSegment): void;
  trace(event: TraceEvent): void;
}

/** What the application on top of an endpoint wants to hear about. */
export interface EndpointApplication {
  onEstablished(): void;
  /** The application has read `totalRead` bytes so far. */
  onRead(totalRead: number): void;
  /** The peer's FIN arrived and every byte before it has been read. */
  onPeerClosed(): void;
  /** The connection is gone (closed, reset, or given up). */
  onClosed(reason: string): void;
}

export interface EndpointConfig {
  side: Side;
  connection: number;
  iss: number;
  /** MSS option announced in the SYN. */
  mss: number;
  /** Window scale shift offered in the SYN, or -1 to offer none. */
  wscale: number;
  sack: boolean;
  timestamps: boolean;
  /** Offset added to the millisecond clock for TSval. */
  tsOffset: number;
  /** Receive buffer, bytes. */
  receiveBuffer: number;
  /** Application read rate, bytes per second (Infinity: reads at once). */
  readerRate: number;
  /** The application reads every this many microseconds when it has a finite rate. */
  readTickUs: number;
  congestion: CongestionAlgorithm;
  initialRtoUs: number;
  minRtoUs: number;
  maxRtoUs: number;
  delayedAckUs: number;
  /** Segments acknowledged at once in quick-ACK mode (Linux TCP_MAX_QUICKACKS = 16). */
  quickAcks: number;
  synRetries: number;
  dataRetries: number;
  timeWaitUs: number;
  /** Record trace events. */
  tracing: boolean;
  // --- rack: sender loss detection and recovery switches (issue 12) ---
  /**
   * RACK-TLP (RFC 8985; Linux net.ipv4.tcp_recovery=1, tcp_early_retrans=3): time-based loss marking,
   * lost-retransmission detection and tail loss probes, with SACK. Off: RFC 6675 duplicate-ACK counting.
   */
  rack: boolean;
  /** Proportional Rate Reduction in fast recovery (RFC 6937, PRR-SSRB as Linux tcp_cwnd_reduction()). */
  prr: boolean;
  /** F-RTO (RFC 5682, Linux tcp_frto=2) and Eifel timestamp undo (RFC 3522) of spurious timeouts. */
  frto: boolean;
  // --- end rack ---
  // --- rcv: receiver and write behaviour ---
  /**
   * The receive window as Linux computes it, with or without auto-tuning (receive-window.ts); undefined:
   * a fixed `receiveBuffer`, all of it offered (the window is the free space, `--rwnd`).
   */
  linuxWindow?: LinuxReceiveWindowConfig | undefined;
  /** Linux's quick-ACK mode (at the first data, after out-of-order data, while the window grows). */
  quickAck?: boolean;
  /** PSH on the segment that ends each application write (Linux tcp_push()); false: only on a segment that empties the send queue. */
  pushPerWrite?: boolean;
  /** Ask for ECN in the SYN (RFC 3168); a server always accepts when asked (Linux tcp_ecn = 2). */
  ecn?: boolean;
  /**
   * Linux's receiver with out-of-order data (with `quickAck: true`): SACK compression
   * (sack-compression.ts), no quick-ACK mode for out-of-order data, rcv_ssthresh and the auto-tuned
   * buffer growing with the held data (tcp_data_queue_ofo()). Off or undefined: every out-of-order
   * segment is answered at once and starts quick-ACK mode.
   */
  sackCompression?: boolean;
  // --- end rcv ---
}

interface TxSegment {
  start: number;
  end: number;
  fin: boolean;
  ordinal: number;
  sacked: boolean;
  lost: boolean;
  /** Retransmitted in the current recovery episode. */
  rexmit: boolean;
  retransmissions: number;
  sentUs: number;
  /** --- rack: order of the latest transmission (RACK's "sent after", exact where times are equal). */
  xmitOrder: number;
}

interface OutOfOrderRange {
  start: number;
  end: number;
  stamp: number;
}

type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

const MAX_SACK_BLOCKS_WITH_TS = 3;
const MAX_SACK_BLOCKS = 4;
const DUP_THRESH = 3;
// --- rack: RACK-TLP constants ---
/** Linux TCP_TIMEOUT_MIN (2 jiffies at HZ=1000): added to the reordering timer and to a multi-segment PTO. */
const TIMEOUT_MIN_US = 2_000;
/** The least probe timeout (RFC 8985's 10 ms floor as in the TLP draft; Linux rounds to jiffies). */
const MIN_PTO_US = 10_000;
// --- end rack ---

export class Endpoint {
  state: TcpState = 'CLOSED';
  /** When TIME-WAIT ends (microseconds), once entered. */
  timeWaitUntilUs: number | undefined;
  closeReason: string | undefined;
  /** Counters for the summary. */
  readonly stats = {
    segmentsSent: 0,
    dataSegmentsSent: 0,
    retransmissions: 0,
    bytesSent: 0,
    zeroWindowProbes: 0,
  };

  // ---- negotiated
  private peerIss = 0;
  private peerMss = 536;
  private peerWscale = -1;
  private sackOk = false;
  private tsOk = false;
  private effectiveMss = 536;
  private sendShift = 0; // shift applied to windows the peer advertises
  private receiveShift = 0; // shift we apply to windows we advertise
  /** 2 ** sendShift and 2 ** receiveShift, kept with the shifts (no Math.pow per segment). */
  private sendScale = 1;
  private receiveUnit = 1;

  // ---- sender
  private appData: PayloadSource = EMPTY_PAYLOAD;
  private written = false;
  private closeRequested = false;
  private finSent = false;
  private sndUna = 0;
  private sndNxt = 0;
  private sndMax = 0;
  private sndWndRight = 0;
  private maxSndWnd = 0;
  private lastPeerWindowRaw = -1;
  private readonly tx: TxSegment[] = [];
  private txHead = 0;
  private ordinal = 0;
  private sackedBytes = 0;
  private lostBytes = 0;
  private rexmitBytes = 0;
  private readonly lastAckSack: Array<[number, number]> = [];
  private cc: CongestionControl;
  private recovery: RecoveryState = 'open';
  private recoverPoint = 0;
  private dupAcks = 0;
  private srttUs = 0;
  private rttvarUs = 0;
  private rtoUs: number;
  private backoff = 0;
  private rtoTimer: TimerHandle | undefined;
  private persistTimer: TimerHandle | undefined;
  private persistBackoff = 0;
  private synRetransmitted = false;
  private synSentUs = 0;
  private synTransmissions = 0;
  // --- rack: RACK-TLP, PRR and F-RTO state ---
  /** When the RTO timer is due (microseconds), while armed. */
  private rtoDueUs = 0;
  /** RACK.xmit_ts (as a transmission order number) and RACK.rtt: the latest sent segment known delivered. */
  private rackXmitOrder = -1;
  private xmitCounter = 0;
  private rackRttUs = 0;
  private minRttUs = Number.POSITIVE_INFINITY;
  private reoTimer: TimerHandle | undefined;
  private tlpTimer: TimerHandle | undefined;
  private tlpTimerAtUs = 0;
  private tlpDueUs = 0;
  /** TLPRxtOut of RFC 8985 / Linux tlp_high_seq: snd.nxt when the outstanding probe was sent (0: none). */
  private tlpHighSeq = 0;
  private tlpRetrans = false;
  private sackedSegments = 0;
  /** Per ACK being processed: bytes newly acked or SACKed, newly SACKed, newly marked lost. */
  private ackDelivered = 0;
  private ackSacked = 0;
  private ackNewlyLost = 0;
  /** Per ACK: never-retransmitted data sent before the timeout was (s)acked (Linux FLAG_ORIG_SACK_ACKED). */
  private ackOrigDelivered = false;
  private ackTsecr: number | undefined;
  private prrDelivered = 0;
  private prrOut = 0;
  /** RFC 6937 RecoverFS: as Linux, the cwnd when the reduction started (tp->prior_cwnd). */
  private recoverFs = 0;
  private prrEnteredThisAck = false;
  private frtoActive = false;
  private frtoSendNew = false;
  private undoArmed = false;
  private priorCwnd = 0;
  /** Bytes this ACK newly acknowledged in the open state; cwnd grows by them after loss detection. */
  private pendingGrowth = 0;
  private priorSsthresh = 0;
  /** TSval of the first retransmission of the episode (Linux retrans_stamp), -1 when none. */
  private retransStampTs = -1;
  // --- end rack ---

  // ---- receiver
  private rcvNxt = 0;
  /**
   * The right edge of the receive window as we mean it (RCV.NXT + RCV.WND of RFC 9293): it stays put
   * until it can move by at least min(RCV.BUFF/2, MSS) (receiver SWS avoidance, RFC 1122 4.2.3.3).
   */
  private rcvWndRight = 0;
  /** The furthest right edge the window field has ever promised (scaled, so up to one unit past rcvWndRight). */
  private rcvAdvRight = 0;
  private lastSentAck = -1;
  private lastSentWindowRaw = -1;
  private lastAdvertised = 0;
  private unread = 0;
  private totalRead = 0;
  private totalReceived = 0;
  private ooo: OutOfOrderRange[] = [];
  private oooBytes = 0;
  private oooStamp = 0;
  private peerFinOff = -1;
  private peerFinConsumed = false;
  private peerClosedNotified = false;
  private tsRecent = 0;
  private ackNow = false;
  private delackTimer: TimerHandle | undefined;
  /** The delayed-ACK timer last cancelled, for the host to reuse when the next one is armed. */
  private cancelledDelack: TimerHandle | undefined;
  private quickAcksLeft = 0;
  private lastAckedRcvNxt = 0;
  private readTimer: TimerHandle | undefined;
  private readCarry = 0;
  private probeAnswerOwed = false;
  private inReceive = false;
  /** Data arrived since the last ACK (Linux inet_csk_ack_scheduled(): the next ACK uses a quick ACK). */
  private ackScheduled = false;
  /** Linux's SACK compression and its timer (undefined: every out-of-order segment is answered at once). */
  private readonly sackCompression: SackCompression | undefined;
  private compressedAckTimer: TimerHandle | undefined;
  /** The RTT the handshake showed (Linux's first srtt sample, tcp_synack_rtt_meas() on a server). */
  private handshakeRttUs = 0;
  // --- rcv: receiver window, quick-ACK, push points, ECN ---
  /** Linux's receive window (undefined: the fixed buffer of `--rwnd`). */
  private readonly linuxWindow: LinuxReceiveWindow | undefined;
  /** A data segment arrived already (Linux: icsk_ack.ato set); when the last one came. */
  private dataSeen = false;
  private lastDataUs = 0;
  /** Offsets at which application writes end (PSH goes on the segment ending there), ascending. */
  private readonly pushPoints: number[] = [];
  /** ECN negotiated (RFC 3168 6.1.1). */
  private ecnOk = false;
  /** Receiver: a CE mark arrived; ECE on every segment until the peer's CWR (TCP_ECN_DEMAND_CWR). */
  private ecnDemandCwr = false;
  /** Sender: CWR goes on the next new data segment (TCP_ECN_QUEUE_CWR). */
  private ecnQueueCwr = false;
  /** Sender: reduced for ECE and not yet past `ecnHighSeq` (Linux's CWR state: once per window). */
  private ecnReducing = false;
  private ecnHighSeq = 0;
  /** Counters for tests and the summary. */
  readonly ecnStats = { ceReceived: 0, eceReceived: 0, reductions: 0 };
  // --- end rcv ---

  constructor(
    readonly config: EndpointConfig,
    private readonly host: EndpointHost,
    private readonly app: EndpointApplication,
  ) {
    this.rtoUs = config.initialRtoUs;
    this.cc = createCongestionControl(config.congestion, 536, 536);
    // --- rcv ---
    this.linuxWindow = config.linuxWindow ? new LinuxReceiveWindow(config.linuxWindow) : undefined;
    this.sackCompression =
      config.sackCompression === true && config.quickAck === true ? new SackCompression() : undefined;
    // --- end rcv ---
  }

  // ================================================================ application calls

  /** Active open: send a SYN. */
  connect(): void {
    this.state = 'SYN_SENT';
    this.sndUna = 0;
    this.sndNxt = 1;
    this.sndMax = 1;
    this.sendSyn();
    this.traceEvent('state');
  }

  /** Passive open. */
  listen(): void {
    this.state = 'LISTEN';
  }

  /** Queue bytes this side sends; later writes (a conversation) append, until close(). */
  write(data: Uint8Array | PayloadSource): void {
    if (this.closeRequested) throw new Error('Endpoint.write: called after close');
    const source = payloadSource(data);
    if (!this.written) this.appData = source;
    else {
      const chain = this.appData instanceof ChainedPayload ? this.appData : new ChainedPayload();
      if (chain !== this.appData) chain.append(this.appData);
      chain.append(source);
      this.appData = chain;
    }
    this.written = true;
    // --- rcv: Linux tcp_push() at the end of each sendmsg marks the segment that ends the write ---
    if (source.length > 0) this.pushPoints.push(this.finOffset());
    // --- end rcv ---
    this.kick();
  }

  /** Close after everything written has been sent (a FIN follows the data). */
  close(): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    this.kick();
  }

  /** Abortive close: send a RST now and forget the connection. */
  abort(): void {
    if (this.state === 'CLOSED' || this.state === 'LISTEN') return;
    this.emit(this.sndNxt, TCP_RST | TCP_ACK, 0, 0, 'reset');
    this.teardown('reset sent');
  }

  get bytesRead(): number {
    return this.totalRead;
  }
  get bytesReceived(): number {
    return this.totalReceived;
  }
  get allDataAcked(): boolean {
    return this.written && this.sndUna >= 1 + this.appData.length;
  }
  get isClosed(): boolean {
    return this.state === 'CLOSED' || this.state === 'TIME_WAIT';
  }

  // ================================================================ segment input

  receive(segment: CapturedSegment): void {
    if (this.state === 'CLOSED') return;
    const flags = segment.flags;
    if (flags & TCP_RST) {
      this.teardown('reset received');
      return;
    }
    if (this.state === 'LISTEN') {
      if (flags & TCP_SYN && !(flags & TCP_ACK)) this.acceptSyn(segment);
      return;
    }
    if (this.state === 'SYN_SENT') {
      if (flags & TCP_SYN && flags & TCP_ACK && (segment.ack - this.config.iss) >>> 0 === 1) {
        this.completeActiveOpen(segment);
      }
      return;
    }
    if (flags & TCP_SYN) {
      // A retransmitted SYN (our SYN-ACK was lost) or SYN-ACK (our ACK was lost).
      if (this.state === 'SYN_RECEIVED' && !(flags & TCP_ACK)) {
        this.sendSyn();
      } else {
        this.ackNow = true;
        this.flushAck();
      }
      return;
    }

    this.inReceive = true;
    if (this.config.timestamps && this.tsOk && segment.tsval !== undefined) {
      const off = this.offsetOf(segment.seq, this.peerIss, this.rcvNxt);
      if (off <= this.rcvNxt) this.tsRecent = segment.tsval;
    }
    const peerFinArrived = this.receiveData(segment);
    if (flags & TCP_ACK) this.processAck(segment);
    if (this.state === 'SYN_RECEIVED' && this.sndUna >= 1) {
      this.setState('ESTABLISHED');
      this.onEstablishedReceiver();
      this.app.onEstablished();
    }
    if (peerFinArrived) this.onPeerFin();
    this.maybeNotifyPeerClosed();
    this.inReceive = false;
    this.trySend();
    this.flushAck();
  }

  // ================================================================ handshake

  private acceptSyn(segment: CapturedSegment): void {
    this.peerIss = segment.seq;
    this.rcvNxt = 1;
    this.readPeerSynOptions(segment);
    this.readPeerSynEcn(segment); // --- rcv ---
    this.state = 'SYN_RECEIVED';
    this.sndUna = 0;
    this.sndNxt = 1;
    this.sndMax = 1;
    this.sndWndRight = segment.window; // SYN windows are never scaled
    this.lastPeerWindowRaw = segment.window;
    this.maxSndWnd = segment.window;
    if (segment.tsval !== undefined) this.tsRecent = segment.tsval;
    this.sendSyn();
    this.traceEvent('state');
  }

  private completeActiveOpen(segment: CapturedSegment): void {
    this.peerIss = segment.seq;
    this.rcvNxt = 1;
    // The window our SYN offered starts at the peer's first sequence number, known only now.
    this.rcvWndRight = this.rcvNxt + this.lastAdvertised;
    this.rcvAdvRight = this.rcvWndRight;
    this.readPeerSynOptions(segment);
    this.readPeerSynEcn(segment); // --- rcv ---
    if (segment.tsval !== undefined) this.tsRecent = segment.tsval;
    this.sndUna = 1;
    this.sndWndRight = 1 + segment.window;
    this.lastPeerWindowRaw = segment.window;
    this.maxSndWnd = segment.window;
    if (!this.synRetransmitted) this.rttSample(this.host.now() - this.synSentUs);
    this.backoff = 0;
    this.rtoTimer?.cancel();
    this.rtoTimer = undefined;
    this.setState('ESTABLISHED');
    this.onEstablishedReceiver();
    this.ackNow = true;
    this.flushAck();
    this.app.onEstablished();
  }

  private readPeerSynOptions(segment: CapturedSegment): void {
    const c = this.config;
    this.peerMss = segment.mss ?? 536;
    this.sackOk = c.sack && segment.sackOk === true;
    this.tsOk = c.timestamps && segment.tsval !== undefined;
    const bothScale = c.wscale >= 0 && segment.wscale !== undefined;
    this.peerWscale = bothScale ? segment.wscale! : -1;
    this.sendShift = bothScale ? Math.min(segment.wscale!, 14) : 0;
    this.receiveShift = bothScale ? c.wscale : 0;
    this.sendScale = 2 ** this.sendShift;
    this.receiveUnit = 2 ** this.receiveShift;
    this.effectiveMss = Math.min(this.peerMss, c.mss) - (this.tsOk ? 12 : 0);
    const iw = initialWindowBytes(this.effectiveMss, this.synRetransmitted);
    this.cc = createCongestionControl(c.congestion, this.effectiveMss, iw);
  }

  private initialQuickAcks(): number {
    const perWindow = Math.floor(this.config.receiveBuffer / (2 * this.effectiveMss));
    return Math.min(this.config.quickAcks, Math.max(2, perWindow));
  }

  // --- rcv: receiver start, quick-ACK mode, ECN negotiation ---
  /** The handshake is complete: tcp_init_buffer_space(); quick ACKs wait for the first data (Linux). */
  private onEstablishedReceiver(): void {
    this.handshakeRttUs = this.host.now() - this.synSentUs;
    if (this.linuxWindow) {
      this.linuxWindow.onEstablished(this.host.now(), this.effectiveMss, this.totalRead, this.lastAdvertised);
    }
    if (this.config.quickAck === false) this.quickAcksLeft = 0;
    else if (this.config.quickAck === undefined) this.quickAcksLeft = this.initialQuickAcks();
  }

  /**
   * Linux tcp_incr_quickack(): up to rcv_wnd / (2 * rcv_mss) quick ACKs (2 if that is 0), at most `max`,
   * never fewer than are left.
   */
  private incrQuickAck(max: number): void {
    if (this.config.quickAck !== true) return;
    const perWindow = Math.floor(this.lastAdvertised / (2 * this.effectiveMss)) || 2;
    this.quickAcksLeft = Math.max(this.quickAcksLeft, Math.min(perWindow, max));
  }

  /**
   * An in-order data segment of `len` bytes is queued: Linux tcp_event_data_recv() (quick ACKs at the
   * first data and after a gap longer than the RTO, tcp_grow_window()) and the receiver's RTT sample.
   */
  private onInOrderData(segment: CapturedSegment, len: number): void {
    const now = this.host.now();
    if (this.config.quickAck === true) {
      if (!this.dataSeen || now - this.lastDataUs > this.rtoUs) this.incrQuickAck(this.config.quickAcks);
    }
    this.dataSeen = true;
    this.lastDataUs = now;
    const window = this.linuxWindow;
    if (!window) return;
    if (this.tsOk && segment.tsecr !== undefined) {
      const nowTs = (Math.floor(now / 1000) + this.config.tsOffset) >>> 0;
      window.onTimestampEcho(segment.tsecr, nowTs, len, this.effectiveMss);
    } else {
      window.onDataWithoutTimestamps(this.rcvNxt, this.lastAdvertised, now);
    }
    const held = this.unread + this.oooBytes + len;
    if (window.onDataQueued(len, held, this.effectiveMss) && this.config.quickAck === true) {
      this.quickAcksLeft = Math.max(this.quickAcksLeft, 1); // icsk_ack.quick |= 1
    }
  }

  /** RFC 3168 6.1.1: a SYN asks with ECE and CWR; a SYN-ACK agrees with ECE alone. */
  private readPeerSynEcn(segment: CapturedSegment): void {
    const ece = (segment.flags & TCP_ECE) !== 0;
    const cwr = (segment.flags & TCP_CWR) !== 0;
    if (this.config.side === 'server') this.ecnOk = ece && cwr;
    else this.ecnOk = this.config.ecn === true && ece && !cwr;
  }

  /** The receiver's half of RFC 3168 6.1.3: CWR ends the echo, a CE mark starts it. */
  private receiveEcn(segment: CapturedSegment, len: number): void {
    if (!this.ecnOk) return;
    if (segment.flags & TCP_CWR) {
      this.ecnDemandCwr = false;
      if (len > 0) this.ackNow = true; // the sender's cwnd may be tiny: ACK at once (Linux)
    }
    if (len > 0 && segment.ecn === ECN_CE) {
      this.ecnStats.ceReceived++;
      if (!this.ecnDemandCwr) {
        // Linux tcp_ecn_check_ce(): do not delay ACKs now, the sender may have a very low cwnd.
        this.incrQuickAck(2);
        this.ecnDemandCwr = true;
      }
    }
  }

  /** The sender's half: ECE reduces cwnd once per window of data (Linux tcp_enter_cwr()). */
  private onEcnEcho(ackOff: number): void {
    if (!this.ecnOk) return;
    if (this.ecnReducing && ackOff > this.ecnHighSeq) this.ecnReducing = false;
    if (this.recovery !== 'open' || this.ecnReducing) return;
    this.ecnStats.eceReceived++;
    this.ecnStats.reductions++;
    this.cc.onCongestionEvent(this.flightSize(), this.host.now());
    this.cc.cwnd = Math.max(this.cc.ssthresh, this.effectiveMss);
    this.ecnReducing = true;
    this.ecnHighSeq = this.sndMax;
    this.ecnQueueCwr = true;
    this.traceEvent('ecn-reduction');
  }
  // --- end rcv ---

  private sendSyn(): void {
    const c = this.config;
    const isServer = this.state === 'SYN_RECEIVED';
    this.synTransmissions++;
    if (this.synTransmissions > 1) {
      this.synRetransmitted = true;
      this.stats.retransmissions++;
    }
    this.synSentUs = this.host.now();
    let flags = isServer ? TCP_SYN | TCP_ACK : TCP_SYN;
    // --- rcv: RFC 3168 6.1.1: an ECN-setup SYN (ECE, CWR), an ECN-setup SYN-ACK (ECE) ---
    if (!isServer && c.ecn === true) flags |= TCP_ECE | TCP_CWR;
    if (isServer && this.ecnOk) flags |= TCP_ECE;
    // --- end rcv ---
    const note = `${isServer ? 'SYN-ACK' : 'SYN'}${this.synTransmissions > 1 ? ` retransmission #${this.synTransmissions - 1}` : ''}`;
    this.emit(0, flags, 0, 0, note, true);
    if (this.synTransmissions > c.synRetries + 1) {
      this.teardown('handshake timed out');
      return;
    }
    const timeout = Math.min(c.initialRtoUs * 2 ** (this.synTransmissions - 1), c.maxRtoUs);
    this.rtoTimer?.cancel();
    this.rtoTimer = this.host.schedule(this.host.now() + timeout, () => {
      this.rtoTimer = undefined;
      if (this.state === 'SYN_SENT' || this.state === 'SYN_RECEIVED') {
        this.traceEvent('rto');
        this.sendSyn();
      }
    });
  }

  // ================================================================ receiver

  /** Handles the data and FIN of a segment. Returns true when the peer's FIN was consumed now. */
  private receiveData(segment: CapturedSegment): boolean {
    const off = this.offsetOf(segment.seq, this.peerIss, this.rcvNxt);
    const len = segment.payload.length;
    const fin = (segment.flags & TCP_FIN) !== 0;
    if (len === 0 && !fin) return false;
    if (fin && this.peerFinOff < 0) this.peerFinOff = off + len;
    const end = off + len + (fin ? 1 : 0);
    this.receiveEcn(segment, len); // --- rcv ---

    if (end <= this.rcvNxt) {
      // Entirely old: a retransmission of something we have. Acknowledge at once.
      this.ackNow = true;
      this.incrQuickAck(this.config.quickAcks); // --- rcv: Linux tcp_enter_quickack_mode() ---
      return false;
    }
    if (segment.probe === true) {
      // The probe's byte is never taken (Linux's probes carry none). While our window is closed the
      // answer goes at once (tshark: zero window probe ACK). If it has reopened, the probe crossed our
      // window update or the update was lost: the window goes with the next ACK we owe, at the latest
      // when the delayed-ACK timer fires, so a crossing probe does not draw a duplicate ACK.
      if (this.lastSentWindowRaw === 0) this.ackNow = true;
      else this.oweProbeAnswer();
      return false;
    }
    if (len > 0 && off >= this.rcvNxt && off >= this.rcvAdvRight) {
      // Beyond the window: not acceptable; answer with an ACK.
      this.ackNow = true;
      return false;
    }
    if (len > 0) this.ackScheduled = true;
    if (off > this.rcvNxt && this.sackCompression) {
      if (len > 0) {
        this.addOutOfOrder(off, off + len);
        this.onOutOfOrderLinux(len);
      }
      this.ackForOutOfOrder();
      return false;
    }
    if (off > this.rcvNxt) {
      if (len > 0) this.addOutOfOrder(off, off + len);
      this.ackNow = true;
      // --- rcv: quick-ACK mode after out-of-order data ---
      if (this.config.quickAck === undefined)
        this.quickAcksLeft = Math.max(this.quickAcksLeft, this.config.quickAcks);
      else this.incrQuickAck(this.config.quickAcks);
      // --- end rcv ---
      return false;
    }
    // In order (possibly overlapping what we already have).
    const hadOoo = this.ooo.length > 0;
    const dataEnd = off + len;
    if (len > 0 && dataEnd > this.rcvNxt) this.onInOrderData(segment, dataEnd - this.rcvNxt); // --- rcv ---
    if (dataEnd > this.rcvNxt) this.deliver(dataEnd - this.rcvNxt);
    this.rcvNxt = Math.max(this.rcvNxt, dataEnd);
    while (this.ooo.length > 0 && this.ooo[0]!.start <= this.rcvNxt) {
      const range = this.ooo.shift()!;
      this.oooBytes -= range.end - range.start;
      if (range.end > this.rcvNxt) {
        this.deliver(range.end - this.rcvNxt);
        this.rcvNxt = range.end;
      }
    }
    let finConsumed = false;
    if (!this.peerFinConsumed && this.peerFinOff >= 0 && this.rcvNxt === this.peerFinOff) {
      this.rcvNxt += 1;
      this.peerFinConsumed = true;
      finConsumed = true;
      this.ackNow = true;
    }
    if (hadOoo) this.ackNow = true;
    if (len > 0) this.scheduleAckForData();
    return finConsumed;
  }

  /**
   * Linux tcp_data_queue_ofo() for a SACK flow: no quick-ACK mode, but rcv_ssthresh grows as for
   * in-order data (tcp_grow_window(), `quick |= 1` when it does) and so may the buffer
   * (tcp_rcvbuf_grow(), 6.16+).
   */
  private onOutOfOrderLinux(len: number): void {
    const window = this.linuxWindow;
    if (!window || !this.sackOk) return;
    if (window.onDataQueued(len, this.unread + this.oooBytes, this.effectiveMss)) {
      this.quickAcksLeft = Math.max(this.quickAcksLeft, 1);
    }
    const last = this.ooo[this.ooo.length - 1];
    if (last) window.onOutOfOrder(last.end - this.rcvNxt);
  }

  /** Linux __tcp_ack_snd_check() while out-of-order data is held (SACK compression). */
  private ackForOutOfOrder(): void {
    const compression = this.sackCompression;
    if (
      !compression ||
      this.quickAcksLeft > 0 ||
      !this.sackOk ||
      (this.rcvNxt - this.lastAckedRcvNxt > this.effectiveMss && this.windowKeepsUp())
    ) {
      this.ackNow = true;
      return;
    }
    const decision = compression.decide(this.rcvNxt);
    if (decision === 'send-now') {
      this.ackNow = true;
      return;
    }
    if (decision === 'held') return;
    // The receiver's RTT estimate (rcv_rtt_est) lives in the Linux window model; with a fixed buffer
    // (--rwnd) the model keeps none and the smoothed RTT stands in for it, or, for a pure receiver
    // with no data RTT sample yet, the handshake's (Linux samples it too, tcp_synack_rtt_meas()).
    const srtt = this.srttUs > 0 ? this.srttUs : this.handshakeRttUs;
    const receiverRtt = this.linuxWindow ? this.linuxWindow.rttUs : srtt;
    const delay = compression.delayUs(receiverRtt, srtt);
    this.compressedAckTimer = this.host.schedule(this.host.now() + delay, () => {
      this.compressedAckTimer = undefined;
      if (compression.onTimer() && this.state !== 'CLOSED') {
        this.ackNow = true;
        this.flushAck('compressed SACK');
      }
    });
  }

  private addOutOfOrder(start: number, end: number): void {
    this.oooStamp++;
    let i = 0;
    while (i < this.ooo.length && this.ooo[i]!.end < start) i++;
    let merged: OutOfOrderRange = { start, end, stamp: this.oooStamp };
    let added = end - start;
    while (i < this.ooo.length && this.ooo[i]!.start <= merged.end) {
      const r = this.ooo[i]!;
      added -= Math.max(0, Math.min(r.end, merged.end) - Math.max(r.start, merged.start));
      merged = {
        start: Math.min(r.start, merged.start),
        end: Math.max(r.end, merged.end),
        stamp: this.oooStamp,
      };
      this.ooo.splice(i, 1);
    }
    this.ooo.splice(i, 0, merged);
    this.oooBytes += Math.max(0, added);
  }

  private deliver(bytes: number): void {
    this.totalReceived += bytes;
    this.unread += bytes;
    if (this.config.readerRate === Number.POSITIVE_INFINITY) {
      // --- rcv: with Linux's window the application reads once the segment has been processed (and
      // ACKed, with the window the unread data leaves), as a woken reader does; tcp_cleanup_rbuf() may
      // then announce the window it freed (tshark: a window update, e.g. after a hole is filled) ---
      if (this.linuxWindow && this.inReceive) this.readSoon();
      else this.readNow(this.unread);
      // --- end rcv ---
    } else {
      this.armReader();
    }
  }

  // --- rcv ---
  private readPending = false;
  private readSoon(): void {
    if (this.readPending) return;
    this.readPending = true;
    this.host.schedule(this.host.now(), this.readSoonAction);
  }

  private readonly readSoonAction = (): void => {
    this.readPending = false;
    if (this.state === 'CLOSED') return;
    this.readNow(this.unread);
    this.maybeNotifyPeerClosed();
    this.trySend();
    this.flushAck();
  };
  // --- end rcv ---

  private readNow(bytes: number): void {
    if (bytes <= 0) return;
    this.unread -= bytes;
    this.totalRead += bytes;
    // --- rcv: tcp_rcv_space_adjust() after each read, then tcp_cleanup_rbuf()'s window update ---
    const window = this.linuxWindow;
    if (window) {
      if (window.onRead(this.totalRead, this.host.now(), this.effectiveMss) && this.config.tracing) {
        this.traceEvent('rcvbuf', { note: `receive buffer ${window.buffer}` });
      }
      if (this.config.readerRate === Number.POSITIVE_INFINITY) this.maybeSendWindowUpdate();
    }
    // --- end rcv ---
    this.app.onRead(this.totalRead);
  }

  private armReader(): void {
    if (this.readTimer || this.unread <= 0) return;
    const tick = this.config.readTickUs;
    this.readTimer = this.host.schedule(this.host.now() + tick, () => {
      this.readTimer = undefined;
      const budget = (this.config.readerRate * tick) / 1e6 + this.readCarry;
      const bytes = Math.min(this.unread, Math.floor(budget));
      this.readCarry = this.unread > bytes ? budget - bytes : 0;
      this.readNow(bytes);
      if (this.config.tracing && bytes > 0) this.traceEvent('read');
      this.maybeSendWindowUpdate();
      this.maybeNotifyPeerClosed();
      this.armReader();
      if (!this.inReceive) this.trySend();
    });
  }

  /**
   * Linux tcp_cleanup_rbuf(): after reading, announce a window that at least doubled. With receiver SWS
   * avoidance a closed window reopens only once at least min(RCV.BUFF/2, MSS) is free.
   */
  private maybeSendWindowUpdate(): void {
    if (this.state === 'CLOSED' || this.state === 'LISTEN' || this.state === 'SYN_SENT') return;
    if (this.peerFinConsumed) return;
    const current = Math.max(0, this.rcvWndRight - this.rcvNxt);
    // --- rcv: with Linux's window the test is against window_clamp and __tcp_select_window() ---
    const window = this.linuxWindow;
    if (2 * current > (window ? window.windowClamp : this.config.receiveBuffer)) return;
    const fresh = window
      ? window.selectWindow(this.unread + this.oooBytes, this.effectiveMss, this.receiveShift)
      : this.selectWindow() - this.rcvNxt;
    // --- end rcv ---
    if (fresh > 0 && fresh >= 2 * current) {
      this.ackNow = true;
      this.flushAck('window update');
    }
  }

  private scheduleAckForData(): void {
    if (this.ackNow) return;
    if (this.quickAcksLeft > 0) {
      // --- rcv: Linux counts quick ACKs as they are sent (tcp_dec_quickack_mode(), see emit()) ---
      if (this.config.quickAck === undefined) this.quickAcksLeft--;
      // --- end rcv ---
      this.ackNow = true;
      return;
    }
    // Linux __tcp_ack_snd_check(): more than one full segment unacknowledged -> ACK now (with Linux's
    // window, only if the window it would offer is no smaller than the one offered last).
    if (this.rcvNxt - this.lastAckedRcvNxt > this.effectiveMss && this.windowKeepsUp()) {
      this.ackNow = true;
      return;
    }
    this.armDelayedAck();
  }

  // --- rcv ---
  /** __tcp_select_window() >= rcv_wnd: the right edge would not move back (always true with --rwnd). */
  private windowKeepsUp(): boolean {
    const window = this.linuxWindow;
    if (!window) return true;
    const offer = window.selectWindow(this.unread + this.oooBytes, this.effectiveMss, this.receiveShift);
    return offer >= this.lastAdvertised;
  }
  // --- end rcv ---

  private armDelayedAck(): void {
    if (this.delackTimer) return;
    const previous = this.cancelledDelack;
    this.cancelledDelack = undefined;
    this.delackTimer = this.rescheduleTimer(
      previous,
      this.host.now() + this.config.delayedAckUs,
      this.delayedAckAction,
    );
  }

  /** Cancels the delayed-ACK timer (an ACK went out), keeping the handle for the next armDelayedAck(). */
  private cancelDelayedAck(): void {
    const timer = this.delackTimer;
    if (timer === undefined) return;
    timer.cancel();
    this.cancelledDelack = timer;
    this.delackTimer = undefined;
  }

  /** `previous?.cancel(); schedule(atUs, action)`, through the host's reschedule() when it has one. */
  private rescheduleTimer(previous: TimerHandle | undefined, atUs: number, action: () => void): TimerHandle {
    const host = this.host;
    if (host.reschedule !== undefined) return host.reschedule(previous, atUs, action);
    previous?.cancel();
    return host.schedule(atUs, action);
  }

  private readonly delayedAckAction = (): void => {
    this.delackTimer = undefined;
    if ((this.rcvNxt > this.lastAckedRcvNxt || this.probeAnswerOwed) && this.state !== 'CLOSED') {
      this.ackNow = true;
      this.flushAck();
    }
  };

  /** A probe found the window open: answer with the next ACK, or after the delayed-ACK timeout. */
  private oweProbeAnswer(): void {
    this.probeAnswerOwed = true;
    this.armDelayedAck();
  }

  /** Sends a pure ACK if one is owed and no other segment carried it. */
  private flushAck(note?: string): void {
    if (!this.ackNow || this.state === 'CLOSED' || this.inReceive) return;
    this.emit(this.sndNxt, TCP_ACK, 0, 0, note);
  }

  /** min(RCV.BUFF/2, MSS): the least the right edge of our window moves by (RFC 1122 4.2.3.3, Fr = 1/2). */
  private windowStep(): number {
    return Math.max(1, Math.min(Math.floor(this.config.receiveBuffer / 2), this.effectiveMss));
  }

  /**
   * The window for a non-SYN segment, as Linux __tcp_select_window() with receiver SWS avoidance
   * (RFC 1122 4.2.3.3, RFC 9293 3.8.6.2.2):
   *  - with at least half the buffer free, the window is the free space (its right edge never moves back);
   *  - under pressure the right edge stays where it is unless it can move by at least windowStep(), and
   *    then to the free space rounded down to whole segments (zero when less than one MSS is free).
   *    The sender's full segments fill such a window exactly, so a reader that falls behind closes it to
   *    exactly zero, and it reopens by at least one MSS.
   * The raw field is rounded up to the scale unit, like Linux's ALIGN(), so a segment's worth is never
   * scaled away; the edge we keep is the exact one, so once the sender has filled it the field says 0
   * even if the rounding had promised a few bytes more. Under pressure a kept window of less than one
   * scale unit (and less than the step) cannot be said exactly and is too small to use, so it is closed
   * too. Both are retractions by less than one scale unit, which RFC 7323 (section 2.4, appendix F)
   * expects senders to take.
   */
  /** Chooses the window (see selectedRaw, selectedBytes); returns its right edge. */
  private selectWindow(): number {
    const unit = this.receiveUnit;
    // --- rcv: Linux tcp_select_window(): __tcp_select_window(), never shrinking what was offered ---
    const linux = this.linuxWindow;
    if (linux) {
      let bytes = linux.selectWindow(this.unread + this.oooBytes, this.effectiveMss, this.receiveShift);
      const current = Math.max(0, this.rcvWndRight - this.rcvNxt);
      if (bytes < current) bytes = Math.ceil(current / unit) * unit;
      const raw = Math.min(0xffff, Math.floor(bytes / unit));
      this.selectedRaw = raw;
      this.selectedBytes = raw * unit;
      this.selectedRight = this.rcvNxt + raw * unit;
      return this.selectedRight;
    }
    // --- end rcv ---
    const buffer = this.config.receiveBuffer;
    const free = Math.max(0, buffer - this.unread - this.oooBytes);
    const maxWindow = 0xffff * unit;
    let right = Math.max(this.rcvWndRight, this.rcvNxt);
    if (free >= buffer / 2) {
      right = Math.max(right, this.rcvNxt + Math.min(free, maxWindow));
    } else {
      const step = this.windowStep();
      if (right - this.rcvNxt < Math.min(unit, step)) right = this.rcvNxt;
      const mss = this.effectiveMss;
      const offer = Math.min(Math.floor(free / mss) * mss, maxWindow);
      if (this.rcvNxt + offer - right >= step) right = this.rcvNxt + offer;
    }
    const raw = Math.min(0xffff, Math.ceil((right - this.rcvNxt) / unit));
    this.selectedRaw = raw;
    this.selectedBytes = raw * unit;
    this.selectedRight = right;
    return right;
  }

  /** What the last selectWindow() chose: the raw window field, the bytes it says, the right edge. */
  private selectedRaw = 0;
  private selectedBytes = 0;
  private selectedRight = 0;

  /**
   * The SACK blocks for an ACK as wire sequence numbers: the most recently changed out-of-order
   * ranges first (RFC 2018), at most 3 beside timestamps, else 4; undefined when there are none.
   * Every range has a stamp of its own (each addOutOfOrder() leaves one range with a new stamp), so
   * picking the largest stamps one after another gives the order a sort by stamp would.
   */
  private wireSackBlocks(): Array<[number, number]> | undefined {
    const ooo = this.ooo;
    if (!this.sackOk || ooo.length === 0) return undefined;
    const max = Math.min(this.tsOk ? MAX_SACK_BLOCKS_WITH_TS : MAX_SACK_BLOCKS, ooo.length);
    const base = this.peerIss;
    const blocks: Array<[number, number]> = [];
    let below = Number.POSITIVE_INFINITY;
    for (let k = 0; k < max; k++) {
      let best: OutOfOrderRange | undefined;
      for (let i = 0; i < ooo.length; i++) {
        const range = ooo[i]!;
        if (range.stamp < below && (best === undefined || range.stamp > best.stamp)) best = range;
      }
      if (best === undefined) break;
      // A literal of doubles, then the edges: every block is a PACKED_DOUBLE array whether or not its
      // edges happen to fit a small integer, so the code reading blocks sees one array kind only.
      const block: [number, number] = [0.5, 0.5];
      block[0] = (base + best.start) >>> 0;
      block[1] = (base + best.end) >>> 0;
      blocks.push(block);
      below = best.stamp;
    }
    return blocks;
  }

  private onPeerFin(): void {
    switch (this.state) {
      case 'ESTABLISHED':
        this.setState('CLOSE_WAIT');
        break;
      case 'FIN_WAIT_1':
        this.setState('CLOSING');
        break;
      case 'FIN_WAIT_2':
        this.enterTimeWait();
        break;
      default:
        break;
    }
  }

  private maybeNotifyPeerClosed(): void {
    if (this.peerFinConsumed && !this.peerClosedNotified && this.unread === 0) {
      this.peerClosedNotified = true;
      this.app.onPeerClosed();
    }
  }

  // ================================================================ sender: ACK processing

  private processAck(segment: CapturedSegment): void {
    const ackOff = this.offsetOf(segment.ack, this.config.iss, this.sndUna);
    if (ackOff > this.sndMax) return; // acknowledges something never sent
    const windowRaw = segment.window;
    if (ackOff >= this.sndUna) {
      const right = ackOff + windowRaw * this.sendScale;
      this.sndWndRight = right;
      this.maxSndWnd = Math.max(this.maxSndWnd, windowRaw * this.sendScale);
    }
    if (this.lastAckSack.length > 0) this.lastAckSack.length = 0;
    // --- rack: per-ACK bookkeeping for RACK, PRR and F-RTO ---
    const unaBefore = this.sndUna;
    this.ackDelivered = 0;
    this.ackSacked = 0;
    this.ackNewlyLost = 0;
    this.ackOrigDelivered = false;
    this.prrEnteredThisAck = false;
    this.ackTsecr = segment.tsecr;
    // --- end rack ---
    if (segment.sackBlocks && this.sackOk) {
      const blocks = segment.sackBlocks;
      for (let i = 0; i < blocks.length; i++) {
        const block = blocks[i]!;
        const l = this.offsetOf(block[0], this.config.iss, this.sndUna);
        const r = this.offsetOf(block[1], this.config.iss, this.sndUna);
        if (r > l && r <= this.sndMax) this.lastAckSack.push([l, r]);
      }
      this.markSacked(this.lastAckSack);
    }
    const isDuplicate =
      ackOff === this.sndUna &&
      this.sndMax > this.sndUna &&
      segment.payload.length === 0 &&
      (segment.flags & (TCP_SYN | TCP_FIN)) === 0 &&
      windowRaw === this.lastPeerWindowRaw;
    this.lastPeerWindowRaw = windowRaw;

    if (segment.flags & TCP_ECE)
      this.onEcnEcho(ackOff); // --- rcv ---
    else if (this.ecnReducing && ackOff > this.ecnHighSeq) this.ecnReducing = false; // --- rcv ---
    if (ackOff > this.sndUna) {
      this.onNewAck(ackOff);
    } else if (isDuplicate) {
      this.onDuplicateAck();
    } else if (this.recovery !== 'open' && this.sackOk) {
      // --- rack: F-RTO looks at every ACK in the loss state ---
      if (this.recovery === 'loss') this.frtoOnAck(false, false);
      // --- end rack ---
      if ((this.recovery as RecoveryState) !== 'open') this.updateLost();
    }
    // --- rack: RACK in the open state, PRR in recovery, the loss probe's outcome ---
    this.afterAck(ackOff, ackOff > unaBefore, isDuplicate);
    // --- end rack ---
    if (this.pendingGrowth > 0) {
      if (this.recovery === 'open') this.cc.onNewAck(this.pendingGrowth, this.host.now(), this.srttUs);
      this.pendingGrowth = 0;
    }
    if (this.sndWndRight > this.sndNxt || this.sndNxt < this.sndMax) this.cancelPersist();
    if (this.config.tracing) this.traceEvent('ack', { ack: ackOff });
  }

  /**
   * Whether the window was actually in use, so growing it is justified (RFC 7661's idea, as Linux
   * tcp_is_cwnd_limited()): in slow start while cwnd < 2 * flight, otherwise while the flight filled cwnd
   * to within one segment. A receiver- or application-limited sender keeps its cwnd.
   */
  private cwndLimited(flightBefore: number): boolean {
    if (this.cc.cwnd < this.cc.ssthresh) return this.cc.cwnd < 2 * flightBefore;
    return flightBefore + this.effectiveMss > this.cc.cwnd;
  }

  private onNewAck(ackOff: number): void {
    const now = this.host.now();
    const acked = ackOff - this.sndUna;
    const flightBefore = this.sndMax - this.sndUna;
    // Karn's rule: sample only from a segment never retransmitted; the newest one fully acked.
    let sample: TxSegment | undefined;
    while (this.txHead < this.tx.length && this.tx[this.txHead]!.end <= ackOff) {
      const seg = this.tx[this.txHead]!;
      this.forgetSegment(seg);
      sample = seg;
      this.txHead++;
    }
    if (this.txHead > 1024 && this.txHead * 2 > this.tx.length) {
      this.tx.splice(0, this.txHead);
      this.txHead = 0;
    }
    if (sample && sample.retransmissions === 0) this.rttSample(now - sample.sentUs);
    this.sndUna = ackOff;
    if (this.sndNxt < this.sndUna) this.sndNxt = this.sndUna;
    this.backoff = 0;
    this.dupAcks = 0;
    this.computeRto();

    if (this.finSent && ackOff >= this.finOffset() + 1) this.onFinAcked();

    // --- rack: F-RTO (RFC 5682) and Eifel (RFC 3522) may prove the timeout spurious ---
    if (this.recovery === 'loss') this.frtoOnAck(true, false);
    // --- end rack ---
    if (this.recovery === 'recovery') {
      if (ackOff >= this.recoverPoint) {
        this.cc.onRecoveryEnd(now);
        this.recovery = 'open';
        this.clearRecoveryMarks();
        this.retransStampTs = -1;
        this.traceEvent('recovery-end');
      } else if (!this.sackOk) {
        // RFC 6582 partial ACK: retransmit the first unacked segment, deflate, add back one SMSS.
        const first = this.tx[this.txHead];
        if (first) this.retransmit(first, `NewReno partial-ACK retransmission of segment ${first.ordinal}`);
        this.cc.cwnd = Math.max(
          this.cc.cwnd - acked + (acked >= this.effectiveMss ? this.effectiveMss : 0),
          this.effectiveMss,
        );
      } else {
        this.updateLost();
      }
    } else if (this.recovery === 'loss') {
      if (this.cwndLimited(flightBefore)) this.cc.onNewAck(acked, now, this.srttUs);
      if (ackOff >= this.recoverPoint) {
        this.recovery = 'open';
        this.clearRecoveryMarks();
        this.retransStampTs = -1;
        this.undoArmed = false;
        this.frtoActive = false;
        this.traceEvent('recovery-end');
      } else {
        this.updateLost();
      }
    } else if (this.cwndLimited(flightBefore)) {
      // Linux tcp_ack(): tcp_fastretrans_alert() before tcp_cong_control(), so the window grows only if
      // this ACK does not start a recovery (after an F-RTO undo, RACK may do that on the same ACK).
      this.pendingGrowth = acked;
    }
    this.restartRto();
  }

  private onDuplicateAck(): void {
    this.dupAcks++;
    if (this.recovery === 'open') {
      if (this.rackOn) return; // --- rack: afterAck() decides (RACK marks, or DupThresh SACKed segments)
      const firstLost = this.sackOk && this.isLostAt(this.txHead);
      if ((this.dupAcks >= DUP_THRESH || firstLost) && this.sndUna > this.recoverPoint) {
        this.enterFastRecovery();
      }
    } else if (this.recovery === 'recovery') {
      if (this.sackOk) this.updateLost();
      else this.cc.cwnd += this.effectiveMss; // RFC 6582 step 4: inflate
    } else if (this.sackOk) {
      this.frtoOnAck(false, true); // --- rack: F-RTO step 3
      if ((this.recovery as RecoveryState) !== 'open') this.updateLost();
    }
  }

  private enterFastRecovery(): void {
    const now = this.host.now();
    this.recoverPoint = this.sndMax;
    // --- rack: PRR's RecoverFS is the window before the reduction (Linux prior_cwnd) ---
    this.recoverFs = this.cc.cwnd;
    this.prrDelivered = 0;
    this.prrOut = 0;
    this.tlpHighSeq = 0;
    // --- end rack ---
    // --- rcv: Linux tcp_enter_recovery(): no second reduction inside an ECN one; CWR to the peer ---
    if (!this.ecnReducing) this.cc.onCongestionEvent(this.flightSize(), now);
    this.ecnReducing = false;
    if (this.ecnOk) this.ecnQueueCwr = true;
    // --- end rcv ---
    this.recovery = 'recovery';
    const first = this.tx[this.txHead];
    if (this.sackOk) {
      this.cc.cwnd = this.cc.ssthresh; // RFC 6675 step 4.2
      this.updateLost();
      if (first && !first.lost && !first.sacked) this.setLost(first, true);
      // --- rack: PRR sets cwnd = pipe + sndcnt instead (RFC 6937), the fast retransmit included ---
      if (this.prrOn) {
        this.prrUpdate(Math.max(this.ackDelivered, 0), this.ackNewlyLost, false, true);
        this.prrEnteredThisAck = true;
      }
      // --- end rack ---
    } else {
      this.cc.cwnd = this.cc.ssthresh + DUP_THRESH * this.effectiveMss; // RFC 6582 step 3
    }
    this.traceEvent('recovery-start');
    if (first) this.retransmit(first, `fast retransmission of segment ${first.ordinal}`);
  }

  private onRetransmissionTimeout(): void {
    this.rtoTimer = undefined;
    if (this.sndUna >= this.sndMax || this.state === 'CLOSED') return;
    const now = this.host.now();
    // --- rack: Linux has one timer; a PTO capped at the RTO fires as the probe, not as a timeout
    if (this.tlpTimer && this.tlpDueUs <= now && this.probeAllowed()) {
      this.tlpTimer.cancel();
      this.tlpTimer = undefined;
      this.sendLossProbe();
      this.flushAck();
      return;
    }
    // --- end rack
    this.traceEvent('rto');
    if (this.backoff >= this.config.dataRetries) {
      this.teardown('retransmission limit reached');
      return;
    }
    // --- rack: a timeout ends any probe and reordering wait; F-RTO and undo start from the open state ---
    this.tlpHighSeq = 0;
    this.reoTimer?.cancel();
    this.reoTimer = undefined;
    if (this.backoff === 0) {
      const fromOpen = this.recovery === 'open';
      this.undoArmed = fromOpen;
      if (fromOpen) {
        // Linux tcp_enter_loss(): prior_cwnd, and prior_ssthresh = tcp_current_ssthresh().
        this.priorCwnd = this.cc.cwnd;
        this.priorSsthresh = Math.max(this.cc.ssthresh, 0.75 * this.cc.cwnd);
        this.retransStampTs = -1;
      }
    }
    // RFC 5682 3.1 step 1 (Linux): F-RTO for a timeout outside recovery and for repeated timeouts.
    this.frtoActive = this.config.frto && this.undoArmed;
    this.frtoSendNew = false;
    // --- end rack ---
    if (this.backoff === 0) {
      // RFC 5681 3.1: a segment not yet resent by the timer sets ssthresh from the current flight,
      // whatever the state: in recovery that is the reduced flight, never the window before the loss.
      // A window inflated by RFC 6582 duplicate ACKs is deflated first, so CUBIC's cwnd * beta starts
      // from the window really in use.
      if (this.recovery === 'recovery' && !this.sackOk)
        this.cc.cwnd = Math.min(this.cc.cwnd, this.cc.ssthresh);
      this.cc.onRetransmissionTimeout(this.flightSize(), now);
    } else {
      this.cc.cwnd = this.effectiveMss; // RFC 5681: ssthresh is kept when a retransmission is lost again
    }
    this.recovery = 'loss';
    this.recoverPoint = this.sndMax;
    this.dupAcks = 0;
    // --- rcv: Linux tcp_enter_loss() queues CWR ---
    this.ecnReducing = false;
    if (this.ecnOk) this.ecnQueueCwr = true;
    // --- end rcv ---
    for (let i = this.txHead; i < this.tx.length; i++) {
      const seg = this.tx[i]!;
      this.setRexmit(seg, false);
      if (!seg.sacked) this.setLost(seg, true);
    }
    this.backoff++;
    this.rtoUs = Math.min(this.rtoUs * 2, this.config.maxRtoUs);
    const first = this.tx[this.txHead];
    if (first) this.retransmit(first, `retransmission (RTO) of segment ${first.ordinal}`);
    this.trySend();
  }

  // --- rack: RACK-TLP (RFC 8985), PRR (RFC 6937), F-RTO (RFC 5682) and Eifel undo (RFC 3522) ---
  // ================================================================ sender: RACK-TLP, PRR, F-RTO

  /** RACK needs SACK (Linux marks nothing by time on a non-SACK connection). */
  private get rackOn(): boolean {
    return this.config.rack && this.sackOk;
  }

  private get prrOn(): boolean {
    return this.config.prr && this.sackOk;
  }

  /** TSval for a time: the millisecond clock plus this endpoint's offset. */
  private tsValue(timeUs: number): number {
    return (Math.floor(timeUs / 1000) + this.config.tsOffset) >>> 0;
  }

  /** A segment was newly acknowledged, cumulatively or by SACK. */
  private noteDelivered(seg: TxSegment): void {
    this.ackDelivered += seg.end - seg.start;
    if (seg.retransmissions === 0 && seg.end <= this.recoverPoint) this.ackOrigDelivered = true;
    if (this.config.rack) this.rackAdvance(seg);
  }

  /**
   * RFC 8985 6.2 step 2 (Linux tcp_rack_advance()): RACK.rtt from the delivered segment, and
   * RACK.xmit_ts/end_seq if it was sent later than the one recorded. A retransmitted segment whose
   * RTT is below the minimum may have been delivered by its original: ignored.
   */
  private rackAdvance(seg: TxSegment): void {
    const rtt = this.host.now() - seg.sentUs;
    if (seg.retransmissions > 0 && !(rtt >= this.minRttUs)) return;
    if (seg.retransmissions === 0) this.minRttUs = Math.min(this.minRttUs, Math.max(1, rtt));
    this.rackRttUs = rtt;
    // Linux compares send times, then sequence; the simulation sends many segments in one microsecond,
    // so the order of transmission says which went later.
    if (seg.xmitOrder > this.rackXmitOrder) this.rackXmitOrder = seg.xmitOrder;
  }

  /**
   * RFC 8985 6.2 step 4 (Linux tcp_rack_reo_wnd()): no reordering is ever seen on this path (it
   * never reorders and the receiver sends no DSACK), so the window is zero in recovery and once
   * DupThresh segments are SACKed, min_rtt/4 (at most SRTT) otherwise.
   */
  private rackReoWnd(): number {
    if (this.recovery !== 'open' || this.sackedSegments >= DUP_THRESH) return 0;
    const quarter = Number.isFinite(this.minRttUs) ? this.minRttUs / 4 : this.srttUs / 4;
    return Math.min(quarter, this.srttUs);
  }

  /**
   * RFC 8985 6.2 step 5 (Linux tcp_rack_detect_loss()): a segment sent before RACK.xmit_ts is lost
   * once RACK.rtt + reo_wnd has passed since it was (re)sent; a retransmission too (lost
   * retransmission). Returns the longest wait of those not yet due (0: none).
   */
  private rackDetectLoss(): number {
    if (this.rackXmitOrder < 0) return 0;
    const now = this.host.now();
    const reoWnd = this.rackReoWnd();
    let wait = 0;
    for (let i = this.txHead; i < this.tx.length; i++) {
      const seg = this.tx[i]!;
      if (seg.sacked || (seg.lost && !seg.rexmit)) continue;
      if (seg.xmitOrder > this.rackXmitOrder) continue; // not sent before the latest delivered one
      const remaining = this.rackRttUs + reoWnd - (now - seg.sentUs);
      if (remaining <= 0) {
        if (seg.rexmit) this.setRexmit(seg, false); // the retransmission is lost too
        if (seg.lost) this.ackNewlyLost += seg.end - seg.start;
        else this.setLost(seg, true);
      } else if (remaining > wait) wait = remaining;
    }
    return wait;
  }

  /** Linux tcp_rack_mark_lost(): mark, and arm the reordering timer for the ones not yet due. */
  private rackMarkLost(): void {
    const wait = this.rackDetectLoss();
    if (wait > 0) {
      this.reoTimer?.cancel();
      this.reoTimer = this.host.schedule(
        this.host.now() + Math.ceil(wait) + TIMEOUT_MIN_US,
        this.reorderTimerAction,
      );
    }
  }

  /** Linux tcp_rack_reo_timeout(): losses that became due without an ACK start recovery. */
  private onReorderTimeout(): void {
    this.reoTimer = undefined;
    if (!this.synchronized() || this.sndUna >= this.sndMax || !this.rackOn) return;
    const pipeBefore = this.pipe;
    this.ackNewlyLost = 0;
    this.ackDelivered = 0;
    this.rackMarkLost();
    if (this.pipe === pipeBefore) return;
    if (this.recovery === 'open') {
      this.traceEvent('rack-timer');
      this.ackDelivered = this.effectiveMss; // Linux: tcp_cwnd_reduction(sk, 1, ...)
      this.enterFastRecovery();
    }
    this.trySend();
    this.flushAck();
  }

  /** What follows every ACK: RACK marking and recovery entry, PRR, the loss probe's outcome. */
  private afterAck(ackOff: number, unaAdvanced: boolean, isDuplicate: boolean): void {
    if (this.tlpHighSeq > 0) this.processTlpAck(ackOff, unaAdvanced, isDuplicate);
    if (this.rackOn && this.recovery === 'open' && this.sndUna < this.sndMax) {
      if (this.sackedBytes > 0 || isDuplicate) {
        this.rackMarkLost();
        // Linux tcp_time_to_recover(): something marked lost, or DupThresh segments SACKed. With SACK
        // Linux has no RFC 6582 recovery-point rule: data sent during the last recovery and lost
        // starts a new one.
        const timeToRecover = this.lostBytes > 0 || this.sackedSegments >= DUP_THRESH;
        if (timeToRecover) this.enterFastRecovery();
      }
    } else if (this.prrOn && this.recovery === 'recovery' && !this.prrEnteredThisAck) {
      this.prrUpdate(this.ackDelivered, this.ackNewlyLost, unaAdvanced, false);
    }
  }

  /**
   * RFC 6937 PRR-SSRB, as Linux tcp_cwnd_reduction() (in bytes): while pipe > ssthresh send in
   * proportion, sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out; below it grow back
   * towards ssthresh by at most what was delivered, plus one SMSS when snd.una advanced and nothing
   * was newly lost; at least one segment (the fast retransmit) when nothing was sent yet.
   * cwnd = pipe + sndcnt.
   */
  private prrUpdate(delivered: number, newlyLost: number, unaAdvanced: boolean, entering: boolean): void {
    if (delivered <= 0 && !entering) return;
    this.prrDelivered += delivered;
    const ssthresh = this.cc.ssthresh;
    const pipe = this.pipe;
    const delta = ssthresh - pipe;
    let sndcnt: number;
    if (delta < 0) {
      sndcnt = Math.ceil((this.prrDelivered * ssthresh) / this.recoverFs) - this.prrOut;
    } else {
      sndcnt = Math.max(this.prrDelivered - this.prrOut, delivered);
      if (unaAdvanced && newlyLost === 0) sndcnt += this.effectiveMss;
      sndcnt = Math.min(delta, sndcnt);
    }
    if (this.prrOut === 0) sndcnt = Math.max(sndcnt, this.effectiveMss);
    this.cc.cwnd = pipe + Math.max(0, sndcnt);
  }

  /**
   * Linux tcp_process_loss() for an ACK in the loss state: Eifel (the ACK echoes a timestamp older than
   * the first retransmission, so it answers an original) and F-RTO (RFC 5682 3.1, SACK-enhanced):
   * never-retransmitted data (s)acked proves the timeout spurious; after the first advancing ACK new
   * data is sent instead of retransmissions (step 2b); a SACK or duplicate ACK after that means the
   * loss was real (step 3a).
   */
  private frtoOnAck(unaAdvanced: boolean, duplicate: boolean): void {
    this.frtoSendNew = false;
    if (!this.config.frto) return;
    if (unaAdvanced && this.undoArmed && this.timestampsProveDelay()) {
      this.undoTimeout('Eifel: the ACK echoes a timestamp from before the retransmission');
      return;
    }
    if (!this.frtoActive) return;
    if (this.ackOrigDelivered) {
      this.undoTimeout('F-RTO: never-retransmitted data was acknowledged');
      return;
    }
    const recovered = this.sndUna >= this.recoverPoint;
    if (this.sndNxt > this.recoverPoint) {
      if (this.ackSacked > 0 || duplicate) this.frtoActive = false;
    } else if (unaAdvanced && !recovered) {
      this.recoverPoint = this.sndNxt;
      if (this.dataPending() && this.sndWndRight > this.sndNxt) {
        this.frtoSendNew = true;
        return;
      }
      this.frtoActive = false;
    }
  }

  private timestampsProveDelay(): boolean {
    const tsecr = this.ackTsecr;
    if (!this.tsOk || tsecr === undefined || tsecr === 0 || this.retransStampTs < 0) return false;
    return ((tsecr - this.retransStampTs) | 0) < 0;
  }

  /** Linux tcp_undo_cwnd_reduction(): restore cwnd and ssthresh from before the timeout. */
  private undoTimeout(why: string): void {
    this.clearRecoveryMarks();
    this.cc.cwnd = Math.max(this.cc.cwnd, this.priorCwnd);
    if (this.priorSsthresh > this.cc.ssthresh) this.cc.ssthresh = this.priorSsthresh;
    this.recovery = 'open';
    this.undoArmed = false;
    this.frtoActive = false;
    this.frtoSendNew = false;
    this.retransStampTs = -1;
    this.backoff = 0;
    this.computeRto();
    this.traceEvent('undo', { note: `spurious retransmission timeout undone (${why})` });
  }

  /**
   * RFC 8985 7.2 (Linux tcp_schedule_loss_probe()): in the open state with SACK and nothing SACKed,
   * PTO = 2 * SRTT, plus the worst-case delayed ACK (Linux tcp_rto_min) when one segment is out,
   * else plus TCP_TIMEOUT_MIN; at least 10 ms, never later than the RTO. The timer is lazy: it is
   * re-armed only when it would fire too early.
   */
  private scheduleLossProbe(): void {
    if (!this.rackOn || this.recovery !== 'open' || this.sndUna >= this.sndMax) return;
    if (this.sackedBytes > 0 || this.dupAcks > 0 || this.tlpHighSeq > 0) return;
    const now = this.host.now();
    let pto: number;
    if (this.srttUs > 0) {
      const oneSegment = this.tx.length - this.txHead <= 1;
      pto = 2 * this.srttUs + (oneSegment ? this.config.minRtoUs : TIMEOUT_MIN_US);
      pto = Math.max(pto, MIN_PTO_US);
    } else {
      pto = this.config.initialRtoUs;
    }
    if (this.rtoTimer) pto = Math.min(pto, Math.max(0, this.rtoDueUs - now));
    this.tlpDueUs = now + Math.round(pto);
    if (this.tlpTimer && this.tlpTimerAtUs <= this.tlpDueUs) return;
    this.tlpTimer?.cancel();
    this.tlpTimerAtUs = this.tlpDueUs;
    this.tlpTimer = this.host.schedule(this.tlpDueUs, this.lossProbeTimerAction);
  }

  /** The timer actions, made once (not a closure per arming). */
  private readonly lossProbeTimerAction = (): void => this.onLossProbeTimer();
  private readonly retransmissionTimerAction = (): void => this.onRetransmissionTimeout();
  private readonly reorderTimerAction = (): void => this.onReorderTimeout();

  private onLossProbeTimer(): void {
    this.tlpTimer = undefined;
    const now = this.host.now();
    if (!this.probeAllowed()) return;
    if (now < this.tlpDueUs) {
      this.tlpTimerAtUs = this.tlpDueUs;
      this.tlpTimer = this.host.schedule(this.tlpDueUs, this.lossProbeTimerAction);
      return;
    }
    this.sendLossProbe();
    this.flushAck();
  }

  /** Linux: loss probes only in the open state (not disorder: nothing SACKed), one outstanding at a time. */
  private probeAllowed(): boolean {
    if (!this.rackOn || !this.synchronized() || this.recovery !== 'open' || this.sndUna >= this.sndMax)
      return false;
    return this.sackedBytes === 0 && this.dupAcks === 0 && this.tlpHighSeq === 0;
  }

  /** RFC 8985 7.3 (Linux tcp_send_loss_probe()): new data if the receive window allows, else the last segment. */
  private sendLossProbe(): void {
    this.traceEvent('tlp');
    const before = this.sndNxt;
    if (this.dataPending() && this.sndWndRight > this.sndNxt) this.sendNew(Number.POSITIVE_INFINITY);
    if (this.sndNxt > before) {
      this.tlpRetrans = false;
    } else {
      const last = this.tx[this.tx.length - 1];
      if (!last || last.sacked || this.tx.length <= this.txHead) return;
      this.retransmit(last, `tail loss probe (retransmission of segment ${last.ordinal})`, true);
      this.tlpRetrans = true;
    }
    this.tlpHighSeq = this.sndNxt;
    this.restartRto();
  }

  /**
   * RFC 8985 7.4 (Linux tcp_process_tlp_ack()): an ACK beyond the probe's snd.nxt after a
   * retransmitted probe means a loss was repaired by it (no DSACK said otherwise): reduce cwnd as for
   * a congestion event (Linux CWR: ssthresh from the algorithm, cwnd = ssthresh). A pure duplicate ACK
   * means the original and the probe both arrived.
   */
  private processTlpAck(ackOff: number, unaAdvanced: boolean, isDuplicate: boolean): void {
    if (ackOff < this.tlpHighSeq) return;
    if (!this.tlpRetrans) {
      this.tlpHighSeq = 0;
    } else if (ackOff > this.tlpHighSeq) {
      this.tlpHighSeq = 0;
      if (this.recovery === 'open') {
        this.cc.onCongestionEvent(this.flightSize(), this.host.now());
        this.cc.cwnd = Math.min(this.cc.cwnd, this.cc.ssthresh);
        this.traceEvent('tlp-loss');
      }
    } else if (!unaAdvanced && isDuplicate && this.ackSacked === 0) {
      this.tlpHighSeq = 0;
    }
  }
  // --- end rack ---

  // ================================================================ sender: scoreboard

  private markSacked(blocks: Array<[number, number]>): void {
    for (const [l, r] of blocks) {
      // Segments starting before l are never marked by this block: begin at the first that starts at
      // or after it (tx is in sequence order: binary search instead of a walk over the whole flight).
      for (let i = this.firstStartingAtOrAfter(l); i < this.tx.length; i++) {
        const seg = this.tx[i]!;
        if (seg.start >= r) break;
        // --- rack: the receiver keeps an out-of-order FIN (its blocks cover the data only; Linux's
        // include the FIN), so a block covering a segment's data covers the FIN that came with it.
        const end = seg.fin && seg.end - 1 > seg.start ? seg.end - 1 : seg.end;
        if (!seg.sacked && seg.start >= l && end <= r) {
          if (seg.lost) this.setLost(seg, false);
          if (seg.rexmit) this.setRexmit(seg, false);
          seg.sacked = true;
          this.sackedBytes += seg.end - seg.start;
          // --- rack ---
          this.sackedSegments++;
          this.ackSacked += seg.end - seg.start;
          this.noteDelivered(seg);
          // --- end rack ---
        }
      }
    }
  }

  /** The index of the first segment from txHead on whose start is >= `offset` (tx.length if none). */
  private firstStartingAtOrAfter(offset: number): number {
    const tx = this.tx;
    let lo = this.txHead;
    let hi = tx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (tx[mid]!.start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** RFC 6675 IsLost(): DupThresh SACKed segments, or more than (DupThresh-1)*SMSS SACKed bytes, above. */
  private updateLost(): void {
    if (this.rackOn) {
      this.rackMarkLost(); // --- rack: RACK replaces RFC 6675's loss marking, as in Linux
      return;
    }
    let sackedSegments = 0;
    let sackedBytesAbove = 0;
    for (let i = this.tx.length - 1; i >= this.txHead; i--) {
      const seg = this.tx[i]!;
      if (seg.sacked) {
        sackedSegments++;
        sackedBytesAbove += seg.end - seg.start;
      } else if (
        !seg.lost &&
        (sackedSegments >= DUP_THRESH || sackedBytesAbove > (DUP_THRESH - 1) * this.effectiveMss)
      ) {
        this.setLost(seg, true);
      }
    }
  }

  private isLostAt(index: number): boolean {
    const seg = this.tx[index];
    if (!seg || seg.sacked) return false;
    let sackedSegments = 0;
    let sackedBytesAbove = 0;
    for (let i = index + 1; i < this.tx.length; i++) {
      const s = this.tx[i]!;
      if (s.sacked) {
        sackedSegments++;
        sackedBytesAbove += s.end - s.start;
      }
    }
    return sackedSegments >= DUP_THRESH || sackedBytesAbove > (DUP_THRESH - 1) * this.effectiveMss;
  }

  private setLost(seg: TxSegment, lost: boolean): void {
    if (seg.lost === lost) return;
    seg.lost = lost;
    if (lost && !seg.sacked) this.ackNewlyLost += seg.end - seg.start; // --- rack
    if (!seg.sacked) this.lostBytes += lost ? seg.end - seg.start : -(seg.end - seg.start);
  }

  private setRexmit(seg: TxSegment, rexmit: boolean): void {
    if (seg.rexmit === rexmit) return;
    seg.rexmit = rexmit;
    if (!seg.sacked) this.rexmitBytes += rexmit ? seg.end - seg.start : -(seg.end - seg.start);
  }

  private forgetSegment(seg: TxSegment): void {
    const size = seg.end - seg.start;
    if (seg.sacked) {
      this.sackedBytes -= size;
      this.sackedSegments--; // --- rack
    } else {
      this.noteDelivered(seg); // --- rack
      if (seg.lost) this.lostBytes -= size;
      if (seg.rexmit) this.rexmitBytes -= size;
    }
  }

  private clearRecoveryMarks(): void {
    for (let i = this.txHead; i < this.tx.length; i++) {
      const seg = this.tx[i]!;
      this.setLost(seg, false);
      this.setRexmit(seg, false);
    }
  }

  /**
   * RFC 5681's FlightSize, the data sent but not yet acknowledged: with SACK, bytes the receiver has
   * selectively acknowledged are acknowledged too and no longer count (they have left the network).
   */
  private flightSize(): number {
    return this.sndMax - this.sndUna - this.sackedBytes;
  }

  /** RFC 6675 pipe. */
  get pipe(): number {
    return this.sndMax - this.sndUna - this.sackedBytes - this.lostBytes + this.rexmitBytes;
  }

  /** Bytes in flight the way Wireshark computes them (see TraceEvent.bytesInFlight). */
  private wiresharkBytesInFlight(): number {
    let inFlight = this.sndMax - this.sndUna;
    for (const [l, r] of this.lastAckSack) {
      const lo = Math.max(l, this.sndUna);
      const hi = Math.min(r, this.sndMax);
      if (hi > lo) inFlight -= hi - lo;
    }
    if (this.finSent && this.sndUna <= this.finOffset()) inFlight -= 1;
    return Math.max(0, inFlight);
  }

  // ================================================================ sender: output

  private kick(): void {
    if (!this.inReceive) {
      this.trySend();
      this.flushAck();
    }
  }

  private finOffset(): number {
    return 1 + this.appData.length;
  }

  private synchronized(): boolean {
    return (
      this.state === 'ESTABLISHED' ||
      this.state === 'CLOSE_WAIT' ||
      this.state === 'FIN_WAIT_1' ||
      this.state === 'FIN_WAIT_2' ||
      this.state === 'CLOSING' ||
      this.state === 'LAST_ACK'
    );
  }

  private trySend(): void {
    if (!this.synchronized()) return;
    for (let guard = 0; guard < 100_000; guard++) {
      if (!this.sendOne()) break;
    }
    this.scheduleLossProbe(); // --- rack: RFC 8985 7.2, after sending
    if (this.sndUna === this.sndMax && this.sndNxt === this.sndMax && this.dataPending() && !this.rtoTimer) {
      this.armPersist();
    }
  }

  private dataPending(): boolean {
    return this.sndNxt < this.finOffset();
  }

  /** Sends one segment if the windows allow; false when nothing more can go now. */
  private sendOne(): boolean {
    const smss = this.effectiveMss;
    if (this.recovery !== 'open' && (this.sackOk || this.recovery === 'loss')) {
      if (this.pipe >= this.cc.cwnd) return false;
      // --- rack: F-RTO step 2b sends new data instead of retransmitting
      if (this.recovery === 'loss' && this.frtoSendNew) return this.sendNew(this.cc.cwnd - this.pipe);
      // NextSeg() rule 1: the first lost, unSACKed, not yet retransmitted segment.
      for (let i = this.txHead; i < this.tx.length; i++) {
        const seg = this.tx[i]!;
        if (seg.lost && !seg.sacked && !seg.rexmit) {
          // --- rack: PRR counts whole segments (RFC 6675 (C): cwnd - pipe >= the segment)
          if (this.prrOn && this.recovery === 'recovery' && this.cc.cwnd - this.pipe < seg.end - seg.start)
            return false;
          const rackLost = this.rackOn && seg.retransmissions > 0;
          const kind = rackLost
            ? `RACK lost-retransmission retransmission #${seg.retransmissions + 1}`
            : this.recovery === 'loss'
              ? 'retransmission (after RTO)'
              : this.rackOn
                ? 'RACK retransmission'
                : 'SACK retransmission';
          this.retransmit(seg, `${kind} of segment ${seg.ordinal}`);
          return true;
        }
        if (!seg.lost && !seg.sacked) break;
      }
      return this.sendNew(this.cc.cwnd - this.pipe);
    }
    // RFC 3042 limited transmit. With SACK the SACKed segments already leave the pipe, which has the
    // same effect (one new segment per duplicate ACK), so the allowance is only for non-SACK peers.
    const limitedTransmit =
      !this.sackOk && this.recovery === 'open' && this.dupAcks > 0 && this.dupAcks < DUP_THRESH;
    const allowance = limitedTransmit ? this.dupAcks * smss : 0;
    const inFlight = this.recovery === 'open' ? this.pipe : this.sndMax - this.sndUna;
    return this.sendNew(this.cc.cwnd + allowance - inFlight);
  }

  /** Sends new data (or the FIN) within `budget` bytes of congestion window. */
  private sendNew(budget: number): boolean {
    const finOff = this.finOffset();
    if (!this.written && !this.closeRequested) return false;
    if (this.sndNxt >= finOff) {
      if (this.closeRequested && !this.finSent && this.sndNxt === finOff) {
        this.sendSegment(finOff, 0, true, undefined);
        return true;
      }
      return false;
    }
    const available = finOff - this.sndNxt;
    const windowLeft = this.sndWndRight - this.sndNxt;
    const len = Math.min(this.effectiveMss, available, windowLeft);
    if (len <= 0) return false;
    const outstanding = this.sndMax - this.sndUna;
    if (budget < len && outstanding > 0) return false;
    if (budget <= 0) return false;
    // Sender-side SWS avoidance (RFC 1122 4.2.3.4, Linux tcp_snd_wnd_test()): send a full segment, all
    // that is left, or at least half the largest window the peer ever offered; a smaller usable window
    // waits for the persist timer (the override timer), which sends what fits (tcp_write_wakeup()).
    if (len < Math.min(this.effectiveMss, available) && len < this.maxSndWnd / 2) return false;
    const fin = this.closeRequested && this.sndNxt + len === finOff;
    this.sendSegment(this.sndNxt, len, fin, undefined);
    return true;
  }

  private sendSegment(start: number, len: number, fin: boolean, note: string | undefined): void {
    const seg: TxSegment = {
      start,
      end: start + len + (fin ? 1 : 0),
      fin,
      ordinal: len > 0 ? ++this.ordinal : 0,
      sacked: false,
      lost: false,
      rexmit: false,
      retransmissions: 0,
      sentUs: this.host.now(),
      xmitOrder: ++this.xmitCounter, // --- rack
    };
    this.tx.push(seg);
    if (this.recovery === 'recovery') this.prrOut += seg.end - seg.start; // --- rack: PRR's prr_out
    this.sndNxt = seg.end;
    this.sndMax = Math.max(this.sndMax, seg.end);
    if (fin) this.onFinSent();
    const psh = len > 0 && this.endsWrite(start + len) ? TCP_PSH : 0;
    let flags = TCP_ACK | psh | (fin ? TCP_FIN : 0);
    if (len > 0) {
      this.stats.dataSegmentsSent++;
      this.stats.bytesSent += len;
    }
    // --- rcv: new data is ECN-capable and carries a queued CWR (Linux tcp_ecn_send()) ---
    const ecn = this.ecnOk && len > 0 ? ECN_ECT0 : undefined;
    if (ecn !== undefined && this.ecnQueueCwr) {
      this.ecnQueueCwr = false;
      flags |= TCP_CWR;
    }
    // --- end rcv ---
    this.emit(start, flags, start - 1, start - 1 + len, note, false, false, ecn);
    this.armRto();
  }

  private retransmit(seg: TxSegment, note: string, probe = false): void {
    const len = seg.end - seg.start - (seg.fin ? 1 : 0);
    seg.retransmissions++;
    seg.sentUs = this.host.now();
    seg.xmitOrder = ++this.xmitCounter; // --- rack
    // --- rack: a loss probe is not counted as retransmitted-in-flight (Linux __tcp_retransmit_skb)
    if (!probe) {
      this.setRexmit(seg, true);
      if (this.retransStampTs < 0) this.retransStampTs = this.tsValue(seg.sentUs);
    }
    if (this.recovery === 'recovery') this.prrOut += seg.end - seg.start;
    // --- end rack ---
    this.stats.retransmissions++;
    const psh = len > 0 && this.endsWrite(seg.start + len) ? TCP_PSH : 0;
    const flags = TCP_ACK | psh | (seg.fin ? TCP_FIN : 0);
    const finNote = len === 0 && seg.fin ? note.replace(/segment \d+/, 'FIN') : note;
    this.emit(seg.start, flags, seg.start - 1, seg.start - 1 + len, finNote);
    this.armRto();
  }

  // --- rcv ---
  /**
   * Whether a segment ending at offset `end` carries PSH: it ends an application write (Linux marks the
   * write's last skb in tcp_push(); a later write appended to a partial skb clears it again), or, with
   * `pushPerWrite` off, it ends everything written.
   */
  private endsWrite(end: number): boolean {
    if (this.config.pushPerWrite === false) return end === this.finOffset();
    const points = this.pushPoints;
    let lo = 0;
    let hi = points.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = points[mid]!;
      if (at === end) return true;
      if (at < end) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
  // --- end rcv ---

  private onFinSent(): void {
    this.finSent = true;
    if (this.state === 'ESTABLISHED') this.setState('FIN_WAIT_1');
    else if (this.state === 'CLOSE_WAIT') this.setState('LAST_ACK');
  }

  private onFinAcked(): void {
    if (this.state === 'FIN_WAIT_1') this.setState('FIN_WAIT_2');
    else if (this.state === 'CLOSING') this.enterTimeWait();
    else if (this.state === 'LAST_ACK') this.teardown('closed');
  }

  private enterTimeWait(): void {
    this.setState('TIME_WAIT');
    this.timeWaitUntilUs = this.host.now() + this.config.timeWaitUs;
    this.cancelTimers();
    this.app.onClosed('time-wait');
  }

  private teardown(reason: string): void {
    this.closeReason = reason;
    this.setState('CLOSED');
    this.cancelTimers();
    this.app.onClosed(reason);
  }

  private cancelTimers(): void {
    this.rtoTimer?.cancel();
    this.rtoTimer = undefined;
    this.persistTimer?.cancel();
    this.persistTimer = undefined;
    this.delackTimer?.cancel();
    this.delackTimer = undefined;
    this.readTimer?.cancel();
    this.readTimer = undefined;
    this.compressedAckTimer?.cancel();
    this.compressedAckTimer = undefined;
    // --- rack
    this.reoTimer?.cancel();
    this.reoTimer = undefined;
    this.tlpTimer?.cancel();
    this.tlpTimer = undefined;
    // --- end rack
  }

  // ================================================================ timers

  private rttSample(sampleUs: number): void {
    const r = Math.max(1, sampleUs);
    if (this.srttUs === 0) {
      this.srttUs = r;
      this.rttvarUs = r / 2;
    } else {
      this.rttvarUs = 0.75 * this.rttvarUs + 0.25 * Math.abs(this.srttUs - r);
      this.srttUs = 0.875 * this.srttUs + 0.125 * r;
    }
    this.computeRto();
  }

  private computeRto(): void {
    const c = this.config;
    const base = this.srttUs === 0 ? c.initialRtoUs : this.srttUs + Math.max(1000, 4 * this.rttvarUs);
    const clamped = Math.min(Math.max(Math.round(base), c.minRtoUs), c.maxRtoUs);
    this.rtoUs = Math.min(this.backoff === 0 ? clamped : clamped * 2 ** this.backoff, c.maxRtoUs);
  }

  /**
   * Arms the retransmission timer unless one runs or nothing is in flight. `replaced` is a timer the
   * caller has just let go of (restartRto()): the host may move it instead of making another.
   */
  private armRto(replaced?: TimerHandle): void {
    if (this.rtoTimer || this.sndUna >= this.sndMax) {
      replaced?.cancel();
      return;
    }
    this.rtoDueUs = this.host.now() + this.rtoUs;
    this.rtoTimer = this.rescheduleTimer(replaced, this.rtoDueUs, this.retransmissionTimerAction);
  }

  /** Cancel and re-arm. */
  private restartRto(): void {
    const previous = this.rtoTimer;
    this.rtoTimer = undefined;
    this.armRto(previous);
  }

  private armPersist(): void {
    if (this.persistTimer || this.state === 'CLOSED') return;
    const base = Math.max(this.rtoUs, this.config.minRtoUs);
    const timeout = Math.min(base * 2 ** this.persistBackoff, this.config.maxRtoUs);
    this.persistTimer = this.host.schedule(this.host.now() + timeout, () => {
      // Segments arriving in the same microsecond are processed first (they were scheduled before this
      // timer's expiry handler), so a window update that is already here cancels the probe.
      this.persistTimer = this.host.schedule(this.host.now(), () => this.onPersistTimeout());
    });
  }

  /** Linux tcp_probe_timer(): probe a zero window, or send what a too-small window takes (the override). */
  private onPersistTimeout(): void {
    this.persistTimer = undefined;
    if (!this.synchronized() || !this.dataPending()) return;
    if (this.sndUna !== this.sndMax) return;
    const windowLeft = this.sndWndRight - this.sndNxt;
    this.traceEvent('persist');
    if (windowLeft > 0) {
      // Linux tcp_write_wakeup(): send what the small window allows.
      const len = Math.min(windowLeft, this.effectiveMss, this.finOffset() - this.sndNxt);
      const fin = this.closeRequested && this.sndNxt + len === this.finOffset();
      this.sendSegment(this.sndNxt, len, fin, undefined);
      this.persistBackoff = 0;
      return;
    }
    this.sendZeroWindowProbe();
    this.persistBackoff++;
    this.armPersist();
  }

  private cancelPersist(): void {
    if (this.persistTimer) {
      this.persistTimer.cancel();
      this.persistTimer = undefined;
    }
    this.persistBackoff = 0;
  }

  /**
   * A one-byte probe beyond the closed window (the byte Wireshark looks for). The probe does not advance
   * snd.nxt; a receiver that finds its window closed does not take the byte (see CapturedSegment.probe).
   */
  private sendZeroWindowProbe(): void {
    const start = this.sndNxt;
    this.stats.zeroWindowProbes++;
    this.emit(start, TCP_ACK, start - 1, start, 'zero window probe', false, true);
  }

  // ================================================================ building segments

  /** Builds and transmits one segment (positional arguments: no options object per segment). */
  private emit(
    seqOff: number,
    flags: number,
    payloadStart: number,
    payloadEnd: number,
    specNote: string | undefined,
    syn = false,
    probe = false,
    ecn: number | undefined = undefined,
  ): void {
    const c = this.config;
    const now = this.host.now();
    const hasAck = (flags & TCP_ACK) !== 0;
    let window: number;
    let windowBytes: number;
    let windowRight: number;
    if (syn) {
      // --- rcv: Linux tcp_select_initial_window() (the SYN-ACK's MSS less the timestamp option) ---
      const linux = this.linuxWindow;
      window = linux
        ? linux.initialWindow(c.side === 'server' && this.tsOk ? c.mss - 12 : c.mss)
        : Math.min(0xffff, c.receiveBuffer);
      // --- end rcv ---
      windowBytes = window;
      windowRight = this.rcvNxt + windowBytes;
    } else {
      this.selectWindow();
      window = this.selectedRaw;
      windowBytes = this.selectedBytes;
      windowRight = this.selectedRight;
    }
    const ack = hasAck ? (this.peerIss + this.rcvNxt) >>> 0 : 0;
    const payload = payloadEnd > payloadStart ? this.appData.bytes(payloadStart, payloadEnd) : EMPTY;
    // --- rcv: ECE on everything we send while a CE mark waits for the peer's CWR ---
    const wireFlags = this.ecnDemandCwr && !syn ? flags | TCP_ECE : flags;
    const useTs = syn ? c.timestamps && (c.side === 'client' || this.tsOk) : this.tsOk;
    let note = specNote;
    const pureAck = payload.length === 0 && (flags & (TCP_SYN | TCP_FIN | TCP_RST)) === 0;
    if (pureAck && !syn) {
      if (ack === this.lastSentAck && window === this.lastSentWindowRaw && window !== 0) {
        note ??= 'duplicate ACK';
      } else if (ack === this.lastSentAck && window !== this.lastSentWindowRaw && window !== 0) {
        note ??= 'window update';
      }
    }
    // Every segment gets all the fields, absent ones undefined (the same data: readers test for
    // undefined, JSON leaves them out), in one order: one object shape for the whole flow, so the
    // code reading segments stays monomorphic and no property is added to an object after it is made.
    const segment: CapturedSegment = {
      timeUs: now,
      from: c.side,
      seq: (c.iss + seqOff) >>> 0,
      ack,
      flags: wireFlags,
      window,
      payload,
      connection: c.connection,
      probe: probe ? true : undefined,
      ecn, // --- rcv: the ECN field
      mss: syn ? c.mss : undefined,
      wscale: syn && c.wscale >= 0 && (c.side === 'client' || this.peerWscale >= 0) ? c.wscale : undefined,
      sackOk: syn && c.sack && (c.side === 'client' || this.sackOk) ? true : undefined,
      tsval: useTs ? this.tsValue(now) : undefined,
      tsecr: useTs ? (hasAck || c.side === 'server' ? this.tsRecent : 0) : undefined,
      sackBlocks: !syn && hasAck ? this.wireSackBlocks() : undefined,
      note,
    };
    const len = payload.length;
    if (hasAck) {
      // --- rcv: tcp_dec_quickack_mode(): each ACK of new data uses one quick ACK ---
      if (
        c.quickAck === true &&
        (this.rcvNxt > this.lastAckedRcvNxt || (this.sackCompression !== undefined && this.ackScheduled)) &&
        this.quickAcksLeft > 0
      )
        this.quickAcksLeft--;
      this.ackScheduled = false;
      if (this.sackCompression?.onAckSent()) {
        this.compressedAckTimer?.cancel();
        this.compressedAckTimer = undefined;
      }
      // --- end rcv ---
      this.lastSentAck = segment.ack;
      this.lastAckedRcvNxt = this.rcvNxt;
      this.ackNow = false;
      this.probeAnswerOwed = false;
      this.cancelDelayedAck();
    }
    if (!syn) this.lastSentWindowRaw = window;
    this.rcvWndRight = windowRight;
    this.rcvAdvRight = syn ? windowRight : Math.max(this.rcvAdvRight, this.rcvNxt + windowBytes);
    this.lastAdvertised = windowBytes;
    this.stats.segmentsSent++;
    this.host.transmit(segment);
    if (c.tracing) {
      // A zero window probe lies beyond snd.max; Wireshark counts its byte as in flight.
      const beyondMax = len > 0 && seqOff >= this.sndMax;
      this.traceEvent('send', {
        seq: seqOff,
        len,
        flags,
        ...(note !== undefined ? { note } : {}),
        ...(beyondMax ? { bytesInFlight: this.wiresharkBytesInFlight() + len } : {}),
      });
    }
  }

  // ================================================================ helpers

  private offsetOf(wire: number, base: number, near: number): number {
    return unwrapSequence(wire, base, near);
  }

  private setState(state: TcpState): void {
    if (this.state === state) return;
    this.state = state;
    if (this.config.tracing) this.traceEvent('state');
  }

  private traceEvent(
    kind: TraceEventKind,
    extra: {
      seq?: number;
      len?: number;
      ack?: number;
      flags?: number;
      note?: string;
      bytesInFlight?: number;
    } = {},
  ): void {
    if (!this.config.tracing) return;
    this.host.trace({
      timeUs: this.host.now(),
      connection: this.config.connection,
      side: this.config.side,
      kind,
      state: this.state,
      recovery: this.recovery,
      cwnd: Math.round(this.cc.cwnd),
      ssthresh: Number.isFinite(this.cc.ssthresh) ? Math.round(this.cc.ssthresh) : null,
      rwnd: Math.max(0, this.sndWndRight - this.sndUna),
      advertisedWindow: this.lastAdvertised,
      bytesInFlight: this.wiresharkBytesInFlight(),
      pipe: this.pipe,
      rtoUs: this.rtoUs,
      srttUs: Math.round(this.srttUs),
      ...extra,
    });
  }

  /** Exact congestion state, for tests. */
  congestionState(): { cwnd: number; ssthresh: number; recovery: RecoveryState } {
    return { cwnd: this.cc.cwnd, ssthresh: this.cc.ssthresh, recovery: this.recovery };
  }
}

const EMPTY = new Uint8Array(0);
const EMPTY_PAYLOAD = new BytesPayload(EMPTY);
