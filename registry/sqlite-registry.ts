import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { DEVICE_KINDS, isDeviceKind, isDeviceId, type DeviceKind } from '../protocol/index.js';
import { EdufleetError } from '../lib/errors.js';
import { openSqlite } from '../lib/sqlite.js';
import { MIGRATIONS } from './migrations.js';
import { timetableProblems, type TermTimetable } from '../timetable/model.js';
import { PlaceStore } from './place-store.js';
import { hashSecret, newSecret, PASSWORD_COST, verifySecret } from './secrets.js';
import type { Device, DeviceRecordInput, DeviceState, DeviceFilter, DevicePlacement, District, ReportSubscription, Role, Room, RoomPlace, RoomType, School, SchoolLevel, Scope, Site, User } from './types.js';
import { ROLES, ROOM_TYPES, SCHOOL_LEVELS } from './types.js';

type Row = Record<string, unknown>;

const toDevice = (r: Row): Device => ({
  id: r.id as string, kind: r.kind as DeviceKind, roomId: r.room_id as number, name: r.name as string,
  code: (r.code as string | null) ?? null, model: (r.model as string | null) ?? null, manufacturer: (r.manufacturer as string | null) ?? null,
  serial: (r.serial as string | null) ?? null, createdAt: r.created_at as number, revokedAt: (r.revoked_at as number | null) ?? null,
  hasSecret: r.secret_hash != null,
  inServiceDate: (r.in_service_date as string | null) ?? null, costVnd: (r.cost_vnd as number | null) ?? null,
  fundingSource: (r.funding_source as string | null) ?? null, warrantyEnd: (r.warranty_end as string | null) ?? null,
  serviceLifeYears: (r.service_life_years as number | null) ?? null, state: (r.state as DeviceState | null) ?? 'in_use',
  notes: (r.notes as string | null) ?? null,
});

const toUser = (r: Row): User => ({
  id: r.id as number, username: r.username as string, displayName: r.display_name as string, role: r.role as Role,
  scope: JSON.parse(r.scope as string) as Scope, disabled: r.disabled_at != null, createdAt: r.created_at as number,
});

export interface AuditFilter { entity?: string; entityId?: string; byUser?: string; limit?: number; offset?: number }
export interface AuditRow { at: number; byUser: string; action: string; entity: string; entityId: string; detail: unknown }

/** Places a scope condition on the school (alias s) of a query; one function so every query filters the same way. */
export function scopeSql(scope: Scope | undefined, params: unknown[]): string {
  if (!scope) return '1=1';
  const parts: string[] = [];
  if (scope.districtIds?.length) { parts.push(`s.district_id IN (${scope.districtIds.map(() => '?').join(',')})`); params.push(...scope.districtIds); }
  if (scope.schoolIds?.length) { parts.push(`s.id IN (${scope.schoolIds.map(() => '?').join(',')})`); params.push(...scope.schoolIds); }
  return parts.length ? `(${parts.join(' OR ')})` : '1=1';
}

