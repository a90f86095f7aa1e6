import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { ROLES, type User } from '../../../registry/index.js';
import type { AuditResponse, UserRow } from '../../../api/index.js';
import { currentUser, requireUser, restamp } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const Id = Type.Integer({ minimum: 1 });
const RoleT = Type.Union(ROLES.map((r) => Type.Literal(r)));
const ScopeT = Type.Object({
  districtIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  schoolIds: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
}, { additionalProperties: false });
const Password = Type.String({ minLength: 8, maxLength: 1024 });
const CreateBody = Type.Object({
  username: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' }),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Password,
  role: RoleT,
  scope: Type.Optional(ScopeT),
}, { additionalProperties: false });
const PatchBody = Type.Object({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Type.Optional(Password),
  role: Type.Optional(RoleT),
  scope: Type.Optional(ScopeT),
  disabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const AuditQuery = Type.Object({
  entity: Type.Optional(Type.String({ maxLength: 32 })),
  entityId: Type.Optional(Type.String({ maxLength: 128 })),
  byUser: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
}, { additionalProperties: false });

const toRow = (u: User): UserRow => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, scope: u.scope, disabled: u.disabled, createdAt: u.createdAt });
/** Passwords never reach the audit log. */
const withoutPassword = (body: Record<string, unknown>) => ({ ...body, ...(body.password !== undefined ? { password: '(changed)' } : {}) });

/** Users and roles (admins only): GET/POST /api/users, PATCH /api/users/:id; and the audit log, GET /api/audit. */
export const userRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const admin = async (req: Parameters<typeof currentUser>[0]) => {
    await requireUser(req);
    authorize(currentUser(req), 'users.manage');
  };

  app.get<Route<'GET /api/users'>>('/users', { config: { access: 'users.manage' }, preHandler: admin }, async (): Promise<UserRow[]> => (await reg.users()).map(toRow));

  app.post<Route<'POST /api/users', { Body: Static<typeof CreateBody> }>>('/users', { config: { access: 'users.manage' }, preHandler: admin, schema: { body: CreateBody } }, async (req, reply) => {
    const u = await reg.addUser(req.body);
    await reg.audit(currentUser(req).username, 'user.create', 'user', u.id, withoutPassword(req.body));
    return reply.status(201).send(toRow(u));
  });

  app.patch<Route<'PATCH /api/users/:id', { Body: Static<typeof PatchBody> }>>('/users/:id', { config: { access: 'users.manage' },
    preHandler: admin, schema: { params: Type.Object({ id: Id }), body: PatchBody },
  }, async (req) => {
    const me = currentUser(req);
    // An admin cannot lock themselves out: the province would be left without anyone who can manage users.
    if (req.params.id === me.id && (req.body.disabled || (req.body.role && req.body.role !== 'admin'))) {
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', 'you cannot disable yourself or take away your own admin role; ask another admin');
    }
    const u = await reg.updateUser(req.params.id, req.body);
    await reg.audit(me.username, 'user.update', 'user', u.id, withoutPassword(req.body));
    // The sessions themselves end on their next request or socket check (auth.ts: the password stamp, the disabled
    // flag); this process's live sockets of the user are cut off now. An admin who changed their own password keeps
    // this session.
    if (req.body.password !== undefined || req.body.disabled) {
      const keep = u.id === me.id ? req.session.sessionId : undefined;
      if (keep) await restamp(req, reg);
      app.sessionEvents.userRevoked(u.id, keep);
    }
    // A new role or scope: this process's live sockets of the user are re-scoped before the answer, so nothing of a
    // school they lost is pushed to them after it (other processes follow within dashboard.socketRecheckMs).
    if (req.body.role !== undefined || req.body.scope !== undefined) await app.sessionEvents.userChanged(u.id);
    return toRow(u);
  });

  app.get<Route<'GET /api/audit', { Querystring: Static<typeof AuditQuery> }>>('/audit', { config: { access: 'audit.read' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'audit.read');
    },
    schema: { querystring: AuditQuery },
  }, async (req): Promise<AuditResponse> => reg.auditLog(req.query));
};
