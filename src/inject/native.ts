/**
 * Typed loader for the AF_PACKET addon (src/inject/native/af_packet.cc).
 *
 * The addon is built in place by node-gyp (`node-gyp rebuild -C src/inject/native`). This file lives two
 * directories below the package root both as `src/inject/native.ts` (vitest, tsx) and as
 * `dist/inject/native.js` (built), so one relative path finds the binary from either.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { InjectError } from '../core/errors.js';

/** Options for opening a packet socket. */
export interface NativePacketSocketOptions {
  /** Receive frames (ETH_P_ALL). False opens a send-only socket (protocol 0) that queues nothing. */
  receive?: boolean;
  /** Ask the kernel not to deliver our own outgoing frames (PACKET_IGNORE_OUTGOING). */
  ignoreOutgoing?: boolean;
  /** Hand frames straight to the driver, skipping the qdisc (PACKET_QDISC_BYPASS). */
  qdiscBypass?: boolean;
  /** SO_RCVBUF in bytes. */
  receiveBufferBytes?: number;
}

/** The addon's socket object. Every method throws an Error with `code` (errno name) on failure. */
export interface NativePacketSocket {
  readonly fd: number;
  readonly ifindex: number;
  readonly ifname: string;
  send(frame: Uint8Array): number;
  sendBatch(frames: Uint8Array[]): number;
  sendBatch(bytes: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count?: number): number;
  /**
   * Waits up to `timeoutMs` for one frame, copies it into `buffer` and returns the captured length, or -1 on
   * timeout. `info` (Int32Array of 4, or 6 for the time) receives [packetType, wireLength, ifindex, -,
   * seconds, nanoseconds] (the kernel's receive time, CLOCK_REALTIME; seconds as unsigned 32-bit, read with
   * `>>> 0`); set info[3] = 1 before the call to keep PACKET_OUTGOING frames, which are skipped otherwise.
   */
  receive(buffer: Uint8Array, timeoutMs: number, info?: Int32Array): number;
  mtu(): number;
  mac(): Uint8Array;
  close(): void;
}

export interface NativeAddon {
  PacketSocket: new (ifname: string, options?: NativePacketSocketOptions) => NativePacketSocket;
  PacketType: { HOST: number; BROADCAST: number; MULTICAST: number; OTHERHOST: number; OUTGOING: number };
  /** CLOCK_MONOTONIC in ms. */
  monotonicMs(): number;
  /** Blocks until CLOCK_MONOTONIC reaches `targetMs` (clock_nanosleep TIMER_ABSTIME). */
  sleepUntilMs(targetMs: number): void;
  /** SCHED_FIFO at `priority` (1..99) for the calling thread, or SCHED_OTHER for 0; false when not permitted. */
  setRealtime(priority: number): boolean;
}

/** Linux sll_pkttype values (linux/if_packet.h). */
export const PacketType = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3, OUTGOING: 4 } as const;

/** Absolute path of the built addon. */
export const nativeAddonPath = fileURLToPath(
  new URL('../../src/inject/native/build/Release/af_packet.node', import.meta.url),
);

let loaded: NativeAddon | undefined;

/** Loads the addon once; a missing build becomes an InjectError saying how to build it. */
export function loadNativeAddon(): NativeAddon {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    throw new InjectError('ENOTSUP', 'layer 2 injection needs Linux (AF_PACKET sockets)');
  }
  if (!existsSync(nativeAddonPath)) {
    throw new InjectError(
      'ENOADDON',
      `the AF_PACKET addon is not built (${nativeAddonPath}); build it with: node-gyp rebuild -C src/inject/native`,
    );
  }
  const require = createRequire(import.meta.url);
  loaded = require(nativeAddonPath) as NativeAddon;
  return loaded;
}
