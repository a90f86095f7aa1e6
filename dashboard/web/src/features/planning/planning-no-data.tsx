import type { PlanningResponse } from '../../../../../api/index.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { fmtPct } from '../usage/usage-format.js';

/**
 * Schools the planner does not rank because their rooms' data covers too little of the timetable (a site offline
 * for days): listed apart with their coverage, so a busy school is never ranked as idle for want of data.
 */
export function PlanningNoData(p: { schools: PlanningResponse['insufficientData']; minCoverage: number }) {
  const { lang, t } = useI18n();
  if (!p.schools.length) return null;
  return (
    <div class="card planning-no-data" data-testid="planning-no-data">
      <h2>{t('planning.noData.title')}</h2>
      <p class="muted small">{t('planning.noData.hint', { min: fmtPct(lang, p.minCoverage) })}</p>
      <ul>
        {p.schools.map((s) => (
          <li key={s.schoolId} data-testid={`planning-no-data-${s.schoolId}`}>
            <b>{s.schoolName}</b> <span class="muted small">· {s.districtName ?? t('usage.underSo')}</span>{' '}
            {/* Rooms whose days are still at the site's edge node wait for them; they do not lack data. */}
            {s.pendingRooms > 0
              ? <span class="badge usage-status-pending">{t('usage.status.pending')}</span>
              : <span class="badge usage-status-no_data">{t('usage.status.no_data')}</span>}{' '}
            <span class="small">{t('planning.noData.coverage', { coverage: fmtPct(lang, s.coverage), rooms: fmtNumber(lang, s.rooms, 0) })}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
