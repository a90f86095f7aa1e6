import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { WallService } from '../wall.js';

/**
 * GET /api/wall: the operations-centre wall's figures within the caller's scope (docs/integration.md, "The
 * operations-centre wall"). Access `wall.read`: a wall token (the only route it may call), or an admin's or planner's
 * session previewing the wall. The screen asks every 5 s; the answer is never cached by a browser or a proxy, as it
 * is the screen's live state and may be a scope's.
 */
export const wallRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const wall = new WallService(deps);
  app.get<Route<'GET /api/wall'>>('/wall', {
    config: { access: 'wall.read', noStore: true }, preHandler: requireUser, schema: schemaOf('GET /api/wall'),
  }, async (req) => wall.read(currentUser(req)));
};
