/**
 * Remote commands in the registry (docs/commands.md, "Storage"): one row per command to one device, and the bulk
 * runs that group them. Every transition is a conditional UPDATE (… WHERE state IN the states it may leave) that
 * says whether this call changed the row, so two processes (the broker that got the PUBACK, the one that got the
 * result, the expiry sweep, a person cancelling) never both move one command, and a late message never resurrects a
 * final state.
 */
import { randomUUID } from 'node:crypto';
import { sql, type SqlBool } from 'kysely';
import { COMMAND_ID_PATTERN, COMMAND_STATES, type CommandOrigin, type CommandState } from '../../domain/commands.js';
import { DEVICE_KINDS, type DeviceKind } from '../../protocol/index.js';
import { isRowId, type Scope } from '../types.js';
import { changed, inScope, inTx, invalid, notFound, num, type Ctx } from './context.js';
import { atEdgeSite } from './edge-slice.js';

export const COMMAND_TARGET_TYPES = ['room', 'site', 'school', 'district', 'kind'] as const;
export type CommandTargetType = (typeof COMMAND_TARGET_TYPES)[number];
/**
 * What a bulk run or a schedule aims at: `id` is a place id, or a device kind for 'kind'; `kind` narrows a place to
 * one kind of device ("the boards of this school").
 */
export interface CommandTarget { type: CommandTargetType; id: string; kind?: DeviceKind | null }

export interface NewCommand {
  /** Given by the caller when it must know it before the row exists; else generated. */
  id?: string;
  runId?: number | null;
  deviceId: string;
  name: string;
  args: unknown;
  createdAt: number;
  expiresAt: number;
  origin: CommandOrigin;
  /** A rollout's release time: not published before it (absent: at once). */
  notBefore?: number | null;
}

export interface CommandRecord {
  id: string; runId: number | null; deviceId: string; deviceName: string; schoolId: number; name: string; args: unknown; createdAt: number; expiresAt: number;
  notBefore: number | null;
  state: CommandState; stateAt: number; sentAt: number | null; deliveredAt: number | null; finishedAt: number | null;
  resultOk: boolean | null; resultMessage: string | null; cancelledBy: string | null; attempts: number; origin: CommandOrigin;
  /** The edge node of the device's site, if it has one: a queued command waits for that edge (docs/edge.md). */
  edgeName: string | null;
}

/** 32 hex characters: fits COMMAND_ID_PATTERN and a topic level, and is unguessable. */
export const newCommandId = (): string => randomUUID().replaceAll('-', '');

/** Rows per INSERT: SQLite binds at most 32,766 parameters, PostgreSQL 65,535; a command has 14. */
const BATCH = 500;

export const originColumns = (o: CommandOrigin): { origin: string; created_by: string } =>
  o.by === 'user' ? { origin: 'user', created_by: o.username } : { origin: 'schedule', created_by: String(o.scheduleId) };
export const originOf = (origin: string, by: string): CommandOrigin =>
  origin === 'schedule' ? { by: 'schedule', scheduleId: Number(by) } : { by: 'user', username: by };

type Row = {
  id: string; run_id: number | null; device_id: string; device_name: string; not_before: number | null; school_id: number; name: string; args: string; created_at: number; expires_at: number;
  state: string; state_at: number; sent_at: number | null; delivered_at: number | null; finished_at: number | null; result_ok: number | null;
  result_message: string | null; cancelled_by: string | null; attempts: number; origin: string; created_by: string; edge_name: string | null;
};
const toRecord = (r: Row): CommandRecord => ({
  id: r.id, runId: num(r.run_id), deviceId: r.device_id, deviceName: r.device_name, notBefore: num(r.not_before), schoolId: Number(r.school_id), name: r.name, args: JSON.parse(r.args) as unknown,
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), state: r.state as CommandState, stateAt: Number(r.state_at),
  sentAt: num(r.sent_at), deliveredAt: num(r.delivered_at), finishedAt: num(r.finished_at),
  resultOk: r.result_ok === null ? null : Boolean(Number(r.result_ok)), resultMessage: r.result_message, cancelledBy: r.cancelled_by,
  attempts: Number(r.attempts), origin: originOf(r.origin, r.created_by), edgeName: r.edge_name,
});

