/**
 * Named queries of the health screens (docs/alerts.md): the problems-first device list, the rollups per place and a
 * room's devices. A device without a device_health row has never been seen and is judged ok; retired devices are not
 * listed. Presence is sorted and filtered on its column (v9), a copy of the signals' JSON.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { DeviceHealthView, HealthListQuery, HealthRollup, HealthSummaryQuery } from '../../api/health.js';
import type { FieldValue } from '../../api/live.js';
import type { DeviceSignals, HealthLevel, HealthReason, Presence } from '../../domain/index.js';
import type { Scope } from '../types.js';
import { contains, inScope, type Ctx } from './context.js';

export interface HealthViewFilter extends Omit<HealthListQuery, 'limit' | 'offset'> {
  scope?: Scope;
  /** Only devices whose signals or verdict were written after this time (the live push). */
  changedAfter?: number;
  /** 'worst' (default): critical, warning, offline, never seen, ok; then longest-standing. 'place': room, kind, name. */
  order?: 'worst' | 'place';
}

export const MAX_HEALTH_PAGE = 500;

const LEVEL_RANK: Record<HealthLevel, number> = { critical: 0, warning: 1, ok: 2 };

const presenceOf = sql<Presence>`COALESCE(h.presence, 'never')`;
const levelOf = sql<HealthLevel>`COALESCE(h.level, 'ok')`;
/** Where a device stands in the worst-first order; a device judged ok but offline comes before one never seen. */
const rankOf = sql<number>`CASE WHEN h.level = 'critical' THEN 0 WHEN h.level = 'warning' THEN 1
  WHEN h.presence = 'offline' THEN 2 WHEN h.presence IS NULL OR h.presence = 'never' THEN 3 ELSE 4 END`;
/** Since when the device is in its state: its oldest open alert, else its presence. */
const sinceOf = sql<number | null>`COALESCE(a.since, h.presence_since)`;

function base(c: Ctx, f: HealthViewFilter, deviceIds?: string[]) {
  const open = c.db.selectFrom('alerts').select(['device_id', sql<number>`COUNT(*)`.as('n'), sql<number>`MIN(started_at)`.as('since')])
    .where('state', '<>', 'resolved').groupBy('device_id');
  let q = c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
    .innerJoin('schools as s', 's.id', 't.school_id').leftJoin('device_health as h', 'h.device_id', 'd.id').leftJoin(open.as('a'), 'a.device_id', 'd.id')
    .where('d.state', '<>', 'retired').where(inScope(f.scope));
  if (f.districtId) q = q.where('s.district_id', '=', f.districtId);
  if (f.schoolId) q = q.where('s.id', '=', f.schoolId);
  if (f.siteId) q = q.where('t.id', '=', f.siteId);
  if (f.roomId) q = q.where('r.id', '=', f.roomId);
  if (f.kind) q = q.where('d.kind', '=', f.kind);
  if (f.level && f.level !== 'ok') {
    const worse = (Object.keys(LEVEL_RANK) as HealthLevel[]).filter((l) => LEVEL_RANK[l] <= LEVEL_RANK[f.level!]);
    q = q.where('h.level', 'in', worse);
  }
  if (f.presence) q = q.where(presenceOf, '=', f.presence);
  if (f.q?.trim()) {
    const term = f.q.trim();
    q = q.where((eb) => eb.or([contains(c, 'd.name', term), contains(c, 'd.id', term), contains(c, 'd.code', term), contains(c, 'r.name', term)]));
  }
  if (f.changedAfter !== undefined) {
    const after = f.changedAfter;
    q = q.where((eb) => eb.or([eb('h.updated_at', '>', after), eb('h.judged_at', '>', after)]));
  }
  if (deviceIds) q = q.where('d.id', 'in', deviceIds);
  return q;
}

