/**
 * Timetables of many schools from one CSV/XLSX, as a Sở collects them: one row per period of a school's term.
 *
 *   Mã trường, Học kỳ, Bắt đầu học kỳ, Kết thúc học kỳ, Ngày học, Buổi, Tiết, Bắt đầu, Kết thúc
 *   LC-THPT-CHUYEN, Học kỳ I 2026-2027, 05/09/2026, 16/01/2027, T2-T7, Sáng, 1, 07:00, 07:45
 *
 * Rows of the same school and term make one term; its holidays are the default ones of that school year (Tết and the
 * national holidays; editable afterwards in the web app). "Ngày học" is per row: the term teaches on every day its
 * rows name, and a period whose row names fewer days is taught on those only (a Saturday with a morning session, a
 * Monday with one period more). Every problem is reported on the row that causes it, with its column; a school with a
 * bad row gets nothing from the file.
 */
import { fold, parseDate, type Sheet } from '../lib/sheets/index.js';
import { defaultHolidays, schoolYearOf } from './defaults.js';
import { HH_MM, timetableProblemList, type Period, type Session, type TermTimetable, type TimetableField } from './model.js';

const COLUMNS = {
  school: ['ma truong', 'school code', 'school'],
  term: ['hoc ky', 'term'],
  termStart: ['bat dau hoc ky', 'term start'],
  termEnd: ['ket thuc hoc ky', 'term end'],
  days: ['ngay hoc', 'teaching days', 'days'],
  session: ['buoi', 'session'],
  no: ['tiet', 'period'],
  start: ['bat dau', 'start'],
  end: ['ket thuc', 'end'],
} as const;
type Col = keyof typeof COLUMNS;

const SESSION_WORDS: Record<string, Session> = { sang: 'morning', morning: 'morning', chieu: 'afternoon', afternoon: 'afternoon', toi: 'evening', evening: 'evening' };

/** "T2-T7", "2-6", "Thứ 2, Thứ 4", "CN" → ISO weekdays (Thứ Hai = 1 … Chủ nhật = 7). */
export function parseTeachingDays(raw: string): number[] | undefined {
  const day = (s: string): number | undefined => {
    const f = fold(s).replace(/^thu\s*/, '').replace(/^t/, '');
    if (f === 'cn' || f === 'chu nhat') return 7;
    const n = Number(f);
    return Number.isInteger(n) && n >= 2 && n <= 7 ? n - 1 : undefined;
  };
  const out = new Set<number>();
  for (const part of raw.split(/[,;]/).map((x) => x.trim()).filter(Boolean)) {
    const [a, b] = part.split(/\s*[-–]\s*/);
    const from = day(a!);
    const to = b === undefined ? from : day(b);
    if (from === undefined || to === undefined || to < from) return undefined;
    for (let d = from; d <= to; d++) out.add(d);
  }
  return out.size ? [...out].sort() : undefined;
}

/** "7:00", "07h00", "7h" → "07:00". */
function parseTime(raw: string): string | undefined {
  const m = /^(\d{1,2})\s*[:hH]\s*(\d{2})?$/.exec(raw.trim());
  if (!m) return undefined;
  const t = `${m[1]!.padStart(2, '0')}:${m[2] ?? '00'}`;
  return HH_MM.test(t) ? t : undefined;
}

export interface TimetableImport {
  /** By school code: the terms the file gives it. */
  schools: Map<string, TermTimetable[]>;
  /** The first line of each school in the file. */
  firstLine: Map<string, number>;
  refused: { line: number; reason: string }[];
}

const FIELD_COLUMN: Record<TimetableField, Col | undefined> = {
  termStart: 'termStart', termEnd: 'termEnd', teachingDays: 'days', session: 'session', no: 'no', start: 'start', end: 'end', days: 'days', holidays: undefined,
};

