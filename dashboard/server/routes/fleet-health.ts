import type { FastifyPluginAsync } from 'fastify';
import type { HealthListResponse, HealthSummaryResponse, QueryOf, RoomHealthResponse } from '../../../api/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import { rollupOf } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Defaulted, Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

/** The page's size and start default to 50 and 0 (the schema's defaults, filled in by validation). */
type ListQuery = Defaulted<QueryOf<'GET /api/health/devices'>, 'limit' | 'offset'>;

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

  app.get<Route<'GET /api/health/devices', { Querystring: ListQuery }>>('/health/devices', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/health/devices') },
    async (req): Promise<HealthListResponse> => {
      const user = currentUser(req);
      authorize(user, 'alerts.read');
      const { limit, offset, ...filter } = req.query;
      if (filter.schoolId !== undefined) requireVisible(user, await schoolPlace(filter.schoolId), `school ${filter.schoolId}`);
      if (filter.roomId !== undefined) requireVisible(user, await roomPlace(filter.roomId), `room ${filter.roomId}`);
      const { total, devices } = await deps.registry.healthViews({ ...filter, q: filter.q?.trim() || undefined, scope: userScope(user) }, { limit, offset });
      return { total, limit, offset, devices };
    });

  app.get<Route<'GET /api/health/summary'>>('/health/summary', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/health/summary') },
    async (req): Promise<HealthSummaryResponse> => {
      const user = currentUser(req);
      authorize(user, 'alerts.read');
      const { level, parentId } = req.query;
      if (level === 'site' && parentId !== undefined) requireVisible(user, await schoolPlace(parentId), `school ${parentId}`);
      if (level === 'district' && parentId !== undefined) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'districts have no parent place');
      return deps.registry.healthSummary({ level, parentId }, userScope(user));
    });

  app.get<Route<'GET /api/rooms/:id/devices'>>('/rooms/:id/devices', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/rooms/:id/devices') }, async (req): Promise<RoomHealthResponse> => {
    const user = currentUser(req);
    authorize(user, 'alerts.read');
    const found = await deps.registry.roomHealth(req.params.id);
    const r = requireVisible(user, found && { ...found, schoolId: found.room.schoolId, districtId: found.room.districtId }, `room ${req.params.id}`);
    const { districtId: _district, ...room } = r.room;
    return { room, rollup: rollupOf(r.devices), devices: r.devices };
  });
};
