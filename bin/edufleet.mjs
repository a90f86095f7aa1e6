#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: the ingest path allocates short-lived objects per message, and with V8's default
// 16 MB semi-space the garbage collector took 29 % of the broker+gateway CPU (docs/benchmarks.md).
// The CLI runs the JavaScript that `npm run build` compiles into dist/: no TypeScript compiler loads at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(`edufleet is not built (${fileURLToPath(main)} is missing): run npm run setup (or npm run build)\n`);
  process.exit(1);
}
// Stack traces in logs and bug reports then name the TypeScript file and line, not the compiled one.
process.setSourceMapsEnabled(true);
await import(main.href);
