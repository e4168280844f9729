/**
 * Sending crafted packets: `count` copies `intervalMs` apart (an absolute schedule, so the rate holds
 * exactly), at layer 2 through AF_PACKET or at layer 3 through a raw IP socket. Stops at once when `signal`
 * aborts and reports how many went out.
 */
import { InjectError } from '../core/errors.js';
import { PacketLink } from './link.js';
import { RawIpSocket } from './raw-ip.js';
import type { SafetyOptions } from './safety.js';
import { waitUntil } from './timing.js';

export interface SendOptions extends SafetyOptions {
  /** Copies to send (default 1). */
  count?: number;
  /** Milliseconds between copies (default 0: back to back). */
  intervalMs?: number;
  /** The packets are IPv4 or IPv6 packets to send through a raw IP socket. */
  l3?: boolean;
  signal?: AbortSignal;
}

export interface SendReport {
  sent: number;
  total: number;
  elapsedMs: number;
  interrupted: boolean;
}

/** Sends `packets` (each in turn, `count` rounds) on `interfaceName`. */
export async function sendPackets(
  interfaceName: string | undefined,
  packets: readonly Uint8Array[],
  options: SendOptions = {},
): Promise<SendReport> {
  const count = options.count ?? 1;
  const intervalMs = options.intervalMs ?? 0;
  if (!(Number.isInteger(count) && count >= 1))
    throw new InjectError('EINVAL', '--count must be a whole number of at least 1');
  if (!(intervalMs >= 0)) throw new InjectError('EINVAL', '--interval must be 0 or more milliseconds');
  const total = count * packets.length;
  let send: (packet: Uint8Array) => Promise<void> | void;
  let close: () => void;
  if (options.l3) {
    const socket = RawIpSocket.open(interfaceName, options);
    send = (packet) => socket.send(packet);
    close = () => socket.close();
  } else {
    const link = PacketLink.open(interfaceName, { ...options, receive: false });
    try {
      packets.forEach((packet, index) => {
        link.check(packet, packets.length > 1 ? index : undefined);
      });
    } catch (error) {
      link.close();
      throw error;
    }
    send = (packet) => link.send(packet);
    close = () => link.close();
  }
  let sent = 0;
  const start = performance.now();
  try {
    for (let round = 0; round < count; round++) {
      for (const packet of packets) {
        if (options.signal?.aborted)
          return { sent, total, elapsedMs: performance.now() - start, interrupted: true };
        if (sent > 0 && intervalMs > 0) {
          await waitUntil(start + sent * intervalMs, options.signal);
          if (options.signal?.aborted)
            return { sent, total, elapsedMs: performance.now() - start, interrupted: true };
        }
        await send(packet);
        sent++;
      }
    }
  } finally {
    close();
  }
  return { sent, total, elapsedMs: performance.now() - start, interrupted: false };
}
