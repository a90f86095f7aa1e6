import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { HealthListResponse, HealthSummaryResponse, RoomHealthResponse } from '../../../api/index.js';
import { HEALTH_LEVELS, PRESENCES } from '../../../domain/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import { DEVICE_KINDS } from '../../../protocol/index.js';
import { MAX_HEALTH_PAGE, rollupOf } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

const Id = Type.Integer({ minimum: 1 });
const lits = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const ListQuery = Type.Object({
  districtId: Type.Optional(Id),
  schoolId: Type.Optional(Id),
  siteId: Type.Optional(Id),
  roomId: Type.Optional(Id),
  kind: Type.Optional(lits(DEVICE_KINDS)),
  level: Type.Optional(lits(HEALTH_LEVELS)),
  presence: Type.Optional(lits(PRESENCES)),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Integer({ minimum: 1, maximum: MAX_HEALTH_PAGE, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
}, { additionalProperties: false });
const SummaryQuery = Type.Object({
  level: lits(['district', 'school', 'site', 'room'] as const),
  parentId: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
const IdParams = Type.Object({ id: Id });

/**
 * The health screens' routes (docs/alerts.md): GET /api/health/devices (worst first, paged), GET /api/health/summary
 * (rollups per place) and GET /api/rooms/:id/devices. Reading health takes `alerts.read` (planners do not); the
 * registry applies the user's scope to every list, and a place named in the query must be visible (403).
 */
export const fleetHealthRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const schoolPlace = async (schoolId: number) => {
    const ref = await deps.registry.places.ref('school', schoolId);
    return ref && { schoolId: ref.id, districtId: ref.districtId };
  };
  const roomPlace = async (roomId: number) => (await deps.registry.roomPlaces([roomId])).get(roomId);

  app.get<Route<'GET /api/health/devices', { Querystring: Static<typeof ListQuery> }>>('/health/devices', { config: { access: 'user' }, preHandler: requireUser, schema: { querystring: ListQuery } },
    async (req): Promise<HealthListResponse> => {
      const user = currentUser(req);
      authorize(user, 'alerts.read');
      const { limit, offset, ...filter } = req.query;
      if (filter.schoolId !== undefined) requireVisible(user, await schoolPlace(filter.schoolId), `school ${filter.schoolId}`);
      if (filter.roomId !== undefined) requireVisible(user, await roomPlace(filter.roomId), `room ${filter.roomId}`);
      const { total, devices } = await deps.registry.healthViews({ ...filter, q: filter.q?.trim() || undefined, scope: userScope(user) }, { limit, offset });
      return { total, limit, offset, devices };
    });

  app.get<Route<'GET /api/health/summary', { Querystring: Static<typeof SummaryQuery> }>>('/health/summary', { config: { access: 'user' }, preHandler: requireUser, schema: { querystring: SummaryQuery } },
    async (req): Promise<HealthSummaryResponse> => {
      const user = currentUser(req);
      authorize(user, 'alerts.read');
      const { level, parentId } = req.query;
      if (level === 'site' && parentId !== undefined) requireVisible(user, await schoolPlace(parentId), `school ${parentId}`);
      if (level === 'district' && parentId !== undefined) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'districts have no parent place');
      return deps.registry.healthSummary({ level, parentId }, userScope(user));
    });

  app.get<Route<'GET /api/rooms/:id/devices'>>('/rooms/:id/devices', { config: { access: 'user' }, preHandler: requireUser, schema: { params: IdParams } }, async (req): Promise<RoomHealthResponse> => {
    const user = currentUser(req);
    authorize(user, 'alerts.read');
    const found = await deps.registry.roomHealth(req.params.id);
    const r = requireVisible(user, found && { ...found, schoolId: found.room.schoolId, districtId: found.room.districtId }, `room ${req.params.id}`);
    const { districtId: _district, ...room } = r.room;
    return { room, rollup: rollupOf(r.devices), devices: r.devices };
  });
};
