import type { FastifyInstance } from 'fastify';
import { Server } from 'socket.io';
import { isDeviceId } from '../../protocol/index.js';
import type { ClientToServerEvents, LiveView, ServerToClientEvents } from '../../api/index.js';
import type { LiveDevice } from '../../gateway/live-state.js';
import { LIVE_BATCH_EVENT, parseLive } from '../../gateway/live-store.js';
import { EdufleetError } from '../../lib/errors.js';
import { sessionFromCookieHeader } from './auth.js';
import type { DashboardDeps } from './deps.js';
import { LiveAlerts } from './live-alerts.js';
import { ackError, attachCommandHandlers, startLiveCommands } from './live-commands.js';
import { startLiveHealth } from './live-health.js';
import { deviceRoom, LiveRights, schoolRoom, type LiveNodeEvents, type LiveSocketData, type RightsSocket } from './live-rights.js';
import { liveView } from './problems.js';
import { maySee } from './scope.js';
import { sessionMaxAgeMs } from './security/index.js';
import { watchSocketSessions } from './security/sessions.js';
import { socketOriginCheck } from './security/csrf.js';

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, LiveNodeEvents, LiveSocketData>;

/**
 * Socket.IO on the dashboard's HTTP server. The handshake must carry a valid session cookie; a socket joins one
 * room per school the user may see. Every `liveDeviceIntervalMs` (250 ms by default) one tick asks the live state
 * what changed since the last tick and sends ONE `devices` batch per school room that has changes and ONE `device`
 * per watched device that changed, so a burst of readings costs one entry per device per tick, whatever the message
 * rate: a socket gets at most (its school rooms + its watched devices) emits per tick. The tick is short so that a
 * reading reaches an open device page well under a second after it was published (issue 13); the registry-polling
 * pushes (health, alerts, commands) keep their own, longer `liveIntervalMs`.
 *
 * With `redis.url` (deps.liveFeed, issue 20) the hub ticks on nothing of its own: the Socket.IO server runs on the
 * Redis adapter, every gateway node announces its changes once per tick (gateway/live-publisher.ts), and each
 * dashboard sends them to its own rooms exactly as a tick would. A process that has a gateway too hears its own
 * node's batches through Redis like any other dashboard, so nothing is pushed twice. The registry-polling pushes
 * run in every dashboard and go to that dashboard's own sockets only (`io.local`), never through the adapter.
 */
export class LiveHub {
  readonly io: LiveServer;
  private timer: NodeJS.Timeout | undefined;
  private lastVersion: number;
  readonly alerts: LiveAlerts;
  private stopHealth: (() => void) | undefined;
  private stopCommands: (() => void) | undefined;
  private stopSessions: (() => void) | undefined;
  /** Every event's user, read again; re-scopes and disconnects (live-rights.ts). */
  readonly rights: LiveRights;

  constructor(private readonly app: FastifyInstance, private readonly deps: DashboardDeps) {
    this.io = new Server(app.server, { serveClient: false, cors: { origin: false }, allowRequest: socketOriginCheck(deps.config.dashboard.allowedOrigins) });
    this.lastVersion = deps.gateway?.live.currentVersion ?? 0;
    const auth = { registry: deps.registry, clock: deps.clock, maxAgeMs: sessionMaxAgeMs(deps.config) };
    this.rights = new LiveRights(deps, auth);
    this.io.use((socket, next) => {
      sessionFromCookieHeader(app, auth, socket.request.headers.cookie).then(async (session) => {
        if (!session) return next(Object.assign(new Error('Log in first.'), { data: { code: 'EDUFLEET_ERR_AUTH_REQUIRED' } }));
        const { user } = session;
        socket.data.user = user;
        socket.data.sessionId = session.sessionId;
        // Read during the handshake: the connection handler cannot wait for the registry.
        socket.data.schoolIds = await this.rights.schoolIdsOf(user);
        next();
      }).catch((err: Error) => next(err));
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    if (deps.liveFeed) {
      const feed = deps.liveFeed;
      this.io.adapter(feed.adapter());
      // The batches published while this dashboard's subscriber was away, read back from the hash.
      feed.onResync((devices) => this.fanOut(devices));
      this.io.on(LIVE_BATCH_EVENT, (batch) => {
        try {
          const devices = (Array.isArray(batch) ? batch : []).map(parseLive).filter((d): d is LiveDevice => d !== undefined);
          feed.remember(devices);
          this.fanOut(devices);
        } catch (err) {
          deps.log.error({ err }, 'live batch from Redis not sent');
        }
      });
    }
    this.alerts = new LiveAlerts(this.io, deps);
  }

  start(): void {
    this.alerts.start(); // from the registry: runs in a dashboard-only process too
    this.stopSessions = watchSocketSessions(() => this.io.sockets.sockets.values(), {
      log: this.deps.log, events: this.app.sessionEvents, recheckMs: this.deps.config.dashboard.socketRecheckMs,
      refresh: (socket, pass) => this.rights.refresh(socket, pass),
    });
    this.stopHealth = startLiveHealth(this.io, this.deps); // shared state: also without a gateway
    this.stopCommands = startLiveCommands(this.io, this.deps); // the registry is the queue: also without a gateway
    // Through Redis, the nodes' batches arrive by themselves (constructor); without it, only a gateway has live state.
    if (this.deps.liveFeed || !this.deps.gateway) return;
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
    // Only this dashboard's sockets: through the adapter, every dashboard's would go.
    this.io.local.disconnectSockets(true);
    // The adapter's subscriptions; not awaited, as Redis may be away (the live feed closes the connection after us).
    if (this.deps.liveFeed) Promise.resolve(this.io.of('/').adapter.close()).catch(() => {});
    // io.close() would also close the HTTP server, which Fastify owns and closes itself.
    this.io.engine.close();
  }

  private onConnection(socket: RightsSocket): void {
    for (const id of socket.data.schoolIds) void socket.join(schoolRoom(id));
    // Reading a device's pushes is authorised with the user as of now (live-rights.ts), like GET /api/devices/:id.
    socket.on('watch', (deviceId, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      this.rights.withUser(socket, async (user) => {
        const p = typeof deviceId === 'string' && isDeviceId(deviceId) ? this.deps.directory.get(deviceId) : undefined;
        if (!p || p.revoked) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${String(deviceId)}'`);
        if (!maySee(user, p)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'This device belongs to a school outside your scope.');
        await socket.join(deviceRoom(p.id));
        reply({ ok: true });
      }).catch((err: unknown) => reply(ackError(this.deps, err)));
    });
    // Leaving a room needs no right.
    socket.on('unwatch', (deviceId) => {
      if (typeof deviceId === 'string') void socket.leave(deviceRoom(deviceId));
    });
    attachCommandHandlers(socket, this.deps, this.rights);
  }

  /** One pass: what changed since the last tick, grouped by school, one emit per school room. */
  tick(): void {
    const live = this.deps.gateway?.live;
    if (!live) return;
    const version = live.currentVersion;
    if (version === this.lastVersion) return;
    const changed = live.changedSince(this.lastVersion);
    this.lastVersion = version;
    this.fanOut(changed);
  }

  /** Sends changed devices to this dashboard's rooms: one `devices` per school room, one `device` per watched device. */
  private fanOut(changed: readonly LiveDevice[]): void {
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
      if (watched) this.io.local.to(deviceRoom(d.id)).emit('device', view);
    }
    for (const [schoolId, batch] of bySchool) this.io.local.to(schoolRoom(schoolId)).emit('devices', batch);
  }
}
