import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { liveLookup } from '../live-lookup.js';
import { computeOverview } from '../overview.js';

/** GET /api/overview: online / offline / problem counts per kind and per school, and totals, within the user's scope. */
export const overviewRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/overview'>>('/overview', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/overview') }, async (req) =>
    computeOverview(currentUser(req), deps.registry, deps.directory, (ids) => liveLookup(deps, ids), deps.clock.now()));
};
