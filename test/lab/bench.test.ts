/** The L2 send-rate benchmark runs end to end (both senders on a veth pair in a namespace of its own). */
import { describe, expect, it } from 'vitest';
import { benchL2SendRate, benchPcap, parseTcpreplayOutput } from '../../src/inject/bench.js';
import { namespaceExists } from './lab.js';

describe('benchL2SendRate', () => {
  it('reports pktcraft and tcpreplay rates for the same pcap and removes its namespace', () => {
    const result = benchL2SendRate({ packets: 20_000, frameLength: 128 });
    expect(result.pktcraft.packets).toBe(20_000);
    expect(result.tcpreplay.packets).toBe(20_000);
    expect(result.pktcraft.packetsPerSecond).toBeGreaterThan(0);
    expect(result.tcpreplay.packetsPerSecond).toBeGreaterThan(0);
    expect(namespaceExists(`pkc-bench-${process.pid}`)).toBe(false);
  });

  it('reads tcpreplay output and writes a pcap of the asked size', () => {
    const text = `Actual: 1000 packets (128000 bytes) sent in 0.012345 seconds
Rated: 10368570.2 Bps, 82.94 Mbps, 81004.45 pps
Flows: 1 flows, 81.00 fps, 1000 unique flow packets, 0 unique non-flow packets`;
    expect(parseTcpreplayOutput(text)).toEqual({
      packets: 1000,
      seconds: 0.012345,
      megabitsPerSecond: 82.94,
      packetsPerSecond: 81004.45,
    });
    expect(benchPcap(10, 100).length).toBe(24 + 10 * 116);
  });
});
