import type { Server } from 'socket.io';
import type { ClientToServerEvents, DeviceHealthView, ServerToClientEvents } from '../../api/index.js';
import type { User } from '../../registry/index.js';
import type { DashboardDeps } from './deps.js';
import { schoolRoom, type LiveNodeEvents } from './live-rights.js';
import { can } from './scope.js';

/**
 * Rows written this long before the newest one seen are read again: a gateway or the engine on another process may
 * commit a write stamped a moment earlier than one already read, and it must not be skipped.
 */
const OVERLAP_MS = 2000;

/**
 * The `health` push: every live tick, the devices whose signals (gateways) or verdict (alert engine) changed in the
 * registry, one batch per school room. It reads the shared state, so it runs in a dashboard-only process too, and
 * every process pushes the same thing. Sockets of users who may not read health (planners) are left out.
 * Returns the function that stops it.
 */
export function startLiveHealth(io: Server<ClientToServerEvents, ServerToClientEvents, LiveNodeEvents, { user: User }>, deps: DashboardDeps): () => void {
  let cursor: number | undefined;
  /** The stamp pushed per device within the overlap, so a row read twice is pushed once. */
  const pushed = new Map<string, number>();
  let running = false;

  const tick = async (): Promise<void> => {
    if (io.engine.clientsCount === 0 || cursor === undefined) {
      cursor = await deps.registry.healthStamp();
      pushed.clear();
      return;
    }
    const rows = await deps.registry.changedHealthViews(cursor - OVERLAP_MS);
    const bySchool = new Map<number, DeviceHealthView[]>();
    for (const { stamp, ...view } of rows) {
      cursor = Math.max(cursor, stamp);
      if (pushed.get(view.id) === stamp) continue;
      pushed.set(view.id, stamp);
      let batch = bySchool.get(view.schoolId);
      if (!batch) bySchool.set(view.schoolId, (batch = []));
      batch.push(view);
    }
    for (const [id, stamp] of pushed) if (stamp <= cursor - OVERLAP_MS) pushed.delete(id);
    if (!bySchool.size) return;
    const rooms = io.sockets.adapter.rooms;
    const barred: string[] = [];
    for (const [sid, socket] of io.sockets.sockets) {
      if (!can(socket.data.user, 'alerts.read')) barred.push(sid);
    }
    for (const [schoolId, batch] of bySchool) {
      if (rooms.has(schoolRoom(schoolId))) io.local.to(schoolRoom(schoolId)).except(barred).emit('health', batch);
    }
  };

  const timer = setInterval(() => {
    if (running) return; // a slow registry must not stack ticks up
    running = true;
    tick().catch((err: unknown) => deps.log.error({ err }, 'live health tick failed; trying again next tick'))
      .finally(() => { running = false; });
  }, deps.config.dashboard.liveIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