const COLUMNS = ['c.id', 'c.run_id', 'c.device_id', 'c.school_id', 'c.name', 'c.args', 'c.created_at', 'c.expires_at', 'c.state', 'c.state_at',
  'c.sent_at', 'c.delivered_at', 'c.finished_at', 'c.result_ok', 'c.result_message', 'c.cancelled_by', 'c.attempts', 'c.origin', 'c.created_by',
  'c.not_before', 'dv.name as device_name'] as const;
/** The name of the active edge of the device's site (the first by name if there were several). */
const EDGE_NAME = sql<string | null>`(SELECT MIN(e.name) FROM edges e JOIN rooms er ON er.site_id = e.site_id WHERE er.id = dv.room_id AND e.revoked_at IS NULL)`.as('edge_name');
const selectCommands = (c: Ctx, scope: Scope | undefined) => c.db.selectFrom('commands as c').innerJoin('schools as s', 's.id', 'c.school_id')
  .innerJoin('devices as dv', 'dv.id', 'c.device_id').select(COLUMNS).select(EDGE_NAME).where(inScope(scope, 's'));
/** Released: no rollout holds it back at `now`. */
const released = (now: number) => sql<SqlBool>`(not_before IS NULL OR not_before <= ${now})`;
const releasedC = (now: number) => sql<SqlBool>`(c.not_before IS NULL OR c.not_before <= ${now})`;
/**
 * Not a device of a site with an edge node: the edge delivers and expires those (the bundle carries them; docs/edge.md),
 * so the province's broker neither sends nor expires them ("queued for the edge").
 */
const notAtEdge = sql<SqlBool>`device_id NOT IN ${atEdgeSite}`;
const notAtEdgeC = sql<SqlBool>`c.device_id NOT IN ${atEdgeSite}`;

/**
 * Stores commands for many devices in one transaction (a bulk run of a school's 600 devices is one call); returns
 * their ids in the order given. Each command keeps the school its device is in now. Unknown device: not found.
 */
export async function enqueueCommands(c: Ctx, rows: readonly NewCommand[]): Promise<string[]> {
  if (!rows.length) return [];
  for (const r of rows) {
    if (r.id !== undefined && !COMMAND_ID_PATTERN.test(r.id)) throw invalid(`command id '${r.id}' is not a valid command id`);
    if (!(r.expiresAt > r.createdAt)) throw invalid('a command must expire after it is created');
  }
  return inTx(c, async (t) => {
    const deviceIds = [...new Set(rows.map((r) => r.deviceId))];
    const schoolOf = new Map<string, number>();
    for (let i = 0; i < deviceIds.length; i += BATCH) {
      const found = await t.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as si', 'si.id', 'r.site_id')
        .select(['d.id', 'si.school_id']).where('d.id', 'in', deviceIds.slice(i, i + BATCH)).execute();
      for (const f of found) schoolOf.set(f.id, Number(f.school_id));
    }
    const missing = deviceIds.find((d) => !schoolOf.has(d));
    if (missing !== undefined) throw notFound(`no device '${missing}'`);
    const ids = rows.map((r) => r.id ?? newCommandId());
    const values = rows.map((r, i) => ({
      id: ids[i]!, run_id: r.runId ?? null, device_id: r.deviceId, school_id: schoolOf.get(r.deviceId)!, name: r.name, args: JSON.stringify(r.args ?? {}),
      created_at: r.createdAt, expires_at: r.expiresAt, state: 'queued', state_at: r.createdAt, not_before: r.notBefore ?? null, ...originColumns(r.origin),
    }));
    for (let i = 0; i < values.length; i += BATCH) await t.db.insertInto('commands').values(values.slice(i, i + BATCH)).execute();
    return ids;
  });
}


