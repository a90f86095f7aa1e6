import { useCallback, useState } from 'preact/hooks';
import type { CommandView } from '../../../../../api/index.js';
import { post } from '../../api.js';
import { fmtDateTime, fmtTime, useI18n } from '../../i18n.js';
import { useLiveCommands } from '../../live.js';
import { useConfirm } from '../../ui/confirm.js';
import { Link } from '../../ui/link.js';
import { Empty, ErrorLine } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';
import { useSubmit } from '../../hooks/submit.js';
import { isFinalCommandState } from '../../../../../domain/commands.js';
import { argsText, commandLabel } from './defs.js';

/**
 * Commands of a server read with the newest state of each from the `commands` batches laid over them; commands the
 * batches bring that `belongs` accepts and the read did not have (sent since, from another tab or a schedule) come
 * first, as the list is newest first.
 */
export function useLiveCommandRows(rows: readonly CommandView[] | undefined, belongs: (c: CommandView) => boolean): CommandView[] {
  const [live, setLive] = useState<ReadonlyMap<string, CommandView>>(new Map());
  useLiveCommands(useCallback((batch: CommandView[]) => {
    setLive((m) => {
      const next = new Map(m);
      for (const c of batch) if (belongs(c)) next.set(c.id, c);
      return next;
    });
  }, [belongs]));
  const known = new Set((rows ?? []).map((r) => r.id));
  const fresh = [...live.values()].filter((c) => !known.has(c.id)).sort((a, b) => b.createdAt - a.createdAt);
  const merged = (rows ?? []).map((r) => {
    const v = live.get(r.id);
    return v && v.stateAt >= r.stateAt ? v : r;
  });
  return [...fresh, ...merged];
}

/**
 * Polling options for a command list: read again every 3 s while one of its commands is not final. The `commands`
 * batches normally say it first; this covers a socket that is down or a batch lost in a reconnect.
 */
export const POLL_PENDING = { pollMs: 3000, pollWhile: (d: CommandView[] | undefined) => Boolean(d?.some((c) => !isFinalCommandState(c.state))) };

export function CommandStateBadge(p: { state: CommandView['state']; edgeName?: string | null }) {
  const { t } = useI18n();
  // A queued command of an edge site is not the province's to send: it waits for that school's edge node.
  const text = p.state === 'queued' && p.edgeName ? t('cmd.state.queuedEdge', { edge: p.edgeName }) : t(`cmd.state.${p.state}`);
  return <span class={`badge cmd-state cmd-${p.state}`} data-testid="cmd-state" data-state={p.state}>{text}</span>;
}

/** A command list: what, to whom, by whom, its state with the device's answer, and when it moved. */
export function CommandTable(p: { rows: readonly CommandView[]; showDevice?: boolean; canCancel?: boolean; testid: string }) {
  const { lang, t } = useI18n();
  const confirm = useConfirm();
  const cancel = useSubmit((id: string) => post('/api/commands/:id/cancel', { params: { id } }));
  const ask = async (c: CommandView) => {
    if (await confirm.ask(t('cmd.cancelAsk', { name: commandLabel(c.name, lang), device: c.deviceName }))) await cancel.run(c.id);
  };
  const columns: Column<CommandView>[] = [
    { head: t('cmd.col.at'), cell: (c) => fmtDateTime(lang, c.createdAt) },
    ...(p.showDevice ? [{ head: t('cmd.col.device'), cell: (c: CommandView) => <Link to={`/devices/${encodeURIComponent(c.deviceId)}`}>{c.deviceName}</Link> }] : []),
    { head: t('cmd.col.command'), cell: (c) => <>{commandLabel(c.name, lang)} <span class="muted small">{argsText(c.args)}</span></> },
    { head: t('cmd.col.state'), cell: (c) => <CommandStateBadge state={c.state} edgeName={c.edgeName} /> },
    { head: t('cmd.col.result'), cell: (c) => <span data-testid="cmd-result">{c.resultMessage ?? (c.state === 'expired' && c.deliveredAt ? t('cmd.silent') : '')}</span> },
    { head: t('cmd.col.by'), cell: (c) => c.origin.by === 'user' ? c.origin.username : <span>{t('cmd.bySchedule', { id: c.origin.scheduleId })}</span> },
    { head: t('cmd.col.times'), cell: (c) => <span class="small muted">{timeline(c).map(([k, at]) => t(k, { time: fmtTime(lang, at) })).join(' · ')}{c.attempts > 1 ? ` · ${t('cmd.attempts', { n: c.attempts })}` : ''}</span> },
    ...(p.canCancel ? [{ head: '', cell: (c: CommandView) => (c.state === 'queued' || c.state === 'sent') && <button type="button" class="small-button" data-testid="cmd-cancel" disabled={cancel.busy} onClick={() => void ask(c)}>{t('cmd.cancel')}</button> }] : []),
  ];
  return (
    <>
      <ErrorLine message={cancel.error} testid="cmd-cancel-error" />
      {p.rows.length === 0 ? <Empty testid={`${p.testid}-empty`}>{t('cmd.noHistory')}</Empty> : (
        <Table testid={p.testid} rows={p.rows} columns={columns} rowKey={(c) => c.id} rowTestid={() => 'cmd-row'}
          rowData={(c) => ({ 'data-state': c.state, 'data-name': c.name, 'data-device': c.deviceId })} />
      )}
      {confirm.dialog}
    </>
  );
}

function timeline(c: CommandView): ['cmd.time.sent' | 'cmd.time.delivered' | 'cmd.time.finished', number][] {
  const out: ['cmd.time.sent' | 'cmd.time.delivered' | 'cmd.time.finished', number][] = [];
  if (c.sentAt) out.push(['cmd.time.sent', c.sentAt]);
  if (c.deliveredAt) out.push(['cmd.time.delivered', c.deliveredAt]);
  if (c.finishedAt) out.push(['cmd.time.finished', c.finishedAt]);
  return out;
}
