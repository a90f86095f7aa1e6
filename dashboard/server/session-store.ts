import type { Session } from 'fastify';
import type { RegistryStore } from '../../registry/index.js';

type Callback = (err?: Error | null) => void;

/**
 * The @fastify/session store on the registry's `sessions` table: every dashboard process that shares the registry
 * shares the sessions, so a load balancer need not pin a browser to one process.
 */
export class RegistrySessionStore {
  constructor(private readonly registry: RegistryStore, private readonly defaultTtlMs: number) {}

  get(sid: string, cb: (err: Error | null, session?: Session | null) => void): void {
    // Parsed in a step of its own: a corrupt row then reaches `cb` as an error instead of throwing inside the
    // success callback, where it would be an unhandled rejection that ends the process.
    this.registry.sessionGet(sid)
      .then((data) => (data ? (JSON.parse(data) as Session) : null))
      .then((session) => cb(null, session), (err: unknown) => cb(err as Error));
  }

  set(sid: string, session: Session, cb: Callback): void {
    const expires = session.cookie.expires ? new Date(session.cookie.expires).getTime() : Date.now() + this.defaultTtlMs;
    this.registry.sessionSet(sid, JSON.stringify(session), expires).then(() => cb(null), (err: unknown) => cb(err as Error));
  }

  destroy(sid: string, cb: Callback): void {
    this.registry.sessionDestroy(sid).then(() => cb(null), (err: unknown) => cb(err as Error));
  }

  /** Deletes expired rows (sessionGet already ignores them; this keeps the table small). */
  purgeExpired(now = Date.now()): Promise<number> {
    return this.registry.sessionPurge(now);
  }
}
