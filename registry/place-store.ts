/**
 * Creating, editing, moving and retiring the places of the hierarchy (district → school → site → room) one at a
 * time, as the web app and the REST API do; the bulk upserts of imports and seeds stay `ensure*` in the registry.
 * A retired place keeps its id, its history and its devices' history; it cannot be retired while something active
 * is still in it, so nothing is orphaned.
 */
import type Database from 'better-sqlite3';
import { EdufleetError } from '../lib/errors.js';
import type { District, RoomType, School, SchoolLevel, Scope, Site } from './types.js';
import { ROOM_TYPES, SCHOOL_LEVELS } from './types.js';

export type PlaceLevel = 'district' | 'school' | 'site' | 'room';

/** A place with what scope checks need: the school it belongs to (none for a district) and that school's district. */
export interface PlaceRef { level: PlaceLevel; id: number; schoolId: number | null; districtId: number | null; retired: boolean }

export interface TreeDistrict extends District { retired: boolean }
export interface TreeSchool extends School { retired: boolean }
export interface TreeSite extends Site { retired: boolean }
export interface TreeRoom { id: number; siteId: number; schoolId: number; code: string; name: string; type: RoomType; capacity: number; retired: boolean; devices: number }

const TABLE: Record<PlaceLevel, string> = { district: 'districts', school: 'schools', site: 'sites', room: 'rooms' };

const conflict = (err: unknown, what: string): never => {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `${what} already exists`);
  throw err;
};

