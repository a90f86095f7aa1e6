import type { FastifyPluginAsync } from 'fastify';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { metricsGuard } from '../security/index.js';

/**
 * GET /healthz and GET /metrics: no login, for load balancers and Prometheus. /healthz stays 200 while degraded:
 * the process is up and serving; `components` says which part is failing, with its last error and since when.
 * /metrics answers loopback or the metrics token only (security/index.ts): it names schools and counts devices.
 */
export const healthRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /healthz'>>('/healthz', { config: { access: 'public' } }, async () => {
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

  app.get('/metrics', { config: { access: 'public' }, onRequest: metricsGuard(deps.config.dashboard.metricsToken) }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
};
