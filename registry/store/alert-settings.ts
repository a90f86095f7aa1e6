/**
 * What people set about alerts (docs/alerts.md): silences (a device, room or school muted until a time, with a
 * reason) and rule overrides (a rule's parameters per kind, school and room type; '' / 0 for "any").
 */
import { sql } from 'kysely';
import type { RuleOverrideView, RuleParamsView, SilenceTarget, SilenceView } from '../../api/alerts.js';
import type { RuleId } from '../../domain/index.js';
import { isRowId, type Scope } from '../types.js';
import { conflictOr, inScope, invalid, notFound, type Ctx } from './context.js';

export interface ActiveSilence { targetType: SilenceTarget; targetId: string }

/** Silences in force at `now` (few: a handful per school at most, so the flag is computed in JS). */
export async function activeSilences(c: Ctx, now: number): Promise<ActiveSilence[]> {
  const rows = await c.db.selectFrom('silences').select(['target_type', 'target_id']).where('ended_at', 'is', null).where('until', '>', now).execute();
  return rows.map((r) => ({ targetType: r.target_type as SilenceTarget, targetId: r.target_id }));
}

/** Whether a silence covers the device, its room or its school. */
export function isSilenced(silences: readonly ActiveSilence[], at: { deviceId: string; roomId: number; schoolId: number }): boolean {
  return silences.some((s) => (s.targetType === 'device' && s.targetId === at.deviceId) || (s.targetType === 'room' && s.targetId === String(at.roomId))
    || (s.targetType === 'school' && s.targetId === String(at.schoolId)));
}

export interface SilenceTargetPlace { name: string; schoolId: number; districtId: number | null }

/** The device, room or school a silence would cover, with its school (for the scope check); undefined if none. */
export async function silenceTarget(c: Ctx, type: SilenceTarget, id: string): Promise<SilenceTargetPlace | undefined> {
  if (type === 'device') {
    const r = await c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as si', 'si.id', 'r.site_id')
      .innerJoin('schools as s', 's.id', 'si.school_id').select(['d.name', 's.id as school_id', 's.district_id']).where('d.id', '=', id).executeTakeFirst();
    return r && { name: r.name, schoolId: Number(r.school_id), districtId: r.district_id === null ? null : Number(r.district_id) };
  }
  const num = Number(id);
  if (!isRowId(num)) return undefined;
  if (type === 'room') {
    const r = await c.db.selectFrom('rooms as r').innerJoin('sites as si', 'si.id', 'r.site_id').innerJoin('schools as s', 's.id', 'si.school_id')
      .select(['r.name', 's.id as school_id', 's.district_id']).where('r.id', '=', num).executeTakeFirst();
    return r && { name: r.name, schoolId: Number(r.school_id), districtId: r.district_id === null ? null : Number(r.district_id) };
  }
  const s = await c.db.selectFrom('schools').select(['name', 'id', 'district_id']).where('id', '=', num).executeTakeFirst();
  return s && { name: s.name, schoolId: Number(s.id), districtId: s.district_id === null ? null : Number(s.district_id) };
}

const TARGET_NAME = sql<string>`CASE si.target_type
  WHEN 'device' THEN (SELECT d.name FROM devices d WHERE d.id = si.target_id)
  WHEN 'room' THEN (SELECT r.name FROM rooms r WHERE CAST(r.id AS TEXT) = si.target_id)
  ELSE s.name END`;

function silenceRows(c: Ctx) {
  return c.db.selectFrom('silences as si').innerJoin('schools as s', 's.id', 'si.school_id')
    .select(['si.id', 'si.target_type', 'si.target_id', TARGET_NAME.as('target_name'), 'si.school_id', 'si.until', 'si.reason', 'si.created_by',
      'si.created_at', 'si.ended_at', 'si.ended_by', 's.district_id']);
}
type SilenceRow = Awaited<ReturnType<ReturnType<typeof silenceRows>['executeTakeFirstOrThrow']>>;
const toSilence = (r: SilenceRow): SilenceView & { districtId: number | null } => ({
  id: Number(r.id), targetType: r.target_type as SilenceTarget, targetId: r.target_id, targetName: r.target_name ?? r.target_id,
  schoolId: Number(r.school_id), until: Number(r.until), reason: r.reason, createdBy: r.created_by, createdAt: Number(r.created_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at), endedBy: r.ended_by, districtId: r.district_id === null ? null : Number(r.district_id),
});

