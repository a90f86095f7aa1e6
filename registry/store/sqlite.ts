import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * A SQLite database as EduFleet keeps them: WAL mode (another process, the CLI or a second dashboard, may read and
 * write meanwhile), a busy timeout instead of "database is locked", and synchronous NORMAL (in WAL mode a power cut
 * may lose the last commits, never corrupt; FULL would fsync every row of a bulk import).
 */
export function openSqlite(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  return db;
}
