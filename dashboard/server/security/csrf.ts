import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { bearerOf } from './api-tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Content types an upload route takes besides JSON (the file types its content-type parser declares). */
    bodyTypes?: readonly string[];
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery is closed twice for every state-changing request: it must come from the dashboard's
 * own origin (or one in `dashboard.allowedOrigins`), and its body must be JSON — the one type a cross-site form or
 * a "simple" fetch cannot send without a CORS preflight, which this server never grants. Checked in `onRequest`,
 * before the body is read.
 */
export function registerCsrfGuard(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins.map(normalise).filter((o): o is string => o !== null));
  app.addHook('onRequest', async (req) => {
    if (!STATE_CHANGING.has(req.method)) return;
    // A bearer token is not ambient authority: a browser never adds it by itself, and another site cannot set the header
    // without a CORS preflight this server never grants. Such a request is the token's alone (with a session cookie as
    // well it is refused: api-tokens.ts), so a forged one has nothing to ride on. JSON-only bodies still apply.
    if (bearerOf(req) === undefined) checkOrigin(req, allowed);
    checkMediaType(req);
  });
}

function checkOrigin(req: FastifyRequest, allowed: ReadonlySet<string>): void {
  const own = normalise(`${req.protocol}://${req.host}`);
  // Browsers send Origin on every cross-origin and (today) every same-origin POST; Referer is the fallback for
  // older ones. A request with neither is refused: scripts set `Origin` like a browser would.
  const header = req.headers.origin ?? req.headers.referer;
  const from = typeof header === 'string' ? normalise(header) : null;
  if (from !== null && (from === own || allowed.has(from))) return;
  throw new EdufleetError('EDUFLEET_ERR_WEB_ORIGIN', from === null
    ? 'state-changing requests must carry the Origin header of the dashboard'
    : `requests from ${from} may not change anything here (dashboard.allowedOrigins lists the other origins allowed)`);
}

function checkMediaType(req: FastifyRequest): void {
  const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!hasBody && type === '') return;
  if (type === 'application/json') return;
  if (req.routeOptions.config.bodyTypes?.includes(type)) return;
  throw new EdufleetError('EDUFLEET_ERR_WEB_MEDIA_TYPE', `a ${type || 'body without a content type'} is not accepted here; send application/json`);
}

/**
 * Socket.IO's `allowRequest`: its HTTP requests bypass Fastify's hooks, so a browser's WebSocket or polling request
 * from another site (cross-site WebSocket hijacking) is refused here. Browsers always send Origin on these; a
 * non-browser client without one carries no victim's cookie to abuse.
 */
export function socketOriginCheck(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map(normalise).filter((o): o is string => o !== null));
  return (req: IncomingMessage, cb: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return cb(null, true);
    const from = normalise(origin);
    const ok = from !== null && (allowed.has(from) || new URL(from).host === req.headers.host);
    cb(ok ? null : 'EDUFLEET_ERR_WEB_ORIGIN', ok);
  };
}

/** `scheme://host[:port]` of a URL, the default port dropped, or null when it is not a URL. */
function normalise(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? null : u.origin;
  } catch {
    return null;
  }
}
