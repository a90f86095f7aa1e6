/**
 * A school's timetable for one term, as the people who write it think of it: teaching days, the periods ("tiết")
 * of each session with their local start and end, the term's dates and its holidays. Dates are local dates in
 * Vietnam (yyyy-mm-dd), times local hh:mm; `calendar.ts` turns them into UTC instants.
 */
export const SESSIONS = ['morning', 'afternoon', 'evening'] as const;
export type Session = (typeof SESSIONS)[number];

export interface Period {
  session: Session;
  /** 1-based number within its session, as on the printed timetable ("tiết 3 buổi sáng"). */
  no: number;
  /** Local "hh:mm". */
  start: string;
  end: string;
  /**
   * ISO weekdays this period is taught on, when not every teaching day of the term: a Saturday with a morning session
   * only, a Monday with one period more. Absent: every teaching day.
   */
  days?: number[];
}

export interface Holiday {
  name: string;
  /** First and last local day off, inclusive. */
  from: string;
  to: string;
}

export interface TermTimetable {
  /** e.g. "Học kỳ I 2026-2027". */
  term: string;
  /** First and last local day of the term, inclusive. */
  start: string;
  end: string;
  /** ISO weekdays with lessons: 1 = Monday … 6 = Saturday, 7 = Sunday. */
  teachingDays: number[];
  periods: Period[];
  holidays: Holiday[];
}

/** Periods a session may have (the heatmap keeps one column per period). */
export const MAX_PERIODS: Record<Session, number> = { morning: 6, afternoon: 6, evening: 4 };

export const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Minutes since local midnight of "hh:mm". */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** What a problem is about: a period's field, or the term's. */
export type TimetableField = 'termStart' | 'termEnd' | 'teachingDays' | 'session' | 'no' | 'start' | 'end' | 'days' | 'holidays';

/** A problem of a term timetable: `period` is the index in `periods` of the period that causes it, if one does. */
export interface TimetableProblem { message: string; period?: number; field?: TimetableField }

/** The weekdays a period is taught on. */
export const periodDays = (t: Pick<TermTimetable, 'teachingDays'>, p: Period): readonly number[] => p.days ?? t.teachingDays;

/** Everything wrong with a term timetable, each with the period that causes it (empty: valid). */
export function timetableProblemList(t: TermTimetable): TimetableProblem[] {
  const out: TimetableProblem[] = [];
  const term = (message: string, field?: TimetableField) => out.push({ message, ...(field ? { field } : {}) });
  if (!ISO_DATE.test(t.start) || !ISO_DATE.test(t.end)) term(`term dates must be yyyy-mm-dd (got ${t.start} – ${t.end})`, ISO_DATE.test(t.start) ? 'termEnd' : 'termStart');
  else if (t.start > t.end) term(`the term ends (${t.end}) before it starts (${t.start})`, 'termEnd');
  if (!t.teachingDays.length) term('no teaching day', 'teachingDays');
  for (const d of t.teachingDays) if (!Number.isInteger(d) || d < 1 || d > 7) term(`teaching day ${d} is not an ISO weekday (1 = Monday … 7 = Sunday)`, 'teachingDays');
  if (!t.periods.length) term('no period');
  const order = t.periods.map((_, i) => i).sort((a, b) => minutesOf(t.periods[a]!.start) - minutesOf(t.periods[b]!.start));
  const shareADay = (a: Period, b: Period) => periodDays(t, a).some((d) => periodDays(t, b).includes(d));
  order.forEach((i, k) => {
    const p = t.periods[i]!;
    const at = (message: string, field: TimetableField, period = i) => out.push({ message, period, field });
    const name = `period ${p.session} ${p.no}`;
    if (!SESSIONS.includes(p.session)) at(`${name}: the session must be one of ${SESSIONS.join(', ')}`, 'session');
    if (!Number.isInteger(p.no) || p.no < 1 || p.no > MAX_PERIODS[p.session]) at(`${name}: a ${p.session} session has periods 1 to ${MAX_PERIODS[p.session] ?? 6}`, 'no');
    if (p.days !== undefined) {
      if (!p.days.length) at(`${name}: no day`, 'days');
      const outside = p.days.filter((d) => !t.teachingDays.includes(d));
      if (outside.length) at(`${name}: day ${outside.join(', ')} is not a teaching day of the term`, 'days');
    }
    // The same period twice on one day; on days apart (a Saturday's own times) it is another period.
    if (order.some((j, m) => m < k && t.periods[j]!.session === p.session && t.periods[j]!.no === p.no && shareADay(t.periods[j]!, p))) at(`${name} appears twice`, 'no');
    if (!HH_MM.test(p.start) || !HH_MM.test(p.end)) return at(`${name}: times must be hh:mm (got ${p.start}–${p.end})`, HH_MM.test(p.start) ? 'end' : 'start');
    if (minutesOf(p.end) <= minutesOf(p.start)) at(`${name} ends (${p.end}) before it starts (${p.start})`, 'end');
    // The next period that shares a day with this one must not start before it ends: said on that next one.
    const j = order.slice(k + 1).find((x) => shareADay(p, t.periods[x]!));
    const next = j === undefined ? undefined : t.periods[j]!;
    if (next && HH_MM.test(next.start) && minutesOf(next.start) < minutesOf(p.end)) {
      at(`period ${next.session} ${next.no} (${next.start}) starts before ${name} (${p.start}–${p.end}) ends`, 'start', j);
    }
  });
  for (const h of t.holidays) {
    if (!ISO_DATE.test(h.from) || !ISO_DATE.test(h.to)) term(`holiday '${h.name}': dates must be yyyy-mm-dd`, 'holidays');
    else if (h.from > h.to) term(`holiday '${h.name}' ends before it starts`, 'holidays');
  }
  return out;
}

/** Everything wrong with a term timetable, in words (empty: valid). */
export function timetableProblems(t: TermTimetable): string[] {
  return timetableProblemList(t).map((p) => p.message);
}
