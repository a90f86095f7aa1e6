import type { NewIntegrationAccountResponse } from '../../../../../api/index.js';
import { useCopySecret } from '../../hooks/copy-secret.js';
import { useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';

/**
 * A new account's secret (its MQTT password), shown this once with a copy button: the registry keeps only its scrypt
 * hash, so closing the panel asks first. The clipboard API needs a secure context; elsewhere the secret is selected.
 */
export function IntegrationSecret(p: { created: NewIntegrationAccountResponse; onClose: () => void }) {
  const { t } = useI18n();
  const confirm = useConfirm();
  const { code, copied, copy: copyText } = useCopySecret();
  const name = p.created.account.name;
  const copy = () => copyText(p.created.secret);
  return (
    <div class="card prov-secrets" data-testid="integration-secret" role="alert">
      <h3>{t('integrations.secret.title', { name })}</h3>
      <p class="prov-warning">⚠ {t('integrations.secret.warning')}</p>
      <p><code class="secret" ref={code} data-testid="integration-secret-value">{p.created.secret}</code></p>
      <p class="small muted">{t('integrations.secret.usage', { name })}</p>
      <div class="rec-actions">
        <button type="button" class="primary" data-testid="integration-copy" onClick={() => void copy()}>{t('integrations.secret.copy')}</button>
        {copied === 'yes' && <span class="ok small" data-testid="integration-copied">{t('integrations.secret.copied')}</span>}
        {copied === 'failed' && <span class="small" data-testid="integration-copy-failed">{t('integrations.secret.copyFailed')}</span>}
        <button type="button" data-testid="integration-secret-done" onClick={() => void confirm.ask(t('integrations.secret.confirmDone')).then((yes) => yes && p.onClose())}>
          {t('integrations.secret.done')}
        </button>
      </div>
      {confirm.dialog}
    </div>
  );
}
