import { actionLabel } from '../audit/audit-labels.js';
import { useState } from 'preact/hooks';
import type { AuditEntry, DeviceRecord } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';

type Maintenance = DeviceRecord['maintenance'];

/** The maintenance log, newest first, with an entry form for those who keep records (POST /api/devices/:id/maintenance). */
export function MaintenanceLog(p: { deviceId: string; entries: Maintenance; canAdd: boolean }) {
  const { lang, t } = useI18n();
  const [text, setText] = useState('');
  // The write makes the record stale (hooks/query.ts WRITE_EFFECTS): the list below comes back with the entry.
  const save = useSubmit((body: { text: string }) => post('/api/devices/:id/maintenance', { params: { id: p.deviceId }, body }), () => setText(''));
  const { busy, error } = save;
  const entries = [...p.entries].sort((a, b) => b.at - a.at);

  const add = (e: Event) => {
    e.preventDefault();
    if (text.trim()) void save.run({ text: text.trim() });
  };

  return (
    <div class="record-maintenance">
      <h3>{t('record.maintenance')}</h3>
      {entries.length === 0 && <p class="muted small" data-testid="maintenance-empty">{t('record.maintenanceEmpty')}</p>}
      <ul class="log-list" data-testid="maintenance-list">
        {entries.map((m, i) => (
          <li key={`${m.at}-${i}`} data-testid="maintenance-entry">
            <div class="muted small">{fmtDateTime(lang, m.at)} · {m.byUser}</div>
            <div class="log-text">{m.text}</div>
          </li>
        ))}
      </ul>
      {p.canAdd && (
        <form class="maintenance-form" onSubmit={add}>
          <textarea data-testid="maintenance-text" rows={2} maxLength={4000} placeholder={t('record.maintenanceText')} aria-label={t('record.maintenanceText')}
            value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy || !text.trim()} data-testid="maintenance-add">{t('record.maintenanceAdd')}</button>
        </form>
      )}
      <ErrorLine message={error} testid="maintenance-error" bare />
    </div>
  );
}

/** An audit entry's detail as short "key: value" text (never HTML). */
function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return String(detail);
  const parts = Object.entries(detail as Record<string, unknown>).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const s = parts.join(' · ');
  return s.length > 300 ? s.slice(0, 299) + '…' : s;
}

/** The device's audit entries, newest first. */
export function RecordHistory(p: { entries: AuditEntry[] }) {
  const { lang, t } = useI18n();
  return (
    <div class="record-history">
      <h3>{t('record.history')}</h3>
      {p.entries.length === 0
        ? <p class="muted small" data-testid="record-history-empty">{t('record.historyEmpty')}</p>
        : (
          <div class="table-wrap">
            <table data-testid="record-history">
              <thead><tr><th>{t('record.at')}</th><th>{t('record.by')}</th><th>{t('record.action')}</th><th>{t('record.detail')}</th></tr></thead>
              <tbody>
                {p.entries.map((e, i) => (
                  <tr key={`${e.at}-${i}`} data-testid="record-history-row">
                    <td class="nowrap">{fmtDateTime(lang, e.at)}</td>
                    <td>{e.byUser}</td>
                    <td data-action={e.action}>{actionLabel(t, e.action)}</td>
                    <td class="small">{detailText(e.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </div>
  );
}
