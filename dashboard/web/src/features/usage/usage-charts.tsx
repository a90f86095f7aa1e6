/**
 * The usage charts, drawn by hand like the KPI page (no chart library): time utilisation bars of the next level
 * down with the 20 % and 80 % lines, the weekday × period heatmap, and the weekly trend as an SVG bar chart.
 */
import type { UsageReport } from '../../../../../api/index.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { compareSlots, fmtPct, localDay, fmtDay, slotLabel, weekdayLabel } from './usage-format.js';

export const UNDERUSED_BELOW = 0.2;
export const SATURATED_ABOVE = 0.8;

export type DrillLevel = 'district' | 'school' | 'room';
/** `coverage`: the share of timetabled time with data the share rests on (drawn as a lighter track when partial). */
export interface BarRow { id: string; label: string; share: number | null; sub?: string; coverage?: number | null }

const barClass = (s: number | null) => (s === null ? '' : s < UNDERUSED_BELOW ? 'low' : s > SATURATED_ABOVE ? 'high' : '');

/** Horizontal bars of time utilisation on a 0–100 % axis with dashed lines at 20 % and 80 %; a click drills down. */
export function UsageBars(p: { level: DrillLevel; rows: BarRow[]; onPick?: (id: string) => void }) {
  const { lang, t } = useI18n();
  const lines = (
    <>
      <span class="usage-line low" style={{ left: `${UNDERUSED_BELOW * 100}%` }} />
      <span class="usage-line high" style={{ left: `${SATURATED_ABOVE * 100}%` }} />
    </>
  );
  return (
    <div class="usage-bars" data-testid="usage-bars" data-level={p.level} role="img" aria-label={t('usage.bars.label')}>
      <div class="usage-bar-row usage-bar-head">
        <span />
        <span class="usage-track usage-track-head">
          <span class="usage-line-label low" style={{ left: `${UNDERUSED_BELOW * 100}%` }}>{t('usage.line.low')}</span>
          <span class="usage-line-label high" style={{ left: `${SATURATED_ABOVE * 100}%` }}>{t('usage.line.high')}</span>
        </span>
        <span />
      </div>
      {p.rows.map((r) => (
        <button type="button" key={r.id} class="usage-bar-row" data-testid={`usage-bar-${p.level}-${r.id}`} data-share={r.share ?? ''}
          data-coverage={r.coverage ?? ''} disabled={!p.onPick} onClick={() => p.onPick?.(r.id)}
          title={`${r.label}: ${r.coverage === undefined ? fmtPct(lang, r.share) : t('usage.onCoverage', { util: fmtPct(lang, r.share), coverage: fmtPct(lang, r.coverage) })}`}>
          <span class="usage-bar-label">{r.label}{r.sub && <span class="muted small"> · {r.sub}</span>}</span>
          <span class="usage-track">
            {r.coverage !== undefined && r.coverage !== null && r.coverage < 1 && <span class="usage-bar-gap" style={{ left: `${r.coverage * 100}%` }} />}
            {r.share !== null && <span class={`usage-bar ${barClass(r.share)}`} style={{ width: `${Math.min(1, r.share) * 100}%` }} />}
            {lines}
          </span>
          <span class="usage-bar-value">{fmtPct(lang, r.share)}</span>
        </button>
      ))}
      <div class="usage-bar-row usage-bar-scale">
        <span />
        <span class="usage-track usage-track-head">
          {[0, 0.2, 0.4, 0.6, 0.8, 1].map((x) => <span key={x} class="usage-tick" style={{ left: `${x * 100}%` }}>{fmtNumber(lang, x * 100, 0)} %</span>)}
        </span>
        <span />
      </div>
    </div>
  );
}

/** A cell's colour: from pale grey-blue (nothing used) to the brand blue (every period used). */
function heatColour(share: number): string {
  const s = Math.max(0, Math.min(1, share));
  return `rgba(23, 105, 170, ${(0.06 + 0.94 * s).toFixed(3)})`;
}

