/**
 * A term's timetable as the web app edits it (the shape of timetable/model.ts and PUT /api/schools/:id/timetable),
 * and the CSV import of its periods: columns `Buổi,Tiết,Bắt đầu,Kết thúc`, one period a line, parsed in the browser.
 */
import type { MessageKey } from '../../i18n.js';
import { foldKey } from '../../../../../lib/vn/text.js';

export type Session = 'morning' | 'afternoon' | 'evening';
export const SESSIONS: readonly Session[] = ['morning', 'afternoon', 'evening'];
export const MAX_PERIODS: Record<Session, number> = { morning: 6, afternoon: 6, evening: 4 };
/** `days`: the ISO weekdays of this period when not every teaching day of its term (timetable/model.ts). */
export interface Period { session: Session; no: number; start: string; end: string; days?: number[] }
export interface Holiday { name: string; from: string; to: string }
export interface Term { term: string; start: string; end: string; teachingDays: number[]; periods: Period[]; holidays: Holiday[] }
export interface TimetableResponse { isDefault: boolean; terms: Term[] }

export interface CsvProblem { key: MessageKey; vars: Record<string, string | number> }

/** Lower case, no diacritics, đ → d: "Chiều" → "chieu". */
const fold = foldKey;
const SESSION_NAMES: Record<string, Session> = { sang: 'morning', morning: 'morning', chieu: 'afternoon', afternoon: 'afternoon', toi: 'evening', evening: 'evening' };

/** "7:00", "07:00", "7h00" → "07:00"; anything else undefined. */
export function parseTime(s: string): string | undefined {
  const m = /^(\d{1,2})\s*[:hH.]\s*(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}` : undefined;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** One CSV line's cells: comma or semicolon separated (Excel in Vietnamese uses ';'), double quotes allowed. */
function cells(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { out.push(cur.trim()); cur = ''; } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** The periods of a CSV file, or every problem with its line number (1-based, as an editor shows it). */
export function parsePeriodsCsv(text: string): { periods: Period[]; problems: CsvProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstLine = lines.find((l) => l.trim()) ?? '';
  const sep = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const periods: Period[] = [];
  const problems: CsvProblem[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    const row = cells(raw, sep);
    if (row.every((c) => !c)) return;
    const head = fold(row[0] ?? '');
    if (periods.length === 0 && problems.length === 0 && (head === 'buoi' || head === 'session')) return; // the header
    if (row.length !== 4) return void problems.push({ key: 'timetable.csv.columns', vars: { line, n: row.length } });
    const [sessionCell, noCell, startCell, endCell] = row as [string, string, string, string];
    const session = SESSION_NAMES[fold(sessionCell)];
    const before = problems.length;
    if (!session) problems.push({ key: 'timetable.csv.session', vars: { line, value: sessionCell } });
    const no = Number(noCell);
    const max = session ? MAX_PERIODS[session] : 6;
    if (!/^\d+$/.test(noCell) || no < 1 || no > max) problems.push({ key: 'timetable.csv.no', vars: { line, value: noCell, max } });
    const start = parseTime(startCell);
    const end = parseTime(endCell);
    if (!start) problems.push({ key: 'timetable.csv.time', vars: { line, value: startCell } });
    if (!end) problems.push({ key: 'timetable.csv.time', vars: { line, value: endCell } });
    if (problems.length > before || !session || !start || !end) return;
    if (minutes(end) <= minutes(start)) return void problems.push({ key: 'timetable.csv.order', vars: { line, start, end } });
    const id = `${session}-${no}`;
    const first = seen.get(id);
    if (first !== undefined) return void problems.push({ key: 'timetable.csv.duplicate', vars: { line, session: sessionCell, no, first } });
    seen.set(id, line);
    periods.push({ session, no, start, end });
  });
  if (!periods.length && !problems.length) problems.push({ key: 'timetable.csv.empty', vars: {} });
  return { periods: sortPeriods(periods), problems };
}

export function sortPeriods(periods: Period[]): Period[] {
  return [...periods].sort((a, b) => SESSIONS.indexOf(a.session) - SESSIONS.indexOf(b.session) || a.no - b.no);
}
