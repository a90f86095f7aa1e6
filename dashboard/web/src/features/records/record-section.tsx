import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { CredentialsResponse } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { kindLabel, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDate, fmtDateTime, useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Link } from '../../ui/link.js';
import { fmtIsoDate, fmtVnd, recordStateLabel } from '../../ui/format.js';
import { ErrorLine } from '../../ui/states.js';
import { RecordEditForm } from './record-edit.js';
import { MaintenanceLog, RecordHistory } from './record-log.js';
import { SecretsPanel } from '../provisioning/prov-secrets.js';

/**
 * The full asset record of a device (GET /api/devices/:id/record) with, per permission, the edit form, the
 * maintenance log, the credentials actions (secrets shown once) and retirement. The tree answer gives the rooms
 * a device can move to and the user's permissions. Every write here makes the record and the device page's head
 * stale (hooks/query.ts WRITE_EFFECTS), so both follow without a reload.
 */
export function RecordSection(p: { id: string }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const q = useGet('/api/devices/:id/record', { params: { id: p.id } });
  const tree = useGet('/api/hierarchy/tree', {}).data ?? null;
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState(false);
  const [secrets, setSecrets] = useState<CredentialsResponse | null>(null);
  const confirm = useConfirm();
  const act = useSubmit((run: () => Promise<void>) => run());
  const params = { id: p.id };

  const section = (body: ComponentChildren) => <div class="card record-section" data-testid="record-section">{body}</div>;
  if (!q.data) return section(q.error ? <p class="error" data-testid="record-load-error">{t('common.error', { message: q.error })}</p> : <p class="muted">{t('record.loading')}</p>);
  const perms = tree?.permissions;
  const r = q.data;
  const retired = r.state === 'retired';

  /** Runs one action after an optional confirmation in the dialog; the server's refusal shows inline. */
  const run = async (question: string | null, action: () => Promise<void>) => {
    if (question && !(await confirm.ask(question))) return;
    setNotice('');
    await act.run(action);
  };
  const issue = () => run(r.hasCredentials ? t('record.confirmRotate', { name: r.name }) : null, async () => {
    setSecrets(await post('/api/devices/:id/credentials', { params }));
  });
  const revoke = () => run(t('record.confirmRevoke', { name: r.name }), async () => {
    await post('/api/devices/:id/revoke', { params });
    setNotice(t('record.revoked'));
  });
  const retire = () => run(t('record.confirmRetire', { name: r.name }), async () => {
    await post('/api/devices/:id/retire', { params });
    setNotice(t('record.retiredDone'));
  });

  const credentials = r.hasCredentials ? t('record.credentialsActive') : r.revokedAt !== null ? t('record.credentialsRevoked', { time: fmtDateTime(lang, r.revokedAt) }) : t('record.credentialsNone');
  const place = [r.place.districtName ?? t('tree.direct'), r.place.schoolName, r.place.siteName, r.place.roomName].join(' › ');
  const rows: [string, string, ComponentChildren][] = [
    ['id', t('record.id'), r.id],
    ['kind', t('record.kind'), kindLabel(kinds, r.kind, lang)],
    ['name', t('record.name'), r.name],
    ['code', t('record.code'), r.code ?? '—'],
    ['model', t('record.model'), r.model ?? '—'],
    ['manufacturer', t('record.manufacturer'), r.manufacturer ?? '—'],
    ['serial', t('record.serial'), r.serial ?? '—'],
    ['place', t('record.place'), <Link to={`/tree?room=${r.roomId}`} testid="record-place-link">{place}</Link>],
    ['inServiceDate', t('record.inServiceDate'), fmtIsoDate(lang, r.inServiceDate)],
    ['costVnd', t('record.costVnd'), fmtVnd(lang, r.costVnd)],
    ['fundingSource', t('record.fundingSource'), r.fundingSource ?? '—'],
    ['warrantyEnd', t('record.warrantyEnd'), fmtIsoDate(lang, r.warrantyEnd)],
    ['serviceLifeYears', t('record.serviceLifeYears'), r.serviceLifeYears === null ? '—' : t('record.years', { n: r.serviceLifeYears })],
    ['state', t('record.state'), <span class={`badge record-state-${r.state}`}>{recordStateLabel(t, r.state)}</span>],
    ['credentials', t('record.credentials'), credentials],
    ['createdAt', t('record.createdAt'), fmtDate(lang, r.createdAt)],
  ];

  return (
    <div class="card record-section" data-testid="record-section" data-state={r.state} data-credentials={String(r.hasCredentials)}>
      <h2>{t('record.title')} <span class="muted small">— {t('record.sectionTitle')}</span></h2>
      {editing && perms?.editRecords
        ? <RecordEditForm record={r} tree={tree} onCancel={() => setEditing(false)}
            onSaved={() => { setEditing(false); setNotice(t('record.saved')); }} />
        : (
          <>
            <dl class="record" data-testid="record-view">
              {rows.map(([key, label, value]) => <div key={key}><dt>{label}</dt><dd data-testid={`record-value-${key}`}>{value}</dd></div>)}
              <div class="rec-wide"><dt>{t('record.notes')}</dt><dd class="log-text" data-testid="record-value-notes">{r.notes ?? '—'}</dd></div>
            </dl>
            <div class="rec-actions">
              {perms?.editRecords && <button data-testid="record-edit" onClick={() => { setEditing(true); setNotice(''); }}>{t('record.edit')}</button>}
              {perms?.provision && !retired && (
                <button data-testid="record-credentials" disabled={act.busy} onClick={() => void issue()}>{r.hasCredentials ? t('record.rotate') : t('record.issue')}</button>
              )}
              {perms?.provision && r.hasCredentials && <button data-testid="record-revoke" disabled={act.busy} onClick={() => void revoke()}>{t('record.revoke')}</button>}
              {perms?.provision && !retired && (
                <a class="rec-button-link" data-testid="record-label" href={`/api/labels.pdf?deviceId=${encodeURIComponent(r.id)}`} target="_blank" rel="noopener noreferrer">{t('record.label')}</a>
              )}
              {perms?.editRecords && !retired && <button class="rec-danger" data-testid="record-retire" disabled={act.busy} onClick={() => void retire()}>{t('record.retire')}</button>}
            </div>
          </>
        )}
      {notice && <p class="ok small" data-testid="record-notice">{notice}</p>}
      <ErrorLine message={act.error} testid="record-action-error" bare />
      {confirm.dialog}
      {secrets && <SecretsPanel result={secrets} onClose={() => setSecrets(null)} />}
      <div class="grid-2 record-logs">
        <MaintenanceLog deviceId={r.id} entries={r.maintenance} canAdd={Boolean(perms?.editRecords)} />
        <RecordHistory entries={r.history} />
      </div>
    </div>
  );
}
