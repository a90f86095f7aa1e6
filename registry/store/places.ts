/**
 * Creating, editing, moving and retiring the places of the hierarchy one at a time (the web app, the REST API): the
 * async PlaceStore, reached as `store.places`. A retired place keeps its id and history; it cannot be retired while
 * something active is still in it, so nothing is orphaned.
 */
import { sql, type Kysely } from 'kysely';
import { EdufleetError } from '../../lib/errors.js';
import { isRowId, ROOM_TYPES, SCHOOL_LEVELS, type District, type PlaceLevel, type PlaceRef, type RoomType, type School, type SchoolLevel, type Scope, type Site, type TreeRoom } from '../types.js';
import { conflictOr, inScope, inTx, invalid, nextRev, notFound, type Ctx } from './context.js';

const TABLE = { district: 'districts', school: 'schools', site: 'sites', room: 'rooms' } as const;
const COLS: Record<PlaceLevel, Record<string, string>> = {
  district: { code: 'code', name: 'name' },
  school: { code: 'code', name: 'name', level: 'level', districtId: 'district_id', pupils: 'pupils' },
  site: { name: 'name', schoolId: 'school_id' },
  room: { code: 'code', name: 'name', type: 'type', capacity: 'capacity', siteId: 'site_id' },
};
const PARENT: Record<PlaceLevel, { level: PlaceLevel; col: string } | undefined> = {
  district: undefined, school: { level: 'district', col: 'district_id' }, site: { level: 'school', col: 'school_id' }, room: { level: 'site', col: 'site_id' },
};

/** Places by level name: the one spot where a table is chosen at run time. */
const untyped = (c: Ctx) => c.db as unknown as Kysely<Record<string, Record<string, unknown>>>;

function checkLevel(level: string | undefined): void {
  if (level !== undefined && !SCHOOL_LEVELS.includes(level as SchoolLevel)) throw invalid(`unknown school level '${level}'; known: ${SCHOOL_LEVELS.join(', ')}`);
}
function checkRoomType(type: string | undefined): void {
  if (type !== undefined && !ROOM_TYPES.includes(type as RoomType)) throw invalid(`unknown room type '${type}'; known: ${ROOM_TYPES.join(', ')}`);
}
function checkText(v: string | undefined, what: string): void {
  if (v !== undefined && !v.trim()) throw invalid(`${what} may not be empty`);
}

export class PlaceEditor {
  constructor(private readonly c: Ctx) {}

  /** Where a place sits, or undefined when there is no such place. */
  async ref(level: PlaceLevel, id: number): Promise<PlaceRef | undefined> {
    if (!isRowId(id)) return undefined;
    const db = this.c.db;
    const r = level === 'district'
      ? await db.selectFrom('districts as d').select([sql<number | null>`NULL`.as('schoolId'), 'd.id as districtId', 'd.retired_at as retiredAt']).where('d.id', '=', id).executeTakeFirst()
      : level === 'school'
        ? await db.selectFrom('schools as s').select(['s.id as schoolId', 's.district_id as districtId', 's.retired_at as retiredAt']).where('s.id', '=', id).executeTakeFirst()
        : level === 'site'
          ? await db.selectFrom('sites as t').innerJoin('schools as s', 's.id', 't.school_id')
            .select(['s.id as schoolId', 's.district_id as districtId', 't.retired_at as retiredAt']).where('t.id', '=', id).executeTakeFirst()
          : await db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id').innerJoin('schools as s', 's.id', 't.school_id')
            .select(['s.id as schoolId', 's.district_id as districtId', 'r.retired_at as retiredAt']).where('r.id', '=', id).executeTakeFirst();
    return r && { level, id, schoolId: r.schoolId, districtId: r.districtId, retired: r.retiredAt !== null };
  }

