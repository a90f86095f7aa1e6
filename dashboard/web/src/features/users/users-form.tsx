import { useState } from 'preact/hooks';
import type { Me, NewUserInput, Role, TreeResponse, UserPatch, UserRow } from '../../../../../api/index.js';
import { call } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { scopeFor, scopeLevel, ScopePicker } from './users-scope.js';

export const ROLES: readonly Role[] = ['admin', 'planner', 'technician', 'viewer'];
const USERNAME = /^[A-Za-z0-9._@-]{2,64}$/;
const MIN_PASSWORD = 8;

/**
 * Create a user (POST /api/users) or edit one (PATCH /api/users/:id with only what changed): name, role, scope,
 * a new password, disabled. The server refuses an admin disabling or demoting themselves; the form says so first.
 */
export function UserForm(p: { me: Me; tree: TreeResponse | null; user?: UserRow; onDone: (u: UserRow) => void; onCancel?: () => void }) {
  const { t } = useI18n();
  const u = p.user;
  const self = u !== undefined && u.id === p.me.id;
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState(u?.displayName ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(u?.role ?? 'technician');
  const [districtIds, setDistrictIds] = useState(new Set(u?.scope.districtIds ?? []));
  const [schoolIds, setSchoolIds] = useState(new Set(u?.scope.schoolIds ?? []));
  const [scopeTouched, setScopeTouched] = useState(false);
  const [disabled, setDisabled] = useState(u?.disabled ?? false);
  const save = useSubmit((send: () => Promise<UserRow>) => send(), p.onDone);
  const { busy, error, setError } = save;
  const level = scopeLevel(role);
  const prefix = u ? `user-edit` : 'user';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (!u && !USERNAME.test(username.trim())) return setError(t('users.usernameBad'));
    if ((!u || password) && password.length < MIN_PASSWORD) return setError(t('users.passwordShort'));
    const scope = scopeFor(role, districtIds, schoolIds);
    let req: () => Promise<UserRow>;
    if (!u) {
      const body: NewUserInput = { username: username.trim(), password, role, ...(displayName.trim() ? { displayName: displayName.trim() } : {}), ...(level ? { scope } : {}) };
      req = () => call('POST /api/users', { body });
    } else {
      const patch: UserPatch = {};
      if (displayName.trim() && displayName.trim() !== u.displayName) patch.displayName = displayName.trim();
      if (password) patch.password = password;
      if (role !== u.role) patch.role = role;
      if (scopeTouched || role !== u.role) patch.scope = scope;
      if (disabled !== u.disabled) patch.disabled = disabled;
      if (Object.keys(patch).length === 0) return setError(t('users.noChanges'));
      req = () => call('PATCH /api/users/:id', { params: { id: u.id }, body: patch });
    }
    void save.run(req);
  };

  return (
    <form class="rec-form users-form" data-testid={u ? `user-form-${u.username}` : 'user-form'} onSubmit={submit}>
      <h3 class="rec-wide">{u ? t('users.editTitle', { username: u.username }) : t('users.createTitle')}</h3>
      {!u && (
        <label>
          <span>{t('users.username')}</span>
          <input type="text" data-testid="user-username" required autoComplete="off" maxLength={64} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
      )}
      <label>
        <span>{t('users.displayName')}</span>
        <input type="text" data-testid={`${prefix}-display-name`} maxLength={200} required={!!u} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <label>
        <span>{t(u ? 'users.newPassword' : 'users.password')}</span>
        <input type="password" data-testid={`${prefix}-password`} autoComplete="new-password" required={!u} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <label>
        <span>{t('users.role')}</span>
        <select data-testid={`${prefix}-role`} value={role} disabled={self} onChange={(e) => setRole(e.currentTarget.value as Role)}>
          {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
        </select>
      </label>
      {level === null && <p class="muted small rec-wide">{t('users.scopeAdmin')}</p>}
      {level === 'district' && (
        <ScopePicker level="district" tree={p.tree} selected={districtIds} onChange={(s) => { setDistrictIds(s); setScopeTouched(true); }} />
      )}
      {level === 'school' && (
        <ScopePicker level="school" tree={p.tree} selected={schoolIds} onChange={(s) => { setSchoolIds(s); setScopeTouched(true); }} />
      )}
      {level !== null && <p class="muted small rec-wide" data-testid="user-scope-hint">{t(level === 'district' ? 'users.scopeHintPlanner' : 'users.scopeHint')}</p>}
      {u && (
        <label class="rec-check rec-wide">
          <input type="checkbox" data-testid="user-edit-disabled" checked={disabled} disabled={self} onChange={(e) => setDisabled(e.currentTarget.checked)} />
          {t('users.disable')}
        </label>
      )}
      {self && <p class="muted small rec-wide">{t('users.selfHint')}</p>}
      {error && <p class="error rec-wide" data-testid="user-error">{error}</p>}
      <div class="rec-actions rec-wide">
        <button type="submit" class="primary" disabled={busy} data-testid={u ? 'user-save' : 'user-create'}>
          {busy ? t('users.saving') : u ? t('users.save') : t('users.create')}
        </button>
        {p.onCancel && <button type="button" data-testid="user-cancel" onClick={p.onCancel}>{t('users.cancel')}</button>}
      </div>
    </form>
  );
}
