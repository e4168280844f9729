/**
 * Real third-party captures (test/fixtures/corpus, see its SOURCES.md): odd link types, big-endian and
 * nanosecond files, pcapng with 64-bit timestamps past 2106, records longer than the file's snap length
 * (34 files of tcpdump's test suite that pktcraft used to refuse), a file cut short in a record. For
 * each file pktcraft must read what Wireshark's wiretap reads: capinfos gives the packet count, the
 * data size (the sum of original lengths) and the first and last times; tshark gives every timestamp
 * and captured length (so records are read in full, not cut to the snap length) of the files with
 * more than two packets and of those with records above the snap length.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureProblems, convertCapture, readCapture } from '../../src/capture/index.js';
import { summarizeCapture } from '../../src/capture/summary.js';
import { formatEpoch } from '../../src/capture/timestamp.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const FILES = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => readdirSync(join(ROOT, dir.name)).map((name) => join(ROOT, dir.name, name)))
  .filter((path) => /\.(pcap|pcapng)$/.test(path))
  .sort();

/** The files tcpdump's tests hold with a record longer than the header's snap length. */
const ABOVE_SNAPLEN = [
  '802_15_4-data.pcap',
  '802_15_4-oobr-1.pcap',
  'bgp_mp_reach_nlri-oobr.pcap',
  'dccp_options-oobr.pcap',
  'ospf6_print_lshdr-oobr.pcap',
  'pim-packet-assortment.pcap',
  'q933-heapoverflow-2.pcap',
  'smb_print_trans-oobr1.pcap',
];

/**
 * Link types whose records start with a pseudo-header wiretap takes off before counting lengths
 * (pcap-common.c, pcap_process_pseudo_header): SunATM's 4 bytes.
 */
const PSEUDO_HEADER_BYTES: ReadonlyMap<number, number> = new Map([[123, 4]]);

interface CapinfosRow {
  snapLen: number;
  packets: number;
  /** capinfos' "Data size": the sum of original lengths. */
  originalBytes: number;
  first: string | undefined;
  last: string | undefined;
}

/** "1562347905.7178" → "1562347905.717800000": the same text as formatEpoch. */
function nineDecimals(epoch: string): string {
  const [sec, fraction = ''] = epoch.split('.');
  return `${sec}.${fraction.padEnd(9, '0')}`;
}

const run = promisify(execFile);
const env = { ...process.env, LC_ALL: 'C' };
let capinfos: Map<string, CapinfosRow>;
const configDir = mkdtempSync(join(tmpdir(), 'pktcraft-corpus-ws-'));

