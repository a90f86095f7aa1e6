import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ROLES } from '../../../registry/index.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../api-tokens.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const Id = Type.Integer({ minimum: 1 });
const RoleT = Type.Union(ROLES.map((r) => Type.Literal(r)));
const ScopeT = Type.Object({
  districtIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  schoolIds: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
}, { additionalProperties: false });
const CreateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: RoleT,
  scope: Type.Optional(ScopeT),
  write: Type.Optional(Type.Boolean()),
  expiresAt: Type.Integer({ minimum: 0 }),
}, { additionalProperties: false });
const Ms = Type.Union([Type.Number(), Type.Null()]);
const TokenView = Type.Object({
  id: Type.Integer(), name: Type.String(), prefix: Type.String(), role: Type.String(),
  scope: Type.Object({ districtIds: Type.Optional(Type.Array(Type.Integer())), schoolIds: Type.Optional(Type.Array(Type.Integer())) }),
  write: Type.Boolean(), expiresAt: Type.Number(), createdBy: Type.String(), createdAt: Type.Number(), lastUsedAt: Ms, revokedAt: Ms,
  state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});

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
    schema: { response: { 200: Type.Object({ tokens: Type.Array(TokenView), generatedAt: Type.Number() }) } },
  }, async () => listApiTokens(deps.registry, now()));

  app.post<Route<'POST /api/tokens', { Body: Static<typeof CreateBody> }>>('/tokens', {
    config: { access: 'tokens.manage', noStore: true }, preHandler: manager,
    schema: { body: CreateBody, response: { 201: Type.Object({ token: Type.String(), view: TokenView }) } },
  }, async (req, reply) => reply.code(201).send(await createApiToken(currentUser(req), deps.registry, req.body, now())));

  app.post<Route<'POST /api/tokens/:id/revoke'>>('/tokens/:id/revoke', {
    config: { access: 'tokens.manage', noStore: true }, preHandler: manager,
    schema: { params: Type.Object({ id: Id }, { additionalProperties: false }), response: { 200: TokenView } },
  }, async (req) => revokeApiToken(currentUser(req), deps.registry, req.params.id, now()));
};
