/**
 * The kernel's routing tables as text: /proc/net/route (IPv4: a header line, then interface,
 * destination, gateway, flags, refcnt, use, metric, mask ... with addresses as little-endian hex) and
 * /proc/net/ipv6_route (no header: destination, prefix length, source, source prefix length, next
 * hop, metric, refcnt, use, flags, interface, with addresses as 32 hex digits).
 */

export interface Ipv4Route {
  readonly interfaceName: string;
  /** Network, gateway and mask as unsigned 32-bit numbers (host order). */
  readonly destination: number;
  readonly gateway: number;
  readonly mask: number;
  readonly flags: number;
}

export interface Ipv6Route {
  readonly interfaceName: string;
  readonly destination: Uint8Array;
  readonly prefixLength: number;
  readonly nextHop: Uint8Array;
  readonly flags: number;
}

/** A little-endian hex word of /proc/net/route as an unsigned number in network order. */
function littleEndianHex(hex: string): number {
  const little = Number.parseInt(hex, 16);
  return (
    (((little & 0xff) << 24) |
      (((little >>> 8) & 0xff) << 16) |
      (((little >>> 16) & 0xff) << 8) |
      (little >>> 24)) >>>
    0
  );
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export function parseIpv4Routes(text: string): Ipv4Route[] {
  const routes: Ipv4Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 8) continue;
    routes.push({
      interfaceName: columns[0]!,
      destination: littleEndianHex(columns[1]!),
      gateway: littleEndianHex(columns[2]!),
      flags: Number.parseInt(columns[3]!, 16),
      mask: littleEndianHex(columns[7]!),
    });
  }
  return routes;
}

export function parseIpv6Routes(text: string): Ipv6Route[] {
  const routes: Ipv6Route[] = [];
  for (const line of text.split('\n')) {
    const columns = line.trim().split(/\s+/);
    if (columns.length < 10) continue;
    const destination = hexBytes(columns[0]!);
    const nextHop = hexBytes(columns[4]!);
    const prefixLength = Number.parseInt(columns[1]!, 16);
    if (destination.length !== 16 || nextHop.length !== 16 || !(prefixLength >= 0 && prefixLength <= 128))
      continue;
    routes.push({
      interfaceName: columns[9]!,
      destination,
      prefixLength,
      nextHop,
      flags: Number.parseInt(columns[8]!, 16),
    });
  }
  return routes;
}
