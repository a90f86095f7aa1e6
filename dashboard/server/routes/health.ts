import type { FastifyPluginAsync } from 'fastify';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';

/**
 * GET /healthz and GET /metrics: no login, for load balancers and Prometheus. /healthz stays 200 while degraded:
 * the process is up and serving; `components` says which part is failing, with its last error and since when.
 */
export const healthRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /healthz'>>('/healthz', async () => {
    const g = deps.gateway;
    const components = deps.health?.() ?? [];
    const degraded = g?.degraded || components.some((c) => c.state === 'degraded');
    return {
      status: degraded ? 'degraded' : 'ok',
      devices: deps.directory.size,
      ...(g ? { influx: g.degraded ? 'unreachable' : 'ok', spool: { pendingBytes: g.pendingBytes() } } : {}),
      components,
    };
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
};
