import type { Config } from '../config/index.js';
import { openRegistryStore, type RegistryStore } from '../registry/index.js';

/**
 * The registry a command works on: PostgreSQL when `registry.url` is set, else the SQLite files of the data
 * directory, so every command reaches the same data as the servers. The caller closes it: an open PostgreSQL pool
 * keeps the process alive.
 */
export function openStore(cfg: Readonly<Config>): Promise<RegistryStore> {
  return openRegistryStore({ url: cfg.registry.url, dataDir: cfg.dataDir });
}
