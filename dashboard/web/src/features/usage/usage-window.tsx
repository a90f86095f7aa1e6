import { useEffect, useState } from 'preact/hooks';
import { fmtNumber, useI18n } from '../../i18n.js';
import { get } from '../../api.js';
import { addDays, isIsoDate, lastFourWeeks, lastMonth, thisTerm, today, type DayWindow } from './usage-format.js';

/**
 * The report window: first day and last day (inclusive on screen; the URL and the API take `to` exclusive),
 * and three presets.
 */
export function UsageWindowPicker(p: { window: DayWindow | null; onChange: (w: DayWindow) => void; schoolId?: number }) {
  const { lang, t } = useI18n();
  const [from, setFrom] = useState('');
  const [through, setThrough] = useState('');
  useEffect(() => {
    if (!p.window) return;
    setFrom(p.window.from);
    setThrough(addDays(p.window.to, -1));
  }, [p.window?.from, p.window?.to]);

  const valid = isIsoDate(from) && isIsoDate(through) && from <= through;
  const apply = (f = from, th = through) => {
    if (isIsoDate(f) && isIsoDate(th) && f <= th) p.onChange({ from: f, to: addDays(th, 1) });
  };
  const preset = (w: DayWindow) => p.onChange(w);
  /** "This term": the selected school's own term when it has entered its timetable, else the default term dates. */
  const termPreset = async () => {
    if (p.schoolId === undefined) return preset(thisTerm());
    try {
      const { terms } = await get('/api/schools/:id/timetable', { params: { id: p.schoolId } });
      const d = today();
      const term = terms.find((x) => x.start <= d && d <= x.end) ?? terms.filter((x) => x.start <= d).at(-1);
      if (!term) return preset(thisTerm());
      const end = addDays(term.end, 1);
      const tomorrow = addDays(d, 1);
      preset({ from: term.start, to: tomorrow < end ? tomorrow : end });
    } catch {
      preset(thisTerm());
    }
  };
  const days = valid ? Math.round((Date.parse(through) - Date.parse(from)) / 86_400_000) + 1 : null;
  return (
    <form class="card filters usage-window" onSubmit={(e) => { e.preventDefault(); apply(); }}>
      <label>{t('usage.from')}
        <input type="date" data-testid="usage-window-from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} onChange={(e) => { setFrom(e.currentTarget.value); apply(e.currentTarget.value, through); }} />
      </label>
      <label>{t('usage.to')}
        <input type="date" data-testid="usage-window-to" value={through} min={from || undefined} onInput={(e) => setThrough(e.currentTarget.value)} onChange={(e) => { setThrough(e.currentTarget.value); apply(from, e.currentTarget.value); }} />
      </label>
      <button type="submit" class="primary" data-testid="usage-window-apply" disabled={!valid}>{t('usage.apply')}</button>
      {days !== null && <span class="muted small">{t('usage.windowDays', { days: fmtNumber(lang, days, 0) })}</span>}
      <span class="usage-presets">
        <button type="button" data-testid="usage-preset-4w" onClick={() => preset(lastFourWeeks())}>{t('usage.preset.4w')}</button>
        <button type="button" data-testid="usage-preset-last-month" onClick={() => preset(lastMonth())}>{t('usage.preset.lastMonth')}</button>
        <button type="button" data-testid="usage-preset-term" onClick={() => void termPreset()}>{t('usage.preset.term')}</button>
      </span>
    </form>
  );
}
