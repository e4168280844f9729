/**
 * Layer 3 sending: IPv4 and IPv6 packets with our own header through raw IP sockets (`raw-socket`
 * package, IPPROTO_RAW: IP_HDRINCL for IPv4, and for IPv6 Linux takes the header from the packet too),
 * bound to one interface with SO_BINDTODEVICE so the routing table cannot carry the packet out of
 * another one. The IPv6 socket is opened with the first IPv6 packet.
 */
import { createRequire } from 'node:module';
import { formatIPv4, formatIPv6 } from '../core/address.js';
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
const IPV4 = 4;
const IPV6 = 6;

function rawSocketModule(): RawSocketModule {
  const require = createRequire(import.meta.url);
  return require('raw-socket') as RawSocketModule;
}

export interface OpenRawIpOptions extends SafetyOptions {}

export class RawIpSocket {
  readonly interfaceName: string;
  readonly mtu: number;
  private readonly socket: RawSocketHandle;
  private socket6: RawSocketHandle | undefined;
  private readonly force: boolean;
  private closed = false;

  private constructor(socket: RawSocketHandle, interfaceName: string, mtu: number, force: boolean) {
    this.socket = socket;
    this.interfaceName = interfaceName;
    this.mtu = mtu;
    this.force = force;
  }

  /** A raw socket of `version` (IPPROTO_RAW), receiving nothing, bound to `name`. */
  private static bound(version: typeof IPV4 | typeof IPV6, name: string): RawSocketHandle {
    const raw = rawSocketModule();
    const family = version === IPV4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6;
    let socket: RawSocketHandle;
    try {
      socket = raw.createSocket({ addressFamily: family, protocol: IPPROTO_RAW });
    } catch (error) {
      throw toInjectError(error, name, 'open a raw IP socket');
    }
    try {
      socket.pauseRecv(); // an IPPROTO_RAW socket never receives
      if (version === IPV4) socket.setOption(raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
      const device = Buffer.from(`${name}\0`);
      socket.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_BINDTODEVICE, device, device.length);
    } catch (error) {
      socket.close();
      throw toInjectError(error, name, 'bind a raw IP socket');
    }
    socket.on('error', () => {
      // errors are reported through each send's callback
    });
    return socket;
  }

  static open(interfaceName: string | undefined, options: OpenRawIpOptions = {}): RawIpSocket {
    const name = checkInterfaceAllowed(interfaceName, options);
    const mtu = interfaceMtu(name);
    if (mtu === undefined) {
      throw new InjectError('ENODEV', `interface '${name}' does not exist (in this network namespace)`);
    }
    requireCapNetRaw();
    const socket = RawIpSocket.bound(IPV4, name);
    return new RawIpSocket(socket, name, mtu, options.force ?? false);
  }

  /** Sends one IPv4 or IPv6 packet (header included) to its own destination address. */
  send(packet: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new InjectError('EBADF', 'the raw IP socket is closed'));
    const version = packet.length > 0 ? packet[0]! >> 4 : 0;
    if ((version !== 4 || packet.length < 20) && (version !== 6 || packet.length < 40)) {
      return Promise.reject(
        new InjectError('EINVAL', '--l3 sends IP packets: the spec must start with an ipv4 or ipv6 layer'),
      );
    }
    let socket = this.socket;
    try {
      checkPacketSize(packet, this.mtu, this.interfaceName, { force: this.force });
      if (version === 6) {
        this.socket6 ??= RawIpSocket.bound(IPV6, this.interfaceName);
        socket = this.socket6;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const destination = version === 4 ? formatIPv4(packet, 16) : formatIPv6(packet, 24);
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
      socket.send(buffer, 0, buffer.length, destination, (error) => {
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
    this.socket6?.close();
  }
}
