/**
 * Send and match (Scapy's sr/sr1): send packets, then collect the received packets that answer them, with a
 * timeout and retries for the unanswered ones. Frames go out through an AF_PACKET link (layer 2) or a raw IP
 * socket (layer 3, `--l3`); answers are always read from an AF_PACKET socket on the same interface.
 */
import { InjectError } from '../core/errors.js';
import { type DecodedPacket, decodePacket } from '../packet/index.js';
import { PacketLink, PacketType, type ReceivedFrame } from './link.js';
import { type Probe, probeOf } from './match.js';
import { RawIpSocket } from './raw-ip.js';
import type { SafetyOptions } from './safety.js';
import { yieldToEventLoop } from './timing.js';

export interface SendAndReceiveOptions extends SafetyOptions {
  /** How long to wait for answers after the last send, in ms (default 2000). */
  timeoutMs?: number;
  /** How many times unanswered requests are sent again (default 0). */
  retry?: number;
  /** Keep collecting answers until the timeout instead of stopping when every request has one. */
  multi?: boolean;
  /** Send at layer 3 (the requests are IPv4 or IPv6 packets) through a raw IP socket. */
  l3?: boolean;
  /** Stop early (Ctrl-C): checked between receive slices. */
  signal?: AbortSignal;
}

export interface Answer {
  /** Index of the request this answers. */
  requestIndex: number;
  /** The received frame (Ethernet), copied. */
  bytes: Uint8Array;
  decoded: DecodedPacket;
  /** Milliseconds from the request's last send to this answer. */
  elapsedMs: number;
  /** The kernel's receive time (CLOCK_REALTIME): seconds and nanoseconds. */
  timestampSec: number;
  timestampNsec: number;
}

/** One send of a request (retries are sends too), at the wall-clock time just before it left. */
export interface Transmission {
  requestIndex: number;
  timestampSec: number;
  timestampNsec: number;
}

export interface SendAndReceiveResult {
  /** Send operations done (retries included). */
  sent: number;
  answers: Answer[];
  /** Indices of requests nobody answered. */
  unanswered: number[];
  /** Every send, in order. */
  transmissions: Transmission[];
}

/** Wall-clock now as seconds and nanoseconds (performance's origin plus its monotonic offset). */
function wallClockNow(): { sec: number; nsec: number } {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6)) };
}

const RECEIVE_SLICE_MS = 20;

interface Sender {
  send(packet: Uint8Array): Promise<void> | void;
  close(): void;
}

/**
 * Sends every request and matches what comes back on `interfaceName`. Requests are Ethernet frames, or IPv4
 * packets when `l3` is set. Throws InjectError when a request has nothing pktcraft knows how to match.
 */
export async function sendAndReceive(
  interfaceName: string | undefined,
  requests: readonly Uint8Array[],
  options: SendAndReceiveOptions = {},
): Promise<SendAndReceiveResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retry ?? 0;
  const probes: Probe[] = requests.map((request, index) => {
    const probe = probeOf(decodePacket(request, { first: options.l3 ? 'ip' : 'ether' }));
    if (!probe) {
      throw new InjectError(
        'ENOMATCH',
        `request ${index + 1} has nothing to match answers by (ICMP echo, TCP, UDP, GTP-U echo or ARP request)`,
      );
    }
    return probe;
  });
  let sender: Sender;
  let receiver: PacketLink;
  if (options.l3) {
    const raw = RawIpSocket.open(interfaceName, options);
    sender = raw;
    try {
      receiver = PacketLink.open(raw.interfaceName, { ...options, skipInterfaceCheck: true });
    } catch (error) {
      raw.close();
      throw error;
    }
  } else {
    receiver = PacketLink.open(interfaceName, options);
    sender = { send: (frame) => receiver.send(frame), close: () => undefined };
  }
  const answers: Answer[] = [];
  const answered = new Set<number>();
  const sentAt = new Array<number>(requests.length).fill(0);
  const transmissions: Transmission[] = [];
  let sent = 0;
  try {
    let pending = requests.map((_, index) => index);
    for (let attempt = 0; attempt <= retries && pending.length > 0; attempt++) {
      for (const index of pending) {
        sentAt[index] = performance.now();
        const now = wallClockNow();
        transmissions.push({ requestIndex: index, timestampSec: now.sec, timestampNsec: now.nsec });
        await sender.send(requests[index]!);
        sent++;
      }
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (options.signal?.aborted) break;
        if (!options.multi && answered.size === requests.length) break;
        const frame = receiver.receive(Math.min(RECEIVE_SLICE_MS, Math.max(0, deadline - performance.now())));
        if (!frame) {
          await yieldToEventLoop();
          continue;
        }
        if (frame.packetType === PacketType.OUTGOING) continue;
        const decoded = decodePacket(frame.bytes, { first: 'ether' });
        for (let index = 0; index < probes.length; index++) {
          if (!options.multi && answered.has(index)) continue;
          if (!probes[index]!.matches(decoded)) continue;
          const bytes = frame.bytes.slice();
          answers.push({
            requestIndex: index,
            bytes,
            decoded: decodePacket(bytes, { first: 'ether' }),
            elapsedMs: performance.now() - sentAt[index]!,
            ...receiveTime(frame),
          });
          answered.add(index);
          if (!options.multi) break;
        }
      }
      if (options.signal?.aborted) break;
      pending = pending.filter((index) => !answered.has(index));
    }
  } finally {
    sender.close();
    receiver.close();
  }
  return {
    sent,
    answers,
    unanswered: requests.map((_, index) => index).filter((index) => !answered.has(index)),
    transmissions,
  };
}

/** The kernel's stamp of a received frame, or now when the kernel gave none. */
function receiveTime(frame: ReceivedFrame): { timestampSec: number; timestampNsec: number } {
  if (frame.timestampSec !== 0)
    return { timestampSec: frame.timestampSec, timestampNsec: frame.timestampNsec };
  const now = wallClockNow();
  return { timestampSec: now.sec, timestampNsec: now.nsec };
}

/** Sends one request and returns its first answer, or undefined after the timeout and retries. */
export async function sendAndReceiveOne(
  interfaceName: string | undefined,
  request: Uint8Array,
  options: SendAndReceiveOptions = {},
): Promise<Answer | undefined> {
  const result = await sendAndReceive(interfaceName, [request], { ...options, multi: false });
  return result.answers[0];
}
