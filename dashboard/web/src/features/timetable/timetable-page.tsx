import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { api, ApiError, query } from '../../api.js';
import { Link } from '../../ui/link.js';
import { TimetableTermEditor } from './timetable-editor.js';
import { sortPeriods, type Term, type TimetableResponse } from './timetable-csv.js';
import { fmtDay } from '../usage/usage-format.js';
import { useHierarchy } from '../../data.js';
import { useI18n } from '../../i18n.js';
import { navigate } from '../../router.js';

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
  const [data, setData] = useState<TimetableResponse | null>(null);
  const [terms, setTerms] = useState<Term[]>([]);
  const [selected, setSelected] = useState(0);
  const [loadError, setLoadError] = useState('');
  const [saveError, setSaveError] = useState<string[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setData(null); setLoadError(''); setSaveError(null); setSaved(false);
    if (schoolId === undefined) return;
    const ctl = new AbortController();
    api<TimetableResponse>(`/api/schools/${schoolId}/timetable`, { signal: ctl.signal }).then((d) => {
      setData(d);
      setTerms(d.terms.map((x) => ({ ...x, periods: sortPeriods(x.periods) })));
      setSelected(0);
    }, (e: Error) => {
      if (e.name !== 'AbortError') setLoadError(e instanceof ApiError && e.status === 403 ? t('common.forbidden') : t('common.error', { message: e.message }));
    });
    return () => ctl.abort();
  }, [schoolId]);

  const school = hierarchy?.schools.find((s) => s.id === schoolId);
  const update = (i: number, term: Term) => { setTerms(terms.map((x, j) => (j === i ? term : x))); setSaved(false); };
  const addTerm = () => {
    const base = terms[terms.length - 1];
    setTerms([...terms, { term: t('timetable.newTerm'), start: '', end: '', teachingDays: base?.teachingDays ?? [1, 2, 3, 4, 5], periods: base?.periods ?? [], holidays: [] }]);
    setSelected(terms.length);
  };
  const removeTerm = (i: number) => { setTerms(terms.filter((_, j) => j !== i)); setSelected(Math.max(0, i - 1)); };
  const save = async () => {
    setSaving(true); setSaveError(null); setSaved(false);
    try {
      const d = await api<TimetableResponse>(`/api/schools/${schoolId}/timetable`, { method: 'PUT', body: { terms } });
      setData(d);
      setTerms(d.terms.map((x) => ({ ...x, periods: sortPeriods(x.periods) })));
      setSaved(true);
    } catch (e) {
      setSaveError(problemsOf((e as Error).message));
    } finally {
      setSaving(false);
    }
  };

  const current = terms[selected];
  return (
    <section class="timetable-page">
      <div class="page-head">
        <h1>{t('timetable.title')}{school && <span class="muted"> · {school.name}</span>}</h1>
        {schoolId !== undefined && <Link to={`/usage${query({ districtId: school ? (school.districtId ?? 'so') : undefined, schoolId })}`} testid="timetable-usage-link">‹ {t('nav.usage')}</Link>}
      </div>
      <div class="card filters">
        <label class="timetable-school">{t('timetable.pickSchool')}
          <select data-testid="timetable-school" value={schoolId ?? ''} onChange={(e) => navigate('/timetable' + query({ schoolId: e.currentTarget.value }))}>
            <option value="">—</option>
            {hierarchy?.schools.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
          </select>
        </label>
      </div>
      {loadError && <p class="error">{loadError}</p>}
      {schoolId !== undefined && !data && !loadError && <p class="muted">{t('timetable.loading')}</p>}
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
                  <button type="button" class="primary" data-testid="timetable-save" disabled={saving} onClick={() => void save()}>{saving ? t('timetable.saving') : t('timetable.save')}</button>
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
