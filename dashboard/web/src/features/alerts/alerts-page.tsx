import { useCallback, useRef, useState } from 'preact/hooks';
import type { AlertListQuery, AlertView, Me } from '../../../../../api/index.js';
import { RULE_IDS, SEVERITIES } from '../../../../../domain/index.js';
import { post } from '../../api.js';
import { kindLabel, useHierarchy, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useSubmit } from '../../hooks/submit.js';
import { fmtDateTime, fmtNumber, useI18n } from '../../i18n.js';
import { useLiveAlerts } from '../../live.js';
import { Link } from '../../ui/link.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { VirtualList } from '../../ui/virtual-list.js';
import { ruleLabel } from '../../../../../domain/health-texts.js';

const ROW = 44;
const STATE_RANK = { firing: 0, pending: 1, acknowledged: 2, resolved: 3 } as const;
const order = (a: AlertView, b: AlertView) => STATE_RANK[a.state] - STATE_RANK[b.state] || (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1) || a.startedAt - b.startedAt || a.id - b.id;
const matches = (q: AlertListQuery, a: AlertView) => (q.state === 'all' || (q.state ?? 'open') === 'open' ? q.state === 'all' || a.state !== 'resolved' : a.state === q.state)
  && (!q.severity || a.severity === q.severity) && (!q.rule || a.rule === q.rule) && (!q.schoolId || a.schoolId === q.schoolId)
  && (!q.roomId || a.roomId === q.roomId) && (!q.kind || a.kind === q.kind);

