import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { addDays, defaultTerms, localDate, schoolYearOf, type TermTimetable } from '../../../timetable/index.js';
import type { User } from '../../../registry/index.js';
import { reportCsv, reportPdf, reportTitle, reportXlsx } from '../../../usage/export.js';
import { daysBetween, planningReport, usageReport, type ReportFilter } from '../../../usage/report.js';
import type { BodyOf, ExportJob, PlanningResponse, QueryOf, UsageReport } from '../../../api/index.js';
import { ExportJobs, startOrRetryAfter } from '../export-jobs.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Defaulted, Route } from '../route-types.js';
import { authorize, requireVisible, userScope } from '../scope.js';

/** The budget's room count defaults to 2 (the schema's default, filled in by validation). */
type PlanningQuery = Defaulted<QueryOf<'GET /api/planning'>, 'rooms'>;
type ExportBody = Defaulted<BodyOf<'POST /api/usage/exports'>, 'rooms'>;

const EARLIEST = '2000-01-01';
const LATEST = '2100-01-01';

/** Four weeks up to today, unless the query says otherwise; `to` is exclusive. */
function window(q: { from?: string; to?: string }, now: number): { from: string; to: string } {
  const to = q.to ?? addDays(localDate(now), 1);
  const from = q.from ?? addDays(to, -28);
  if (from >= to) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', `'from' (${from}) must be before 'to' (${to})`);
  if (daysBetween(from, to) > 800) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'a window of at most two school years');
  // InfluxDB's times end at 1677 and 2262 (a query past them fails: found by the API fuzzer); no school measured anything before 2000.
  if (from < EARLIEST || to > LATEST) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', `a window within ${EARLIEST} – ${LATEST}`);
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

  app.get<Route<'GET /api/usage'>>('/usage', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/usage') }, async (req): Promise<UsageReport> => {
    const user = currentUser(req);
    const { districtId, schoolId, roomId } = req.query;
    if (schoolId !== undefined) requireVisible(user, await schoolPlace(schoolId), `school ${schoolId}`);
    if (roomId !== undefined) requireVisible(user, await roomPlace(roomId), `room ${roomId}`);
    return usageReport({
      registry: deps.registry, store: deps.usageStore, queries: deps.usage, scope: userScope(user), ...window(req.query, deps.clock.now()),
      filter: { districtId, schoolId, roomId }, now: deps.clock.now(), minCoverage: deps.config.usage.minCoverage,
    });
  });

  app.get<Route<'GET /api/planning', { Querystring: PlanningQuery }>>('/planning', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/planning') }, async (req): Promise<PlanningResponse> =>
    planningReport({ registry: deps.registry, store: deps.usageStore, scope: userScope(currentUser(req)), ...window(req.query, deps.clock.now()), rooms: req.query.rooms, now: deps.clock.now(), minCoverage: deps.config.usage.minCoverage }));

  const exports = new ExportJobs(deps.registry, { perMin: deps.config.dashboard.exportsPerUserPerMin, clock: deps.clock });
  const CONTENT_TYPES = { pdf: 'application/pdf', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', csv: 'text/csv; charset=utf-8' };
  app.post<Route<'POST /api/usage/exports', { Body: ExportBody }>>('/usage/exports', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('POST /api/usage/exports') }, async (req, reply) => {
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
  app.get<Route<'GET /api/usage/exports/:id'>>('/usage/exports/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/usage/exports/:id') }, async (req): Promise<ExportJob> => exports.get(currentUser(req), req.params.id));
  app.get<Route<'GET /api/usage/exports/:id/file'>>('/usage/exports/:id/file', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/usage/exports/:id/file') }, async (req, reply) => {
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

  app.get<Route<'GET /api/schools/:id/timetable'>>('/schools/:id/timetable', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/schools/:id/timetable') }, async (req) => {
    const place = requireVisible(currentUser(req), await schoolPlace(req.params.id), `school ${req.params.id}`);
    const entered = await deps.registry.timetables(place.schoolId);
    const level = (await deps.registry.schools()).find((s) => s.id === place.schoolId)?.level ?? 'thpt';
    return { isDefault: entered.length === 0, terms: entered.length ? entered : defaultTerms(level, schoolYearOf(localDate(deps.clock.now()))) };
  });

  app.put<Route<'PUT /api/schools/:id/timetable'>>('/schools/:id/timetable', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('PUT /api/schools/:id/timetable'),
  }, async (req) => {
    const user = currentUser(req);
    const place = requireVisible(user, await schoolPlace(req.params.id), `school ${req.params.id}`);
    authorize(user, 'records.write', place);
    await deps.registry.setTimetables(place.schoolId, req.body.terms as TermTimetable[]);
    await deps.registry.audit(user.username, 'timetable.update', 'school', place.schoolId, { terms: req.body.terms.map((t) => t.term) });
    return { isDefault: false, terms: await deps.registry.timetables(place.schoolId) };
  });
};

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
  app.get<Route<'GET /api/reports/subscriptions'>>('/reports/subscriptions', { config: { access: 'reports.subscribe' }, preHandler: guard, schema: schemaOf('GET /api/reports/subscriptions') }, async (req) => {
    const user = currentUser(req);
    return (await deps.registry.subscriptions()).filter((s) => mayHave(user, s.districtId));
  });
  app.post<Route<'POST /api/reports/subscriptions'>>('/reports/subscriptions', { config: { access: 'reports.subscribe' }, preHandler: guard, schema: schemaOf('POST /api/reports/subscriptions') }, async (req, reply) => {
    const user = currentUser(req);
    if (!mayHave(user, req.body.districtId)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', req.body.districtId === null ? 'the province-wide report is for province-wide users' : `district ${req.body.districtId} is outside your scope`);
    const sub = await deps.registry.addSubscription({ ...req.body, createdBy: user.username });
    await deps.registry.audit(user.username, 'report.subscribe', 'subscription', sub.id, req.body);
    return reply.status(201).send(sub);
  });
  app.delete<Route<'DELETE /api/reports/subscriptions/:id'>>('/reports/subscriptions/:id', { config: { access: 'reports.subscribe' }, preHandler: guard, schema: schemaOf('DELETE /api/reports/subscriptions/:id') }, async (req) => {
    const user = currentUser(req);
    const sub = (await deps.registry.subscriptions()).find((s) => s.id === req.params.id);
    if (!sub) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no subscription ${req.params.id}`);
    if (!mayHave(user, sub.districtId)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', 'this subscription is outside your scope');
    await deps.registry.removeSubscription(sub.id);
    await deps.registry.audit(user.username, 'report.unsubscribe', 'subscription', sub.id, {});
    return { id: sub.id, removed: true };
  });
};
