import type { Server } from 'socket.io';
import type { ClientToServerEvents, CommandView, ServerToClientEvents } from '../../api/index.js';
import { EdufleetError } from '../../lib/errors.js';
import type { User } from '../../registry/index.js';
import type { DashboardDeps } from './deps.js';
import { targetLabeller } from './command-targets.js';
import { runRoom, schoolRoom, type LiveNodeEvents, type LiveRights, type RightsSocket } from './live-rights.js';
import { runView, visibleRun } from './routes/command-runs.js';
import { sendCommand } from './routes/commands.js';
import { can } from './scope.js';

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, LiveNodeEvents, { user: User }>;

/** Changes stamped this long before the newest one seen are read again: another process may commit a little late. */
const OVERLAP_MS = 2000;

/** A coded error as the REST API would answer it; anything else is internal (and logged). */
export function ackError(deps: Pick<DashboardDeps, 'log'>, err: unknown): { code: string; message: string } {
  if (err instanceof EdufleetError) return { code: err.code, message: err.message };
  deps.log.error({ err }, 'socket command request failed');
  return { code: 'EDUFLEET_ERR_INTERNAL', message: 'Internal error; the server log has the details.' };
}

/**
 * The `commands` and `run` pushes: every live tick, the commands whose state changed in the registry (whichever
 * process changed them: the registry is the queue), one batch per school room for the sockets that may send
 * commands, and the progress of every run they belong to to its `run:<id>` room. Returns the function that stops it.
 */
export function startLiveCommands(io: LiveServer, deps: DashboardDeps): () => void {
  let cursor: number | undefined;
  /** What was pushed per command within the overlap, so a row read twice is pushed once. */
  const pushed = new Map<string, { state: string; at: number }>();
  /** The state last pushed of each followed run. */
  const runStates = new Map<number, string>();
  let running = false;

  const tick = async (): Promise<void> => {
    if (io.engine.clientsCount === 0 || cursor === undefined) {
      cursor = deps.clock.now();
      pushed.clear();
      return;
    }
    const rows = await deps.registry.commandsChangedSince(cursor - OVERLAP_MS);
    const bySchool = new Map<number, CommandView[]>();
    const runs = new Set<number>();
    for (const c of rows) {
      cursor = Math.max(cursor, c.stateAt);
      const last = pushed.get(c.id);
      if (last?.state === c.state && last.at === c.stateAt) continue;
      pushed.set(c.id, { state: c.state, at: c.stateAt });
      let batch = bySchool.get(c.schoolId);
      if (!batch) bySchool.set(c.schoolId, (batch = []));
      batch.push(c);
      if (c.runId !== null) runs.add(c.runId);
    }
    for (const [id, p] of pushed) if (p.at <= cursor - OVERLAP_MS) pushed.delete(id);
    const rooms = io.sockets.adapter.rooms;
    const barred: string[] = [];
    for (const [sid, socket] of io.sockets.sockets) if (!can(socket.data.user, 'commands.send')) barred.push(sid);
    for (const [schoolId, batch] of bySchool) {
      if (rooms.has(schoolRoom(schoolId))) io.local.to(schoolRoom(schoolId)).except(barred).emit('commands', batch);
    }
    // A run also changes with no command changing (its watcher ends it): followed runs still running are looked at.
    const touched = new Set(runs);
    for (const id of runStates.keys()) if (!rooms.has(runRoom(id))) runStates.delete(id);
    for (const room of rooms.keys()) {
      if (!room.startsWith('run:')) continue;
      const id = Number(room.slice(4));
      if ((runStates.get(id) ?? 'running') === 'running') runs.add(id);
    }
    const watched = [...runs].filter((id) => rooms.has(runRoom(id)));
    if (!watched.length) return;
    const label = await targetLabeller(deps.registry);
    for (const id of watched) {
      const run = await deps.registry.commandRun(id);
      if (!run) continue;
      const changed = touched.has(id) || runStates.get(id) !== run.state;
      runStates.set(id, run.state);
      if (changed) io.local.to(runRoom(id)).emit('run', await runView(deps.registry, run, label));
    }
  };

  const timer = setInterval(() => {
    if (running) return; // a slow registry must not stack ticks up
    running = true;
    tick().catch((err: unknown) => deps.log.error({ err }, 'live commands tick failed; trying again next tick'))
      .finally(() => { running = false; });
  }, deps.config.dashboard.liveIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A socket's command requests: follow a run (scope and commands.send, as GET /api/command-runs/:id), and send one
 * command through the very function POST /api/devices/:id/commands calls. Both are authorised with the user as
 * the registry has them NOW (`rights.withUser`), never with the user of the handshake.
 */
export function attachCommandHandlers(socket: RightsSocket, deps: DashboardDeps, rights: LiveRights): void {
  socket.on('watchRun', (runId, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    rights.withUser(socket, async (user) => {
      if (!Number.isInteger(runId)) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'a run id is a whole number');
      const run = await visibleRun(deps.registry, user, runId);
      await socket.join(runRoom(run.id));
      reply({ ok: true });
      return run;
    }).then(async (run) => {
      // The current state at once: the next push comes only when one of its commands changes.
      socket.emit('run', await runView(deps.registry, run, await targetLabeller(deps.registry)));
    }).catch((err: unknown) => reply(ackError(deps, err)));
  });
  socket.on('unwatchRun', (runId) => {
    if (Number.isInteger(runId)) void socket.leave(runRoom(runId));
  });
  socket.on('command', (input, ack) => {
    const reply = typeof ack === 'function' ? ack : () => {};
    rights.withUser(socket, async (user) => {
      if (!input || typeof input !== 'object' || typeof input.deviceId !== 'string') throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'deviceId: a device id is required');
      const { deviceId, ...body } = input;
      reply({ ok: true, value: await sendCommand(deps, user, deviceId, body) });
    }).catch((err: unknown) => reply(ackError(deps, err)));
  });
}