/** The alert inbox: filters, worst first, live from `alerts` batches, bulk acknowledge; a row opens its detail. */
export function AlertsPage(p: { me: Me }) {
  const { lang, t } = useI18n();
  const [q, setQ] = useState<AlertListQuery>({ state: 'open' });
  const hierarchy = useHierarchy();
  const kinds = useKinds();
  const list = useGet('/api/alerts', { query: { ...q, limit: 1000 } });
  // Live changes kept apart from the fetched page and merged on render: a burst of batches is one state update each.
  const [live, setLive] = useState<Map<number, AlertView>>(new Map());
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [comment, setComment] = useState('');
  const pending = useRef<AlertView[]>([]);
  const onBatch = useCallback((batch: AlertView[]) => {
    // Coalesced: batches arriving within one frame become one re-render.
    if (!pending.current.length) requestAnimationFrame(() => {
      const got = pending.current;
      pending.current = [];
      setLive((m) => { const n = new Map(m); for (const a of got) n.set(a.id, a); return n; });
    });
    pending.current.push(...batch);
  }, []);
  useLiveAlerts(onBatch);

  const merged = new Map<number, AlertView>();
  for (const a of list.data?.alerts ?? []) merged.set(a.id, a);
  for (const [id, a] of live) if (!merged.has(id) || merged.get(id)!.updatedAt <= a.updatedAt) merged.set(id, a);
  const rows = [...merged.values()].filter((a) => matches(q, a)).sort(order);
  // The server sends at most a page (1,000) of the matching alerts: the count says how many match, not how many came.
  const beyond = Math.max(0, (list.data?.total ?? 0) - (list.data?.alerts.length ?? 0));

  const ack = useSubmit(async () => {
    const r = await post('/api/alerts/ack', { body: { ids: [...selected], comment: comment.trim() || undefined } });
    setSelected(new Set());
    setComment('');
    list.reload();
    return r;
  });
  const toggle = (id: number) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const set = (patch: Partial<AlertListQuery>) => { setQ({ ...q, ...patch }); setLive(new Map()); };

  return (
    <section class="alerts-page">
      <div class="page-head"><h1>{t('alerts.title')}</h1><span class="muted" data-testid="alerts-count">{t('alerts.count', { total: rows.length + beyond })}</span>
        {beyond > 0 && <span class="muted small" data-testid="alerts-shown">{t('alerts.shown', { shown: fmtNumber(lang, rows.length, 0) })}</span>}</div>
      <div class="card filters">
        <select data-testid="alerts-filter-state" value={q.state} onChange={(e) => set({ state: e.currentTarget.value as AlertListQuery['state'] })}>
          {(['open', 'firing', 'pending', 'acknowledged', 'resolved', 'all'] as const).map((s) => <option key={s} value={s}>{t(`alerts.state.${s}`)}</option>)}
        </select>
        <select data-testid="alerts-filter-severity" value={q.severity ?? ''} onChange={(e) => set({ severity: (e.currentTarget.value || undefined) as AlertListQuery['severity'] })}>
          <option value="">{t('alerts.severity.all')}</option>
          {SEVERITIES.map((s) => <option key={s} value={s}>{t(`alerts.severity.${s}`)}</option>)}
        </select>
        <select data-testid="alerts-filter-rule" value={q.rule ?? ''} onChange={(e) => set({ rule: (e.currentTarget.value || undefined) as AlertListQuery['rule'] })}>
          <option value="">{t('alerts.rule.all')}</option>
          {RULE_IDS.map((r) => <option key={r} value={r}>{ruleLabel(r, lang)}</option>)}
        </select>
        <select data-testid="alerts-filter-school" value={q.schoolId ?? ''} onChange={(e) => set({ schoolId: Number(e.currentTarget.value) || undefined, roomId: undefined })}>
          <option value="">{t('alerts.school.all')}</option>
          {hierarchy?.schools.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
        <select data-testid="alerts-filter-room" value={q.roomId ?? ''} disabled={!q.schoolId} onChange={(e) => set({ roomId: Number(e.currentTarget.value) || undefined })}>
          <option value="">{t('alerts.room.all')}</option>
          {hierarchy?.rooms.filter((r) => r.schoolId === q.schoolId).map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
        </select>
        <select data-testid="alerts-filter-kind" value={q.kind ?? ''} onChange={(e) => set({ kind: e.currentTarget.value || undefined })}>
          <option value="">{t('alerts.kind.all')}</option>
          {kinds?.map((k) => <option key={k.kind} value={k.kind}>{kindLabel(kinds, k.kind, lang)}</option>)}
        </select>
      </div>
      {p.me.permissions.actOnAlerts && selected.size > 0 && (
        <div class="card filters" data-testid="alerts-bulk">
          <input data-testid="alerts-bulk-comment" placeholder={t('alerts.comment')} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          <button type="button" data-testid="alerts-bulk-ack" disabled={ack.busy} onClick={() => void ack.run()}>{t('alerts.ackSelected', { n: selected.size })}</button>
        </div>
      )}
      <ErrorLine message={list.error || ack.error} testid="alerts-error" />
      <div class="card">
        {!list.data && !list.error && <Loading inline />}
        {list.data && rows.length === 0 && <p class="muted empty">{t('alerts.empty')}</p>}
        <VirtualList testid="alerts-list" items={rows} rowHeight={ROW} height={Math.min(600, Math.max(rows.length, 1) * ROW)} row={(a) => (
          <div class="alert-row" data-testid="alert-row" data-id={a.id} data-state={a.state} data-severity={a.severity}
            style={{ display: 'flex', gap: '0.75rem', alignItems: 'center', height: `${ROW}px`, borderBottom: '1px solid #eee' }}>
            {p.me.permissions.actOnAlerts && <input type="checkbox" data-testid="alert-select" checked={selected.has(a.id)} onChange={() => toggle(a.id)} />}
            <span class={`badge ${a.severity}`}>{t(`alerts.severity.${a.severity}`)}</span>
            <Link to={`/alerts/${a.id}`} testid="alert-open"><strong>{ruleLabel(a.rule, lang)}</strong></Link>
            <span>{a.deviceName}</span>
            <span class="muted">{a.roomName} · {a.schoolName}</span>
            <span>{a.value === null ? '' : fmtNumber(lang, a.value)}</span>
            <span class="muted small">{t('alerts.since')} {fmtDateTime(lang, a.startedAt)}</span>
            <span data-testid="alert-state">{t(`alerts.state.${a.state}`)}</span>
            {a.ackedBy && <span class="muted small" data-testid="alert-acked">{t('alerts.ackedBy', { who: a.ackedBy })}{a.ackComment ? `: ${a.ackComment}` : ''}</span>}
            {a.silenced && <span class="muted small">{t('alerts.silenced')}</span>}
          </div>
        )} />
      </div>
    </section>
  );
}
