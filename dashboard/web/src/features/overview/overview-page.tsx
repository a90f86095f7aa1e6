import { useCallback, useEffect, useRef } from 'preact/hooks';
import type { ProblemCode } from '../../../../../api/index.js';
import { PROBLEM_CODES } from '../../../../../api/constants.js';
import { useGet } from '../../hooks/api-query.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { FleetBars } from './fleet-bars.js';
import { Link } from '../../ui/link.js';
import { kindLabel, useKinds } from '../../data.js';
import { fmtNumber, fmtTime, useI18n } from '../../i18n.js';
import { useLiveBatches } from '../../live.js';

/** Refetch at most this often while live batches arrive: counts need the whole fleet, which only the server has. */
const REFRESH_MS = 1000;

export function OverviewPage() {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const { data, error, reload } = useGet('/api/overview', {});
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => { if (pending.current) clearTimeout(pending.current); }, []);
  useLiveBatches(useCallback(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => { pending.current = null; reload(); }, REFRESH_MS);
  }, [reload]));

  if (error && !data) return <ErrorLine message={error} />;
  if (!data) return <Loading />;
  const n = (x: number) => fmtNumber(lang, x);
  return (
    <section>
      <div class="page-head">
        <h1>{t('overview.title')}</h1>
        <span class="muted" data-testid="overview-updated">{t('overview.updated', { time: fmtTime(lang, data.generatedAt) })}</span>
      </div>
      {!data.live && <p class="notice">{t('overview.noLive')}</p>}
      <div class="cards" data-testid="overview-totals">
        <Stat label={t('overview.total')} value={n(data.totals.total)} testid="total-all" />
        <Stat label={t('overview.online')} value={n(data.totals.online)} tone="ok" testid="total-online" />
        <Stat label={t('overview.offline')} value={n(data.totals.offline)} tone="muted" testid="total-offline" />
        <Stat label={t('overview.problems')} value={n(data.totals.problems)} tone="warn" testid="total-problems" />
      </div>

      <h2>{t('overview.byKind')}</h2>
      <div class="grid-2">
        <div class="cards cards-kinds">
          {data.byKind.map(({ kind, counts }) => (
            <div class="card kind-card" key={kind} data-testid={`kind-card-${kind}`}>
              <h3>{kindLabel(kinds, kind, lang)}</h3>
              <div class="kind-total">{n(counts.total)}</div>
              <dl class="kind-stats">
                <div><dt>{t('overview.online')}</dt><dd class="ok" data-testid={`kind-online-${kind}`}>{n(counts.online)}</dd></div>
                <div><dt>{t('overview.offline')}</dt><dd class="muted" data-testid={`kind-offline-${kind}`}>{n(counts.offline)}</dd></div>
                <div><dt>{t('overview.problems')}</dt><dd class="warn" data-testid={`kind-problems-${kind}`}>{n(counts.problems)}</dd></div>
              </dl>
            </div>
          ))}
        </div>
        <div class="card">
          <FleetBars rows={data.byKind.map((k) => ({ label: kindLabel(kinds, k.kind, lang), counts: k.counts }))} />
          <h3 class="sub">{t('overview.problemBreakdown')}</h3>
          <ul class="problem-list" data-testid="problem-breakdown">
            {PROBLEM_CODES.map((c: ProblemCode) => (
              <li key={c}>
                <Link to={c === 'offline' ? '/devices?state=offline' : '/devices?state=problem'}>{t(`problem.${c}`)}</Link>
                <b>{n(data.byProblem[c])}</b>
              </li>
            ))}
          </ul>
        </div>
      </div>

      <h2>{t('overview.bySchool')}</h2>
      {data.bySchool.length === 0 ? <p class="muted">{t('overview.noSchools')}</p> : (
        <div class="card table-wrap">
          <table data-testid="school-table">
            <thead>
              <tr>
                <th>{t('overview.school')}</th>
                <th class="num">{t('overview.totalShort')}</th>
                <th class="num">{t('overview.online')}</th>
                <th class="num">{t('overview.offline')}</th>
                <th class="num">{t('overview.problems')}</th>
              </tr>
            </thead>
            <tbody>
              {data.bySchool.map((s) => (
                <tr key={s.schoolId} data-testid={`school-row-${s.schoolId}`}>
                  <td><Link to={`/devices?schoolId=${s.schoolId}`}>{s.name}</Link></td>
                  <td class="num">{n(s.counts.total)}</td>
                  <td class="num ok">{n(s.counts.online)}</td>
                  <td class="num muted">{n(s.counts.offline)}</td>
                  <td class={`num ${s.counts.problems ? 'warn' : ''}`}>{n(s.counts.problems)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Stat(p: { label: string; value: string; tone?: 'ok' | 'warn' | 'muted'; testid: string }) {
  return (
    <div class={`card stat ${p.tone ?? ''}`}>
      <span class="stat-label">{p.label}</span>
      <span class="stat-value" data-testid={p.testid}>{p.value}</span>
    </div>
  );
}
