import type { EdgeView } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { ErrorLine } from '../../ui/states.js';
import { clockWrong, diskLow, fmtAge, fmtSize } from './edge-format.js';

/** An edge's own health as it last reported it: disk, spool, clock; what needs the technician is said in words. */
export function EdgeDetail(p: { edge: EdgeView; onClose: () => void; canManage?: boolean; onChanged?: () => void }) {
  const { lang, t } = useI18n();
  const e = p.edge;
  const h = e.health;
  const confirm = useConfirm();
  const revoke = useSubmit(() => post('/api/edges/:id/revoke', { params: { id: e.id } }), () => p.onChanged?.());
  const ask = async () => {
    if (await confirm.ask(t('edges.detail.revokeAsk', { name: e.name, school: e.schoolName }))) await revoke.run();
  };
  return (
    <div class="card edge-detail" data-testid="edge-detail">
      <div class="page-head">
        <h2>{t('edges.detail.title', { name: e.name })}</h2>
        {/* The down bundle for a USB stick (docs/edge.md): admins only, a new version each time. */}
        {p.canManage && e.revokedAt === null && <a class="button-link" href={`/api/edges/${encodeURIComponent(e.id)}/bundle`} download data-testid="edge-bundle">{t('edges.detail.bundle')}</a>}
        {/* A stolen or replaced machine: its files and its link are refused from then on (admins only). */}
        {p.canManage && e.revokedAt === null && <button type="button" class="rec-danger" data-testid="edge-revoke" disabled={revoke.busy} onClick={() => void ask()}>{t('edges.detail.revoke')}</button>}
        <button type="button" data-testid="edge-detail-close" onClick={p.onClose}>{t('edges.detail.close')}</button>
      </div>
      <ErrorLine message={revoke.error} testid="edge-revoke-error" />
      {e.revokedAt !== null && <p class="muted" data-testid="edge-revoked">{t('edges.detail.revoked', { time: fmtDateTime(lang, e.revokedAt) })}</p>}
      {confirm.dialog}
      <p class="muted small">{e.schoolName} · {e.siteName} · {t('edges.detail.id')} <code>{e.id}</code> · {t('edges.detail.registered', { time: fmtDateTime(lang, e.createdAt) })}</p>
      {!h ? <p class="muted" data-testid="edge-health-none">{t('edges.detail.noHealth')}</p> : (
        <>
          <p class="muted small" data-testid="edge-health-at">{t('edges.detail.reportedAt', { time: fmtDateTime(lang, h.reportedAt), via: t(`edges.via.${e.link.via ?? 'file'}`) })}</p>
          <dl class="edge-health">
            <dt>{t('edges.detail.disk')}</dt>
            <dd data-testid="edge-health-disk" class={diskLow(h) ? 'warn' : ''}>
              {h.diskFreeBytes === null || h.diskTotalBytes === null ? '—' : t('edges.detail.diskFree', { free: fmtSize(lang, h.diskFreeBytes), total: fmtSize(lang, h.diskTotalBytes) })}
              {diskLow(h) && <div class="small">{t('edges.detail.diskLow')}</div>}
            </dd>
            <dt>{t('edges.detail.spool')}</dt>
            <dd data-testid="edge-health-spool">
              {h.spoolBytes === null ? '—' : h.spoolBytes === 0 ? t('edges.detail.spoolEmpty') : t('edges.detail.spoolValue', { bytes: fmtSize(lang, h.spoolBytes), age: h.spoolOldestMs === null ? '—' : fmtAge(t, h.spoolOldestMs) })}
            </dd>
            <dt>{t('edges.detail.clock')}</dt>
            <dd data-testid="edge-health-clock" class={clockWrong(h) ? 'warn' : ''}>
              {h.clockOffsetMs === null ? t('edges.detail.clockUnknown')
                : Math.abs(h.clockOffsetMs) < 1000 ? t('edges.detail.clockOk')
                  : t(h.clockOffsetMs > 0 ? 'edges.detail.clockAhead' : 'edges.detail.clockBehind', { age: fmtAge(t, h.clockOffsetMs) })}
              {clockWrong(h) && <div class="small">{t('edges.detail.clockWrong')}</div>}
            </dd>
          </dl>
        </>
      )}
    </div>
  );
}
