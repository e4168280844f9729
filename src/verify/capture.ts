/**
 * Verifying a capture file: our decode of every packet next to tshark's, with checksum validation on.
 */
import { openCaptureFile } from '../capture/reader.js';
import { type DecodeAs, type DecodedPacket, decodePacket, firstLayerOf } from '../packet/decode.js';
import { type VerifyReport, verifyWithTshark } from './compare.js';
import type { TsharkRunOptions } from './tshark.js';

export async function decodeCaptureFile(path: string, decodeAs?: DecodeAs): Promise<DecodedPacket[]> {
  const packets: DecodedPacket[] = [];
  for await (const record of openCaptureFile(path)) {
    const bytes = new Uint8Array(record.data);
    packets.push(
      decodePacket(bytes, {
        first: firstLayerOf(record.linkType) ?? 'raw',
        ...(decodeAs ? { decodeAs } : {}),
      }),
    );
  }
  return packets;
}

/** Decodes `path` with pktcraft and tshark and compares them (see compare.ts). */
export async function verifyCapture(
  path: string,
  options: TsharkRunOptions & { ourDecodeAs?: DecodeAs } = {},
): Promise<VerifyReport> {
  const packets = await decodeCaptureFile(path, options.ourDecodeAs);
  return verifyWithTshark(path, packets, options);
}
