/**
 * The alert engine's side of the alerts (docs/alerts.md): opening one, moving it along its lifecycle, and what it
 * reads each pass (open alerts, rule overrides, silences). Every change is conditional (an INSERT that yields to the
 * open alert of the same (rule, device), an UPDATE … WHERE state = the state it was read in), so of several
 * processes judging the same condition exactly one changes the row, and only that one notifies.
 */
import { sql, type SqlBool } from 'kysely';
import type { AlertState, RuleId, Severity } from '../../domain/index.js';
import { num, type Ctx } from './context.js';

/** An alert row as the engine reads it. */
export interface AlertRow {
  id: number;
  rule: RuleId;
  deviceId: string;
  schoolId: number;
  roomId: number;
  severity: Severity;
  state: AlertState;
  value: number | null;
  field: string | null;
  startedAt: number;
  firedAt: number | null;
  clearSince: number | null;
  lastNotifiedAt: number | null;
  notifyCount: number;
}

export interface NewAlert {
  rule: RuleId;
  deviceId: string;
  schoolId: number;
  roomId: number;
  severity: Severity;
  state: 'pending' | 'firing';
  value: number | null;
  field: string | null;
  /** Set when the alert opens firing and is notified at once (not silenced). */
  notified: boolean;
}

/** What a transition may change. `notified`: last_notified_at = the transition's time and one more notification. */
export interface AlertPatch {
  state?: AlertState;
  value?: number | null;
  firedAt?: number;
  clearSince?: number | null;
  resolvedAt?: number;
  resolveReason?: string;
  notified?: boolean;
}

export interface AlertTransition {
  id: number;
  /** The state the alert was read in: the update applies only if it is still in it. */
  from: AlertState;
  /** For a notification: the last_notified_at it was read with (null: never notified). */
  lastNotifiedAt?: number | null;
  set: AlertPatch;
  /** The history line, when the transition is one (`state` of the line: the new state, or 'renotified'). */
  history?: { state: string; comment: string | null };
}

/** A stored rule override as the engine uses it (alerts/rules.ts RuleOverride). */
/** The partial index's own predicate, as text: SQLite matches a conflict target only to the index written the same way (no bound parameter). */
const OPEN_INDEX_PREDICATE = sql<SqlBool>`state <> 'resolved'`;


/** Open (pending, firing, acknowledged) alerts: of the given devices, or all. */
export async function openAlerts(c: Ctx, deviceIds?: readonly string[]): Promise<AlertRow[]> {
  if (deviceIds && !deviceIds.length) return [];
  let q = c.db.selectFrom('alerts').selectAll().where('state', '<>', 'resolved');
  if (deviceIds) q = q.where('device_id', 'in', [...deviceIds]);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id), rule: r.rule as RuleId, deviceId: r.device_id, schoolId: Number(r.school_id), roomId: Number(r.room_id),
    severity: r.severity as Severity, state: r.state as AlertState, value: num(r.value), field: r.field, startedAt: Number(r.started_at),
    firedAt: num(r.fired_at), clearSince: num(r.clear_since), lastNotifiedAt: num(r.last_notified_at), notifyCount: Number(r.notify_count),
  }));
}

/**
 * Opens an alert unless one is open for the same (rule, device) (the partial unique index decides, on both engines);
 * returns its id, or undefined when another process opened it first. Writes the first history line.
 */
export async function openAlert(c: Ctx, a: NewAlert, at: number): Promise<number | undefined> {
  const row = await c.db.insertInto('alerts').values({
    rule: a.rule, device_id: a.deviceId, school_id: a.schoolId, room_id: a.roomId, severity: a.severity, state: a.state, value: a.value,
    field: a.field, started_at: at, fired_at: a.state === 'firing' ? at : null, clear_since: null, acked_at: null, acked_by: null,
    ack_comment: null, resolved_at: null, resolved_by: null, resolve_reason: null, last_notified_at: a.notified ? at : null,
    notify_count: a.notified ? 1 : 0, updated_at: at,
  }).onConflict((oc) => oc.columns(['rule', 'device_id']).where(OPEN_INDEX_PREDICATE).doNothing())
    .returning('id').executeTakeFirst();
  if (!row) return undefined;
  const id = Number(row.id);
  await c.db.insertInto('alert_history').values({ alert_id: id, at, state: a.state, by_user: null, comment: null }).execute();
  return id;
}

/** Applies a transition if the alert is still as it was read; true when this call changed it. */
export async function transitionAlert(c: Ctx, t: AlertTransition, at: number): Promise<boolean> {
  const s = t.set;
  let q = c.db.updateTable('alerts').set((eb) => ({
    updated_at: at,
    ...(s.state !== undefined ? { state: s.state } : {}),
    ...(s.value !== undefined ? { value: s.value } : {}),
    ...(s.firedAt !== undefined ? { fired_at: s.firedAt } : {}),
    ...(s.clearSince !== undefined ? { clear_since: s.clearSince } : {}),
    ...(s.resolvedAt !== undefined ? { resolved_at: s.resolvedAt, resolved_by: null } : {}),
    ...(s.resolveReason !== undefined ? { resolve_reason: s.resolveReason } : {}),
    ...(s.notified ? { last_notified_at: at, notify_count: eb('notify_count', '+', 1) } : {}),
  })).where('id', '=', t.id).where('state', '=', t.from);
  if (t.lastNotifiedAt !== undefined) {
    q = t.lastNotifiedAt === null ? q.where('last_notified_at', 'is', null) : q.where('last_notified_at', '=', t.lastNotifiedAt);
  }
  const r = await q.executeTakeFirst();
  if (r.numUpdatedRows === 0n) return false;
  if (t.history) await c.db.insertInto('alert_history').values({ alert_id: t.id, at, ...t.history, by_user: null }).execute();
  return true;
}

/**
 * Deletes a pending alert whose condition stopped before it fired, with its history: it was never notified, and
 * keeping every "hot for a minute" would bury the alerts that mattered. The claiming UPDATE comes first so that
 * on PostgreSQL the row is locked before its history goes.
 */
export async function dropPendingAlert(c: Ctx, id: number, at: number): Promise<boolean> {
  const claimed = await c.db.updateTable('alerts').set({ updated_at: at }).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
  if (claimed.numUpdatedRows === 0n) return false;
  await c.db.deleteFrom('alert_history').where('alert_id', '=', id).execute();
  await c.db.deleteFrom('alerts').where('id', '=', id).execute();
  return true;
}

/** Every stored rule override (the rules screen writes them). */
