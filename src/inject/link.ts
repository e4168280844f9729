/**
 * Layer 2 link: an AF_PACKET socket bound to one interface, with the safety checks applied and kernel errors
 * turned into InjectError.
 */
import { formatMac } from '../core/address.js';
import { InjectError } from '../core/errors.js';
import { toInjectError } from './errors.js';
import { loadNativeAddon, type NativePacketSocket, PacketType } from './native.js';
import {
  checkFrameSize,
  checkInterfaceAllowed,
  requireCapNetRaw,
  requireInterface,
  type SafetyOptions,
} from './safety.js';

export interface OpenLinkOptions extends SafetyOptions {
  /** Receive frames too (default true). A send-only link queues nothing. */
  receive?: boolean;
  /** Skip the qdisc (PACKET_QDISC_BYPASS), for raw speed. */
  qdiscBypass?: boolean;
  /** SO_RCVBUF in bytes (default: the kernel's). */
  receiveBufferBytes?: number;
  /** Skip the default-route/loopback checks (for receive-only use); the interface must still be named. */
  skipInterfaceCheck?: boolean;
}

/** One received frame; the object and its `bytes` view are reused by the next `receive` on the same link. */
export interface ReceivedFrame {
  /** The captured bytes (a view into the link's receive buffer). */
  bytes: Uint8Array;
  /** Length on the wire (larger than bytes.length when the buffer was too small). */
  wireLength: number;
  /** Linux packet type: 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing. */
  packetType: number;
  /** The kernel's receive time (CLOCK_REALTIME, SO_TIMESTAMPNS): seconds, 0 when the kernel gave none. */
  timestampSec: number;
  /** Nanoseconds of the receive time. */
  timestampNsec: number;
}

export const DEFAULT_RECEIVE_BUFFER = 262_144;

export class PacketLink {
  readonly interfaceName: string;
  readonly mtu: number;
  readonly mac: string;
  private readonly socket: NativePacketSocket;
  private readonly force: boolean;
  private readonly buffer: Uint8Array;
  private readonly info = new Int32Array(6);
  private readonly frame: ReceivedFrame;
  private closed = false;

  private constructor(
    socket: NativePacketSocket,
    interfaceName: string,
    force: boolean,
    bufferBytes: number,
  ) {
    this.socket = socket;
    this.interfaceName = interfaceName;
    this.force = force;
    this.mtu = socket.mtu();
    this.mac = formatMac(socket.mac());
    this.buffer = new Uint8Array(bufferBytes);
    this.frame = {
      bytes: this.buffer.subarray(0, 0),
      wireLength: 0,
      packetType: 0,
      timestampSec: 0,
      timestampNsec: 0,
    };
  }

  /** Opens an AF_PACKET socket on `interfaceName` after the safety checks. */
  static open(interfaceName: string | undefined, options: OpenLinkOptions = {}): PacketLink {
    const name = options.skipInterfaceCheck
      ? requireInterface(interfaceName)
      : checkInterfaceAllowed(interfaceName, options);
    requireCapNetRaw();
    const addon = loadNativeAddon();
    let socket: NativePacketSocket;
    try {
      socket = new addon.PacketSocket(name, {
        receive: options.receive ?? true,
        ignoreOutgoing: true,
        qdiscBypass: options.qdiscBypass ?? false,
        ...(options.receiveBufferBytes ? { receiveBufferBytes: options.receiveBufferBytes } : {}),
      });
    } catch (error) {
      throw toInjectError(error, name, 'open a packet socket');
    }
    return new PacketLink(socket, name, options.force ?? false, DEFAULT_RECEIVE_BUFFER);
  }

  /** Refuses a frame that does not fit the interface (unless the link was opened with force). */
  check(frame: Uint8Array, index?: number): void {
    checkFrameSize(frame, this.mtu, this.interfaceName, { force: this.force }, index);
  }

  /** Sends one frame after the size check. */
  send(frame: Uint8Array): void {
    this.check(frame);
    try {
      this.socket.send(frame);
    } catch (error) {
      throw toInjectError(error, this.interfaceName, 'send');
    }
  }

  /** Sends one frame without checks (the caller checked it already). Returns false when the queue was full. */
  sendUnchecked(frame: Uint8Array): boolean {
    try {
      this.socket.send(frame);
      return true;
    } catch (error) {
      const injectError = toInjectError(error, this.interfaceName, 'send');
      if (injectError.code === 'ENOBUFS' || injectError.code === 'EAGAIN') return false;
      throw injectError;
    }
  }

  /** Sends frames with sendmmsg; returns how many the kernel took (fewer when its queue filled). */
  sendBatch(frames: Uint8Array[], checked = false): number {
    if (!checked) {
      frames.forEach((frame, index) => {
        this.check(frame, index);
      });
    }
    try {
      return this.socket.sendBatch(frames);
    } catch (error) {
      const injectError = toInjectError(error, this.interfaceName, 'send');
      if (injectError.code === 'ENOBUFS' || injectError.code === 'EAGAIN') return 0;
      throw injectError;
    }
  }

  /** Sends `count` frames that are slices of one buffer (no per-frame objects); returns how many were taken. */
  sendSlices(bytes: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): number {
    try {
      return this.socket.sendBatch(bytes, offsets, lengths, count);
    } catch (error) {
      const injectError = toInjectError(error, this.interfaceName, 'send');
      if (injectError.code === 'ENOBUFS' || injectError.code === 'EAGAIN') return 0;
      throw injectError;
    }
  }

  /**
   * Waits up to `timeoutMs` for a frame that is not our own outgoing one. The returned object is reused by
   * the next call: copy `bytes` if you keep it.
   */
  receive(timeoutMs: number): ReceivedFrame | undefined {
    if (this.closed) throw new InjectError('EBADF', `the link on '${this.interfaceName}' is closed`);
    let length: number;
    try {
      length = this.socket.receive(this.buffer, Math.max(0, Math.round(timeoutMs)), this.info);
    } catch (error) {
      throw toInjectError(error, this.interfaceName, 'receive');
    }
    if (length < 0) return undefined;
    this.frame.bytes = this.buffer.subarray(0, length);
    this.frame.packetType = this.info[0]!;
    this.frame.wireLength = this.info[1]!;
    this.frame.timestampSec = this.info[4]! >>> 0;
    this.frame.timestampNsec = this.info[5]!;
    return this.frame;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

export { PacketType };
