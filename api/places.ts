/** The hierarchy (districts, schools, sites, rooms): the filters' short list, the tree, and its edits. */
import type { RoomType, SchoolLevel } from '../domain/index.js';
import type { Permissions } from './auth.js';

export { SCHOOL_LEVELS, ROOM_TYPES } from '../domain/index.js';
export type { SchoolLevel, RoomType } from '../domain/index.js';

/** GET /api/hierarchy: the districts, schools and rooms within the user's scope (for filters and navigation). */
export interface HierarchyResponse {
  districts: { id: number; code: string; name: string }[];
  schools: { id: number; code: string; name: string; level: string; districtId: number | null }[];
  rooms: { id: number; code: string; name: string; type: string; schoolId: number }[];
}

/** GET /api/hierarchy/tree: every level within the user's scope, flat (the web app nests them); retired ones on request. */
export interface TreeResponse {
  districts: { id: number; code: string; name: string; retired: boolean }[];
  schools: { id: number; code: string; name: string; level: SchoolLevel; districtId: number | null; pupils: number; retired: boolean }[];
  sites: { id: number; schoolId: number; name: string; retired: boolean }[];
  rooms: { id: number; siteId: number; schoolId: number; code: string; name: string; type: RoomType; capacity: number; retired: boolean; devices: number }[];
  permissions: Permissions;
}
export interface TreeQuery { includeRetired?: boolean }

/** Bodies of POST (create) and PATCH (edit, move) on /api/districts, /api/schools, /api/sites, /api/rooms. */
export interface DistrictInput { code: string; name: string }
export interface SchoolInput { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }
export interface SiteInput { schoolId: number; name: string }
export interface RoomInput { siteId: number; code: string; name: string; type: RoomType; capacity?: number }

/** The answer of POST /api/<level>/:id/retire and …/restore. */
export interface RetiredResponse { id: number; retired: boolean }
