/**
 * Named queries for the callers that used to write their own SQL on the registry: the usage analyser and planning
 * facts, the KPI, the equipment export and the import's snapshot. Each returns exactly the rows its caller built.
 */
import { sql } from 'kysely';
import type { DeviceKind } from '../../protocol/index.js';
import type { RoomType, Scope } from '../types.js';
import { inScope, type Ctx } from './context.js';

/** A room that has devices, with where it is (usage/analyser.ts). */
export interface AnalysisRoom { id: number; type: RoomType; siteId: number; schoolId: number; districtId: number | null; level: string }

/** One device of a room in scope, with the room's place (usage/facts.ts groups these per room). */
export interface RoomFactRow {
  roomId: number; roomName: string; roomType: RoomType; capacity: number; schoolId: number; schoolName: string; districtId: number | null;
  districtName: string | null; deviceId: string; kind: string; costVnd: number | null; serviceLifeYears: number | null; inServiceDate: string | null; state: string;
}

/** A non-retired device in scope with its repairs since a time (usage/facts.ts decides what needs attention). */
export interface AttentionRow {
  deviceId: string; name: string; kind: string; schoolName: string; roomName: string; inServiceDate: string | null;
  serviceLifeYears: number | null; costVnd: number | null; state: string; repairs12m: number;
}

/** A school, and one of its non-retired devices (or none, for a school without devices): dashboard/server/kpi.ts. */
export interface KpiRow {
  schoolId: number; schoolName: string; districtId: number | null; districtName: string | null; deviceId: string | null; kind: string | null;
  roomId: number | null; code: string | null; model: string | null; serial: string | null; inServiceDate: string | null; costVnd: number | null;
  serviceLifeYears: number | null; state: string | null;
  /** MQTT credentials issued and not revoked (1), not (0), no device (null). */
  connectable: number | null;
}

/** A device record with its place, for the equipment export (registry/export.ts). */
export interface ExportDbRow {
  id: string; code: string | null; name: string; kind: DeviceKind; manufacturer: string | null; model: string | null; serial: string | null;
  inServiceDate: string | null; costVnd: number | null; warrantyEnd: string | null; serviceLifeYears: number | null; room: string; roomType: RoomType;
  site: string; schoolCode: string; schoolName: string; district: string | null;
}

/** What the equipment import plans against (registry/import/apply.ts `snapshotRegistry`). */
export interface ImportSnapshotRows {
  schools: { id: number; code: string; name: string }[];
  sites: { id: number; schoolId: number; name: string }[];
  rooms: { id: number; siteId: number; code: string; type: RoomType }[];
  devices: {
    id: string; kind: DeviceKind; roomId: number; schoolId: number; name: string; manufacturer: string | null; model: string | null; serial: string | null;
    inServiceDate: string | null; costVnd: number | null; warrantyEnd: string | null; serviceLifeYears: number | null; code: string;
  }[];
}

const placed = (c: Ctx) => c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
  .innerJoin('schools as s', 's.id', 't.school_id');

export async function analysisRooms(c: Ctx): Promise<AnalysisRoom[]> {
  return placed(c).select(['r.id', 'r.type', 'r.site_id as siteId', 's.id as schoolId', 's.district_id as districtId', 's.level']).distinct().execute() as Promise<AnalysisRoom[]>;
}

export async function roomFactRows(c: Ctx, scope: Scope | undefined): Promise<RoomFactRow[]> {
  return placed(c).leftJoin('districts as di', 'di.id', 's.district_id')
    .select(['r.id as roomId', 'r.name as roomName', 'r.type as roomType', 'r.capacity', 's.id as schoolId', 's.name as schoolName', 's.district_id as districtId',
      'di.name as districtName', 'd.id as deviceId', 'd.kind', 'd.cost_vnd as costVnd', 'd.service_life_years as serviceLifeYears',
      'd.in_service_date as inServiceDate', 'd.state'])
    .where(inScope(scope)).where('r.retired_at', 'is', null).orderBy('s.name').orderBy('r.code').orderBy('d.id').execute() as Promise<RoomFactRow[]>;
}

