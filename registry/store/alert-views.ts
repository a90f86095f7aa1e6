/**
 * The people's side of alerts (docs/alerts.md): the inbox list, an alert's detail and history, acknowledging and
 * resolving by hand. The engine's own transitions live in alerts.ts; every change here is a conditional UPDATE on
 * the state, so a person and the engine (or two people) racing on one alert change it once.
 */
import { sql } from 'kysely';
import type { AlertDetail, AlertHistoryEntry, AlertListQuery, AlertListResponse, AlertView } from '../../api/alerts.js';
import type { AlertState, RuleId, Severity } from '../../domain/index.js';
import type { Scope } from '../types.js';
import { inScope, inTx, type Ctx } from './context.js';
import { activeSilences, isSilenced } from './alert-settings.js';

/** An alert with the district its school belongs to (for scope checks and the AlertEvent). */
export type AlertRecord = AlertView & { districtId: number | null };

/** What a person's change produced, in the shape of an AlertEvent's fields (the route adds listeners' types). */
export interface AlertChange { before: AlertState; alert: AlertRecord }

const STATE_RANK = sql<number>`CASE a.state WHEN 'firing' THEN 0 WHEN 'pending' THEN 1 WHEN 'acknowledged' THEN 2 ELSE 3 END`;
const SEVERITY_RANK = sql<number>`CASE a.severity WHEN 'critical' THEN 0 ELSE 1 END`;
const n = (v: number | string | null): number | null => (v === null ? null : Number(v));

function base(c: Ctx) {
  return c.db.selectFrom('alerts as a')
    .innerJoin('devices as d', 'd.id', 'a.device_id')
    .innerJoin('rooms as r', 'r.id', 'a.room_id')
    .innerJoin('schools as s', 's.id', 'a.school_id');
}

function select(c: Ctx) {
  return base(c).select([
    'a.id', 'a.rule', 'a.severity', 'a.state', 'a.device_id', 'd.name as device_name', 'd.kind', 'a.room_id', 'r.name as room_name',
    'a.school_id', 's.name as school_name', 's.district_id', 'a.value', 'a.field', 'a.started_at', 'a.fired_at', 'a.acked_at', 'a.acked_by',
    'a.ack_comment', 'a.resolved_at', 'a.resolved_by', 'a.resolve_reason', 'a.last_notified_at', 'a.updated_at',
  ]);
}
type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;

function toRecord(r: Row, silenced: boolean): AlertRecord {
  return {
    id: Number(r.id), rule: r.rule as RuleId, severity: r.severity as Severity, state: r.state as AlertState, deviceId: r.device_id,
    deviceName: r.device_name, kind: r.kind, roomId: Number(r.room_id), roomName: r.room_name, schoolId: Number(r.school_id),
    schoolName: r.school_name, districtId: n(r.district_id), value: r.value === null ? null : Number(r.value), field: r.field,
    startedAt: Number(r.started_at), firedAt: n(r.fired_at), ackedAt: n(r.acked_at), ackedBy: r.acked_by, ackComment: r.ack_comment,
    resolvedAt: n(r.resolved_at), resolvedBy: r.resolved_by, resolveReason: r.resolve_reason, lastNotifiedAt: n(r.last_notified_at),
    silenced, updatedAt: Number(r.updated_at),
  };
}

async function withSilences(c: Ctx, rows: Row[], now: number): Promise<AlertRecord[]> {
  if (!rows.length) return [];
  const silences = await activeSilences(c, now);
  return rows.map((r) => toRecord(r, isSilenced(silences, { deviceId: r.device_id, roomId: Number(r.room_id), schoolId: Number(r.school_id) })));
}

/** Strips the district the views carry for scope checks: the API's AlertView has none. */
export const toView = ({ districtId: _d, ...v }: AlertRecord): AlertView => v;

