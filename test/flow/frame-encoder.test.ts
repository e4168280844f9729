import { describe, expect, it } from 'vitest';
import { FlowFrameEncoder } from '../../src/flow/frame-encoder.js';
import { type FlowCaptureOptions, flowFrames } from '../../src/flow/packets.js';
import { synthesizeFlow } from '../../src/flow/simulator.js';

/** The in-place encoder must write exactly the frames the packet model makes (flowFrames). */
describe('FlowFrameEncoder writes the packet model’s bytes', () => {
  const cases: Array<{
    name: string;
    capture: FlowCaptureOptions;
    flow: Parameters<typeof synthesizeFlow>[0];
  }> = [
    {
      name: 'IPv4 over Ethernet, loss, SACK blocks, FIN, pattern payload',
      capture: {
        ipVersion: 4,
        clientIp: '192.0.2.1',
        serverIp: '198.51.100.7',
        clientPort: 45678,
        serverPort: 33333,
      },
      flow: { request: 200_000, response: 30_000, loss: 0.03, seed: 5 },
    },
    {
      name: 'IPv6, raw IP, no timestamps, no SACK, caller bytes of odd length',
      capture: {
        ipVersion: 6,
        clientIp: '2001:db8::1',
        serverIp: '2001:db8::2',
        clientPort: 1,
        serverPort: 65535,
        ethernet: false,
        ttl: 3,
      },
      flow: {
        request: Uint8Array.from({ length: 12_345 }, (_, i) => (i * 7919) & 0xff),
        response: 777,
        timestamps: false,
        sack: false,
        drop: 'c3,s1',
        ipVersion: 6,
      },
    },
    {
      name: 'several connections with their own client ports, RST close, IP id start',
      capture: {
        ipVersion: 4,
        clientIp: '10.0.0.1',
        serverIp: '10.0.0.2',
        clientPort: 40000,
        serverPort: 80,
        ipId: 0xfffe,
        clientPortFor: (k) => 40000 + k,
        clientMac: '02:11:22:33:44:55',
      },
      flow: { request: 3000, response: 5000, connections: 3, closeWith: 'rst', windowScale: -1 },
    },
    {
      name: 'ECN: ECT(0) and CE in the IPv4 TOS and the IPv6 traffic class, ECE and CWR flags',
      capture: {
        ipVersion: 6,
        clientIp: '2001:db8::1',
        serverIp: '2001:db8::2',
        clientPort: 45678,
        serverPort: 33333,
      },
      flow: {
        request: 400_000,
        response: 0,
        ecn: true,
        bandwidthBps: 10_000_000,
        queuePackets: 30,
        ecnThresholdPackets: 5,
        captureAt: 'server',
        ipVersion: 6,
      },
    },
    {
      name: 'ECN over IPv4',
      capture: {
        ipVersion: 4,
        clientIp: '192.0.2.1',
        serverIp: '198.51.100.7',
        clientPort: 45678,
        serverPort: 33333,
      },
      flow: {
        request: 400_000,
        response: 0,
        ecn: true,
        bandwidthBps: 10_000_000,
        queuePackets: 30,
        ecnThresholdPackets: 5,
        captureAt: 'server',
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = synthesizeFlow(c.flow);
      const expected = [...flowFrames(result.segments, c.capture)].map((f) => f.data);
      const encoder = new FlowFrameEncoder(c.capture);
      const out = new Uint8Array(70_000);
      expect(expected.length).toBeGreaterThan(10);
      if (c.flow?.ecn) expect(result.segments.some((segment) => segment.ecn === 3)).toBe(true);
      result.segments.forEach((segment, i) => {
        const length = encoder.frameLength(segment);
        out.fill(0xa5);
        expect(encoder.encode(segment, out, 3)).toBe(length);
        expect(out.subarray(3, 3 + length)).toEqual(expected[i]);
      });
    });
  }
});
