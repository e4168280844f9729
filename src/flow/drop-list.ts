/**
 * Scripted drops: `c3,c4,s2` drops the client's 3rd and 4th and the server's 2nd data-carrying
 * transmission (1-based, retransmissions and zero window probes count as transmissions).
 *
 * Grammar of one entry: `[K:](c|s)[syn|fin|ack]N`
 *   - `c3`      the client's 3rd transmission carrying data
 *   - `csyn`    the client's 1st SYN (`csyn2`: its 2nd, i.e. the first retransmission); `ssyn` the SYN-ACK
 *   - `sfin2`   the server's 2nd segment carrying a FIN without data
 *   - `cack5`   the client's 5th pure ACK (no data, no SYN/FIN/RST)
 *   - `K:`      counts within connection K (0-based) only; without it, counts run over the whole flow.
 */
import { SpecError } from '../core/errors.js';
import { type CapturedSegment, type Side, TCP_FIN, TCP_RST, TCP_SYN } from './types.js';

export type DropKind = 'data' | 'syn' | 'fin' | 'ack';

export interface DropEntry {
  side: Side;
  kind: DropKind;
  /** 1-based count of this kind of transmission. */
  index: number;
  /** Restrict to one connection (counts within it); undefined counts over the whole flow. */
  connection?: number;
}

export function parseDropList(text: string): DropEntry[] {
  const entries: DropEntry[] = [];
  let position = 0;
  for (const raw of text.split(',')) {
    const token = raw.trim();
    const match = /^(?:(\d+):)?([cs])(syn|fin|ack)?(\d+)?$/i.exec(token);
    if (!match)
      throw new SpecError(token, position, 'expected an entry like c3, s2, csyn, sfin, cack4 or 1:c3');
    const kind = (match[3]?.toLowerCase() ?? 'data') as DropKind;
    const index = match[4] === undefined ? (kind === 'data' ? Number.NaN : 1) : Number(match[4]);
    if (!Number.isInteger(index) || index < 1) throw new SpecError(token, position, 'the count is 1-based');
    const entry: DropEntry = { side: match[2]!.toLowerCase() === 'c' ? 'client' : 'server', kind, index };
    if (match[1] !== undefined) entry.connection = Number(match[1]);
    entries.push(entry);
    position += raw.length + 1;
  }
  return entries;
}

export function classifyForDrop(segment: CapturedSegment): DropKind {
  if (segment.flags & TCP_SYN) return 'syn';
  if (segment.payload.length > 0) return 'data';
  if (segment.flags & TCP_FIN) return 'fin';
  if (segment.flags & TCP_RST) return 'ack';
  return 'ack';
}

/** Counts transmissions and answers whether the next one is scripted to be dropped. */
export class DropScript {
  private readonly global = new Map<string, number>();
  private readonly perConnection = new Map<string, number>();
  private readonly wanted = new Set<string>();

  constructor(entries: DropEntry[]) {
    for (const e of entries) this.wanted.add(key(e.side, e.kind, e.index, e.connection));
  }

  shouldDrop(segment: CapturedSegment): boolean {
    if (this.wanted.size === 0) return false;
    const kind = classifyForDrop(segment);
    const g = `${segment.from}/${kind}`;
    const gCount = (this.global.get(g) ?? 0) + 1;
    this.global.set(g, gCount);
    const c = `${segment.connection}/${g}`;
    const cCount = (this.perConnection.get(c) ?? 0) + 1;
    this.perConnection.set(c, cCount);
    return (
      this.wanted.has(key(segment.from, kind, gCount, undefined)) ||
      this.wanted.has(key(segment.from, kind, cCount, segment.connection))
    );
  }
}

function key(side: Side, kind: DropKind, index: number, connection: number | undefined): string {
  return `${connection ?? '*'}/${side}/${kind}/${index}`;
}
