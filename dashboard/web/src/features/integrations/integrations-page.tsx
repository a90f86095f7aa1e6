import { useState } from 'preact/hooks';
import type { IntegrationAccountView, NewIntegrationAccountResponse, TreeResponse } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { useQuery } from '../../hooks/query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n, type T } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { IntegrationForm } from './integration-form.js';
import { IntegrationSecret } from './integration-secret.js';
import { LIST_KEY, listIntegrations, revokeIntegration } from './integrations-api.js';

const STATE_CLASS = { active: 'level-ok', revoked: 'cmd-cancelled' } as const;

/**
 * "Tài khoản tích hợp" (admins; docs/integration.md, "Integration accounts (MQTT)"): the accounts with their patterns,
 * scope, state and last connection; a form to create one whose secret is shown once; revoking after a confirmation,
 * which closes the account's MQTT connections. The table becomes cards on a phone (styles.css `.tokens-table`).
 */
export function IntegrationsPage() {
  const { t } = useI18n();
  const list = useQuery(LIST_KEY, listIntegrations);
  // Names for the scope column and the pickers; retired ones too, so an old scope still reads as a name.
  const treeQ = useGet('/api/hierarchy/tree', { query: { includeRetired: true } });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewIntegrationAccountResponse | null>(null);
  const [message, setMessage] = useState('');
  const confirm = useConfirm();
  const tree = treeQ.data ?? null;
  const error = list.error || treeQ.error;
  if (error && !list.data) return <ErrorLine message={error} testid="integrations-error" />;
  if (!list.data) return <Loading />;
  const done = (r: NewIntegrationAccountResponse) => {
    setCreating(false);
    setCreated(r);
    setMessage('');
  };
  return (
    <section class="integrations-page">
      <div class="page-head"><h1>{t('integrations.title')}</h1></div>
      <p class="muted small">{t('integrations.hint')}</p>
      {created && <IntegrationSecret created={created} onClose={() => setCreated(null)} />}
      {message && <p class="notice" data-testid="integrations-message">{message}</p>}
      {!creating && !created && <button type="button" class="primary" data-testid="integration-create-open" onClick={() => setCreating(true)}>{t('integrations.create.open')}</button>}
      {creating && <IntegrationForm tree={tree} onDone={done} onCancel={() => setCreating(false)} />}
      {list.data.accounts.length === 0 ? <Empty testid="integrations-none">{t('integrations.none')}</Empty> : (
        <div class="card table-wrap">
          <table class="tokens-table" data-testid="integrations-table">
            <thead>
              <tr>
                <th>{t('integrations.col.name')}</th><th>{t('integrations.col.clientId')}</th><th>{t('integrations.col.read')}</th><th>{t('integrations.col.write')}</th>
                <th>{t('integrations.col.scope')}</th><th>{t('integrations.col.lastConnected')}</th><th>{t('integrations.col.state')}</th><th />
              </tr>
            </thead>
            <tbody>
              {list.data.accounts.map((a) => <AccountRow key={a.name} account={a} tree={tree} ask={confirm.ask} onRevoked={() => setMessage(t('integrations.revoked', { name: a.name }))} />)}
            </tbody>
          </table>
        </div>
      )}
      {confirm.dialog}
    </section>
  );
}

function scopeName(t: T, tree: TreeResponse | null, a: IntegrationAccountView): string {
  if (a.schoolId !== null) return tree?.schools.find((s) => s.id === a.schoolId)?.name ?? `#${a.schoolId}`;
  if (a.districtId !== null) return tree?.districts.find((d) => d.id === a.districtId)?.name ?? `#${a.districtId}`;
  return t('integrations.province');
}

function Patterns(p: { list: string[]; none: string }) {
  return p.list.length ? <>{p.list.map((x) => <div key={x}><code>{x}</code></div>)}</> : <span class="muted">{p.none}</span>;
}

function AccountRow(p: { account: IntegrationAccountView; tree: TreeResponse | null; ask: (question: string) => Promise<boolean>; onRevoked: () => void }) {
  const { lang, t } = useI18n();
  const a = p.account;
  const revoke = useSubmit(() => revokeIntegration(a.name), p.onRevoked);
  const ask = async () => {
    if (await p.ask(t('integrations.revokeAsk', { name: a.name }))) await revoke.run();
  };
  return (
    <tr data-testid={`integration-row-${a.name}`} data-state={a.state}>
      <td data-label={t('integrations.col.name')}><b>{a.name}</b><div class="muted small">{t('integrations.createdBy', { user: a.createdBy, time: fmtDateTime(lang, a.createdAt) })}</div></td>
      <td data-label={t('integrations.col.clientId')}>{a.clientIdPattern ? <code>{a.clientIdPattern}</code> : <span class="muted">{t('integrations.anyClientId')}</span>}</td>
      <td data-label={t('integrations.col.read')}><Patterns list={a.readPatterns} none={t('integrations.nothing')} /></td>
      <td data-label={t('integrations.col.write')}><Patterns list={a.writePatterns} none={t('integrations.nothing')} /></td>
      <td data-label={t('integrations.col.scope')} data-testid={`integration-scope-${a.name}`}>{scopeName(t, p.tree, a)}</td>
      <td data-label={t('integrations.col.lastConnected')} data-testid={`integration-connected-${a.name}`}>{a.lastConnectedAt === null ? t('integrations.never') : fmtDateTime(lang, a.lastConnectedAt)}</td>
      <td data-label={t('integrations.col.state')}><span class={`badge ${STATE_CLASS[a.state]}`} data-testid={`integration-state-${a.name}`}>{t(`integrations.state.${a.state}`)}</span></td>
      <td>
        {a.state === 'active' && <button type="button" class="rec-danger" data-testid={`integration-revoke-${a.name}`} disabled={revoke.busy} onClick={() => void ask()}>{t('integrations.revoke')}</button>}
        <ErrorLine message={revoke.error} testid={`integration-revoke-error-${a.name}`} />
      </td>
    </tr>
  );
}
