/**
 * The down direction to an edge node, edge side (docs/edge.md, "Conflicts: which side wins"): a site slice from the province
 * applied to the edge's own registry in one transaction. The province wins for registry data (places, devices and
 * their credentials, users, timetables): what the slice says replaces what the edge holds, and what an earlier slice
 * brought but this one lacks is revoked (devices) or disabled (users). What the edge made itself stays: its own
 * commands, maintenance notes, users it created. Every device change takes a new revision, so the running broker's
 * directory drops a revoked or rotated device's connection at its next poll. The province's commands are queued under
 * their province ids (once, however often the bundle is applied); one whose expiry passed on the way is stored
 * expired at once, and the edge reports that outcome like any other.
 */
import { EdufleetError } from '../../lib/errors.js';
import type { Updateable } from 'kysely';
import { inTx, nextRev, type Ctx } from './context.js';
import { getMeta, setMeta, type SiteSlice, type SliceCommand, type SliceDevice, type EdgeOutcomeState } from './edge-slice.js';
import { ensureDistrict, ensureRoom, ensureSchool, ensureSite } from './hierarchy.js';
import { audit } from './logs.js';
import { setTimetables } from './plans.js';
import type { DevicesTable } from './schema.js';
import type { RoomType, SchoolLevel } from '../types.js';

/** The edge's bookkeeping of bundles, in its registry's meta table. */
export const EDGE_META = {
  version: 'edge:bundle-version', provinceKey: 'edge:province-key', devices: 'edge:slice-devices', users: 'edge:slice-users',
  confirmed: 'edge:confirmed', outcomes: 'edge:outcomes-cursor',
} as const;

/** A command of the province queued at the edge is told apart by this prefix of its `created_by`. */
export const PROVINCE_PREFIX = 'province:';

export interface SliceApply {
  edgeId: string; version: number; provinceKey: string; slice: SiteSlice; commands: SliceCommand[]; confirmed: Record<string, number>; now: number;
  /** The province's commands cancelled there: dropped at the edge unless already sent to the device. */
  cancelled?: string[];
}
export interface SliceApplied {
  version: number;
  devices: { added: number; changed: number; revoked: number };
  users: { added: number; changed: number; disabled: number };
  commands: { queued: number; expired: number; present: number; cancelled: number };
}

type DeviceValues = Omit<DevicesTable, 'rev' | 'secret_verifier' | 'id' | 'created_at' | 'state'> & { state: string };
const deviceValues = (d: SliceDevice, roomId: number): DeviceValues => ({
  kind: d.kind, room_id: roomId, name: d.name, code: d.code, model: d.model, manufacturer: d.manufacturer, serial: d.serial, secret_hash: d.secretHash,
  revoked_at: d.revokedAt, state: d.state, in_service_date: d.inServiceDate, cost_vnd: d.costVnd, funding_source: d.fundingSource,
  warranty_end: d.warrantyEnd, service_life_years: d.serviceLifeYears, notes: d.notes,
});
/** Compared as text: PostgreSQL hands bigint columns back as strings. */
const text = (v: unknown) => (v === null || v === undefined ? '\u0000' : String(v));
const differs = (want: Record<string, unknown>, have: Record<string, unknown>) => Object.keys(want).some((k) => text(want[k]) !== text(have[k]));

