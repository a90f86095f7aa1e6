import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { addDays, defaultTerms, localDate, schoolYearOf, type TermTimetable } from '../../../timetable/index.js';
import type { User } from '../../../registry/index.js';
import { reportCsv, reportPdf, reportTitle, reportXlsx } from '../../../usage/export.js';
import { daysBetween, planningReport, usageReport, type ReportFilter } from '../../../usage/report.js';
import type { ExportJob, PlanningResponse, UsageReport } from '../../../api/index.js';
import { ExportJobs, startOrRetryAfter } from '../export-jobs.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });
const Id = Type.Integer({ minimum: 1 });
const Window = { from: Type.Optional(IsoDate), to: Type.Optional(IsoDate) };
const UsageQuery = Type.Object({
  ...Window,
  districtId: Type.Optional(Type.Union([Id, Type.Literal('so')])),
  schoolId: Type.Optional(Id),
  roomId: Type.Optional(Id),
}, { additionalProperties: false });
const PlanningQuery = Type.Object({ ...Window, rooms: Type.Integer({ minimum: 1, maximum: 200, default: 2 }) }, { additionalProperties: false });
const Period = Type.Object({
  session: Type.Union([Type.Literal('morning'), Type.Literal('afternoon'), Type.Literal('evening')]),
  no: Type.Integer({ minimum: 1, maximum: 6 }),
  start: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
  end: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
}, { additionalProperties: false });
const Term = Type.Object({
  term: Type.String({ minLength: 1, maxLength: 100 }), start: IsoDate, end: IsoDate,
  teachingDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
  periods: Type.Array(Period, { minItems: 1, maxItems: 16 }),
  holidays: Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), from: IsoDate, to: IsoDate }, { additionalProperties: false }), { maxItems: 100 }),
}, { additionalProperties: false });
const ExportBody = Type.Object({
  format: Type.Union([Type.Literal('pdf'), Type.Literal('xlsx'), Type.Literal('csv')]),
  ...Window,
  districtId: Type.Optional(Type.Union([Id, Type.Literal('so')])),
  schoolId: Type.Optional(Id),
  roomId: Type.Optional(Id),
  rooms: Type.Integer({ minimum: 1, maximum: 200, default: 2 }),
}, { additionalProperties: false });
const JobParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }) });
const TimetableBody = Type.Object({ terms: Type.Array(Term, { maxItems: 12 }) }, { additionalProperties: false });

/** Four weeks up to today, unless the query says otherwise; `to` is exclusive. */
function window(q: { from?: string; to?: string }, now: number): { from: string; to: string } {
  const to = q.to ?? addDays(localDate(now), 1);
  const from = q.from ?? addDays(to, -28);
  if (from >= to) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', `'from' (${from}) must be before 'to' (${to})`);
  if (daysBetween(from, to) > 800) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'a window of at most two school years');
  return { from, to };
}

/**
 * GET /api/usage (utilisation, heatmap, trends, flags, costs; every role, within scope), GET /api/planning (the
 * budget planner), GET and PUT /api/schools/:id/timetable.
 */
