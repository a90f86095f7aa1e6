import { EventEmitter } from 'node:events';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/logger.js';
import type { RegistryStore, User } from '../../../registry/index.js';
import { sessionUser, type SessionFields } from '../auth.js';

/**
 * The default of `dashboard.socketRecheckMs`: how often every live socket reads its session and its user again from
 * the shared registry. A password change, a disabled user or a changed role or scope made on THIS process reaches
 * the user's sockets at once (`SessionEvents`); made on another dashboard process sharing the registry, within this
 * interval. Periodic rather than per event: a socket mostly receives, and a watcher that sends nothing must follow
 * too.
 */
export const SOCKET_RECHECK_MS = 5_000;

/** Sessions that ended, and users whose rights changed, on this process, for the live sockets that belong to them. */
export class SessionEvents extends EventEmitter<{
  userRevoked: [userId: number, keepSessionId: string | undefined];
  sessionEnded: [sessionId: string];
  userChanged: [userId: number, pending: Promise<unknown>[]];
}> {
  /** Every session of `userId` ends, except `keepSessionId` (the admin's own, after changing their own password). */
  userRevoked(userId: number, keepSessionId?: string): void {
    this.emit('userRevoked', userId, keepSessionId);
  }
  sessionEnded(sessionId: string): void {
    this.emit('sessionEnded', sessionId);
  }
  /**
   * The role or scope of `userId` changed: their sockets on this process follow it. Resolves once they have (so
   * the route that made the change answers only after no push of a school the user lost can reach them).
   */
  async userChanged(userId: number): Promise<void> {
    const pending: Promise<unknown>[] = [];
    this.emit('userChanged', userId, pending);
    await Promise.allSettled(pending);
  }
}

export interface WatchedSocket {
  data: { user: User; sessionId: string };
  disconnect(close?: boolean): unknown;
}

/** What a socket's session is checked against: the same as an HTTP request's (`sessionUser`). */
export interface SessionCheckDeps { registry: RegistryStore; clock: Clock; maxAgeMs: number }

/**
 * The user a live socket's session belongs to NOW (role, scope), or null when the session no longer holds: the
 * same rule REST applies on every request, read from the session store the handshake read.
 */
export async function liveSessionUser(d: SessionCheckDeps, sessionId: string): Promise<User | null> {
  const raw = await d.registry.sessionGet(sessionId);
  const data = raw === undefined ? undefined : (JSON.parse(raw) as SessionFields);
  return data ? sessionUser(d.registry, data, d.clock.now(), d.maxAgeMs) : null;
}

export interface SocketSessionDeps<S extends WatchedSocket> {
  log: Logger;
  events: SessionEvents;
  /** How often every socket is checked (dashboard.socketRecheckMs). */
  recheckMs: number;
  /**
   * Reads the socket's user again and disconnects it (session gone) or brings its rooms in line with the user's
   * current rights (live-rights.ts). `pass` is shared by the sockets of one periodic pass, to read each thing once.
   */
  refresh: (socket: S, pass: Map<string, Promise<unknown>>) => Promise<unknown>;
}

/** Keeps live sockets in line with their sessions and their users' rights; returns the stop function. */
export function watchSocketSessions<S extends WatchedSocket>(sockets: () => Iterable<S>, d: SocketSessionDeps<S>): () => void {
  const cut = (match: (s: S) => boolean) => {
    for (const s of sockets()) if (match(s)) s.disconnect(true);
  };
  const onRevoked = (userId: number, keep: string | undefined) => cut((s) => s.data.user.id === userId && s.data.sessionId !== keep);
  const onEnded = (sid: string) => cut((s) => s.data.sessionId === sid);
  const onChanged = (userId: number, pending: Promise<unknown>[]) => {
    for (const s of sockets()) if (s.data.user.id === userId) pending.push(d.refresh(s, new Map()));
  };
  d.events.on('userRevoked', onRevoked);
  d.events.on('sessionEnded', onEnded);
  d.events.on('userChanged', onChanged);
  let running = false;
  const timer = setInterval(() => {
    if (running) return; // a slow registry: never two passes at once
    running = true;
    recheck([...sockets()], d).catch((err: unknown) => d.log.warn({ err }, 'live sockets\' sessions not checked; retrying'))
      .finally(() => { running = false; });
  }, d.recheckMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    d.events.off('userRevoked', onRevoked);
    d.events.off('sessionEnded', onEnded);
    d.events.off('userChanged', onChanged);
  };
}

/** One pass: every socket, one after the other (a pass is background work; it must not flood the registry). */
async function recheck<S extends WatchedSocket>(sockets: S[], d: SocketSessionDeps<S>): Promise<void> {
  const pass = new Map<string, Promise<unknown>>();
  for (const s of sockets) await d.refresh(s, pass);
}