function checkLevel(level: string | undefined): void {
  if (level !== undefined && !SCHOOL_LEVELS.includes(level as SchoolLevel)) {
    throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown school level '${level}'; known: ${SCHOOL_LEVELS.join(', ')}`);
  }
}
function checkRoomType(type: string | undefined): void {
  if (type !== undefined && !ROOM_TYPES.includes(type as RoomType)) {
    throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `unknown room type '${type}'; known: ${ROOM_TYPES.join(', ')}`);
  }
}
function checkText(v: string | undefined, what: string): void {
  if (v !== undefined && !v.trim()) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `${what} may not be empty`);
}

export class PlaceStore {
  constructor(private readonly db: Database.Database, private readonly bumpDevices: (where: string, id: number) => void) {}

  /** Where a place sits, or undefined when there is no such place. */
  ref(level: PlaceLevel, id: number): PlaceRef | undefined {
    const sql: Record<PlaceLevel, string> = {
      district: 'SELECT NULL AS schoolId, d.id AS districtId, d.retired_at AS retiredAt FROM districts d WHERE d.id = ?',
      school: 'SELECT s.id AS schoolId, s.district_id AS districtId, s.retired_at AS retiredAt FROM schools s WHERE s.id = ?',
      site: 'SELECT s.id AS schoolId, s.district_id AS districtId, t.retired_at AS retiredAt FROM sites t JOIN schools s ON s.id = t.school_id WHERE t.id = ?',
      room: `SELECT s.id AS schoolId, s.district_id AS districtId, r.retired_at AS retiredAt FROM rooms r JOIN sites t ON t.id = r.site_id
             JOIN schools s ON s.id = t.school_id WHERE r.id = ?`,
    };
    const r = this.db.prepare(sql[level]).get(id) as { schoolId: number | null; districtId: number | null; retiredAt: number | null } | undefined;
    return r && { level, id, schoolId: r.schoolId, districtId: r.districtId, retired: r.retiredAt !== null };
  }

  /** Everything within `scope` (the whole province without one); retired places only when asked for. */
  tree(scope: Scope | undefined, includeRetired: boolean, scopeSql: (scope: Scope | undefined, params: unknown[]) => string) {
    const live = (alias: string) => (includeRetired ? '1=1' : `${alias}.retired_at IS NULL`);
    const p1: unknown[] = [];
    const schools = (this.db.prepare(`SELECT s.id, s.code, s.name, s.level, s.district_id AS districtId, s.pupils, s.retired_at AS r FROM schools s
      WHERE ${scopeSql(scope, p1)} AND ${live('s')} ORDER BY s.name`).all(...p1) as (School & { r: number | null })[])
      .map(({ r, ...s }) => ({ ...s, retired: r !== null }));
    const schoolIds = new Set(schools.map((s) => s.id));
    const districtIds = new Set(schools.map((s) => s.districtId));
    const districts = (this.db.prepare(`SELECT d.id, d.code, d.name, d.retired_at AS r FROM districts d WHERE ${live('d')} ORDER BY d.name`).all() as (District & { r: number | null })[])
      .filter((d) => !scope || districtIds.has(d.id) || scope.districtIds?.includes(d.id))
      .map(({ r, ...d }) => ({ ...d, retired: r !== null }));
    const sites = (this.db.prepare(`SELECT t.id, t.school_id AS schoolId, t.name, t.retired_at AS r FROM sites t WHERE ${live('t')} ORDER BY t.name`).all() as (Site & { r: number | null })[])
      .filter((t) => schoolIds.has(t.schoolId))
      .map(({ r, ...t }) => ({ ...t, retired: r !== null }));
    const siteIds = new Set(sites.map((t) => t.id));
    const rooms = (this.db.prepare(`SELECT r.id, r.site_id AS siteId, t.school_id AS schoolId, r.code, r.name, r.type, r.capacity, r.retired_at AS ra,
        (SELECT COUNT(*) FROM devices d WHERE d.room_id = r.id AND d.state != 'retired' AND d.revoked_at IS NULL) AS devices
      FROM rooms r JOIN sites t ON t.id = r.site_id WHERE ${live('r')} ORDER BY r.code`).all() as (Omit<TreeRoom, 'retired'> & { ra: number | null })[])
      .filter((r) => siteIds.has(r.siteId))
      .map(({ ra, ...r }) => ({ ...r, retired: ra !== null }));
    return { districts, schools, sites, rooms };
  }

  createDistrict(d: { code: string; name: string }): number {
    checkText(d.code, 'a district code'); checkText(d.name, 'a district name');
    try {
      return Number(this.db.prepare('INSERT INTO districts (code, name) VALUES (?, ?)').run(d.code.trim(), d.name.trim()).lastInsertRowid);
    } catch (err) { return conflict(err, `a district with code '${d.code}'`); }
  }

  createSchool(s: { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }): number {
    checkText(s.code, 'a school code'); checkText(s.name, 'a school name'); checkLevel(s.level);
    this.requireActive('district', s.districtId);
    try {
      return Number(this.db.prepare('INSERT INTO schools (code, name, level, district_id, pupils) VALUES (?, ?, ?, ?, ?)')
        .run(s.code.trim(), s.name.trim(), s.level, s.districtId, s.pupils ?? 0).lastInsertRowid);
    } catch (err) { return conflict(err, `a school with code '${s.code}'`); }
  }

  createSite(t: { schoolId: number; name: string }): number {
    checkText(t.name, 'a site name');
    this.requireActive('school', t.schoolId);
    try {
      return Number(this.db.prepare('INSERT INTO sites (school_id, name) VALUES (?, ?)').run(t.schoolId, t.name.trim()).lastInsertRowid);
    } catch (err) { return conflict(err, `a site named '${t.name}' in this school`); }
  }

  createRoom(r: { siteId: number; code: string; name: string; type: RoomType; capacity?: number }): number {
    checkText(r.code, 'a room code'); checkText(r.name, 'a room name'); checkRoomType(r.type);
    this.requireActive('site', r.siteId);
    try {
      return Number(this.db.prepare('INSERT INTO rooms (site_id, code, name, type, capacity) VALUES (?, ?, ?, ?, ?)')
        .run(r.siteId, r.code.trim(), r.name.trim(), r.type, r.capacity ?? 0).lastInsertRowid);
    } catch (err) { return conflict(err, `a room with code '${r.code}' at this site`); }
  }

  /**
   * Edits a place; a changed parent (`districtId` of a school, `schoolId` of a site, `siteId` of a room) moves it
   * with everything in it. Devices moved along get a new revision, so the gateway tags their next readings with
   * the new place.
   */
  update(level: PlaceLevel, id: number, patch: Record<string, unknown>): void {
    const cols: Record<PlaceLevel, Record<string, string>> = {
      district: { code: 'code', name: 'name' },
      school: { code: 'code', name: 'name', level: 'level', districtId: 'district_id', pupils: 'pupils' },
      site: { name: 'name', schoolId: 'school_id' },
      room: { code: 'code', name: 'name', type: 'type', capacity: 'capacity', siteId: 'site_id' },
    };
    if (!this.ref(level, id)) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${level} with id ${id}`);
    checkLevel(patch.level as string | undefined);
    checkRoomType(patch.type as string | undefined);
    for (const k of ['code', 'name']) checkText(patch[k] as string | undefined, `a ${level} ${k}`);
    if (level === 'school' && patch.districtId !== undefined) this.requireActive('district', patch.districtId as number | null);
    if (level === 'site' && patch.schoolId !== undefined) this.requireActive('school', patch.schoolId as number);
    if (level === 'room' && patch.siteId !== undefined) this.requireActive('site', patch.siteId as number);
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      const col = cols[level][k];
      if (v === undefined || !col) continue;
      sets.push(`${col} = ?`);
      params.push(typeof v === 'string' ? v.trim() : v);
    }
    if (!sets.length) return;
    this.db.transaction(() => {
      try {
        this.db.prepare(`UPDATE ${TABLE[level]} SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
      } catch (err) { conflict(err, `another ${level} with this code or name`); }
      const moved = ['districtId', 'schoolId', 'siteId'].some((k) => patch[k] !== undefined);
      if (moved) this.bumpDevicesIn(level, id);
    })();
  }

  /** Retires a place (or brings it back with `retired: false`); refuses while it still holds something active. */
  setRetired(level: PlaceLevel, id: number, retired: boolean): void {
    const ref = this.ref(level, id);
    if (!ref) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${level} with id ${id}`);
    if (retired) {
      const child: Record<PlaceLevel, [string, string]> = {
        district: ['SELECT COUNT(*) AS n FROM schools WHERE district_id = ? AND retired_at IS NULL', 'active school(s)'],
        school: ['SELECT COUNT(*) AS n FROM sites WHERE school_id = ? AND retired_at IS NULL', 'active site(s)'],
        site: ['SELECT COUNT(*) AS n FROM rooms WHERE site_id = ? AND retired_at IS NULL', 'active room(s)'],
        room: [`SELECT COUNT(*) AS n FROM devices WHERE room_id = ? AND state != 'retired' AND revoked_at IS NULL`, 'device(s) not retired'],
      };
      const n = (this.db.prepare(child[level][0]).get(id) as { n: number }).n;
      if (n) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this ${level} still holds ${n} ${child[level][1]}; move or retire them first`);
    } else {
      const parent: Record<PlaceLevel, [PlaceLevel, string] | undefined> = {
        district: undefined,
        school: ['district', 'SELECT district_id AS p FROM schools WHERE id = ?'],
        site: ['school', 'SELECT school_id AS p FROM sites WHERE id = ?'],
        room: ['site', 'SELECT site_id AS p FROM rooms WHERE id = ?'],
      };
      const up = parent[level];
      if (up) this.requireActive(up[0], (this.db.prepare(up[1]).get(id) as { p: number | null }).p);
    }
    this.db.prepare(`UPDATE ${TABLE[level]} SET retired_at = ? WHERE id = ?`).run(retired ? Date.now() : null, id);
  }

  private requireActive(level: PlaceLevel, id: number | null): void {
    if (id === null) return;
    const ref = this.ref(level, id);
    if (!ref) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${level} with id ${id}`);
    if (ref.retired) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `${level} ${id} is retired; nothing new can be put in it`);
  }

  private bumpDevicesIn(level: PlaceLevel, id: number): void {
    const where: Partial<Record<PlaceLevel, string>> = {
      school: 'room_id IN (SELECT r.id FROM rooms r JOIN sites t ON t.id = r.site_id WHERE t.school_id = ?)',
      site: 'room_id IN (SELECT id FROM rooms WHERE site_id = ?)',
      room: 'room_id = ?',
    };
    if (where[level]) this.bumpDevices(where[level], id);
  }
}
