import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { CredentialsResponse, DeviceRecord, TreeResponse } from '../../../../../api/index.js';
import { api } from '../../api.js';
import { kindLabel, useKinds } from '../../data.js';
import { fmtDate, fmtDateTime, useI18n } from '../../i18n.js';
import { Link } from '../../ui/link.js';
import { errorText, fmtIsoDate, fmtVnd, recordStateLabel } from '../../ui/format.js';
import { RecordEditForm } from './record-edit.js';
import { MaintenanceLog, RecordHistory } from './record-log.js';
import { SecretsPanel } from '../provisioning/prov-secrets.js';

/**
 * The full asset record of a device (GET /api/devices/:id/record) with, per permission, the edit form, the
 * maintenance log, the credentials actions (secrets shown once) and retirement. The tree answer gives the rooms
 * a device can move to and the user's permissions.
 */
export function RecordSection(p: { id: string; onChanged: () => void }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const [record, setRecord] = useState<DeviceRecord | null>(null);
  const [tree, setTree] = useState<TreeResponse | null>(null);
  const [loadError, setLoadError] = useState('');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [secrets, setSecrets] = useState<CredentialsResponse | null>(null);
  const path = `/api/devices/${encodeURIComponent(p.id)}`;

  const load = () => api<DeviceRecord>(`${path}/record`).then((r) => { setRecord(r); setLoadError(''); }, (e: unknown) => setLoadError(errorText(e)));
  useEffect(() => {
    setRecord(null);
    setEditing(false);
    setSecrets(null);
    setNotice('');
    setError('');
    void load();
    api<TreeResponse>('/api/hierarchy/tree').then(setTree, () => setTree(null));
  }, [p.id]);

  if (loadError) return <div class="card record-section" data-testid="record-section"><p class="error" data-testid="record-load-error">{t('common.error', { message: loadError })}</p></div>;
  if (!record) return <div class="card record-section" data-testid="record-section"><p class="muted">{t('record.loading')}</p></div>;
  const perms = tree?.permissions;
  const r = record;
  const retired = r.state === 'retired';

  /** Runs one action after an optional confirm(); shows the server's refusal inline. */
  const act = async (question: string | null, run: () => Promise<void>) => {
    if (question && !confirm(question)) return;
    setBusy(true);
    setError('');
    setNotice('');
    try {
      await run();
      await load();
      p.onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const issue = () => act(r.hasCredentials ? t('record.confirmRotate', { name: r.name }) : null, async () => {
    setSecrets(await api<CredentialsResponse>(`${path}/credentials`, { method: 'POST' }));
  });
  const revoke = () => act(t('record.confirmRevoke', { name: r.name }), async () => {
    await api(`${path}/revoke`, { method: 'POST' });
    setNotice(t('record.revoked'));
  });
  const retire = () => act(t('record.confirmRetire', { name: r.name }), async () => {
    await api(`${path}/retire`, { method: 'POST' });
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
            onSaved={(next) => { setRecord(next); setEditing(false); setNotice(t('record.saved')); p.onChanged(); }} />
        : (
          <>
            <dl class="record" data-testid="record-view">
              {rows.map(([key, label, value]) => <div key={key}><dt>{label}</dt><dd data-testid={`record-value-${key}`}>{value}</dd></div>)}
              <div class="rec-wide"><dt>{t('record.notes')}</dt><dd class="log-text" data-testid="record-value-notes">{r.notes ?? '—'}</dd></div>
            </dl>
            <div class="rec-actions">
              {perms?.editRecords && <button data-testid="record-edit" onClick={() => { setEditing(true); setNotice(''); }}>{t('record.edit')}</button>}
              {perms?.provision && !retired && (
                <button data-testid="record-credentials" disabled={busy} onClick={() => void issue()}>{r.hasCredentials ? t('record.rotate') : t('record.issue')}</button>
              )}
              {perms?.provision && r.hasCredentials && <button data-testid="record-revoke" disabled={busy} onClick={() => void revoke()}>{t('record.revoke')}</button>}
              {perms?.provision && !retired && (
                <a class="rec-button-link" data-testid="record-label" href={`/api/labels.pdf?deviceId=${encodeURIComponent(r.id)}`} target="_blank" rel="noopener noreferrer">{t('record.label')}</a>
              )}
              {perms?.editRecords && !retired && <button class="rec-danger" data-testid="record-retire" disabled={busy} onClick={() => void retire()}>{t('record.retire')}</button>}
            </div>
          </>
        )}
      {notice && <p class="ok small" data-testid="record-notice">{notice}</p>}
      {error && <p class="error" data-testid="record-action-error">{error}</p>}
      {secrets && <SecretsPanel result={secrets} onClose={() => setSecrets(null)} />}
      <div class="grid-2 record-logs">
        <MaintenanceLog deviceId={r.id} entries={r.maintenance} canAdd={Boolean(perms?.editRecords)} onAdded={() => void load()} />
        <RecordHistory entries={r.history} />
      </div>
    </div>
  );
}