export const usageRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const schoolPlace = async (schoolId: number) => {
    const ref = await deps.registry.places.ref('school', schoolId);
    return ref && { schoolId: ref.id, districtId: ref.districtId };
  };
  const roomPlace = async (roomId: number) => (await deps.registry.roomPlaces([roomId])).get(roomId);

  app.get<Route<'GET /api/usage'>>('/usage', { config: { access: 'user' }, preHandler: requireUser, schema: { querystring: UsageQuery } }, async (req): Promise<UsageReport> => {
    const user = currentUser(req);
    const { districtId, schoolId, roomId } = req.query;
    if (schoolId !== undefined) requireVisible(user, await schoolPlace(schoolId), `school ${schoolId}`);
    if (roomId !== undefined) requireVisible(user, await roomPlace(roomId), `room ${roomId}`);
    return usageReport({
      registry: deps.registry, store: deps.usageStore, queries: deps.usage, scope: userScope(user), ...window(req.query, deps.clock.now()),
      filter: { districtId, schoolId, roomId }, now: deps.clock.now(), minCoverage: deps.config.usage.minCoverage,
    });
  });

  app.get<Route<'GET /api/planning', { Querystring: Static<typeof PlanningQuery> }>>('/planning', { config: { access: 'user' }, preHandler: requireUser, schema: { querystring: PlanningQuery } }, async (req): Promise<PlanningResponse> =>
    planningReport({ registry: deps.registry, store: deps.usageStore, scope: userScope(currentUser(req)), ...window(req.query, deps.clock.now()), rooms: req.query.rooms, now: deps.clock.now(), minCoverage: deps.config.usage.minCoverage }));

  const exports = new ExportJobs(deps.registry, { perMin: deps.config.dashboard.exportsPerUserPerMin, clock: deps.clock });
  const CONTENT_TYPES = { pdf: 'application/pdf', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8' };
  app.post<Route<'POST /api/usage/exports', { Body: Static<typeof ExportBody> }>>('/usage/exports', { config: { access: 'user' }, preHandler: requireUser, schema: { body: ExportBody } }, async (req, reply) => {
    const user = currentUser(req);
    const { format, districtId, schoolId, roomId, rooms } = req.body;
    const filter = { districtId, schoolId, roomId };
    if (schoolId !== undefined) requireVisible(user, await schoolPlace(schoolId), `school ${schoolId}`);
    if (roomId !== undefined) requireVisible(user, await roomPlace(roomId), `room ${roomId}`);
    const w = window(req.body, deps.clock.now());
    const scope = userScope(user);
    const job = await startOrRetryAfter(reply, () => exports.start(user, format, async (progress) => {
      progress({ phase: 'query', done: 0, total: 2 });
      const now = deps.clock.now();
      const report = await usageReport({ registry: deps.registry, store: deps.usageStore, queries: deps.usage, scope, ...w, filter, now, minCoverage: deps.config.usage.minCoverage });
      progress({ phase: 'query', done: 1, total: 2 });
      const plan = roomId === undefined && schoolId === undefined ? await planningReport({ registry: deps.registry, store: deps.usageStore, scope, ...w, rooms, now, minCoverage: deps.config.usage.minCoverage }) : undefined;
      progress({ phase: 'render', done: 0, total: report.rooms.length });
      const title = reportTitle(report, await scopeName(user, filter));
      const onProgress = (done: number, total: number) => progress({ phase: 'render', done, total });
      const data = format === 'pdf' ? await reportPdf(report, title, plan, onProgress)
        : format === 'xlsx' ? await reportXlsx(report, title, plan, onProgress)
          : Buffer.from(reportCsv(report, onProgress));
      return { fileName: `bao-cao-su-dung-phong-${w.from}-${addDays(w.to, -1)}.${format}`, contentType: CONTENT_TYPES[format], data };
    }));
    return reply.status(202).send(job);
  });
  app.get<Route<'GET /api/usage/exports/:id'>>('/usage/exports/:id', { config: { access: 'user' }, preHandler: requireUser, schema: { params: JobParams } }, async (req): Promise<ExportJob> => exports.get(currentUser(req), req.params.id));
  app.get<Route<'GET /api/usage/exports/:id/file'>>('/usage/exports/:id/file', { config: { access: 'user' }, preHandler: requireUser, schema: { params: JobParams } }, async (req, reply) => {
    const f = await exports.file(currentUser(req), req.params.id);
    return reply.type(f.contentType).header('content-disposition', `attachment; filename="${f.fileName}"`).send(f.data);
  });

  /** What the report covers, in words, for its title. */
  const scopeName = async (user: User, f: ReportFilter): Promise<string> => {
    if (f.roomId !== undefined) { const p = await roomPlace(f.roomId); return p ? `${p.roomName}, ${p.schoolName}` : `phòng ${f.roomId}`; }
    if (f.schoolId !== undefined) return (await deps.registry.schools()).find((x) => x.id === f.schoolId)?.name ?? `trường ${f.schoolId}`;
    if (f.districtId === 'so') return 'Các trường trực thuộc Sở';
    if (f.districtId !== undefined) return (await deps.registry.districts()).find((d) => d.id === f.districtId)?.name ?? `huyện ${f.districtId}`;
    return userScope(user) ? 'Phạm vi được phân quyền' : 'Toàn tỉnh';
  };

  app.get<Route<'GET /api/schools/:id/timetable'>>('/schools/:id/timetable', { config: { access: 'user' }, preHandler: requireUser, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
    const place = requireVisible(currentUser(req), await schoolPlace(req.params.id), `school ${req.params.id}`);
    const entered = await deps.registry.timetables(place.schoolId);
    const level = (await deps.registry.schools()).find((s) => s.id === place.schoolId)?.level ?? 'thpt';
    return { isDefault: entered.length === 0, terms: entered.length ? entered : defaultTerms(level, schoolYearOf(localDate(deps.clock.now()))) };
  });

  app.put<Route<'PUT /api/schools/:id/timetable'>>('/schools/:id/timetable', { config: { access: 'user' },
    preHandler: requireUser, schema: { params: Type.Object({ id: Id }), body: TimetableBody },
  }, async (req) => {
    const user = currentUser(req);
    const place = requireVisible(user, await schoolPlace(req.params.id), `school ${req.params.id}`);
    authorize(user, 'records.write', place);
    await deps.registry.setTimetables(place.schoolId, req.body.terms as TermTimetable[]);
    await deps.registry.audit(user.username, 'timetable.update', 'school', place.schoolId, { terms: req.body.terms.map((t) => t.term) });
    return { isDefault: false, terms: await deps.registry.timetables(place.schoolId) };
  });
};

