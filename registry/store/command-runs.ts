/**
 * Bulk command runs in the registry (docs/commands.md, "Storage"): a run groups one command per device (commands.ts).
 * Its progress is derived from its commands, never stored; ending it is a conditional UPDATE like every transition.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { CommandOrigin } from '../../domain/commands.js';
import type { DeviceKind } from '../../protocol/index.js';
import type { Scope } from '../types.js';
import { COMMAND_TARGET_TYPES, originColumns, originOf, type CommandTarget, type CommandTargetType } from './commands.js';
import { changed, inTx, invalid, num, type Ctx } from './context.js';

export const RUN_STATES = ['running', 'done', 'aborted', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface NewRun {
  name: string; args: unknown; target: CommandTarget;
  /** The school the target lies in; null for a district or kind run spanning schools (then `districtId`, if any). */
  schoolId: number | null; districtId: number | null; origin: CommandOrigin; createdAt: number;
  ratePerMin?: number | null; abortFailedPct?: number | null;
  /** Each command's time to live (ms), for the record. */
  ttlMs?: number | null;
  /** The schedule whose fire made this run. */
  scheduleId?: number | null;
}
export interface RunRecord extends Omit<NewRun, 'ratePerMin' | 'abortFailedPct' | 'ttlMs' | 'scheduleId'> {
  id: number; ratePerMin: number | null; abortFailedPct: number | null; ttlMs: number | null; scheduleId: number | null;
  state: RunState; endedAt: number | null; endedBy: string | null; endReason: string | null;
}

export async function createRun(c: Ctx, r: NewRun): Promise<number> {
  if (!COMMAND_TARGET_TYPES.includes(r.target.type)) throw invalid(`unknown target type '${r.target.type}'`);
  if (r.ratePerMin != null && !(Number.isInteger(r.ratePerMin) && r.ratePerMin > 0)) throw invalid('the rate must be a whole number of devices per minute above 0');
  if (r.abortFailedPct != null && !(r.abortFailedPct > 0 && r.abortFailedPct <= 100)) throw invalid('the abort threshold must be a percentage above 0');
  const row = await c.db.insertInto('command_runs').values({
    name: r.name, args: JSON.stringify(r.args ?? {}), target_type: r.target.type, target_id: String(r.target.id), school_id: r.schoolId,
    district_id: r.districtId, created_at: r.createdAt, rate_per_min: r.ratePerMin ?? null, abort_failed_pct: r.abortFailedPct ?? null,
    target_kind: r.target.kind ?? null, ttl_ms: r.ttlMs ?? null, schedule_id: r.scheduleId ?? null, ...originColumns(r.origin),
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A run in scope: its school in the scope, or its school's (or, spanning schools, its own) district; none: only unscoped readers. */
function runInScope(scope: Scope | undefined): Expression<SqlBool> {
  const parts = [];
  if (scope?.schoolIds?.length) parts.push(sql<SqlBool>`r.school_id IN (${sql.join(scope.schoolIds)})`);
  if (scope?.districtIds?.length) parts.push(sql<SqlBool>`COALESCE(s.district_id, r.district_id) IN (${sql.join(scope.districtIds)})`);
  if (!scope || (!scope.schoolIds?.length && !scope.districtIds?.length)) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}

const selectRuns = (c: Ctx, scope: Scope | undefined) => c.db.selectFrom('command_runs as r').leftJoin('schools as s', 's.id', 'r.school_id')
  .selectAll('r').where(runInScope(scope));
type RunRow = Awaited<ReturnType<ReturnType<typeof selectRuns>['executeTakeFirstOrThrow']>>;
const toRun = (r: RunRow): RunRecord => ({
  id: Number(r.id), name: r.name, args: JSON.parse(r.args) as unknown,
  target: { type: r.target_type as CommandTargetType, id: r.target_id, kind: (r.target_kind as DeviceKind | null) ?? null },
  schoolId: num(r.school_id), districtId: num(r.district_id), origin: originOf(r.origin, r.created_by), createdAt: Number(r.created_at),
  ratePerMin: num(r.rate_per_min), abortFailedPct: num(r.abort_failed_pct), ttlMs: num(r.ttl_ms), scheduleId: num(r.schedule_id), state: r.state as RunState, endedAt: num(r.ended_at),
  endedBy: r.ended_by, endReason: r.end_reason,
});

export async function run(c: Ctx, id: number, scope?: Scope): Promise<RunRecord | undefined> {
  const r = await selectRuns(c, scope).where('r.id', '=', id).executeTakeFirst();
  return r && toRun(r);
}

/**
 * Runs in scope (optionally of one school), newest first; with `startedBy`, also the runs that user started (a run
 * across districts has no school or district the scope could name, and its starter still follows it).
 */
export async function listRuns(c: Ctx, o: { scope?: Scope; limit?: number; state?: RunState; schoolId?: number; startedBy?: string } = {}): Promise<RunRecord[]> {
  let q = c.db.selectFrom('command_runs as r').leftJoin('schools as s', 's.id', 'r.school_id').selectAll('r')
    .where((eb) => (o.startedBy === undefined ? runInScope(o.scope)
      : eb.or([runInScope(o.scope), eb.and([eb('r.origin', '=', 'user'), eb('r.created_by', '=', o.startedBy)])])));
  if (o.state) q = q.where('r.state', '=', o.state);
  if (o.schoolId !== undefined) q = q.where('r.school_id', '=', o.schoolId);
  return (await q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(Math.min(Math.max(o.limit ?? 50, 1), 500)).execute()).map(toRun);
}

/** running → done; false when the run had already ended. */
export async function finishRun(c: Ctx, id: number, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('command_runs').set({ state: 'done', ended_at: at }).where('id', '=', id).where('state', '=', 'running').executeTakeFirst());
}

/**
 * running → aborted (the abort rule) or cancelled (a person): the run's commands not yet sent are cancelled with it,
 * in one transaction, so no process sends one after; cancelling also takes those sent but not delivered.
 */
export async function endRun(c: Ctx, id: number, e: { state: 'aborted' | 'cancelled'; by: string; reason: string | null; at: number }): Promise<boolean> {
  return inTx(c, async (t) => {
    const r = await t.db.updateTable('command_runs').set({ state: e.state, ended_at: e.at, ended_by: e.by, end_reason: e.reason })
      .where('id', '=', id).where('state', '=', 'running').executeTakeFirst();
    if (!changed(r)) return false;
    await t.db.updateTable('commands').set({ state: 'cancelled', state_at: e.at, finished_at: e.at, cancelled_by: e.by })
      .where('run_id', '=', id).where('state', 'in', e.state === 'aborted' ? ['queued'] : ['queued', 'sent']).execute();
    return true;
  });
}
