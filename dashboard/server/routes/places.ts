import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { PlaceLevel, PlaceRef, User } from '../../../registry/index.js';
import { ROOM_TYPES, SCHOOL_LEVELS, type ResponseOf, type TreeResponse } from '../../../api/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { authorize, permissionsOf, requireVisible, userScope, type Action } from '../scope.js';

const Id = Type.Integer({ minimum: 1 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Level = Type.Union(SCHOOL_LEVELS.map((l) => Type.Literal(l)));
const RoomTypeT = Type.Union(ROOM_TYPES.map((t) => Type.Literal(t)));
const Count = Type.Integer({ minimum: 0, maximum: 1_000_000 });

/** Per level: the create body, the edit body (any subset, a new parent moves it), and who may write it. */
const LEVELS: Record<PlaceLevel, { path: string; create: TObject; patch: TObject; action: Action; parent?: { key: string; level: PlaceLevel } }> = {
  district: {
    path: 'districts', action: 'schools.write',
    create: Type.Object({ code: Text(32), name: Text(200) }, { additionalProperties: false }),
    patch: Type.Object({ code: Type.Optional(Text(32)), name: Type.Optional(Text(200)) }, { additionalProperties: false }),
  },
  school: {
    path: 'schools', action: 'schools.write', parent: { key: 'districtId', level: 'district' },
    create: Type.Object({ code: Text(32), name: Text(200), level: Level, districtId: Type.Union([Id, Type.Null()]), pupils: Type.Optional(Count) }, { additionalProperties: false }),
    patch: Type.Object({
      code: Type.Optional(Text(32)), name: Type.Optional(Text(200)), level: Type.Optional(Level),
      districtId: Type.Optional(Type.Union([Id, Type.Null()])), pupils: Type.Optional(Count),
    }, { additionalProperties: false }),
  },
  site: {
    path: 'sites', action: 'records.write', parent: { key: 'schoolId', level: 'school' },
    create: Type.Object({ schoolId: Id, name: Text(200) }, { additionalProperties: false }),
    patch: Type.Object({ schoolId: Type.Optional(Id), name: Type.Optional(Text(200)) }, { additionalProperties: false }),
  },
  room: {
    path: 'rooms', action: 'records.write', parent: { key: 'siteId', level: 'site' },
    create: Type.Object({ siteId: Id, code: Text(32), name: Text(200), type: RoomTypeT, capacity: Type.Optional(Count) }, { additionalProperties: false }),
    patch: Type.Object({
      siteId: Type.Optional(Id), code: Type.Optional(Text(32)), name: Type.Optional(Text(200)), type: Type.Optional(RoomTypeT), capacity: Type.Optional(Count),
    }, { additionalProperties: false }),
  },
};

const IdParams = Type.Object({ id: Id });
const TreeQuery = Type.Object({ includeRetired: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

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
    const action = LEVELS[level].action;
    if (!ref) return authorize(user, action);
    authorize(user, action, ref.level === 'district' ? undefined : scoped(ref));
  };
  const audit = (req: FastifyRequest, action: string, level: PlaceLevel, id: number, detail: object) =>
    deps.registry.audit(currentUser(req).username, action, level, id, detail);
  const refresh = () => deps.directory.refresh();

  app.get<Route<'GET /api/hierarchy/tree'>>('/hierarchy/tree', { preHandler: requireUser, schema: { querystring: TreeQuery } }, async (req): Promise<TreeResponse> => {
    const user = currentUser(req);
    return { ...(await places.tree(userScope(user), req.query.includeRetired ?? false)), permissions: permissionsOf(user) };
  });

  for (const level of Object.keys(LEVELS) as PlaceLevel[]) {
    const def = LEVELS[level];
    const parentRef = async (user: User, body: Record<string, unknown>): Promise<PlaceRef | undefined> => {
      if (!def.parent) return undefined;
      const pid = body[def.parent.key];
      if (pid === undefined || pid === null) return undefined;
      return existing(user, def.parent.level, pid as number);
    };

    app.post<{ Body: Record<string, unknown>; Reply: ResponseOf<'POST /api/districts'> }>(`/${def.path}`, { preHandler: requireUser, schema: { body: def.create } }, async (req, reply) => {
      const user = currentUser(req);
      const parent = await parentRef(user, req.body);
      // A school with no district sits under the Sở directly: only province-wide writers may put it there.
      mayWrite(req, level, parent?.level === 'district' ? undefined : parent);
      const create = {
        district: () => places.createDistrict(req.body as { code: string; name: string }),
        school: () => places.createSchool(req.body as Parameters<typeof places.createSchool>[0]),
        site: () => places.createSite(req.body as Parameters<typeof places.createSite>[0]),
        room: () => places.createRoom(req.body as Parameters<typeof places.createRoom>[0]),
      }[level];
      const id = await create();
      await audit(req, `${level}.create`, level, id, req.body);
      return reply.status(201).send({ id });
    });

    app.patch<{ Params: Static<typeof IdParams>; Body: Record<string, unknown>; Reply: ResponseOf<'PATCH /api/districts/:id'> }>(`/${def.path}/:id`, {
      preHandler: requireUser, schema: { params: IdParams, body: def.patch },
    }, async (req) => {
      const user = currentUser(req);
      const ref = await existing(user, level, req.params.id);
      mayWrite(req, level, ref);
      const parent = await parentRef(user, req.body);
      if (parent && parent.level !== 'district') mayWrite(req, level, parent);
      await places.update(level, req.params.id, req.body);
      await audit(req, `${level}.update`, level, req.params.id, req.body);
      await refresh();
      return { id: req.params.id };
    });

    for (const [verb, retired] of [['retire', true], ['restore', false]] as const) {
      app.post<Route<'POST /api/districts/:id/retire'>>(`/${def.path}/:id/${verb}`, { preHandler: requireUser, schema: { params: IdParams } }, async (req) => {
        const ref = await existing(currentUser(req), level, req.params.id);
        mayWrite(req, level, ref);
        await places.setRetired(level, req.params.id, retired);
        await audit(req, `${level}.${verb}`, level, req.params.id, {});
        return { id: req.params.id, retired };
      });
    }
  }
};
