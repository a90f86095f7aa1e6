/** Devices and their records: create (one or a province at once), edit, credentials, revoke/retire, list, placements. */
import { randomBytes } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { DEVICE_KINDS, isDeviceKind, isDeviceId, type DeviceKind } from '../../protocol/index.js';
import { hashSecret, newSecret } from '../secrets.js';
import type { Device, DeviceFilter, DevicePlacement, DeviceRecordInput, DeviceState } from '../types.js';
import { room } from './hierarchy.js';
import { conflictOr, contains, inScope, inTx, invalid, nextRev, notFound, type Ctx } from './context.js';
import type { DevicesTable } from './schema.js';

export type NewDevice = { kind: string; roomId: number; id?: string; issueSecret?: boolean } & DeviceRecordInput;

const toDevice = (r: Selectable<DevicesTable>): Device => ({
  id: r.id, kind: r.kind as DeviceKind, roomId: r.room_id, name: r.name, code: r.code, model: r.model, manufacturer: r.manufacturer,
  serial: r.serial, createdAt: r.created_at, revokedAt: r.revoked_at, hasSecret: r.secret_hash != null, inServiceDate: r.in_service_date,
  costVnd: r.cost_vnd, fundingSource: r.funding_source, warrantyEnd: r.warranty_end, serviceLifeYears: r.service_life_years,
  state: (r.state as DeviceState | null) ?? 'in_use', notes: r.notes,
});

const RECORD_COLS = {
  name: 'name', code: 'code', model: 'model', manufacturer: 'manufacturer', serial: 'serial', inServiceDate: 'in_service_date',
  costVnd: 'cost_vnd', fundingSource: 'funding_source', warrantyEnd: 'warranty_end', serviceLifeYears: 'service_life_years',
  state: 'state', notes: 'notes', roomId: 'room_id',
} as const satisfies Record<keyof DeviceRecordInput | 'roomId', keyof DevicesTable>;

/** Checks a new device and turns it into a row (without rev and secret), or throws the coded error of today. */
function newRow(d: NewDevice, now: number): Omit<DevicesTable, 'rev' | 'secret_hash' | 'secret_verifier' | 'state'> & { state: string } {
  if (!isDeviceKind(d.kind)) throw invalid(`unknown device kind '${d.kind}'; known kinds: ${DEVICE_KINDS.join(', ')}`);
  const id = d.id ?? `${d.kind}-${randomBytes(5).toString('hex')}`;
  if (!isDeviceId(id)) throw invalid(`device id '${id}' may hold only letters, digits, '.', '_' and '-' (64 at most)`);
  return {
    id, kind: d.kind, room_id: d.roomId, name: d.name ?? id, code: d.code ?? null, model: d.model ?? null, manufacturer: d.manufacturer ?? null,
    serial: d.serial ?? null, created_at: now, revoked_at: null, in_service_date: d.inServiceDate ?? null, cost_vnd: d.costVnd ?? null,
    funding_source: d.fundingSource ?? null, warranty_end: d.warrantyEnd ?? null, service_life_years: d.serviceLifeYears ?? null,
    state: d.state ?? 'in_use', notes: d.notes ?? null,
  };
}

/** Creates a device record; with `issueSecret` (the default) also MQTT credentials, shown once and stored only hashed. */
export async function addDevice(c: Ctx, d: NewDevice): Promise<{ device: Device; secret?: string }> {
  if (!isDeviceKind(d.kind)) throw invalid(`unknown device kind '${d.kind}'; known kinds: ${DEVICE_KINDS.join(', ')}`);
  if (!(await room(c, d.roomId))) throw notFound(`no room with id ${d.roomId}`);
  const row = newRow(d, Date.now());
  const secret = d.issueSecret === false ? undefined : newSecret();
  const hash = secret ? await hashSecret(secret) : null;
  try {
    await inTx(c, async (t) => { await t.db.insertInto('devices').values({ ...row, secret_hash: hash, rev: await nextRev(t) }).execute(); });
  } catch (err) {
    conflictOr(err, `a device with id '${row.id}' or code '${d.code}' already exists`);
  }
  return { device: (await device(c, row.id))!, secret };
}

