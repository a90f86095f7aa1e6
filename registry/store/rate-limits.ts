/**
 * Fixed-window counters shared by every process on the registry (login attempts per address and per user name):
 * a limit counted in one process's memory would let a guesser spread over two dashboards try twice as often.
 */
import { sql } from 'kysely';
import type { Ctx } from './context.js';

export interface RateHit { count: number; windowStart: number }

/**
 * Counts one hit on `key` in its current window of `windowMs` (a new window starts when the last one ran out), in
 * one statement, so concurrent hits from several processes are all counted.
 */
export async function hitRateLimit(c: Ctx, key: string, now: number, windowMs: number): Promise<RateHit> {
  const expired = sql<boolean>`rate_limits.window_start + ${windowMs} <= ${now}`;
  const r = await c.db.insertInto('rate_limits').values({ key, window_start: now, count: 1 })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      count: sql`CASE WHEN ${expired} THEN 1 ELSE rate_limits.count + 1 END`,
      window_start: sql`CASE WHEN ${expired} THEN ${now} ELSE rate_limits.window_start END`,
    }))
    .returning(['count', 'window_start']).executeTakeFirstOrThrow();
  return { count: Number(r.count), windowStart: Number(r.window_start) };
}

/** The current window of `key` without counting (zero when none is running). */
export async function peekRateLimit(c: Ctx, key: string, now: number, windowMs: number): Promise<RateHit> {
  const r = await c.db.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst();
  if (!r || Number(r.window_start) + windowMs <= now) return { count: 0, windowStart: now };
  return { count: Number(r.count), windowStart: Number(r.window_start) };
}

/** Forgets windows that started before `before` (their limits have long reset). */
export async function purgeRateLimits(c: Ctx, before: number): Promise<number> {
  const r = await c.db.deleteFrom('rate_limits').where('window_start', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
