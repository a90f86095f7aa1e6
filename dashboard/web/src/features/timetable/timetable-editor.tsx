import { useState } from 'preact/hooks';
import { useI18n } from '../../i18n.js';
import { weekdayLabel } from '../usage/usage-format.js';
import { parsePeriodsCsv, SESSIONS, sortPeriods, type CsvProblem, type Period, type Session, type Term } from './timetable-csv.js';

/** A 24-hour local time, as the server checks it. */
const HH_MM = '([01]\\d|2[0-3]):[0-5]\\d';

/** One term's form: name and dates, teaching days, periods (add / remove rows), holidays; read-only in a disabled fieldset. */
export function TimetableTermEditor(p: { term: Term; index: number; editable: boolean; onChange: (t: Term) => void }) {
  const { t } = useI18n();
  const term = p.term;
  const set = (change: Partial<Term>) => p.onChange({ ...term, ...change });
  const setPeriod = (i: number, change: Partial<Period>) => set({ periods: term.periods.map((x, j) => (j === i ? { ...x, ...change } : x)) });
  const addPeriod = () => {
    const last = term.periods[term.periods.length - 1];
    const session: Session = last?.session ?? 'morning';
    const no = Math.max(0, ...term.periods.filter((x) => x.session === session).map((x) => x.no)) + 1;
    set({ periods: [...term.periods, { session, no, start: last?.end ?? '07:00', end: last?.end ?? '07:45' }] });
  };
  const setHoliday = (i: number, change: Partial<Term['holidays'][number]>) => set({ holidays: term.holidays.map((x, j) => (j === i ? { ...x, ...change } : x)) });
  const toggleDay = (d: number, on: boolean) => set({ teachingDays: on ? [...new Set([...term.teachingDays, d])].sort((a, b) => a - b) : term.teachingDays.filter((x) => x !== d) });

  return (
    <fieldset class="timetable-term" disabled={!p.editable} data-testid={`timetable-term-${p.index}`}>
      <div class="rec-form">
        <label>{t('timetable.term')}<input data-testid="timetable-term-name" value={term.term} onInput={(e) => set({ term: e.currentTarget.value })} /></label>
        <label>{t('timetable.start')}<input type="date" data-testid="timetable-term-start" value={term.start} onInput={(e) => set({ start: e.currentTarget.value })} /></label>
        <label>{t('timetable.end')}<input type="date" data-testid="timetable-term-end" value={term.end} onInput={(e) => set({ end: e.currentTarget.value })} /></label>
      </div>

      <h3>{t('timetable.days')}</h3>
      <div class="timetable-days" data-testid="timetable-days">
        {[1, 2, 3, 4, 5, 6, 7].map((d) => (
          <label key={d} class="rec-check">
            <input type="checkbox" data-testid={`timetable-day-${d}`} checked={term.teachingDays.includes(d)} onChange={(e) => toggleDay(d, e.currentTarget.checked)} />
            {weekdayLabel(t, d)}
          </label>
        ))}
      </div>

      <h3 class="sub">{t('timetable.periods')}</h3>
      <table class="timetable-grid" data-testid="timetable-periods">
        <thead><tr><th>{t('timetable.session')}</th><th>{t('timetable.no')}</th><th>{t('timetable.periodStart')}</th><th>{t('timetable.periodEnd')}</th><th>{t('timetable.periodDays')}</th><th /></tr></thead>
        <tbody>
          {term.periods.map((x, i) => (
            <tr key={i} data-testid={`timetable-period-${i}`}>
              <td>
                <select value={x.session} onChange={(e) => setPeriod(i, { session: e.currentTarget.value as Session })}>
                  {SESSIONS.map((s) => <option key={s} value={s}>{t(`timetable.sessionName.${s}`)}</option>)}
                </select>
              </td>
              <td><input type="number" min={1} max={6} class="timetable-no" value={x.no} onInput={(e) => setPeriod(i, { no: Number(e.currentTarget.value) })} /></td>
              <td><input class="timetable-time" inputMode="numeric" pattern={HH_MM} placeholder="07:00" maxLength={5} value={x.start} onInput={(e) => setPeriod(i, { start: e.currentTarget.value })} /></td>
              <td><input class="timetable-time" inputMode="numeric" pattern={HH_MM} placeholder="07:00" maxLength={5} value={x.end} onInput={(e) => setPeriod(i, { end: e.currentTarget.value })} /></td>
              <td><PeriodDays term={term} period={x} onChange={(days) => setPeriod(i, { days })} /></td>
              <td><button type="button" class="rec-danger" onClick={() => set({ periods: term.periods.filter((_, j) => j !== i) })}>{t('timetable.remove')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="rec-actions timetable-row-actions">
        <button type="button" data-testid="timetable-add-period" onClick={addPeriod}>{t('timetable.addPeriod')}</button>
      </div>
      {p.editable && <TimetableCsvImport onPeriods={(periods) => set({ periods })} />}

      <h3 class="sub">{t('timetable.holidays')}</h3>
      {term.holidays.length === 0 ? <p class="muted small">{t('timetable.noHolidays')}</p> : (
        <table class="timetable-grid" data-testid="timetable-holidays">
          <thead><tr><th>{t('timetable.holidayName')}</th><th>{t('timetable.from')}</th><th>{t('timetable.to')}</th><th /></tr></thead>
          <tbody>
            {term.holidays.map((h, i) => (
              <tr key={i} data-testid={`timetable-holiday-${i}`}>
                <td><input class="timetable-holiday-name" value={h.name} onInput={(e) => setHoliday(i, { name: e.currentTarget.value })} /></td>
                <td><input type="date" value={h.from} onInput={(e) => setHoliday(i, { from: e.currentTarget.value })} /></td>
                <td><input type="date" value={h.to} onInput={(e) => setHoliday(i, { to: e.currentTarget.value })} /></td>
                <td><button type="button" class="rec-danger" onClick={() => set({ holidays: term.holidays.filter((_, j) => j !== i) })}>{t('timetable.remove')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="rec-actions timetable-row-actions">
        <button type="button" data-testid="timetable-add-holiday" onClick={() => set({ holidays: [...term.holidays, { name: '', from: term.start, to: term.start }] })}>{t('timetable.addHoliday')}</button>
      </div>
    </fieldset>
  );
}

/** The days of one period: every teaching day of the term unless some are unticked (a Saturday without afternoon). */
function PeriodDays(p: { term: Term; period: Period; onChange: (days: number[] | undefined) => void }) {
  const { t } = useI18n();
  const all = p.term.teachingDays;
  const days = (p.period.days ?? all).filter((d) => all.includes(d));
  const toggle = (d: number, on: boolean) => {
    const next = on ? [...new Set([...days, d])].sort((a, b) => a - b) : days.filter((x) => x !== d);
    // Every teaching day again: no list of its own, so the period follows the term's days.
    p.onChange(next.length === all.length ? undefined : next);
  };
  const summary = days.length === all.length ? t('timetable.everyDay') : days.map((d) => weekdayLabel(t, d, true)).join(', ');
  return (
    <details class="timetable-period-days" data-testid="timetable-period-days">
      <summary title={t('timetable.periodDaysHelp')}>{summary}</summary>
      {all.map((d) => (
        <label key={d} class="rec-check">
          <input type="checkbox" checked={days.includes(d)} disabled={days.length === 1 && days.includes(d)} onChange={(e) => toggle(d, e.currentTarget.checked)} />
          {weekdayLabel(t, d, true)}
        </label>
      ))}
    </details>
  );
}

/** A CSV file of periods (Buổi,Tiết,Bắt đầu,Kết thúc) read in the browser; every problem listed by line, nothing taken on error. */
function TimetableCsvImport(p: { onPeriods: (periods: Period[]) => void }) {
  const { t } = useI18n();
  const [result, setResult] = useState<{ file: string; n: number; problems: CsvProblem[] } | null>(null);
  const read = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    const { periods, problems } = parsePeriodsCsv(await file.text());
    setResult({ file: file.name, n: periods.length, problems });
    if (!problems.length) p.onPeriods(sortPeriods(periods));
    input.value = '';
  };
  return (
    <div class="timetable-csv">
      <label class="timetable-csv-label">{t('timetable.csv')}
        <input type="file" accept=".csv,text/csv" data-testid="timetable-csv" onChange={(e) => void read(e.currentTarget)} />
      </label>
      <p class="muted small">{t('timetable.csvHint')}</p>
      {result && !result.problems.length && <p class="notice small" data-testid="timetable-csv-done">{t('timetable.csvDone', { n: result.n, file: result.file })}</p>}
      {result && result.problems.length > 0 && (
        <div class="error small" data-testid="timetable-csv-errors">
          {t('timetable.csvErrors', { file: result.file })}
          <ul>{result.problems.map((x, i) => <li key={i}>{t(x.key, x.vars)}</li>)}</ul>
        </div>
      )}
    </div>
  );
}
