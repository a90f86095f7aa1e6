import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { put } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { Link } from '../../ui/link.js';
import { TimetableTermEditor } from './timetable-editor.js';
import { sortPeriods, type Term } from './timetable-csv.js';
import { fmtDay } from '../usage/usage-format.js';
import { useHierarchy } from '../../data.js';
import { useI18n } from '../../i18n.js';
import { navigate, withQuery } from '../../router.js';
import { Loading } from '../../ui/states.js';

const PREFIX = 'the timetable is invalid: ';

/** A server error as a list: the registry names every problem, joined by "; ". */
function problemsOf(message: string): string[] {
  return message.startsWith(PREFIX) ? message.slice(PREFIX.length).split('; ') : [message];
}

/**
 * A school's timetable per term (`?schoolId=`): the default of its level until one is saved; users who may edit
 * records change terms, teaching days, periods (by hand or from CSV) and holidays, and save with PUT.
 */
export function TimetablePage(p: { me: Me; search: URLSearchParams }) {
  const { t } = useI18n();
  const hierarchy = useHierarchy();
  const schoolId = Number(p.search.get('schoolId')) || undefined;
  const editable = p.me.permissions.editRecords;
  const q = useGet(schoolId === undefined ? null : '/api/schools/:id/timetable', { params: { id: schoolId ?? 0 } });
  const data = q.data ?? null;
  const [terms, setTerms] = useState<Term[]>([]);
  const [selected, setSelected] = useState(0);
  const [saved, setSaved] = useState(false);
  // PUT makes the read stale (hooks/query.ts WRITE_EFFECTS); the terms below then come back as the server keeps them.
  const save = useSubmit(() => put('/api/schools/:id/timetable', { params: { id: schoolId ?? 0 }, body: { terms } }), () => setSaved(true));
  const loadError = q.error && !data ? (q.status === 403 ? t('common.forbidden') : t('common.error', { message: q.error })) : '';
  const saveError = save.error ? problemsOf(save.error) : null;

  // The editable copy of the terms: what the server answered, until the user changes it.
  useEffect(() => {
    if (!data) return;
    setTerms(data.terms.map((x) => ({ ...x, periods: sortPeriods(x.periods) })));
    setSelected((i) => Math.min(i, Math.max(0, data.terms.length - 1)));
  }, [data]);

  const school = hierarchy?.schools.find((s) => s.id === schoolId);
  const update = (i: number, term: Term) => { setTerms(terms.map((x, j) => (j === i ? term : x))); setSaved(false); };
  const addTerm = () => {
    const base = terms[terms.length - 1];
    setTerms([...terms, { term: t('timetable.newTerm'), start: '', end: '', teachingDays: base?.teachingDays ?? [1, 2, 3, 4, 5], periods: base?.periods ?? [], holidays: [] }]);
    setSelected(terms.length);
  };
  const removeTerm = (i: number) => { setTerms(terms.filter((_, j) => j !== i)); setSelected(Math.max(0, i - 1)); };
  const current = terms[selected];
  return (
    <section class="timetable-page">
      <div class="page-head">
        <h1>{t('timetable.title')}{school && <span class="muted"> · {school.name}</span>}</h1>
        {schoolId !== undefined && <Link to={withQuery('/usage', { districtId: school ? (school.districtId ?? 'so') : undefined, schoolId })} testid="timetable-usage-link">‹ {t('nav.usage')}</Link>}
      </div>
      <div class="card filters">
        <label class="timetable-school">{t('timetable.pickSchool')}
          <select data-testid="timetable-school" value={schoolId ?? ''} onChange={(e) => navigate(withQuery('/timetable', { schoolId: e.currentTarget.value }))}>
            <option value="">—</option>
            {hierarchy?.schools.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
          </select>
        </label>
      </div>
      {loadError && <p class="error">{loadError}</p>}
      {schoolId !== undefined && !data && !loadError && <Loading label="timetable.loading" />}
      {data && (
        <>
          {data.isDefault && <p class="notice" data-testid="timetable-default">{t('timetable.default')}</p>}
          {!editable && <p class="muted small">{t('timetable.readOnly')}</p>}
          <div class="timetable-layout">
            <div class="card timetable-terms-card">
              <h2>{t('timetable.terms')}</h2>
              <ul class="timetable-terms" data-testid="timetable-terms">
                {terms.map((x, i) => (
                  <li key={i}>
                    <button type="button" class={`timetable-term-tab ${i === selected ? 'selected' : ''}`} data-testid={`timetable-term-tab-${i}`} onClick={() => setSelected(i)}>
                      <b>{x.term || '—'}</b>
                      <span class="muted small">{x.start && x.end ? `${fmtDay(x.start)} – ${fmtDay(x.end)}` : '…'}</span>
                    </button>
                  </li>
                ))}
              </ul>
              {editable && <button type="button" data-testid="timetable-add-term" onClick={addTerm}>{t('timetable.addTerm')}</button>}
            </div>
            <div class="card">
              {current && <TimetableTermEditor key={selected} term={current} index={selected} editable={editable} onChange={(x) => update(selected, x)} />}
              {editable && (
                <div class="rec-actions timetable-save-row">
                  <button type="button" class="primary" data-testid="timetable-save" disabled={save.busy} onClick={() => { setSaved(false); void save.run(); }}>{save.busy ? t('timetable.saving') : t('timetable.save')}</button>
                  {current && <button type="button" class="rec-danger" data-testid="timetable-remove-term" onClick={() => removeTerm(selected)}>{t('timetable.removeTerm')}</button>}
                  {saved && <span class="ok" data-testid="timetable-saved">{t('timetable.saved')}</span>}
                </div>
              )}
              {saveError && (
                <div class="error" data-testid="timetable-error">
                  {t('timetable.errorTitle')}
                  <ul>{saveError.map((m, i) => <li key={i}>{m}</li>)}</ul>
                </div>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
