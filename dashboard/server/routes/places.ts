import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { PlaceLevel, PlaceRef, User } from '../../../registry/index.js';
import type { CreatedId, TreeResponse } from '../../../api/index.js';
import type { BodyOf, RouteKey } from '../../../api/routes.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, permissionsOf, requireVisible, userScope, type Action } from '../scope.js';


type Plural = 'districts' | 'schools' | 'sites' | 'rooms';

/**
 * One level's routes: the parent field of its bodies, and how it is created. The bodies (create; edit, any subset, a
 * new parent moves it) are typed and checked by the route map (api/routes.ts, schemaOf).
 */
interface LevelDef<P extends Plural, Create = BodyOf<`POST /api/${P}`>, Patch = BodyOf<`PATCH /api/${P}/:id`>> {
  level: PlaceLevel;
  path: P;
  parent?: { key: keyof Patch & keyof Create; level: PlaceLevel };
  insert: (places: DashboardDeps['registry']['places'], body: Create) => Promise<number>;
}

const DISTRICTS: LevelDef<'districts'> = {
  level: 'district', path: 'districts',
  insert: (places, body) => places.createDistrict(body),
};
const SCHOOLS: LevelDef<'schools'> = {
  level: 'school', path: 'schools', parent: { key: 'districtId', level: 'district' },
  insert: (places, body) => places.createSchool(body),
};
const SITES: LevelDef<'sites'> = {
  level: 'site', path: 'sites', parent: { key: 'schoolId', level: 'school' },
  insert: (places, body) => places.createSite(body),
};
const ROOMS: LevelDef<'rooms'> = {
  level: 'room', path: 'rooms', parent: { key: 'siteId', level: 'site' },
  insert: (places, body) => places.createRoom(body),
};
/** Who may write each level. */
const ACTION: Record<PlaceLevel, Action> = { district: 'schools.write', school: 'schools.write', site: 'records.write', room: 'records.write' };

/**
 * GET /api/hierarchy/tree, and for each level (districts, schools, sites, rooms): POST to create, PATCH /:id to
 * edit or move (a new parent id), POST /:id/retire and /:id/restore. Districts and schools are the Sở's (admin);
 * sites and rooms may be kept by the technicians of their school.
 */
