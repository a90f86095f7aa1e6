/**
 * Opening the data layer on either engine: SQLite files in the data directory (the embedded default) or a
 * PostgreSQL database named by a URL (`registry.url`, EDUFLEET_REGISTRY_URL), so several processes on several
 * machines share the registry, the report store and the login sessions.
 */
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { EdufleetError } from '../../lib/errors.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { openSqlite, withStatementCache } from './sqlite.js';
import { migrate } from './migrations/helpers.js';
import { REGISTRY_MIGRATIONS } from './migrations/registry.js';
import { REPORT_MIGRATIONS } from './migrations/report.js';
import type { Dialect, RegistryDatabase, ReportDatabase } from './schema.js';

export interface StoreOptions {
  /** `postgres://user@host:5432/db`; absent or empty: SQLite files `registry.sqlite` and `usage.sqlite` in `dataDir`. */
  url?: string;
  dataDir: string;
  /** Where a PostgreSQL connection lost while idle is reported (the stack passes its own); a new logger if absent. */
  log?: Logger;
}

export interface Engine {
  dialect: Dialect;
  registry: Kysely<RegistryDatabase>;
  report: Kysely<ReportDatabase>;
  close(): Promise<void>;
}

/** int8 (counts, sums, ms times) and numeric (sums of int8) as JS numbers on this pool only: they fit in 2^53 here. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

function sqliteDb<DB>(file: string): Kysely<DB> {
  const db = openSqlite(file);
  db.pragma('foreign_keys = ON');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(db) }) });
}

/** The URL with its password masked, for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/**
 * A pool that survives its server: an idle client whose connection dies (PostgreSQL restarted, a backend killed)
 * emits 'error' on the pool, which would be an uncaught exception without a listener. The pool drops that client and
 * opens a new one on the next query; one warning per outage (until a connection succeeds again) is enough.
 */
async function openPool(url: string, log: Logger): Promise<pg.Pool> {
  // Idle connections kept a minute, not pg's 10 s: a node's login bursts (a failover) come seconds apart, and each new
  // connection costs PostgreSQL a backend process and an authentication.
  const pool = new pg.Pool({ connectionString: url, types: PG_TYPES, max: 10, idleTimeoutMillis: 60_000 });
  let warned = false;
  pool.on('error', (err) => {
    if (warned) return;
    warned = true;
    log.warn({ err, url: safeUrl(url) }, 'registry: an idle PostgreSQL connection was lost; the next query reconnects');
  });
  pool.on('connect', () => { warned = false; });
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new EdufleetError('EDUFLEET_ERR_REGISTRY_UNAVAILABLE',
      `registry.url ${safeUrl(url)} cannot be reached (${(err as Error).message}); check that PostgreSQL runs there and the database and user exist`, { cause: err });
  }
  return pool;
}

/** Connects and migrates both schemas; a second process migrating at the same time waits for the first. */
export async function openEngine(o: StoreOptions): Promise<Engine> {
  if (o.url && /^postgres(ql)?:\/\//.test(o.url)) {
    const pool = await openPool(o.url, o.log ?? createLogger('info', 'registry'));
    const registry = new Kysely<RegistryDatabase>({ dialect: new PostgresDialect({ pool }) });
    await migrate(registry as unknown as Kysely<never>, 'postgres', 'registry', REGISTRY_MIGRATIONS);
    await migrate(registry as unknown as Kysely<never>, 'postgres', 'report', REPORT_MIGRATIONS);
    return { dialect: 'postgres', registry, report: registry as unknown as Kysely<ReportDatabase>, close: () => registry.destroy() };
  }
  if (o.url) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', `registry.url must be a postgres:// URL (got '${o.url}'); leave it empty for SQLite in the data directory`);
  const registry = sqliteDb<RegistryDatabase>(path.join(o.dataDir, 'registry.sqlite'));
  const report = sqliteDb<ReportDatabase>(path.join(o.dataDir, 'usage.sqlite'));
  await migrate(registry as unknown as Kysely<never>, 'sqlite', 'registry', REGISTRY_MIGRATIONS);
  await migrate(report as unknown as Kysely<never>, 'sqlite', 'report', REPORT_MIGRATIONS);
  return { dialect: 'sqlite', registry, report, close: async () => { await registry.destroy(); await report.destroy(); } };
}
