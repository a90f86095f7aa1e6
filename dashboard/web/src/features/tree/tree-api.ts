import type { CreatedId, RetiredResponse } from '../../../../../api/index.js';
import type { BodyOf } from '../../../../../api/routes.js';
import { call } from '../../api.js';
import type { Level } from './tree-model.js';

/** The path of each level's routes: every level has the same four (api/routes.ts PlaceRoutes). */
const PATH = { district: 'districts', school: 'schools', site: 'sites', room: 'rooms' } as const;
type Plural = (typeof PATH)[Level];

/**
 * A place's create or edit (only the changed fields, built generically by the form from the level's fields):
 * POST /api/<level>s or PATCH /api/<level>s/:id. The server validates the body against the level's schema.
 */
export function savePlace(level: Level, body: Record<string, unknown>, editId?: number): Promise<CreatedId> {
  const path = PATH[level];
  if (editId === undefined) return call(`POST /api/${path}`, { body: body as unknown as BodyOf<`POST /api/${Plural}`> });
  return call(`PATCH /api/${path}/:id`, { params: { id: editId }, body: body as unknown as BodyOf<`PATCH /api/${Plural}/:id`> });
}

/** POST /api/<level>s/:id/retire or …/restore. */
export function setPlaceRetired(level: Level, id: number, verb: 'retire' | 'restore'): Promise<RetiredResponse> {
  return call(`POST /api/${PATH[level]}/:id/${verb}`, { params: { id } });
}
