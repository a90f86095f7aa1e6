import path from 'node:path';
import Database from 'better-sqlite3';
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
