import { useState } from 'preact/hooks';
import type { AlertRuleView, Me, RuleOverrideView, RuleParamsView } from '../../../../../api/index.js';
import { del } from '../../api.js';
import { kindLabel, useHierarchy, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, fmtNumber, useI18n, type MessageKey } from '../../i18n.js';
import { useConfirm } from '../../ui/confirm.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { ruleLabel } from '../../../../../domain/health-texts.js';
import { NUMERIC, OverrideForm } from './override-form.js';

/** Which form is open: a new override of a rule, or an existing one being edited. */
type Editing = { rule: string; override?: RuleOverrideView } | null;

/**
 * The alert rules: each rule's defaults and its overrides (for a device kind, a school, a room type), which those who
 * configure alerts add, change and delete. A technician sees and changes the overrides of their schools and reads the
 * province-wide ones; only an admin changes those.
 */
export function AlertRulesPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/alert-rules', {});
  const kinds = useKinds();
  const hierarchy = useHierarchy();
  const confirm = useConfirm();
  const [editing, setEditing] = useState<Editing>(null);
  const remove = useSubmit(async (o: RuleOverrideView) => {
    if (!(await confirm.ask(t('rules.confirmDelete')))) return undefined;
    return del('/api/alert-rules/overrides/:id', { params: { id: o.id } });
  });

  const params = (r: AlertRuleView, ps: Partial<RuleParamsView>) => [
    ps.enabled === undefined ? null : `${t('rules.p.enabled')}: ${ps.enabled ? t('rules.on') : t('rules.off')}`,
    ps.severity === undefined ? null : `${t('rules.p.severity')}: ${t(`alerts.severity.${ps.severity}`)}`,
    ...NUMERIC.map((k) => (ps[k] === undefined ? null : `${t(`rules.p.${k}`)}: ${fmtNumber(lang, ps[k])}${k === 'threshold' || k === 'clearAt' ? ` ${r.unit}` : ''}`)),
  ].filter(Boolean).join(' · ');
  const place = (o: RuleOverrideView) => [
    o.kind ? kindLabel(kinds, o.kind, lang) : t('rules.any.kind'),
    o.schoolId ? hierarchy?.schools.find((s) => s.id === o.schoolId)?.name ?? `#${o.schoolId}` : t('rules.any.school'),
    o.roomType ? t(`place.roomType.${o.roomType}` as MessageKey) : t('rules.any.roomType'),
  ].join(' · ');
  const mayChange = (o: RuleOverrideView) => p.me.permissions.configureAlerts && (o.schoolId !== 0 || p.me.role === 'admin');

  return (
    <section class="alert-rules-page">
      <div class="page-head"><h1>{t('rules.title')}</h1></div>
      <p class="muted">{t('rules.intro')}</p>
      <ErrorLine message={q.error || remove.error} testid="rules-error" />
      {!q.data && !q.error && <Loading />}
      {q.data?.map((r) => (
        <div key={r.id} class="card" data-testid="rule-card" data-rule={r.id} style={{ marginBottom: '1rem' }}>
          <div class="page-head">
            <h2>{ruleLabel(r.id, lang)}</h2>
            <span class="muted small">{t(`rules.direction.${r.direction}`, { unit: r.unit })}</span>
            <span class="muted small">{t('rules.kinds')}: {r.kinds.map((k) => kindLabel(kinds, k, lang)).join(', ')}</span>
          </div>
          <p data-testid="rule-defaults"><strong>{t('rules.defaults')}:</strong> {params(r, r.defaults)}</p>
          <h3>{t('rules.overrides')}</h3>
          {r.overrides.length === 0 && <Empty>{t('rules.noOverrides')}</Empty>}
          {r.overrides.length > 0 && (
            <table class="readings" data-testid="rule-overrides">
              <thead><tr><th>{t('rules.appliesTo')}</th><th>{t('rules.overrides')}</th><th /></tr></thead>
              <tbody>
                {r.overrides.map((o) => (
                  <tr key={o.id} data-testid="override-row" data-id={o.id}>
                    <td>{place(o)}</td>
                    <td>{params(r, o.params)}<br /><span class="muted small">{t('rules.by', { who: o.updatedBy, at: fmtDateTime(lang, o.updatedAt) })}</span></td>
                    <td class="nowrap">
                      {mayChange(o) && <button type="button" data-testid="override-edit" onClick={() => setEditing({ rule: r.id, override: o })}>{t('rules.edit')}</button>}
                      {mayChange(o) && <button type="button" data-testid="override-delete" disabled={remove.busy} onClick={() => void remove.run(o)}>{t('rules.delete')}</button>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {editing?.rule === r.id
            ? <OverrideForm key={editing.override?.id ?? 'new'} me={p.me} rule={r} initial={editing.override} onDone={() => setEditing(null)} />
            : p.me.permissions.configureAlerts && <button type="button" data-testid="override-add" onClick={() => setEditing({ rule: r.id })}>{t('rules.add')}</button>}
        </div>
      ))}
      {confirm.dialog}
    </section>
  );
}