export function planTimetables(sheet: Sheet): TimetableImport {
  const index = new Map<Col, number>();
  sheet.header.forEach((h, i) => {
    const f = fold(h);
    for (const [col, aliases] of Object.entries(COLUMNS) as [Col, readonly string[]][]) if (aliases.includes(f) && !index.has(col)) index.set(col, i);
  });
  const missing = (Object.keys(COLUMNS) as Col[]).filter((c) => !index.has(c));
  if (missing.length) {
    return { schools: new Map(), firstLine: new Map(), refused: [{ line: 1, reason: `line 1: missing column(s) ${missing.join(', ')}; expected: Mã trường, Học kỳ, Bắt đầu học kỳ, Kết thúc học kỳ, Ngày học, Buổi, Tiết, Bắt đầu, Kết thúc` }] };
  }
  // Problems name the column as the file's header says it.
  const column = (c: Col) => `column "${sheet.header[index.get(c)!]!.trim()}"`;
  const refused: TimetableImport['refused'] = [];
  const firstLine = new Map<string, number>();
  const terms = new Map<string, { school: string; term: TermTimetable; lines: number[]; days: number[][] }>();
  const badSchools = new Set<string>();
  for (const row of sheet.rows) {
    const get = (c: Col) => (row.cells[index.get(c)!] ?? '').trim();
    if (row.cells.every((c) => !c.trim())) continue;
    const errors: string[] = [];
    const bad = (c: Col, what: string) => errors.push(`${column(c)}: '${get(c)}' ${what}`);
    const school = get('school');
    if (!school) errors.push(`${column('school')}: no school code`);
    else if (!firstLine.has(school)) firstLine.set(school, row.line);
    const termName = get('term');
    if (!termName) errors.push(`${column('term')}: no term name`);
    const start = parseDate(get('termStart'));
    const end = parseDate(get('termEnd'));
    if (!start.ok) bad('termStart', start.reason);
    if (!end.ok) bad('termEnd', end.reason);
    const days = parseTeachingDays(get('days'));
    if (!days) bad('days', 'are not teaching days like T2-T7, T7 or 2,3,4,5,6');
    const session = SESSION_WORDS[fold(get('session'))];
    if (!session) bad('session', 'is not Sáng, Chiều or Tối');
    const no = Number(get('no'));
    if (!Number.isInteger(no) || no < 1) bad('no', 'is not a period number from 1');
    const ps = parseTime(get('start'));
    const pe = parseTime(get('end'));
    if (!ps) bad('start', 'is not a time like 07:00');
    if (!pe) bad('end', 'is not a time like 07:45');
    if (errors.length || !start.ok || !end.ok) {
      refused.push({ line: row.line, reason: `line ${row.line}: ${errors.join('; ')}` });
      if (school) badSchools.add(school);
      continue;
    }
    const key = `${school}|${termName}`;
    let t = terms.get(key);
    if (!t) {
      terms.set(key, (t = { school, lines: [], days: [], term: { term: termName, start: start.value, end: end.value, teachingDays: [], periods: [], holidays: defaultHolidays(schoolYearOf(start.value)) } }));
    } else if (t.term.start !== start.value || t.term.end !== end.value) {
      const c = t.term.start !== start.value ? 'termStart' : 'termEnd';
      refused.push({ line: row.line, reason: `line ${row.line}: ${column(c)}: '${get(c)}' is not the date ${termName} of ${school} has on line ${t.lines[0]}` });
      badSchools.add(school);
      continue;
    }
    t.lines.push(row.line);
    t.days.push(days!);
    t.term.periods.push({ session: session!, no, start: ps!, end: pe! } satisfies Period);
  }
  const schools = new Map<string, TermTimetable[]>();
  for (const { school, term, lines, days } of terms.values()) {
    // The term teaches on every day one of its rows names; a row that names fewer is a period of those days only.
    term.teachingDays = [...new Set(days.flat())].sort((a, b) => a - b);
    term.periods.forEach((p, i) => { if (days[i]!.length !== term.teachingDays.length) p.days = days[i]; });
    const problems = timetableProblemList(term);
    for (const p of problems) {
      const line = p.period === undefined ? lines[0]! : lines[p.period]!;
      const col = p.field && FIELD_COLUMN[p.field];
      refused.push({ line, reason: `line ${line}: ${col ? `${column(col)}: ` : ''}${term.term} of ${school}: ${p.message}` });
    }
    if (problems.length) {
      badSchools.add(school);
      continue;
    }
    schools.set(school, [...(schools.get(school) ?? []), term]);
  }
  for (const s of badSchools) schools.delete(s);
  refused.sort((a, b) => a.line - b.line);
  return { schools, firstLine, refused };
}
