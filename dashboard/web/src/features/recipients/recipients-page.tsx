import { useState } from 'preact/hooks';
import type { Me, NewRecipientResponse, NotificationAttemptView, RecipientView } from '../../../../../api/index.js';
import { del, post } from '../../api.js';
import { useHierarchy } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, fmtNumber, useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';
import { RecipientForm, SecretPanel } from './recipient-form.js';

/** How many deliveries the log shows: the latest, enough to see whether a receiver works. */
const ATTEMPTS = 50;

/**
 * Who is notified of alerts (docs/alerts.md, "Notifications"): the recipients the user may manage, adding one (a
 * webhook's secret is shown once, right after), removing one, and the latest delivery attempts to them.
 */
export function RecipientsPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/notifications/recipients', {});
  const attempts = useGet('/api/notifications/attempts', { query: { limit: ATTEMPTS } });
  const hierarchy = useHierarchy();
  const confirm = useConfirm();
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<Pick<NewRecipientResponse, 'address' | 'secret'> | null>(null);
  const remove = useSubmit(async (r: RecipientView) => {
    if (!(await confirm.ask(t('recip.confirmRemove', { address: r.address })))) return undefined;
    return del('/api/notifications/recipients/:id', { params: { id: r.id } });
  });
  // A leaked or departed-staff secret is replaced here; the new one is shown once, like at creation.
  const rotate = useSubmit(async (r: RecipientView) => {
    if (!(await confirm.ask(t('recip.confirmRotate', { address: r.address })))) return;
    const res = await post('/api/notifications/recipients/:id/secret', { params: { id: r.id } });
    setSecret({ address: r.address, secret: res.secret });
  });

  const where = (r: RecipientView) => {
    if (r.schoolId !== null) return `${t('recip.where.school')}: ${hierarchy?.schools.find((s) => s.id === r.schoolId)?.name ?? `#${r.schoolId}`}`;
    if (r.districtId !== null) return `${t('recip.where.district')}: ${hierarchy?.districts.find((d) => d.id === r.districtId)?.name ?? `#${r.districtId}`}`;
    return t('recip.where.province');
  };
  const columns: Column<RecipientView>[] = [
    { head: t('recip.where'), cell: where },
    { head: t('recip.minSeverity'), cell: (r) => t(`recip.minSeverity.${r.minSeverity}`) },
    { head: t('recip.channel'), cell: (r) => t(`recip.channel.${r.channel}`) },
    { head: t('recip.address'), cell: (r) => <code data-testid="recip-address-cell">{r.address}</code> },
    { head: t('recip.language'), cell: (r) => t(`recip.language.${r.language}`) },
    { head: t('recip.digest'), cell: (r) => t(r.digest ? 'recip.digest.on' : 'recip.digest.off') },
    { head: t('recip.createdBy'), cell: (r) => <>{r.createdBy} <span class="muted small">{fmtDateTime(lang, Date.parse(r.createdAt))}</span></> },
    {
      head: '', class: 'nowrap',
      cell: (r) => <>
        {r.channel === 'webhook' && <button type="button" data-testid="recip-rotate" disabled={rotate.busy} onClick={() => void rotate.run(r)}>{t('recip.rotate')}</button>}{' '}
        <button type="button" data-testid="recip-remove" disabled={remove.busy} onClick={() => void remove.run(r)}>{t('recip.remove')}</button>
      </>,
    },
  ];

  const addressOf = new Map((q.data ?? []).map((r) => [r.id, r.address]));
  const attemptColumns: Column<NotificationAttemptView>[] = [
    { head: t('recip.attempts.at'), class: 'nowrap', cell: (a) => fmtDateTime(lang, Date.parse(a.at)) },
    { head: t('recip.attempts.recipient'), cell: (a) => addressOf.get(a.recipientId) ?? `#${a.recipientId} ${t('recip.removed')}` },
    { head: t('recip.attempts.kind'), cell: (a) => (a.kind === 'alerts' || a.kind === 'digest' ? t(`recip.attempts.kind.${a.kind}`) : a.kind) },
    { head: t('recip.attempts.items'), cell: (a) => fmtNumber(lang, a.items) },
    { head: t('recip.attempts.result'), cell: (a) => <>
      <span class={a.ok ? 'ok' : 'error'} data-testid="attempt-result">{t(a.ok ? 'recip.attempts.ok' : 'recip.attempts.failed')}</span>
      {a.gaveUp && <> <span class="error" data-testid="attempt-gave-up">{t('recip.attempts.gaveUp')}</span></>}
    </> },
    { head: t('recip.attempts.detail'), cell: (a) => [a.status ?? '', a.error ?? ''].filter((x) => x !== '').join(' · ') },
    { head: t('recip.attempts.delivery'), cell: (a) => (a.deliveryId ? <code class="small">{a.deliveryId}</code> : '') },
  ];

  return (
    <section class="recipients-page">
      <div class="page-head"><h1>{t('recip.title')}</h1></div>
      <p class="muted">{t('recip.intro')}</p>
      {secret && <SecretPanel created={secret} onClose={() => setSecret(null)} />}
      <ErrorLine message={q.error || remove.error || rotate.error} testid="recip-error" />
      <div class="card table-wrap">
        <h2>{t('recip.list')}</h2>
        {!q.data && !q.error && <Loading inline />}
        {q.data && (q.data.length
          ? <Table testid="recip-list" rows={q.data} columns={columns} rowKey={(r) => r.id} rowTestid={() => 'recip-row'}
            rowData={(r) => ({ 'data-id': String(r.id), 'data-channel': r.channel })} />
          : <Empty testid="recip-none">{t('recip.none')}</Empty>)}
        {adding
          ? <RecipientForm me={p.me} onDone={(created) => { setAdding(false); if (created?.secret) setSecret(created); }} />
          : <button type="button" class="primary" data-testid="recip-add" onClick={() => { setSecret(null); setAdding(true); }}>{t('recip.add')}</button>}
      </div>
      <div class="card table-wrap">
        <h2>{t('recip.attempts')}</h2>
        <ErrorLine message={attempts.error} testid="recip-attempts-error" />
        {attempts.data && (attempts.data.length
          ? <Table testid="recip-attempts" rows={attempts.data} columns={attemptColumns} rowKey={(a) => a.id} rowTestid={() => 'attempt-row'}
            rowData={(a) => ({ 'data-recipient': String(a.recipientId), 'data-ok': String(a.ok) })} />
          : <Empty testid="recip-attempts-none">{t('recip.attempts.none')}</Empty>)}
      </div>
      {confirm.dialog}
    </section>
  );
}
