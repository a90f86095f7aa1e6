import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/index.js';
import { LIVE_BATCH_EVENT } from '../../gateway/live-store.js';
import { EdufleetError } from '../../lib/errors.js';
import type { User } from '../../registry/index.js';
import type { DashboardDeps } from './deps.js';
import { visibleRun } from './routes/command-runs.js';
import { maySee, userScope } from './scope.js';
import { liveSessionUser, type SessionCheckDeps } from './security/sessions.js';

export interface LiveSocketData {
  /** The user as last read from the registry: at the handshake, then at every event and every re-check. */
  user: User;
  /** Checked again while the socket lives (security/sessions.ts). */
  sessionId: string;
  /** The schools the user may see; the socket is in exactly these school rooms. */
  schoolIds: number[];
}
/** Events between Socket.IO servers: a gateway node's live batch, through Redis (gateway/live-store.ts, live-hub.ts). */
export interface LiveNodeEvents {
  [LIVE_BATCH_EVENT]: (batch: unknown[]) => void;
}
export type RightsSocket = Socket<ClientToServerEvents, ServerToClientEvents, LiveNodeEvents, LiveSocketData>;

export const schoolRoom = (schoolId: number) => `school:${schoolId}`;
export const deviceRoom = (deviceId: string) => `device:${deviceId}`;
export const runRoom = (runId: number) => `run:${runId}`;

/** Role and scope as one comparable string (the order of ids in a scope does not matter). */
const rightsKey = (u: User): string => JSON.stringify([u.role, [...(u.scope.districtIds ?? [])].sort(), [...(u.scope.schoolIds ?? [])].sort()]);
const sameIds = (a: number[], b: number[]): boolean => a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Rights follow the user on live connections (docs/security.md, "Rights on live connections"). Every
 * client-to-server event that acts or reads runs through `withUser`: the session and the user (role, scope) are read
 * from the registry first, by the same rule as a REST request (`sessionUser`), and the event is authorised with
 * what was read. A session that no longer holds disconnects the socket. A user whose role, scope or visible schools
 * changed is RE-SCOPED in place (not disconnected: the web app keeps its socket and its pages): school rooms left
 * and joined from the new scope, watched devices and followed runs no longer allowed left. Pushes follow room
 * membership (and the role, read from `socket.data.user` at each push), so once a re-scope is done no push of a
 * school the user lost reaches the socket.
 *
 * Per socket, one refresh at a time, in call order: a re-check that read the registry before a change can never
 * overwrite the re-scope made after it.
 */
export class LiveRights {
  private readonly chains = new WeakMap<RightsSocket, Promise<unknown>>();

  constructor(private readonly deps: Pick<DashboardDeps, 'registry' | 'directory' | 'log'>, private readonly session: SessionCheckDeps) {}

  /** The schools `user` sees, as the handshake and every re-scope compute them. */
  async schoolIdsOf(user: User): Promise<number[]> {
    return (await this.deps.registry.schools(userScope(user))).map((s) => s.id).sort((a, b) => a - b);
  }

  /**
   * Reads the socket's user again, disconnects it or brings it in line, then runs `act` with the user as of now
   * (still in the socket's turn, so no re-scope slips in between the check and a room join). No user: a 401 error.
   */
  withUser<T>(socket: RightsSocket, act: (user: User) => Promise<T> | T): Promise<T> {
    return this.inTurn(socket, async () => {
      const user = await this.sync(socket, new Map());
      if (!user) throw new EdufleetError('EDUFLEET_ERR_AUTH_REQUIRED');
      return act(user);
    });
  }

  /** The periodic re-check and a change on this process: the socket follows its session and its user's rights. */
  refresh(socket: RightsSocket, pass: Map<string, Promise<unknown>>): Promise<User | null> {
    return this.inTurn(socket, () => this.sync(socket, pass));
  }

  private inTurn<T>(socket: RightsSocket, step: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(socket) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(step);
    this.chains.set(socket, next);
    return next;
  }

  private async sync(socket: RightsSocket, pass: Map<string, Promise<unknown>>): Promise<User | null> {
    if (socket.disconnected) return null;
    const { sessionId } = socket.data;
    const user = await once(pass, `session:${sessionId}`, () => liveSessionUser(this.session, sessionId));
    if (!user) {
      socket.disconnect(true);
      return null;
    }
    const schoolIds = await once(pass, `schools:${rightsKey(user)}`, () => this.schoolIdsOf(user));
    if (rightsKey(user) === rightsKey(socket.data.user) && sameIds(schoolIds, socket.data.schoolIds)) {
      socket.data.user = user; // a new display name, say
      this.leaveHiddenDevices(socket, user); // a device moved to a school outside the scope
      return user;
    }
    await this.rescope(socket, user, schoolIds);
    return user;
  }

  /** Leaves first, then records the new rights, then joins: at no moment is the socket in a room it may not be in. */
  private async rescope(socket: RightsSocket, user: User, schoolIds: number[]): Promise<void> {
    const keep = new Set(schoolIds.map(schoolRoom));
    for (const room of [...socket.rooms]) if (room.startsWith('school:') && !keep.has(room)) await socket.leave(room);
    this.leaveHiddenDevices(socket, user);
    const before = socket.data.user;
    socket.data.user = user;
    socket.data.schoolIds = schoolIds;
    for (const room of [...socket.rooms]) {
      if (!room.startsWith('run:')) continue;
      // Refused, gone, or the registry failing: the socket leaves (fail closed; the page can follow it again).
      const allowed = await visibleRun(this.deps.registry, user, Number(room.slice(4))).then(() => true, () => false);
      if (!allowed) await socket.leave(room);
    }
    for (const room of keep) await socket.join(room);
    this.deps.log.info({ userId: user.id, role: user.role, was: before.role, schools: schoolIds.length }, 'live socket re-scoped to its user\'s current rights');
  }

  private leaveHiddenDevices(socket: RightsSocket, user: User): void {
    for (const room of [...socket.rooms]) {
      if (!room.startsWith('device:')) continue;
      const p = this.deps.directory.get(room.slice(7));
      if (!p || p.revoked || !maySee(user, p)) void socket.leave(room);
    }
  }
}

/** One read per key within a pass of the re-check (many sockets share a session or a scope). */
function once<T>(pass: Map<string, Promise<unknown>>, key: string, read: () => Promise<T>): Promise<T> {
  let p = pass.get(key) as Promise<T> | undefined;
  if (!p) pass.set(key, (p = read()));
  return p;
}
