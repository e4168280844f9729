import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldRows, formatFieldList, withLayerTables } from '../../src/layers/field-table.js';
import { codecs, layerNames } from '../../src/layers/registry.js';
import type { AnySchema } from '../../src/layers/schema.js';

describe('layer tables from the schemas', () => {
  it('README.md carries the tables the schemas give (run `npx tsx scripts/layer-table.ts` to update)', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(withLayerTables(readme)).toBe(readme);
  });

  it('lists every schema field of every layer, in wire order, with its default, range, role and tshark name', () => {
    for (const layer of layerNames) {
      const schema = codecs[layer].schema as AnySchema;
      const rows = fieldRows(layer);
      expect(rows.map((row) => row.name)).toEqual(Object.keys(schema));
      for (const row of rows) {
        const field = schema[row.name];
        expect(field).toBeDefined();
        if (!field) continue;
        expect(row.tshark).toBe(field.tshark ?? '');
        expect(row.role.startsWith(field.role)).toBe(true);
        if (field.max !== undefined) expect(row.range).toMatch(/^0\.\./);
        if (typeof field.default === 'number') expect(Number(row.default)).toBe(field.default);
      }
    }
  });

  it('states the facts users look up: UDP defaults, IPv4 TTL, TCP checksum coverage, GTP-U TEID', () => {
    const row = (layer: 'udp' | 'ipv4' | 'tcp' | 'gtpu', name: string) =>
      fieldRows(layer).find((r) => r.name === name);
    expect(row('udp', 'sport')).toMatchObject({
      default: '53',
      range: '0..65535',
      role: 'value',
      tshark: 'udp.srcport',
    });
    expect(row('ipv4', 'ttl')).toMatchObject({ default: '64', range: '0..255', tshark: 'ip.ttl' });
    expect(row('tcp', 'chksum')).toMatchObject({
      default: 'computed',
      role: 'checksum (pseudo-header+layer)',
    });
    expect(row('gtpu', 'teid')).toMatchObject({ default: '0', range: '0..0xffffffff', tshark: 'gtp.teid' });
    const text = formatFieldList('gtpu');
    expect(text.split('\n')[0]).toBe(
      'gtpu: GPRS Tunnelling Protocol User Plane (UDP port 2152)'.replace(
        'GPRS Tunnelling Protocol User Plane',
        codecs.gtpu.title,
      ),
    );
    expect(text.split('\n').filter((line) => line.startsWith('teid ')).length).toBe(1);
  });
});
