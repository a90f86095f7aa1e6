import { useCallback, useState } from 'preact/hooks';
import type { CommandView, Me, RunView, ScheduleInputBody, ScheduleView } from '../../../../../api/index.js';
import { scheduleSummary } from '../../../../../domain/schedule-text.js';
import { del, put } from '../../api.js';
import { useHierarchy } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { navigate, withQuery } from '../../router.js';
import { useConfirm } from '../../ui/confirm.js';
import { Link } from '../../ui/link.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { Table } from '../../ui/table.js';
import { BulkDialog } from './bulk-dialog.js';
import { commandLabel } from './defs.js';
import { CommandTable, POLL_PENDING, useLiveCommandRows } from './history.js';
import { RunStateBadge } from './run-progress.js';
import { runTimeText, ScheduleEditor } from './schedule-editor.js';

/** A saved schedule as the editor's body, e.g. to switch it on or off. */
export function scheduleBody(s: ScheduleView, patch: Partial<ScheduleInputBody> = {}): ScheduleInputBody {
  return {
    schoolId: s.schoolId, name: s.name, target: s.target, command: s.command, args: (s.args ?? {}) as Record<string, unknown>, days: s.days, at: s.at,
    until: s.until && { at: s.until.at, command: s.until.command, args: (s.until.args ?? {}) as Record<string, unknown> },
    skipHolidays: s.skipHolidays, enabled: s.enabled, ratePerMin: s.ratePerMin, abortFailedPct: s.abortFailedPct,
    ttlSeconds: s.ttlMs === null ? null : Math.round(s.ttlMs / 1000), ...patch,
  };
}

/**
 * "Lệnh & lịch": for one school of the user's scope, its schedules, its recent bulk runs and its command history,
 * with a bulk command to the whole school (optionally one kind) and the schedule editor.
 */