/**
 * Creates many devices in one transaction with one revision, in batches (a province of 20,000 in seconds); secrets
 * are hashed a few at a time on libuv's pool first. All or nothing; results in the order given.
 */
export async function addDevices(c: Ctx, list: NewDevice[]): Promise<{ device: Device; secret?: string }[]> {
  const now = Date.now();
  const rows = list.map((d) => newRow(d, now));
  const secrets = list.map((d) => (d.issueSecret === false ? undefined : newSecret()));
  const hashes: (string | null)[] = new Array<string | null>(list.length).fill(null);
  let next = 0;
  const worker = async () => { for (let i = next++; i < list.length; i = next++) if (secrets[i]) hashes[i] = await hashSecret(secrets[i]!); };
  await Promise.all(Array.from({ length: 8 }, worker));
  await inTx(c, async (t) => {
    const roomIds = [...new Set(rows.map((r) => r.room_id))];
    for (let i = 0; i < roomIds.length; i += 500) {
      const found = await t.db.selectFrom('rooms').select('id').where('id', 'in', roomIds.slice(i, i + 500)).execute();
      const missing = roomIds.slice(i, i + 500).find((id) => !found.some((f) => f.id === id));
      if (missing !== undefined) throw notFound(`no room with id ${missing}`);
    }
    const rev = await nextRev(t);
    // 18 columns × 500 rows stays under both engines' limit on bound parameters.
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500).map((r, j) => ({ ...r, secret_hash: hashes[i + j] ?? null, rev }));
      try { await t.db.insertInto('devices').values(batch).execute(); } catch (err) { conflictOr(err, 'a device with one of these ids or codes already exists'); }
    }
  });
  return rows.map((r, i) => ({ device: toDevice({ ...r, secret_hash: hashes[i] ?? null, secret_verifier: null, rev: 0 }), secret: secrets[i] }));
}

/** Changes a device's record (and its room, when `roomId` is given); a retired device keeps its history. */
export async function updateDevice(c: Ctx, id: string, patch: DeviceRecordInput & { roomId?: number }): Promise<Device> {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch) as [keyof typeof RECORD_COLS, unknown][]) if (v !== undefined && RECORD_COLS[k]) set[RECORD_COLS[k]] = v;
  const update = set as Updateable<DevicesTable>;
  if (patch.roomId !== undefined && !(await room(c, patch.roomId))) throw notFound(`no room with id ${patch.roomId}`);
  if (Object.keys(set).length) {
    let changes = 0n;
    try {
      changes = await inTx(c, async (t) => (await t.db.updateTable('devices').set({ ...update, rev: await nextRev(t) }).where('id', '=', id).executeTakeFirst()).numUpdatedRows);
    } catch (err) { conflictOr(err, `device code '${patch.code}' is already used by another device`); }
    if (changes === 0n) throw notFound(`no device '${id}'`);
  }
  const d = await device(c, id);
  if (!d) throw notFound(`no device '${id}'`);
  return d;
}

export async function device(c: Ctx, id: string): Promise<Device | undefined> {
  const r = await c.db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toDevice(r);
}

export async function deviceByCode(c: Ctx, code: string): Promise<Device | undefined> {
  const r = await c.db.selectFrom('devices').selectAll().where('code', '=', code).executeTakeFirst();
  return r && toDevice(r);
}

/** Updates one device with a new revision; NOT_FOUND when there is no such device. */
async function change(c: Ctx, id: string, set: Updateable<DevicesTable>): Promise<void> {
  const res = await inTx(c, async (t) => t.db.updateTable('devices').set({ ...set, rev: await nextRev(t) }).where('id', '=', id).executeTakeFirst());
  if (res.numUpdatedRows === 0n) throw notFound(`no device '${id}'`);
}

