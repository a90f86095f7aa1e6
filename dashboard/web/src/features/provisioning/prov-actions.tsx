import { useState } from 'preact/hooks';
import type { CredentialsResponse } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { withQuery } from '../../router.js';
import { useConfirm } from '../../ui/confirm.js';
import { ErrorLine } from '../../ui/states.js';
import { SecretsPanel } from './prov-secrets.js';

/** Credentials for every device of a room or a school that has none (POST /api/provision), and their labels. */
export function ProvisionActions(p: { target: { roomId: number } | { schoolId: number } }) {
  const { t } = useI18n();
  const [rotate, setRotate] = useState(false);
  const [result, setResult] = useState<CredentialsResponse | null>(null);
  const confirm = useConfirm();
  const issue = useSubmit(() => post('/api/provision', { body: { ...p.target, ...(rotate ? { rotateExisting: true } : {}) } }), setResult);

  const start = async () => {
    if (rotate && !(await confirm.ask(t('prov.confirmRotate')))) return;
    await issue.run();
  };

  return (
    <div class="prov-actions" data-testid="prov-actions">
      <h3>{t('record.provision')}</h3>
      <div class="rec-actions">
        <button class="primary" data-testid="prov-issue" disabled={issue.busy} onClick={() => void start()}>{t('prov.issue')}</button>
        <a class="rec-button-link" data-testid="prov-labels" href={withQuery('/api/labels.pdf', p.target)} target="_blank" rel="noopener noreferrer">{t('prov.labels')}</a>
      </div>
      <label class="rec-check small">
        <input type="checkbox" data-testid="prov-rotate" checked={rotate} onChange={(e) => setRotate(e.currentTarget.checked)} />
        {t('prov.rotateExisting')}
      </label>
      <ErrorLine message={issue.error} testid="prov-error" bare />
      {confirm.dialog}
      {result && <SecretsPanel result={result} onClose={() => setResult(null)} />}
    </div>
  );
}
