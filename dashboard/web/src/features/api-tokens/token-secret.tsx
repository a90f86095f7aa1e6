import type { NewApiTokenResponse } from '../../../../../api/index.js';
import { useCopySecret } from '../../hooks/copy-secret.js';
import { useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';

/** The operations-centre wall's address for a wall token: the token in the fragment, which a browser never sends to the server. */
export const wallUrl = (token: string): string => `${location.origin}/wall#token=${token}`;

/**
 * A new token, shown this once with a copy button: the server keeps only its hash, so closing the panel asks first.
 * The clipboard API needs a secure context (HTTPS or loopback); elsewhere the token is selected for Ctrl+C. A wall
 * token comes with the wall's address to open on the screen, and the copy button copies that address.
 */
export function TokenSecret(p: { created: NewApiTokenResponse; onClose: () => void }) {
  const { t } = useI18n();
  const confirm = useConfirm();
  const { code, copied, copy: copyText } = useCopySecret();
  const wall = p.created.view.kind === 'wall' ? wallUrl(p.created.token) : null;
  const copy = () => copyText(wall ?? p.created.token);
  return (
    <div class="card prov-secrets" data-testid="token-secret" role="alert">
      <h3>{t('tokens.secret.title', { name: p.created.view.name })}</h3>
      <p class="prov-warning">⚠ {t('tokens.secret.warning')}</p>
      {wall ? (
        <>
          <p>{t('tokens.secret.wallUrl')}</p>
          <p><code class="secret" ref={code} data-testid="token-wall-url">{wall}</code></p>
          <p class="small muted">{t('tokens.secret.wallUsage')} <a href={wall} target="_blank" rel="noopener noreferrer" data-testid="token-wall-open">{t('tokens.secret.wallOpen')}</a></p>
          <p class="small muted">{t('tokens.secret.wallToken')} <code data-testid="token-secret-value">{p.created.token}</code></p>
        </>
      ) : (
        <>
          <p><code class="secret" ref={code} data-testid="token-secret-value">{p.created.token}</code></p>
          <p class="small muted">{t('tokens.secret.usage')}</p>
        </>
      )}
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