/** Issues a new secret (the old one stops working at once) and clears a revocation. */
export async function rotateSecret(c: Ctx, id: string): Promise<string> {
  const secret = newSecret();
  await change(c, id, { secret_hash: await hashSecret(secret), secret_verifier: null, revoked_at: null });
  return secret;
}

/** Retires a device: its record and history stay, its credentials stop working, it leaves the live fleet. */
export async function retireDevice(c: Ctx, id: string): Promise<Device> {
  const now = Date.now();
  await inTx(c, async (t) => {
    const d = await device(t, id);
    await change(t, id, { state: 'retired', revoked_at: d?.revokedAt ?? now, secret_verifier: null });
  });
  return (await device(c, id))!;
}

export async function revokeDevice(c: Ctx, id: string): Promise<void> {
  await change(c, id, { revoked_at: Date.now(), secret_verifier: null });
}

/**
 * A device's scrypt record, and the verifier another process saved for it: a node taking over a dead node's devices
 * checks them by HMAC, not scrypt (docs/security.md, "Device secret verifiers").
 */
export interface StoredSecret { hash: string | null; revoked: boolean; verifier: string | null }

/** The stored secrets of many devices in one query (logins arriving together); devices not found are absent. */
export async function secretHashes(c: Ctx, ids: readonly string[]): Promise<Map<string, StoredSecret>> {
  const out = new Map<string, StoredSecret>();
  // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
  for (let i = 0; i < ids.length; i += 1_000) {
    const rows = await c.db.selectFrom('devices').select(['id', 'secret_hash', 'revoked_at', 'secret_verifier']).where('id', 'in', ids.slice(i, i + 1_000)).execute();
    for (const r of rows) out.set(r.id, { hash: r.secret_hash, revoked: r.revoked_at != null, verifier: r.secret_verifier });
  }
  return out;
}

export async function listDevices(c: Ctx, f: DeviceFilter = {}): Promise<{ total: number; devices: Device[] }> {
  let q = c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
    .innerJoin('schools as s', 's.id', 't.school_id').where(inScope(f.scope));
  if (!f.includeRevoked) q = q.where('d.revoked_at', 'is', null);
  if (f.kind) q = q.where('d.kind', '=', f.kind);
  if (f.districtId) q = q.where('s.district_id', '=', f.districtId);
  if (f.schoolId) q = q.where('s.id', '=', f.schoolId);
  if (f.roomId) q = q.where('d.room_id', '=', f.roomId);
  const text = f.q;
  if (text) q = q.where((eb) => eb.or(['d.id', 'd.name', 'd.code', 'd.serial'].map((col) => contains(c, col, text))));
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.selectAll('d').orderBy('d.id').limit(f.limit ?? 1_000_000).offset(f.offset ?? 0).execute();
  return { total: Number(total.n), devices: rows.map(toDevice) };
}

/** Placements of devices changed after `rev` (all of them for 0), with the revision to ask from next time. */
export async function placementsSince(c: Ctx, rev: number): Promise<{ rev: number; placements: DevicePlacement[] }> {
  const meta = await c.db.selectFrom('meta').select('value').where('key', '=', 'rev').executeTakeFirstOrThrow();
  const current = Number(meta.value);
  const rows = await c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
    .innerJoin('schools as s', 's.id', 't.school_id')
    .select(['d.id', 'd.kind', 'd.name', 'd.room_id', 'r.site_id', 't.school_id', 's.district_id', 'd.revoked_at', 'd.secret_hash', 'r.type as room_type', 'd.state'])
    .where('d.rev', '>', rev).where('d.rev', '<=', current).execute();
  return {
    rev: current,
    placements: rows.map((r) => ({
      id: r.id, kind: r.kind as DeviceKind, name: r.name, roomId: r.room_id, siteId: r.site_id, schoolId: r.school_id, districtId: r.district_id,
      revoked: r.revoked_at != null, credential: r.secret_hash === null ? null : r.secret_hash.slice(-12),
      roomType: r.room_type, recordState: (r.state as DeviceState | null) ?? 'in_use',
    })),
  };
}
