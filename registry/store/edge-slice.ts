/**
 * The down direction to an edge node (docs/architecture.md, "Edge nodes (issue 21)"), province side: the registry
 * slice of one site as the bundle carries it, the commands waiting for the site's edge, the bundle version counter per
 * edge, and recording an outcome the edge reported. Places are named by their codes (district, school, room) and the
 * site by its name, never by ids: the edge's registry numbers its rows itself. The edge side is edge-slice-apply.ts.
 */
import { sql } from 'kysely';
import type { CommandState } from '../../domain/commands.js';
import type { TermTimetable } from '../../timetable/model.js';
import type { Scope } from '../types.js';
import { changed, notFound, num, type Ctx } from './context.js';
import { timetables } from './plans.js';

/** One device as the edge needs it: its record, its room's code, its credential VERIFIER (scrypt hash), revocation. */
export interface SliceDevice {
  id: string; kind: string; room: string; name: string; code: string | null; model: string | null; manufacturer: string | null;
  serial: string | null; secretHash: string | null; revokedAt: number | null; createdAt: number; state: string;
  inServiceDate: string | null; costVnd: number | null; fundingSource: string | null; warrantyEnd: string | null;
  serviceLifeYears: number | null; notes: string | null;
}
/** A user who may log in at the edge: the school's technicians and admins scoped to it, with their password hash. */
export interface SliceUser { username: string; displayName: string; role: string; passwordHash: string; disabled: boolean }
export interface SliceRoom { code: string; name: string; type: string; capacity: number; retired: boolean }

/** Everything of the registry a site's edge runs on; whole each time (the bundle replaces, never patches). */
export interface SiteSlice {
  district: { code: string; name: string } | null;
  school: { code: string; name: string; level: string; pupils: number };
  site: { name: string };
  rooms: SliceRoom[];
  devices: SliceDevice[];
  users: SliceUser[];
  timetables: TermTimetable[];
}

/** A command issued at the province for a device of the site, not yet reported done: the edge queues it under its id. */
export interface SliceCommand {
  id: string; runId: number | null; deviceId: string; name: string; args: unknown; createdAt: number; expiresAt: number;
  notBefore: number | null; createdBy: string;
}

/** The final states an edge may report for a province's command. */
export type EdgeOutcomeState = 'succeeded' | 'failed' | 'expired' | 'cancelled';

/** Devices of sites that have an active edge: the province's broker does not deliver or expire their commands. */
export const atEdgeSite = sql<string>`(SELECT d2.id FROM devices d2 JOIN rooms r2 ON r2.id = d2.room_id JOIN edges e2 ON e2.site_id = r2.site_id WHERE e2.revoked_at IS NULL)`;

/** The slice of `siteId`; NOT_FOUND when there is no such site. */
export async function siteSlice(c: Ctx, siteId: number): Promise<SiteSlice> {
  const site = await c.db.selectFrom('sites as t').innerJoin('schools as s', 's.id', 't.school_id').leftJoin('districts as d', 'd.id', 's.district_id')
    .select(['t.name as siteName', 's.id as schoolId', 's.code as schoolCode', 's.name as schoolName', 's.level', 's.pupils', 'd.code as districtCode', 'd.name as districtName'])
    .where('t.id', '=', siteId).executeTakeFirst();
  if (!site) throw notFound(`no site with id ${siteId}`);
  const schoolId = Number(site.schoolId);
  const rooms = await c.db.selectFrom('rooms').select(['id', 'code', 'name', 'type', 'capacity', 'retired_at']).where('site_id', '=', siteId).orderBy('code').execute();
  const roomCode = new Map(rooms.map((r) => [Number(r.id), r.code]));
  const devices = rooms.length ? await c.db.selectFrom('devices').selectAll().where('room_id', 'in', rooms.map((r) => r.id)).orderBy('id').execute() : [];
  const users = (await c.db.selectFrom('users').selectAll().where('role', 'in', ['technician', 'admin']).orderBy('username').execute())
    .filter((u) => ((JSON.parse(u.scope) as Scope).schoolIds ?? []).includes(schoolId));
  return {
    district: site.districtCode === null ? null : { code: site.districtCode, name: site.districtName! },
    school: { code: site.schoolCode, name: site.schoolName, level: site.level, pupils: Number(site.pupils) },
    site: { name: site.siteName },
    rooms: rooms.map((r) => ({ code: r.code, name: r.name, type: r.type, capacity: Number(r.capacity), retired: r.retired_at !== null })),
    devices: devices.map((d) => ({
      id: d.id, kind: d.kind, room: roomCode.get(Number(d.room_id))!, name: d.name, code: d.code, model: d.model, manufacturer: d.manufacturer,
      serial: d.serial, secretHash: d.secret_hash, revokedAt: num(d.revoked_at), createdAt: Number(d.created_at), state: d.state,
      inServiceDate: d.in_service_date, costVnd: num(d.cost_vnd), fundingSource: d.funding_source, warrantyEnd: d.warranty_end,
      serviceLifeYears: num(d.service_life_years), notes: d.notes,
    })),
    users: users.map((u) => ({ username: u.username, displayName: u.display_name, role: u.role, passwordHash: u.password_hash, disabled: u.disabled_at !== null })),
    timetables: await timetables(c, schoolId),
  };
}

