/** The hierarchy (districts, schools, sites, rooms): the filters' short list, the tree, and its edits. */
import { Type, type Static } from '@sinclair/typebox';
import { ROOM_TYPES, SCHOOL_LEVELS } from '../domain/index.js';
import { Permissions } from './auth.js';
import { Id, lit, Nullable, Obj } from './kit.js';

export { SCHOOL_LEVELS, ROOM_TYPES } from '../domain/index.js';

export const SchoolLevel = lit(SCHOOL_LEVELS);
export type SchoolLevel = Static<typeof SchoolLevel>;
export const RoomType = lit(ROOM_TYPES);
export type RoomType = Static<typeof RoomType>;

/** GET /api/hierarchy: the districts, schools and rooms within the user's scope (for filters and navigation). */
export const HierarchyResponse = Obj({
  districts: Type.Array(Obj({ id: Type.Integer(), code: Type.String(), name: Type.String() })),
  schools: Type.Array(Obj({ id: Type.Integer(), code: Type.String(), name: Type.String(), level: Type.String(), districtId: Nullable(Type.Integer()) })),
  rooms: Type.Array(Obj({ id: Type.Integer(), code: Type.String(), name: Type.String(), type: Type.String(), schoolId: Type.Integer() })),
});
export type HierarchyResponse = Static<typeof HierarchyResponse>;

/** GET /api/hierarchy/tree: every level within the user's scope, flat (the web app nests them); retired ones on request. */
export const TreeResponse = Obj({
  districts: Type.Array(Obj({ id: Type.Integer(), code: Type.String(), name: Type.String(), retired: Type.Boolean() })),
  schools: Type.Array(Obj({
    id: Type.Integer(), code: Type.String(), name: Type.String(), level: SchoolLevel, districtId: Nullable(Type.Integer()), pupils: Type.Integer(), retired: Type.Boolean(),
  })),
  sites: Type.Array(Obj({ id: Type.Integer(), schoolId: Type.Integer(), name: Type.String(), retired: Type.Boolean() })),
  rooms: Type.Array(Obj({
    id: Type.Integer(), siteId: Type.Integer(), schoolId: Type.Integer(), code: Type.String(), name: Type.String(), type: RoomType,
    capacity: Type.Integer(), retired: Type.Boolean(), devices: Type.Integer(),
  })),
  permissions: Permissions,
});
export type TreeResponse = Static<typeof TreeResponse>;
export const TreeQuery = Obj({ includeRetired: Type.Optional(Type.Boolean()) });
export type TreeQuery = Static<typeof TreeQuery>;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Count = Type.Integer({ minimum: 0, maximum: 1_000_000 });

/** Bodies of POST (create) and PATCH (edit, move: any subset, a new parent moves it) on /api/districts, /api/schools, /api/sites, /api/rooms. */
export const DistrictInput = Obj({ code: Text(32), name: Text(200) });
export type DistrictInput = Static<typeof DistrictInput>;
export const SchoolInput = Obj({ code: Text(32), name: Text(200), level: SchoolLevel, districtId: Nullable(Id), pupils: Type.Optional(Count) });
export type SchoolInput = Static<typeof SchoolInput>;
export const SiteInput = Obj({ schoolId: Id, name: Text(200) });
export type SiteInput = Static<typeof SiteInput>;
export const RoomInput = Obj({ siteId: Id, code: Text(32), name: Text(200), type: RoomType, capacity: Type.Optional(Count) });
export type RoomInput = Static<typeof RoomInput>;
export const DistrictPatch = Type.Partial(DistrictInput, { additionalProperties: false });
export const SchoolPatch = Type.Partial(SchoolInput, { additionalProperties: false });
export const SitePatch = Type.Partial(SiteInput, { additionalProperties: false });
export const RoomPatch = Type.Partial(RoomInput, { additionalProperties: false });

/** The answer of POST /api/<level>/:id/retire and …/restore. */
export const RetiredResponse = Obj({ id: Type.Integer(), retired: Type.Boolean() });
export type RetiredResponse = Static<typeof RetiredResponse>;
