import { useState } from 'preact/hooks';
import type { Me, UserRow } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { UserForm } from './users-form.js';
import { scopeText } from './users-scope.js';
import { fmtDateTime, useI18n } from '../../i18n.js';

/**
 * Users and roles (admins): the table of accounts with role, scope (as district and school names) and state; one
 * user edited at a time in place; a form to add one below.
 */
export function UsersPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  // A user saved or created makes the list stale (hooks/query.ts WRITE_EFFECTS): it comes back with the change.
  const list = useGet('/api/users', {});
  // Names for the scope column and the pickers; retired ones too, so old assignments still read as names.
  const treeQ = useGet('/api/hierarchy/tree', { query: { includeRetired: true } });
  const users = list.data ?? null;
  const tree = treeQ.data ?? null;
  const error = list.error || treeQ.error;
  const [editing, setEditing] = useState<number | null>(null);
  const [message, setMessage] = useState('');
  const [createKey, setCreateKey] = useState(0);

  const saved = (u: UserRow) => {
    setEditing(null);
    setMessage(t('users.saved', { username: u.username }));
  };
  const created = (u: UserRow) => {
    setCreateKey((k) => k + 1);
    setMessage(t('users.created', { username: u.username }));
  };

  return (
    <section class="users-page">
      <div class="page-head"><h1>{t('users.title')}</h1></div>
      <ErrorLine message={error} testid="users-error" />
      {message && <p class="notice users-message" data-testid="users-message">{message}</p>}
      <div class="card table-wrap">
        <table data-testid="users-table">
          <thead>
            <tr>
              <th>{t('users.username')}</th>
              <th>{t('users.displayName')}</th>
              <th>{t('users.role')}</th>
              <th>{t('users.scope')}</th>
              <th>{t('users.status')}</th>
              <th>{t('users.createdAt')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users?.map((u) => {
              const scope = scopeText(t, tree, u.role, u.scope);
              return [
                <tr key={u.id} data-testid={`users-row-${u.username}`} data-disabled={String(u.disabled)} class={u.disabled ? 'users-disabled' : ''}>
                  <td class="nowrap"><b>{u.username}</b> {u.id === p.me.id && <span class="muted small">{t('users.you')}</span>}</td>
                  <td>{u.displayName}</td>
                  <td data-testid={`users-role-${u.username}`}>{t(`role.${u.role}`)}</td>
                  <td data-testid={`users-scope-${u.username}`} class={scope.warn ? 'warn' : ''}>{scope.text}</td>
                  <td>
                    <span class={`badge ${u.disabled ? 'state-offline' : 'state-online'}`} data-testid={`users-status-${u.username}`}>
                      {u.disabled ? t('users.disabled') : t('users.active')}
                    </span>
                  </td>
                  <td class="nowrap small">{fmtDateTime(lang, u.createdAt)}</td>
                  <td>
                    <button type="button" data-testid={`user-edit-${u.username}`} disabled={editing === u.id}
                      onClick={() => { setEditing(u.id); setMessage(''); }}>{t('users.edit')}</button>
                  </td>
                </tr>,
                editing === u.id && (
                  <tr key={`${u.id}-edit`} class="users-edit-row">
                    <td colSpan={7}>
                      <UserForm me={p.me} tree={tree} user={u} onDone={saved} onCancel={() => setEditing(null)} />
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
        {!users && !error && <Loading inline label="users.loading" />}
      </div>
      {editing === null && (
        <div class="card users-create">
          <UserForm key={createKey} me={p.me} tree={tree} onDone={created} />
        </div>
      )}
    </section>
  );
}
