import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { createIntegration, listIntegrations, revokeIntegration } from '../integration-accounts.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const manager = async (req: FastifyRequest) => {
  await requireUser(req);
  authorize(currentUser(req), 'integrations.manage');
};

/**
 * Integration accounts (docs/integration.md, "Integration accounts (MQTT)"): GET /api/integrations lists them without
 * secrets, POST /api/integrations makes one and answers its secret this once, POST /api/integrations/:name/revoke
 * revokes one (its clients are closed). Admins with a session only: a token never reaches these (TOKEN_BARRED).
 */
export const integrationAccountRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const now = () => deps.clock.now();
  app.get<Route<'GET /api/integrations'>>('/integrations', {
    config: { access: 'integrations.manage', noStore: true }, preHandler: manager, schema: schemaOf('GET /api/integrations'),
  }, async () => listIntegrations(deps.registry, now()));

  app.post<Route<'POST /api/integrations'>>('/integrations', {
    config: { access: 'integrations.manage', noStore: true }, preHandler: manager, schema: schemaOf('POST /api/integrations'),
  }, async (req, reply) => reply.code(201).send(await createIntegration(currentUser(req), deps.registry, req.body, now())));

  app.post<Route<'POST /api/integrations/:name/revoke'>>('/integrations/:name/revoke', {
    config: { access: 'integrations.manage', noStore: true }, preHandler: manager, schema: schemaOf('POST /api/integrations/:name/revoke'),
  }, async (req) => revokeIntegration(currentUser(req), deps.registry, req.params.name, now()));
};