/** queued → sent (published, QoS 1); false when it was not queued any more, has expired, or is not released yet. */
export async function markCommandSent(c: Ctx, id: string, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('commands').set((eb) => ({ state: 'sent', state_at: at, sent_at: at, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id).where('state', '=', 'queued').where('expires_at', '>', at).where(released(at)).executeTakeFirst());
}

/** A sent command published again (its device reconnected before the PUBACK): one more attempt; false if not sent. */
export async function markCommandResent(c: Ctx, id: string, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('commands').set((eb) => ({ sent_at: at, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id).where('state', '=', 'sent').where('expires_at', '>', at).executeTakeFirst());
}

/** sent → delivered (the device's PUBACK); false otherwise (a result that overtook the PUBACK already finished it). */
export async function markCommandDelivered(c: Ctx, id: string, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('commands').set({ state: 'delivered', state_at: at, delivered_at: at })
    .where('id', '=', id).where('state', '=', 'sent').executeTakeFirst());
}

/**
 * sent or delivered → succeeded | failed (the device's result; it may overtake the PUBACK). False when the command
 * is in a final state already: a result after expiry or cancellation is not recorded.
 */
export async function finishCommand(c: Ctx, id: string, ok: boolean, message: string | null, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('commands')
    .set({ state: ok ? 'succeeded' : 'failed', state_at: at, finished_at: at, result_ok: ok ? 1 : 0, result_message: message === null ? null : message.slice(0, 1000) })
    .where('id', '=', id).where('state', 'in', ['sent', 'delivered']).executeTakeFirst());
}

/**
 * Expires every command whose time to live ran out by `now` before its answer (queued, sent, or delivered but never
 * answered: `deliveredAt` tells the last apart, "received, did not answer"); the ids this call expired.
 */
export async function expireCommands(c: Ctx, now: number): Promise<string[]> {
  const rows = await c.db.updateTable('commands').set({ state: 'expired', state_at: now, finished_at: now })
    .where('state', 'in', ['queued', 'sent', 'delivered']).where('expires_at', '<=', now).where(notAtEdge).returning('id').execute();
  return rows.map((r) => r.id);
}

/** Cancels a command while it is queued or sent but not delivered; false otherwise (the device has it). */
export async function cancelCommand(c: Ctx, id: string, byUser: string, at: number): Promise<boolean> {
  return changed(await c.db.updateTable('commands').set({ state: 'cancelled', state_at: at, finished_at: at, cancelled_by: byUser })
    .where('id', '=', id).where('state', 'in', ['queued', 'sent']).executeTakeFirst());
}

/** Queued or sent, unexpired, released commands of a device, oldest first: what to publish when it (re)connects. */
export async function pendingFor(c: Ctx, deviceId: string, now: number): Promise<CommandRecord[]> {
  const rows = await selectCommands(c, undefined).where('c.device_id', '=', deviceId).where('c.state', 'in', ['queued', 'sent'])
    .where('c.expires_at', '>', now).where(releasedC(now)).where(notAtEdgeC).orderBy('c.created_at').orderBy('c.id').execute();
  return rows.map(toRecord);
}

/** Devices with a queued, unexpired command (the delivery sweep publishes to those connected to its broker). */
export async function devicesWithQueued(c: Ctx, now: number, limit = 1000): Promise<string[]> {
  const rows = await c.db.selectFrom('commands').select('device_id').distinct().where('state', '=', 'queued').where('expires_at', '>', now)
    .where(released(now)).where(notAtEdge).limit(limit).execute();
  return rows.map((r) => r.device_id);
}

/**
 * Of `ids`, the devices with a queued or sent (unacknowledged), unexpired, released command: what a broker must publish
 * to them after their SUBSCRIBE. One query for all the devices that subscribed meanwhile, not one per device, so a
 * reconnect storm does not cost a registry round trip per device.
 */
export async function devicesWithPending(c: Ctx, ids: readonly string[], now: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await c.db.selectFrom('commands').select('device_id').distinct().where('device_id', 'in', ids.slice(i, i + BATCH))
      .where('state', 'in', ['queued', 'sent']).where('expires_at', '>', now).where(released(now)).where(notAtEdge).execute();
    out.push(...rows.map((r) => r.device_id));
  }
  return out;
}

