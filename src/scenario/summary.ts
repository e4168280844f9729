/**
 * The journey's terminal summary: a table of hops (name, link type, encapsulation, packets, bytes) and
 * an ASCII ladder diagram of the phone ↔ HAProxy TCP exchange, drawn from the phone's side (its own
 * sends at their send time, HAProxy's at their arrival time) with losses marked where they happen.
 * Pure text: the CLI prints it.
 */
// --- j-carriers: the carrier path in the summary ---
import { carrierRouteLine, formatCarrierPath } from './carriers.js';
// --- end j-carriers ---
import { hopStats, type Scenario } from './engine.js';
import { flagNames, type JourneyResult } from './journey.js';
// --- j-setup: the setup's lines before the connections ---
import { formatSetupLadder } from './setup.js';

// --- end j-setup ---

const LINK_TYPE_NAMES: Readonly<Record<number, string>> = { 1: 'Ethernet', 101: 'Raw IP' };

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}
function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** The hop table. */
export function formatHopTable(scenario: Scenario): string {
  const rows = hopStats(scenario).map((stat) => [
    stat.fileName,
    LINK_TYPE_NAMES[stat.hop.linkType] ?? `linktype ${stat.hop.linkType}`,
    stat.hop.encapsulation,
    String(stat.packets),
    String(stat.bytes),
  ]);
  const header = ['hop', 'link type', 'encapsulation', 'packets', 'bytes'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column >= 3 ? padLeft(cell, widths[column]!) : pad(cell, widths[column]!)))
      .join('  ');
  const total = hopStats(scenario).reduce(
    (sum, stat) => ({ packets: sum.packets + stat.packets, bytes: sum.bytes + stat.bytes }),
    {
      packets: 0,
      bytes: 0,
    },
  );
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.map(line),
    `${' '.repeat(widths[0]! + widths[1]! + widths[2]! + 6)}${padLeft(String(total.packets), widths[3]!)}  ${padLeft(String(total.bytes), widths[4]!)}`,
  ].join('\n');
}

const ARROW_WIDTH = 50;

/** One arrow of the ladder: `|--- label --->|`, `|<-- label ----|`, or cut by an X where it was lost. */
function arrow(label: string, up: boolean, lost: boolean): string {
  const inner = ARROW_WIDTH - 2;
  const text = ` ${label} `;
  if (up) {
    let body = `--${text}`.padEnd(inner, '-');
    if (lost) body = `${body.slice(0, Math.min(body.length, inner - 8))}X`.padEnd(inner, ' ');
    return `|${body}${lost ? ' ' : '>'}|`;
  }
  let body = text.padStart(inner - 2, '-');
  body = `${body}--`;
  if (lost) return `|${' '.repeat(6)}X${body.slice(7)}|`;
  return `|<${body.slice(1)}|`;
}

/** The ladder diagram of every phone ↔ HAProxy connection, in the phone's time. */
export function formatLadder(result: JourneyResult): string {
  const { config, oneWayUs } = result;
  const lines: string[] = [];
  const t0 = config.startTime * 1_000_000;
  // --- j-setup: tunnel setup and name lookup first ---
  lines.push(...formatSetupLadder(config, result.setup));
  // --- end j-setup ---
  // --- j-carriers: the route between the PGW and the DC edge, uplink labels on the arrows ---
  lines.push(`carriers (uplink, MPLS labels on the arrows): ${carrierRouteLine(config)}`, '');
  // --- end j-carriers ---
  for (const connection of result.connections) {
    const title = `connection ${connection.index + 1}: phone ${config.phone.ip}:${connection.clientPort} <-> HAProxy via ${config.slb.vip}:${config.slb.port} (${connection.outcome})`;
    lines.push(title);
    lines.push(`${padLeft('ms', 10)}  ${pad('phone', ARROW_WIDTH - 7)}HAProxy`);
    const iss = new Map<string, number>();
    const scale = new Map<string, number>();
    const events = connection.front.transmissions.map((transmission) => {
      const segment = transmission.segment;
      const up = segment.from === 'client';
      // The phone's clock: its own sends when sent, HAProxy's when they arrive (or would have).
      return { transmission, up, atUs: up ? segment.timeUs : segment.timeUs + oneWayUs };
    });
    events.sort((a, b) => a.atUs - b.atUs);
    for (const { transmission, up, atUs } of events) {
      const segment = transmission.segment;
      const key = segment.from;
      const peer = up ? 'server' : 'client';
      if (segment.flags & 0x02) {
        iss.set(key, segment.seq);
        scale.set(key, segment.wscale ?? 0);
      }
      const relative = (segment.seq - (iss.get(key) ?? segment.seq)) >>> 0;
      const relativeAck = (segment.ack - (iss.get(peer) ?? segment.ack)) >>> 0;
      let label = flagNames(segment.flags);
      if (segment.payload.length > 0) label += ` seq=${relative} len=${segment.payload.length}`;
      else if (!(segment.flags & 0x02)) {
        // Windows in bytes: the raw field shifted by the sender's window scale (never on a SYN).
        label += ` ack=${relativeAck} win=${segment.window * 2 ** (scale.get(key) ?? 0)}`;
      }
      const note = segment.note ? `  ${segment.note}` : '';
      const lost = transmission.lostAtUs !== undefined;
      const time = ((atUs - t0) / 1000).toFixed(3);
      lines.push(
        `${padLeft(time, 10)}  ${arrow(label, up, lost)}${lost ? '  lost on the radio' : ''}${note}`,
      );
    }
    const order = connection.order;
    if (order) {
      lines.push(
        `${' '.repeat(12)}order service: ${order.status === 201 ? '201 Created' : '200 OK'} ${order.orderId}${order.created ? '' : ' (same Idempotency-Key, no new order)'}${connection.answered ? '' : '; the phone never got this answer'}`,
      );
    }
    lines.push('');
  }
  lines.push(`orders created: ${result.ordersCreated}`);
  return lines.join('\n');
}

// --- j-carriers: the carrier path table (every link, its labels each way, the eBGP link) ---
export { formatCarrierPath };
// --- end j-carriers ---
