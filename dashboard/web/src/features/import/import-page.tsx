import { useEffect, useRef, useState } from 'preact/hooks';
import type { ImportJob, ImportPlanView, Me, PlacesImportJob, PlacesPlanView } from '../../../../../api/index.js';
import { ApiError, get, post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { Link } from '../../ui/link.js';
import { ErrorLine } from '../../ui/states.js';
import { ImportHelp } from './import-help.js';
import { ImportKindChoice, IMPORT_API, PlacesImportHelp, PlacesRows, type ImportKind } from './import-places.js';
import { ImportCounts, ImportNewPlaces, ImportNotes, ImportRefused, ImportRows } from './import-preview.js';
import { fmtBytes, importFormat, MAX_IMPORT_BYTES, useUpload } from './import-upload.js';

const POLL_MS = 300;
type Job = ImportJob | PlacesImportJob;
const busy = (job: Job | null) => job !== null && (job.status === 'planning' || job.status === 'applying');

/**
 * Import a device register or (for users who may edit schools) the Sở's list of schools: upload (XMLHttpRequest, with a progress bar), follow the job while the server reads and
 * plans it, preview what would change, confirm, follow it again while it applies. Nothing is written before the
 * confirmation; refused rows block it unless the user explicitly asks to import only the valid ones.
 */
export function ImportPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  const [kind, setKind] = useState<ImportKind>('devices');
  const places = kind === 'places';
  const [fileName, setFileName] = useState('');
  const [job, setJob] = useState<Job | null>(null);
  const [applyValid, setApplyValid] = useState(false);
  const [inputKey, setInputKey] = useState(0);
  /** The apply request is under way: polls that still see 'planned' (sent before it arrived) are ignored. */
  const applying = useRef(false);
  const upload = useUpload<Job>();
  const n = (x: number) => fmtNumber(lang, x, 0);
  const fmt = (x: number, d: number) => fmtNumber(lang, x, d);

  // Follow the job while the server reads, plans or applies it.
  const following = job && busy(job) ? job.id : null;
  const pollDevices = useGet(!places && following ? '/api/imports/:id' : null, { params: { id: following ?? '' } }, { pollMs: POLL_MS });
  const pollPlaces = useGet(places && following ? '/api/imports/places/:id' : null, { params: { id: following ?? '' } }, { pollMs: POLL_MS });
  const polled = places ? pollPlaces : pollDevices;
  useEffect(() => {
    const j = polled.data;
    if (!j || j.id !== following || (applying.current && j.status === 'planned')) return;
    setJob(j);
  }, [polled.data]);

  const start = useSubmit(async (file: File) => {
    if (!importFormat(file.name)) throw new Error(t('import.badType', { name: file.name }));
    if (file.size > MAX_IMPORT_BYTES) throw new Error(t('import.tooBig', { size: fmtBytes(fmt, file.size), max: fmtBytes(fmt, MAX_IMPORT_BYTES) }));
    return upload.send(file, IMPORT_API[kind].jobs);
  }, (j) => { if (j) setJob(j); },
  // Refused before the file was sent in full: one import at a time per user, a few at once in all.
  (e) => (e instanceof ApiError && e.code === 'EDUFLEET_ERR_IMPORT_BUSY' ? t('import.busy') : e instanceof Error ? e.message : String(e)));

  const apply = useSubmit(async (j: Job & { plan: NonNullable<Job['plan']> }): Promise<Job> => {
    applying.current = true;
    setJob({ ...j, status: 'applying', progress: { phase: 'apply', done: 0, total: j.plan.counts.create + j.plan.counts.update } });
    const body = j.plan.counts.refused > 0 ? { applyValid: true } : {};
    try {
      return places ? await post('/api/imports/places/:id/apply', { params: { id: j.id }, body }) : await post('/api/imports/:id/apply', { params: { id: j.id }, body });
    } catch (e) {
      // The server planned again when asked to apply: show the preview as it stands now.
      const read = places ? get('/api/imports/places/:id', { params: { id: j.id } }) : get('/api/imports/:id', { params: { id: j.id } });
      await read.then(setJob, () => setJob({ ...j, status: 'planned' }));
      throw e;
    } finally {
      applying.current = false;
    }
  }, setJob);
  const error = start.error || apply.error || polled.error;

  const clear = () => {
    upload.cancel();
    start.setError('');
    apply.setError('');
    setJob(null); setApplyValid(false); setFileName('');
  };
  /** Back to the start, with the file input emptied too. */
  const reset = () => {
    clear();
    setInputKey((k) => k + 1);
  };
  const pick = (file: File) => {
    clear();
    setFileName(file.name);
    void start.run(file);
  };
  const confirm = () => {
    if (job?.plan) void apply.run({ ...job, plan: job.plan } as Job & { plan: NonNullable<Job['plan']> });
  };

  const choose = (k: ImportKind) => { reset(); setKind(k); };
  const plan = job?.plan;
  const uploading = upload.progress;
  // The job came from this kind's routes (switching kinds resets it), so its plan has this kind's shape.
  const devicePlan = places ? undefined : (plan as ImportPlanView | undefined);
  const placesPlan = places ? (plan as PlacesPlanView | undefined) : undefined;
  const newSites = placesPlan?.counts.newSites ?? 0;
  const exportBase = IMPORT_API[kind].export;
  return (
    <section class="import-page">
      <div class="page-head">
        <h1>{t(places ? 'importPlaces.title' : 'import.title')}</h1>
        <div class="export-links">
          <span class="muted small">{t(places ? 'importPlaces.export' : 'import.exportRegister')}</span>
          <a class="button-link" href={`${exportBase}.csv`} download data-testid={places ? 'places-export-csv' : 'register-export-csv'}>CSV</a>
          <a class="button-link" href={`${exportBase}.xlsx`} download data-testid={places ? 'places-export-xlsx' : 'register-export-xlsx'}>XLSX</a>
        </div>
      </div>
      {p.me.permissions.editSchools && <ImportKindChoice kind={kind} disabled={uploading !== null || busy(job)} onChange={choose} />}
      <p class="muted import-intro">{t(places ? 'importPlaces.intro' : 'import.intro')}</p>
      <div class="card import-pick">
        <label class="import-file-label">
          <span>{t('import.pick')}</span>
          <input key={inputKey} type="file" data-testid="import-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            disabled={uploading !== null || busy(job)}
            onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) pick(f); }} />
        </label>
        {(job || error) && !uploading && !busy(job) && <button type="button" data-testid="import-reset" onClick={reset}>{t('import.another')}</button>}
      </div>
      {places ? <PlacesImportHelp open={!job && !uploading} /> : <ImportHelp open={!job && !uploading} />}

      {uploading && (
        <div class="card import-progress-card" data-testid="import-upload-progress" data-loaded={uploading.loaded} data-total={uploading.total}>
          <progress max={Math.max(1, uploading.total)} value={uploading.loaded} />
          <span>{t('import.uploading', {
            file: fileName, loaded: fmtBytes(fmt, uploading.loaded), total: fmtBytes(fmt, uploading.total),
            pct: `${fmtNumber(lang, uploading.total ? (uploading.loaded / uploading.total) * 100 : 0, 0)} %`,
          })}</span>
        </div>
      )}

      {job && busy(job) && (
        <div class="card import-progress-card" data-testid="import-progress" data-status={job.status} data-phase={job.progress.phase}
          data-done={job.progress.done} data-total={job.progress.total}>
          {job.progress.phase === 'read' || job.progress.total === 0
            ? <progress />
            : <progress max={job.progress.total} value={job.progress.done} />}
          <span>{t(places && job.progress.phase === 'apply' ? 'importPlaces.phase.apply' : `import.phase.${job.progress.phase}`,
            { file: job.file, done: n(job.progress.done), total: n(job.progress.total) })}</span>
        </div>
      )}

      <ErrorLine message={error} testid="import-error" bare />
      {job?.status === 'failed' && (
        <p class="error" data-testid="import-error">{t('import.failed', { file: job.file, message: job.error?.message ?? '' })}</p>
      )}

      {job?.status === 'planned' && plan && (
        <div class="import-preview" data-testid="import-preview">
          <h2>{t('import.previewTitle', { file: job.file })}</h2>
          <ImportCounts counts={plan.counts} />
          <ImportRefused refused={plan.refused} codeLabel={places ? t('importPlaces.code') : undefined} />
          {devicePlan && <ImportNewPlaces plan={devicePlan} />}
          <ImportNotes plan={plan} />
          {devicePlan && <ImportRows plan={devicePlan} />}
          {placesPlan && <PlacesRows plan={placesPlan} />}
          <div class="card import-confirm-bar">
            {plan.counts.refused > 0 && (
              <label class="rec-check import-apply-valid">
                <input type="checkbox" data-testid="import-apply-valid" checked={applyValid} onChange={(e) => setApplyValid(e.currentTarget.checked)} />
                {t('import.applyValid', { n: n(plan.counts.refused) })}
              </label>
            )}
            <div class="rec-actions">
              <button type="button" class="primary" data-testid="import-confirm" disabled={plan.counts.refused > 0 && !applyValid} onClick={confirm}>
                {places
                  ? t('importPlaces.confirm', { create: n(plan.counts.create), update: n(plan.counts.update), sites: n(newSites) })
                  : t('import.confirm', { create: n(plan.counts.create), update: n(plan.counts.update) })}
              </button>
              <button type="button" onClick={reset}>{t('import.another')}</button>
            </div>
            {plan.counts.refused > 0 && !applyValid && <p class="muted small">{t('import.needApplyValid')}</p>}
          </div>
        </div>
      )}

      {job?.status === 'applied' && plan && (
        <div class="card import-done" data-testid="import-done">
          <p><b>{places
            ? (plan.counts.create + plan.counts.update + newSites === 0 ? t('importPlaces.nothing')
              : t('importPlaces.done', { file: job.file, create: n(plan.counts.create), update: n(plan.counts.update), sites: n(newSites), unchanged: n(plan.counts.unchanged) }))
            : t('import.done', { file: job.file, create: n(plan.counts.create), update: n(plan.counts.update), unchanged: n(plan.counts.unchanged) })}</b></p>
          {plan.counts.refused > 0 && <p class="warn">{t('import.doneSkipped', { n: n(plan.counts.refused) })}</p>}
          <div class="rec-actions">
            <Link to="/tree" class="rec-button-link" testid="import-tree-link">{t('import.treeLink')}</Link>
            <Link to="/devices" class="rec-button-link" testid="import-devices-link">{t('import.devicesLink')}</Link>
            <button type="button" data-testid="import-again" onClick={reset}>{t('import.another')}</button>
          </div>
        </div>
      )}
    </section>
  );
}
