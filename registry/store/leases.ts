/**
 * Leases on background jobs (docs/operations.md, "Background jobs"): a row per job ("job:alerts", "job:usage" …)
 * naming the process that holds it until `expires_at`. Every process that runs the job tries to take or renew it; the
 * holder works, the others stand by, and when the holder dies its lease simply runs out and the next try of another
 * process takes it. `term` grows at each change of holder: a fencing token for work that wants one.
 *
 * The take is one conditional UPDATE (held by me, or run out), then an INSERT for a job never held before: on
 * PostgreSQL the second of two concurrent UPDATEs re-reads the row after the first commits and no longer matches, and
 * the INSERT's primary key lets one of two first-timers in; on SQLite writes are serial anyway.
 */
import type { Ctx } from './context.js';
import { changed, num } from './context.js';

export interface LeaseRow { name: string; owner: string; term: number; acquiredAt: number; expiresAt: number }

/** Takes or renews lease `name` for `owner` until `now + ttlMs`: true when `owner` holds it afterwards. */
export async function holdLease(c: Ctx, name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
  const renewed = await c.db.updateTable('leases').set({ expires_at: now + ttlMs }).where('name', '=', name).where('owner', '=', owner)
    .where('expires_at', '>', now).executeTakeFirst();
  if (changed(renewed)) return true;
  // Run out (or ours but run out: another may have held it in between, so it counts as a new term).
  const taken = await c.db.updateTable('leases').set((eb) => ({ owner, term: eb('term', '+', 1), acquired_at: now, expires_at: now + ttlMs }))
    .where('name', '=', name).where('expires_at', '<=', now).executeTakeFirst();
  if (changed(taken)) return true;
  const first = await c.db.insertInto('leases').values({ name, owner, term: 1, acquired_at: now, expires_at: now + ttlMs })
    .onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
  return Number(first.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Gives a lease back at once (a clean stop), so another process need not wait for it to run out. */
export async function releaseLease(c: Ctx, name: string, owner: string, now: number): Promise<void> {
  await c.db.updateTable('leases').set({ expires_at: now }).where('name', '=', name).where('owner', '=', owner).where('expires_at', '>', now).execute();
}

/** Every lease, held or run out, by name (operators, tests). */
export async function leases(c: Ctx): Promise<LeaseRow[]> {
  const rows = await c.db.selectFrom('leases').selectAll().orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, owner: r.owner, term: Number(r.term), acquiredAt: num(r.acquired_at)!, expiresAt: num(r.expires_at)! }));
}