/** The registry on SQLite (WAL mode, so a CLI in another process can add or revoke devices while the server runs). */
export class SqliteRegistry {
  readonly db: Database.Database;
  /** One-at-a-time editing of districts, schools, sites and rooms. */
  readonly places: PlaceStore;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.places = new PlaceStore(this.db, (where, id) => { this.db.prepare(`UPDATE devices SET rev = ? WHERE ${where}`).run(this.nextRev(), id); });
  }

  static inDataDir(dataDir: string): SqliteRegistry {
    return new SqliteRegistry(path.join(dataDir, 'registry.sqlite'));
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void { this.db.close(); }

  /** A counter bumped by every device change, so other processes can poll for what changed. */
  private nextRev(): number {
    return (this.db.prepare(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'rev' RETURNING CAST(value AS INTEGER) AS v`).get() as { v: number }).v;
  }

  // ── hierarchy ────────────────────────────────────────────────────────────────
  ensureDistrict(d: { code: string; name: string }): District {
    this.db.prepare('INSERT INTO districts (code, name) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name').run(d.code, d.name);
    return this.db.prepare('SELECT id, code, name FROM districts WHERE code = ?').get(d.code) as District;
  }

  ensureSchool(s: { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }): School {
    if (!SCHOOL_LEVELS.includes(s.level)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown school level '${s.level}'; known: ${SCHOOL_LEVELS.join(', ')}`);
    this.db.prepare(`INSERT INTO schools (code, name, level, district_id, pupils) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, district_id = excluded.district_id, pupils = excluded.pupils`)
      .run(s.code, s.name, s.level, s.districtId, s.pupils ?? 0);
    return this.school(s.code)!;
  }

  ensureSite(s: { schoolId: number; name: string }): Site {
    this.db.prepare('INSERT INTO sites (school_id, name) VALUES (?, ?) ON CONFLICT(school_id, name) DO NOTHING').run(s.schoolId, s.name);
    return this.db.prepare('SELECT id, school_id AS schoolId, name FROM sites WHERE school_id = ? AND name = ?').get(s.schoolId, s.name) as Site;
  }

  ensureRoom(r: { siteId: number; code: string; name: string; type: RoomType; capacity?: number }): Room {
    if (!ROOM_TYPES.includes(r.type)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown room type '${r.type}'; known: ${ROOM_TYPES.join(', ')}`);
    this.db.prepare(`INSERT INTO rooms (site_id, code, name, type, capacity) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(site_id, code) DO UPDATE SET name = excluded.name, type = excluded.type, capacity = excluded.capacity`)
      .run(r.siteId, r.code, r.name, r.type, r.capacity ?? 0);
    return this.db.prepare('SELECT id, site_id AS siteId, code, name, type, capacity FROM rooms WHERE site_id = ? AND code = ?').get(r.siteId, r.code) as Room;
  }

  school(code: string): School | undefined {
    return this.db.prepare('SELECT id, code, name, level, district_id AS districtId, pupils FROM schools WHERE code = ?').get(code) as School | undefined;
  }

  room(id: number): Room | undefined {
    return this.db.prepare('SELECT id, site_id AS siteId, code, name, type, capacity FROM rooms WHERE id = ?').get(id) as Room | undefined;
  }

  /** Names of where rooms sit (room, site, school, district), for a page of devices in one query. */
  roomPlaces(roomIds: Iterable<number>): Map<number, RoomPlace> {
    const ids = [...new Set(roomIds)];
    const out = new Map<number, RoomPlace>();
    if (!ids.length) return out;
    const rows = this.db.prepare(`SELECT r.id AS roomId, r.name AS roomName, t.id AS siteId, t.name AS siteName,
        s.id AS schoolId, s.name AS schoolName, s.district_id AS districtId, d.name AS districtName
      FROM rooms r JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id LEFT JOIN districts d ON d.id = s.district_id
      WHERE r.id IN (${ids.map(() => '?').join(',')})`).all(...ids) as RoomPlace[];
    for (const r of rows) out.set(r.roomId, r);
    return out;
  }

  /** Active districts (retired ones are only in `places.tree(…, true)`). */
  districts(): District[] { return this.db.prepare('SELECT id, code, name FROM districts WHERE retired_at IS NULL ORDER BY name').all() as District[]; }

  schools(scope?: Scope): School[] {
    const params: unknown[] = [];
    const where = scopeSql(scope, params);
    return this.db.prepare(`SELECT s.id, s.code, s.name, s.level, s.district_id AS districtId, s.pupils FROM schools s WHERE ${where} AND s.retired_at IS NULL ORDER BY s.name`).all(...params) as School[];
  }

  rooms(scope?: Scope): (Room & { schoolId: number })[] {
    const params: unknown[] = [];
    const where = scopeSql(scope, params);
    return this.db.prepare(`SELECT r.id, r.site_id AS siteId, r.code, r.name, r.type, r.capacity, s.id AS schoolId
      FROM rooms r JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id WHERE ${where} AND r.retired_at IS NULL ORDER BY s.name, r.code`).all(...params) as (Room & { schoolId: number })[];
  }

  // ── devices ──────────────────────────────────────────────────────────────────
  /** Creates a device record; with `issueSecret` it also returns MQTT credentials, shown once and stored only hashed. */
  async addDevice(d: { kind: string; roomId: number; id?: string; issueSecret?: boolean } & DeviceRecordInput): Promise<{ device: Device; secret?: string }> {
    if (!isDeviceKind(d.kind)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown device kind '${d.kind}'; known kinds: ${DEVICE_KINDS.join(', ')}`);
    if (!this.room(d.roomId)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no room with id ${d.roomId}`);
    const id = d.id ?? `${d.kind}-${randomBytes(5).toString('hex')}`;
    if (!isDeviceId(id)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `device id '${id}' may hold only letters, digits, '.', '_' and '-' (64 at most)`);
    const secret = d.issueSecret === false ? undefined : newSecret();
    const hash = secret ? await hashSecret(secret) : null;
    try {
      this.db.transaction(() => {
        this.db.prepare(`INSERT INTO devices (id, kind, room_id, name, code, model, manufacturer, serial, secret_hash, created_at, rev,
            in_service_date, cost_vnd, funding_source, warranty_end, service_life_years, state, notes)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(id, d.kind, d.roomId, d.name ?? id, d.code ?? null, d.model ?? null, d.manufacturer ?? null, d.serial ?? null, hash, Date.now(), this.nextRev(),
            d.inServiceDate ?? null, d.costVnd ?? null, d.fundingSource ?? null, d.warrantyEnd ?? null, d.serviceLifeYears ?? null, d.state ?? 'in_use', d.notes ?? null);
      })();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `a device with id '${id}' or code '${d.code}' already exists`);
      }
      throw err;
    }
    return { device: this.device(id)!, secret };
  }

  /** Changes a device's record (and its room, when `roomId` is given); a retired device keeps its history. */
  updateDevice(id: string, patch: DeviceRecordInput & { roomId?: number }): Device {
    const cols: Record<keyof DeviceRecordInput | 'roomId', string> = {
      name: 'name', code: 'code', model: 'model', manufacturer: 'manufacturer', serial: 'serial', inServiceDate: 'in_service_date',
      costVnd: 'cost_vnd', fundingSource: 'funding_source', warrantyEnd: 'warranty_end', serviceLifeYears: 'service_life_years',
      state: 'state', notes: 'notes', roomId: 'room_id',
    };
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(patch) as [keyof typeof cols, unknown][]) {
      if (v === undefined || !cols[k]) continue;
      sets.push(`${cols[k]} = ?`);
      params.push(v);
    }
    if (patch.roomId !== undefined && !this.room(patch.roomId)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no room with id ${patch.roomId}`);
    if (sets.length) {
      let changes = 0;
      try {
        changes = this.db.prepare(`UPDATE devices SET ${sets.join(', ')}, rev = ? WHERE id = ?`).run(...params, this.nextRev(), id).changes;
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `device code '${patch.code}' is already used by another device`);
        throw err;
      }
      if (changes === 0) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    }
    const d = this.device(id);
    if (!d) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    return d;
  }

  deviceByCode(code: string): Device | undefined {
    const r = this.db.prepare('SELECT * FROM devices WHERE code = ?').get(code) as Row | undefined;
    return r && toDevice(r);
  }

  addMaintenance(deviceId: string, byUser: string, text: string, at = Date.now()): void {
    if (!this.device(deviceId)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${deviceId}'`);
    this.db.prepare('INSERT INTO maintenance_log (device_id, at, by_user, text) VALUES (?, ?, ?, ?)').run(deviceId, at, byUser, text);
  }

  maintenance(deviceId: string): { at: number; byUser: string; text: string }[] {
    return this.db.prepare('SELECT at, by_user AS byUser, text FROM maintenance_log WHERE device_id = ? ORDER BY at DESC').all(deviceId) as { at: number; byUser: string; text: string }[];
  }

  /** Records who changed what; admins read it. */
  audit(byUser: string, action: string, entity: string, entityId: string | number, detail: object = {}): void {
    this.db.prepare('INSERT INTO audit_log (at, by_user, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?)').run(Date.now(), byUser, action, entity, String(entityId), JSON.stringify(detail));
  }

  auditLog(f: AuditFilter = {}): { total: number; entries: AuditRow[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.entity) { where.push('entity = ?'); params.push(f.entity); }
    if (f.entityId) { where.push('entity_id = ?'); params.push(f.entityId); }
    if (f.byUser) { where.push('by_user = ?'); params.push(f.byUser); }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM audit_log ${w}`).get(...params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT at, by_user AS byUser, action, entity, entity_id AS entityId, detail FROM audit_log ${w} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...params, f.limit ?? 200, f.offset ?? 0) as (Omit<AuditRow, 'detail'> & { detail: string })[];
    return { total, entries: rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown })) };
  }

  device(id: string): Device | undefined {
    const r = this.db.prepare('SELECT * FROM devices WHERE id = ?').get(id) as Row | undefined;
    return r && toDevice(r);
  }

  /** Issues a new secret (the old one stops working at once) and clears a revocation. */
  async rotateSecret(id: string): Promise<string> {
    const secret = newSecret();
    const hash = await hashSecret(secret);
    const res = this.db.prepare('UPDATE devices SET secret_hash = ?, revoked_at = NULL, rev = ? WHERE id = ?').run(hash, this.nextRev(), id);
    if (res.changes === 0) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    return secret;
  }

  /** Retires a device: its record and history stay, its credentials stop working, it leaves the live fleet. */
  retireDevice(id: string): Device {
    const res = this.db.prepare(`UPDATE devices SET state = 'retired', revoked_at = COALESCE(revoked_at, ?), rev = ? WHERE id = ?`).run(Date.now(), this.nextRev(), id);
    if (res.changes === 0) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    return this.device(id)!;
  }

  revokeDevice(id: string): void {
    const res = this.db.prepare('UPDATE devices SET revoked_at = ?, rev = ? WHERE id = ?').run(Date.now(), this.nextRev(), id);
    if (res.changes === 0) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
  }

  secretHash(id: string): { hash: string | null; revoked: boolean } | undefined {
    const r = this.db.prepare('SELECT secret_hash, revoked_at FROM devices WHERE id = ?').get(id) as Row | undefined;
    return r && { hash: (r.secret_hash as string | null) ?? null, revoked: r.revoked_at != null };
  }

  listDevices(f: DeviceFilter = {}): { total: number; devices: Device[] } {
    const params: unknown[] = [];
    const where = [scopeSql(f.scope, params)];
    if (!f.includeRevoked) where.push('d.revoked_at IS NULL');
    if (f.kind) { where.push('d.kind = ?'); params.push(f.kind); }
    if (f.districtId) { where.push('s.district_id = ?'); params.push(f.districtId); }
    if (f.schoolId) { where.push('s.id = ?'); params.push(f.schoolId); }
    if (f.roomId) { where.push('d.room_id = ?'); params.push(f.roomId); }
    if (f.q) { where.push('(d.id LIKE ? OR d.name LIKE ? OR d.code LIKE ? OR d.serial LIKE ?)'); const q = `%${f.q}%`; params.push(q, q, q, q); }
    const from = `FROM devices d JOIN rooms r ON r.id = d.room_id JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id WHERE ${where.join(' AND ')}`;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from}`).get(...params) as { n: number }).n;
    const rows = this.db.prepare(`SELECT d.* ${from} ORDER BY d.id LIMIT ? OFFSET ?`).all(...params, f.limit ?? 1_000_000, f.offset ?? 0) as Row[];
    return { total, devices: rows.map(toDevice) };
  }

  /** Placements of devices changed after `rev` (all of them for 0), with the revision to ask from next time. */
  placementsSince(rev: number): { rev: number; placements: DevicePlacement[] } {
    const current = Number((this.db.prepare(`SELECT value FROM meta WHERE key = 'rev'`).get() as { value: string }).value);
    const rows = this.db.prepare(`SELECT d.id, d.kind, d.name, d.room_id, r.site_id, t.school_id, s.district_id, d.revoked_at, substr(d.secret_hash, -12) AS credential
      FROM devices d JOIN rooms r ON r.id = d.room_id JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id
      WHERE d.rev > ? AND d.rev <= ?`).all(rev, current) as Row[];
    return {
      rev: current,
      placements: rows.map((r) => ({
        id: r.id as string, kind: r.kind as DeviceKind, name: r.name as string, roomId: r.room_id as number, siteId: r.site_id as number,
        schoolId: r.school_id as number, districtId: (r.district_id as number | null) ?? null, revoked: r.revoked_at != null,
        credential: (r.credential as string | null) ?? null,
      })),
    };
  }

  // ── timetables ───────────────────────────────────────────────────────────────
  /** The terms a school has entered, by start date (none: the analytics use its level's default). */
  timetables(schoolId: number): TermTimetable[] {
    return (this.db.prepare('SELECT data FROM timetables WHERE school_id = ? ORDER BY start').all(schoolId) as { data: string }[]).map((r) => JSON.parse(r.data) as TermTimetable);
  }

  /** Every school's entered terms, for a province-wide analysis in one query. */
  allTimetables(): Map<number, TermTimetable[]> {
    const out = new Map<number, TermTimetable[]>();
    for (const r of this.db.prepare('SELECT school_id AS schoolId, data FROM timetables ORDER BY start').all() as { schoolId: number; data: string }[]) {
      const list = out.get(r.schoolId) ?? [];
      list.push(JSON.parse(r.data) as TermTimetable);
      out.set(r.schoolId, list);
    }
    return out;
  }

  /** Replaces a school's terms; refuses invalid or overlapping terms with every problem named. */
  setTimetables(schoolId: number, terms: TermTimetable[]): void {
    const problems = terms.flatMap((t) => timetableProblems(t).map((p) => `${t.term}: ${p}`));
    const sorted = [...terms].sort((a, b) => a.start.localeCompare(b.start));
    sorted.forEach((t, i) => {
      const next = sorted[i + 1];
      if (next && next.start <= t.end) problems.push(`${t.term} (${t.start} – ${t.end}) overlaps ${next.term} (${next.start} – ${next.end})`);
    });
    if (new Set(terms.map((t) => t.term)).size !== terms.length) problems.push('two terms have the same name');
    if (problems.length) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `the timetable is invalid: ${problems.join('; ')}`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM timetables WHERE school_id = ?').run(schoolId);
      const ins = this.db.prepare('INSERT INTO timetables (school_id, term, start, end, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
      for (const t of terms) ins.run(schoolId, t.term, t.start, t.end, JSON.stringify(t), Date.now());
    })();
  }

  // ── monthly report subscriptions ─────────────────────────────────────────────
  subscriptions(): ReportSubscription[] {
    return this.db.prepare('SELECT id, email, district_id AS districtId, created_by AS createdBy, created_at AS createdAt, last_sent AS lastSent FROM report_subscriptions ORDER BY email')
      .all() as ReportSubscription[];
  }

  addSubscription(s: { email: string; districtId: number | null; createdBy: string }): ReportSubscription {
    // UNIQUE does not stop two NULL districts (SQLite keeps NULLs distinct): ask first.
    if (this.db.prepare('SELECT 1 FROM report_subscriptions WHERE email = ? AND district_id IS ?').get(s.email, s.districtId)) {
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `${s.email} already receives this report`);
    }
    try {
      const id = Number(this.db.prepare('INSERT INTO report_subscriptions (email, district_id, created_by, created_at) VALUES (?, ?, ?, ?)')
        .run(s.email, s.districtId, s.createdBy, Date.now()).lastInsertRowid);
      return this.subscriptions().find((x) => x.id === id)!;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `${s.email} already receives this report`);
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no district ${s.districtId}`);
      throw err;
    }
  }

  removeSubscription(id: number): void {
    if (this.db.prepare('DELETE FROM report_subscriptions WHERE id = ?').run(id).changes === 0) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no subscription ${id}`);
  }

  /** Records that the report of `month` (yyyy-mm) went out, so a restart on the same day does not send it twice. */
  markSent(id: number, month: string): void {
    this.db.prepare('UPDATE report_subscriptions SET last_sent = ? WHERE id = ?').run(month, id);
  }

  // ── users ────────────────────────────────────────────────────────────────────
  async addUser(u: { username: string; password: string; role: Role; scope?: Scope; displayName?: string }): Promise<User> {
    if (!ROLES.includes(u.role)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown role '${u.role}'; known: ${ROLES.join(', ')}`);
    if (u.password.length < 8) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'a password needs at least 8 characters');
    const hash = await hashSecret(u.password, PASSWORD_COST);
    try {
      this.db.prepare('INSERT INTO users (username, display_name, password_hash, role, scope, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(u.username, u.displayName ?? u.username, hash, u.role, JSON.stringify(u.scope ?? {}), Date.now());
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `user '${u.username}' already exists`);
      throw err;
    }
    return this.userByName(u.username)!;
  }

  users(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(toUser);
  }

  /** Changes a user's name, role, scope, password or disabled flag; a disabled user's sessions stop working at once. */
  async updateUser(id: number, patch: { displayName?: string; role?: Role; scope?: Scope; password?: string; disabled?: boolean }): Promise<User> {
    if (patch.role !== undefined && !ROLES.includes(patch.role)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown role '${patch.role}'; known: ${ROLES.join(', ')}`);
    if (patch.password !== undefined && patch.password.length < 8) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'a password needs at least 8 characters');
    if (!this.user(id)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no user with id ${id}`);
    const hash = patch.password === undefined ? undefined : await hashSecret(patch.password, PASSWORD_COST);
    const sets: string[] = [];
    const params: unknown[] = [];
    if (patch.displayName !== undefined) { sets.push('display_name = ?'); params.push(patch.displayName); }
    if (patch.role !== undefined) { sets.push('role = ?'); params.push(patch.role); }
    if (patch.scope !== undefined) { sets.push('scope = ?'); params.push(JSON.stringify(patch.scope)); }
    if (hash !== undefined) { sets.push('password_hash = ?'); params.push(hash); }
    if (patch.disabled !== undefined) { sets.push('disabled_at = ?'); params.push(patch.disabled ? Date.now() : null); }
    if (sets.length) this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    return this.user(id)!;
  }

  async setPassword(username: string, password: string): Promise<void> {
    const hash = await hashSecret(password, PASSWORD_COST);
    this.db.prepare('UPDATE users SET password_hash = ? WHERE username = ?').run(hash, username);
  }

  userByName(username: string): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return r && toUser(r);
  }

  user(id: number): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r && toUser(r);
  }

  async verifyUser(username: string, password: string): Promise<User | undefined> {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    if (!r) return undefined;
    // A disabled account verifies nothing, with the same answer as a wrong password.
    return (await verifySecret(password, r.password_hash as string)) && r.disabled_at == null ? toUser(r) : undefined;
  }

  // ── sessions (the dashboard's session store, shared by every dashboard process) ─────────────
  sessionGet(sid: string): string | undefined {
    const r = this.db.prepare('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?').get(sid, Date.now()) as { data: string } | undefined;
    return r?.data;
  }
  sessionSet(sid: string, data: string, expiresAt: number): void {
    this.db.prepare('INSERT INTO sessions (sid, data, expires_at) VALUES (?, ?, ?) ON CONFLICT(sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at').run(sid, data, expiresAt);
  }
  sessionDestroy(sid: string): void {
    this.db.prepare('DELETE FROM sessions WHERE sid = ?').run(sid);
  }
  /** Deletes expired sessions; returns how many. */
  sessionPurge(now = Date.now()): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