const SubscriptionBody = Type.Object({
  email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
  districtId: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
}, { additionalProperties: false });

/**
 * GET/POST /api/reports/subscriptions, DELETE /api/reports/subscriptions/:id: who gets the monthly planning report.
 * Planners and admins; a district planner subscribes to their district's report only, and sees only those.
 */
export const subscriptionRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const mayHave = (user: User, districtId: number | null) => {
    const scope = userScope(user);
    return !scope || (districtId !== null && (scope.districtIds ?? []).includes(districtId));
  };
  const guard = async (req: Parameters<typeof currentUser>[0]) => {
    await requireUser(req);
    authorize(currentUser(req), 'reports.subscribe');
  };
  app.get<Route<'GET /api/reports/subscriptions'>>('/reports/subscriptions', { config: { access: 'reports.subscribe' }, preHandler: guard }, async (req) => {
    const user = currentUser(req);
    return (await deps.registry.subscriptions()).filter((s) => mayHave(user, s.districtId));
  });
  app.post<Route<'POST /api/reports/subscriptions'>>('/reports/subscriptions', { config: { access: 'reports.subscribe' }, preHandler: guard, schema: { body: SubscriptionBody } }, async (req, reply) => {
    const user = currentUser(req);
    if (!mayHave(user, req.body.districtId)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', req.body.districtId === null ? 'the province-wide report is for province-wide users' : `district ${req.body.districtId} is outside your scope`);
    const sub = await deps.registry.addSubscription({ ...req.body, createdBy: user.username });
    await deps.registry.audit(user.username, 'report.subscribe', 'subscription', sub.id, req.body);
    return reply.status(201).send(sub);
  });
  app.delete<Route<'DELETE /api/reports/subscriptions/:id'>>('/reports/subscriptions/:id', { config: { access: 'reports.subscribe' }, preHandler: guard, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
    const user = currentUser(req);
    const sub = (await deps.registry.subscriptions()).find((s) => s.id === req.params.id);
    if (!sub) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no subscription ${req.params.id}`);
    if (!mayHave(user, sub.districtId)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'this subscription is outside your scope');
    await deps.registry.removeSubscription(sub.id);
    await deps.registry.audit(user.username, 'report.unsubscribe', 'subscription', sub.id, {});
    return { id: sub.id, removed: true };
  });
};
