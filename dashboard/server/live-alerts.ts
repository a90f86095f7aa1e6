import type { AlertView } from '../../api/index.js';
import type { User } from '../../registry/index.js';
import type { DashboardDeps } from './deps.js';
import { schoolRoom } from './live-rights.js';
import { can } from './scope.js';

/**
 * Rows written within this long before the cursor are read again: another process may commit a change stamped a
 * little earlier than one we already saw (its clock, its transaction), and a strict `>` would skip it for ever.
 */
const GRACE_MS = 5000;

/** What of the Socket.IO server the push uses. */
export interface AlertsIo {
  /** This dashboard's sockets only: every dashboard reads the registry and pushes to its own (never through the Redis adapter). */
  local: { to(room: string): { except(ids: string[]): { emit(event: 'alerts', batch: AlertView[]): unknown } } };
  sockets: { adapter: { rooms: Map<string, Set<string>> }; sockets: Map<string, { data: { user: User } }> };
}

/**
 * The `alerts` push: each live tick reads the alerts whose updated_at passed the cursor (from the registry, so a
 * dashboard-only process sees what a gateway elsewhere changed) and sends ONE batch per school room. A burst of
 * 1,000 alerts of a school is one emit. Filtered as GET /api/alerts is: the school rooms are the user's scope, and
 * sockets of a role that may not read alerts (planners, scope.ts ACTIONS) are left out, the role read at each push
 * (a socket re-scoped by live-rights.ts follows at once).
 */
export class LiveAlerts {
  private timer: NodeJS.Timeout | undefined;
  private cursor: number;
  /** `id:updatedAt` of what was sent within the grace window, so a re-read row is not sent twice. */
  private sent = new Map<string, number>();
  private running: Promise<void> | undefined;

  constructor(private readonly io: AlertsIo, private readonly deps: DashboardDeps) {
    this.cursor = deps.clock.now();
  }

  start(): void {
    this.timer = setInterval(() => {
      // One tick at a time: a slow registry must not pile queries up.
      this.running ??= this.tick().catch((err: unknown) => this.deps.log.error({ err }, 'live alerts tick failed')).finally(() => { this.running = undefined; });
    }, this.deps.config.dashboard.liveIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const rows = await this.deps.registry.alertsChangedSince(this.cursor - GRACE_MS, now);
    const bySchool = new Map<number, AlertView[]>();
    for (const { districtId: _d, ...a } of rows) {
      const key = `${a.id}:${a.updatedAt}`;
      if (this.sent.has(key)) continue;
      this.sent.set(key, a.updatedAt);
      this.cursor = Math.max(this.cursor, a.updatedAt);
      let batch = bySchool.get(a.schoolId);
      if (!batch) bySchool.set(a.schoolId, (batch = []));
      batch.push(a);
    }
    for (const [key, at] of this.sent) if (at <= this.cursor - GRACE_MS) this.sent.delete(key);
    if (!bySchool.size) return;
    const rooms = this.io.sockets.adapter.rooms;
    const barred: string[] = [];
    for (const [sid, socket] of this.io.sockets.sockets) if (!can(socket.data.user, 'alerts.read')) barred.push(sid);
    for (const [schoolId, batch] of bySchool) {
      if (rooms.has(schoolRoom(schoolId))) this.io.local.to(schoolRoom(schoolId)).except(barred).emit('alerts', batch);
    }
  }
}
