import { useState } from 'preact/hooks';
import { INTEGRATION_NAME_PATTERN } from '../../../../../api/constants.js';
import type { NewIntegrationAccountResponse, TreeResponse } from '../../../../../api/index.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';
import { createIntegration } from './integrations-api.js';

type ScopeKind = 'province' | 'district' | 'school';
const NAME = new RegExp(INTEGRATION_NAME_PATTERN);
/** One pattern a line; blank lines and surrounding spaces are not patterns. */
const lines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean);

/**
 * Creates an account (POST /api/integrations), as `edufleet integration add`: a name, a client-id glob, the topic
 * filters it may read and write, and a scope. The registry checks the patterns and the scope (one set of rules for
 * the CLI and the web app) and its message is shown as it comes; the answer carries the secret, shown once.
 */
export function IntegrationForm(p: { tree: TreeResponse | null; onDone: (r: NewIntegrationAccountResponse) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [read, setRead] = useState('edu/v1/+/telemetry');
  const [write, setWrite] = useState('');
  const [scope, setScope] = useState<ScopeKind>('province');
  const [placeId, setPlaceId] = useState('');
  const save = useSubmit(() => createIntegration({
    name: name.trim(), clientIdPattern: clientId.trim(), readPatterns: lines(read), writePatterns: lines(write),
    districtId: scope === 'district' ? Number(placeId) : null, schoolId: scope === 'school' ? Number(placeId) : null,
  }), p.onDone);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!NAME.test(name.trim())) return save.setError(t('integrations.create.nameBad'));
    if (!lines(read).length && !lines(write).length) return save.setError(t('integrations.create.patternsMissing'));
    if (scope !== 'province' && !placeId) return save.setError(t('integrations.create.scopeMissing'));
    void save.run();
  };
  const places: { id: number; name: string; retired: boolean }[] = scope === 'district' ? (p.tree?.districts ?? []) : (p.tree?.schools ?? []);
  return (
    <form class="card rec-form" data-testid="integration-form" onSubmit={submit}>
      <h3 class="rec-wide">{t('integrations.create.title')}</h3>
      <label>
        <span>{t('integrations.create.name')}</span>
        <input type="text" data-testid="integration-name" maxLength={64} required autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <span class="muted small">{t('integrations.create.nameHint')}</span>
      </label>
      <label>
        <span>{t('integrations.create.clientId')}</span>
        <input type="text" data-testid="integration-client-id" maxLength={128} autocomplete="off" value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        <span class="muted small">{t('integrations.create.clientIdHint')}</span>
      </label>
      <label>
        <span>{t('integrations.create.read')}</span>
        <textarea data-testid="integration-read" rows={3} value={read} onInput={(e) => setRead(e.currentTarget.value)} />
      </label>
      <label>
        <span>{t('integrations.create.write')}</span>
        <textarea data-testid="integration-write" rows={3} value={write} onInput={(e) => setWrite(e.currentTarget.value)} />
      </label>
      <p class="muted small rec-wide">{t('integrations.create.patternHint')}</p>
      <label>
        <span>{t('integrations.create.scope')}</span>
        <select data-testid="integration-scope" value={scope} onChange={(e) => { setScope(e.currentTarget.value as ScopeKind); setPlaceId(''); }}>
          <option value="province">{t('integrations.create.scopeProvince')}</option>
          <option value="district">{t('integrations.create.scopeDistrict')}</option>
          <option value="school">{t('integrations.create.scopeSchool')}</option>
        </select>
        <span class="muted small">{t('integrations.create.scopeHint')}</span>
      </label>
      {scope !== 'province' && (
        <label>
          <span>{t(scope === 'district' ? 'integrations.create.pickDistrict' : 'integrations.create.pickSchool')}</span>
          <select data-testid="integration-place" value={placeId} onChange={(e) => setPlaceId(e.currentTarget.value)}>
            <option value="">—</option>
            {places.filter((x) => !x.retired).map((x) => <option key={x.id} value={String(x.id)}>{x.name}</option>)}
          </select>
        </label>
      )}
      <ErrorLine message={save.error} testid="integration-form-error" class="rec-wide" />
      <div class="rec-actions rec-wide">
        <button type="submit" class="primary" data-testid="integration-submit" disabled={save.busy}>{t('integrations.create.submit')}</button>
        <button type="button" onClick={p.onCancel}>{t('integrations.create.cancel')}</button>
      </div>
    </form>
  );
}
