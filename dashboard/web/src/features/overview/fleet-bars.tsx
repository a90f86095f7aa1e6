import type { Counts } from '../../../../../api/index.js';
import { fmtNumber, useI18n } from '../../i18n.js';

/** Horizontal stacked bars (online / offline) with the problem count beside, one row per label. Plain HTML, no canvas. */
export function FleetBars(p: { rows: { label: string; counts: Counts }[] }) {
  const { lang, t } = useI18n();
  const max = Math.max(1, ...p.rows.map((r) => r.counts.total));
  return (
    <div class="bars" data-testid="kind-bars" role="img" aria-label={t('overview.byKind')}>
      {p.rows.map((r) => (
        <div class="bar-row" key={r.label}>
          <span class="bar-label">{r.label}</span>
          <span class="bar-track">
            <span class="bar bar-online" style={{ width: `${(r.counts.online / max) * 100}%` }} title={`${t('overview.online')}: ${fmtNumber(lang, r.counts.online)}`} />
            <span class="bar bar-offline" style={{ width: `${(r.counts.offline / max) * 100}%` }} title={`${t('overview.offline')}: ${fmtNumber(lang, r.counts.offline)}`} />
          </span>
          <span class="bar-value">{fmtNumber(lang, r.counts.total)}</span>
        </div>
      ))}
      <div class="legend">
        <span><i class="dot dot-online" />{t('overview.online')}</span>
        <span><i class="dot dot-offline" />{t('overview.offline')}</span>
      </div>
    </div>
  );
}