/** Applies a slice; EDUFLEET_ERR_EDGE_BUNDLE_OLD for a version older than the one applied (nothing changes). */
export async function applySlice(c: Ctx, a: SliceApply): Promise<SliceApplied> {
  return inTx(c, async (t) => {
    const applied = (await getMeta<number>(t, EDGE_META.version)) ?? 0;
    if (a.version < applied) throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_OLD', `this is bundle version ${a.version}; version ${applied} is already applied here`);
    const pinned = await getMeta<string>(t, EDGE_META.provinceKey);
    if (pinned !== undefined && pinned !== a.provinceKey) throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_SIGNATURE', 'the bundle is signed by another province key than the one this edge pinned');
    const s = a.slice;
    const district = s.district ? await ensureDistrict(t, s.district) : null;
    const school = await ensureSchool(t, { ...s.school, level: s.school.level as SchoolLevel, districtId: district?.id ?? null });
    const site = await ensureSite(t, { schoolId: school.id, name: s.site.name });
    const roomIds = new Map<string, number>();
    for (const r of s.rooms) {
      const room = await ensureRoom(t, { siteId: site.id, code: r.code, name: r.name, type: r.type as RoomType, capacity: r.capacity });
      await t.db.updateTable('rooms').set({ retired_at: r.retired ? a.now : null }).where('id', '=', room.id).where((eb) => (r.retired ? eb('retired_at', 'is', null) : eb('retired_at', 'is not', null))).execute();
      roomIds.set(r.code, room.id);
    }
    const out: SliceApplied = { version: a.version, devices: await applyDevices(t, a, roomIds), users: await applyUsers(t, a, school.id), commands: await queueCommands(t, a, school.id) };
    await setTimetables(t, school.id, s.timetables);
    const confirmed = (await getMeta<Record<string, number>>(t, EDGE_META.confirmed)) ?? {};
    for (const [d, q] of Object.entries(a.confirmed)) if (q > (confirmed[d] ?? 0)) confirmed[d] = q;
    await setMeta(t, EDGE_META.confirmed, confirmed);
    await setMeta(t, EDGE_META.version, a.version);
    await setMeta(t, EDGE_META.provinceKey, a.provinceKey);
    await audit(t, `province (bundle v${a.version})`, 'edge.bundle.apply', 'edge', a.edgeId, out);
    return out;
  });
}

async function applyDevices(t: Ctx, a: SliceApply, roomIds: Map<string, number>): Promise<SliceApplied['devices']> {
  const n = { added: 0, changed: 0, revoked: 0 };
  let rev: number | undefined;
  const revision = async () => (rev ??= await nextRev(t));
  const ids = a.slice.devices.map((d) => d.id);
  const before = new Map((ids.length ? await t.db.selectFrom('devices').selectAll().where('id', 'in', ids).execute() : []).map((r) => [r.id, r]));
  for (const d of a.slice.devices) {
    const roomId = roomIds.get(d.room);
    if (roomId === undefined) throw new EdufleetError('EDUFLEET_ERR_EDGE_BUNDLE_FILE', `device ${d.id} is in room ${d.room}, which the bundle does not carry`);
    const values = deviceValues(d, roomId);
    const old = before.get(d.id);
    if (!old) {
      await t.db.insertInto('devices').values({ ...values, id: d.id, created_at: d.createdAt, secret_verifier: null, rev: await revision() }).execute();
      n.added++;
    } else if (differs(values, old)) {
      // A new secret hash makes the fast verifier of the old secret worthless: drop it with the change.
      const set: Updateable<DevicesTable> = { ...values, rev: await revision(), ...(old.secret_hash !== d.secretHash ? { secret_verifier: null } : {}) };
      await t.db.updateTable('devices').set(set).where('id', '=', d.id).execute();
      n.changed++;
    }
  }
  const gone = ((await getMeta<string[]>(t, EDGE_META.devices)) ?? []).filter((id) => !ids.includes(id));
  if (gone.length) {
    const r = await t.db.updateTable('devices').set({ revoked_at: a.now, secret_verifier: null, rev: await revision() }).where('id', 'in', gone).where('revoked_at', 'is', null).executeTakeFirst();
    n.revoked = Number(r.numUpdatedRows);
  }
  await setMeta(t, EDGE_META.devices, ids);
  return n;
}

