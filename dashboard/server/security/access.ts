import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { Role } from '../../../registry/index.js';
import { requireUser } from '../auth.js';
import { ACTIONS, type Action } from '../scope.js';
import { TOKEN_BARRED } from './api-tokens.js';

/**
 * Who may call a route: anyone (`public`), any logged-in user (`user`), or a user whose ROLE may take the action.
 * The check here is the floor; handlers still check scope (which school) themselves.
 */
export type Access = 'public' | 'user' | Action;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

const isAccess = (v: unknown): v is Access => v === 'public' || v === 'user' || (typeof v === 'string' && Object.hasOwn(ACTIONS, v));

/**
 * Deny by default: every route must declare its access, or the dashboard does not start. Registered on the root
 * BEFORE any route, so routes of every plugin pass through it. Routes that plugins make for us (the static files of
 * the web app) are declared by `declarePublic` in the plugin's own context.
 */
export function registerAccessControl(app: FastifyInstance): void {
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const config = (route.config ?? {}) as { access?: unknown };
    if (config.access === undefined && inPublicContext(this)) {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    if (!isAccess(config.access)) {
      const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
      throw new EdufleetError('EDUFLEET_ERR_WEB_ROUTE_ACCESS',
        `route ${methods} ${route.url} declares no access (config: { access: 'public' | 'user' | <action> }); the dashboard does not start without it`);
    }
  });
  app.addHook('preHandler', async (req) => enforce(req));
}

const publicContexts = new WeakSet<object>();

/** Marks a plugin context whose undeclared routes are public (the built web app's files: nothing secret there). */
export function declarePublic(instance: FastifyInstance): void {
  publicContexts.add(instance);
}

/**
 * Whether a route's context is a public one or lies inside one: a plugin may register its routes in a child context
 * of its own (the API viewer, @fastify/swagger-ui), and Fastify makes a child context with Object.create(parent).
 */
function inPublicContext(instance: object): boolean {
  for (let c: object | null = instance; c; c = Object.getPrototypeOf(c) as object | null) if (publicContexts.has(c)) return true;
  return false;
}

async function enforce(req: FastifyRequest): Promise<void> {
  const access = req.routeOptions.config.access;
  if (access === undefined || access === 'public') return; // undefined: the 404 handler, which has no route
  await requireUser(req);
  if (req.apiToken && TOKEN_BARRED.has(access)) {
    throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', `an API token may not manage API tokens, users or integration accounts (${access}); an admin does this in the web app`);
  }
  if (access === 'user') return;
  if (!(ACTIONS[access] as readonly Role[]).includes(req.user!.role)) {
    throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', `the ${req.user!.role} role may not do this (${access})`);
  }
}
