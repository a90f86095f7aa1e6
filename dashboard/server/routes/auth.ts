import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { User } from '../../../registry/index.js';
import type { Me } from '../../../api/index.js';
import { currentUser, requireUser, SESSION_COOKIE } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { permissionsOf } from '../scope.js';

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 128 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { additionalProperties: false });

export const MeSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  scope: Type.Object({ districtIds: Type.Optional(Type.Array(Type.Integer())), schoolIds: Type.Optional(Type.Array(Type.Integer())) }),
  permissions: Type.Object({
    editRecords: Type.Boolean(), provision: Type.Boolean(), editSchools: Type.Boolean(), manageUsers: Type.Boolean(), readAudit: Type.Boolean(),
    readAlerts: Type.Boolean(), actOnAlerts: Type.Boolean(), configureAlerts: Type.Boolean(), sendCommands: Type.Boolean(),
  }),
});

const toMe = (u: User): Me => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, scope: u.scope, permissions: permissionsOf(u) });

/** POST /api/login, POST /api/logout, GET /api/me. */
export const authRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.post<Route<'POST /api/login'>>('/login', { schema: { body: LoginBody, response: { 200: MeSchema } } }, async (req) => {
    const user = await deps.registry.verifyUser(req.body.username, req.body.password);
    if (!user) {
      req.log.warn({ username: req.body.username }, 'failed dashboard login');
      throw new EdufleetError('EDUFLEET_ERR_AUTH_BAD_LOGIN');
    }
    // A fresh session id at login: a session id planted before login is worth nothing after it.
    await req.session.regenerate();
    req.session.set('userId', user.id);
    return toMe(user);
  });

  app.post<Route<'POST /api/logout'>>('/logout', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async (req, reply) => {
    if (req.session.get('userId') !== undefined) await req.session.destroy();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get<Route<'GET /api/me'>>('/me', { preHandler: requireUser, schema: { response: { 200: MeSchema } } }, async (req) => toMe(currentUser(req)));
};
