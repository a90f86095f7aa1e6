import type { FastifyPluginAsync } from 'fastify';
import type { DashboardDeps } from '../deps.js';

/** GET /healthz and GET /metrics: no login, for load balancers and Prometheus. */
export const healthRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get('/healthz', async () => {
    const g = deps.gateway;
    return {
      status: g?.degraded ? 'degraded' : 'ok',
      devices: deps.directory.size,
      ...(g ? { influx: g.degraded ? 'unreachable' : 'ok', spool: { pendingBytes: g.pendingBytes() } } : {}),
    };
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
};
