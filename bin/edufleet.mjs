#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation: the ingest path allocates short-lived objects per message, and with V8's default
// 16 MB semi-space the garbage collector took 29 % of the broker+gateway CPU (docs/benchmarks.md).
// The CLI is TypeScript; tsx compiles it on the fly so `npx edufleet` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