async function applyUsers(t: Ctx, a: SliceApply, schoolId: number): Promise<SliceApplied['users']> {
  const n = { added: 0, changed: 0, disabled: 0 };
  const names = a.slice.users.map((u) => u.username);
  const before = new Map((names.length ? await t.db.selectFrom('users').selectAll().where('username', 'in', names).execute() : []).map((r) => [r.username, r]));
  const scope = JSON.stringify({ schoolIds: [schoolId] });
  for (const u of a.slice.users) {
    const values = { display_name: u.displayName, password_hash: u.passwordHash, role: u.role, scope };
    const old = before.get(u.username);
    const disabled = u.disabled ? (old?.disabled_at ?? a.now) : null;
    if (!old) {
      await t.db.insertInto('users').values({ ...values, username: u.username, created_at: a.now, disabled_at: disabled }).execute();
      n.added++;
    } else if (differs({ ...values, disabled_at: disabled }, old)) {
      await t.db.updateTable('users').set({ ...values, disabled_at: disabled }).where('username', '=', u.username).execute();
      n.changed++;
    }
  }
  const gone = ((await getMeta<string[]>(t, EDGE_META.users)) ?? []).filter((u) => !names.includes(u));
  if (gone.length) {
    const r = await t.db.updateTable('users').set({ disabled_at: a.now }).where('username', 'in', gone).where('disabled_at', 'is', null).executeTakeFirst();
    n.disabled = Number(r.numUpdatedRows);
  }
  await setMeta(t, EDGE_META.users, names);
  return n;
}

async function queueCommands(t: Ctx, a: SliceApply, schoolId: number): Promise<SliceApplied['commands']> {
  const n = { queued: 0, expired: 0, present: 0, cancelled: 0 };
  const cancelled = a.cancelled ?? [];
  for (let i = 0; i < cancelled.length; i += 500) {
    // As a cancellation at the province: queued or sent and not acknowledged; one the device has keeps its outcome.
    const r = await t.db.updateTable('commands').set({ state: 'cancelled', state_at: a.now, finished_at: a.now, cancelled_by: 'province' })
      .where('id', 'in', cancelled.slice(i, i + 500)).where('created_by', 'like', `${PROVINCE_PREFIX}%`).where('state', 'in', ['queued', 'sent']).executeTakeFirst();
    n.cancelled += Number(r.numUpdatedRows);
  }
  const ids = a.commands.map((x) => x.id);
  const known = new Set(ids.length ? (await t.db.selectFrom('commands').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
  for (const cmd of a.commands) {
    if (known.has(cmd.id)) {
      n.present++;
      continue;
    }
    const expired = cmd.expiresAt <= a.now;
    await t.db.insertInto('commands').values({
      id: cmd.id, run_id: null, device_id: cmd.deviceId, school_id: schoolId, name: cmd.name, args: JSON.stringify(cmd.args ?? {}), created_at: cmd.createdAt,
      expires_at: cmd.expiresAt, state: expired ? 'expired' : 'queued', state_at: expired ? a.now : cmd.createdAt, finished_at: expired ? a.now : null,
      not_before: cmd.notBefore, origin: 'user', created_by: `${PROVINCE_PREFIX}${cmd.createdBy}`,
    }).execute();
    if (expired) n.expired++;
    else n.queued++;
  }
  return n;
}

/** An outcome of a province's command at the edge, for the forward log. */
export interface ProvinceOutcome { id: string; deviceId: string; state: EdgeOutcomeState; message: string | null; at: number }
export interface OutcomeCursor { at: number; id: string }

/** The province's commands that reached a final state at the edge after `after`, in that order. */
export async function provinceOutcomes(c: Ctx, after: OutcomeCursor | undefined, limit = 1000): Promise<ProvinceOutcome[]> {
  let q = c.db.selectFrom('commands').select(['id', 'device_id', 'state', 'result_message', 'state_at'])
    .where('created_by', 'like', `${PROVINCE_PREFIX}%`).where('state', 'in', ['succeeded', 'failed', 'expired', 'cancelled']);
  if (after) q = q.where((eb) => eb.or([eb('state_at', '>', after.at), eb.and([eb('state_at', '=', after.at), eb('id', '>', after.id)])]));
  const rows = await q.orderBy('state_at').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, deviceId: r.device_id, state: r.state as EdgeOutcomeState, message: r.result_message, at: Number(r.state_at) }));
}
