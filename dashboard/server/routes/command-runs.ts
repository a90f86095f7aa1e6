import type { FastifyPluginAsync } from 'fastify';
import type { CommandView, RunDetail, RunPreview, RunView } from '../../../api/index.js';
import { planRun, runDefaults, startRun } from '../../../commands/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import { DEVICE_KINDS, type DeviceKind } from '../../../protocol/index.js';
import { targetLabeller } from '../command-targets.js';
import { isRowId, type CommandTarget, type RegistryStore, type RunRecord, type User } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { liveLookup } from '../live-lookup.js';
import { deviceState, isConnected } from '../problems.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

const forbidden = (message: string) => new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', message);
const invalid = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', message);

/**
 * May `user` send commands to `target`? A place: commands.send on its school (404 when there is none, 403 outside
 * the scope). A district: the user's scope must name it or one of its schools. A kind: commands.send at all; the
 * run is then limited to the user's scope by the registry query.
 */
export async function authorizeTarget(reg: RegistryStore, user: User, target: CommandTarget): Promise<void> {
  if (target.type === 'kind') {
    if (!DEVICE_KINDS.includes(target.id as DeviceKind)) throw invalid(`unknown device kind '${target.id}'`);
    authorize(user, 'commands.send');
    return;
  }
  const id = Number(target.id);
  if (!isRowId(id)) throw invalid(`'${target.id}' is not a ${target.type} id`);
  if (target.type === 'district') {
    if (!(await reg.places.ref('district', id))) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no district ${id}`);
    authorize(user, 'commands.send');
    const scope = userScope(user);
    if (scope && !scope.districtIds?.includes(id) && !(await reg.schools(scope)).some((s) => s.districtId === id)) {
      throw forbidden('this district is outside your scope (commands.send)');
    }
    return;
  }
  const ref = await reg.places.ref(target.type, id);
  const place = requireVisible(user, ref && { schoolId: ref.schoolId!, districtId: ref.districtId }, `${target.type} ${id}`);
  authorize(user, 'commands.send', place);
}

/** A run as the API shows it, with its progress counted now. */
export async function runView(reg: RegistryStore, r: RunRecord, label: (t: CommandTarget) => string): Promise<RunView> {
  return {
    id: r.id, name: r.name, args: r.args, target: { type: r.target.type, id: r.target.id, kind: r.target.kind ?? null }, targetLabel: label(r.target),
    schoolId: r.schoolId, districtId: r.districtId, origin: r.origin, scheduleId: r.scheduleId, createdAt: r.createdAt, ratePerMin: r.ratePerMin,
    abortFailedPct: r.abortFailedPct, ttlMs: r.ttlMs, state: r.state, endedAt: r.endedAt, endedBy: r.endedBy, endReason: r.endReason,
    progress: await reg.runProgress(r.id),
  };
}

/**
 * May `user` act on (or follow) this run? It must be in their scope (the registry's run scope) and they need
 * commands.send where it lies: its school, or for a run across schools, commands.send at all.
 */
export async function visibleRun(reg: RegistryStore, user: User, id: number): Promise<RunRecord> {
  let run = await reg.commandRun(id, userScope(user));
  if (!run) {
    const any = await reg.commandRun(id);
    if (!any) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no command run ${id}`);
    // A run across several of the user's schools has no school of its own (nor, across districts, a district) that
    // the scope could name; its starter still follows it (its commands are filtered by the scope).
    if (any.origin.by !== 'user' || any.origin.username !== user.username) throw forbidden(`run ${id} belongs to a school outside your scope`);
    run = any;
  }
  authorize(user, 'commands.send', run.schoolId === null ? undefined : { schoolId: run.schoolId, districtId: run.districtId });
  return run;
}

/** Devices connected now: the shared health state (any process), or this process's gateway. */
async function onlineOf(deps: DashboardDeps, ids: string[]): Promise<number> {
  const online = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const h of await deps.registry.healthRows({ deviceIds: ids.slice(i, i + 500) })) {
      if (h.signals.presence === 'online' || h.signals.presence === 'sleep') online.add(h.deviceId);
    }
  }
  const live = await liveLookup(deps, ids);
  if (live) for (const id of ids) if (isConnected(deviceState(live.get(id)))) online.add(id);
  return online.size;
}

/** Device ids that did not answer: expired, or still waiting after their time (or after the run ended). */
export function notAnswered(commands: readonly CommandView[], runEnded: boolean, now: number): string[] {
  return commands.filter((c) => c.state === 'expired' || ((c.state === 'sent' || c.state === 'delivered') && (runEnded || c.expiresAt <= now)))
    .map((c) => c.deviceId);
}

/**
 * Bulk runs (docs/commands.md, "Bulk runs"): preview, start, follow, cancel, and a school's command history. Every
 * route needs commands.send where it acts or reads: planners and viewers see no command screens.
 */
