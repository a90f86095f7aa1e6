import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openRegistryStore } from '../../registry/store/index.js';
import { storeContract } from './store-contract.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

storeContract('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-store-'));
  dirs.push(dir);
  return openRegistryStore({ dataDir: dir });
});
