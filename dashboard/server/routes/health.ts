import type { FastifyPluginAsync } from 'fastify';
import { healthReport } from '../../../lib/healthz.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { metricsGuard } from '../security/index.js';

/**
 * GET /healthz and GET /metrics: no login, for load balancers and Prometheus. The body and status of /healthz come
 * from lib/healthz.ts, shared with the management port of a process without a dashboard (app/management.ts): 200
 * while serving, degraded or not; `components` says which part is failing, with its last error and since when.
 * /metrics answers loopback or the metrics token only (security/index.ts): it names schools and counts devices.
 */
export const healthRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /healthz'>>('/healthz', { config: { access: 'public' }, schema: schemaOf('GET /healthz') }, async (_req, reply) => {
    const { statusCode, body } = healthReport({ node: deps.config.node.name, devices: deps.directory.size, components: deps.health?.() ?? [], gateway: deps.gateway });
    return reply.code(statusCode).send(body);
  });

  app.get('/metrics', { config: { access: 'public' }, schema: schemaOf('GET /metrics'), onRequest: metricsGuard(deps.config.dashboard.metricsToken) }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
};
