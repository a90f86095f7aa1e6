import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { User } from '../../../registry/index.js';
import type { AuditResponse, QueryOf, UserRow } from '../../../api/index.js';
import { currentUser, requireUser, restamp } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Defaulted, Route } from '../route-types.js';
import { authorize } from '../scope.js';

/** The page's size and start default to 100 and 0 (the schema's defaults, filled in by validation). */
type AuditQuery = Defaulted<QueryOf<'GET /api/audit'>, 'limit' | 'offset'>;

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

  app.get<Route<'GET /api/users'>>('/users', { config: { access: 'users.manage' }, preHandler: admin, schema: schemaOf('GET /api/users') }, async (): Promise<UserRow[]> => (await reg.users()).map(toRow));

  app.post<Route<'POST /api/users'>>('/users', { config: { access: 'users.manage' }, preHandler: admin, schema: schemaOf('POST /api/users') }, async (req, reply) => {
    const u = await reg.addUser(req.body);
    await reg.audit(currentUser(req).username, 'user.create', 'user', u.id, withoutPassword(req.body));
    return reply.status(201).send(toRow(u));
  });

  app.patch<Route<'PATCH /api/users/:id'>>('/users/:id', { config: { access: 'users.manage' },
    preHandler: admin, schema: schemaOf('PATCH /api/users/:id'),
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

  app.get<Route<'GET /api/audit', { Querystring: AuditQuery }>>('/audit', { config: { access: 'audit.read' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'audit.read');
    },
    schema: schemaOf('GET /api/audit'),
  }, async (req): Promise<AuditResponse> => reg.auditLog(req.query));
};
