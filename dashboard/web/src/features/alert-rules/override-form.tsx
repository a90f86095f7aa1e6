import { useState } from 'preact/hooks';
import type { AlertRuleView, Me, RuleOverrideView, RuleParamsView } from '../../../../../api/index.js';
import { ROOM_TYPES, SEVERITIES } from '../../../../../domain/index.js';
import { put } from '../../api.js';
import { kindLabel, useHierarchy, useKinds } from '../../data.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n, type MessageKey } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';

export const NUMERIC = ['threshold', 'clearAt', 'forMin', 'windowMin', 'holdOffMin', 'renotifyMin'] as const;
type Numeric = (typeof NUMERIC)[number];
const text = (v: number | undefined) => (v === undefined ? '' : String(v));

/**
 * Adds or edits one override of a rule: where it applies (kind, school, room type; empty for "any") and the values
 * that differ from the defaults (an empty field keeps the default). Saving the same place again replaces it.
 */
export function OverrideForm(p: { me: Me; rule: AlertRuleView; initial?: RuleOverrideView; onDone: () => void }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const hierarchy = useHierarchy();
  const o = p.initial;
  const admin = p.me.role === 'admin';
  const [kind, setKind] = useState(o?.kind ?? '');
  const [schoolId, setSchoolId] = useState(o?.schoolId ?? (admin ? 0 : hierarchy?.schools[0]?.id ?? 0));
  const [roomType, setRoomType] = useState(o?.roomType ?? '');
  const [enabled, setEnabled] = useState(o?.params.enabled === undefined ? '' : String(o.params.enabled));
  const [severity, setSeverity] = useState<string>(o?.params.severity ?? '');
  const [nums, setNums] = useState<Record<Numeric, string>>(() => Object.fromEntries(NUMERIC.map((k) => [k, text(o?.params[k])])) as Record<Numeric, string>);

  const save = useSubmit(async () => {
    const params: Partial<RuleParamsView> = {};
    if (enabled) params.enabled = enabled === 'true';
    if (severity) params.severity = severity as RuleParamsView['severity'];
    for (const k of NUMERIC) {
      const raw = nums[k].trim().replace(',', '.');
      if (!raw) continue;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(t('rules.badNumber', { field: t(`rules.p.${k}`) }));
      params[k] = n;
    }
    if (!Object.keys(params).length) throw new Error(t('rules.needParam'));
    return put('/api/alert-rules/:rule/overrides', { params: { rule: p.rule.id }, body: { kind, schoolId, roomType, params } });
  }, p.onDone);

  const fixedPlace = Boolean(o);
  return (
    <form class="card filters" data-testid="override-form" onSubmit={(e) => { e.preventDefault(); void save.run(); }}>
      <select data-testid="override-kind" value={kind} disabled={fixedPlace} onChange={(e) => setKind(e.currentTarget.value)}>
        <option value="">{t('rules.any.kind')}</option>
        {p.rule.kinds.map((k) => <option key={k} value={k}>{kindLabel(kinds, k, lang)}</option>)}
      </select>
      <select data-testid="override-school" value={schoolId} disabled={fixedPlace} onChange={(e) => setSchoolId(Number(e.currentTarget.value))}>
        {admin && <option value={0}>{t('rules.any.school')}</option>}
        {hierarchy?.schools.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
      <select data-testid="override-room-type" value={roomType} disabled={fixedPlace} onChange={(e) => setRoomType(e.currentTarget.value)}>
        <option value="">{t('rules.any.roomType')}</option>
        {ROOM_TYPES.map((r) => <option key={r} value={r}>{t(`place.roomType.${r}` as MessageKey)}</option>)}
      </select>
      <label class="small">{t('rules.p.enabled')}{' '}
        <select data-testid="override-enabled" value={enabled} onChange={(e) => setEnabled(e.currentTarget.value)}>
          <option value="">{t('rules.keep')}</option><option value="true">{t('rules.on')}</option><option value="false">{t('rules.off')}</option>
        </select>
      </label>
      <label class="small">{t('rules.p.severity')}{' '}
        <select data-testid="override-severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value)}>
          <option value="">{t('rules.keep')}</option>
          {SEVERITIES.map((s) => <option key={s} value={s}>{t(`alerts.severity.${s}`)}</option>)}
        </select>
      </label>
      {NUMERIC.map((k) => (
        <label key={k} class="small">{t(`rules.p.${k}`)}{' '}
          <input data-testid={`override-${k}`} inputMode="decimal" size={6} placeholder={String(p.rule.defaults[k])} value={nums[k]}
            onInput={(e) => { const v = e.currentTarget.value; setNums((n) => ({ ...n, [k]: v })); }} />
        </label>
      ))}
      <button type="submit" class="primary" data-testid="override-save" disabled={save.busy}>{t('rules.save')}</button>
      <button type="button" data-testid="override-cancel" onClick={p.onDone}>{t('rules.cancel')}</button>
      <ErrorLine message={save.error} testid="override-error" />
    </form>
  );
}