export const commandRunRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const now = () => deps.clock.now();

  app.post<Route<'POST /api/command-runs/preview'>>('/command-runs/preview', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('POST /api/command-runs/preview'),
  }, async (req) => {
    const me = currentUser(req);
    await authorizeTarget(reg, me, req.body.target);
    const scope = userScope(me);
    const plan = await planRun(reg, { target: req.body.target, name: req.body.name, ...(req.body.args ? { args: req.body.args } : {}), ...(scope ? { scope } : {}) });
    const byKind: RunPreview['byKind'] = {};
    for (const d of plan.devices) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
    const d = runDefaults(plan.harmful);
    return {
      devices: plan.devices.length, byKind, online: await onlineOf(deps, plan.devices.map((x) => x.id)), skipped: plan.skipped,
      schools: new Set(plan.devices.map((x) => x.schoolId)).size, harmful: plan.harmful, targetLabel: (await targetLabeller(reg))(req.body.target),
      defaults: { ratePerMin: d.ratePerMin, abortFailedPct: d.abortFailedPct, ttlSeconds: d.ttlMs / 1000 },
    } satisfies RunPreview;
  });

  app.post<Route<'POST /api/command-runs'>>('/command-runs', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('POST /api/command-runs'),
  }, async (req, reply) => {
    const me = currentUser(req);
    const b = req.body;
    await authorizeTarget(reg, me, b.target);
    const scope = userScope(me);
    const at = now();
    const { runId, devices } = await startRun(reg, {
      target: b.target, name: b.name, ...(b.args ? { args: b.args } : {}), ...(scope ? { scope } : {}), origin: { by: 'user', username: me.username }, at,
      // The rollout rate and the abort rule of a harmful command are safety switches: only an admin loosens them.
      keepSafety: me.role !== 'admin',
      ...(b.ttlSeconds !== undefined ? { ttlMs: b.ttlSeconds * 1000 } : {}),
      ...(b.ratePerMin !== undefined ? { ratePerMin: b.ratePerMin } : {}), ...(b.abortFailedPct !== undefined ? { abortFailedPct: b.abortFailedPct } : {}),
    });
    const run = (await reg.commandRun(runId))!;
    // This process's broker publishes what is released now; the rest waits for the sweeps (any process).
    const released = run.ratePerMin ? devices.slice(0, 1) : devices;
    for (const d of released) await deps.kickCommands?.(d.id);
    return reply.status(201).send(await runView(reg, run, await targetLabeller(reg)));
  });

  app.get<Route<'GET /api/command-runs'>>('/command-runs', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/command-runs'),
  }, async (req) => {
    const me = currentUser(req);
    authorize(me, 'commands.send');
    const q = req.query;
    const scope = userScope(me);
    const limit = q.limit ?? 50;
    const runs = await reg.listRuns({ ...(scope ? { scope, startedBy: me.username } : {}), ...(q.state ? { state: q.state } : {}), ...(q.schoolId !== undefined ? { schoolId: q.schoolId } : {}), limit });
    const label = await targetLabeller(reg);
    return Promise.all(runs.map((r) => runView(reg, r, label)));
  });

  app.get<Route<'GET /api/command-runs/:id'>>('/command-runs/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/command-runs/:id') }, async (req) => {
    const me = currentUser(req);
    const run = await visibleRun(reg, me, req.params.id);
    const scope = userScope(me);
    const commands = await reg.commandsOfRun(run.id, scope ? { scope } : {});
    const view = await runView(reg, run, await targetLabeller(reg));
    return { ...view, commands, notAnswered: notAnswered(commands, run.state !== 'running', now()) } satisfies RunDetail;
  });

  app.post<Route<'POST /api/command-runs/:id/cancel'>>('/command-runs/:id/cancel', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/command-runs/:id/cancel') }, async (req) => {
    const me = currentUser(req);
    const run = await visibleRun(reg, me, req.params.id);
    const done = await reg.transaction(async (tx) => {
      const ok = await tx.cancelRun(run.id, me.username, now());
      if (ok) await tx.audit(me.username, 'command.run.cancel', 'run', run.id, { name: run.name, target: run.target });
      return ok;
    });
    if (!done) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `run ${run.id} is ${run.state}; only a running run can be cancelled`);
    return runView(reg, (await reg.commandRun(run.id))!, await targetLabeller(reg));
  });

  app.get<Route<'GET /api/schools/:id/commands'>>('/schools/:id/commands', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/schools/:id/commands'),
  }, async (req) => {
    const me = currentUser(req);
    const ref = await reg.places.ref('school', req.params.id);
    const place = requireVisible(me, ref && { schoolId: ref.schoolId!, districtId: ref.districtId }, `school ${req.params.id}`);
    authorize(me, 'commands.send', place);
    const scope = userScope(me);
    return reg.commandsOfSchool(place.schoolId, { ...(scope ? { scope } : {}), ...(req.query.limit ? { limit: req.query.limit } : {}), ...(req.query.before !== undefined ? { before: req.query.before } : {}) });
  });
};
