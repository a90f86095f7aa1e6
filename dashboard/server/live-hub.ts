import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { isDeviceId } from '../../protocol/index.js';
import type { User } from '../../registry/index.js';
import type { ClientToServerEvents, LiveView, ServerToClientEvents } from '../../api/index.js';
import { sessionFromCookieHeader } from './auth.js';
import type { DashboardDeps } from './deps.js';
import { LiveAlerts } from './live-alerts.js';
import { attachCommandHandlers, startLiveCommands } from './live-commands.js';
import { startLiveHealth } from './live-health.js';
import { liveView } from './problems.js';
import { maySee, userScope } from './scope.js';
import { sessionMaxAgeMs } from './security/index.js';
import { watchSocketSessions } from './security/sessions.js';
import { socketOriginCheck } from './security/csrf.js';

interface SocketData {
  user: User;
  /** Checked again while the socket lives (security/sessions.ts): a password change or a disabled user cuts it off. */
  sessionId: string;
  /** The schools the user may see, read during the handshake (the connection handler cannot wait for the registry). */
  schoolIds: number[];
}
type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const schoolRoom = (schoolId: number) => `school:${schoolId}`;
export const deviceRoom = (deviceId: string) => `device:${deviceId}`;

/**
 * Socket.IO on the dashboard's HTTP server. The handshake must carry a valid session cookie; a socket joins one
 * room per school the user may see. Every `liveDeviceIntervalMs` (250 ms by default) one tick asks the live state
 * what changed since the last tick and sends ONE `devices` batch per school room that has changes and ONE `device`
 * per watched device that changed, so a burst of readings costs one entry per device per tick, whatever the message
 * rate: a socket gets at most (its school rooms + its watched devices) emits per tick. The tick is short so that a
 * reading reaches an open device page well under a second after it was published (issue 13); the registry-polling
 * pushes (health, alerts, commands) keep their own, longer `liveIntervalMs`.
 */
export class LiveHub {
  readonly io: LiveServer;
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number;
  readonly alerts: LiveAlerts;
  private stopHealth: (() => void) | undefined;
  private stopCommands: (() => void) | undefined;
  private stopSessions: (() => void) | undefined;

  constructor(private readonly app: FastifyInstance, private readonly deps: DashboardDeps) {
    this.io = new Server(app.server, { serveClient: false, cors: { origin: false }, allowRequest: socketOriginCheck(deps.config.dashboard.allowedOrigins) });
    this.lastVersion = deps.gateway?.live.currentVersion ?? 0;
    this.io.use((socket, next) => {
      const auth = { registry: deps.registry, clock: deps.clock, maxAgeMs: sessionMaxAgeMs(deps.config) };
      sessionFromCookieHeader(app, auth, socket.request.headers.cookie).then(async (session) => {
        if (!session) return next(Object.assign(new Error('Log in first.'), { data: { code: 'EDUFLEET_ERR_AUTH_REQUIRED' } }));
        const { user } = session;
        socket.data.user = user;
        socket.data.sessionId = session.sessionId;
        socket.data.schoolIds = (await deps.registry.schools(userScope(user))).map((s) => s.id);
        next();
      }).catch((err: Error) => next(err));
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.alerts = new LiveAlerts(this.io, deps);
  }

  start(): void {
    this.alerts.start(); // from the registry: runs in a dashboard-only process too
    this.stopSessions = watchSocketSessions(() => this.io.sockets.sockets.values(), {
      registry: this.deps.registry, clock: this.deps.clock, maxAgeMs: sessionMaxAgeMs(this.deps.config), log: this.deps.log, events: this.app.sessionEvents,
    });
    this.stopHealth = startLiveHealth(this.io, this.deps); // shared state: also without a gateway
    this.stopCommands = startLiveCommands(this.io, this.deps); // the registry is the queue: also without a gateway
    if (!this.deps.gateway) return; // no live state in a dashboard-only process
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        this.deps.log.error({ err }, 'live tick failed');
      }
    }, this.deps.config.dashboard.liveDeviceIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.alerts.stop();
    this.stopHealth?.();
    this.stopCommands?.();
    this.stopSessions?.();
    this.io.disconnectSockets(true);
    // io.close() would also close the HTTP server, which Fastify owns and closes itself.
    this.io.engine.close();
  }

  private onConnection(socket: LiveSocket): void {
    const user = socket.data.user;
    for (const id of socket.data.schoolIds) void socket.join(schoolRoom(id));
    socket.on('watch', (deviceId, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const p = typeof deviceId === 'string' && isDeviceId(deviceId) ? this.deps.directory.get(deviceId) : undefined;
      if (!p || p.revoked) return reply({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND', message: `no device '${String(deviceId)}'` });
      if (!maySee(user, p)) return reply({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN', message: 'This device belongs to a school outside your scope.' });
      void socket.join(deviceRoom(p.id));
      reply({ ok: true });
    });
    socket.on('unwatch', (deviceId) => {
      if (typeof deviceId === 'string') void socket.leave(deviceRoom(deviceId));
    });
    attachCommandHandlers(socket, this.deps);
  }

  /** One pass: what changed since the last tick, grouped by school, one emit per school room. */
  tick(): void {
    const live = this.deps.gateway?.live;
    if (!live) return;
    const version = live.currentVersion;
    if (version === this.lastVersion) return;
    const changed = live.changedSince(this.lastVersion);
    this.lastVersion = version;
    if (this.io.engine.clientsCount === 0) return;
    const rooms = this.io.sockets.adapter.rooms;
    const now = this.deps.clock.now();
    const bySchool = new Map<number, LiveView[]>();
    for (const d of changed) {
      const p = this.deps.directory.get(d.id);
      if (!p || p.revoked) continue;
      const watched = rooms.has(deviceRoom(d.id));
      if (!watched && !rooms.has(schoolRoom(p.schoolId))) continue;
      const view = liveView(d.id, p.kind, d, now);
      let batch = bySchool.get(p.schoolId);
      if (!batch) bySchool.set(p.schoolId, (batch = []));
      batch.push(view);
      if (watched) this.io.to(deviceRoom(d.id)).emit('device', view);
    }
    for (const [schoolId, batch] of bySchool) this.io.to(schoolRoom(schoolId)).emit('devices', batch);
  }
}
