import { useRef, useState } from 'preact/hooks';
import type { NewApiTokenResponse } from '../../../../../api/index.js';
import { useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';

/**
 * A new token, shown this once with a copy button: the server keeps only its hash, so closing the panel asks first.
 * The clipboard API needs a secure context (HTTPS or loopback); elsewhere the token is selected for Ctrl+C.
 */
export function TokenSecret(p: { created: NewApiTokenResponse; onClose: () => void }) {
  const { t } = useI18n();
  const confirm = useConfirm();
  const code = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(p.created.token);
      setCopied('yes');
    } catch {
      const range = document.createRange();
      if (code.current) range.selectNodeContents(code.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied('failed');
    }
  };
  return (
    <div class="card prov-secrets" data-testid="token-secret" role="alert">
      <h3>{t('tokens.secret.title', { name: p.created.view.name })}</h3>
      <p class="prov-warning">⚠ {t('tokens.secret.warning')}</p>
      <p><code class="secret" ref={code} data-testid="token-secret-value">{p.created.token}</code></p>
      <p class="small muted">{t('tokens.secret.usage')}</p>
      <div class="rec-actions">
        <button type="button" class="primary" data-testid="token-copy" onClick={() => void copy()}>{t('tokens.secret.copy')}</button>
        {copied === 'yes' && <span class="ok small" data-testid="token-copied">{t('tokens.secret.copied')}</span>}
        {copied === 'failed' && <span class="small" data-testid="token-copy-failed">{t('tokens.secret.copyFailed')}</span>}
        <button type="button" data-testid="token-secret-done" onClick={() => void confirm.ask(t('tokens.secret.confirmDone')).then((yes) => yes && p.onClose())}>
          {t('tokens.secret.done')}
        </button>
      </div>
      {confirm.dialog}
    </div>
  );
}
