import { EventEmitter } from 'node:events';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import type { RegistryStore, User } from '../../../registry/index.js';
import { sessionUser, type SessionFields } from '../auth.js';

/**
 * How often every live socket checks its session again against the shared registry. A password change or a
 * disabled user made on THIS process disconnects the user's other sockets at once (`SessionEvents`); made on
 * another dashboard process sharing the registry, within this interval. Periodic rather than per event: a socket
 * mostly receives, and a watcher that sends nothing must be cut off too.
 */
export const SOCKET_RECHECK_MS = 5_000;

/** Sessions that ended on this process, for the live sockets that belong to them. */
export class SessionEvents extends EventEmitter<{ userRevoked: [userId: number, keepSessionId: string | undefined]; sessionEnded: [sessionId: string] }> {
  /** Every session of `userId` ends, except `keepSessionId` (the admin's own, after changing their own password). */
  userRevoked(userId: number, keepSessionId?: string): void {
    this.emit('userRevoked', userId, keepSessionId);
  }
  sessionEnded(sessionId: string): void {
    this.emit('sessionEnded', sessionId);
  }
}

export interface WatchedSocket {
  data: { user: User; sessionId: string };
  disconnect(close?: boolean): unknown;
}


export interface SocketSessionDeps { registry: RegistryStore; clock: Clock; maxAgeMs: number; log: Logger; events: SessionEvents }

/** Disconnects live sockets whose session no longer holds; returns the stop function. */
export function watchSocketSessions(sockets: () => IterableIterator<WatchedSocket>, d: SocketSessionDeps): () => void {
  const cut = (match: (s: WatchedSocket) => boolean) => {
    for (const s of sockets()) if (match(s)) s.disconnect(true);
  };
  const onRevoked = (userId: number, keep: string | undefined) => cut((s) => s.data.user.id === userId && s.data.sessionId !== keep);
  const onEnded = (sid: string) => cut((s) => s.data.sessionId === sid);
  d.events.on('userRevoked', onRevoked);
  d.events.on('sessionEnded', onEnded);
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow registry: never two passes at once
    running = true;
    recheck(sockets(), d).catch((err: unknown) => d.log.warn({ err }, 'live sockets\' sessions not checked; retrying'))
      .finally(() => { running = false; });
  }, SOCKET_RECHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    d.events.off('userRevoked', onRevoked);
    d.events.off('sessionEnded', onEnded);
  };
}

async function recheck(sockets: Iterable<WatchedSocket>, d: SocketSessionDeps): Promise<void> {
  const bySession = new Map<string, WatchedSocket[]>();
  for (const s of sockets) {
    const list = bySession.get(s.data.sessionId);
    if (list) list.push(s);
    else bySession.set(s.data.sessionId, [s]);
  }
  const now = d.clock.now();
  for (const [sid, list] of bySession) {
    const raw = await d.registry.sessionGet(sid);
    const data = raw === undefined ? undefined : (JSON.parse(raw) as SessionFields);
    if (!data || !(await sessionUser(d.registry, data, now, d.maxAgeMs))) for (const s of list) s.disconnect(true);
  }
}
