import { useState } from 'preact/hooks';
import type { AlertView, SilenceTarget } from '../../../../../api/index.js';
import { ApiError, post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';
import { fromVnInput, toVnInput } from './vn-datetime.js';

const DAY_MS = 86_400_000;

/** Acknowledge (with a comment), resolve (with a reason) and silence the device, its room or its school until a time. */
export function AlertActions(p: { alert: AlertView; onChange: () => void }) {
  const { lang, t } = useI18n();
  const a = p.alert;
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState<SilenceTarget>('device');
  const [until, setUntil] = useState(() => toVnInput(Date.now() + DAY_MS));
  const [why, setWhy] = useState('');
  const [silencedUntil, setSilencedUntil] = useState<number | null>(null);

  const ack = useSubmit(() => post('/api/alerts/:id/ack', { params: { id: a.id }, body: { comment: comment.trim() || undefined } }), () => { setComment(''); p.onChange(); });
  const resolve = useSubmit(() => post('/api/alerts/:id/resolve', { params: { id: a.id }, body: { reason: reason.trim() } }), () => { setReason(''); p.onChange(); });
  const silence = useSubmit(async () => {
    const at = fromVnInput(until);
    if (!Number.isFinite(at) || at <= Date.now()) throw new Error(t('alerts.untilFuture'));
    const targetId = target === 'device' ? a.deviceId : String(target === 'room' ? a.roomId : a.schoolId);
    return post('/api/silences', { body: { targetType: target, targetId, until: at, reason: why.trim() } });
  }, (s) => { setWhy(''); setSilencedUntil(s.until); p.onChange(); },
  (e) => (e instanceof ApiError && e.code === 'EDUFLEET_ERR_ALERT_SILENCE_LENGTH' ? t('alerts.silenceTooLong') : e instanceof Error ? e.message : String(e)));

  const open = a.state === 'pending' || a.state === 'firing';
  return (
    <div class="card alert-actions" data-testid="alert-actions">
      {open && (
        <form class="filters" onSubmit={(e) => { e.preventDefault(); void ack.run(); }}>
          <input data-testid="alert-ack-comment" placeholder={t('alerts.comment')} value={comment} maxLength={1000} onInput={(e) => setComment(e.currentTarget.value)} />
          <button type="submit" class="primary" data-testid="alert-ack" disabled={ack.busy}>{t('alerts.ack')}</button>
          <ErrorLine message={ack.error} testid="alert-ack-error" />
        </form>
      )}
      {a.state !== 'resolved' && (
        <form class="filters" onSubmit={(e) => { e.preventDefault(); void resolve.run(); }}>
          <input data-testid="alert-resolve-reason-input" placeholder={t('alerts.reason')} value={reason} maxLength={1000} required onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" data-testid="alert-resolve" disabled={resolve.busy || !reason.trim()}>{t('alerts.resolve')}</button>
          <ErrorLine message={resolve.error} testid="alert-resolve-error" />
        </form>
      )}
      <form class="filters" data-testid="alert-silence-form" onSubmit={(e) => { e.preventDefault(); void silence.run(); }}>
        <select data-testid="alert-silence-target" value={target} onChange={(e) => setTarget(e.currentTarget.value as SilenceTarget)}>
          <option value="device">{t('alerts.silenceDevice')}</option>
          <option value="room">{t('alerts.silenceRoom')}</option>
          <option value="school">{t('alerts.silenceSchool')}</option>
        </select>
        <label class="small muted">{t('alerts.silence')}{' '}
          <input type="datetime-local" data-testid="alert-silence-until" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </label>
        <input data-testid="alert-silence-reason" placeholder={t('alerts.reason')} value={why} maxLength={1000} required onInput={(e) => setWhy(e.currentTarget.value)} />
        <button type="submit" data-testid="alert-silence" disabled={silence.busy || !why.trim()}>{t('alerts.silenceDo')}</button>
        <ErrorLine message={silence.error} testid="alert-silence-error" />
        {silencedUntil !== null && <p class="notice" data-testid="alert-silence-done">{t('alerts.silencedUntil', { until: fmtDateTime(lang, silencedUntil) })}</p>}
      </form>
    </div>
  );
}
