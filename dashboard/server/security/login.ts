import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { EdufleetError } from '../../../lib/errors.js';
import { hashSecret, newSecret, PASSWORD_COST, verifySecret, type RegistryStore, type User } from '../../../registry/index.js';

/** Every password a login attempt checked against the dummy hash: the test's proof that unknown users cost the same. */
let dummyVerifications = 0;
export const dummyVerifyCount = (): number => dummyVerifications;

let dummyHash: Promise<string> | undefined;
/** A hash of a password nobody knows, made with the same cost as real ones, once per process. */
const dummy = () => (dummyHash ??= hashSecret(newSecret(), PASSWORD_COST));

/**
 * The user a name and password belong to, with the same scrypt work whether or not the name exists: an unknown
 * name is checked against a dummy hash, so the time of the answer does not tell who has an account.
 */
export async function verifyLogin(registry: RegistryStore, username: string, password: string): Promise<User | undefined> {
  if (await registry.userByName(username)) return registry.verifyUser(username, password);
  dummyVerifications++;
  await verifySecret(password, await dummy());
  return undefined;
}

export interface LoginLimits { perAddressPerMin: number; perUserPerMin: number }

type StoreCallback = (err: Error | null, res?: { current: number; ttl: number }) => void;
/** Old windows are forgotten every this many hits (a row per address and user name tried). */
const PURGE_EVERY = 1000;

/**
 * @fastify/rate-limit's store on the registry: the counts live where every dashboard process sees them, so the
 * limits hold for the deployment, not per process. Its clock is the stack's.
 */
function registryStore(registry: RegistryStore, now: () => number) {
  let hits = 0;
  return class RegistryRateStore {
    incr(key: string, cb: StoreCallback, timeWindow: number): void {
      const at = now();
      if (++hits % PURGE_EVERY === 0) void registry.purgeRateLimits(at - 3_600_000).catch(() => undefined);
      registry.hitRateLimit(key, at, timeWindow).then((h) => cb(null, { current: h.count, ttl: h.windowStart + timeWindow - at }), (err: Error) => cb(err));
    }

    read(key: string, cb: StoreCallback, timeWindow: number): void {
      const at = now();
      registry.peekRateLimit(key, at, timeWindow).then((h) => cb(null, { current: h.count, ttl: h.count ? h.windowStart + timeWindow - at : 0 }), (err: Error) => cb(err));
    }

    child(): RegistryRateStore { return this; }
  };
}
type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;
type CreateRateLimit = (o: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string }) => Limiter;

/**
 * Two limits on POST /api/login, as preHandlers (the user name is in the body): per client address, and per user
 * name from ANY address, so a password-guessing botnet is slowed on the account it targets. Over either, 429 with
 * Retry-After and a coded error.
 */
export async function loginLimiters(app: FastifyInstance, limits: LoginLimits, shared: { registry: RegistryStore; now: () => number }): Promise<(req: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  await app.register(fastifyRateLimit, { global: false, store: registryStore(shared.registry, shared.now) });
  const create = (app as unknown as { createRateLimit: CreateRateLimit }).createRateLimit;
  const perAddress = create({ max: limits.perAddressPerMin, timeWindow: 60_000, keyGenerator: (req) => `addr:${req.ip}` });
  const perUser = create({
    max: limits.perUserPerMin, timeWindow: 60_000,
    keyGenerator: (req) => `user:${String((req.body as { username?: unknown } | undefined)?.username ?? '').toLowerCase()}`,
  });
  return async (req, reply) => {
    for (const limiter of [perAddress, perUser]) {
      const r = await limiter(req);
      if (r.isAllowed || !r.isExceeded) continue;
      const wait = Math.max(1, r.ttlInSeconds ?? 60);
      reply.header('retry-after', String(wait));
      throw new EdufleetError('EDUFLEET_ERR_AUTH_RATE_LIMITED', `too many login attempts; try again in ${wait} s`);
    }
  };
}
