/** Turns the kernel's errors (errno names thrown by the addon or raw-socket) into InjectError with a clear reason. */
import { InjectError } from '../core/errors.js';

/** The one line printed when CAP_NET_RAW is missing. */
export const NEED_CAP_NET_RAW =
  'sending raw packets needs CAP_NET_RAW: run as root, or grant it to node with ' +
  'setcap cap_net_raw+ep $(readlink -f $(which node))';

/** Errno name of a thrown system error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  if (error instanceof Error) {
    // raw-socket throws plain Errors whose message is strerror(errno)
    const byMessage: Array<[RegExp, string]> = [
      [/operation not permitted/i, 'EPERM'],
      [/permission denied/i, 'EACCES'],
      [/no such device/i, 'ENODEV'],
      [/network is down/i, 'ENETDOWN'],
      [/message too long/i, 'EMSGSIZE'],
      [/network is unreachable/i, 'ENETUNREACH'],
    ];
    for (const [pattern, code] of byMessage) if (pattern.test(error.message)) return code;
  }
  return undefined;
}

/** Converts any error from a socket call into an InjectError; InjectErrors pass through. */
export function toInjectError(error: unknown, interfaceName: string, action: string): InjectError {
  if (error instanceof InjectError) return error;
  const code = errnoCode(error) ?? 'EUNKNOWN';
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return new InjectError('EPERM', NEED_CAP_NET_RAW);
    case 'ENODEV':
    case 'ENXIO':
      return new InjectError(
        'ENODEV',
        `interface '${interfaceName}' does not exist (in this network namespace)`,
      );
    case 'ENETDOWN':
      return new InjectError(
        'ENETDOWN',
        `interface '${interfaceName}' is down; bring it up with: ip link set ${interfaceName} up`,
      );
    case 'EMSGSIZE':
      return new InjectError(
        'EMSGSIZE',
        `the kernel refused to ${action} on '${interfaceName}': the frame is larger than the interface allows (EMSGSIZE)`,
      );
    case 'ENETUNREACH':
      return new InjectError('ENETUNREACH', `no route to ${action} on '${interfaceName}' (ENETUNREACH)`);
    case 'ENOBUFS':
      return new InjectError('ENOBUFS', `the transmit queue of '${interfaceName}' is full (ENOBUFS)`);
    default:
      return new InjectError(code, `could not ${action} on '${interfaceName}': ${detail}`);
  }
}
