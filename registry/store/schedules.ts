/**
 * Command schedules in the registry (docs/commands.md, "Storage"): what to send, to what, on which weekdays at which
 * local time (with an optional second command at `until`, for ranges such as 21:00–06:00), and the claim of each
 * run. A fire is claimed by inserting its primary key (schedule_id, fire_at): of several processes (or one process
 * restarted) exactly one insert succeeds, on SQLite and PostgreSQL alike.
 */
import type { DeviceKind } from '../../protocol/index.js';
import type { Scope } from '../types.js';
import { COMMAND_TARGET_TYPES, type CommandTarget, type CommandTargetType } from './commands.js';
import { inScope, invalid, notFound, num, type Ctx } from './context.js';

export interface ScheduleInput {
  schoolId: number; name: string; target: CommandTarget; command: string; args: unknown;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local time (Asia/Ho_Chi_Minh) HH:MM. */
  at: string;
  /** For a range: the local time HH:MM of the second command (may be the next morning). */
  until?: { at: string; command: string; args: unknown } | null;
  skipHolidays: boolean; enabled: boolean; ratePerMin?: number | null; abortFailedPct?: number | null;
  /** Each command's time to live (ms); absent: the runs' default. */
  ttlMs?: number | null;
}
export interface ScheduleRecord extends Omit<ScheduleInput, 'until' | 'ratePerMin' | 'abortFailedPct' | 'ttlMs'> {
  id: number; until: { at: string; command: string; args: unknown } | null; ratePerMin: number | null; abortFailedPct: number | null; ttlMs: number | null;
  /** Who answers for it: its creator, or whoever saved it since (it fires on their rights of the day). */
  createdBy: string; createdAt: number; updatedAt: number; lastFireAt: number | null;
}

export type FirePart = 'at' | 'until';
/** 'skipped': a holiday or non-teaching day of a schedule that skips them; recorded so its history says so. */
export type FireState = 'claimed' | 'done' | 'missed' | 'skipped';
export interface FireRecord { scheduleId: number; fireAt: number; part: FirePart; state: FireState; claimedBy: string; claimedAt: number; doneAt: number | null; runId: number | null; note: string | null }

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function check(s: ScheduleInput): void {
  if (!s.name.trim()) throw invalid('a schedule needs a name');
  if (!COMMAND_TARGET_TYPES.includes(s.target.type)) throw invalid(`unknown target type '${s.target.type}'`);
  if (!s.command.trim()) throw invalid('a schedule needs a command');
  if (!s.days.length || s.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) throw invalid('days must be ISO weekdays 1 (Monday) to 7 (Sunday)');
  if (!HHMM.test(s.at)) throw invalid(`'${s.at}' is not a time HH:MM`);
  if (s.until) {
    if (!HHMM.test(s.until.at)) throw invalid(`'${s.until.at}' is not a time HH:MM`);
    if (s.until.at === s.at) throw invalid('a range must end at another time than it starts');
    if (!s.until.command.trim()) throw invalid('a range needs its second command');
  }
  if (s.ratePerMin != null && !(Number.isInteger(s.ratePerMin) && s.ratePerMin > 0)) throw invalid('the rate must be a whole number of devices per minute above 0');
  if (s.abortFailedPct != null && !(s.abortFailedPct > 0 && s.abortFailedPct <= 100)) throw invalid('the abort threshold must be a percentage above 0');
}

const columns = (s: ScheduleInput) => ({
  school_id: s.schoolId, name: s.name.trim(), target_type: s.target.type, target_id: String(s.target.id), command: s.command, args: JSON.stringify(s.args ?? {}),
  days: JSON.stringify([...new Set(s.days)].sort((a, b) => a - b)), at: s.at, until: s.until?.at ?? null, until_command: s.until?.command ?? null,
  until_args: s.until ? JSON.stringify(s.until.args ?? {}) : null, skip_holidays: s.skipHolidays ? 1 : 0, enabled: s.enabled ? 1 : 0,
  rate_per_min: s.ratePerMin ?? null, abort_failed_pct: s.abortFailedPct ?? null, target_kind: s.target.kind ?? null, ttl_ms: s.ttlMs ?? null,
});

const selectSchedules = (c: Ctx, scope: Scope | undefined) => c.db.selectFrom('schedules as sc').innerJoin('schools as s', 's.id', 'sc.school_id')
  .selectAll('sc').where('sc.deleted_at', 'is', null).where(inScope(scope, 's'));
type Row = Awaited<ReturnType<ReturnType<typeof selectSchedules>['executeTakeFirstOrThrow']>>;
const toRecord = (r: Row): ScheduleRecord => ({
  id: Number(r.id), schoolId: Number(r.school_id), name: r.name,
  target: { type: r.target_type as CommandTargetType, id: r.target_id, kind: (r.target_kind as DeviceKind | null) ?? null },
  command: r.command, args: JSON.parse(r.args) as unknown, days: JSON.parse(r.days) as number[], at: r.at,
  until: r.until === null ? null : { at: r.until, command: r.until_command ?? '', args: JSON.parse(r.until_args ?? '{}') as unknown },
  skipHolidays: Boolean(Number(r.skip_holidays)), enabled: Boolean(Number(r.enabled)), ratePerMin: num(r.rate_per_min),
  abortFailedPct: num(r.abort_failed_pct), ttlMs: num(r.ttl_ms), createdBy: r.created_by, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  lastFireAt: num(r.last_fire_at),
});

