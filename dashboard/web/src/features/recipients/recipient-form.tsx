import { useState } from 'preact/hooks';
import type { Me, NewRecipientResponse, RecipientInput } from '../../../../../api/index.js';
import { ApiError, post } from '../../api.js';
import { useHierarchy } from '../../data.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';

/** The scope choice as one select value: 's:<school id>', 'd:<district id>' or 'p' (the province). */
type Where = string;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const URL_RE = /^https?:\/\/\S+$/;

/**
 * Adds a recipient. The choices of scope are what the server would accept from this user: the schools in scope, the
 * districts in scope, and the province for an admin, so a technician is not offered a choice that is refused.
 */
export function RecipientForm(p: { me: Me; onDone: (created: NewRecipientResponse | null) => void }) {
  const { t } = useI18n();
  const hierarchy = useHierarchy();
  const admin = p.me.role === 'admin';
  const districts = (hierarchy?.districts ?? []).filter((d) => admin || (p.me.scope.districtIds ?? []).includes(d.id));
  const schools = hierarchy?.schools ?? [];
  const [where, setWhere] = useState<Where>('');
  const [minSeverity, setMinSeverity] = useState<RecipientInput['minSeverity']>('warning');
  const [channel, setChannel] = useState<RecipientInput['channel']>('email');
  const [address, setAddress] = useState('');
  const [language, setLanguage] = useState<RecipientInput['language']>('vi');
  const [digest, setDigest] = useState(false);
  // Until the user picks, the first school they may manage: the common case of a technician of one school.
  const chosen = where || (schools[0] ? `s:${schools[0].id}` : admin ? 'p' : '');

  const save = useSubmit(async () => {
    const a = address.trim();
    if (!chosen) throw new Error(t('recip.needWhere'));
    if (channel === 'email' && /[,;]/.test(a)) throw new Error(t('recip.oneAddress'));
    if (channel === 'email' && !EMAIL.test(a)) throw new Error(t('recip.badEmail'));
    if (channel === 'webhook' && !URL_RE.test(a)) throw new Error(t('recip.badUrl'));
    const [level, id] = chosen.split(':');
    const body: RecipientInput = {
      schoolId: level === 's' ? Number(id) : null, districtId: level === 'd' ? Number(id) : null,
      minSeverity, channel, address: a, language, digest,
    };
    return post('/api/notifications/recipients', { body });
  }, (created) => p.onDone(created), (e) => refusal(e, t));

  return (
    <form class="card filters" data-testid="recip-form" onSubmit={(e) => { e.preventDefault(); void save.run(); }}>
      <label class="small">{t('recip.where')}{' '}
        <select data-testid="recip-where" value={chosen} onChange={(e) => setWhere(e.currentTarget.value)}>
          {schools.length > 0 && (
            <optgroup label={t('recip.where.school')}>
              {schools.map((s) => <option key={s.id} value={`s:${s.id}`}>{s.name}</option>)}
            </optgroup>
          )}
          {districts.length > 0 && (
            <optgroup label={t('recip.where.district')}>
              {districts.map((d) => <option key={d.id} value={`d:${d.id}`}>{d.name}</option>)}
            </optgroup>
          )}
          {admin && <option value="p">{t('recip.where.province')}</option>}
        </select>
      </label>
      <label class="small">{t('recip.minSeverity')}{' '}
        <select data-testid="recip-severity" value={minSeverity} onChange={(e) => setMinSeverity(e.currentTarget.value as RecipientInput['minSeverity'])}>
          <option value="warning">{t('recip.minSeverity.warning')}</option>
          <option value="critical">{t('recip.minSeverity.critical')}</option>
        </select>
      </label>
      <label class="small">{t('recip.channel')}{' '}
        <select data-testid="recip-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value as RecipientInput['channel'])}>
          <option value="email">{t('recip.channel.email')}</option>
          <option value="webhook">{t('recip.channel.webhook')}</option>
        </select>
      </label>
      <label class="small">{t('recip.address')}{' '}
        <input data-testid="recip-address" inputMode={channel === 'email' ? 'email' : 'url'} size={32} placeholder={t(`recip.address.${channel}`)}
          value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
      </label>
      <label class="small">{t('recip.language')}{' '}
        <select data-testid="recip-language" value={language} onChange={(e) => setLanguage(e.currentTarget.value as RecipientInput['language'])}>
          <option value="vi">{t('recip.language.vi')}</option>
          <option value="en">{t('recip.language.en')}</option>
        </select>
      </label>
      <label class="small">
        <input type="checkbox" data-testid="recip-digest" checked={digest} onChange={(e) => setDigest(e.currentTarget.checked)} /> {t('recip.digest')}
      </label>
      <button type="submit" class="primary" data-testid="recip-save" disabled={save.busy}>{t('recip.save')}</button>
      <button type="button" data-testid="recip-cancel" onClick={() => p.onDone(null)}>{t('recip.cancel')}</button>
      <ErrorLine message={save.error} testid="recip-form-error" />
    </form>
  );
}

/** The server's refusals of a recipient, in the user's language; other errors as the server words them. */
function refusal(e: unknown, t: ReturnType<typeof useI18n>['t']): string {
  if (e instanceof ApiError) {
    if (e.code === 'EDUFLEET_ERR_NOTIFY_WEBHOOK_TARGET') return t('recip.refusedTarget');
    if (e.code === 'EDUFLEET_ERR_NOTIFY_EMAIL_ADDRESS') return t('recip.oneAddress');
    if (e.code === 'EDUFLEET_ERR_NOTIFY_RECIPIENT_LIMIT') return t('recip.tooMany');
  }
  return e instanceof Error ? e.message : String(e);
}

/** A webhook's secret, new or rotated, shown this once: the server keeps no readable copy for the screen. */
export function SecretPanel(p: { created: Pick<NewRecipientResponse, 'address' | 'secret'>; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div class="card prov-secrets" data-testid="recip-secret-panel" role="alert">
      <h3>{t('recip.secretTitle')}</h3>
      <p class="prov-warning">⚠ {t('recip.secretOnce')}</p>
      <p><code>{p.created.address}</code></p>
      <p><code class="secret" data-testid="recip-secret">{p.created.secret}</code></p>
      <p class="small muted">{t('recip.secretCopyHint')}</p>
      <p class="small" data-testid="recip-secret-header">{t('recip.secretHeader', { header: 'X-EduFleet-Signature', ts: 'X-EduFleet-Timestamp' })}</p>
      <p class="small">{t('recip.secretDelivery', { header: 'X-EduFleet-Delivery' })}</p>
      <div class="rec-actions">
        <button type="button" class="primary" data-testid="recip-secret-done" onClick={p.onClose}>{t('recip.secretDone')}</button>
      </div>
    </div>
  );
}
