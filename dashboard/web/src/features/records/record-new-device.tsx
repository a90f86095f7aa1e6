import { useState } from 'preact/hooks';
import type { CredentialsResponse, NewDeviceInput, NewDeviceResponse } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useKinds } from '../../data.js';
import { useI18n } from '../../i18n.js';
import { errorText } from '../../ui/format.js';
import { ErrorLine } from '../../ui/states.js';
import { EMPTY_FORM, fieldKey, patchOf, RecordFields } from './record-fields.js';
import { SecretsPanel } from '../provisioning/prov-secrets.js';

/** "Add a device record" to a room (POST /api/devices), optionally with credentials shown once. */
export function NewDeviceForm(p: { roomId: number; canProvision: boolean }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState('');
  const [form, setForm] = useState(EMPTY_FORM);
  const [issue, setIssue] = useState(false);
  const [created, setCreated] = useState('');
  const [secrets, setSecrets] = useState<CredentialsResponse | null>(null);
  const chosenKind = kind || kinds?.[0]?.kind || '';
  // The write makes the room's devices and the tree stale (hooks/query.ts WRITE_EFFECTS): they show the new one.
  const save = useSubmit((body: NewDeviceInput) => post('/api/devices', { body }), (res: NewDeviceResponse) => {
    setCreated(res.record.id);
    if (res.credentials && res.mqttUrl) setSecrets({ mqttUrl: res.mqttUrl, credentials: res.credentials });
    setForm(EMPTY_FORM);
    setOpen(false);
  });
  const { busy, error, setError } = save;

  const submit = (e: Event) => {
    e.preventDefault();
    setError('');
    let body: NewDeviceInput;
    try {
      body = { ...patchOf(form, null, (f) => t('record.badNumber', { field: t(fieldKey(f)) })), kind: chosenKind, roomId: p.roomId };
    } catch (err) {
      return setError(errorText(err));
    }
    if (issue) body.issueCredentials = true;
    void save.run(body);
  };

  return (
    <div class="record-new">
      {!open && <button data-testid="record-new-open" onClick={() => { setOpen(true); setCreated(''); }}>{t('record.new')}</button>}
      {created && <p class="ok small" data-testid="record-new-created">{t('record.created', { id: created })}</p>}
      {secrets && <SecretsPanel result={secrets} onClose={() => setSecrets(null)} />}
      {open && (
        <form class="card rec-form" data-testid="record-new-form" onSubmit={submit}>
          <h3 class="rec-wide">{t('record.newTitle')}</h3>
          <label>
            <span>{t('record.kind')}</span>
            <select data-testid="record-new-kind" value={chosenKind} onChange={(e) => setKind(e.currentTarget.value)} required>
              {kinds?.map((k) => <option key={k.kind} value={k.kind}>{k.label[lang]}</option>)}
            </select>
          </label>
          <RecordFields form={form} onChange={setForm} prefix="record-new" />
          {p.canProvision && (
            <label class="rec-check rec-wide">
              <input type="checkbox" data-testid="record-new-issue" checked={issue} onChange={(e) => setIssue(e.currentTarget.checked)} />
              {t('record.issueWithNew')}
            </label>
          )}
          <ErrorLine message={error} testid="record-new-error" class="rec-wide" bare />
          <div class="rec-actions rec-wide">
            <button type="submit" class="primary" disabled={busy || !chosenKind} data-testid="record-new-submit">{t('record.create')}</button>
            <button type="button" onClick={() => setOpen(false)}>{t('record.cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}
