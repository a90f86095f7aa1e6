import { readFileSync } from 'node:fs';
import path from 'node:path';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { PACKAGE_ROOT } from '../../lib/package-root.js';
import { SESSION_COOKIE } from './auth.js';
import { schemaOf } from './route-schema.js';
import { declarePublic, type Access } from './security/index.js';
import { TOKEN_BARRED } from './security/api-tokens.js';
import { ACTIONS, type Action } from './scope.js';

/** Where the document and its viewer are served (docs/integration.md, "API tokens"). */
export const OPENAPI_PATH = '/api/openapi.json';
export const OPENAPI_VIEWER_PATH = '/api/docs';

const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Both ways in (docs/security.md): the web app's session cookie, and an API token as `Authorization: Bearer efk_…`. */
const SECURITY_SCHEMES = {
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The web app\'s session, set by POST /api/login.' },
  apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (efk_…) made by an admin on the API tokens screen.' },
} as const;

/** Who may call a route, in words for the operation's description (the same `config.access` the server enforces). */
export function accessText(access: Access): string {
  if (access === 'public') return 'Access: public (no sign-in).';
  if (access === 'user') return 'Access: any signed-in user, within their scope.';
  const roles = (ACTIONS[access as Action] as readonly string[]).join(', ');
  const barred = TOKEN_BARRED.has(access) ? ' Not with an API token: a session only.' : '';
  return `Access: ${access} (roles: ${roles}), within the caller's scope.${barred}`;
}

function securityOf(access: Access): Array<Record<string, string[]>> {
  if (access === 'public') return [];
  return TOKEN_BARRED.has(access) ? [{ session: [] }] : [{ session: [] }, { apiToken: [] }];
}

/**
 * Only the REST API is described (not /healthz, /metrics, Socket.IO or the web app's files); each operation carries
 * its access as `x-edufleet-access`, in its description and as its security requirement, so an integrator sees who
 * may call what.
 */
function transform({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } {
  if (!url.startsWith('/api/')) return { schema: { ...schema, hide: true } as FastifySchema, url };
  const access = ((route.config ?? {}) as { access?: Access }).access ?? 'public';
  const s = (schema ?? {}) as FastifySchema & { description?: string };
  const description = [s.description, accessText(access)].filter(Boolean).join('\n\n');
  return { schema: { ...s, description, security: securityOf(access), 'x-edufleet-access': access } as FastifySchema, url };
}

/**
 * The OpenAPI 3.1 document, generated from the route schemas (their single source is api/), at GET /api/openapi.json,
 * and a viewer at /api/docs. Registered before the routes: @fastify/swagger collects routes as they are added. Both
 * are public: the document describes the API and grants nothing; every route still checks its own access.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema 2020-12, so TypeBox's `type: 'null'` unions are valid as they are.
      openapi: '3.1.0',
      info: {
        title: 'EduFleet API', version: VERSION,
        description: 'The REST API of the EduFleet dashboard. Sign in with a session (the web app) or send an API token as `Authorization: Bearer`. Errors are `{ code, message }` (docs/errors.md).',
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform,
  });
  app.get(OPENAPI_PATH, { config: { access: 'public' }, schema: schemaOf('GET /api/openapi.json') }, async () => app.swagger());
  // The viewer's routes are made by the plugin in a context of its own: declared public like the web app's files.
  await app.register(async (viewer) => {
    declarePublic(viewer);
    // BaseLayout: the operations without Swagger UI's top bar, whose logo is an SVG with an inline <style> the
    // dashboard's CSP (style-src 'self') refuses; the CSP stays as it is for the viewer too.
    await viewer.register(fastifySwaggerUi, { routePrefix: OPENAPI_VIEWER_PATH, uiConfig: { layout: 'BaseLayout' } });
  });
}
