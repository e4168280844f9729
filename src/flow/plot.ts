/**
 * SVG pictures of a flow, in the style of tcptrace/Wireshark's Stevens graph:
 *   top panel    time/sequence graph of the bulk direction as the capture point saw it: data segments
 *                (vertical bars from seq to seq+len), retransmissions in red, zero window probes in
 *                orange, the ACK line, the receive-window line (ack + scaled window), SACKed ranges,
 *                zero-window ACKs marked;
 *   bottom panel the sender's cwnd, ssthresh and bytes in flight over time from the trace, with RTO and
 *                recovery events marked.
 */
import type { FlowResult } from './simulator.js';
import type { TraceEvent } from './trace.js';
import { type CapturedSegment, type Side, TCP_FIN, TCP_SYN } from './types.js';

export interface PlotOptions {
  /** Which direction's data to draw; default the one that sent more bytes. */
  side?: Side;
  /** Which connection; default 0. */
  connection?: number;
  width?: number;
  height?: number;
  title?: string;
}

const COLORS = {
  data: '#1f4e9c',
  retransmission: '#d62728',
  probe: '#ff7f0e',
  ack: '#2ca02c',
  window: '#b8860b',
  sack: '#9467bd',
  zeroWindow: '#d62728',
  cwnd: '#1f4e9c',
  ssthresh: '#d62728',
  inFlight: '#2ca02c',
  rto: '#d62728',
  recovery: '#ff7f0e',
  // --- rack
  tlp: '#8c564b',
  undo: '#17becf',
  // --- end rack
  grid: '#e4e4e4',
  axis: '#333333',
};

interface Scale {
  min: number;
  max: number;
  pixelMin: number;
  pixelMax: number;
}

function project(scale: Scale, value: number): number {
  const span = scale.max - scale.min || 1;
  return scale.pixelMin + ((value - scale.min) / span) * (scale.pixelMax - scale.pixelMin);
}

/** "Nice" tick positions (1, 2, 5 x 10^k steps) covering [min, max]. */
export function niceTicks(min: number, max: number, approximateCount = 6): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / approximateCount;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => span / s <= approximateCount) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatBytes(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(4))} MB`;
  if (abs >= 1e3) return `${Number((value / 1e3).toPrecision(4))} kB`;
  return `${value} B`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function polyline(points: Array<[number, number]>, color: string, width: number, extra = ''): string {
  if (points.length === 0) return '';
  const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}" ${extra}/>`;
}

/** Step line: the value holds until the next point. */
function steps(points: Array<[number, number]>, endX: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  points.forEach(([x, y], i) => {
    if (i > 0) out.push([x, points[i - 1]![1]]);
    out.push([x, y]);
  });
  if (points.length > 0) out.push([endX, points.at(-1)![1]]);
  return out;
}

function axes(
  x: Scale,
  y: Scale,
  xLabel: string,
  yLabel: string,
  yFormat: (v: number) => string,
  xFormat: (v: number) => string,
): string {
  const parts: string[] = [];
  for (const t of niceTicks(x.min, x.max, 8)) {
    const px = project(x, t);
    parts.push(`<line x1="${px}" y1="${y.pixelMin}" x2="${px}" y2="${y.pixelMax}" stroke="${COLORS.grid}"/>`);
    parts.push(
      `<line x1="${px}" y1="${y.pixelMin}" x2="${px}" y2="${y.pixelMin + 5}" stroke="${COLORS.axis}"/>`,
    );
    parts.push(`<text x="${px}" y="${y.pixelMin + 18}" text-anchor="middle">${xFormat(t)}</text>`);
  }
  for (const t of niceTicks(y.min, y.max, 6)) {
    const py = project(y, t);
    parts.push(`<line x1="${x.pixelMin}" y1="${py}" x2="${x.pixelMax}" y2="${py}" stroke="${COLORS.grid}"/>`);
    parts.push(
      `<line x1="${x.pixelMin - 5}" y1="${py}" x2="${x.pixelMin}" y2="${py}" stroke="${COLORS.axis}"/>`,
    );
    parts.push(`<text x="${x.pixelMin - 8}" y="${py + 4}" text-anchor="end">${yFormat(t)}</text>`);
  }
  parts.push(
    `<rect x="${x.pixelMin}" y="${y.pixelMax}" width="${x.pixelMax - x.pixelMin}" height="${y.pixelMin - y.pixelMax}" fill="none" stroke="${COLORS.axis}"/>`,
  );
  parts.push(
    `<text x="${(x.pixelMin + x.pixelMax) / 2}" y="${y.pixelMin + 36}" text-anchor="middle">${xLabel}</text>`,
  );
  const cy = (y.pixelMin + y.pixelMax) / 2;
  parts.push(
    `<text x="${x.pixelMin - 62}" y="${cy}" text-anchor="middle" transform="rotate(-90 ${x.pixelMin - 62} ${cy})">${yLabel}</text>`,
  );
  return parts.join('\n');
}

