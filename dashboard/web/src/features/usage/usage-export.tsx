import { useState } from 'preact/hooks';
import type { ExportJob } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';

export type ExportFormat = ExportJob['format'];
/** What the export covers: the window and the drill-down filter shown on screen. */
export interface ExportScope { from?: string; to?: string; districtId?: number | 'so'; schoolId?: number; roomId?: number }

const POLL_MS = 400;

/**
 * PDF / XLSX / CSV buttons: POST /api/usage/exports, follow the job (phase query → render, done/total) with a
 * progress bar, then offer the file as a link to …/:id/file.
 */
export function UsageExport(p: { scope: ExportScope }) {
  const { t } = useI18n();
  const [started, setStarted] = useState<ExportJob | null>(null);
  const begin = useSubmit((format: ExportFormat) => post('/api/usage/exports', { body: { format, ...p.scope } }), setStarted);
  // Follow the job while it runs; its last answer stays in the cache under its own id.
  const followed = useGet(started?.status === 'running' ? '/api/usage/exports/:id' : null, { params: { id: started?.id ?? '' } },
    { pollMs: POLL_MS, pollWhile: (j) => j?.status !== 'done' && j?.status !== 'failed' });
  const job = followed.data ?? started;
  const error = begin.error || followed.error;
  const start = (format: ExportFormat) => {
    setStarted(null);
    void begin.run(format);
  };
  const running = job?.status === 'running';
  const pr = job?.progress;
  // query is the first half of the bar, render the second
  const fraction = !pr ? 0 : job?.status === 'done' ? 1 : (pr.phase === 'query' ? 0 : 0.5) + 0.5 * (pr.total ? pr.done / pr.total : 0);
  return (
    <div class="usage-export">
      <span class="muted small">{t('usage.export')}:</span>
      {(['pdf', 'xlsx', 'csv'] as const).map((f) => (
        <button key={f} type="button" data-testid={`usage-export-${f}`} disabled={running || begin.busy} onClick={() => start(f)}>{t(`usage.export.${f}`)}</button>
      ))}
      {job && job.status !== 'failed' && pr && (
        <span class="usage-export-status">
          <progress data-testid="usage-export-progress" data-status={job.status} data-phase={pr.phase} data-done={pr.done} data-total={pr.total} max={1} value={fraction} />
          {running && <span class="small muted">{t(pr.phase === 'query' ? 'usage.export.query' : 'usage.export.render', { done: pr.done, total: pr.total })}</span>}
        </span>
      )}
      {job?.status === 'done' && (
        <a class="usage-export-link" data-testid="usage-export-link" href={`/api/usage/exports/${encodeURIComponent(job.id)}/file`} download={job.fileName ?? true}>
          {t('usage.export.done', { file: job.fileName ?? job.format.toUpperCase() })}
        </a>
      )}
      {(error || job?.status === 'failed') && (
        <span class="error small" data-testid="usage-export-error">{t('usage.export.failed', { message: error || job?.error?.message || '' })}</span>
      )}
    </div>
  );
}