export function CommandsPage(p: { me: Me; search: URLSearchParams }) {
  const { lang, t } = useI18n();
  const hierarchy = useHierarchy();
  const schools = hierarchy?.schools ?? [];
  const schoolId = Number(p.search.get('schoolId')) || schools[0]?.id || 0;
  const school = schools.find((s) => s.id === schoolId);
  const [bulk, setBulk] = useState(false);
  const [editing, setEditing] = useState<ScheduleView | 'new' | null>(null);
  const confirm = useConfirm();
  const schedules = useGet(school ? '/api/schedules' : null, { query: { schoolId } });
  const runs = useGet(school ? '/api/command-runs' : null, { query: { schoolId, limit: 20 } }, { pollMs: 5000, pollWhile: (d) => Boolean(d?.some((r) => r.state === 'running')) });
  const history = useGet(school ? '/api/schools/:id/commands' : null, { params: { id: schoolId }, query: { limit: 100 } }, POLL_PENDING);
  const rows = useLiveCommandRows(history.data, useCallback((c: CommandView) => c.schoolId === schoolId, [schoolId]));
  const toggle = useSubmit((s: ScheduleView) => put('/api/schedules/:id', { params: { id: s.id }, body: scheduleBody(s, { enabled: !s.enabled }) }));
  const remove = useSubmit((s: ScheduleView) => del('/api/schedules/:id', { params: { id: s.id } }));

  if (!hierarchy) return <Loading />;
  if (!school) return <section><h1>{t('cmds.title')}</h1><Empty testid="cmds-no-school">{t('cmds.noSchool')}</Empty></section>;
  return (
    <section class="commands-page">
      <div class="page-head"><h1>{t('cmds.title')}</h1></div>
      <div class="card filters">
        <label class="small">{t('cmds.school')}{' '}
          <select data-testid="cmds-school" value={schoolId} onChange={(e) => navigate(withQuery('/commands', { schoolId: e.currentTarget.value }), true)}>
            {schools.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <button type="button" class="primary" data-testid="cmds-bulk" onClick={() => setBulk(true)}>{t('bulk.school')}</button>
        <button type="button" data-testid="cmds-add-schedule" onClick={() => setEditing('new')}>{t('cmds.addSchedule')}</button>
      </div>

      <div class="card">
        <h2>{t('cmds.schedules')}</h2>
        <ErrorLine message={schedules.error || toggle.error || remove.error} />
        {schedules.data?.length === 0 && <Empty testid="sched-none">{t('cmds.noSchedules')}</Empty>}
        {schedules.data && schedules.data.length > 0 && (
          <Table testid="sched-list" rows={schedules.data} rowKey={(s) => s.id} rowTestid={() => 'sched-row'} rowData={(s) => ({ 'data-id': String(s.id) })} columns={[
            { head: t('cmds.col.name'), cell: (s) => (
              <>
                <b>{s.name}</b>
                {!s.creatorMayCommand && <p class="warn small" data-testid="sched-row-owner-lost">{t('cmds.ownerLost', { user: s.createdBy })}</p>}
                {!s.targetInSchool && <p class="warn small" data-testid="sched-row-target-moved">{t('cmds.targetMoved')}</p>}
              </>
            ) },
            { head: t('cmds.col.target'), cell: (s) => s.targetLabel },
            { head: t('cmd.col.command'), cell: (s) => s.until ? `${commandLabel(s.command, lang)} → ${commandLabel(s.until.command, lang)}` : commandLabel(s.command, lang) },
            { head: t('cmds.col.when'), cell: (s) => <span data-testid="sched-row-summary">{scheduleSummary(s, lang)}</span> },
            { head: t('cmds.col.next'), cell: (s) => <span data-testid="sched-row-next">{s.enabled && s.creatorMayCommand && s.targetInSchool && s.nextRuns[0] ? runTimeText(s.nextRuns[0].at, lang) : '—'}</span> },
            { head: t('cmds.col.enabled'), cell: (s) => <input type="checkbox" data-testid="sched-row-enabled" checked={s.enabled} disabled={toggle.busy} onChange={() => void toggle.run(s)} /> },
            { head: '', cell: (s) => (
              <span class="rec-actions">
                <button type="button" class="small-button" data-testid="sched-row-edit" onClick={() => setEditing(s)}>{t('cmds.edit')}</button>
                <button type="button" class="small-button" data-testid="sched-row-delete"
                  onClick={async () => { if (await confirm.ask(t('cmds.deleteAsk', { name: s.name }))) await remove.run(s); }}>{t('cmds.delete')}</button>
              </span>
            ) },
          ]} />
        )}
      </div>

      <div class="card">
        <h2>{t('cmds.runs')}</h2>
        <ErrorLine message={runs.error} />
        {runs.data?.length === 0 && <Empty testid="runs-none">{t('cmds.noRuns')}</Empty>}
        {runs.data && runs.data.length > 0 && (
          <Table testid="runs-list" rows={runs.data} rowKey={(r) => r.id} rowTestid={() => 'run-row'} columns={[
            { head: t('cmd.col.at'), cell: (r: RunView) => fmtDateTime(lang, r.createdAt) },
            { head: t('cmd.col.command'), cell: (r) => commandLabel(r.name, lang) },
            { head: t('cmds.col.target'), cell: (r) => r.targetLabel },
            { head: t('cmd.col.state'), cell: (r) => <RunStateBadge state={r.state} /> },
            { head: t('cmds.col.progress'), cell: (r) => `${r.progress.succeeded}/${r.progress.total}` },
            { head: t('cmd.col.by'), cell: (r) => r.origin.by === 'user' ? r.origin.username : t('cmd.bySchedule', { id: r.origin.scheduleId }) },
            { head: '', cell: (r) => <Link to={`/commands/runs/${r.id}`} testid="run-open">{t('cmds.open')}</Link> },
          ]} />
        )}
      </div>

      <div class="card">
        <h2>{t('cmds.history')}</h2>
        <ErrorLine message={history.error} />
        <CommandTable rows={rows} showDevice canCancel testid="school-history" />
      </div>

      {bulk && <BulkDialog open target={{ type: 'school', id: String(schoolId) }} onClose={() => { setBulk(false); runs.reload(); }} />}
      {editing && <ScheduleEditor key={editing === 'new' ? 'new' : editing.id} schoolId={schoolId} schoolName={school.name} editing={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      {confirm.dialog}
    </section>
  );
}