/** Mutes a target until `until` (in the future), with a reason. The caller has checked the target's scope. */
export async function createSilence(c: Ctx, s: { targetType: SilenceTarget; targetId: string; until: number; reason: string; byUser: string; at: number }): Promise<SilenceView & { districtId: number | null }> {
  if (!s.reason.trim()) throw invalid('a silence needs a reason');
  if (!(s.until > s.at)) throw invalid('a silence must end in the future');
  const place = await silenceTarget(c, s.targetType, s.targetId);
  if (!place) throw notFound(`no ${s.targetType} '${s.targetId}'`);
  const r = await c.db.insertInto('silences').values({
    target_type: s.targetType, target_id: s.targetId, school_id: place.schoolId, until: s.until, reason: s.reason.trim(), created_by: s.byUser, created_at: s.at,
  }).returning('id').executeTakeFirstOrThrow();
  // Each open alert it covers records the silence, so its history tells why no reminder came.
  const column = s.targetType === 'device' ? 'device_id' : s.targetType === 'room' ? 'room_id' : 'school_id';
  const open = await c.db.selectFrom('alerts').select('id').where('state', '<>', 'resolved')
    .where(column, '=', s.targetType === 'device' ? s.targetId : Number(s.targetId)).execute();
  if (open.length) {
    await c.db.insertInto('alert_history').values(open.map((a) => ({ alert_id: Number(a.id), at: s.at, state: 'silenced', by_user: s.byUser, comment: s.reason.trim() }))).execute();
  }
  return (await silence(c, Number(r.id)))!;
}

export async function silence(c: Ctx, id: number): Promise<(SilenceView & { districtId: number | null }) | undefined> {
  const r = await silenceRows(c).where('si.id', '=', id).executeTakeFirst();
  return r && toSilence(r);
}

/** Silences in scope that are in force, or ended (early or by themselves) within `recentMs` of `now`; newest first. */
export async function listSilences(c: Ctx, scope: Scope | undefined, now: number, recentMs = 7 * 24 * 3600_000): Promise<SilenceView[]> {
  const rows = await silenceRows(c).where(inScope(scope, 's'))
    .where((eb) => eb.or([eb('si.ended_at', '>', now - recentMs), eb.and([eb('si.ended_at', 'is', null), eb('si.until', '>', now - recentMs)])]))
    .orderBy('si.created_at', 'desc').orderBy('si.id', 'desc').execute();
  return rows.map(toSilence).map(({ districtId: _d, ...v }) => v);
}

/** Ends a silence early; not found when it has already ended. */
export async function endSilence(c: Ctx, id: number, byUser: string, at: number): Promise<SilenceView & { districtId: number | null }> {
  const r = await c.db.updateTable('silences').set({ ended_at: at, ended_by: byUser }).where('id', '=', id).where('ended_at', 'is', null)
    .where('until', '>', at).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound(`no silence ${id} in force`);
  return (await silence(c, id))!;
}

// ── rule overrides

export type StoredOverride = RuleOverrideView & { rule: RuleId };

export async function alertRuleOverrides(c: Ctx): Promise<StoredOverride[]> {
  const rows = await c.db.selectFrom('alert_rule_overrides').selectAll().orderBy('rule').orderBy('school_id').orderBy('room_type').orderBy('kind').execute();
  return rows.map((r) => ({
    id: Number(r.id), rule: r.rule as RuleId, kind: r.kind, schoolId: Number(r.school_id), roomType: r.room_type,
    params: JSON.parse(r.params) as Partial<RuleParamsView>, updatedBy: r.updated_by, updatedAt: Number(r.updated_at),
  }));
}

/** Sets (or replaces) the override of `rule` for one (kind, school, room type); the caller has validated it against the rule. */
export async function upsertRuleOverride(c: Ctx, rule: string, o: { kind: string; schoolId: number; roomType: string; params: Partial<RuleParamsView>; byUser: string; at: number }): Promise<StoredOverride> {
  try {
    await c.db.insertInto('alert_rule_overrides').values({
      rule, kind: o.kind, school_id: o.schoolId, room_type: o.roomType, params: JSON.stringify(o.params), updated_by: o.byUser, updated_at: o.at,
    }).onConflict((oc) => oc.columns(['rule', 'kind', 'school_id', 'room_type'])
      .doUpdateSet((eb) => ({ params: eb.ref('excluded.params'), updated_by: eb.ref('excluded.updated_by'), updated_at: eb.ref('excluded.updated_at') })))
      .execute();
  } catch (err) { conflictOr(err, 'this override already exists'); }
  return (await alertRuleOverrides(c)).find((x) => x.rule === rule && x.kind === o.kind && x.schoolId === o.schoolId && x.roomType === o.roomType)!;
}

export async function ruleOverride(c: Ctx, id: number): Promise<StoredOverride | undefined> {
  return (await alertRuleOverrides(c)).find((o) => o.id === id);
}

export async function deleteRuleOverride(c: Ctx, id: number): Promise<void> {
  const r = await c.db.deleteFrom('alert_rule_overrides').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound(`no rule override ${id}`);
}
