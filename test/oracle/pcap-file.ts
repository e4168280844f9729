/** Writes frames to a classic µs pcap through pktcraft's own capture writer, one second apart from 1700000000. */
import { createCaptureWriter } from '../../src/capture/writer.js';

export function writeEthernetPcap(path: string, frames: readonly Uint8Array[]): void {
  const writer = createCaptureWriter(path, { format: 'pcap', linkType: 1 });
  frames.forEach((frame, i) => {
    writer.writePacket(frame, 1700000000 + i, 0);
  });
  writer.closeSync();
}
