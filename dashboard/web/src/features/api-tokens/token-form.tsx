import { useState } from 'preact/hooks';
import type { ApiTokenKind, NewApiTokenResponse, Role, TreeResponse } from '../../../../../api/index.js';
import { addDays, vnToday } from '../../../../../lib/vn/time.js';
import { call } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';
import { ROLES } from '../users/users-form.js';
import { scopeFor, scopeLevel, ScopePicker } from '../users/users-scope.js';

/** The end of a local day in Vietnam (UTC+7 all year), as the server's UTC ms. */
const endOfVnDay = (day: string): number => Date.parse(`${day}T23:59:59.999+07:00`);

/**
 * Creates a token (POST /api/tokens): a name, a role and its scope as for a user, read-only unless ticked, and an
 * expiry day (at most a year ahead; 90 days offered). The answer carries the token, which the page shows once. A wall
 * token (the operations-centre wall's screen) has no role or write choice: it reads the wall of its districts only.
 */
export function TokenForm(p: { tree: TreeResponse | null; onDone: (r: NewApiTokenResponse) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const today = vnToday();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ApiTokenKind>('api');
  const [chosenRole, setRole] = useState<Role>('planner');
  // The server makes a wall token a read-only planner's whatever is sent: the form says so by offering nothing else.
  const role: Role = kind === 'wall' ? 'planner' : chosenRole;
  const [districtIds, setDistrictIds] = useState(new Set<number>());
  const [schoolIds, setSchoolIds] = useState(new Set<number>());
  const [write, setWrite] = useState(false);
  const [expires, setExpires] = useState(addDays(today, 90));
  const save = useSubmit(() => call('POST /api/tokens', { body: {
    name: name.trim(), role, scope: scopeFor(role, districtIds, schoolIds), write: kind === 'wall' ? false : write, expiresAt: endOfVnDay(expires), kind,
  } }), p.onDone);
  const level = scopeLevel(role);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return save.setError(t('tokens.create.nameMissing'));
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || expires <= today || expires > addDays(today, 365)) return save.setError(t('tokens.create.expiresBad'));
    void save.run();
  };
  return (
    <form class="card rec-form" data-testid="token-form" onSubmit={submit}>
      <h3 class="rec-wide">{t('tokens.create.title')}</h3>
      <label>
        <span>{t('tokens.create.name')}</span>
        <input type="text" data-testid="token-name" maxLength={100} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        <span>{t('tokens.create.kind')}</span>
        <select data-testid="token-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as ApiTokenKind)}>
          <option value="api">{t('tokens.kind.api')}</option>
          <option value="wall">{t('tokens.kind.wall')}</option>
        </select>
      </label>
      {kind === 'wall' ? <p class="muted small rec-wide" data-testid="token-wall-hint">{t('tokens.create.wallHint')}</p> : (
        <label>
          <span>{t('tokens.create.role')}</span>
          <select data-testid="token-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
        </label>
      )}
      {level === null && <p class="muted small rec-wide">{t('users.scopeAdmin')}</p>}
      {level === 'district' && <ScopePicker level="district" tree={p.tree} selected={districtIds} onChange={setDistrictIds} />}
      {level === 'school' && <ScopePicker level="school" tree={p.tree} selected={schoolIds} onChange={setSchoolIds} />}
      <label>
        <span>{t('tokens.create.expires')}</span>
        <input type="date" data-testid="token-expires" required min={addDays(today, 1)} max={addDays(today, 365)} value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        <span class="muted small">{t('tokens.create.expiresHint')}</span>
      </label>
      {kind === 'api' && (
        <label class="rec-check rec-wide">
          <input type="checkbox" data-testid="token-write" checked={write} onChange={(e) => setWrite(e.currentTarget.checked)} />
          <span>{t('tokens.create.write')}<br /><span class="muted small">{t('tokens.create.writeHint')}</span></span>
        </label>
      )}
      <ErrorLine message={save.error} testid="token-form-error" class="rec-wide" />
      <div class="rec-actions rec-wide">
        <button type="submit" class="primary" data-testid="token-submit" disabled={save.busy}>{t('tokens.create.submit')}</button>
        <button type="button" onClick={p.onCancel}>{t('tokens.create.cancel')}</button>
      </div>
    </form>
  );
}
