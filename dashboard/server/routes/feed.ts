import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { feedCsv, monthlyFeed, type FeedDeps } from '../feed.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const reader = async (req: FastifyRequest) => {
  await requireUser(req);
  authorize(currentUser(req), 'feed.read');
};

/**
 * GET /api/feed/v1/monthly and GET /api/feed/v1/monthly.csv (docs/integration.md, "Monthly feed (data upward)"): the
 * month's schools in the caller's scope, as JSON or CSV, for planners and admins, with a session or an API token. The
 * version is in the path: a changed shape is /v2 beside it (api/feed.ts).
 */
export const feedRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const d: FeedDeps = {
    registry: deps.registry, store: deps.usageStore, minCoverage: deps.config.usage.minCoverage,
    province: { code: deps.config.reports.provinceCode, name: deps.config.reports.provinceName },
  };
  app.get<Route<'GET /api/feed/v1/monthly'>>('/feed/v1/monthly', {
    config: { access: 'feed.read' }, preHandler: reader, schema: schemaOf('GET /api/feed/v1/monthly'),
  }, async (req) => monthlyFeed(d, currentUser(req), req.query.month, deps.clock.now()));

  app.get<Route<'GET /api/feed/v1/monthly.csv'>>('/feed/v1/monthly.csv', {
    config: { access: 'feed.read' }, preHandler: reader, schema: schemaOf('GET /api/feed/v1/monthly.csv'),
  }, async (req, reply) => {
    const feed = await monthlyFeed(d, currentUser(req), req.query.month, deps.clock.now());
    reply.header('content-disposition', `attachment; filename="edufleet-feed-v1-${feed.month}.csv"`);
    return reply.type('text/csv; charset=utf-8').send(feedCsv(feed));
  });
};
