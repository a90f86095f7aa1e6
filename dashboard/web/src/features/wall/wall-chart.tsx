import type { WallDevices, WallDistrict } from '../../../../../api/index.js';
import { fmtPct, useI18n } from '../../i18n.js';

/** Devices connected (online or asleep) over all devices; null when there are none. */
export const onlineShare = (d: WallDevices): number | null => (d.total === 0 ? null : (d.online + d.sleep) / d.total);

/**
 * The online share per district as horizontal bars, the district on the right-hand panel lit: a glance across the
 * room says which district is behind, where a table would have to be read. Widths are set from script (CSSOM), which
 * the dashboard's CSP allows.
 */
export function WallChart(p: { districts: WallDistrict[]; current: number | null | undefined }) {
  const { lang, t } = useI18n();
  return (
    <figure class="wall-chart" data-testid="wall-chart">
      <figcaption>{t('wall.chart')}</figcaption>
      {p.districts.map((d) => {
        const share = onlineShare(d.figures.devices);
        const key = d.districtId ?? 'so';
        const level = share === null ? '' : share >= 0.9 ? 'good' : share >= 0.7 ? 'fair' : 'poor';
        return (
          <div key={key} class={`wall-bar ${d.districtId === p.current ? 'current' : ''}`} data-testid={`wall-bar-${key}`}>
            <span class="wall-bar-label">{d.name ?? t('wall.underSo')}</span>
            <span class="wall-bar-track"><i class={level} style={{ width: `${Math.round((share ?? 0) * 100)}%` }} /></span>
            <span class="wall-bar-value">{fmtPct(lang, share, 0)}</span>
          </div>
        );
      })}
    </figure>
  );
}
