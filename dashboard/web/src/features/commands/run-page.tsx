import type { CommandView, RunDetail } from '../../../../../api/index.js';
import { useCallback, useState } from 'preact/hooks';
import { useGet } from '../../hooks/api-query.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { Link } from '../../ui/link.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { argsText, commandLabel } from './defs.js';
import { CommandTable, useLiveCommandRows } from './history.js';
import { RunProgress } from './run-progress.js';

/** One bulk run: its live progress and every device's outcome. */
export function RunPage(p: { id: number }) {
  const { lang, t } = useI18n();
  const first = useGet('/api/command-runs/:id', { params: { id: p.id } });
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const r = detail ?? first.data;
  const rows = useLiveCommandRows(r?.commands, useCallback((c: CommandView) => c.runId === p.id, [p.id]));
  return (
    <section>
      <p><Link to="/commands" testid="run-back">{t('run.back')}</Link></p>
      <ErrorLine message={first.error} />
      {!r && !first.error && <Loading />}
      {r && (
        <>
          <div class="page-head"><h1 data-testid="run-title">{t('run.title', { id: r.id, command: commandLabel(r.name, lang) })}</h1></div>
          <p class="muted">{t('run.meta', { target: r.targetLabel, at: fmtDateTime(lang, r.createdAt), by: r.origin.by === 'user' ? r.origin.username : t('cmd.bySchedule', { id: r.origin.scheduleId }) })} · {argsText(r.args)}</p>
          <div class="card"><RunProgress run={r} onDetail={setDetail} /></div>
          <div class="card">
            <h2>{t('run.devices')}</h2>
            <CommandTable rows={rows} showDevice testid="run-commands" />
          </div>
        </>
      )}
    </section>
  );
}
