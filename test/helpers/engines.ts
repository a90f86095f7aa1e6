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
  /** A store on a fresh database of `engine` (SQLite: files in `dataDir`). The caller closes it. */
  open(engine: Engine, dataDir: string): Promise<RegistryStore>;
}

/** Call at the top of a test file: the PostgreSQL server it starts is stopped after the file's tests. */
export function useEngines(): Engines {
  let pg: Promise<TestPostgres> | undefined;
  afterAll(async () => {
    if (pg) await (await pg).stop();
  });
  const url = async (engine: Engine): Promise<string> => {
    if (engine === 'sqlite') return '';
    pg ??= startPostgres();
    return (await pg).createDatabase();
  };
  return {
    url,
    async open(engine, dataDir) {
      return openRegistryStore({ url: await url(engine), dataDir });
    },
  };
}
