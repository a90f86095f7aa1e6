#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npx edufleet` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
