import { useState } from 'preact/hooks';
import type { BulkProvisionInput, CredentialsResponse } from '../../../../../api/index.js';
import { api, query } from '../../api.js';
import { useI18n } from '../../i18n.js';
import { errorText } from '../../ui/format.js';
import { SecretsPanel } from './prov-secrets.js';

/** Credentials for every device of a room or a school that has none (POST /api/provision), and their labels. */
export function ProvisionActions(p: { target: { roomId: number } | { schoolId: number }; onIssued?: () => void }) {
  const { t } = useI18n();
  const [rotate, setRotate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [result, setResult] = useState<CredentialsResponse | null>(null);

  const issue = async () => {
    if (rotate && !confirm(t('prov.confirmRotate'))) return;
    setBusy(true);
    setError('');
    try {
      const body: BulkProvisionInput = { ...p.target, ...(rotate ? { rotateExisting: true } : {}) };
      setResult(await api<CredentialsResponse>('/api/provision', { method: 'POST', body }));
      p.onIssued?.();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="prov-actions" data-testid="prov-actions">
      <h3>{t('record.provision')}</h3>
      <div class="rec-actions">
        <button class="primary" data-testid="prov-issue" disabled={busy} onClick={() => void issue()}>{t('prov.issue')}</button>
        <a class="rec-button-link" data-testid="prov-labels" href={`/api/labels.pdf${query(p.target)}`} target="_blank" rel="noopener noreferrer">{t('prov.labels')}</a>
      </div>
      <label class="rec-check small">
        <input type="checkbox" data-testid="prov-rotate" checked={rotate} onChange={(e) => setRotate(e.currentTarget.checked)} />
        {t('prov.rotateExisting')}
      </label>
      {error && <p class="error" data-testid="prov-error">{error}</p>}
      {result && <SecretsPanel result={result} onClose={() => setResult(null)} />}
    </div>
  );
}
