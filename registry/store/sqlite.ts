import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { ensurePrivateDir, touchPrivateFile } from '../../lib/private-files.js';

/**
 * A SQLite database as EduFleet keeps them: WAL mode (another process, the CLI or a second dashboard, may read and
 * write meanwhile), a busy timeout instead of "database is locked", and synchronous NORMAL (in WAL mode a power cut
 * may lose the last commits, never corrupt; FULL would fsync every row of a bulk import).
 */
export function openSqlite(file: string): Database.Database {
  if (file !== ':memory:') {
    ensurePrivateDir(path.dirname(file));
    // SQLite gives its -wal and -shm files the mode of the database file: created 0600 here, all three stay private.
    touchPrivateFile(file);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** Prepared statements kept at most: queries with an IN list of many lengths each have their own SQL text. */
const MAX_STATEMENTS = 500;

/**
 * The database as Kysely's SQLite driver sees it, with each statement prepared once per SQL text: the driver prepares
 * every query anew, and preparing was ~5 % of a restarted broker's CPU in a reconnect storm (docs/benchmarks.md,
 * issue 13). The least recently used statements go past MAX_STATEMENTS; a statement still iterating (a stream) is not
 * shared, another is prepared beside it.
 */
export function withStatementCache(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: the first key of the map is the one to forget.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const stmt = db.prepare(sql);
      if (cached) return stmt;
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
