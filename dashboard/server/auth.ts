import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../lib/errors.js';
import type { RegistryStore, User } from '../../registry/index.js';
import { RegistrySessionStore } from './session-store.js';

declare module 'fastify' {
  interface Session {
    userId?: number;
  }
  interface FastifyRequest {
    /** The logged-in user, loaded fresh from the registry on every request (so a changed role applies at once). */
    user: User | null;
  }
}

export const SESSION_COOKIE = 'edufleet.sid';
/** A working day and then some: a technician logs in in the morning and stays logged in. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface AuthOptions {
  registry: RegistryStore;
  secret: string;
  secureCookies: boolean;
}

/** Cookies, sessions in the registry, and `request.user`. Registered on the root so every route sees them. */
export async function registerAuth(app: FastifyInstance, o: AuthOptions): Promise<RegistrySessionStore> {
  const store = new RegistrySessionStore(o.registry, SESSION_TTL_MS);
  await store.purgeExpired();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: o.secret,
    cookieName: SESSION_COOKIE,
    store,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: o.secureCookies, path: '/', maxAge: SESSION_TTL_MS },
  });
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req) => {
    const id = req.session.get('userId');
    req.user = id === undefined ? null : await activeUser(o.registry, id);
  });
  return store;
}

/** The user behind a session, unless deleted or disabled since: a disabled account is logged out everywhere at once. */
async function activeUser(registry: RegistryStore, id: number): Promise<User | null> {
  const u = await registry.user(id);
  return u && !u.disabled ? u : null;
}

/** preHandler for every route behind the login. */
export async function requireUser(req: FastifyRequest): Promise<void> {
  if (!req.user) throw new EdufleetError('EDUFLEET_ERR_AUTH_REQUIRED');
}

/** The user a request belongs to; only call after `requireUser`. */
export function currentUser(req: FastifyRequest): User {
  if (!req.user) throw new EdufleetError('EDUFLEET_ERR_AUTH_REQUIRED');
  return req.user;
}

/**
 * The user behind a raw `Cookie:` header, for the Socket.IO handshake: the same signed cookie and the same store
 * as HTTP requests, through @fastify/session's own decryption.
 */
export function userFromCookieHeader(app: FastifyInstance, registry: RegistryStore, header: string | undefined): Promise<User | null> {
  const signed = header ? app.parseCookie(header)[SESSION_COOKIE] : undefined;
  if (!signed) return Promise.resolve(null);
  const holder: { session?: FastifyRequest['session'] | null; protocol: string; headers: Record<string, string> } = { protocol: 'http', headers: {} };
  return new Promise((resolve, reject) => {
    app.decryptSession(signed, holder, (err?: Error) => {
      if (err) return reject(err);
      const id = holder.session?.get('userId');
      if (id === undefined) return resolve(null);
      activeUser(registry, id).then(resolve, reject);
    });
  });
}
