/**
 * `journey --plot`: the phone ↔ HAProxy connection drawn by the flow module's plot (time/sequence graph
 * plus cwnd / ssthresh / bytes in flight), as seen on the phone (the radio hop): the phone's segments
 * when sent, HAProxy's when they arrive. The direction drawn is the one with more bytes (the request).
 */
import { writeFileSync } from 'node:fs';
import { plotFlow } from '../flow/plot.js';
import type { FlowResult, FlowSummary } from '../flow/simulator.js';
import type { CapturedSegment } from '../flow/types.js';
import type { JourneyResult } from './journey.js';

/** The first connection as a FlowResult seen at the phone, for the flow module's plot. */
export function journeyFlowAtPhone(result: JourneyResult, connectionIndex = 0): FlowResult {
  const connection = result.connections[connectionIndex];
  if (!connection) throw new RangeError(`no connection ${connectionIndex}`);
  const segments: CapturedSegment[] = [];
  for (const { segment, lostAtUs } of connection.front.transmissions) {
    if (segment.from === 'client') segments.push({ ...segment, connection: 0 });
    else if (lostAtUs === undefined)
      segments.push({ ...segment, connection: 0, timeUs: segment.timeUs + result.oneWayUs });
  }
  segments.sort((a, b) => a.timeUs - b.timeUs);
  const startTimeUs = segments[0]?.timeUs ?? result.config.startTime * 1_000_000;
  const summary = {
    startTimeUs,
    connections: [],
    segmentsCaptured: segments.length,
  } as unknown as FlowSummary;
  return { segments, trace: connection.front.trace.map((event) => ({ ...event, connection: 0 })), summary };
}

/** Writes the SVG of the first connection (the one with the lessons). */
export function writeJourneyPlot(result: JourneyResult, path: string): void {
  const flow = journeyFlowAtPhone(result, 0);
  const svg = plotFlow(flow, {
    side: 'client',
    title: `order journey: phone ${result.config.phone.ip} -> ${result.config.slb.vip}:${result.config.slb.port}, seen on the phone`,
  });
  writeFileSync(path, svg);
}
