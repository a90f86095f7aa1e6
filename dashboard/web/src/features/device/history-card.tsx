import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { HistoryWindow, KindField, LiveView } from '../../../../../api/index.js';
import { HISTORY_WINDOWS } from '../../../../../api/constants.js';
import { useGet } from '../../hooks/api-query.js';
import { fieldLabel, useI18n, type MessageKey } from '../../i18n.js';
import { useWatchDevice } from '../../live.js';
import { LiveChart, type ChartPoint } from './live-chart.js';

/** How many points the 1 h chart keeps: an hour of one reading a second. */
const MAX_POINTS = 3600;
const NONE: ChartPoint[] = [];

const WINDOW_LABELS: Record<HistoryWindow, MessageKey> = {
  '1h': 'device.window1h', '24h': 'device.window24h', '7d': 'device.window7d', '30d': 'device.window30d',
};

/**
 * The device's chart: a window switch (1 h raw and live; 24 h, 7 d, 30 d averaged per bucket with the min–max band)
 * and a picker of its numeric fields. The server never sends more than a few hundred buckets for the long windows.
 */
export function HistoryCard(p: { id: string; chartField: string; fields: KindField[] }) {
  const { lang, t } = useI18n();
  const [win, setWin] = useState<HistoryWindow>('1h');
  const [field, setField] = useState(p.chartField);
  const q = useGet('/api/devices/:id/history', { params: { id: p.id }, query: { window: win, field } });
  // Points are kept with the window and field they belong to, so a switch never draws the previous window's points.
  const key = `${win}|${field}`;
  const [held, setHeld] = useState<{ key: string; pts: ChartPoint[] }>({ key, pts: [] });
  const points = held.key === key ? held.pts : NONE;
  // Live readings that came before the history's answer must not be lost when it lands.
  const early = useRef<ChartPoint[]>([]);
  const numeric = p.fields.filter((f) => f.type === 'number' || f.type === 'integer');
  const meta = p.fields.find((f) => f.name === field);
  const h = q.data && q.data.field === field && q.data.window === win ? q.data : undefined;

  useEffect(() => {
    early.current = [];
  }, [key]);

  useEffect(() => {
    if (!h) return;
    const seeded = h.points.map((x) => ({ ts: x.ts, value: x.mean, min: x.min, max: x.max }));
    const last = seeded.at(-1)?.ts ?? -Infinity;
    setHeld({ key: `${h.window}|${h.field}`, pts: [...seeded, ...early.current.filter((x) => x.ts > last)] });
  }, [h]);

  useWatchDevice(p.id, useCallback((v: LiveView) => {
    if (win !== '1h') return;
    const value = v.latest[field];
    if (typeof value !== 'number' || v.lastReadingTs === null) return;
    const point = { ts: v.lastReadingTs, value };
    early.current = [...early.current, point].slice(-MAX_POINTS);
    setHeld((cur) => {
      const pts = cur.key === key ? cur.pts : [];
      const last = pts[pts.length - 1];
      if (last && point.ts <= last.ts) return cur;
      const next = [...pts, point];
      return { key, pts: next.length > MAX_POINTS ? next.slice(next.length - MAX_POINTS) : next };
    });
  }, [win, field, key]));

  const label = fieldLabel(lang, field);
  const error = h?.error ?? (q.error && !h ? q.error : '');
  return (
    <div class="card" data-testid="history-card">
      <h2>{t('device.history', { field: label })}</h2>
      <div class="chart-controls">
        <div class="window-switch" role="group" aria-label={t('device.window')}>
          {HISTORY_WINDOWS.map((w) => (
            <button key={w} type="button" class={w === win ? 'active' : ''} aria-pressed={w === win} data-testid={`window-${w}`} onClick={() => setWin(w)}>
              {t(WINDOW_LABELS[w])}
            </button>
          ))}
        </div>
        <label>
          {t('device.fieldPick')}{' '}
          <select data-testid="field-picker" value={field} onChange={(e) => setField((e.target as HTMLSelectElement).value)}>
            {numeric.map((f) => <option key={f.name} value={f.name}>{fieldLabel(lang, f.name)}</option>)}
          </select>
        </label>
      </div>
      {error && <p class="notice" data-testid="history-error">{t('device.readingsError')}</p>}
      {h && win !== '1h' && <p class="muted small">{t('device.bucketNote', { minutes: h.bucketMs / 60_000, retention: h.rawRetention ?? '—' })}</p>}
      {h && points.length === 0 && <p class="muted small" data-testid="history-empty">{t('device.noReadings')}</p>}
      <LiveChart points={points} label={label} unit={meta?.unit ?? null} lang={lang} band={win !== '1h'} days={win === '7d' || win === '30d'} window={win} />
    </div>
  );
}