export async function attentionRows(c: Ctx, scope: Scope | undefined, repairsSince: number): Promise<AttentionRow[]> {
  const rows = await placed(c)
    .select((eb) => ['d.id as deviceId', 'd.name', 'd.kind', 's.name as schoolName', 'r.name as roomName', 'd.in_service_date as inServiceDate',
      'd.service_life_years as serviceLifeYears', 'd.cost_vnd as costVnd', 'd.state',
      eb.selectFrom('maintenance_log as m').select(sql<number>`COUNT(*)`.as('n')).whereRef('m.device_id', '=', 'd.id').where('m.at', '>=', repairsSince).as('repairs12m')])
    .where(inScope(scope)).where('d.state', '!=', 'retired').orderBy('s.name').orderBy('r.name').orderBy('d.name').execute();
  return rows.map((r) => ({ ...r, repairs12m: Number(r.repairs12m) }));
}

export async function kpiRows(c: Ctx, scope: Scope | undefined): Promise<KpiRow[]> {
  return c.db.selectFrom('schools as s').leftJoin('districts as di', 'di.id', 's.district_id').leftJoin('sites as t', 't.school_id', 's.id')
    .leftJoin('rooms as r', 'r.site_id', 't.id').leftJoin('devices as d', (j) => j.onRef('d.room_id', '=', 'r.id').on('d.state', '<>', 'retired'))
    .select(['s.id as schoolId', 's.name as schoolName', 's.district_id as districtId', 'di.name as districtName', 'd.id as deviceId', 'd.kind',
      'd.room_id as roomId', 'd.code', 'd.model', 'd.serial', 'd.in_service_date as inServiceDate', 'd.cost_vnd as costVnd',
      'd.service_life_years as serviceLifeYears', 'd.state',
      sql<number | null>`CASE WHEN d.id IS NULL THEN NULL WHEN d.secret_hash IS NOT NULL AND d.revoked_at IS NULL THEN 1 ELSE 0 END`.as('connectable')])
    .where(inScope(scope)).orderBy('s.name').orderBy('s.id').orderBy('d.id').execute();
}

export async function exportRows(c: Ctx, scope: Scope | undefined): Promise<ExportDbRow[]> {
  return placed(c).leftJoin('districts as di', 'di.id', 's.district_id')
    .select(['d.id', 'd.code', 'd.name', 'd.kind', 'd.manufacturer', 'd.model', 'd.serial', 'd.in_service_date as inServiceDate', 'd.cost_vnd as costVnd',
      'd.warranty_end as warrantyEnd', 'd.service_life_years as serviceLifeYears', 'r.code as room', 'r.type as roomType', 't.name as site',
      's.code as schoolCode', 's.name as schoolName', 'di.name as district'])
    .where(inScope(scope)).orderBy('s.code').orderBy('t.name').orderBy('r.code').orderBy(sql`COALESCE(d.code, d.id)`).execute() as Promise<ExportDbRow[]>;
}

export async function importSnapshot(c: Ctx): Promise<ImportSnapshotRows> {
  const [schools, sites, rooms, devices] = [
    await c.db.selectFrom('schools').select(['id', 'code', 'name']).execute(),
    await c.db.selectFrom('sites').select(['id', 'school_id as schoolId', 'name']).orderBy('id').execute(),
    await c.db.selectFrom('rooms').select(['id', 'site_id as siteId', 'code', 'type']).orderBy('id').execute(),
    await c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
      .select(['d.id', 'd.kind', 'd.room_id as roomId', 't.school_id as schoolId', 'd.name', 'd.manufacturer', 'd.model', 'd.serial',
        'd.in_service_date as inServiceDate', 'd.cost_vnd as costVnd', 'd.warranty_end as warrantyEnd', 'd.service_life_years as serviceLifeYears',
        sql<string>`COALESCE(d.code, d.id)`.as('code')]).execute(),
  ];
  return { schools, sites, rooms, devices } as ImportSnapshotRows;
}

/** The room with `code` at a site, if any (the import reuses a room without renaming it). */
export async function roomAt(c: Ctx, siteId: number, code: string): Promise<{ id: number } | undefined> {
  return c.db.selectFrom('rooms').select('id').where('site_id', '=', siteId).where('code', '=', code).executeTakeFirst();
}
