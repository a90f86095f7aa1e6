import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { PlanningEquipment } from './planning-equipment.js';
import { PlanningNoData } from './planning-no-data.js';
import { PlanningReasons } from './planning-reasons.js';
import { addDays, fmtDay, fmtPct, fmtVnd } from '../usage/usage-format.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { navigate, withQuery } from '../../router.js';
import { ErrorLine, Loading } from '../../ui/states.js';

const UNIT_VND = 1_350_000_000;
const MAX_ROOMS = 200;

/** N from the URL, 2 by default, within what the API accepts. */
function roomsOf(search: URLSearchParams): number {
  const n = Number(search.get('rooms'));
  return Number.isInteger(n) && n >= 1 && n <= MAX_ROOMS ? n : 2;
}

/**
 * The budget planner: N new smart classrooms at 1,350 million VND each, the schools ranked by evidence with the
 * funded ones highlighted, each rank's reasons in words, and how the score is built.
 */
export function PlanningPage(p: { me: Me; search: URLSearchParams }) {
  const { lang, t } = useI18n();
  const rooms = roomsOf(p.search);
  const from = p.search.get('from') ?? undefined;
  const to = p.search.get('to') ?? undefined;
  const [text, setText] = useState(String(rooms));
  // While another N loads, the previous ranking stays on screen.
  const q = useGet('/api/planning', { query: { rooms, from, to } }, { keepPrevious: true });
  const data = q.data ?? null;
  const error = q.error;

  useEffect(() => setText(String(rooms)), [rooms]);
  useEffect(() => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > MAX_ROOMS || n === rooms) return;
    const timer = setTimeout(() => navigate(withQuery('/planning', { rooms: n, from, to }), true), 250);
    return () => clearTimeout(timer);
  }, [text]);

  const n = (x: number) => fmtNumber(lang, x, 0);
  const budget = rooms * (data?.unitCostVnd ?? UNIT_VND);
  const funded = data?.ranking.filter((r) => r.funded).length ?? 0;
  return (
    <section class="planning-page">
      <div class="page-head"><h1>{t('planning.title')}</h1></div>
      <div class="card filters planning-controls">
        <label>{t('planning.rooms')}
          <input type="number" min={1} max={MAX_ROOMS} step={1} data-testid="planning-rooms" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <span class="planning-budget" data-testid="planning-budget" data-budget={budget}>
          {t('planning.budget', { rooms: n(rooms), unit: fmtVnd(lang, data?.unitCostVnd ?? UNIT_VND), budget: fmtVnd(lang, budget) })}
        </span>
        {data && <span class="muted small">{t('planning.window', { from: fmtDay(data.from), to: fmtDay(addDays(data.to, -1)) })}</span>}
      </div>
      <ErrorLine message={error} />
      {!data && !error && <Loading label="planning.loading" />}
      {data && (
        <>
          <p class="planning-funded-note"><b>{t('planning.fundedCount', { n: n(funded) })}</b></p>
          <div class="card table-wrap">
            <table data-testid="planning-table">
              <thead>
                <tr>
                  <th class="num">{t('planning.col.rank')}</th>
                  <th>{t('planning.col.school')}</th>
                  <th class="num">{t('planning.col.pupils')}</th>
                  <th class="num">{t('planning.col.smartRooms')}</th>
                  <th class="num">{t('planning.col.utilisation')}</th>
                  <th class="num">{t('planning.col.score')}</th>
                  <th>{t('planning.col.reasons')}</th>
                </tr>
              </thead>
              <tbody>
                {data.ranking.map((r) => (
                  <tr key={r.schoolId} data-testid={`planning-row-${r.schoolId}`} data-funded={String(r.funded)} data-rank={r.rank} class={r.funded ? 'planning-funded' : ''}>
                    <td class="num"><b>{r.rank}</b></td>
                    <td>
                      <div>{r.schoolName}</div>
                      <div class="muted small">{r.districtName ?? t('usage.underSo')}</div>
                      {r.funded && <span class="badge planning-funded-badge">{t('planning.funded')}</span>}
                    </td>
                    <td class="num">{n(r.pupils)}</td>
                    <td class="num">{n(r.smartRooms)}</td>
                    <td class="num">{fmtPct(lang, r.utilisation)}</td>
                    <td class="num" data-testid={`planning-score-${r.schoolId}`}>{fmtNumber(lang, r.score, 3)}</td>
                    <td><PlanningReasons t={t} lang={lang} reasons={r.reasons} testid={`planning-reasons-${r.schoolId}`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.ranking.length === 0 && <p class="muted empty">{t('planning.empty')}</p>}
          </div>
          <PlanningNoData schools={data.insufficientData} minCoverage={data.minCoverage} />
          <PlanningEquipment equipment={data.equipment} />
        </>
      )}
      <div class="card planning-how" data-testid="planning-how">
        <h2>{t('planning.howTitle')}</h2>
        <ul>
          <li>{t('planning.how1')}</li>
          <li>{t('planning.how2')}</li>
          <li>{t('planning.how3')}</li>
          <li>{t('planning.how4')}</li>
        </ul>
      </div>
    </section>
  );
}