export async function createSchedule(c: Ctx, s: ScheduleInput, byUser: string, at: number): Promise<ScheduleRecord> {
  check(s);
  const r = await c.db.insertInto('schedules').values({ ...columns(s), created_by: byUser, created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
  return (await schedule(c, Number(r.id)))!;
}

/** One schedule (not deleted), if in scope. */
export async function schedule(c: Ctx, id: number, scope?: Scope): Promise<ScheduleRecord | undefined> {
  const r = await selectSchedules(c, scope).where('sc.id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

/** Schedules in scope (optionally of one school, or only the enabled ones: the timers' list), by school then name. */
export async function listSchedules(c: Ctx, o: { scope?: Scope; schoolId?: number; enabledOnly?: boolean } = {}): Promise<ScheduleRecord[]> {
  let q = selectSchedules(c, o.scope);
  if (o.schoolId !== undefined) q = q.where('sc.school_id', '=', o.schoolId);
  if (o.enabledOnly) q = q.where('sc.enabled', '=', 1);
  return (await q.orderBy('sc.school_id').orderBy('sc.name').orderBy('sc.id').execute()).map(toRecord);
}

/**
 * Replaces a schedule's definition (its school included); not found when deleted or absent. `byUser` takes it
 * over: the schedule fires on the rights of whoever saved it last (`createdBy`), who vouched for what it does.
 */
export async function updateSchedule(c: Ctx, id: number, s: ScheduleInput, at: number, byUser?: string): Promise<ScheduleRecord> {
  check(s);
  const r = await c.db.updateTable('schedules').set({ ...columns(s), updated_at: at, ...(byUser ? { created_by: byUser } : {}) }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw notFound(`no schedule ${id}`);
  return (await schedule(c, id))!;
}

/** Deletes a schedule; its row stays (deleted_at) because its fires and runs refer to it and the audit names it. */
export async function deleteSchedule(c: Ctx, id: number, at: number): Promise<void> {
  const r = await c.db.updateTable('schedules').set({ deleted_at: at, enabled: 0, updated_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw notFound(`no schedule ${id}`);
}

/**
 * Takes the fire of `scheduleId` at `fireAt` (ms) for `owner`: true for exactly one caller over all processes and
 * restarts (the primary key decides; the others' inserts do nothing). `state` 'missed' or 'skipped' records a run
 * not made, with its `note` saying why.
 */
export async function claimFire(c: Ctx, f: { scheduleId: number; fireAt: number; part?: FirePart; owner: string; at: number; state?: 'claimed' | 'missed' | 'skipped'; note?: string }): Promise<boolean> {
  const r = await c.db.insertInto('schedule_fires').values({
    schedule_id: f.scheduleId, fire_at: f.fireAt, part: f.part ?? 'at', state: f.state ?? 'claimed', claimed_by: f.owner, claimed_at: f.at,
    done_at: f.state === 'missed' || f.state === 'skipped' ? f.at : null, note: f.note ?? null,
  }).onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/**
 * Takes over a fire that another process claimed before `staleBefore` and never recorded as ended (it died between
 * its claim and its run's commit): true for one caller. The old claimer, if it lives after all, can no longer mark it
 * (markFire checks the owner), and its run rolls back with that.
 */
export async function reclaimFire(c: Ctx, f: { scheduleId: number; fireAt: number; owner: string; at: number; staleBefore: number; state?: 'claimed' | 'missed' | 'skipped'; note?: string }): Promise<boolean> {
  const ended = f.state === 'missed' || f.state === 'skipped';
  const r = await c.db.updateTable('schedule_fires').set({ claimed_by: f.owner, claimed_at: f.at, state: f.state ?? 'claimed', done_at: ended ? f.at : null, note: f.note ?? null })
    .where('schedule_id', '=', f.scheduleId).where('fire_at', '=', f.fireAt).where('state', '=', 'claimed').where('claimed_at', '<', f.staleBefore).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Records how a claimed fire ended (done with its run, or missed), by its owner only; a done fire also becomes the
 * schedule's last fire. False when the fire was not this owner's claim any more.
 */
export async function markFire(c: Ctx, f: { scheduleId: number; fireAt: number; owner: string; state: 'done' | 'missed'; runId?: number | null; note?: string | null; at: number }): Promise<boolean> {
  const r = await c.db.updateTable('schedule_fires').set({ state: f.state, run_id: f.runId ?? null, note: f.note ?? null, done_at: f.at })
    .where('schedule_id', '=', f.scheduleId).where('fire_at', '=', f.fireAt).where('claimed_by', '=', f.owner).where('state', '=', 'claimed').executeTakeFirst();
  if (r.numUpdatedRows === 0n) return false;
  if (f.state === 'done') {
    await c.db.updateTable('schedules').set({ last_fire_at: f.fireAt }).where('id', '=', f.scheduleId)
      .where((eb) => eb.or([eb('last_fire_at', 'is', null), eb('last_fire_at', '<', f.fireAt)])).execute();
  }
  return true;
}

/** A schedule's fires, newest first (its history; the latest tells a restarted process what it may have missed). */
export async function fires(c: Ctx, scheduleId: number, limit = 20): Promise<FireRecord[]> {
  const rows = await c.db.selectFrom('schedule_fires').selectAll().where('schedule_id', '=', scheduleId).orderBy('fire_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    scheduleId: Number(r.schedule_id), fireAt: Number(r.fire_at), part: r.part as FirePart, state: r.state as FireState, claimedBy: r.claimed_by,
    claimedAt: Number(r.claimed_at), doneAt: num(r.done_at), runId: num(r.run_id), note: r.note,
  }));
}
