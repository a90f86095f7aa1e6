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
type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;
type CreateRateLimit = (o: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string }) => Limiter;

/**
 * Two limits on POST /api/login, as preHandlers (the user name is in the body): per client address, and per user
 * name from ANY address, so a password-guessing botnet is slowed on the account it targets. Over either, 429 with
 * Retry-After and a coded error.
 */
export async function loginLimiters(app: FastifyInstance, limits: LoginLimits): Promise<(req: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  await app.register(fastifyRateLimit, { global: false });
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