export const placeRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const places = deps.registry.places;

  /** A scoped place for the checks; a district has no school, so only province-wide roles pass a district check. */
  const scoped = (ref: PlaceRef) => ({ schoolId: ref.schoolId ?? -1, districtId: ref.districtId });
  /** A place that exists and that the user may see; districts are checked by the write rule alone (admins only). */
  const existing = async (user: User, level: PlaceLevel, id: number): Promise<PlaceRef> => {
    const ref = await places.ref(level, id);
    if (!ref) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${level} with id ${id}`);
    if (level !== 'district') requireVisible(user, scoped(ref), `${level} ${id}`);
    return ref;
  };
  /** The write check on a place (and on its new parent when it moves). */
  const mayWrite = (req: FastifyRequest, level: PlaceLevel, ref: PlaceRef | undefined) => {
    const user = currentUser(req);
    const action = ACTION[level];
    if (!ref) return authorize(user, action);
    authorize(user, action, ref.level === 'district' ? undefined : scoped(ref));
  };
  const audit = (req: FastifyRequest, action: string, level: PlaceLevel, id: number, detail: object) =>
    deps.registry.audit(currentUser(req).username, action, level, id, detail);
  const refresh = () => deps.directory.refresh();

  app.get<Route<'GET /api/hierarchy/tree'>>('/hierarchy/tree', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/hierarchy/tree') }, async (req): Promise<TreeResponse> => {
    const user = currentUser(req);
    return { ...(await places.tree(userScope(user), req.query.includeRetired ?? false)), permissions: permissionsOf(user) };
  });

  const parentRef = async <B extends object>(user: User, parent: { key: NoInfer<keyof B>; level: PlaceLevel } | undefined, body: B): Promise<PlaceRef | undefined> => {
    if (!parent) return undefined;
    const pid = body[parent.key] as number | null | undefined;
    if (pid === undefined || pid === null) return undefined;
    return existing(user, parent.level, pid);
  };
  /** POST /api/<level>s: the parent's scope decides, then the level's insert. */
  const create = async <P extends Plural, C extends object>(req: FastifyRequest, def: LevelDef<P, C, Partial<C>>, body: C): Promise<CreatedId> => {
    const parent = await parentRef(currentUser(req), def.parent, body);
    // A school with no district sits under the Sở directly: only province-wide writers may put it there.
    mayWrite(req, def.level, parent?.level === 'district' ? undefined : parent);
    const id = await def.insert(places, body);
    await audit(req, `${def.level}.create`, def.level, id, body);
    return { id };
  };
  /** PATCH /api/<level>s/:id: an edit, or a move when it names a new parent (checked too). */
  const edit = async <P extends Plural, C extends object>(req: FastifyRequest, def: LevelDef<P, C, Partial<C>>, id: number, body: Partial<C>): Promise<CreatedId> => {
    const user = currentUser(req);
    mayWrite(req, def.level, await existing(user, def.level, id));
    const parent = await parentRef(user, def.parent, body);
    if (parent && parent.level !== 'district') mayWrite(req, def.level, parent);
    await places.update(def.level, id, body);
    await audit(req, `${def.level}.update`, def.level, id, body);
    await refresh();
    return { id };
  };
  const opts = (key: RouteKey) => ({ config: { access: 'user' as const }, preHandler: requireUser, schema: schemaOf(key) });

  app.post<Route<'POST /api/districts'>>('/districts', opts('POST /api/districts'), async (req, reply) => reply.status(201).send(await create(req, DISTRICTS, req.body)));
  app.post<Route<'POST /api/schools'>>('/schools', opts('POST /api/schools'), async (req, reply) => reply.status(201).send(await create(req, SCHOOLS, req.body)));
  app.post<Route<'POST /api/sites'>>('/sites', opts('POST /api/sites'), async (req, reply) => reply.status(201).send(await create(req, SITES, req.body)));
  app.post<Route<'POST /api/rooms'>>('/rooms', opts('POST /api/rooms'), async (req, reply) => reply.status(201).send(await create(req, ROOMS, req.body)));
  app.patch<Route<'PATCH /api/districts/:id'>>('/districts/:id', opts('PATCH /api/districts/:id'), (req) => edit(req, DISTRICTS, req.params.id, req.body));
  app.patch<Route<'PATCH /api/schools/:id'>>('/schools/:id', opts('PATCH /api/schools/:id'), (req) => edit(req, SCHOOLS, req.params.id, req.body));
  app.patch<Route<'PATCH /api/sites/:id'>>('/sites/:id', opts('PATCH /api/sites/:id'), (req) => edit(req, SITES, req.params.id, req.body));
  app.patch<Route<'PATCH /api/rooms/:id'>>('/rooms/:id', opts('PATCH /api/rooms/:id'), (req) => edit(req, ROOMS, req.params.id, req.body));

  for (const def of [DISTRICTS, SCHOOLS, SITES, ROOMS]) {
    const level = def.level;
    for (const [verb, retired] of [['retire', true], ['restore', false]] as const) {
      app.post<Route<'POST /api/districts/:id/retire'>>(`/${def.path}/:id/${verb}`, { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf(`POST /api/${def.path}/:id/${verb}`) }, async (req) => {
        const ref = await existing(currentUser(req), level, req.params.id);
        mayWrite(req, level, ref);
        await places.setRetired(level, req.params.id, retired);
        await audit(req, `${level}.${verb}`, level, req.params.id, {});
        return { id: req.params.id, retired };
      });
    }
  }
};
