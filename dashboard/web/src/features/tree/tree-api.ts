import type {
  CreatedId, DistrictInput, RetiredResponse, RoomInput, RoomType, SchoolInput, SchoolLevel, SiteInput,
} from '../../../../../api/index.js';
import { call } from '../../api.js';
import type { Level } from './tree-model.js';

/** The path of each level's routes: every level has the same four (api/routes.ts PlaceRoutes). */
const PATH = { district: 'districts', school: 'schools', site: 'sites', room: 'rooms' } as const;

/** The body of each level's create; its edit sends a part of it. */
export interface PlaceInputs { district: DistrictInput; school: SchoolInput; site: SiteInput; room: RoomInput }

/** A place as typed in its form: every field a string ('' empty); which fields count depends on the level. */
export interface PlaceValues {
  code: string; name: string; level: string; districtId: string; pupils: string; schoolId: string; siteId: string; type: string; capacity: string;
}

/** A count typed in a form: left out when empty (the server keeps or defaults it). */
const count = <F extends string>(field: F, v: string): { [K in F]?: number } =>
  (v.trim() === '' ? {} : { [field]: Number(v.trim()) }) as { [K in F]?: number };

/** The JSON each level sends: ids and counts as numbers, an empty district as null (the school is then under the Sở). */
const INPUT: { [L in Level]: (v: PlaceValues) => PlaceInputs[L] } = {
  district: (v) => ({ code: v.code.trim(), name: v.name.trim() }),
  school: (v) => ({
    code: v.code.trim(), name: v.name.trim(), level: v.level as SchoolLevel,
    districtId: v.districtId.trim() === '' ? null : Number(v.districtId), ...count('pupils', v.pupils),
  }),
  site: (v) => ({ name: v.name.trim(), schoolId: Number(v.schoolId) }),
  room: (v) => ({ siteId: Number(v.siteId), code: v.code.trim(), name: v.name.trim(), type: v.type as RoomType, ...count('capacity', v.capacity) }),
};

const SAVE: { [L in Level]: { create: (b: PlaceInputs[L]) => Promise<CreatedId>; edit: (id: number, b: Partial<PlaceInputs[L]>) => Promise<CreatedId> } } = {
  district: { create: (body) => call('POST /api/districts', { body }), edit: (id, body) => call('PATCH /api/districts/:id', { params: { id }, body }) },
  school: { create: (body) => call('POST /api/schools', { body }), edit: (id, body) => call('PATCH /api/schools/:id', { params: { id }, body }) },
  site: { create: (body) => call('POST /api/sites', { body }), edit: (id, body) => call('PATCH /api/sites/:id', { params: { id }, body }) },
  room: { create: (body) => call('POST /api/rooms', { body }), edit: (id, body) => call('PATCH /api/rooms/:id', { params: { id }, body }) },
};

/** The fields of `after` that differ from `before`: an edit sends only what changed. */
function changed<T extends object>(after: T, before: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(after) as (keyof T)[]) if (after[k] !== before[k]) out[k] = after[k];
  return out;
}

/**
 * A place's create (POST /api/<level>s) or edit (PATCH /api/<level>s/:id with only the changed fields), to send when
 * the form is not busy; null when an edit changed nothing. The server validates the body against the level's schema.
 */
export function savePlace<L extends Level>(level: L, values: PlaceValues, edit?: { id: number; before: PlaceValues }): (() => Promise<CreatedId>) | null {
  const input = INPUT[level](values);
  if (!edit) return () => SAVE[level].create(input);
  const body = changed(input, INPUT[level](edit.before));
  return Object.keys(body).length === 0 ? null : () => SAVE[level].edit(edit.id, body);
}

/** POST /api/<level>s/:id/retire or …/restore. */
export function setPlaceRetired(level: Level, id: number, verb: 'retire' | 'restore'): Promise<RetiredResponse> {
  return call(`POST /api/${PATH[level]}/:id/${verb}`, { params: { id } });
}
