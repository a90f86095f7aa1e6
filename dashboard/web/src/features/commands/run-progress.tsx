import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { RunDetail, RunView } from '../../../../../api/index.js';
import { COMMAND_STATES } from '../../../../../domain/commands.js';
import { post } from '../../api.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { useLiveConnected, useWatchRun } from '../../live.js';
import { useConfirm } from '../../ui/confirm.js';
import { ErrorLine } from '../../ui/states.js';

const FINAL = ['succeeded', 'failed', 'expired', 'cancelled'] as const;

/** Share of the run's commands in a final state, whole percent, rounded down so 100 means every one is final. */
export function runPercent(v: RunView): number {
  const done = FINAL.reduce((n, s) => n + v.progress[s], 0);
  return v.progress.total === 0 ? 100 : Math.floor((done * 100) / v.progress.total);
}

export function RunStateBadge(p: { state: RunView['state']; testid?: string }) {
  const { t } = useI18n();
  return <span class={`badge run-state run-${p.state}`} data-testid={p.testid} data-state={p.state}>{t(`run.state.${p.state}`)}</span>;
}

/**
 * A run's live progress: the `run` events of its Socket.IO room, or GET /api/command-runs/:id every 2 s while the
 * socket is down or has said nothing for a while; once it ends, the detail read again for the devices that did not answer and the failures.
 */
export function RunProgress(p: { run: RunView; onDetail?: (d: RunDetail) => void }) {
  const { lang, t } = useI18n();
  const confirm = useConfirm();
  const up = useLiveConnected();
  const [live, setLive] = useState<RunView>(p.run);
  const lastEvent = useRef(0);
  useWatchRun(p.run.id, useCallback((v: RunView) => {
    lastEvent.current = Date.now();
    setLive((old) => (newer(v, old) ? v : old));
  }, []));
  const running = useRef(live.state === 'running');
  running.current = live.state === 'running';
  const upRef = useRef(up);
  upRef.current = up;
  // Polled only while the socket is down or silent: a run of slow devices may send nothing for a while, and a read
  // every 2 s then costs little and catches an event the socket lost.
  const detail = useGet('/api/command-runs/:id', { params: { id: p.run.id } }, {
    pollMs: 2000, pollWhile: () => running.current && (!upRef.current || Date.now() - lastEvent.current > 4000),
  });
  useEffect(() => {
    if (detail.data) setLive((old) => (newer(detail.data!, old) ? detail.data! : old));
  }, [detail.data]);
  // The end arrives over the socket without the per-device outcome: read the detail once more for it.
  const ended = live.state !== 'running';
  useEffect(() => {
    if (ended && detail.data?.state === 'running') detail.reload();
  }, [ended, detail.data?.state]);
  useEffect(() => {
    if (detail.data) p.onDetail?.(detail.data);
  }, [detail.data]);
  const cancel = useSubmit(() => post('/api/command-runs/:id/cancel', { params: { id: p.run.id } }), (v) => setLive(v));
  const pct = runPercent(live);
  const d = detail.data && detail.data.state !== 'running' ? detail.data : null;
  const failed = d?.commands.filter((c) => c.state === 'failed') ?? [];
  return (
    <div class="run-progress" data-testid="run-progress" data-run={live.id}>
      <div class="rec-actions">
        <RunStateBadge state={live.state} testid="bulk-state" />
        <progress max={100} value={pct} />
        <b data-testid="bulk-progress">{fmtNumber(lang, pct, 0)} %</b>
        <span class="muted small">{t('bulk.doneOf', { done: live.progress.total - live.progress.queued - live.progress.sent - live.progress.delivered, total: live.progress.total })}</span>
        {live.state === 'running' && (
          <button type="button" data-testid="bulk-cancel" disabled={cancel.busy}
            onClick={async () => { if (await confirm.ask(t('bulk.cancelAsk'))) await cancel.run(); }}>{t('bulk.cancelRun')}</button>
        )}
      </div>
      <ul class="run-counts" data-testid="bulk-counts">
        {COMMAND_STATES.map((s) => <li key={s} data-state={s} data-testid={`bulk-count-${s}`}><span class={`badge cmd-${s}`}>{t(`cmd.state.${s}`)}</span> <b>{fmtNumber(lang, live.progress[s], 0)}</b></li>)}
      </ul>
      {live.endReason && <p class="notice small" data-testid="bulk-end-reason">{t('bulk.endReason', { reason: live.endReason })}</p>}
      <ErrorLine message={cancel.error} bare />
      {d && (
        <div class="run-outcome" data-testid="bulk-outcome">
          {d.notAnswered.length === 0 && failed.length === 0 && <p class="small" data-testid="bulk-all-answered">{t('bulk.allAnswered')}</p>}
          {d.notAnswered.length > 0 && (
            <>
              <h4>{t('bulk.notAnswered', { n: d.notAnswered.length })}</h4>
              <ul data-testid="bulk-not-answered">{d.notAnswered.map((id) => <li key={id}>{d.commands.find((c) => c.deviceId === id)?.deviceName ?? id} <span class="muted small">{id}</span></li>)}</ul>
            </>
          )}
          {failed.length > 0 && (
            <>
              <h4>{t('bulk.failed', { n: failed.length })}</h4>
              <ul data-testid="bulk-failed">{failed.map((c) => <li key={c.id}>{c.deviceName}: {c.resultMessage ?? '—'}</li>)}</ul>
            </>
          )}
        </div>
      )}
      {confirm.dialog}
    </div>
  );
}

/** Live events and polled answers race: keep whichever has moved further (more final commands, or ended). */
function newer(a: RunView, b: RunView): boolean {
  if (a.state !== 'running' && b.state === 'running') return true;
  if (a.state === 'running' && b.state !== 'running') return false;
  const done = (v: RunView) => FINAL.reduce((n, s) => n + v.progress[s], 0) * 4 + v.progress.delivered * 2 + v.progress.sent;
  return done(a) >= done(b);
}