/** The site's commands not yet in a final state, oldest first: what waits for its edge. */
export async function siteCommands(c: Ctx, siteId: number): Promise<SliceCommand[]> {
  const rows = await c.db.selectFrom('commands as c').innerJoin('devices as d', 'd.id', 'c.device_id').innerJoin('rooms as r', 'r.id', 'd.room_id')
    .select(['c.id', 'c.run_id', 'c.device_id', 'c.name', 'c.args', 'c.created_at', 'c.expires_at', 'c.not_before', 'c.created_by'])
    .where('r.site_id', '=', siteId).where('c.state', 'in', ['queued', 'sent', 'delivered']).orderBy('c.created_at').orderBy('c.id').execute();
  return rows.map((r) => ({
    id: r.id, runId: num(r.run_id), deviceId: r.device_id, name: r.name, args: JSON.parse(r.args) as unknown, createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at), notBefore: num(r.not_before), createdBy: r.created_by,
  }));
}

/** Ids of the site's commands cancelled at the province since `since`: the edge drops them if it has not sent them. */
export async function siteCancelled(c: Ctx, siteId: number, since: number): Promise<string[]> {
  const rows = await c.db.selectFrom('commands as c').innerJoin('devices as d', 'd.id', 'c.device_id').innerJoin('rooms as r', 'r.id', 'd.room_id')
    .select('c.id').where('r.site_id', '=', siteId).where('c.state', '=', 'cancelled').where('c.state_at', '>=', since).orderBy('c.id').execute();
  return rows.map((r) => r.id);
}

/** The next bundle version of an edge (1, 2, …), counted in the registry so every province machine agrees. */
export async function nextBundleVersion(c: Ctx, edgeId: string): Promise<number> {
  // One statement: two province machines making a bundle at once still get two versions (the row is locked by it).
  const r = await c.db.insertInto('meta').values({ key: `edge-bundle:${edgeId}`, value: '1' })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)` }))
    .returning(sql<number>`CAST(value AS BIGINT)`.as('v')).executeTakeFirstOrThrow();
  return Number(r.v);
}

/**
 * Records the outcome an edge reported for a command of `deviceId`: from any state not final yet (the province never
 * sent it: it was queued for the edge). False when the command is final already (reported before) or is not that
 * device's: a record applied twice, or an edge naming another site's command, changes nothing.
 */
export async function recordEdgeOutcome(c: Ctx, o: { id: string; deviceId: string; state: EdgeOutcomeState; message: string | null; at: number }): Promise<boolean> {
  const ok = o.state === 'succeeded' ? 1 : o.state === 'failed' ? 0 : null;
  return changed(await c.db.updateTable('commands').set({
    state: o.state satisfies CommandState, state_at: o.at, finished_at: o.at, result_ok: ok, result_message: o.message === null ? null : o.message.slice(0, 1000),
  }).where('id', '=', o.id).where('device_id', '=', o.deviceId).where('state', 'in', ['queued', 'sent', 'delivered']).executeTakeFirst());
}

/**
 * The value of a meta key, made by `make` on first use: of several processes making it at once, the first insert
 * wins and every one returns that value (the province's bundle signing key, one for every provincial machine).
 */
export async function ensureMeta(c: Ctx, key: string, make: () => string): Promise<string> {
  const have = await c.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  if (have) return have.value;
  await c.db.insertInto('meta').values({ key, value: make() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await c.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
}

/** A value of the registry's meta table (edge-side bookkeeping of bundles; JSON). */
export async function getMeta<T>(c: Ctx, key: string): Promise<T | undefined> {
  const r = await c.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return r ? (JSON.parse(r.value) as T) : undefined;
}

export async function setMeta(c: Ctx, key: string, value: unknown): Promise<void> {
  const v = JSON.stringify(value);
  await c.db.insertInto('meta').values({ key, value: v }).onConflict((oc) => oc.column('key').doUpdateSet({ value: v })).execute();
}
