import type { FastifyPluginAsync } from 'fastify';
import type { HierarchyResponse } from '../../../api/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { userScope } from '../scope.js';

/** GET /api/hierarchy: the districts, schools and rooms within the user's scope (for filters and navigation). */
export const hierarchyRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/hierarchy'>>('/hierarchy', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/hierarchy') }, async (req): Promise<HierarchyResponse> => {
    const scope = userScope(currentUser(req));
    const schools = await deps.registry.schools(scope);
    const districtIds = new Set(schools.map((s) => s.districtId));
    return {
      districts: (await deps.registry.districts()).filter((d) => !scope || districtIds.has(d.id)),
      schools: schools.map((s) => ({ id: s.id, code: s.code, name: s.name, level: s.level, districtId: s.districtId })),
      rooms: (await deps.registry.rooms(scope)).map((r) => ({ id: r.id, code: r.code, name: r.name, type: r.type, schoolId: r.schoolId })),
    };
  });
};