function toView(r: {
  id: string; kind: string; name: string; code: string | null; roomId: number; roomName: string; siteId: number; siteName: string; schoolId: number;
  schoolName: string; districtId: number | null; signals: string | null; level: string | null; reasons: string | null; openAlerts: number | string | null;
  recordState: string;
}): DeviceHealthView {
  const s = (r.signals ? JSON.parse(r.signals) : {}) as Partial<DeviceSignals>;
  return {
    id: r.id, kind: r.kind, name: r.name, code: r.code, roomId: r.roomId, roomName: r.roomName, siteId: r.siteId, siteName: r.siteName,
    schoolId: r.schoolId, schoolName: r.schoolName, districtId: r.districtId, presence: s.presence ?? 'never', presenceSince: s.presenceSince ?? null,
    lastSeen: s.lastSeen ?? null, level: (r.level as HealthLevel | null) ?? 'ok', reasons: r.reasons ? (JSON.parse(r.reasons) as HealthReason[]) : [],
    latest: (s.latest ?? {}) as Record<string, FieldValue>, openAlerts: Number(r.openAlerts ?? 0), recordState: r.recordState,
  };
}

/** Devices in scope with their health, worst first (or in place order), paged; `total` counts every match. */
export async function healthViews(c: Ctx, f: HealthViewFilter, page: { limit?: number; offset?: number } = {}): Promise<{ total: number; devices: DeviceHealthView[] }> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), MAX_HEALTH_PAGE);
  const offset = Math.max(page.offset ?? 0, 0);
  const q = base(c, f);
  const count = await q.select(sql<number>`COUNT(*)`.as('n')).executeTakeFirstOrThrow();
  let rows = q.select(['d.id', 'd.kind', 'd.name', 'd.code', 'r.id as roomId', 'r.name as roomName', 't.id as siteId', 't.name as siteName', 's.id as schoolId',
    's.name as schoolName', 's.district_id as districtId', 'h.signals', 'h.level', 'h.reasons', 'a.n as openAlerts', 'd.state as recordState']);
  rows = f.order === 'place'
    ? rows.orderBy('r.name').orderBy('d.kind').orderBy('d.name').orderBy('d.id')
    : rows.orderBy(rankOf).orderBy(sql`CASE WHEN ${sinceOf} IS NULL THEN 1 ELSE 0 END`).orderBy(sinceOf).orderBy('d.id');
  const list = await rows.limit(limit).offset(offset).execute();
  return { total: Number(count.n), devices: list.map(toView) };
}

