import type { FastifyPluginAsync } from 'fastify';
import type { CommandTargetInput, ScheduleFireView, ScheduleInputBody, ScheduleView } from '../../../api/index.js';
import { isHarmful, kindsFor, loosenedSafety, loosenedSafetyError, nextRuns, planRun, runDefaults, schoolDaySkips, type SkipCheck } from '../../../commands/index.js';
import { EdufleetError } from '../../../lib/errors.js';
import type { FireRecord, RegistryStore, ScheduleInput, ScheduleRecord, User } from '../../../registry/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { targetLabeller } from '../command-targets.js';
import { authorize, can, requireVisible, userScope, type ScopedPlace } from '../scope.js';

type Body = ScheduleInputBody;

const invalid = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', message);
const NEXT_RUNS = 5;
const FIRES_SHOWN = 20;

/** A school as a place the permission table understands (undefined: no such school). */
async function schoolPlace(reg: RegistryStore, schoolId: number): Promise<ScopedPlace | undefined> {
  const ref = await reg.places.ref('school', schoolId);
  return ref ? { schoolId, districtId: ref.districtId } : undefined;
}

/** The school a schedule belongs to: it must exist, be visible, and the user must be allowed to command it. */
async function schoolFor(reg: RegistryStore, user: User, schoolId: number): Promise<ScopedPlace> {
  const place = requireVisible(user, await schoolPlace(reg, schoolId), `school ${schoolId}`);
  authorize(user, 'commands.send', place);
  return place;
}

/**
 * A schedule follows one school's timetable, so it acts on that school only: the school itself, or a site or room
 * of it. A district or a kind spans schools whose holidays differ, and is refused.
 */
async function checkTarget(reg: RegistryStore, schoolId: number, t: CommandTargetInput): Promise<void> {
  if (t.type === 'district' || t.type === 'kind') {
    throw invalid(`a schedule acts on one school's devices, on that school's timetable: aim it at the school, one of its sites or one of its rooms, not a ${t.type} (which spans schools with different holidays)`);
  }
  if (t.type === 'school') {
    if (Number(t.id) !== schoolId) throw invalid(`the target school ${t.id} is not the schedule's school ${schoolId}`);
    return;
  }
  const ref = /^\d+$/.test(t.id) ? await reg.places.ref(t.type, Number(t.id)) : undefined;
  if (!ref) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${t.type} ${t.id}`);
  if (ref.schoolId !== schoolId) throw invalid(`${t.type} ${t.id} is not in the schedule's school ${schoolId}`);
}

/** Whether a stored schedule sends a harmful command (at its time or at its end). */
const harmfulSchedule = (s: Pick<ScheduleRecord, 'command' | 'target' | 'until'>): boolean =>
  isHarmful(s.command, kindsFor(s.command, s.target)) || Boolean(s.until && isHarmful(s.until.command, kindsFor(s.until.command, s.target)));

/**
 * A schedule's runs are bulk runs: only an admin may switch off or loosen the rollout of a harmful one. A
 * non-admin may keep what an admin chose for a schedule that was harmful already (switching it on or off, say).
 */
function checkSafety({ user, stored }: Saver, input: ScheduleInput, harmful: boolean): void {
  if (user.role === 'admin' || !harmful) return;
  const kept = stored && harmfulSchedule(stored) ? stored : undefined;
  const why = loosenedSafety({
    ratePerMin: kept && input.ratePerMin === kept.ratePerMin ? undefined : input.ratePerMin,
    abortFailedPct: kept && input.abortFailedPct === kept.abortFailedPct ? undefined : input.abortFailedPct,
  });
  if (why) throw loosenedSafetyError(input.until ? `${input.command}, ${input.until.command}` : input.command, why);
}

/** Who saves a schedule, and the schedule an edit replaces. */
interface Saver { user: User; stored?: ScheduleRecord }

/**
 * Validates a schedule as sent and turns it into the registry's shape, with the rollout defaults of its commands;
 * with a `saver` (not for a preview), also checks that they may choose its rollout.
 */
