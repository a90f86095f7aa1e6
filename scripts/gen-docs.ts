/**
 * Regenerates the parts of docs/ that are derived from code, so they cannot drift:
 * docs/configuration.md (every option) and the per-kind field tables of docs/protocol.md (between markers).
 * Run: node --import tsx scripts/gen-docs.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { listOptions } from '../config/index.js';
import { KINDS } from '../protocol/index.js';

const opts = listOptions();
const cfg = [
  '# Configuration',
  '',
  'Options are read once per process, in this order, later ones winning: built-in defaults → a JSON file',
  '(`--config FILE`, `EDUFLEET_CONFIG`, or `./edufleet.json` when present, same shape as the paths below) →',
  'environment variables → command-line flags. Every value is validated at start; all errors are listed at once.',
  'Nothing else in the code reads `process.env`.',
  '',
  '_Generated from `config/schema.ts` by `node --import tsx scripts/gen-docs.ts`._',
  '',
  '| option | environment variable | default | description |',
  '|---|---|---|---|',
  ...opts.map((o) => `| \`${o.path}\` | \`${o.env}\` | \`${JSON.stringify(o.schema.default)}\` | ${o.schema.description ?? ''} |`),
  '',
].join('\n');
writeFileSync('docs/configuration.md', cfg);

type FieldSchema = { type?: string; description?: string; minimum?: number; maximum?: number; anyOf?: { const?: string }[] };
function typeOf(s: FieldSchema): string {
  if (s.anyOf) return s.anyOf.map((x) => JSON.stringify(x.const)).join(' \\| ');
  const range = s.minimum !== undefined || s.maximum !== undefined ? ` ${s.minimum ?? '…'}–${s.maximum ?? '…'}` : '';
  return `${s.type ?? '?'}${range}`;
}
const tables = Object.values(KINDS).map((k) => [
  `### \`${k.kind}\`: ${k.label.en} (${k.label.vi})`,
  '',
  '| field | type | meaning |',
  '|---|---|---|',
  ...Object.entries(k.fields).map(([name, s]) => `| \`${name}\` | ${typeOf(s as FieldSchema)} | ${(s as FieldSchema).description ?? ''} |`),
  '',
].join('\n')).join('\n');
const protoPath = 'docs/protocol.md';
const proto = readFileSync(protoPath, 'utf8');
const start = '<!-- kinds:start -->';
const end = '<!-- kinds:end -->';
const a = proto.indexOf(start);
const b = proto.indexOf(end);
if (a < 0 || b < 0) throw new Error(`${protoPath} lacks the ${start} / ${end} markers`);
writeFileSync(protoPath, proto.slice(0, a + start.length) + '\n' + tables + proto.slice(b));
console.log('docs/configuration.md and docs/protocol.md field tables regenerated');