/** Every changed device (no paging): the live push reads this once per tick. */
export async function changedHealthViews(c: Ctx, after: number, scope?: Scope): Promise<(DeviceHealthView & { stamp: number })[]> {
  // The changed ids first, each side on its index; the views of those few devices then by primary key.
  const changed = await c.db.selectFrom('device_health').select('device_id').where('updated_at', '>', after)
    .union(c.db.selectFrom('device_health').select('device_id').where('judged_at', '>', after)).execute();
  if (!changed.length) return [];
  const ids = changed.map((r) => r.device_id);
  const out: (DeviceHealthView & { stamp: number })[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...await changedSlice(c, ids.slice(i, i + 500), scope));
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function changedSlice(c: Ctx, ids: string[], scope?: Scope): Promise<(DeviceHealthView & { stamp: number })[]> {
  const rows = await base(c, { scope }, ids)
    .select(['d.id', 'd.kind', 'd.name', 'd.code', 'r.id as roomId', 'r.name as roomName', 't.id as siteId', 't.name as siteName', 's.id as schoolId',
      's.name as schoolName', 's.district_id as districtId', 'h.signals', 'h.level', 'h.reasons', 'a.n as openAlerts', 'd.state as recordState',
      sql<number>`CASE WHEN h.updated_at > h.judged_at THEN h.updated_at ELSE h.judged_at END`.as('stamp')])
    .orderBy('d.id').execute();
  return rows.map((r) => Object.assign(toView(r), { stamp: Number(r.stamp) }));
}

const PLACE = {
  district: { id: sql<number>`COALESCE(s.district_id, 0)`, name: sql<string>`COALESCE(di.name, '')`, parent: null },
  school: { id: sql<number>`s.id`, name: sql<string>`s.name`, parent: 's.district_id' },
  site: { id: sql<number>`t.id`, name: sql<string>`t.name`, parent: 's.id' },
  room: { id: sql<number>`r.id`, name: sql<string>`r.name`, parent: 't.id' },
} as const;

type Counts = Omit<HealthRollup, 'id' | 'name'>;

const worstLevel = (x: { critical: number; warning: number }): HealthLevel => (x.critical ? 'critical' : x.warning ? 'warning' : 'ok');

/** Rollups of the places of one level under `parentId` (all in scope when unset), worst first, with their totals. */
export async function healthSummary(c: Ctx, query: HealthSummaryQuery, scope?: Scope): Promise<{ totals: Counts; places: HealthRollup[] }> {
  const p = PLACE[query.level];
  let q = base(c, { scope }).leftJoin('districts as di', 'di.id', 's.district_id');
  if (query.parentId !== undefined && p.parent) q = q.where(sql.ref(p.parent), '=', query.parentId);
  const sum = (cond: Expression<SqlBool>) => sql<number>`SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END)`;
  const rows = await q.select([p.id.as('id'), p.name.as('name'), sql<number>`COUNT(*)`.as('devices'),
    sum(sql`h.level = 'critical'`).as('critical'), sum(sql`h.level = 'warning'`).as('warning'), sum(sql`${levelOf} = 'ok'`).as('ok'),
    sum(sql`${presenceOf} = 'offline'`).as('offline'), sum(sql`${presenceOf} = 'never'`).as('never')])
    .groupBy([p.id, p.name]).execute();
  const places = rows.map((r) => {
    const n = { devices: Number(r.devices), critical: Number(r.critical), warning: Number(r.warning), ok: Number(r.ok), offline: Number(r.offline), never: Number(r.never) };
    return { id: Number(r.id), name: r.name, ...n, level: worstLevel(n) };
  });
  places.sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || b.critical - a.critical || b.warning - a.warning || b.offline - a.offline
    || a.name.localeCompare(b.name, 'vi'));
  const totals: Counts = { devices: 0, critical: 0, warning: 0, ok: 0, offline: 0, never: 0, level: 'ok' };
  for (const r of places) for (const k of ['devices', 'critical', 'warning', 'ok', 'offline', 'never'] as const) totals[k] += r[k];
  totals.level = worstLevel(totals);
  return { totals, places };
}

/** Counts of a list of devices (the room view's header). */
export function rollupOf(devices: readonly DeviceHealthView[]): Counts {
  const n = { devices: devices.length, critical: 0, warning: 0, ok: 0, offline: 0, never: 0 };
  for (const d of devices) {
    n[d.level] += 1;
    if (d.presence === 'offline') n.offline += 1;
    if (d.presence === 'never') n.never += 1;
  }
  return { ...n, level: worstLevel(n) };
}

/** A room, where it is, and every device of it in place order (at most MAX_HEALTH_PAGE); undefined when there is no such room. */
export async function roomHealth(c: Ctx, roomId: number): Promise<{
  room: { id: number; name: string; type: string; siteName: string; schoolId: number; schoolName: string; districtId: number | null };
  devices: DeviceHealthView[];
} | undefined> {
  const room = await c.db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id').innerJoin('schools as s', 's.id', 't.school_id')
    .select(['r.id', 'r.name', 'r.type', 't.name as siteName', 's.id as schoolId', 's.name as schoolName', 's.district_id as districtId'])
    .where('r.id', '=', roomId).executeTakeFirst();
  if (!room) return undefined;
  const { devices } = await healthViews(c, { roomId, order: 'place' }, { limit: MAX_HEALTH_PAGE });
  return { room, devices };
}

/** The latest time any signals or verdict were written (0 when none): where the live push starts reading. */
export async function healthStamp(c: Ctx): Promise<number> {
  const r = await c.db.selectFrom('device_health').select([sql<number | null>`MAX(updated_at)`.as('u'), sql<number | null>`MAX(judged_at)`.as('j')]).executeTakeFirst();
  return Math.max(Number(r?.u ?? 0), Number(r?.j ?? 0));
}
