/** School timetables per term and the monthly report subscriptions. */
import { timetableProblems, type TermTimetable } from '../../timetable/model.js';
import type { ReportSubscription } from '../types.js';
import { conflictOr, dbFailure, inTx, invalid, notFound, type Ctx } from './context.js';
import { audit } from './logs.js';

/** The terms a school has entered, by start date (none: the analytics use its level's default). */
export async function timetables(c: Ctx, schoolId: number): Promise<TermTimetable[]> {
  return (await c.db.selectFrom('timetables').select('data').where('school_id', '=', schoolId).orderBy('start').execute()).map((r) => JSON.parse(r.data) as TermTimetable);
}

/** Every school's entered terms, for a province-wide analysis in one query. */
export async function allTimetables(c: Ctx): Promise<Map<number, TermTimetable[]>> {
  const out = new Map<number, TermTimetable[]>();
  for (const r of await c.db.selectFrom('timetables').select(['school_id as schoolId', 'data']).orderBy('start').execute()) {
    const list = out.get(r.schoolId) ?? [];
    list.push(JSON.parse(r.data) as TermTimetable);
    out.set(r.schoolId, list);
  }
  return out;
}

/** Replaces a school's terms; refuses invalid or overlapping terms with every problem named. */
export async function setTimetables(c: Ctx, schoolId: number, terms: TermTimetable[]): Promise<void> {
  const problems = terms.flatMap((t) => timetableProblems(t).map((p) => `${t.term}: ${p}`));
  const sorted = [...terms].sort((a, b) => a.start.localeCompare(b.start));
  sorted.forEach((t, i) => {
    const next = sorted[i + 1];
    if (next && next.start <= t.end) problems.push(`${t.term} (${t.start} – ${t.end}) overlaps ${next.term} (${next.start} – ${next.end})`);
  });
  if (new Set(terms.map((t) => t.term)).size !== terms.length) problems.push('two terms have the same name');
  if (problems.length) throw invalid(`the timetable is invalid: ${problems.join('; ')}`);
  await inTx(c, async (t) => {
    await t.db.deleteFrom('timetables').where('school_id', '=', schoolId).execute();
    if (terms.length) {
      await t.db.insertInto('timetables').values(terms.map((x) => ({ school_id: schoolId, term: x.term, start: x.start, end: x.end, data: JSON.stringify(x), updated_at: Date.now() }))).execute();
    }
  });
}

/**
 * The timetable import: for each school, its new terms from `merge(existing)`, all schools in one transaction with
 * one audit entry (`edufleet timetable import`).
 */
export async function mergeTimetables(c: Ctx, merges: Map<number, (existing: TermTimetable[]) => TermTimetable[]>,
  auditEntry?: { byUser: string; action: string; entity: string; entityId: string; detail: object }): Promise<void> {
  await inTx(c, async (t) => {
    for (const [schoolId, merge] of merges) await setTimetables(t, schoolId, merge(await timetables(t, schoolId)));
    if (auditEntry) await audit(t, auditEntry.byUser, auditEntry.action, auditEntry.entity, auditEntry.entityId, auditEntry.detail);
  });
}

export async function subscriptions(c: Ctx): Promise<ReportSubscription[]> {
  return c.db.selectFrom('report_subscriptions')
    .select(['id', 'email', 'district_id as districtId', 'created_by as createdBy', 'created_at as createdAt', 'last_sent as lastSent']).orderBy('email').execute();
}

export async function addSubscription(c: Ctx, s: { email: string; districtId: number | null; createdBy: string }): Promise<ReportSubscription> {
  // A repeat is refused by the (email, district) UNIQUE, or for the province (NULL district) by a partial index.
  try {
    const r = await c.db.insertInto('report_subscriptions').values({ email: s.email, district_id: s.districtId, created_by: s.createdBy, created_at: Date.now() })
      .returning('id').executeTakeFirstOrThrow();
    return (await subscriptions(c)).find((x) => x.id === r.id)!;
  } catch (err) {
    if (dbFailure(err) === 'foreign') throw notFound(`no district ${s.districtId}`);
    return conflictOr(err, `${s.email} already receives this report`);
  }
}

export async function removeSubscription(c: Ctx, id: number): Promise<void> {
  const r = await c.db.deleteFrom('report_subscriptions').where('id', '=', id).executeTakeFirst();
  if (r.numDeletedRows === 0n) throw notFound(`no subscription ${id}`);
}

/**
 * Claims the report of `month` for one sender before it goes out: true for exactly one of several processes sharing
 * the database (the UPDATE is the test-and-set), false when it was sent or is being sent already. With `lease`, the
 * claim holds until `now + leaseMs` (renewed by `renewReport` while it is sent, ended by `reportSent`), and a claim
 * of this month whose lease ran out unsent (its sender died) is taken again.
 */
export async function claimReport(c: Ctx, id: number, month: string, lease?: { now: number; leaseMs: number }): Promise<boolean> {
  const r = await c.db.updateTable('report_subscriptions').set({ last_sent: month, sending_until: lease ? lease.now + lease.leaseMs : null }).where('id', '=', id)
    .where((eb) => eb.or([
      eb('last_sent', 'is', null), eb('last_sent', '!=', month),
      // Claimed for this month by a process whose lease ran out before it was sent: it died sending.
      ...(lease ? [eb.and([eb('last_sent', '=', month), eb('sending_until', 'is not', null), eb('sending_until', '<=', lease.now)])] : []),
    ])).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Extends the lease of a report being sent (false: it is not being sent under a lease any more). */
export async function renewReport(c: Ctx, id: number, month: string, until: number): Promise<boolean> {
  const r = await c.db.updateTable('report_subscriptions').set({ sending_until: until }).where('id', '=', id).where('last_sent', '=', month)
    .where('sending_until', 'is not', null).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Ends the lease of a report that went out: it stays sent. */
export async function reportSent(c: Ctx, id: number, month: string): Promise<void> {
  await c.db.updateTable('report_subscriptions').set({ sending_until: null }).where('id', '=', id).where('last_sent', '=', month).execute();
}

/** Gives a claim back after the send failed (to `previous`, the month sent before), so the hourly retry sends it. */
export async function releaseReport(c: Ctx, id: number, month: string, previous: string | null): Promise<void> {
  await c.db.updateTable('report_subscriptions').set({ last_sent: previous, sending_until: null }).where('id', '=', id).where('last_sent', '=', month).execute();
}

/** Records that the report of `month` (yyyy-mm) went out, so a restart on the same day does not send it twice. */
export async function markSent(c: Ctx, id: number, month: string): Promise<void> {
  await c.db.updateTable('report_subscriptions').set({ last_sent: month, sending_until: null }).where('id', '=', id).execute();
}
