/**
 * Every record of the real third-party corpus (test/fixtures/corpus, issue #11) decodes from its own
 * link type without refusal: Linux cooked v1 as `sll`, BSD loopback as `null`, Ethernet and raw IP as
 * before, and every link type pktcraft has no layer for as raw bytes, with the link type named in
 * the tree and the JSON of `pktcraft decode`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLinkType, firstLayerForLinkType } from '../../src/capture/linktype.js';
import { readCapture } from '../../src/capture/reader.js';
import { toHex } from '../../src/core/bytes.js';
import { decodePacket } from '../../src/packet/decode.js';
import { encodePacket } from '../../src/packet/encode.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'corpus');
const FILES = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) => readdirSync(join(ROOT, dir.name)).map((name) => join(ROOT, dir.name, name)))
  .filter((path) => /\.(pcap|pcapng)$/.test(path))
  .sort();
const CLI = join(import.meta.dirname, '../../dist/cli/main.js');

/** The first layer each link type decodes to. */
function expectedFirst(linkType: number): string {
  if (linkType === 1) return 'ether';
  if (linkType === 101) return 'ip';
  return firstLayerForLinkType(linkType) ?? 'raw';
}

describe('the corpus decodes from every link type', () => {
  it('decodes every record of every file, byte-exact, starting where its link type says', () => {
    const seen = new Map<number, number>();
    for (const file of FILES) {
      for (const record of readCapture(readFileSync(file), { allowCutShortTail: true })) {
        seen.set(record.linkType, (seen.get(record.linkType) ?? 0) + 1);
        const decoded = decodePacket(record.data, { linkType: record.linkType });
        expect(toHex(encodePacket(decoded.layers)), file).toBe(toHex(record.data));
        const first = decoded.layers[0]?.layer;
        const expected = expectedFirst(record.linkType);
        if (first !== undefined && expected !== 'ip')
          expect(first, `${file}: link type ${record.linkType}`).toBe(expected);
      }
    }
    // The corpus holds Linux cooked v1, BSD loopback and link types with no layer (802.11 radiotap 127...).
    expect(seen.get(113)).toBeGreaterThan(0);
    expect(seen.get(0)).toBeGreaterThan(0);
    expect(seen.get(127)).toBeGreaterThan(0);
  });

  it('Linux cooked captures from tcpdump -i any decode through sll to IP', () => {
    const file = FILES.find((path) => path.endsWith('tcp-handshake-nano.pcap'));
    const records = [...readCapture(readFileSync(file ?? ''), { allowCutShortTail: true })];
    expect(records[0]?.linkType).toBe(113);
    const decoded = decodePacket(records[0]?.data ?? new Uint8Array(0), { linkType: 113 });
    expect(decoded.layers.map((l) => l.layer).slice(0, 3)).toEqual(['sll', 'ipv4', 'tcp']);
  });

  it('pktcraft decode names a link type it keeps as raw, in the tree and in the JSON', () => {
    expect(describeLinkType(105)).toBe('105 (IEEE802_11)');
    expect(describeLinkType(127)).toBe('127 (IEEE802_11_RADIOTAP)');
    expect(describeLinkType(65000)).toBe('65000');
    const file = FILES.find((path) => path.endsWith('ieee802.11_meshhdr-oobr.pcap')) ?? '';
    const tree = spawnSync(process.execPath, [CLI, 'decode', file], { encoding: 'utf8' });
    expect(tree.status).toBe(0);
    expect(tree.stdout).toMatch(/^Packet 1: 86 bytes \(.*linkType: 127 \(IEEE802_11_RADIOTAP\)\)$/m);
    const json = spawnSync(process.execPath, [CLI, 'decode', '--json', file], { encoding: 'utf8' });
    expect(json.status).toBe(0);
    const packets = JSON.parse(json.stdout) as { linkType?: string; layers: { layer: string }[] }[];
    expect(packets[0]?.linkType).toBe('127 (IEEE802_11_RADIOTAP)');
    expect(packets[0]?.layers.map((l) => l.layer)).toEqual(['raw']);
    // A link type pktcraft decodes carries no such note.
    const sll = FILES.find((path) => path.endsWith('tcp-handshake-nano.pcap')) ?? '';
    const cooked = JSON.parse(
      spawnSync(process.execPath, [CLI, 'decode', '--json', sll], { encoding: 'utf8' }).stdout,
    ) as {
      linkType?: string;
      layers: { layer: string }[];
    }[];
    expect(cooked[0]?.linkType).toBeUndefined();
    expect(cooked[0]?.layers[0]?.layer).toBe('sll');
  });

  it('decode --linktype takes the new names and numbers; an unknown name is one clear line, exit 2', () => {
    for (const [linktype, first] of [
      ['113', 'sll'],
      ['linux-sll', 'sll'],
      ['276', 'sll2'],
      ['sll2', 'sll2'],
      ['0', 'null'],
      ['108', 'loop'],
    ] as const) {
      const header =
        first === 'sll'
          ? `0000000100060200000000010000${'0800'}`
          : first === 'sll2'
            ? `0800000000000001000100060200000000010000`
            : first === 'null'
              ? '02000000'
              : '00000002';
      const run = spawnSync(
        process.execPath,
        [
          CLI,
          'decode',
          '--json',
          '--hex',
          `${header}45000014000000004afdebe9c0000201c0000202`,
          '--linktype',
          linktype,
        ],
        {
          encoding: 'utf8',
        },
      );
      expect(run.status, linktype).toBe(0);
      const [packet] = JSON.parse(run.stdout) as { layers: { layer: string }[] }[];
      expect(
        packet?.layers.map((l) => l.layer),
        linktype,
      ).toEqual([first, 'ipv4']);
    }
    // A number with no layer: raw, named; a name that is neither a link type nor a layer: one line, exit 2.
    const wifi = spawnSync(
      process.execPath,
      [CLI, 'decode', '--json', '--hex', '0801', '--linktype', '105'],
      { encoding: 'utf8' },
    );
    expect(wifi.status).toBe(0);
    const [frame] = JSON.parse(wifi.stdout) as { linkType?: string; layers: { layer: string }[] }[];
    expect(frame?.linkType).toBe('105 (IEEE802_11)');
    expect(frame?.layers.map((l) => l.layer)).toEqual(['raw']);
    const bad = spawnSync(process.execPath, [CLI, 'decode', '--hex', '00', '--linktype', 'wifi'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
