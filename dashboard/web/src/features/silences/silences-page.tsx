import type { Me, SilenceView } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';

/** The silences of the user's schools: the active ones (which may be ended early) and the recently ended ones. */
export function SilencesPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/silences', {});
  const confirm = useConfirm();
  const end = useSubmit(async (s: SilenceView) => {
    if (!(await confirm.ask(t('silences.confirmEnd', { name: s.targetName })))) return undefined;
    return post('/api/silences/:id/end', { params: { id: s.id } });
  });
  // The server's list is as of its clock; the screen's "now" only splits it, a minute either way is harmless.
  const now = Date.now();
  const all = q.data ?? [];
  const active = all.filter((s) => s.endedAt === null && s.until > now).sort((a, b) => a.until - b.until);
  const ended = all.filter((s) => !active.includes(s)).sort((a, b) => (b.endedAt ?? b.until) - (a.endedAt ?? a.until));

  const table = (list: SilenceView[], live: boolean) => (
    <table class="readings" data-testid={live ? 'silences-active' : 'silences-ended'}>
      <thead><tr>
        <th>{t('silences.target')}</th><th>{t('silences.until')}</th><th>{t('silences.reason')}</th><th>{t('silences.by')}</th>
        <th>{live ? '' : t('silences.endedAt')}</th>
      </tr></thead>
      <tbody>
        {list.map((s) => (
          <tr key={s.id} data-testid="silence-row" data-id={s.id}>
            <td><span class="muted small">{t(`silences.target.${s.targetType}`)}</span> {s.targetName}</td>
            <td class="nowrap">{fmtDateTime(lang, s.until)}</td>
            <td>{s.reason}</td>
            <td>{s.createdBy} <span class="muted small">{fmtDateTime(lang, s.createdAt)}</span></td>
            <td>
              {live && p.me.permissions.actOnAlerts && <button type="button" data-testid="silence-end" disabled={end.busy} onClick={() => void end.run(s)}>{t('silences.end')}</button>}
              {!live && (s.endedBy ? `${fmtDateTime(lang, s.endedAt)} · ${t('silences.endedEarly', { who: s.endedBy })}` : `${fmtDateTime(lang, s.until)} · ${t('silences.expired')}`)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );

  return (
    <section class="silences-page">
      <div class="page-head"><h1>{t('silences.title')}</h1></div>
      <ErrorLine message={q.error || end.error} testid="silences-error" />
      {!q.data && !q.error && <Loading />}
      {q.data && (
        <>
          <div class="card table-wrap">
            <h2>{t('silences.active')}</h2>
            {active.length ? table(active, true) : <Empty testid="silences-none-active">{t('silences.noneActive')}</Empty>}
          </div>
          <div class="card table-wrap">
            <h2>{t('silences.ended')}</h2>
            {ended.length ? table(ended, false) : <Empty>{t('silences.noneEnded')}</Empty>}
          </div>
        </>
      )}
      {confirm.dialog}
    </section>
  );
}
