/** What every aggregate module works with: a Kysely handle (the pool or an open transaction) and its engine. */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { EdufleetError } from '../../lib/errors.js';
import type { Scope } from '../types.js';
import type { Dialect, RegistryDatabase } from './schema.js';

export interface Ctx {
  db: Kysely<RegistryDatabase>;
  dialect: Dialect;
  /** Whether `db` is already a transaction (then a module's own transaction joins it). */
  inTx: boolean;
}

/** Runs `fn` in a transaction, or in the caller's when there is one (so `addDevice` inside an import stays all-or-nothing). */
export function inTx<T>(c: Ctx, fn: (c: Ctx) => Promise<T>): Promise<T> {
  if (c.inTx) return fn(c);
  return c.db.transaction().execute((trx) => fn({ ...c, db: trx, inTx: true }));
}

/**
 * The next device revision. The UPDATE locks the counter row until the transaction ends, so on PostgreSQL two
 * processes get distinct revisions that become visible in order, and `placementsSince` never skips a change.
 */
export async function nextRev(c: Ctx): Promise<number> {
  const r = await c.db.updateTable('meta').set({ value: sql<string>`CAST(CAST(value AS BIGINT) + 1 AS TEXT)` }).where('key', '=', 'rev')
    .returning(sql<number>`CAST(value AS BIGINT)`.as('v')).executeTakeFirstOrThrow();
  return Number(r.v);
}

/** The scope condition on a school alias (`s` by default): its district in `districtIds` OR itself in `schoolIds`. */
export function inScope(scope: Scope | undefined, school = 's'): Expression<SqlBool> {
  const parts = [];
  if (scope?.districtIds?.length) parts.push(sql<SqlBool>`${sql.ref(`${school}.district_id`)} IN (${sql.join(scope.districtIds)})`);
  if (scope?.schoolIds?.length) parts.push(sql<SqlBool>`${sql.ref(`${school}.id`)} IN (${sql.join(scope.schoolIds)})`);
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` OR `)})` : sql<SqlBool>`1 = 1`;
}

/** Case-insensitive (for ASCII at least) substring match on both engines: SQLite's LIKE already is, PostgreSQL's is not. */
export function contains(c: Ctx, column: string, q: string): Expression<SqlBool> {
  return c.dialect === 'postgres' ? sql<SqlBool>`${sql.ref(column)} ILIKE ${`%${q}%`}` : sql<SqlBool>`${sql.ref(column)} LIKE ${`%${q}%`}`;
}

export type DbFailure = 'unique' | 'foreign' | undefined;

/** A constraint violation of either engine, by kind: SQLite's SQLITE_CONSTRAINT_* or PostgreSQL's SQLSTATE. */
export function dbFailure(err: unknown): DbFailure {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') return 'foreign';
  return undefined;
}

/** Rethrows a unique violation as the registry's CONFLICT with `message`; anything else unchanged. */
export function conflictOr(err: unknown, message: string): never {
  if (dbFailure(err) === 'unique') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', message);
  throw err;
}

export const notFound = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', message);
export const invalid = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', message);

/** A nullable numeric column as a number (PostgreSQL returns bigint and numeric columns as strings). */
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** Whether a conditional UPDATE changed a row: the transition was this call's. */
export const changed = (r: { numUpdatedRows: bigint }): boolean => r.numUpdatedRows > 0n;