/** One command, if it exists and (with a scope) was sent in a school of it. */
export async function command(c: Ctx, id: string, scope?: Scope): Promise<CommandRecord | undefined> {
  const r = await selectCommands(c, scope).where('c.id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

/** A device's commands, newest first. */
export async function commandsOfDevice(c: Ctx, deviceId: string, o: { limit?: number; scope?: Scope } = {}): Promise<CommandRecord[]> {
  const rows = await selectCommands(c, o.scope).where('c.device_id', '=', deviceId).orderBy('c.created_at', 'desc').orderBy('c.id', 'desc')
    .limit(Math.min(Math.max(o.limit ?? 50, 1), 1000)).execute();
  return rows.map(toRecord);
}

/** A school's commands, newest first (its command history); `before` pages back by creation time. */
export async function commandsOfSchool(c: Ctx, schoolId: number, o: { limit?: number; before?: number; scope?: Scope } = {}): Promise<CommandRecord[]> {
  let q = selectCommands(c, o.scope).where('c.school_id', '=', schoolId);
  if (o.before !== undefined) q = q.where('c.created_at', '<', o.before);
  return (await q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(Math.min(Math.max(o.limit ?? 100, 1), 1000)).execute()).map(toRecord);
}

/**
 * Commands whose state changed at or after `since` (ms), oldest change first: the live push's poll, which works the
 * same whichever process made the change. At most `limit`; the caller resumes from the last `stateAt` it got.
 */
export async function commandsChangedSince(c: Ctx, since: number, limit = 5000): Promise<CommandRecord[]> {
  const rows = await selectCommands(c, undefined).where('c.state_at', '>=', since).orderBy('c.state_at').orderBy('c.id').limit(limit).execute();
  return rows.map(toRecord);
}

/** A device in a command target, with where it is (for the run's school, scope and preview). */
export interface TargetDevice { id: string; name: string; kind: DeviceKind; roomId: number; schoolId: number; districtId: number | null }

/**
 * The devices a target reaches, within `scope`, of the given kinds (those that know the command; all kinds if
 * absent), not retired and not revoked, by device id. An unknown place reaches nothing (the caller checks it first).
 */
export async function targetDevices(c: Ctx, target: CommandTarget, o: { scope?: Scope; kinds?: readonly DeviceKind[] } = {}): Promise<TargetDevice[]> {
  if (!COMMAND_TARGET_TYPES.includes(target.type)) throw invalid(`unknown target type '${target.type}'`);
  let kinds = o.kinds ?? DEVICE_KINDS;
  if (target.type === 'kind') kinds = kinds.filter((k) => k === target.id);
  if (target.kind) kinds = kinds.filter((k) => k === target.kind);
  if (!kinds.length) return [];
  let q = c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as si', 'si.id', 'r.site_id')
    .innerJoin('schools as s', 's.id', 'si.school_id')
    .select(['d.id', 'd.name', 'd.kind', 'd.room_id', 'si.school_id', 's.district_id'])
    .where('d.kind', 'in', [...kinds]).where('d.revoked_at', 'is', null).where('d.state', '!=', 'retired').where(inScope(o.scope, 's'));
  const id = Number(target.id);
  if (target.type !== 'kind' && !isRowId(id)) throw invalid(`'${target.id}' is not a ${target.type} id`);
  if (target.type === 'room') q = q.where('d.room_id', '=', id);
  else if (target.type === 'site') q = q.where('r.site_id', '=', id);
  else if (target.type === 'school') q = q.where('si.school_id', '=', id);
  else if (target.type === 'district') q = q.where('s.district_id', '=', id);
  const rows = await q.orderBy('d.id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, kind: r.kind as DeviceKind, roomId: Number(r.room_id), schoolId: Number(r.school_id), districtId: num(r.district_id) }));
}

/** A run's commands in device order (the per-device outcome list). */
export async function commandsOfRun(c: Ctx, runId: number, o: { state?: CommandState; scope?: Scope } = {}): Promise<CommandRecord[]> {
  let q = selectCommands(c, o.scope).where('c.run_id', '=', runId);
  if (o.state) q = q.where('c.state', '=', o.state);
  return (await q.orderBy('c.device_id').orderBy('c.created_at').execute()).map(toRecord);
}

export type RunProgress = Record<CommandState, number> & { total: number };

/** How many of a run's commands are in each state (derived, never stored: it cannot drift from the commands). */
export async function runProgress(c: Ctx, runId: number): Promise<RunProgress> {
  const rows = await c.db.selectFrom('commands').select(['state', sql<number>`count(*)`.as('n')]).where('run_id', '=', runId).groupBy('state').execute();
  const p = Object.fromEntries(COMMAND_STATES.map((s) => [s, 0])) as RunProgress;
  p.total = 0;
  for (const r of rows) {
    p[r.state as CommandState] = Number(r.n);
    p.total += Number(r.n);
  }
  return p;
}