function legend(
  x: number,
  y: number,
  items: Array<{ label: string; color: string; kind: 'line' | 'bar' | 'dash' | 'dot' }>,
): string {
  const parts: string[] = [];
  let cx = x;
  for (const item of items) {
    if (item.kind === 'bar')
      parts.push(
        `<line x1="${cx + 8}" y1="${y - 9}" x2="${cx + 8}" y2="${y + 3}" stroke="${item.color}" stroke-width="3"/>`,
      );
    else if (item.kind === 'dot')
      parts.push(`<circle cx="${cx + 8}" cy="${y - 3}" r="4" fill="${item.color}"/>`);
    else
      parts.push(
        `<line x1="${cx}" y1="${y - 3}" x2="${cx + 18}" y2="${y - 3}" stroke="${item.color}" stroke-width="2"${item.kind === 'dash' ? ' stroke-dasharray="5,3"' : ''}/>`,
      );
    parts.push(`<text x="${cx + 24}" y="${y + 1}">${escapeXml(item.label)}</text>`);
    cx += 44 + item.label.length * 6.6;
  }
  return parts.join('\n');
}

/** Renders the two-panel SVG of a flow. */
export function plotFlow(result: FlowResult, options: PlotOptions = {}): string {
  const connection = options.connection ?? 0;
  const segments = result.segments.filter((s) => s.connection === connection);
  const bytesFrom = (side: Side): number =>
    segments.filter((s) => s.from === side).reduce((sum, s) => sum + s.payload.length, 0);
  const side: Side = options.side ?? (bytesFrom('client') >= bytesFrom('server') ? 'client' : 'server');
  const peer: Side = side === 'client' ? 'server' : 'client';
  const width = options.width ?? 1200;
  const height = options.height ?? 900;
  const startUs = result.summary.startTimeUs;
  const t0 = segments.length > 0 ? segments[0]!.timeUs : startUs;
  const seconds = (absUs: number): number => (absUs - t0) / 1e6;

  const senderSyn = segments.find((s) => s.from === side && s.flags & TCP_SYN);
  const receiverSyn = segments.find((s) => s.from === peer && s.flags & TCP_SYN);
  const iss = senderSyn ? senderSyn.seq : (segments.find((s) => s.from === side)?.seq ?? 1) - 1;
  const rel = (seq: number): number => (seq - iss) >>> 0;
  const receiverShift =
    senderSyn?.wscale !== undefined && receiverSyn?.wscale !== undefined ? receiverSyn.wscale : 0;

  const data = segments.filter((s) => s.from === side && (s.payload.length > 0 || s.flags & TCP_FIN));
  const acks = segments.filter((s) => s.from === peer && s.flags & 0x10 && !(s.flags & TCP_SYN));
  const trace = result.trace.filter((e) => e.connection === connection && e.side === side);
  const endSeconds = Math.max(
    segments.length > 0 ? seconds(segments.at(-1)!.timeUs) : 0,
    trace.length > 0 ? (trace.at(-1)!.timeUs + startUs - t0) / 1e6 : 0,
    1e-3,
  );
  let maxSeq = 1;
  for (const s of data) maxSeq = Math.max(maxSeq, rel(s.seq) + s.payload.length);
  for (const a of acks) maxSeq = Math.max(maxSeq, rel(a.ack) + a.window * 2 ** receiverShift);

  const left = 90;
  const right = width - 30;
  const top1 = 60;
  const bottom1 = Math.round(height * 0.58);
  const top2 = bottom1 + 80;
  const bottom2 = height - 70;
  const x: Scale = { min: 0, max: endSeconds, pixelMin: left, pixelMax: right };
  const y1: Scale = { min: 0, max: maxSeq * 1.03, pixelMin: bottom1, pixelMax: top1 };
  const formatSeconds = (v: number): string =>
    endSeconds < 2 ? `${Number((v * 1000).toPrecision(6))} ms` : `${v} s`;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  const title = options.title ?? `TCP flow: ${side} → ${peer} data (connection ${connection})`;
  out.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  );
  out.push(axes(x, y1, 'time', 'relative sequence number', formatBytes, formatSeconds));

  // Zero-window periods: a light band from a zero-window ACK to the next ACK that opens the window.
  let zeroSince: number | undefined;
  for (const a of acks) {
    if (a.window === 0 && zeroSince === undefined) zeroSince = seconds(a.timeUs);
    if (a.window !== 0 && zeroSince !== undefined) {
      const xa = project(x, zeroSince);
      const xb = project(x, seconds(a.timeUs));
      out.push(
        `<rect x="${xa.toFixed(1)}" y="${top1}" width="${Math.max(1, xb - xa).toFixed(1)}" height="${bottom1 - top1}" fill="${COLORS.zeroWindow}" opacity="0.08"/>`,
      );
      zeroSince = undefined;
    }
  }
  // Receive window line and ACK line (steps).
  const ackPoints: Array<[number, number]> = acks.map((a) => [
    project(x, seconds(a.timeUs)),
    project(y1, rel(a.ack)),
  ]);
  const windowPoints: Array<[number, number]> = acks.map((a) => [
    project(x, seconds(a.timeUs)),
    project(y1, rel(a.ack) + a.window * 2 ** receiverShift),
  ]);
  out.push(polyline(steps(windowPoints, right), COLORS.window, 1.5));
  out.push(polyline(steps(ackPoints, right), COLORS.ack, 1.5));
  // SACKed ranges.
  for (const a of acks) {
    for (const [l, r] of a.sackBlocks ?? []) {
      const px = project(x, seconds(a.timeUs));
      out.push(
        `<line x1="${px.toFixed(1)}" y1="${project(y1, rel(l)).toFixed(1)}" x2="${px.toFixed(1)}" y2="${project(y1, rel(r)).toFixed(1)}" stroke="${COLORS.sack}" stroke-width="3" opacity="0.6"/>`,
      );
    }
  }
  // Zero-window ACKs.
  for (const a of acks) {
    if (a.window === 0) {
      out.push(
        `<circle cx="${project(x, seconds(a.timeUs)).toFixed(1)}" cy="${project(y1, rel(a.ack)).toFixed(1)}" r="4" fill="none" stroke="${COLORS.zeroWindow}" stroke-width="1.5"/>`,
      );
    }
  }
  // Data segments; retransmissions and probes are drawn last so they stay on top.
  let highest = 0;
  const marked: string[] = [];
  for (const s of data) {
    const start = rel(s.seq);
    const end = start + Math.max(s.payload.length, 1);
    const isProbe = s.note === 'zero window probe';
    const isRetransmission = !isProbe && start < highest;
    if (!isProbe) highest = Math.max(highest, end);
    const color = isProbe ? COLORS.probe : isRetransmission ? COLORS.retransmission : COLORS.data;
    const px = project(x, seconds(s.timeUs)).toFixed(1);
    const yA = project(y1, start);
    const yB = Math.min(project(y1, end), yA - 2);
    const w = isRetransmission || isProbe ? 2.5 : 1.5;
    const target = isRetransmission || isProbe ? marked : out;
    target.push(
      `<line x1="${px}" y1="${yA.toFixed(1)}" x2="${px}" y2="${yB.toFixed(1)}" stroke="${color}" stroke-width="${w}"/>`,
    );
    if (isRetransmission || isProbe) {
      target.push(
        `<circle cx="${px}" cy="${yB.toFixed(1)}" r="3.5" fill="${color}" stroke="white" stroke-width="0.8"/>`,
      );
    }
  }
  out.push(...marked);
  out.push(
    legend(left, top1 - 12, [
      { label: 'data segment', color: COLORS.data, kind: 'bar' },
      { label: 'retransmission', color: COLORS.retransmission, kind: 'bar' },
      { label: 'zero window probe', color: COLORS.probe, kind: 'bar' },
      { label: 'ACK', color: COLORS.ack, kind: 'line' },
      { label: 'receive window (ACK + rwnd)', color: COLORS.window, kind: 'line' },
      { label: 'SACK block', color: COLORS.sack, kind: 'bar' },
      { label: 'zero window (shaded)', color: COLORS.zeroWindow, kind: 'dot' },
    ]),
  );

  // Bottom panel: congestion state from the trace.
  const stateEvents = trace.filter(
    (e) =>
      e.kind === 'send' ||
      e.kind === 'ack' ||
      e.kind === 'rto' ||
      e.kind === 'undo' || // --- rack: the restored window shows
      e.kind === 'tlp-loss' ||
      e.kind.startsWith('recovery'),
  );
  const traceSeconds = (e: TraceEvent): number => (e.timeUs + startUs - t0) / 1e6;
  let maxWindow = 1;
  for (const e of stateEvents) {
    maxWindow = Math.max(maxWindow, e.cwnd, e.bytesInFlight, e.ssthresh ?? 0);
  }
  const y2: Scale = { min: 0, max: maxWindow * 1.08, pixelMin: bottom2, pixelMax: top2 };
  out.push(axes(x, y2, 'time', 'bytes', formatBytes, formatSeconds));
  for (const e of trace) {
    // --- rack: tail loss probes and undone (spurious) timeouts are marked too
    const marked = e.kind === 'rto' || e.kind === 'recovery-start' || e.kind === 'tlp' || e.kind === 'undo';
    if (marked) {
      const px = project(x, traceSeconds(e)).toFixed(1);
      const color =
        e.kind === 'rto'
          ? COLORS.rto
          : e.kind === 'tlp'
            ? COLORS.tlp
            : e.kind === 'undo'
              ? COLORS.undo
              : COLORS.recovery;
      out.push(
        `<line x1="${px}" y1="${y2.pixelMin}" x2="${px}" y2="${y2.pixelMax}" stroke="${color}" stroke-dasharray="2,3" opacity="0.7"/>`,
      );
    }
  }
  const at = (e: TraceEvent, v: number): [number, number] => [project(x, traceSeconds(e)), project(y2, v)];
  out.push(
    polyline(
      steps(
        stateEvents.map((e) => at(e, e.bytesInFlight)),
        right,
      ),
      COLORS.inFlight,
      1.2,
      'opacity="0.85"',
    ),
  );
  out.push(
    polyline(
      steps(
        stateEvents.map((e) => at(e, e.cwnd)),
        right,
      ),
      COLORS.cwnd,
      2,
    ),
  );
  const withThreshold = stateEvents.filter((e) => e.ssthresh !== null);
  out.push(
    polyline(
      steps(
        withThreshold.map((e) => at(e, Math.min(e.ssthresh!, y2.max))),
        right,
      ),
      COLORS.ssthresh,
      1.5,
      'stroke-dasharray="6,4"',
    ),
  );
  out.push(
    legend(left, top2 - 12, [
      { label: 'cwnd', color: COLORS.cwnd, kind: 'line' },
      { label: 'ssthresh', color: COLORS.ssthresh, kind: 'dash' },
      { label: 'bytes in flight', color: COLORS.inFlight, kind: 'line' },
      { label: 'fast retransmit', color: COLORS.recovery, kind: 'dash' },
      { label: 'RTO', color: COLORS.rto, kind: 'dash' },
      { label: 'TLP', color: COLORS.tlp, kind: 'dash' }, // --- rack: tail loss probe
      { label: 'RTO undone', color: COLORS.undo, kind: 'dash' },
    ]),
  );
  out.push('</svg>');
  return out.join('\n');
}

export type { CapturedSegment };
