import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyRequest, Session } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import { EdufleetError } from '../../lib/errors.js';
import type { RegistryStore, User } from '../../registry/index.js';
import { RegistrySessionStore } from './session-store.js';

declare module 'fastify' {
  interface Session {
    userId?: number;
    /** When the user logged in (the clock's ms): the absolute lifetime counts from here, whatever the activity. */
    loginAt?: number;
    /** The user's password stamp at login: a password changed since ends the session. */
    stamp?: string;
  }
  interface FastifyRequest {
    /** The logged-in user, loaded fresh from the registry on every request (so a changed role applies at once). */
    user: User | null;
  }
}

export const SESSION_COOKIE = 'edufleet.sid';

export interface AuthOptions {
  registry: RegistryStore;
  secret: string;
  /** Secure cookies over plain HTTP too (behind an HTTPS proxy); HTTPS answers always mark them Secure. */
  secureCookies: boolean;
  clock: Clock;
  /** Absolute session lifetime (dashboard.sessionMaxAgeH in ms). */
  maxAgeMs: number;
}

/** Cookies, sessions in the registry, and `request.user`. Registered on the root so every route sees them. */
export async function registerAuth(app: FastifyInstance, o: AuthOptions): Promise<RegistrySessionStore> {
  const store = new RegistrySessionStore(o.registry, o.maxAgeMs);
  await store.purgeExpired();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: o.secret,
    cookieName: SESSION_COOKIE,
    store,
    saveUninitialized: false,
    // 'auto': Secure whenever the request came over HTTPS (own TLS, or a trusted proxy's X-Forwarded-Proto).
    cookie: { httpOnly: true, sameSite: 'lax', secure: o.secureCookies ? true : 'auto', path: '/', maxAge: o.maxAgeMs },
  });
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req) => {
    if (req.session.get('userId') === undefined) return;
    req.user = await sessionUser(o.registry, fieldsOf(req.session), o.clock.now(), o.maxAgeMs);
    // A session that no longer holds (expired, password changed, user disabled) is ended, not just ignored.
    if (!req.user) await req.session.destroy();
  });
  return store;
}

/**
 * The user a session belongs to, or null when the session no longer holds: older than the absolute lifetime, the
 * password changed since login, the user disabled or deleted. The same rule for HTTP requests and live sockets.
 */
export async function sessionUser(registry: RegistryStore, session: SessionFields, now: number, maxAgeMs: number): Promise<User | null> {
  const { userId, loginAt, stamp } = session;
  if (typeof userId !== 'number' || typeof loginAt !== 'number' || now - loginAt >= maxAgeMs) return null;
  const found = await registry.sessionUser(userId);
  if (!found || found.user.disabled || found.stamp !== stamp) return null;
  return found.user;
}

/** What `sessionUser` reads of a session (a live one, or a row of the store). */
export type SessionFields = Pick<Session, 'userId' | 'loginAt' | 'stamp'>;
const fieldsOf = (s: FastifyRequest['session']): SessionFields => ({ userId: s.get('userId'), loginAt: s.get('loginAt'), stamp: s.get('stamp') });

/** Starts the session of a user who just proved who they are. */
export async function startSession(req: FastifyRequest, registry: RegistryStore, user: User, now: number): Promise<void> {
  // A fresh session id at login: a session id planted before login is worth nothing after it.
  await req.session.regenerate();
  req.session.set('userId', user.id);
  req.session.set('loginAt', now);
  req.session.set('stamp', (await registry.sessionUser(user.id))?.stamp);
}

/** Keeps the current session valid after its own user's password changed (the others end). */
export async function restamp(req: FastifyRequest, registry: RegistryStore): Promise<void> {
  const id = req.session.get('userId');
  if (id !== undefined) req.session.set('stamp', (await registry.sessionUser(id))?.stamp);
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

/** What a socket needs to check its session again later: the user, and the session id. */
export interface CookieSession { user: User; sessionId: string }

/**
 * The session behind a raw `Cookie:` header, for the Socket.IO handshake: the same signed cookie and the same store
 * as HTTP requests, through @fastify/session's own decryption, and the same rule (`sessionUser`).
 */
export function sessionFromCookieHeader(app: FastifyInstance, o: Pick<AuthOptions, 'registry' | 'clock' | 'maxAgeMs'>, header: string | undefined): Promise<CookieSession | null> {
  const signed = header ? app.parseCookie(header)[SESSION_COOKIE] : undefined;
  if (!signed) return Promise.resolve(null);
  const holder: { session?: FastifyRequest['session'] | null; protocol: string; headers: Record<string, string> } = { protocol: 'http', headers: {} };
  return new Promise((resolve, reject) => {
    app.decryptSession(signed, holder, (err?: Error) => {
      if (err) return reject(err);
      const session = holder.session;
      if (!session || session.get('userId') === undefined) return resolve(null);
      sessionUser(o.registry, fieldsOf(session), o.clock.now(), o.maxAgeMs)
        .then((user) => resolve(user && { user, sessionId: session.sessionId }), reject);
    });
  });
}