  /** Everything within `scope` (the whole province without one); retired places only when asked for. */
  async tree(scope: Scope | undefined, includeRetired: boolean) {
    const db = this.c.db;
    const live = (col: string) => (includeRetired ? sql<boolean>`1 = 1` : sql<boolean>`${sql.ref(col)} IS NULL`);
    const schools = (await db.selectFrom('schools as s').select(['s.id', 's.code', 's.name', 's.level', 's.district_id as districtId', 's.pupils', 's.retired_at as r'])
      .where(inScope(scope)).where(live('s.retired_at')).orderBy('s.name').execute())
      .map(({ r, ...s }) => ({ ...(s as School), retired: r !== null }));
    const schoolIds = new Set(schools.map((s) => s.id));
    const districtIds = new Set(schools.map((s) => s.districtId));
    const districts = (await db.selectFrom('districts as d').select(['d.id', 'd.code', 'd.name', 'd.retired_at as r']).where(live('d.retired_at')).orderBy('d.name').execute())
      .filter((d) => !scope || districtIds.has(d.id) || scope.districtIds?.includes(d.id))
      .map(({ r, ...d }): District & { retired: boolean } => ({ ...d, retired: r !== null }));
    const sites = (await db.selectFrom('sites as t').select(['t.id', 't.school_id as schoolId', 't.name', 't.retired_at as r']).where(live('t.retired_at')).orderBy('t.name').execute())
      .filter((t) => schoolIds.has(t.schoolId))
      .map(({ r, ...t }): Site & { retired: boolean } => ({ ...t, retired: r !== null }));
    const siteIds = new Set(sites.map((t) => t.id));
    const rooms = (await db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id')
      .select((eb) => ['r.id', 'r.site_id as siteId', 't.school_id as schoolId', 'r.code', 'r.name', 'r.type', 'r.capacity', 'r.retired_at as ra',
        eb.selectFrom('devices as d').select(eb.fn.countAll<number>().as('n')).whereRef('d.room_id', '=', 'r.id').where('d.state', '!=', 'retired')
          .where('d.revoked_at', 'is', null).as('devices')])
      .where(live('r.retired_at')).orderBy('r.code').execute())
      .filter((r) => siteIds.has(r.siteId))
      .map(({ ra, ...r }): TreeRoom => ({ ...r, type: r.type as RoomType, devices: Number(r.devices), retired: ra !== null }));
    return { districts, schools, sites, rooms };
  }

  async createDistrict(d: { code: string; name: string }): Promise<number> {
    checkText(d.code, 'a district code'); checkText(d.name, 'a district name');
    return this.insert('districts', { code: d.code.trim(), name: d.name.trim() }, `a district with code '${d.code}'`);
  }

  async createSchool(s: { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }): Promise<number> {
    checkText(s.code, 'a school code'); checkText(s.name, 'a school name'); checkLevel(s.level);
    await this.requireActive('district', s.districtId);
    return this.insert('schools', { code: s.code.trim(), name: s.name.trim(), level: s.level, district_id: s.districtId, pupils: s.pupils ?? 0 }, `a school with code '${s.code}'`);
  }

  async createSite(t: { schoolId: number; name: string }): Promise<number> {
    checkText(t.name, 'a site name');
    await this.requireActive('school', t.schoolId);
    return this.insert('sites', { school_id: t.schoolId, name: t.name.trim() }, `a site named '${t.name}' in this school`);
  }

  async createRoom(r: { siteId: number; code: string; name: string; type: RoomType; capacity?: number }): Promise<number> {
    checkText(r.code, 'a room code'); checkText(r.name, 'a room name'); checkRoomType(r.type);
    await this.requireActive('site', r.siteId);
    return this.insert('rooms', { site_id: r.siteId, code: r.code.trim(), name: r.name.trim(), type: r.type, capacity: r.capacity ?? 0 }, `a room with code '${r.code}' at this site`);
  }

  /**
   * Edits a place; a changed parent (`districtId` of a school, `schoolId` of a site, `siteId` of a room) moves it
   * with everything in it, and the devices moved along get a new revision so the gateway tags them with the new place.
   */
  update(level: PlaceLevel, id: number, patch: Record<string, unknown>): Promise<void> {
    return this.locked(level, id, (e) => e.updateLocked(level, id, patch));
  }

  /** Retires a place (or brings it back with `retired: false`); refuses while it still holds something active. */
  setRetired(level: PlaceLevel, id: number, retired: boolean): Promise<void> {
    return this.locked(level, id, (e) => e.setRetiredLocked(level, id, retired));
  }

  /**
   * Checks and change in one transaction (the caller's if any), locked first: on PostgreSQL the place's row, so a
   * child being put into it by another process (its foreign key takes a share lock) waits and what was counted stays
   * true; on SQLite the file's write lock (a write before any read), so another process waits instead of failing
   * with a stale snapshot.
   */
  private locked(level: PlaceLevel, id: number, fn: (e: PlaceEditor) => Promise<void>): Promise<void> {
    return inTx(this.c, async (t) => {
      if (t.dialect === 'postgres') await untyped(t).selectFrom(TABLE[level]).select('id').where('id', '=', id).forUpdate().execute();
      else await untyped(t).updateTable(TABLE[level]).set({ id: sql`id` }).where('id', '=', id).execute();
      await fn(new PlaceEditor(t));
    });
  }