/** The inbox: filtered, within scope, worst and oldest first, paged. */
export async function listAlerts(c: Ctx, q: AlertListQuery, scope: Scope | undefined, now: number): Promise<AlertListResponse> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const offset = Math.max(q.offset ?? 0, 0);
  let w = base(c).where(inScope(scope, 's'));
  const state = q.state ?? 'open';
  if (state === 'open') w = w.where('a.state', '<>', 'resolved');
  else if (state !== 'all') w = w.where('a.state', '=', state);
  if (q.severity) w = w.where('a.severity', '=', q.severity);
  if (q.rule) w = w.where('a.rule', '=', q.rule);
  if (q.districtId !== undefined) w = w.where('s.district_id', '=', q.districtId);
  if (q.schoolId !== undefined) w = w.where('a.school_id', '=', q.schoolId);
  if (q.roomId !== undefined) w = w.where('a.room_id', '=', q.roomId);
  if (q.deviceId) w = w.where('a.device_id', '=', q.deviceId);
  if (q.kind) w = w.where('d.kind', '=', q.kind);
  const total = await w.select(sql<number>`COUNT(*)`.as('n')).executeTakeFirstOrThrow();
  // The WHERE built on `base` is reused with the full select list: same joins, same filters.
  const ids = await w.select('a.id').orderBy(STATE_RANK).orderBy(SEVERITY_RANK).orderBy('a.started_at').orderBy('a.id')
    .limit(limit).offset(offset).execute();
  const rows = ids.length ? await select(c).where('a.id', 'in', ids.map((r) => r.id)).orderBy(STATE_RANK).orderBy(SEVERITY_RANK)
    .orderBy('a.started_at').orderBy('a.id').execute() : [];
  return { total: Number(total.n), limit, offset, alerts: (await withSilences(c, rows, now)).map(toView) };
}

/** One alert (any state), or undefined. */
export async function alertRecord(c: Ctx, id: number, now: number): Promise<AlertRecord | undefined> {
  const r = await select(c).where('a.id', '=', id).executeTakeFirst();
  return r ? (await withSilences(c, [r], now))[0] : undefined;
}

/** Alerts changed after `after` (ms of updated_at), oldest change first: the live push reads these each tick. */
export async function alertsChangedSince(c: Ctx, after: number, now: number, max = 5000): Promise<AlertRecord[]> {
  const rows = await select(c).where('a.updated_at', '>', after).orderBy('a.updated_at').orderBy('a.id').limit(max).execute();
  return withSilences(c, rows, now);
}

export async function alertDetail(c: Ctx, id: number, now: number): Promise<(AlertDetail & { alert: AlertRecord }) | undefined> {
  const alert = await alertRecord(c, id, now);
  if (!alert) return undefined;
  const h = await c.db.selectFrom('alert_history').select(['at', 'state', 'by_user', 'comment']).where('alert_id', '=', id)
    .orderBy('at').orderBy('id').execute();
  const history: AlertHistoryEntry[] = h.map((r) => ({ at: Number(r.at), state: r.state as AlertHistoryEntry['state'], byUser: r.by_user, comment: r.comment }));
  return { alert, history };
}

/**
 * Acknowledges a pending or firing alert: who, when, the comment, a history row. Undefined when it was in neither
 * state (already acknowledged or resolved, by someone else or the engine): the UPDATE is conditional on the state.
 */
export async function acknowledgeAlert(c: Ctx, id: number, a: { byUser: string; comment: string | null; at: number }): Promise<AlertChange | undefined> {
  return inTx(c, async (t) => {
    const before = await t.db.selectFrom('alerts').select('state').where('id', '=', id).executeTakeFirst();
    const r = await t.db.updateTable('alerts').set({ state: 'acknowledged', acked_at: a.at, acked_by: a.byUser, ack_comment: a.comment, updated_at: a.at })
      .where('id', '=', id).where('state', 'in', ['pending', 'firing']).executeTakeFirst();
    if (!before || Number(r.numUpdatedRows) === 0) return undefined;
    await t.db.insertInto('alert_history').values({ alert_id: id, at: a.at, state: 'acknowledged', by_user: a.byUser, comment: a.comment }).execute();
    return { before: before.state as AlertState, alert: (await alertRecord(t, id, a.at))! };
  });
}

/** Resolves an open alert by hand (who and why); undefined when it was already resolved. */
export async function resolveAlert(c: Ctx, id: number, a: { byUser: string; reason: string; at: number }): Promise<AlertChange | undefined> {
  return inTx(c, async (t) => {
    const before = await t.db.selectFrom('alerts').select('state').where('id', '=', id).executeTakeFirst();
    const r = await t.db.updateTable('alerts').set({ state: 'resolved', resolved_at: a.at, resolved_by: a.byUser, resolve_reason: a.reason, updated_at: a.at })
      .where('id', '=', id).where('state', '<>', 'resolved').executeTakeFirst();
    if (!before || Number(r.numUpdatedRows) === 0) return undefined;
    await t.db.insertInto('alert_history').values({ alert_id: id, at: a.at, state: 'resolved', by_user: a.byUser, comment: a.reason }).execute();
    return { before: before.state as AlertState, alert: (await alertRecord(t, id, a.at))! };
  });
}
