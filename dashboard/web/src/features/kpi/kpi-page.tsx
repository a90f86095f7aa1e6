import type { KpiFigures } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { fmtNumber, fmtPct, useI18n } from '../../i18n.js';

/** A share as a percentage in the user's language (vi-VN: "66,7 %"); null (nothing counted) as a dash. */
export const fmtShare = fmtPct;

/** The digital-records KPI: the province figure, a chart per district and per school with the 2025 / 2030 targets, a table. */
export function KpiPage() {
  const { lang, t } = useI18n();
  const { data, error } = useGet('/api/kpi', {});
  if (error && !data) return <ErrorLine message={error} />;
  if (!data) return <Loading />;
  const pct = (s: number | null) => fmtShare(lang, s);
  const n = (x: number) => fmtNumber(lang, x, 0);
  const p = data.province;
  const districtName = (name: string | null) => name ?? t('kpi.underSo');
  return (
    <section>
      <div class="page-head">
        <h1>{t('kpi.title')}</h1>
        <span class="muted">{t('kpi.targetNote')}</span>
      </div>
      <div class="cards" data-testid="kpi-province">
        <div class="card stat kpi-main">
          <span class="stat-label">{t(data.scoped ? 'kpi.scopeShare' : 'kpi.provinceShare')}</span>
          <span class="stat-value" data-testid="kpi-province-share">{pct(p.recordShare)}</span>
          <span class="muted">{t('kpi.ofDevices', { withRecord: n(p.withRecord), devices: p.devices })}</span>
        </div>
        <div class="card stat ok">
          <span class="stat-label">{t('kpi.liveShare')}</span>
          <span class="stat-value" data-testid="kpi-province-live">{pct(p.liveShare)}</span>
          <span class="muted">{t('kpi.ofConnected', { live: n(p.live24h), connected: n(p.connected) })}</span>
        </div>
        <div class="card stat warn">
          <span class="stat-label">{t('kpi.pastLifeShare')}</span>
          <span class="stat-value" data-testid="kpi-province-past-life">{pct(p.pastLifeShare)}</span>
          <span class="muted">{n(p.pastLife)}</span>
        </div>
        <div class="card stat muted">
          <span class="stat-label">{t('kpi.repairShare')}</span>
          <span class="stat-value" data-testid="kpi-province-repair">{pct(p.repairShare)}</span>
          <span class="muted">{n(p.inRepair)}</span>
        </div>
      </div>

      <h2>{t('kpi.byDistrict')}</h2>
      <div class="card">
        <ShareChart testid="kpi-district-chart" targets={data.targets}
          rows={data.districts.map((d) => ({ key: `district-${d.districtId ?? 'so'}`, label: districtName(d.name), figures: d.figures }))} />
      </div>

      <h2>{t('kpi.bySchool')}</h2>
      {data.schools.length === 0 ? <p class="muted">{t('overview.noSchools')}</p> : (
        <>
          <div class="card">
            <ShareChart testid="kpi-school-chart" targets={data.targets}
              rows={data.schools.map((s) => ({ key: `school-${s.schoolId}`, label: s.name, figures: s.figures }))} />
          </div>
          <div class="card table-wrap kpi-table-card">
            <table data-testid="kpi-table">
              <thead>
                <tr>
                  <th>{t('overview.school')}</th>
                  <th>{t('kpi.district')}</th>
                  <th class="num">{t('kpi.devices')}</th>
                  <th class="num">{t('kpi.recordShort')}</th>
                  <th class="num">{t('kpi.liveShort')}</th>
                  <th class="num">{t('kpi.pastLifeShort')}</th>
                  <th class="num">{t('kpi.repairShort')}</th>
                </tr>
              </thead>
              <tbody>
                {data.schools.map((s) => (
                  <tr key={s.schoolId} data-testid={`kpi-row-${s.schoolId}`}>
                    <td>{s.name}</td>
                    <td class="muted">{districtName(data.districts.find((d) => d.districtId === s.districtId)?.name ?? null)}</td>
                    <td class="num">{n(s.figures.devices)}</td>
                    <td class={`num ${below(s.figures.recordShare, data.targets[0]?.share) ? 'warn' : 'ok'}`} data-testid={`kpi-record-${s.schoolId}`}>{pct(s.figures.recordShare)}</td>
                    <td class="num" data-testid={`kpi-live-${s.schoolId}`}>{pct(s.figures.liveShare)}</td>
                    <td class="num" data-testid={`kpi-past-life-${s.schoolId}`}>{pct(s.figures.pastLifeShare)}</td>
                    <td class="num" data-testid={`kpi-repair-${s.schoolId}`}>{pct(s.figures.repairShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <p class="muted kpi-definition" data-testid="kpi-definition">{t('kpi.definition')}</p>
    </section>
  );
}

const below = (share: number | null, target: number | undefined): boolean => share !== null && target !== undefined && share < target;

/**
 * Horizontal bars of the share with a digital record, one per row, on a 0-100 % axis, with a dashed vertical line
 * per target (80 % by 2025, 100 % by 2030). Plain HTML and CSS; a bar below the first target is drawn in the warning colour.
 */
function ShareChart(p: { testid: string; targets: { year: number; share: number }[]; rows: { key: string; label: string; figures: KpiFigures }[] }) {
  const { lang, t } = useI18n();
  const first = p.targets[0]?.share;
  const lines = (
    <>
      {p.targets.map((tg) => <span key={tg.year} class="kpi-target-line" style={{ left: `${tg.share * 100}%` }} />)}
    </>
  );
  return (
    <div class="kpi-chart" data-testid={p.testid} role="img" aria-label={t('kpi.chartLabel')}>
      <div class="kpi-row kpi-axis">
        <span />
        <span class="kpi-track kpi-track-head">
          {p.targets.map((tg) => (
            <span key={tg.year} class={`kpi-target-label ${tg.share >= 1 ? 'end' : ''}`} style={{ left: `${tg.share * 100}%` }}
              data-testid={`${p.testid}-target-${tg.year}`}>
              {t('kpi.target', { year: tg.year, share: fmtShare(lang, tg.share) })}
            </span>
          ))}
        </span>
        <span />
      </div>
      {p.rows.map((r) => {
        const s = r.figures.recordShare;
        return (
          <div class="kpi-row" key={r.key} data-testid={`${p.testid}-${r.key}`} data-share={s ?? ''}>
            <span class="kpi-label" title={r.label}>{r.label}</span>
            <span class="kpi-track">
              {s !== null && <span class={`kpi-bar ${below(s, first) ? 'below' : ''}`} style={{ width: `${s * 100}%` }} />}
              {lines}
            </span>
            <span class="kpi-value">{fmtShare(lang, s)}</span>
          </div>
        );
      })}
      <div class="kpi-row kpi-scale">
        <span />
        <span class="kpi-track kpi-track-head">
          {[0, 0.2, 0.4, 0.6, 0.8, 1].map((x) => <span key={x} class="kpi-tick" style={{ left: `${x * 100}%` }}>{fmtNumber(lang, x * 100, 0)}</span>)}
        </span>
        <span />
      </div>
    </div>
  );
}