  private async updateLocked(level: PlaceLevel, id: number, patch: Record<string, unknown>): Promise<void> {
    if (!(await this.ref(level, id))) throw notFound(`no ${level} with id ${id}`);
    checkLevel(patch.level as string | undefined);
    checkRoomType(patch.type as string | undefined);
    for (const k of ['code', 'name']) checkText(patch[k] as string | undefined, `a ${level} ${k}`);
    if (level === 'school' && patch.districtId !== undefined) await this.requireActive('district', patch.districtId as number | null);
    if (level === 'site' && patch.schoolId !== undefined) await this.requireActive('school', patch.schoolId as number);
    if (level === 'room' && patch.siteId !== undefined) await this.requireActive('site', patch.siteId as number);
    const set: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (v !== undefined && COLS[level][k]) set[COLS[level][k]] = typeof v === 'string' ? v.trim() : v;
    if (!Object.keys(set).length) return;
    await inTx(this.c, async (t) => {
      try {
        await untyped(t).updateTable(TABLE[level]).set(set).where('id', '=', id).execute();
      } catch (err) { conflictOr(err, `another ${level} with this code or name already exists`); }
      if (['districtId', 'schoolId', 'siteId'].some((k) => patch[k] !== undefined)) await bumpDevicesIn(t, level, id);
    });
  }

  private async setRetiredLocked(level: PlaceLevel, id: number, retired: boolean): Promise<void> {
    if (!(await this.ref(level, id))) throw notFound(`no ${level} with id ${id}`);
    const db = this.c.db;
    if (retired) {
      const n = level === 'room'
        ? Number((await db.selectFrom('devices').select(sql<number>`COUNT(*)`.as('n')).where('room_id', '=', id).where('state', '!=', 'retired')
          .where('revoked_at', 'is', null).executeTakeFirstOrThrow()).n)
        : Number((await untyped(this.c).selectFrom(TABLE[CHILD[level]]).select(sql<number>`COUNT(*)`.as('n')).where(PARENT[CHILD[level]]!.col, '=', id)
          .where('retired_at', 'is', null).executeTakeFirstOrThrow()).n);
      const what = level === 'room' ? 'device(s) not retired' : `active ${CHILD[level]}(s)`;
      if (n) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this ${level} still holds ${n} ${what}; move or retire them first`);
    } else {
      const up = PARENT[level];
      if (up) {
        const row = await untyped(this.c).selectFrom(TABLE[level]).select(sql<number | null>`${sql.ref(up.col)}`.as('p')).where('id', '=', id).executeTakeFirstOrThrow();
        await this.requireActive(up.level, row.p as number | null);
      }
    }
    await untyped(this.c).updateTable(TABLE[level]).set({ retired_at: retired ? Date.now() : null }).where('id', '=', id).execute();
  }

  private async insert(table: (typeof TABLE)[PlaceLevel], values: Record<string, unknown>, what: string): Promise<number> {
    try {
      const r = await untyped(this.c).insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
      return Number(r.id);
    } catch (err) { return conflictOr(err, `${what} already exists`); }
  }

  private async requireActive(level: PlaceLevel, id: number | null): Promise<void> {
    if (id === null) return;
    const ref = await this.ref(level, id);
    if (!ref) throw notFound(`no ${level} with id ${id}`);
    if (ref.retired) throw invalid(`${level} ${id} is retired; nothing new can be put in it`);
  }
}

const CHILD = { district: 'school', school: 'site', site: 'room', room: 'room' } as const satisfies Record<PlaceLevel, PlaceLevel>;

/** Gives every device under a moved place a new revision (one for all of them). */
async function bumpDevicesIn(c: Ctx, level: PlaceLevel, id: number): Promise<void> {
  if (level === 'district') return;
  const rev = await nextRev(c);
  const q = c.db.updateTable('devices').set({ rev });
  if (level === 'room') await q.where('room_id', '=', id).execute();
  else if (level === 'site') await q.where('room_id', 'in', c.db.selectFrom('rooms').select('id').where('site_id', '=', id)).execute();
  else await q.where('room_id', 'in', c.db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id').select('r.id').where('t.school_id', '=', id)).execute();
}