async function toInput(reg: RegistryStore, b: Body, saver?: Saver): Promise<{ input: ScheduleInput; devices: number }> {
  await checkTarget(reg, b.schoolId, b.target);
  const target = { type: b.target.type, id: b.target.id, kind: b.target.kind ?? null };
  const plan = await planRun(reg, { target, name: b.command, ...(b.args ? { args: b.args } : {}) });
  const untilPlan = b.until ? await planRun(reg, { target, name: b.until.command, ...(b.until.args ? { args: b.until.args } : {}) }) : undefined;
  if (b.until && b.until.at === b.at) throw invalid('a range must end at another time than it starts');
  // Stored resolved: a schedule keeps the rollout it was saved with, whatever the defaults become.
  const d = runDefaults(plan.harmful || Boolean(untilPlan?.harmful));
  const input: ScheduleInput = {
    schoolId: b.schoolId, name: b.name, target, command: b.command, args: plan.args, days: b.days, at: b.at,
    until: b.until && untilPlan ? { at: b.until.at, command: b.until.command, args: untilPlan.args } : null,
    skipHolidays: b.skipHolidays, enabled: b.enabled,
    ratePerMin: b.ratePerMin === undefined ? d.ratePerMin : b.ratePerMin,
    abortFailedPct: b.abortFailedPct === undefined ? d.abortFailedPct : b.abortFailedPct,
    ttlMs: b.ttlSeconds == null ? null : b.ttlSeconds * 1000,
  };
  if (saver) checkSafety(saver, input, plan.harmful || Boolean(untilPlan?.harmful));
  return { input, devices: plan.devices.length };
}

async function skipsOf(reg: RegistryStore, s: Pick<ScheduleInput, 'schoolId' | 'skipHolidays'>): Promise<SkipCheck> {
  const level = (await reg.schools({ schoolIds: [s.schoolId] }))[0]?.level;
  if (!s.skipHolidays || !level) return () => null;
  return schoolDaySkips(await reg.timetables(s.schoolId), level);
}

/** What a list reads once for all its schedules: the place names, and the users who answer for them. */
interface ViewContext { label: (t: ScheduleRecord['target']) => string; users: Map<string, Promise<User | undefined>> }
const viewContext = async (reg: RegistryStore): Promise<ViewContext> => ({ label: await targetLabeller(reg), users: new Map() });

/**
 * Whether the schedule would fire today (the scheduler asks the same at each fire, commands/scheduler.ts): its
 * owner may still command its school, and its room or site is still in that school.
 */
async function fireRights(reg: RegistryStore, s: ScheduleRecord, ctx: ViewContext): Promise<Pick<ScheduleView, 'creatorMayCommand' | 'targetInSchool'>> {
  if (!ctx.users.has(s.createdBy)) ctx.users.set(s.createdBy, reg.userByName(s.createdBy));
  const [owner, school] = await Promise.all([ctx.users.get(s.createdBy)!, schoolPlace(reg, s.schoolId)]);
  const target = s.target.type === 'room' || s.target.type === 'site' ? await reg.places.ref(s.target.type, Number(s.target.id)) : undefined;
  return {
    creatorMayCommand: Boolean(owner && school && !owner.disabled && can(owner, 'commands.send', school)),
    targetInSchool: target === undefined ? s.target.type === 'school' || s.target.type === 'kind' || s.target.type === 'district' : target.schoolId === s.schoolId,
  };
}

/** `ctx`: what a whole list reads once. */
async function view(reg: RegistryStore, s: ScheduleRecord, now: number, ctx?: ViewContext): Promise<ScheduleView> {
  const c = ctx ?? (await viewContext(reg));
  const label = c.label;
  return {
    id: s.id, schoolId: s.schoolId, name: s.name, target: s.target, targetLabel: label(s.target), command: s.command,
    args: s.args, days: s.days, at: s.at, until: s.until, skipHolidays: s.skipHolidays, enabled: s.enabled, ratePerMin: s.ratePerMin,
    abortFailedPct: s.abortFailedPct, ttlMs: s.ttlMs, createdBy: s.createdBy, createdAt: s.createdAt, updatedAt: s.updatedAt, lastFireAt: s.lastFireAt,
    ...(await fireRights(reg, s, c)),
    nextRuns: s.enabled ? nextRuns(s, now, NEXT_RUNS, await skipsOf(reg, s)) : [],
  };
}

