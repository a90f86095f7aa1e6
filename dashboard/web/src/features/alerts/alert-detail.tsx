import { Fragment } from 'preact';
import { useCallback } from 'preact/hooks';
import type { AlertView, Me } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { fmtDateTime, fmtNumber, useI18n } from '../../i18n.js';
import { useLiveAlerts } from '../../live.js';
import { Link } from '../../ui/link.js';
import { AlertActions } from './alert-actions.js';
import { ruleLabel } from '../../../../../domain/health-texts.js';

/**
 * One alert: what broke which rule where, since when, who acknowledged or resolved it and why, its history, and the
 * actions (acknowledge, resolve, silence) for those who may act. A live batch that carries it reads it again, so a
 * colleague's acknowledgement shows without a reload.
 */
export function AlertDetailPage(p: { me: Me; id: number }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/alerts/:id', { params: { id: p.id } });
  useLiveAlerts(useCallback((batch: AlertView[]) => {
    if (batch.some((a) => a.id === p.id)) q.reload();
  }, [p.id, q.reload]));

  if (q.error && !q.data) return <p class="error" data-testid="alert-error">{q.status === 403 ? t('common.forbidden') : q.status === 404 ? t('common.notFound') : t('common.error', { message: q.error })}</p>;
  if (!q.data) return <p class="muted">{t('common.loading')}</p>;
  const { alert: a, history } = q.data;
  const dash = (v: string | null) => v ?? '—';
  const rows: [string, string, string?][] = [
    [t('alerts.device'), a.deviceName],
    [t('alerts.room'), a.roomName],
    [t('alerts.school'), a.schoolName],
    [t('alerts.value'), a.value === null ? '—' : `${fmtNumber(lang, a.value)}${a.field ? ` (${a.field})` : ''}`],
    [t('alerts.since'), fmtDateTime(lang, a.startedAt)],
    [t('alerts.firedAt'), a.firedAt === null ? '—' : fmtDateTime(lang, a.firedAt)],
    [t('alerts.ackedByCol'), a.ackedBy ? `${a.ackedBy} · ${fmtDateTime(lang, a.ackedAt)}` : '—', 'alert-acked-by'],
    [t('alerts.comment'), dash(a.ackComment), 'alert-ack-note'],
    [t('alerts.resolvedByCol'), a.resolvedAt === null ? '—' : `${a.resolvedBy ?? t('alerts.byItself')} · ${fmtDateTime(lang, a.resolvedAt)}`, 'alert-resolved-by'],
    [t('alerts.reason'), dash(a.resolveReason), 'alert-resolve-reason'],
  ];
  return (
    <section class="alert-detail" data-testid="alert-detail" data-state={a.state}>
      <Link to="/alerts" class="back" testid="alert-back">‹ {t('alerts.title')}</Link>
      <div class="page-head">
        <h1 data-testid="alert-rule">{ruleLabel(a.rule, lang)}</h1>
        <span class={`badge ${a.severity}`}>{t(`alerts.severity.${a.severity}`)}</span>
        <span class="badge" data-testid="alert-detail-state">{t(`alerts.state.${a.state}`)}</span>
        {a.silenced && <span class="tag" data-testid="alert-detail-silenced">{t('alerts.silenced')}</span>}
      </div>
      <div class="card">
        <dl class="record">
          {rows.map(([k, v, id]) => <Fragment key={k}><dt>{k}</dt><dd data-testid={id}>{v}</dd></Fragment>)}
        </dl>
        <p><Link to={`/devices/${encodeURIComponent(a.deviceId)}`} testid="alert-device-link">{t('alerts.openDevice')}</Link></p>
      </div>
      {p.me.permissions.actOnAlerts && <AlertActions alert={a} onChange={q.reload} />}
      <div class="card">
        <h2>{t('alerts.history')}</h2>
        <table class="readings" data-testid="alert-history">
          <thead><tr><th>{t('alerts.when')}</th><th>{t('alerts.stateCol')}</th><th>{t('alerts.who')}</th><th>{t('alerts.comment')}</th></tr></thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={i} data-testid="alert-history-row" data-state={h.state}>
                <td class="nowrap">{fmtDateTime(lang, h.at)}</td>
                <td>{t(`alerts.history.${h.state}`)}</td>
                <td>{h.byUser ?? t('alerts.system')}</td>
                <td>{h.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