beforeAll(() => {
  // One capinfos run over every file: a tab-separated row each (capinfos reports a file cut short on
  // stderr and still prints its row, with the packets before the cut).
  let output: string;
  try {
    output = execFileSync('capinfos', ['-T', '-M', '-r', '-l', '-c', '-d', '-a', '-e', '-S', ...FILES], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    output = String((error as { stdout?: unknown }).stdout ?? '');
  }
  capinfos = new Map();
  for (const line of output.trimEnd().split('\n')) {
    const [path = '', snapLen, , , packets, dataBytes, first, last] = line.split('\t');
    capinfos.set(path, {
      snapLen: Number(snapLen) || 0,
      packets: Number(packets),
      originalBytes: Number(dataBytes),
      first: first === 'n/a' ? undefined : nineDecimals(first ?? ''),
      last: last === 'n/a' ? undefined : nineDecimals(last ?? ''),
    });
  }
  return () => rmSync(configDir, { recursive: true, force: true });
});

/**
 * Every packet's time and captured length as tshark reads them from `path` ("time length"; tshark
 * exits 2 on a file cut short, after its packets).
 */
async function tsharkPackets(path: string): Promise<string[]> {
  let stdout: string;
  const fields = ['-e', 'frame.time_epoch', '-e', 'frame.cap_len'];
  try {
    ({ stdout } = await run('tshark', ['-n', '-r', path, '-T', 'fields', '-E', 'separator= ', ...fields], {
      env: { ...env, WIRESHARK_CONFIG_DIR: configDir },
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    stdout = String((error as { stdout?: unknown }).stdout ?? '');
  }
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [time = '', length] = line.split(' ');
      return `${nineDecimals(time)} ${length}`;
    });
}

describe('third-party captures: pktcraft reads what capinfos and tshark read', () => {
  it('has the corpus', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(60);
    for (const name of ABOVE_SNAPLEN) expect(FILES.some((file) => file.endsWith(`/${name}`))).toBe(true);
  });

  it('the packet count, data size, first and last time of every file match capinfos', async () => {
    expect(capinfos.size).toBe(FILES.length);
    for (const file of FILES) {
      const name = relative(ROOT, file);
      const expected = capinfos.get(file);
      expect(expected, name).toBeDefined();
      const summary = await summarizeCapture(file);
      const pseudo = (PSEUDO_HEADER_BYTES.get(summary.interfaces[0]?.linkType ?? -1) ?? 0) * summary.packets;
      expect({ name, packets: summary.packets, originalBytes: summary.originalBytes - pseudo }).toEqual({
        name,
        packets: expected!.packets,
        originalBytes: expected!.originalBytes,
      });
      expect({ name, first: summary.first?.epoch, last: summary.last?.epoch }).toEqual({
        name,
        first: expected!.first,
        last: expected!.last,
      });
    }
  });

  it('records above the snap length are read in full and reported; nothing else is', async () => {
    let files = 0;
    for (const file of FILES) {
      const reading = readCapture(readFileSync(file), { allowCutShortTail: true });
      const lengths = [...reading].map((record) => record.data.length);
      const snapLen = capinfos.get(file)?.snapLen ?? 0;
      const above = lengths.filter((length) => reading.format === 'pcap' && snapLen > 0 && length > snapLen);
      const name = relative(ROOT, file);
      if (reading.format === 'pcap') {
        expect(
          reading.snapLengthExcess.map((excess) => excess.records),
          name,
        ).toEqual(above.length > 0 ? [above.length] : []);
      }
      if (above.length > 0) {
        files++;
        expect(reading.snapLengthExcess[0]!.longest, name).toBe(Math.max(...above));
        expect(captureProblems(reading)[0], name).toMatch(
          new RegExp(
            `^${above.length} records? (is|are) longer than the file header's snap length ${snapLen} `,
          ),
        );
      }
    }
    expect(files).toBeGreaterThanOrEqual(34);
  });

  it('a file cut short in its last record: the intact packets, and the cut reported', async () => {
    const file = FILES.find((path) => path.endsWith('/bad_rsn_parsing_overrides_ssid.pcap'))!;
    const summary = await summarizeCapture(file);
    expect(summary.packets).toBe(capinfos.get(file)!.packets);
    expect(summary.cutShort).toEqual({ intactPackets: 1, fileOffset: 359, what: 'record header' });
    expect(summary.problems).toEqual(['1 intact packet, the last record cut short at offset 359']);
  });

  it('convert copies records above the snap length whole, and repairs a file cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pktcraft-corpus-'));
    try {
      for (const name of [
        '802_15_4-data.pcap',
        'pim-packet-assortment.pcap',
        'bad_rsn_parsing_overrides_ssid.pcap',
      ]) {
        const file = FILES.find((path) => path.endsWith(`/${name}`))!;
        const source = [...readCapture(readFileSync(file), { allowCutShortTail: true })];
        for (const format of ['pcap', 'pcapng'] as const) {
          const output = join(dir, `${name}.${format}`);
          const summary = await convertCapture(file, output, { format });
          expect(summary.packets).toBe(source.length);
          expect(summary.problems.length).toBe(1);
          const copied = [...readCapture(readFileSync(output))];
          expect(
            copied.map((record) => [record.timestampSec, record.timestampNsec, Array.from(record.data)]),
          ).toEqual(
            source.map((record) => [record.timestampSec, record.timestampNsec, Array.from(record.data)]),
          );
          // capinfos reads the output whole: no error, every packet.
          const info = execFileSync('capinfos', ['-T', '-M', '-r', '-c', output], { encoding: 'utf8', env });
          expect(info.trim().split('\t')[1]).toBe(String(source.length));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every timestamp and captured length matches tshark (files with many packets or long records)', async () => {
    const many = FILES.filter(
      (file) =>
        (capinfos.get(file)?.packets ?? 0) > 2 || ABOVE_SNAPLEN.some((name) => file.endsWith(`/${name}`)),
    );
    expect(many.length).toBeGreaterThanOrEqual(20);
    // Two tshark processes at a time: the machine is shared.
    const queue = [...many];
    const worker = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const expected = await tsharkPackets(file);
        const ours = [...readCapture(readFileSync(file), { allowCutShortTail: true })].map(
          (record) => `${formatEpoch(record.timestampSec, record.timestampNsec)} ${record.data.length}`,
        );
        expect({ file: relative(ROOT, file), packets: ours }).toEqual({
          file: relative(ROOT, file),
          packets: expected,
        });
      }
    };
    await Promise.all([worker(), worker()]);
  });
});
