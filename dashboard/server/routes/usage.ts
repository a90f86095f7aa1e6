import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { addDays, defaultTerms, localDate, schoolYearOf, type TermTimetable } from '../../../timetable/index.js';
import { roomFacts, schoolFacts } from '../../../usage/facts.js';
import { rankSchools, roomRows, SMART_CLASSROOM_VND } from '../../../usage/planning.js';
import { daysBetween, usageReport } from '../../../usage/report.js';
import type { PlanningResponse, UsageReport } from '../../shared/api.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
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
  const schoolPlace = (schoolId: number) => {
    const ref = deps.registry.places.ref('school', schoolId);
    return ref && { schoolId: ref.id, districtId: ref.districtId };
  };

  app.get<{ Querystring: Static<typeof UsageQuery> }>('/usage', { preHandler: requireUser, schema: { querystring: UsageQuery } }, async (req): Promise<UsageReport> => {
    const user = currentUser(req);
    const { districtId, schoolId, roomId } = req.query;
    if (schoolId !== undefined) requireVisible(user, schoolPlace(schoolId), `school ${schoolId}`);
    if (roomId !== undefined) requireVisible(user, deps.registry.roomPlaces([roomId]).get(roomId), `room ${roomId}`);
    return usageReport({
      registry: deps.registry, queries: deps.usage, scope: userScope(user), ...window(req.query, deps.clock.now()),
      filter: { districtId, schoolId, roomId }, now: deps.clock.now(),
    });
  });

  app.get<{ Querystring: Static<typeof PlanningQuery> }>('/planning', { preHandler: requireUser, schema: { querystring: PlanningQuery } }, async (req): Promise<PlanningResponse> => {
    const scope = userScope(currentUser(req));
    const w = window(req.query, deps.clock.now());
    const rooms = roomFacts(deps.registry, scope);
    const range = { ...w, schoolIds: scope ? [...new Set(rooms.map((r) => r.schoolId))] : undefined };
    const [totals, hours] = await Promise.all([deps.usage.roomTotals(range), deps.usage.deviceHours(range)]);
    const ranking = rankSchools(schoolFacts(deps.registry, scope), roomRows(rooms, totals, hours, daysBetween(w.from, w.to)), req.query.rooms, localDate(deps.clock.now()));
    return {
      rooms: req.query.rooms, unitCostVnd: SMART_CLASSROOM_VND, budgetVnd: req.query.rooms * SMART_CLASSROOM_VND, ...w,
      ranking: ranking.map((r) => ({
        rank: r.rank, schoolId: r.school.schoolId, schoolName: r.school.schoolName, districtName: r.school.districtName, pupils: r.school.pupils,
        score: r.score, utilisation: r.utilisation, smartRooms: r.smartRooms, pupilsPerSmartRoom: r.pupilsPerSmartRoom,
        yearsSinceInvestment: r.yearsSinceInvestment, reasons: r.reasons, funded: r.funded,
      })),
    };
  });

  app.get<{ Params: { id: number } }>('/schools/:id/timetable', { preHandler: requireUser, schema: { params: Type.Object({ id: Id }) } }, async (req) => {
    const place = requireVisible(currentUser(req), schoolPlace(req.params.id), `school ${req.params.id}`);
    const entered = deps.registry.timetables(place.schoolId);
    const level = deps.registry.schools().find((s) => s.id === place.schoolId)?.level ?? 'thpt';
    return { isDefault: entered.length === 0, terms: entered.length ? entered : defaultTerms(level, schoolYearOf(localDate(deps.clock.now()))) };
  });

  app.put<{ Params: { id: number }; Body: Static<typeof TimetableBody> }>('/schools/:id/timetable', {
    preHandler: requireUser, schema: { params: Type.Object({ id: Id }), body: TimetableBody },
  }, async (req) => {
    const user = currentUser(req);
    const place = requireVisible(user, schoolPlace(req.params.id), `school ${req.params.id}`);
    authorize(user, 'records.write', place);
    deps.registry.setTimetables(place.schoolId, req.body.terms as TermTimetable[]);
    deps.registry.audit(user.username, 'timetable.update', 'school', place.schoolId, { terms: req.body.terms.map((t) => t.term) });
    return { isDefault: false, terms: deps.registry.timetables(place.schoolId) };
  });
};
