/** The hierarchy's upserts (imports, seeds, the simulator) and reads (district → school → site → room). */
import { ROOM_TYPES, SCHOOL_LEVELS, type District, type Room, type RoomPlace, type RoomType, type School, type SchoolLevel, type Scope, type Site } from '../types.js';
import { inScope, invalid, type Ctx } from './context.js';

const SCHOOL_COLS = ['s.id', 's.code', 's.name', 's.level', 's.district_id as districtId', 's.pupils'] as const;
const ROOM_COLS = ['r.id', 'r.site_id as siteId', 'r.code', 'r.name', 'r.type', 'r.capacity'] as const;

export async function ensureDistrict(c: Ctx, d: { code: string; name: string }): Promise<District> {
  await c.db.insertInto('districts').values({ code: d.code, name: d.name })
    .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') }))).execute();
  return c.db.selectFrom('districts').select(['id', 'code', 'name']).where('code', '=', d.code).executeTakeFirstOrThrow();
}

export async function ensureSchool(c: Ctx, s: { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }): Promise<School> {
  if (!SCHOOL_LEVELS.includes(s.level)) throw invalid(`unknown school level '${s.level}'; known: ${SCHOOL_LEVELS.join(', ')}`);
  await c.db.insertInto('schools').values({ code: s.code, name: s.name, level: s.level, district_id: s.districtId, pupils: s.pupils ?? 0 })
    .onConflict((oc) => oc.column('code').doUpdateSet((eb) => ({
      name: eb.ref('excluded.name'), level: eb.ref('excluded.level'), district_id: eb.ref('excluded.district_id'), pupils: eb.ref('excluded.pupils'),
    }))).execute();
  return (await school(c, s.code))!;
}

export async function ensureSite(c: Ctx, s: { schoolId: number; name: string }): Promise<Site> {
  await c.db.insertInto('sites').values({ school_id: s.schoolId, name: s.name }).onConflict((oc) => oc.columns(['school_id', 'name']).doNothing()).execute();
  return c.db.selectFrom('sites').select(['id', 'school_id as schoolId', 'name']).where('school_id', '=', s.schoolId).where('name', '=', s.name).executeTakeFirstOrThrow();
}

export async function ensureRoom(c: Ctx, r: { siteId: number; code: string; name: string; type: RoomType; capacity?: number }): Promise<Room> {
  if (!ROOM_TYPES.includes(r.type)) throw invalid(`unknown room type '${r.type}'; known: ${ROOM_TYPES.join(', ')}`);
  await c.db.insertInto('rooms').values({ site_id: r.siteId, code: r.code, name: r.name, type: r.type, capacity: r.capacity ?? 0 })
    .onConflict((oc) => oc.columns(['site_id', 'code']).doUpdateSet((eb) => ({
      name: eb.ref('excluded.name'), type: eb.ref('excluded.type'), capacity: eb.ref('excluded.capacity'),
    }))).execute();
  return c.db.selectFrom('rooms as r').select(ROOM_COLS).where('r.site_id', '=', r.siteId).where('r.code', '=', r.code).executeTakeFirstOrThrow() as Promise<Room>;
}

export async function school(c: Ctx, code: string): Promise<School | undefined> {
  return c.db.selectFrom('schools as s').select(SCHOOL_COLS).where('s.code', '=', code).executeTakeFirst() as Promise<School | undefined>;
}

export async function room(c: Ctx, id: number): Promise<Room | undefined> {
  return c.db.selectFrom('rooms as r').select(ROOM_COLS).where('r.id', '=', id).executeTakeFirst() as Promise<Room | undefined>;
}

/** Names of where rooms sit (room, site, school, district), for a page of devices in one query. */
export async function roomPlaces(c: Ctx, roomIds: Iterable<number>): Promise<Map<number, RoomPlace>> {
  const ids = [...new Set(roomIds)];
  const out = new Map<number, RoomPlace>();
  if (!ids.length) return out;
  const rows = await c.db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id').innerJoin('schools as s', 's.id', 't.school_id')
    .leftJoin('districts as d', 'd.id', 's.district_id')
    .select(['r.id as roomId', 'r.name as roomName', 't.id as siteId', 't.name as siteName', 's.id as schoolId', 's.name as schoolName',
      's.district_id as districtId', 'd.name as districtName'])
    .where('r.id', 'in', ids).execute();
  for (const r of rows) out.set(r.roomId, r);
  return out;
}

/** Active districts (retired ones are only in `places.tree(…, true)`). */
export async function districts(c: Ctx): Promise<District[]> {
  return c.db.selectFrom('districts').select(['id', 'code', 'name']).where('retired_at', 'is', null).orderBy('name').execute();
}

export async function schools(c: Ctx, scope?: Scope): Promise<School[]> {
  return c.db.selectFrom('schools as s').select(SCHOOL_COLS).where(inScope(scope)).where('s.retired_at', 'is', null).orderBy('s.name').execute() as Promise<School[]>;
}

export async function rooms(c: Ctx, scope?: Scope): Promise<(Room & { schoolId: number })[]> {
  return c.db.selectFrom('rooms as r').innerJoin('sites as t', 't.id', 'r.site_id').innerJoin('schools as s', 's.id', 't.school_id')
    .select([...ROOM_COLS, 's.id as schoolId']).where(inScope(scope)).where('r.retired_at', 'is', null)
    .orderBy('s.name').orderBy('r.code').execute() as Promise<(Room & { schoolId: number })[]>;
}
