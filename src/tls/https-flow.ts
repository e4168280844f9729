/**
 * HTTPS over the TCP flow synthesizer: an HTTP/1.1 order request and its answer, carried in a
 * deterministic TLS 1.3 session (session.ts), synthesized by `synthesizeFlow`'s conversation mode and
 * written as pcapng with the key log in a Decryption Secrets Block ahead of the first packet, so
 * Wireshark decrypts it with no preference set.
 */
import { writeFileSync } from 'node:fs';
import { createCaptureWriter } from '../capture/index.js';
import { FieldError } from '../core/errors.js';
import { type FlowCaptureOptions, flowFrames, segmentTime } from '../flow/index.js';
import type { CapturedSegment } from '../flow/types.js';
import { seededBytes } from './session.js';

const utf8 = new TextEncoder();

function uuidFrom(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Pads a JSON object's last string field ("note") so that the whole HTTP message is `target` octets (when it can be). */
function httpMessage(
  head: (contentLength: number) => string,
  json: (note: string) => string,
  target: number,
): Uint8Array {
  const bodyFor = (note: string): string => json(note);
  let body = bodyFor('');
  let message = head(utf8.encode(body).length) + body;
  const shortBy = target - utf8.encode(message).length;
  if (shortBy > 0) {
    // Content-Length grows by a digit or two with the padding: settle it in two passes.
    let note = 'x'.repeat(shortBy);
    for (let pass = 0; pass < 3; pass++) {
      body = bodyFor(note);
      message = head(utf8.encode(body).length) + body;
      const over = utf8.encode(message).length - target;
      if (over === 0 || note.length <= over) break;
      note = note.slice(0, note.length - over);
    }
  }
  return utf8.encode(message);
}

export interface OrderExchange {
  request: Uint8Array;
  response: Uint8Array;
  idempotencyKey: string;
}

/**
 * `POST /orders` with an Idempotency-Key and a JSON body, and `201 Created` with a JSON body, each
 * padded (in its "note" string) to about the given size.
 */
export function orderExchange(options: {
  host: string;
  seed: number;
  requestBytes: number;
  responseBytes: number;
}): OrderExchange {
  const idempotencyKey = uuidFrom(seededBytes(options.seed, 'idempotency key', 16));
  const orderId = `ord_${Buffer.from(seededBytes(options.seed, 'order id', 6)).toString('hex')}`;
  const request = httpMessage(
    (length) =>
      `POST /orders HTTP/1.1\r\nHost: ${options.host}\r\nUser-Agent: pktcraft/0.1\r\nAccept: application/json\r\nContent-Type: application/json\r\nIdempotency-Key: ${idempotencyKey}\r\nContent-Length: ${length}\r\n\r\n`,
    (note) => JSON.stringify({ item: 'espresso-beans-1kg', quantity: 2, currency: 'EUR', note }),
    options.requestBytes,
  );
  const response = httpMessage(
    (length) =>
      `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /orders/${orderId}\r\nIdempotency-Key: ${idempotencyKey}\r\nContent-Length: ${length}\r\n\r\n`,
    (note) => JSON.stringify({ order_id: orderId, status: 'created', note }),
    options.responseBytes,
  );
  return { request, response, idempotencyKey };
}

export interface TlsCaptureOptions extends FlowCaptureOptions {
  /** The NSS key log written into the DSB (pcapng) and, when `keyLogFile` is set, to that file. */
  keyLog: string;
  keyLogFile?: string | undefined;
  /** Write the DSB into the pcapng (default true; false gives the same capture without secrets). */
  embedSecrets?: boolean;
}

/** Writes a TLS flow: pcapng with the DSB before the first packet (or pcap, which needs `keyLogFile`). */
export async function writeTlsFlowCapture(
  path: string,
  segments: Iterable<CapturedSegment>,
  options: TlsCaptureOptions,
): Promise<number> {
  const format = options.format ?? 'pcapng';
  const embed = options.embedSecrets ?? true;
  if (format === 'pcap' && embed && options.keyLogFile === undefined)
    throw new FieldError(
      'tcp-flow',
      'format',
      'classic pcap cannot carry the TLS key log: use pcapng or --keylog FILE',
    );
  if (options.keyLogFile !== undefined) writeFileSync(options.keyLogFile, options.keyLog);
  const ethernet = options.ethernet ?? true;
  const writer = createCaptureWriter(path, {
    format,
    linkType: ethernet ? 1 : 101,
    tsResolution: format === 'pcapng' ? 'us' : undefined,
    snapLen: options.snapLen,
  });
  if (format === 'pcapng' && embed) writer.addDecryptionSecrets(options.keyLog);
  const comments = options.comments ?? true;
  let count = 0;
  for (const { data, segment } of flowFrames(segments, options)) {
    const { sec, nsec } = segmentTime(segment);
    writer.writePacket(
      data,
      sec,
      nsec,
      comments && segment.note !== undefined ? { comments: [segment.note] } : undefined,
    );
    if (writer.needsDrain) await writer.drain();
    count++;
  }
  await writer.close();
  return count;
}