/** Weekday × period: room-periods used ÷ room-periods timetabled, one row per weekday with periods. */
export function UsageHeatmap(p: { cells: UsageReport['heatmap'] }) {
  const { lang, t } = useI18n();
  if (!p.cells.length) return <p class="muted" data-testid="usage-heatmap">{t('usage.heatmap.empty')}</p>;
  const slots = [...new Set(p.cells.map((c) => c.slot))].sort(compareSlots);
  const days = [...new Set(p.cells.map((c) => c.weekday))].sort((a, b) => a - b);
  const cell = new Map(p.cells.map((c) => [`${c.weekday}-${c.slot}`, c]));
  return (
    <div class="usage-heatmap-wrap">
      <table class="usage-heatmap" data-testid="usage-heatmap">
        <thead>
          <tr>
            <th />
            {slots.map((s) => <th key={s} class={`usage-heat-slot s-${s[0]}`} title={slotLabel(t, s)}>{slotLabel(t, s)}</th>)}
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d}>
              <th scope="row">{weekdayLabel(t, d)}</th>
              {slots.map((s) => {
                const c = cell.get(`${d}-${s}`);
                if (!c) return <td key={s} class="usage-heat-none" />;
                const share = c.available ? c.used / c.available : 0;
                return (
                  <td key={s} data-testid={`usage-heat-${d}-${s}`} data-share={share} data-used={c.used} data-available={c.available}
                    style={{ background: heatColour(share), color: share > 0.55 ? '#fff' : 'var(--ink)' }}
                    title={t('usage.heatmap.cell', { day: weekdayLabel(t, d), slot: slotLabel(t, s), used: fmtNumber(lang, c.used, 0), available: fmtNumber(lang, c.available, 0), share: fmtPct(lang, share) })}>
                    {fmtNumber(lang, share * 100, 0)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="usage-heat-legend">
        <span>{t('usage.heatmap.legend')}:</span>
        <span>0 %</span>
        <span class="usage-heat-scale" style={{ background: `linear-gradient(to right, ${heatColour(0)}, ${heatColour(1)})` }} />
        <span>100 %</span>
      </div>
      <p class="muted small">{t('usage.heatmap.hint')}</p>
    </div>
  );
}

/** The weekly trend: one bar per week (time utilisation), with the 20 % and 80 % lines; SVG drawn by hand. */
export function UsageWeeks(p: { weeks: UsageReport['weeks'] }) {
  const { lang, t } = useI18n();
  if (!p.weeks.length) return <p class="muted" data-testid="usage-weeks">{t('usage.weeks.empty')}</p>;
  const W = 520, H = 190, top = 14, bottom = 30, left = 42, right = 40;
  const plotW = W - left - right;
  const step = Math.min(64, plotW / p.weeks.length);
  const barW = Math.max(4, step * 0.62);
  const y = (s: number) => top + (1 - Math.min(1, s)) * (H - top - bottom);
  const labelEvery = Math.ceil(p.weeks.length / 12);
  return (
    <svg class="usage-weeks" data-testid="usage-weeks" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('usage.weeks.label')}>
      {[0, 0.5, 1].map((s) => (
        <g key={s}>
          <line x1={left} x2={W - right} y1={y(s)} y2={y(s)} stroke="#e3e7ee" />
          <text x={left - 6} y={y(s) + 4} text-anchor="end" class="usage-svg-tick">{fmtNumber(lang, s * 100, 0)} %</text>
        </g>
      ))}
      {p.weeks.map((w, i) => {
        const s = w.figures.timeUtilisation;
        const x = left + i * step + (step - barW) / 2;
        const day = localDay(w.week);
        return (
          <g key={w.week} data-testid={`usage-week-${day}`} data-share={s ?? ''}>
            <title>{`${t('usage.weeks.week', { date: fmtDay(day) })}: ${fmtPct(lang, s)}`}</title>
            {s !== null && <rect x={x} y={y(s)} width={barW} height={Math.max(0, y(0) - y(s))} class={`usage-week-bar ${barClass(s)}`} rx={2} />}
            {i % labelEvery === 0 && <text x={x + barW / 2} y={H - bottom + 14} text-anchor="middle" class="usage-svg-tick">{day.slice(8, 10)}/{day.slice(5, 7)}</text>}
          </g>
        );
      })}
      <line x1={left} x2={W - right} y1={y(UNDERUSED_BELOW)} y2={y(UNDERUSED_BELOW)} class="usage-svg-line low" />
      <line x1={left} x2={W - right} y1={y(SATURATED_ABOVE)} y2={y(SATURATED_ABOVE)} class="usage-svg-line high" />
      <text x={W - right + 4} y={y(SATURATED_ABOVE) + 3} class="usage-svg-tick strong high">80 %</text>
      <text x={W - right + 4} y={y(UNDERUSED_BELOW) + 3} class="usage-svg-tick strong low">20 %</text>
    </svg>
  );
}
