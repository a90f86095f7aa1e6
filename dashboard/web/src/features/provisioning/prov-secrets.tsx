import type { CredentialsResponse } from '../../../../../api/index.js';
import { useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';

/** A spreadsheet would run a cell that starts like a formula; names come from imports, so they are defused. */
const defuse = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The issued credentials as CSV (UTF-8 with BOM so spreadsheet software reads Vietnamese names right). */
export function credentialsCsv(res: CredentialsResponse): string {
  const rows = [['deviceId', 'name', 'code', 'secret', 'mqttUrl']];
  for (const c of res.credentials) rows.push([c.deviceId, defuse(c.name), defuse(c.code ?? ''), c.secret, res.mqttUrl]);
  return '\uFEFF' + rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

function download(res: CredentialsResponse): void {
  const url = URL.createObjectURL(new Blob([credentialsCsv(res)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `khoa-mqtt-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Secrets as issued, shown this once with a clear warning; closing asks first, since they cannot be shown again. */
export function SecretsPanel(p: { result: CredentialsResponse; onClose: () => void }) {
  const { t } = useI18n();
  const confirm = useConfirm();
  if (p.result.credentials.length === 0) {
    return <p class="notice" data-testid="prov-none">{t('prov.none')} <button data-testid="prov-none-close" onClick={p.onClose}>×</button></p>;
  }
  return (
    <div class="card prov-secrets" data-testid="prov-secrets" role="alert">
      <h3>{t('prov.secretsTitle')}</h3>
      <p class="prov-warning">⚠ {t('prov.warning')}</p>
      <p class="small">{t('prov.count', { n: p.result.credentials.length })} {t('prov.broker')}: <code data-testid="prov-mqtt-url">{p.result.mqttUrl}</code></p>
      <div class="table-wrap">
        <table>
          <thead><tr><th>{t('prov.deviceId')}</th><th>{t('prov.name')}</th><th>{t('prov.code')}</th><th>{t('prov.secret')}</th></tr></thead>
          <tbody>
            {p.result.credentials.map((c) => (
              <tr key={c.deviceId} data-testid={`prov-secret-${c.deviceId}`}>
                <td><code>{c.deviceId}</code></td>
                <td>{c.name}</td>
                <td>{c.code ?? '—'}</td>
                <td><code class="secret" data-testid="prov-secret-value">{c.secret}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="rec-actions">
        <button class="primary" data-testid="prov-csv" onClick={() => download(p.result)}>{t('prov.csv')}</button>
        <button data-testid="prov-dismiss" onClick={() => void confirm.ask(t('prov.confirmDismiss')).then((yes) => yes && p.onClose())}>{t('prov.dismiss')}</button>
      </div>
      {confirm.dialog}
    </div>
  );
}
