import { useState } from 'preact/hooks';
import type { ApiTokenView, NewApiTokenResponse } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { scopeText } from '../users/users-scope.js';
import { TokenForm } from './token-form.js';
import { TokenSecret } from './token-secret.js';

const STATE_CLASS = { active: 'level-ok', expired: 'cmd-expired', revoked: 'cmd-cancelled' } as const;

/**
 * API tokens for machines (admins; docs/integration.md): the list without secrets (prefix, role, scope, read-only or
 * not, expiry, last use, state), a form to create one whose token is shown once, and revoking with a confirmation.
 * Rows become cards on a phone (styles.css `.tokens-table`).
 */
export function ApiTokensPage() {
  const { t } = useI18n();
  const list = useGet('/api/tokens', {});
  // Names for the scope column and the pickers; retired ones too, so old scopes still read as names.
  const treeQ = useGet('/api/hierarchy/tree', { query: { includeRetired: true } });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewApiTokenResponse | null>(null);
  const [message, setMessage] = useState('');
  // One confirmation for every row's revoke, rather than a dialog per row.
  const confirm = useConfirm();
  const tree = treeQ.data ?? null;
  const error = list.error || treeQ.error;
  if (error && !list.data) return <ErrorLine message={error} testid="tokens-error" />;
  if (!list.data) return <Loading />;
  const done = (r: NewApiTokenResponse) => {
    setCreating(false);
    setCreated(r);
    setMessage('');
    list.reload();
  };
  return (
    <section class="tokens-page">
      <div class="page-head"><h1>{t('tokens.title')}</h1></div>
      <p class="muted small">{t('tokens.hint')}</p>
      {created && <TokenSecret created={created} onClose={() => setCreated(null)} />}
      {message && <p class="notice" data-testid="tokens-message">{message}</p>}
      {!creating && !created && <button type="button" class="primary" data-testid="token-create-open" onClick={() => setCreating(true)}>{t('tokens.create.open')}</button>}
      {creating && <TokenForm tree={tree} onDone={done} onCancel={() => setCreating(false)} />}
      {list.data.tokens.length === 0 ? <Empty testid="tokens-none">{t('tokens.none')}</Empty> : (
        <div class="card table-wrap">
          <table class="tokens-table" data-testid="tokens-table">
            <thead>
              <tr>
                <th>{t('tokens.col.name')}</th><th>{t('tokens.col.prefix')}</th><th>{t('tokens.col.role')}</th><th>{t('tokens.col.scope')}</th>
                <th>{t('tokens.col.access')}</th><th>{t('tokens.col.expires')}</th><th>{t('tokens.col.lastUsed')}</th><th>{t('tokens.col.state')}</th><th />
              </tr>
            </thead>
            <tbody>
              {list.data.tokens.map((tk) => <TokenRow key={tk.id} token={tk} tree={tree} ask={confirm.ask} onRevoked={() => {
                setMessage(t('tokens.revoked', { name: tk.name }));
                list.reload();
              }} />)}
            </tbody>
          </table>
        </div>
      )}
      {confirm.dialog}
    </section>
  );
}

function TokenRow(p: { token: ApiTokenView; tree: Parameters<typeof scopeText>[1]; ask: (question: string) => Promise<boolean>; onRevoked: () => void }) {
  const { lang, t } = useI18n();
  const tk = p.token;
  const revoke = useSubmit(() => post('/api/tokens/:id/revoke', { params: { id: tk.id } }), p.onRevoked);
  const ask = async () => {
    if (await p.ask(t('tokens.revokeAsk', { name: tk.name, prefix: `${tk.prefix}…` }))) await revoke.run();
  };
  return (
    <tr data-testid={`token-row-${tk.id}`} data-state={tk.state}>
      <td data-label={t('tokens.col.name')}><b>{tk.name}</b><div class="muted small">{t('tokens.createdBy', { user: tk.createdBy, time: fmtDateTime(lang, tk.createdAt) })}</div></td>
      <td data-label={t('tokens.col.prefix')}><code>{tk.prefix}…</code></td>
      <td data-label={t('tokens.col.role')} data-testid={`token-role-${tk.id}`}>{tk.kind === 'wall' ? t('tokens.kind.wallShort') : t(`role.${tk.role}`)}</td>
      <td data-label={t('tokens.col.scope')}>{scopeText(t, p.tree, tk.role, tk.scope).text}</td>
      <td data-label={t('tokens.col.access')} data-testid={`token-access-${tk.id}`}>{t(tk.write ? 'tokens.readWrite' : 'tokens.readOnly')}</td>
      <td data-label={t('tokens.col.expires')}>{fmtDateTime(lang, tk.expiresAt)}</td>
      <td data-label={t('tokens.col.lastUsed')} data-testid={`token-used-${tk.id}`}>{tk.lastUsedAt === null ? t('tokens.never') : fmtDateTime(lang, tk.lastUsedAt)}</td>
      <td data-label={t('tokens.col.state')}><span class={`badge ${STATE_CLASS[tk.state]}`} data-testid={`token-state-${tk.id}`}>{t(`tokens.state.${tk.state}`)}</span></td>
      <td>
        {tk.state === 'active' && <button type="button" class="rec-danger" data-testid={`token-revoke-${tk.id}`} disabled={revoke.busy} onClick={() => void ask()}>{t('tokens.revoke')}</button>}
        <ErrorLine message={revoke.error} testid={`token-revoke-error-${tk.id}`} />
      </td>
    </tr>
  );
}
