/**
 * The benchmark workloads of DESIGN.md, as a packet plus `--vary` expressions for the engine and as
 * explicit per-packet layer stacks for the ordinary packet API. Both must give the same bytes.
 */
import { numberToIpv4 } from '../core/address.js';
import { ether } from '../layers/ethernet.js';
import { gtpu } from '../layers/gtpu.js';
import { type Ipv4Fields, ipv4 } from '../layers/ipv4.js';
import type { LayerValue } from '../layers/layer.js';
import { UDP_PORT } from '../layers/numbers.js';
import { raw } from '../layers/raw.js';
import { type TcpFields, tcp } from '../layers/tcp.js';
import { type UdpFields, udp } from '../layers/udp.js';
import { vxlan } from '../layers/vxlan.js';

export type WorkloadName = 'gtpu' | 'vxlan';

export interface Workload {
  readonly name: WorkloadName;
  /** The packet of index 0 (what the engine compiles). */
  readonly layers: readonly LayerValue[];
  /** What changes per packet. */
  readonly vary: readonly string[];
  /** Packet i with every varying value written explicitly (the ordinary API path). */
  packet(i: number): LayerValue[];
  /**
   * One layer stack built once, and a function that sets packet i's varying fields on it: the
   * ordinary API used the way gopacket's SerializeLayers is (layer structs reused, fields set; the
   * inner IPv4 source is a reused 4-byte Uint8Array, like gopacket's net.IP).
   */
  reusable(): ReusableStack;
}

export interface ReusableStack {
  readonly layers: readonly LayerValue[];
  set(i: number): void;
}

const INNER_BASE = 0x0a000000; // 10.0.0.0

function innerFlow(i: number): LayerValue[] {
  return [
    ipv4({ id: 0, src: numberToIpv4((INNER_BASE + i) >>> 0), dst: '203.0.113.10' }),
    tcp({ sport: 1024 + (i % 60000), dport: 443, seq: i >>> 0, ack: 1, flags: 'PA', window: 65535 }),
    raw({ len: 64 }),
  ];
}

/** Ether / IPv4 / UDP 2152 / GTP-U TEID=i / IPv4 (10.0.0.0+i)→203.0.113.10 / TCP 1024+(i mod 60000)→443 seq=i / 64 bytes. */
export function gtpuPacket(i: number): LayerValue[] {
  return [
    ether(),
    ipv4({ id: 0, src: '192.0.2.1', dst: '192.0.2.2' }),
    udp({ sport: UDP_PORT.gtpu, dport: UDP_PORT.gtpu }),
    gtpu({ teid: i >>> 0 }),
    ...innerFlow(i),
  ];
}

/** Ether / IPv4 / UDP (49152 + i mod 16384)→4789 / VXLAN VNI=i mod 2^24 / Ether / IPv4 / TCP / 64 bytes. */
export function vxlanPacket(i: number): LayerValue[] {
  return [
    ether(),
    ipv4({ id: 0, src: '192.0.2.1', dst: '192.0.2.2' }),
    udp({ sport: 49152 + (i % 16384), dport: UDP_PORT.vxlan }),
    vxlan({ vni: i % 0x1000000 }),
    ether({ src: '02:00:00:00:01:01', dst: '02:00:00:00:01:02' }),
    ...innerFlow(i),
  ];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function reusableStack(name: WorkloadName): ReusableStack {
  const layers = name === 'gtpu' ? gtpuPacket(0) : vxlanPacket(0);
  const at = (layer: string, occurrence = 0): Record<string, unknown> =>
    layers.filter((value) => value.layer === layer)[occurrence]!.fields as Mutable<Record<string, unknown>>;
  const innerIp = at('ipv4', 1) as Mutable<Ipv4Fields>;
  const innerTcp = at('tcp') as Mutable<TcpFields>;
  const outerUdp = at('udp') as Mutable<UdpFields>;
  const tunnel = at(name);
  // The inner source as address bytes (as gopacket's net.IP): one 4-byte array, rewritten per packet.
  const innerSource = new Uint8Array(4);
  innerIp.src = innerSource;
  return {
    layers,
    set(i: number): void {
      const source = (INNER_BASE + i) >>> 0;
      innerSource[0] = source >>> 24;
      innerSource[1] = source >>> 16;
      innerSource[2] = source >>> 8;
      innerSource[3] = source;
      innerTcp.sport = 1024 + (i % 60000);
      innerTcp.seq = i >>> 0;
      if (name === 'gtpu') {
        tunnel.teid = i >>> 0;
      } else {
        outerUdp.sport = 49152 + (i % 16384);
        tunnel.vni = i % 0x1000000;
      }
    },
  };
}

const FLOW_VARY = ['ipv4[1].src=10.0.0.0+', 'tcp.sport=1024..61023', 'tcp.seq=0+'];

export const workloads: Readonly<Record<WorkloadName, Workload>> = {
  gtpu: {
    name: 'gtpu',
    layers: gtpuPacket(0),
    vary: ['gtpu.teid=0+', ...FLOW_VARY],
    packet: gtpuPacket,
    reusable: () => reusableStack('gtpu'),
  },
  vxlan: {
    name: 'vxlan',
    layers: vxlanPacket(0),
    vary: ['udp.sport=49152..65535', 'vxlan.vni=0+', ...FLOW_VARY],
    packet: vxlanPacket,
    reusable: () => reusableStack('vxlan'),
  },
};
