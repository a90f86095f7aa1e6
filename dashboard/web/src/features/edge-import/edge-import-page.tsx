import { useEffect, useState } from 'preact/hooks';
import type { ApiErrorBody, EdgeImportJob } from '../../../../../api/index.js';
import { formatDay } from '../../../../../lib/vn/format.js';
import { ApiError } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { ErrorLine } from '../../ui/states.js';

const POLL_MS = 300;

/** POST /api/edges/imports with the file as the body; the job (202), or an ApiError with the server's code. */
async function uploadEdgeFile(file: File): Promise<EdgeImportJob> {
  const res = await fetch(`/api/edges/imports?name=${encodeURIComponent(file.name.replace(/\.efe$/i, '.efe'))}`, {
    method: 'POST', body: file, headers: { 'content-type': 'application/octet-stream' },
  });
  const body = await res.json().catch(() => null) as (EdgeImportJob & Partial<ApiErrorBody>) | null;
  if (res.status === 202 && body) return body;
  throw new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, body?.message ?? res.statusText);
}

/**
 * The sneakernet up for the Sở's admins (docs/edge.md): upload an edge's export file, follow the job while the server
 * verifies and applies it, and read what it did: new, already present, refused, the days analysed again.
 */
export function EdgeImportPage() {
  const { lang, t } = useI18n();
  const [job, setJob] = useState<EdgeImportJob | null>(null);
  const [fileName, setFileName] = useState('');
  const [inputKey, setInputKey] = useState(0);
  const n = (x: number) => fmtNumber(lang, x, 0);
  const following = job?.status === 'importing' ? job.id : null;
  const polled = useGet(following ? '/api/edges/imports/:id' : null, { params: { id: following ?? '' } }, { pollMs: POLL_MS });
  useEffect(() => {
    if (polled.data && polled.data.id === following) setJob(polled.data);
  }, [polled.data]);

  const start = useSubmit(async (file: File) => {
    if (!/\.efe$/i.test(file.name)) throw new Error(t('edgeImport.badType', { name: file.name }));
    return uploadEdgeFile(file);
  }, setJob, (e) => (e instanceof ApiError && e.code === 'EDUFLEET_ERR_IMPORT_BUSY' ? t('edgeImport.busy')
    : e instanceof ApiError && e.code === 'EDUFLEET_ERR_IMPORT_LIMIT' ? t('edgeImport.tooBig') : e instanceof Error ? e.message : String(e)));
  const reset = () => {
    setJob(null);
    setFileName('');
    start.setError('');
    setInputKey((k) => k + 1);
  };
  const r = job?.result;
  return (
    <section class="import-page">
      <div class="page-head"><h1>{t('edgeImport.title')}</h1></div>
      <p class="muted import-intro">{t('edgeImport.intro')}</p>
      <div class="card import-pick">
        <label class="import-file-label">
          <span>{t('edgeImport.pick')}</span>
          <input key={inputKey} type="file" accept=".efe" data-testid="edge-import-file" disabled={start.busy || following !== null}
            onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) { setJob(null); setFileName(f.name); void start.run(f); } }} />
        </label>
        {(job || start.error) && !start.busy && following === null && <button type="button" data-testid="edge-import-reset" onClick={reset}>{t('edgeImport.another')}</button>}
      </div>
      {start.busy && <div class="card import-progress-card" data-testid="edge-import-uploading"><progress /><span>{t('edgeImport.uploading', { file: fileName })}</span></div>}
      {job?.status === 'importing' && (
        <div class="card import-progress-card" data-testid="edge-import-progress" data-done={job.progress.done} data-total={job.progress.total}>
          {job.progress.total ? <progress max={job.progress.total} value={job.progress.done} /> : <progress />}
          <span>{t('edgeImport.progress', { file: job.file, done: n(job.progress.done), total: n(job.progress.total) })}</span>
        </div>
      )}
      <ErrorLine message={start.error || polled.error} testid="edge-import-error" bare />
      {job?.status === 'failed' && <p class="error" data-testid="edge-import-error" data-code={job.error?.code}>{t('edgeImport.failed', { file: job.file, message: job.error?.message ?? '' })}</p>}
      {job?.status === 'done' && r && (
        <div class="card import-done" data-testid="edge-import-done" data-applied={r.applied} data-present={r.present} data-refused={r.refused}>
          <p><b>{t('edgeImport.done', { file: job.file, site: r.site, applied: n(r.applied), present: n(r.present), refused: n(r.refused), devices: n(r.devices) })}</b></p>
          {r.applied === 0 && <p data-testid="edge-import-nothing-new">{t('edgeImport.nothingNew')}</p>}
          {r.days.length > 0 && <p>{t('edgeImport.days', { days: r.days.map((d) => formatDay(lang, d)).join(', ') })}</p>}
          {r.refusedDevices.length > 0 && <p class="warn">{t('edgeImport.refusedDevices', { devices: r.refusedDevices.join(', ') })}</p>}
          {r.gaps > 0 && <p class="warn">{t('edgeImport.gaps', { gaps: n(r.gaps) })}</p>}
        </div>
      )}
    </section>
  );
}
