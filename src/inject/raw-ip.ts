/**
 * Layer 3 sending: IPv4 packets with our own header through a raw IP socket (`raw-socket` package,
 * IPPROTO_RAW so IP_HDRINCL is on), bound to one interface with SO_BINDTODEVICE so the routing table cannot
 * carry the packet out of another one.
 */
import { createRequire } from 'node:module';
import { formatIPv4 } from '../core/address.js';
import { InjectError } from '../core/errors.js';
import { toInjectError } from './errors.js';
import {
  checkInterfaceAllowed,
  checkPacketSize,
  interfaceMtu,
  requireCapNetRaw,
  type SafetyOptions,
} from './safety.js';

interface RawSocketModule {
  createSocket(options: { addressFamily?: number; protocol?: number; bufferSize?: number }): RawSocketHandle;
  AddressFamily: { IPv4: number; IPv6: number };
  SocketLevel: { SOL_SOCKET: number; IPPROTO_IP: number };
  SocketOption: { IP_HDRINCL: number; SO_BINDTODEVICE: number };
}

interface RawSocketHandle {
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(
    buffer: Buffer,
    offset: number,
    length: number,
    address: string,
    afterCallback: (error: Error | null, bytes: number) => void,
  ): void;
  on(event: 'error', listener: (error: Error) => void): void;
  pauseRecv(): void;
  close(): void;
}

const IPPROTO_RAW = 255;

export interface OpenRawIpOptions extends SafetyOptions {}

export class RawIpSocket {
  readonly interfaceName: string;
  readonly mtu: number;
  private readonly socket: RawSocketHandle;
  private readonly force: boolean;
  private closed = false;

  private constructor(socket: RawSocketHandle, interfaceName: string, mtu: number, force: boolean) {
    this.socket = socket;
    this.interfaceName = interfaceName;
    this.mtu = mtu;
    this.force = force;
  }

  static open(interfaceName: string | undefined, options: OpenRawIpOptions = {}): RawIpSocket {
    const name = checkInterfaceAllowed(interfaceName, options);
    const mtu = interfaceMtu(name);
    if (mtu === undefined) {
      throw new InjectError('ENODEV', `interface '${name}' does not exist (in this network namespace)`);
    }
    requireCapNetRaw();
    const require = createRequire(import.meta.url);
    const raw = require('raw-socket') as RawSocketModule;
    let socket: RawSocketHandle;
    try {
      socket = raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: IPPROTO_RAW });
    } catch (error) {
      throw toInjectError(error, name, 'open a raw IP socket');
    }
    try {
      socket.pauseRecv(); // an IPPROTO_RAW socket never receives
      socket.setOption(raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
      const device = Buffer.from(`${name}\0`);
      socket.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_BINDTODEVICE, device, device.length);
    } catch (error) {
      socket.close();
      throw toInjectError(error, name, 'bind a raw IP socket');
    }
    socket.on('error', () => {
      // errors are reported through each send's callback
    });
    return new RawIpSocket(socket, name, mtu, options.force ?? false);
  }

  /** Sends one IPv4 packet (header included) to its own destination address. */
  send(packet: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new InjectError('EBADF', 'the raw IP socket is closed'));
    if (packet.length < 20 || packet[0]! >> 4 !== 4) {
      return Promise.reject(
        new InjectError('EINVAL', '--l3 sends IPv4 packets: the spec must start with an ipv4 layer'),
      );
    }
    try {
      checkPacketSize(packet, this.mtu, this.interfaceName, { force: this.force });
    } catch (error) {
      return Promise.reject(error);
    }
    const destination = formatIPv4(packet, 16);
    const buffer = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
    return new Promise((resolve, reject) => {
      // raw-socket sends when its (unreferenced) poll handle says writable: keep the event loop alive until
      // then, and give up if the kernel never takes the packet
      const keepAlive = setTimeout(
        () =>
          reject(
            new InjectError(
              'ETIMEDOUT',
              `the raw IP socket on '${this.interfaceName}' never became writable`,
            ),
          ),
        5000,
      );
      this.socket.send(buffer, 0, buffer.length, destination, (error) => {
        clearTimeout(keepAlive);
        if (error) reject(toInjectError(error, this.interfaceName, 'send'));
        else resolve();
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
