import Fastify, { type FastifyInstance } from 'fastify';
import { trustedProxies } from '../../lib/trusted-proxies.js';
import { registerAuth } from './auth.js';
import { registerApiTokenAuth } from './security/api-tokens.js';
import { httpsOptions, registerSecurity, sessionMaxAgeMs } from './security/index.js';
import type { DashboardDeps } from './deps.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandler } from './errors.js';
import { refuseUnstorableValues } from './request-values.js';
import { LiveHub } from './live-hub.js';
import { registerOpenApi } from './openapi.js';
import { apiTokenRoutes } from './routes/api-tokens.js';
import { alertRoutes } from './routes/alerts.js';
import { commandRunRoutes } from './routes/command-runs.js';
import { commandRoutes } from './routes/commands.js';
import { scheduleRoutes } from './routes/schedules.js';
import { authRoutes } from './routes/auth.js';
import { deviceRoutes } from './routes/devices.js';
import { deviceHistoryRoutes } from './routes/device-history.js';
import { fleetHealthRoutes } from './routes/fleet-health.js';
import { healthRoutes } from './routes/health.js';
import { hierarchyRoutes } from './routes/hierarchy.js';
import { kindRoutes } from './routes/kinds.js';
import { importRoutes, registerExportRoutes } from './routes/imports.js';
import { kpiRoutes } from './routes/kpi.js';
import { edgeRoutes } from './routes/edges.js';
import { edgeImportRoutes } from './routes/edge-imports.js';
import { edgeBundleRoutes } from './routes/edge-bundles.js';
import { notificationRoutes } from './routes/notifications.js';
import { overviewRoutes } from './routes/overview.js';
import { placeRoutes } from './routes/places.js';
import { recordRoutes } from './routes/records.js';
import { subscriptionRoutes, usageRoutes } from './routes/usage.js';
import { feedRoutes } from './routes/feed.js';
import { integrationAccountRoutes } from './routes/integration-accounts.js';
import { userRoutes } from './routes/users.js';
import { wallRoutes } from './routes/wall.js';
import { sessionSecret } from './session-secret.js';
import { registerWeb } from './web.js';

export interface BuildAppOptions extends DashboardDeps {
  /** Where the built web app lives (default dashboard/web/dist). */
  webDist?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveHub;
  }
}

/** The dashboard as a Fastify app, not yet listening: tests and `startDashboard` both build it here. */
export async function buildApp(o: BuildAppOptions): Promise<FastifyInstance> {
  const https = httpsOptions(o.config);
  const proxies = trustedProxies('dashboard.trustedProxies', o.config.dashboard.trustedProxies);
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'dashboard' }),
    ...(https ? { https } : {}),
    // Only the configured proxies (dashboard.trustedProxies, loopback by default) may speak for the client
    // (X-Forwarded-For/-Proto): from anywhere else the header would let anyone pick the address the login limit counts.
    trustProxy: (address: string) => proxies.has(address),
    bodyLimit: 64 * 1024,
    // An unknown field is a mistake to report (400), not something to drop silently: a typo in `costVnd` must not
    // look like a successful edit.
    ajv: { customOptions: { removeAdditional: false } },
    // What Fastify and Node answer before any route (a URL that does not decode, unreadable HTTP) is `{ code, message }` too.
    frameworkErrors, clientErrorHandler,
  }) as unknown as FastifyInstance; // pino's Logger type is wider than Fastify's default; the instance is the same
  registerErrorHandler(app);
  refuseUnstorableValues(app);
  // Answers leave exactly as the handler returns them. With a response schema Fastify would serialise through
  // fast-json-stringify, which drops fields the schema lacks and coerces types: a wrong schema would then quietly break
  // the web app instead of failing a test. The schemas describe the answers (the OpenAPI document); the tests
  // (test/dashboard/openapi.test.ts) check every route's real answers against them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  await registerSecurity(app, o.config, { registry: o.registry, now: () => o.clock.now() });
  const store = await registerAuth(app, {
    registry: o.registry,
    secret: sessionSecret(o.config.dashboard.sessionSecret, o.config.dataDir),
    secureCookies: o.config.dashboard.secureCookies,
    clock: o.clock,
    maxAgeMs: sessionMaxAgeMs(o.config),
  });
  // After the sessions: a bearer request with a session cookie is refused, and the token's rate limit uses the plugin registerSecurity set up.
  registerApiTokenAuth(app, { registry: o.registry, now: () => o.clock.now(), perMin: o.config.dashboard.apiTokenRequestsPerMin });
  // A timer's throw would be an uncaught exception; a purge that fails is simply tried again in an hour.
  const purge = setInterval(() => {
    Promise.resolve().then(() => store.purgeExpired()).catch((err: unknown) => o.log.error({ err }, 'expired sessions not purged; retrying in an hour'));
  }, 60 * 60 * 1000).unref();

  // Before every route: the document is collected from the routes as they are added.
  await registerOpenApi(app);
  await app.register(healthRoutes, o);
  await app.register(async (api) => {
    await api.register(authRoutes, o);
    await api.register(overviewRoutes, o);
    await api.register(kpiRoutes, o);
    await api.register(wallRoutes, o);
    await api.register(edgeRoutes, o);
    await api.register(edgeImportRoutes, o);
    await api.register(edgeBundleRoutes, o);
    await api.register(deviceRoutes, o);
    await api.register(deviceHistoryRoutes, o);
    await api.register(hierarchyRoutes, o);
    await api.register(kindRoutes);
    await api.register(placeRoutes, o);
    await api.register(recordRoutes, o);
    await api.register(userRoutes, o);
    await api.register(apiTokenRoutes, o);
    await api.register(importRoutes, o);
    await api.register(registerExportRoutes, o);
    await api.register(usageRoutes, o);
    await api.register(subscriptionRoutes, o);
    await api.register(feedRoutes, o);
    await api.register(integrationAccountRoutes, o);
    await api.register(notificationRoutes, o);
    await api.register(alertRoutes, o);
    await api.register(fleetHealthRoutes, o);
    await api.register(commandRoutes, o);
    await api.register(scheduleRoutes, o);
    await api.register(commandRunRoutes, o);
  }, { prefix: '/api' });
  await registerWeb(app, o.webDist);

  const hub = new LiveHub(app, o);
  app.decorate('live', hub);
  app.addHook('onReady', async () => hub.start());
  app.addHook('preClose', async () => {
    clearInterval(purge);
    await hub.stop();
  });
  return app;
}
