import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { LAST_USED_EVERY_MS, type ApiTokenRow, type RegistryStore, type User } from '../../../registry/index.js';
import { SESSION_COOKIE } from '../auth.js';
import type { Access } from './access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API token the request came with (then `user` is the token's identity), or null: a session, or nobody. */
    apiToken: ApiTokenRow | null;
  }
}

/** What every token starts with, so a leaked one is recognised (secret scanners, logs) and not taken for a password. */
export const TOKEN_PREFIX = 'efk_';
/** `efk_` and 256 random bits in base64url. */
const TOKEN_SHAPE = /^efk_[A-Za-z0-9_-]{43}$/;
/** The visible part kept in clear and shown in the list: `efk_` and 8 characters (48 bits; not secret, not unique). */
const VISIBLE_CHARS = 12;
/** Methods a read-only token may use. */
const READS = new Set(['GET', 'HEAD']);

/**
 * What no token may do, whatever its role: making tokens would let a token outlive its expiry or widen its own rights,
 * and managing users would let it make a person who can; an integration account is a credential too (MQTT), with a
 * secret and no expiry. An admin does these in the web app, with a session.
 */
export const TOKEN_BARRED: ReadonlySet<Access> = new Set<Access>(['tokens.manage', 'users.manage', 'integrations.manage']);

/**
 * The one access a wall token has (docs/security.md, "The wall token"): the operations-centre wall's read route. Every
 * other route, the public ones and writes included, answers 403 to it, whatever its role and scope would allow: a
 * token left on a screen in a public room can show the wall and do nothing else.
 */
export const WALL_ACCESS: Access = 'wall.read';

/** A new token and its visible prefix; only a hash of the token is stored (registry/store/api-tokens.ts). */
export function newApiToken(): { token: string; prefix: string } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, VISIBLE_CHARS) };
}

/** The token of `Authorization: Bearer …` on an /api/ route; undefined when there is none (or elsewhere: /metrics has its own). */
export function bearerOf(req: FastifyRequest): string | undefined {
  if (!req.url.startsWith('/api/')) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * Who a token acts as: a user the role and scope checks (scope.ts) already understand, with an id no person has
 * (negative) and a name the audit log shows as the token's.
 */
export function tokenUser(t: ApiTokenRow): User {
  return { id: -t.id, username: `token:${t.prefix}`, displayName: t.name, role: t.role, scope: t.scope, disabled: false, createdAt: t.createdAt };
}

type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;
type CreateRateLimit = (o: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string }) => Limiter;

export interface ApiTokenAuthOptions {
  registry: RegistryStore;
  now: () => number;
  /** dashboard.apiTokenRequestsPerMin */
  perMin: number;
}

/**
 * `Authorization: Bearer efk_…` on /api/ routes (docs/security.md, "API tokens"): the request is the token's, with its
 * role, scope and write flag. Every request reads the token's row (no cache), so a revocation or an expiry holds at once
 * on every dashboard process. Registered on the root after the sessions (it needs the rate-limit plugin and the cookies).
 */
export function registerApiTokenAuth(app: FastifyInstance, o: ApiTokenAuthOptions): void {
  app.decorateRequest('apiToken', null);
  const create = (app as unknown as { createRateLimit: CreateRateLimit }).createRateLimit;
  // A bucket of its own per token, counted in the registry like the login limits: one integration cannot starve the rest.
  const limiter = create({ max: o.perMin, timeWindow: 60_000, keyGenerator: (req) => `api-token:${req.apiToken?.id ?? 0}` });
  app.addHook('onRequest', async (req, reply) => {
    const token = bearerOf(req);
    if (token === undefined) return;
    // Whose request is it? A guess either way would be wrong one time in two: refuse it.
    if (req.cookies[SESSION_COOKIE] !== undefined) throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_AMBIGUOUS');
    const row = await findToken(o.registry, token);
    const now = o.now();
    // Expired and revoked are said only to a caller who holds the whole token: nothing tells whether another one exists.
    if (row?.revokedAt != null) throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_REVOKED');
    if (row && row.expiresAt <= now) throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_EXPIRED');
    if (!row) throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_INVALID');
    req.apiToken = row;
    const r = await limiter(req);
    if (!r.isAllowed && r.isExceeded) {
      const wait = Math.max(1, r.ttlInSeconds ?? 60);
      reply.header('retry-after', String(wait));
      throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_RATE_LIMITED', `too many requests with this API token; try again in ${wait} s`);
    }
    if (row.kind === 'wall' && req.routeOptions.config?.access !== WALL_ACCESS) {
      throw new EdufleetError('EDUFLEET_ERR_AUTH_WALL_ONLY', `a wall token may only read the operations-centre wall (GET /api/wall); ${req.method} ${req.url.split('?')[0]} is refused`);
    }
    if (!row.write && !READS.has(req.method)) {
      throw new EdufleetError('EDUFLEET_ERR_AUTH_TOKEN_READ_ONLY', `this API token is read-only: ${req.method} is refused whatever its role (${row.role}) may do`);
    }
    req.user = tokenUser(row);
    if (row.lastUsedAt === null || row.lastUsedAt <= now - LAST_USED_EVERY_MS) await o.registry.apiTokens.touch(row.id, now);
  });
}

function findToken(registry: RegistryStore, token: string): Promise<ApiTokenRow | undefined> {
  if (!TOKEN_SHAPE.test(token)) return Promise.resolve(undefined);
  return registry.apiTokens.find(token, token.slice(0, VISIBLE_CHARS));
}
