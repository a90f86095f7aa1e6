import type { Session } from 'fastify';
import type { SqliteRegistry } from '../../registry/index.js';

type Callback = (err?: Error | null) => void;

/**
 * The @fastify/session store on the registry's `sessions` table: every dashboard process that shares the registry
 * shares the sessions, so a load balancer need not pin a browser to one process.
 */
export class RegistrySessionStore {
  constructor(private readonly registry: SqliteRegistry, private readonly defaultTtlMs: number) {}

  get(sid: string, cb: (err: Error | null, session?: Session | null) => void): void {
    try {
      const data = this.registry.sessionGet(sid);
      cb(null, data ? (JSON.parse(data) as Session) : null);
    } catch (err) {
      cb(err as Error);
    }
  }

  set(sid: string, session: Session, cb: Callback): void {
    try {
      const expires = session.cookie.expires ? new Date(session.cookie.expires).getTime() : Date.now() + this.defaultTtlMs;
      this.registry.sessionSet(sid, JSON.stringify(session), expires);
      cb(null);
    } catch (err) {
      cb(err as Error);
    }
  }

  destroy(sid: string, cb: Callback): void {
    try {
      this.registry.sessionDestroy(sid);
      cb(null);
    } catch (err) {
      cb(err as Error);
    }
  }

  /** Deletes expired rows (sessionGet already ignores them; this keeps the table small). */
  purgeExpired(now = Date.now()): number {
    return this.registry.sessionPurge(now);
  }
}