const fireView = (f: FireRecord): ScheduleFireView => ({ fireAt: f.fireAt, part: f.part, state: f.state, claimedBy: f.claimedBy, doneAt: f.doneAt, runId: f.runId, note: f.note });

/**
 * Command schedules (docs/commands.md, "Schedules"). Reading, creating, previewing, editing and deleting need
 * commands.send on the schedule's school (both schools when an edit moves it), like runs; changes are audited. The scheduler of every process reads the change at its next reload.
 */
export const scheduleRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const reg = deps.registry;
  const now = () => deps.clock.now();
  const existing = async (user: User, id: number) => {
    const s = await reg.schedule(id);
    if (!s) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no schedule ${id}`);
    return { s, school: requireVisible(user, await schoolPlace(reg, s.schoolId), `schedule ${id}`) };
  };

  app.get<Route<'GET /api/schedules'>>('/schedules', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/schedules'),
  }, async (req) => {
    const me = currentUser(req);
    authorize(me, 'commands.send');
    // Asking for one school outside the scope is refused, not answered with an empty list, like the other filters.
    if (req.query.schoolId) authorize(me, 'commands.send', requireVisible(me, await schoolPlace(reg, req.query.schoolId), `school ${req.query.schoolId}`));
    const list = await reg.listSchedules({ scope: userScope(me), ...(req.query.schoolId ? { schoolId: req.query.schoolId } : {}) });
    const at = now();
    const ctx = await viewContext(reg);
    return Promise.all(list.map((s) => view(reg, s, at, ctx)));
  });

  app.post<Route<'POST /api/schedules'>>('/schedules', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/schedules') }, async (req, reply) => {
    const me = currentUser(req);
    await schoolFor(reg, me, req.body.schoolId);
    const { input } = await toInput(reg, req.body, { user: me });
    const at = now();
    const created = await reg.transaction(async (tx) => {
      const s = await tx.createSchedule(input, me.username, at);
      await tx.audit(me.username, 'schedule.create', 'schedule', s.id, { ...input });
      return s;
    });
    return reply.status(201).send(await view(reg, created, at));
  });

  app.post<Route<'POST /api/schedules/preview'>>('/schedules/preview', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/schedules/preview') }, async (req) => {
    await schoolFor(reg, currentUser(req), req.body.schoolId);
    const { input, devices } = await toInput(reg, req.body);
    return { nextRuns: nextRuns({ ...input, until: input.until ?? null }, now(), NEXT_RUNS, await skipsOf(reg, input)), devices };
  });

  app.get<Route<'GET /api/schedules/:id'>>('/schedules/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/schedules/:id') }, async (req) => {
    const me = currentUser(req);
    const { s, school } = await existing(me, req.params.id);
    authorize(me, 'commands.send', school);
    return { ...(await view(reg, s, now())), fires: (await reg.scheduleFires(s.id, FIRES_SHOWN)).map(fireView) };
  });

  app.put<Route<'PUT /api/schedules/:id'>>('/schedules/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('PUT /api/schedules/:id') }, async (req) => {
    const me = currentUser(req);
    const { s, school } = await existing(me, req.params.id);
    authorize(me, 'commands.send', school);
    if (req.body.schoolId !== s.schoolId) await schoolFor(reg, me, req.body.schoolId);
    const { input } = await toInput(reg, req.body, { user: me, stored: s });
    const at = now();
    const updated = await reg.transaction(async (tx) => {
      // Saved by someone who may command the school: they answer for it now, and it fires on their rights.
      const u = await tx.updateSchedule(s.id, input, at, me.username);
      await tx.audit(me.username, 'schedule.update', 'schedule', s.id, { ...input, ...(s.createdBy !== me.username ? { takenOverFrom: s.createdBy } : {}) });
      return u;
    });
    return view(reg, updated, at);
  });

  app.delete<Route<'DELETE /api/schedules/:id'>>('/schedules/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('DELETE /api/schedules/:id') }, async (req) => {
    const me = currentUser(req);
    const { s, school } = await existing(me, req.params.id);
    authorize(me, 'commands.send', school);
    await reg.transaction(async (tx) => {
      await tx.deleteSchedule(s.id, now());
      await tx.audit(me.username, 'schedule.delete', 'schedule', s.id, { name: s.name, schoolId: s.schoolId });
    });
    return { id: s.id, removed: true as const };
  });
};
