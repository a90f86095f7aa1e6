import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { createApiToken, listApiTokens, revokeApiToken } from '../api-tokens.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const manager = async (req: FastifyRequest) => {
  await requireUser(req);
  authorize(currentUser(req), 'tokens.manage');
};

/**
 * API tokens for machines (docs/integration.md, "API tokens"): GET /api/tokens lists them without secrets, POST
 * /api/tokens makes one and answers the token this once, POST /api/tokens/:id/revoke revokes one. Admins with a
 * session only: a token never reaches these (security/api-tokens.ts, TOKEN_BARRED). Answers are never cached.
 */
export const apiTokenRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const now = () => deps.clock.now();
  app.get<Route<'GET /api/tokens'>>('/tokens', {
    config: { access: 'tokens.manage', noStore: true }, preHandler: manager,
    schema: schemaOf('GET /api/tokens'),
  }, async () => listApiTokens(deps.registry, now()));

  app.post<Route<'POST /api/tokens'>>('/tokens', {
    config: { access: 'tokens.manage', noStore: true }, preHandler: manager,
    schema: schemaOf('POST /api/tokens'),
  }, async (req, reply) => reply.code(201).send(await createApiToken(currentUser(req), deps.registry, req.body, now())));

  app.post<Route<'POST /api/tokens/:id/revoke'>>('/tokens/:id/revoke', {
    config: { access: 'tokens.manage', noStore: true }, preHandler: manager,
    schema: schemaOf('POST /api/tokens/:id/revoke'),
  }, async (req) => revokeApiToken(currentUser(req), deps.registry, req.params.id, now()));
};
