import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/** One schema step; `dialect` picks the column types the two engines spell differently. */
export type Migration = (db: Kysely<never>, dialect: Dialect) => Promise<void>;

/**
 * Column types per engine: an auto-numbered id is SQLite's rowid alias or a PostgreSQL identity; ms-epoch times
 * outgrow PostgreSQL's 32-bit integer (SQLite integers are 64-bit anyway); REAL is 4 bytes on PostgreSQL.
 */
export const types = (dialect: Dialect) => ({
  ms: dialect === 'postgres' ? 'bigint' as const : 'integer' as const,
  real: dialect === 'postgres' ? 'double precision' as const : 'real' as const,
  id: (c: ColumnDefinitionBuilder) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()),
});

/** Applies the migrations not yet applied: `PRAGMA user_version` on SQLite (as before), a version row on PostgreSQL. */
export async function migrate(db: Kysely<never>, dialect: Dialect, name: string, migrations: Migration[]): Promise<void> {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
    for (let v = rows[0]?.user_version ?? 0; v < migrations.length; v++) {
      await db.transaction().execute(async (trx) => {
        await migrations[v]!(trx, dialect);
        await sql.raw(`PRAGMA user_version = ${v + 1}`).execute(trx);
      });
    }
    return;
  }
  // Two processes starting at once: the advisory lock makes the second wait and then find nothing left to do.
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('edufleet.migrate'))`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_version (name TEXT PRIMARY KEY, version INTEGER NOT NULL)`.execute(trx);
    const { rows } = await sql<{ version: number }>`SELECT version FROM schema_version WHERE name = ${name}`.execute(trx);
    const from = rows[0]?.version ?? 0;
    for (let v = from; v < migrations.length; v++) await migrations[v]!(trx, dialect);
    await sql`INSERT INTO schema_version (name, version) VALUES (${name}, ${migrations.length})
      ON CONFLICT (name) DO UPDATE SET version = excluded.version`.execute(trx);
  });
}
