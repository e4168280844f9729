/**
 * Writes the README's layer and field tables from the layer schemas: `npx tsx scripts/layer-table.ts`.
 * `test/layers/field-table.test.ts` fails when README.md disagrees with the schemas.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withLayerTables } from '../src/layers/field-table.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = withLayerTables(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(
  after === before ? 'README.md layer tables are up to date\n' : 'README.md layer tables rewritten\n',
);
