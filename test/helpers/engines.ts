/**
 * Running one test body on both registry engines. PostgreSQL starts on first use only (a run filtered to SQLite never
 * pays for it), once per test file, and every `url()` is a fresh database on it.
 */
import { afterAll } from 'vitest';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

export interface Engines {
  /** The registry URL of a fresh, empty database on `engine`; '' for SQLite (files in the data directory). */
  url(engine: Engine): Promise<string>;
  /**
   * Opens the store at `url` (SQLite: files in `dataDir`). Closing it twice is harmless, and whatever a failed test
   * left open is closed before the server stops, so no pooled connection dies under a later test.
   */
  store(url: string, dataDir: string): Promise<RegistryStore>;
  /** `store()` on a fresh database of `engine`. */
  open(engine: Engine, dataDir: string): Promise<RegistryStore>;
}

/** Call at the top of a test file: the PostgreSQL server it starts is stopped after the file's tests. */
export function useEngines(): Engines {
  let pg: Promise<TestPostgres> | undefined;
  const open = new Set<RegistryStore>();
  afterAll(async () => {
    for (const s of open) await s.close();
    if (pg) await (await pg).stop();
  });
  const url = async (engine: Engine): Promise<string> => {
    if (engine === 'sqlite') return '';
    pg ??= startPostgres();
    return (await pg).createDatabase();
  };
  const store = async (at: string, dataDir: string): Promise<RegistryStore> => {
    const s = await openRegistryStore({ url: at, dataDir });
    const close = s.close.bind(s);
    let closing: Promise<void> | undefined;
    s.close = () => (closing ??= close().finally(() => open.delete(s)));
    open.add(s);
    return s;
  };
  return { url, store, open: async (engine, dataDir) => store(await url(engine), dataDir) };
}
