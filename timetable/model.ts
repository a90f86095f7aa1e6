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

/** Everything wrong with a term timetable, in words (empty: valid). */
export function timetableProblems(t: TermTimetable): string[] {
  const out: string[] = [];
  if (!ISO_DATE.test(t.start) || !ISO_DATE.test(t.end)) out.push(`term dates must be yyyy-mm-dd (got ${t.start} – ${t.end})`);
  else if (t.start > t.end) out.push(`the term ends (${t.end}) before it starts (${t.start})`);
  if (!t.teachingDays.length) out.push('no teaching day');
  for (const d of t.teachingDays) if (!Number.isInteger(d) || d < 1 || d > 7) out.push(`teaching day ${d} is not an ISO weekday (1 = Monday … 7 = Sunday)`);
  if (!t.periods.length) out.push('no period');
  const sorted = [...t.periods].sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
  sorted.forEach((p, i) => {
    const name = `period ${p.session} ${p.no}`;
    if (!SESSIONS.includes(p.session)) out.push(`${name}: the session must be one of ${SESSIONS.join(', ')}`);
    if (!Number.isInteger(p.no) || p.no < 1 || p.no > MAX_PERIODS[p.session]) out.push(`${name}: a ${p.session} session has periods 1 to ${MAX_PERIODS[p.session] ?? 6}`);
    if (sorted.some((q, j) => j < i && q.session === p.session && q.no === p.no)) out.push(`${name} appears twice`);
    if (!HH_MM.test(p.start) || !HH_MM.test(p.end)) return out.push(`${name}: times must be hh:mm (got ${p.start}–${p.end})`);
    if (minutesOf(p.end) <= minutesOf(p.start)) out.push(`${name} ends (${p.end}) before it starts (${p.start})`);
    const next = sorted[i + 1];
    if (next && HH_MM.test(next.start) && minutesOf(next.start) < minutesOf(p.end)) out.push(`${name} (${p.start}–${p.end}) overlaps period ${next.session} ${next.no} (${next.start})`);
  });
  for (const h of t.holidays) {
    if (!ISO_DATE.test(h.from) || !ISO_DATE.test(h.to)) out.push(`holiday '${h.name}': dates must be yyyy-mm-dd`);
    else if (h.from > h.to) out.push(`holiday '${h.name}' ends before it starts`);
  }
  return out;
}
