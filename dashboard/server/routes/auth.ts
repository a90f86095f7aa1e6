import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { User } from '../../../registry/index.js';
import type { Me } from '../../../api/index.js';
import { currentUser, requireUser, SESSION_COOKIE, startSession } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { permissionsOf } from '../scope.js';
import { verifyLogin } from '../security/index.js';

/** The audit log's "by" of a failed login: nobody proved who they are. */
const FAILED_LOGIN_BY = 'anonymous';

const toMe = (u: User): Me => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, scope: u.scope, permissions: permissionsOf(u) });

/**
 * POST /api/login, POST /api/logout, GET /api/me. Logins, failed logins (the address, and the account when the name
 * is a real one) and logouts go to the audit log; answers about the session are never cached.
 */
export const authRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  app.post<Route<'POST /api/login'>>('/login', {
    config: { access: 'public', noStore: true }, preHandler: app.loginLimit, schema: schemaOf('POST /api/login'),
  }, async (req) => {
    const { user, accountId } = await verifyLogin(reg, req.body.username, req.body.password);
    if (!user) {
      // That a login failed, from where, and on which account when the name is a real one; never the name typed
      // (a typo, a colleague's name, or a password typed into the wrong field), nor the password.
      const detail = accountId === undefined ? { address: req.ip } : { address: req.ip, userId: accountId };
      req.log.warn(detail, 'failed dashboard login');
      await reg.audit(FAILED_LOGIN_BY, 'auth.login.failed', 'session', accountId ?? '', detail);
      throw new EdufleetError('EDUFLEET_ERR_AUTH_BAD_LOGIN');
    }
    await startSession(req, reg, user, deps.clock.now());
    await reg.audit(user.username, 'auth.login', 'session', user.id, { address: req.ip });
    return toMe(user);
  });

  app.post<Route<'POST /api/logout'>>('/logout', {
    config: { access: 'public' }, schema: schemaOf('POST /api/logout'),
  }, async (req, reply) => {
    const sid = req.session.sessionId;
    if (req.session.get('userId') !== undefined) await req.session.destroy();
    if (req.user) {
      await reg.audit(req.user.username, 'auth.logout', 'session', req.user.id, { address: req.ip });
      app.sessionEvents.sessionEnded(sid);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get<Route<'GET /api/me'>>('/me', {
    config: { access: 'user', noStore: true }, preHandler: requireUser, schema: schemaOf('GET /api/me'),
  }, async (req) => toMe(currentUser(req)));
};
