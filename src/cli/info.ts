/** `pktcraft info FILE [--json]`: what capinfos reports — format, counts, link types, interfaces, time span. */
import type { CommandModule } from 'yargs';
import { type CaptureSummary, summarizeCapture } from '../capture/summary.js';

interface InfoArgs {
  file: string;
  json?: boolean | undefined;
}

function line(label: string, value: string | number): string {
  return `${`${label}:`.padEnd(21)}${value}`;
}

/** The text form, close to capinfos' layout. */
export function formatCaptureSummary(summary: CaptureSummary): string {
  const lines = [
    line('File name', summary.path),
    line('File type', summary.fileType),
    line('Byte order', summary.byteOrder),
    line('File encapsulation', summary.encapsulation),
  ];
  if (summary.linkTypes.length > 1) {
    lines.push('Encapsulation in use by packets (# of pkts):');
    for (const link of summary.linkTypes) lines.push(`${''.padEnd(21)}${link.name} (${link.packets})`);
  }
  lines.push(
    line('Number of packets', summary.packets),
    line('File size', `${summary.fileSize} bytes`),
    line('Data size', `${summary.dataBytes} bytes`),
  );
  if (summary.first && summary.last && summary.duration !== undefined) {
    lines.push(
      line('Capture duration', `${summary.duration} seconds`),
      line('First packet time', `${summary.first.iso} (${summary.first.epoch})`),
      line('Last packet time', `${summary.last.iso} (${summary.last.epoch})`),
      line('Average packet size', `${(summary.dataBytes / summary.packets).toFixed(2)} bytes`),
    );
  }
  lines.push(line('Strict time order', summary.strictTimeOrder ? 'True' : 'False'));
  for (const section of summary.sections) {
    if (section.hardware) lines.push(line('Capture hardware', section.hardware));
    if (section.os) lines.push(line('Capture oper-sys', section.os));
    if (section.userApplication) lines.push(line('Capture application', section.userApplication));
    for (const comment of section.comments) lines.push(line('Capture comment', comment));
  }
  if (summary.packetComments > 0) lines.push(line('Packet comments', summary.packetComments));
  if (summary.resolvedIPv4 > 0)
    lines.push(`Number of resolved IPv4 addresses in file: ${summary.resolvedIPv4}`);
  if (summary.resolvedIPv6 > 0)
    lines.push(`Number of resolved IPv6 addresses in file: ${summary.resolvedIPv6}`);
  for (const problem of summary.problems) lines.push(line('Warning', problem));
  lines.push(`Number of interfaces in file: ${summary.interfaces.length}`);
  for (const iface of summary.interfaces) {
    const pad = ''.padEnd(21);
    lines.push(`Interface #${iface.id} info:`);
    if (iface.name !== undefined) lines.push(`${pad}Name = ${iface.name}`);
    if (iface.description !== undefined) lines.push(`${pad}Description = ${iface.description}`);
    lines.push(
      `${pad}Encapsulation = ${iface.linkTypeName} (${iface.linkType})`,
      `${pad}Capture length = ${iface.snapLen}`,
      `${pad}Time precision = ${iface.timePrecision}`,
      `${pad}Time ticks per second = ${iface.ticksPerSecond}`,
      `${pad}Number of packets = ${iface.packets}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const infoCommand: CommandModule<object, InfoArgs> = {
  command: 'info <file>',
  describe: 'Summarise a pcap or pcapng capture (like capinfos)',
  builder: (yargs) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'capture file' })
      .option('json', { type: 'boolean', describe: 'print JSON' }),
  handler: async (args) => {
    const summary = await summarizeCapture(args.file);
    process.stdout.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCaptureSummary(summary));
  },
};
