import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { computeKpi } from '../kpi.js';
import { liveLookup } from '../live-lookup.js';

/** GET /api/kpi: the digital-records KPI per school, district and province, within the user's scope; every role. */
export const kpiRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/kpi'>>('/kpi', { config: { access: 'user' },
    preHandler: requireUser,
    schema: schemaOf('GET /api/kpi'),
  }, async (req) => computeKpi(currentUser(req), deps.registry, (ids) => liveLookup(deps, ids), deps.clock.now()));
};
