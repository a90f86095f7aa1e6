import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, Me } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { actionLabel, AUDIT_ENTITIES, detailJson, entityLabel } from './audit-labels.js';
import { Link } from '../../ui/link.js';
import { Pager } from '../../ui/pager.js';
import { ErrorLine, Loading } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';
import { treeUrl, type Level } from '../tree/tree-model.js';
import { fmtDateTime, useI18n } from '../../i18n.js';

const PAGE = 100;
const PLACES: readonly string[] = ['district', 'school', 'site', 'room'];

/** The audit log (admins), newest first: filter by subject, subject id and user; 100 entries a page. */
export function AuditPage(_p: { me: Me }) {
  const { lang, t } = useI18n();
  const [entity, setEntity] = useState('');
  const [entityId, setEntityId] = useState('');
  const [user, setUser] = useState('');
  // The text boxes filter a moment after the last key.
  const [typed, setTyped] = useState({ entityId: '', user: '' });
  const [offset, setOffset] = useState(0);
  // Only names for the filter and user ids: the log works without them.
  const users = useGet('/api/users', {}).data ?? [];

  useEffect(() => {
    if (typed.entityId === entityId && typed.user === user) return;
    const timer = setTimeout(() => { setEntityId(typed.entityId); setUser(typed.user); setOffset(0); }, 300);
    return () => clearTimeout(timer);
  }, [typed]);

  const q = useGet('/api/audit', { query: { entity: entity || undefined, entityId: entityId.trim() || undefined, byUser: user.trim() || undefined, limit: PAGE, offset } });
  const data = q.data ?? null;
  const error = q.error;

  const clear = () => { setEntity(''); setEntityId(''); setUser(''); setTyped({ entityId: '', user: '' }); setOffset(0); };
  const usernames = new Map(users.map((u) => [String(u.id), u.username]));

  const detail = (e: AuditEntry) => {
    const d = detailJson(e.detail);
    return d.cut ? <details><summary><code>{d.short}</code></summary><pre>{JSON.stringify(e.detail, null, 2)}</pre></details> : <code>{d.short}</code>;
  };
  const subject = (e: AuditEntry) => {
    if (e.entity === 'device') return <Link to={`/devices/${encodeURIComponent(e.entityId)}`}>{e.entityId}</Link>;
    const id = Number(e.entityId);
    if (PLACES.includes(e.entity) && Number.isInteger(id)) return <Link to={treeUrl({ level: e.entity as Level, id }, true)}>#{e.entityId}</Link>;
    if (e.entity === 'user') return <span>{usernames.get(e.entityId) ?? `#${e.entityId}`}</span>;
    return <span>{e.entityId}</span>;
  };

  // Keyed by position: entries have no id of their own, and a page is replaced whole.
  const rows = (data?.entries ?? []).map((e, i) => ({ key: offset + i, e }));
  const columns: Column<(typeof rows)[number]>[] = [
    { head: t('audit.at'), class: 'nowrap', cell: ({ e }) => fmtDateTime(lang, e.at) },
    { head: t('audit.user'), cell: ({ e }) => e.byUser },
    { head: t('audit.action'), cell: ({ e }) => <span title={e.action}>{actionLabel(t, e.action)}</span> },
    { head: t('audit.entity'), class: 'nowrap', cell: ({ e }) => <><span class="muted small">{entityLabel(t, e.entity)}</span> {subject(e)}</> },
    { head: t('audit.detail'), class: 'audit-detail', cell: ({ e }) => detail(e) },
  ];

  return (
    <section class="audit-page">
      <div class="page-head"><h1>{t('audit.title')}</h1></div>
      <div class="card filters">
        <select data-testid="audit-filter-entity" value={entity} aria-label={t('audit.entity')} onChange={(e) => { setEntity(e.currentTarget.value); setOffset(0); }}>
          <option value="">{t('audit.allEntities')}</option>
          {AUDIT_ENTITIES.map((x) => <option key={x} value={x}>{entityLabel(t, x)}</option>)}
        </select>
        <input type="search" data-testid="audit-filter-entity-id" placeholder={t('audit.entityId')} aria-label={t('audit.entityId')} value={typed.entityId}
          onInput={(e) => setTyped({ ...typed, entityId: e.currentTarget.value })} />
        <input type="search" data-testid="audit-filter-user" list="audit-users" placeholder={t('audit.filterUser')} aria-label={t('audit.user')} value={typed.user}
          onInput={(e) => setTyped({ ...typed, user: e.currentTarget.value })} />
        <datalist id="audit-users">{users.map((u) => <option key={u.id} value={u.username}>{u.displayName}</option>)}</datalist>
        {(entity || typed.entityId || typed.user) && <button type="button" data-testid="audit-clear" onClick={clear}>{t('audit.clear')}</button>}
      </div>
      <ErrorLine message={error} testid="audit-error" />
      <div class="card table-wrap">
        <Table testid="audit-table" rows={rows} columns={columns} rowKey={(r) => r.key} rowTestid={() => 'audit-row'}
          rowData={(r) => ({ 'data-action': r.e.action, 'data-entity': r.e.entity })} />
        {data && data.entries.length === 0 && <p class="muted empty">{t('audit.empty')}</p>}
        {!data && !error && <Loading inline />}
      </div>
      {data && <Pager offset={offset} shown={data.entries.length} total={data.total} pageSize={PAGE} label="audit.page" testids="audit" onOffset={setOffset} />}
    </section>
  );
}
