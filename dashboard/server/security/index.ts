import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../config/index.js';
import type { RegistryStore } from '../../../registry/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import { metricsAllowed } from '../../../lib/metrics-access.js';
import { registerAccessControl } from './access.js';
import { registerCsrfGuard } from './csrf.js';
import { registerSecurityHeaders } from './headers.js';
import { loginLimiters } from './login.js';
import { SessionEvents } from './sessions.js';
import { sessionSecret } from '../session-secret.js';

export { declarePublic, type Access } from './access.js';
export { dummyVerifyCount, verifyLogin, type LoginOutcome } from './login.js';
export { SessionEvents, SOCKET_RECHECK_MS } from './sessions.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Sessions ended on this process, for the live sockets (security/sessions.ts). */
    sessionEvents: SessionEvents;
    /** preHandler of POST /api/login: the per-address, per-user-and-address and per-user limits. */
    loginLimit: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export const sessionMaxAgeMs = (config: Config): number => Math.round(config.dashboard.sessionMaxAgeH * 3_600_000);

/**
 * The web app's defences (docs/security.md, "Web application"), registered on the root before any route: headers,
 * CSRF (origin and JSON-only bodies), deny-by-default access declarations, and the login limits.
 */
export async function registerSecurity(app: FastifyInstance, config: Config, shared: { registry: RegistryStore; now: () => number }): Promise<void> {
  registerAccessControl(app);
  registerCsrfGuard(app, config.dashboard.allowedOrigins);
  await registerSecurityHeaders(app);
  app.decorate('sessionEvents', new SessionEvents());
  app.decorate('loginLimit', await loginLimiters(app, {
    perAddressPerMin: config.dashboard.loginsPerAddressPerMin, perUserPerMin: config.dashboard.loginsPerUserPerMin,
    perUserAnyAddressPerMin: config.dashboard.loginsPerUserAnyAddressPerMin, capExempt: config.dashboard.loginCapExempt,
  }, { ...shared, keySecret: sessionSecret(config.dashboard.sessionSecret, config.dataDir) }));
}

/**
 * Fastify's `https` option when the dashboard has a certificate, with the oldest TLS version allowed; read at start
 * so a wrong path fails loudly, and again at each certificate reload (dashboard/server/index.ts).
 */
export function httpsOptions(config: Config): { cert: Buffer; key: Buffer; minVersion: SecureVersion } | undefined {
  const { tlsCertFile, tlsKeyFile, tlsMinVersion } = config.dashboard;
  if (!tlsCertFile && !tlsKeyFile) return undefined;
  if (!tlsCertFile || !tlsKeyFile) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', 'dashboard.tlsCertFile and dashboard.tlsKeyFile go together: set both, or neither for plain HTTP');
  return { cert: readFileSync(tlsCertFile), key: readFileSync(tlsKeyFile), minVersion: tlsMinVersion };
}

/**
 * /metrics: loopback or the metrics token (lib/metrics-access.ts, the rule the management port of a process without
 * a dashboard applies too).
 */
export function metricsGuard(token: string) {
  return async (req: FastifyRequest): Promise<void> => {
    const forwarded = req.headers['x-forwarded-for'] !== undefined;
    if (metricsAllowed(token, { authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress, forwarded })) return;
    throw new EdufleetError('EDUFLEET_ERR_WEB_METRICS_TOKEN');
  };
}
