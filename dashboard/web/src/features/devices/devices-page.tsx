import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DeviceRow, StateFilter } from '../../../../../api/index.js';
import { DEVICE_STATES } from '../../../../../api/constants.js';
import { ProblemTags, StateBadge } from '../../ui/badges.js';
import { Link } from '../../ui/link.js';
import { kindLabel, useHierarchy, useKinds } from '../../data.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { useGet } from '../../hooks/api-query.js';
import { useLiveRows } from '../../hooks/live-rows.js';
import { navigate, withQuery } from '../../router.js';
import { Pager } from '../../ui/pager.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';
import { EdgeViaLabel } from '../edges/edge-via.js';

const PAGE = 50;
type Filters = Record<'q' | 'schoolId' | 'roomId' | 'kind' | 'state', string>;

function readFilters(search: URLSearchParams): Filters {
  return { q: search.get('q') ?? '', schoolId: search.get('schoolId') ?? '', roomId: search.get('roomId') ?? '', kind: search.get('kind') ?? '', state: search.get('state') ?? '' };
}

/** The paged device list: filters live in the URL, paging is on the server, visible rows update from live batches. */
export function DevicesPage(p: { search: URLSearchParams }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const hierarchy = useHierarchy();
  const filters = readFilters(p.search);
  const offset = Math.max(0, Number(p.search.get('offset') ?? 0) || 0);
  const [text, setText] = useState(filters.q);
  const num = (v: string) => (v ? Number(v) : undefined);
  const list = useGet('/api/devices', {
    query: { q: filters.q || undefined, schoolId: num(filters.schoolId), roomId: num(filters.roomId), kind: filters.kind || undefined, state: (filters.state || undefined) as StateFilter | undefined, limit: PAGE, offset },
  }, { keepPrevious: true });
  const data = list.data ?? null;
  const error = list.error;

  const update = (change: Partial<Filters> & { offset?: number }) => {
    const next = { ...filters, ...change };
    navigate(withQuery('/devices', { ...next, offset: change.offset || undefined }), true);
  };

  // Search as one types, a moment after the last key.
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => update({ q: text, offset: 0 }), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const rooms = useMemo(() => (hierarchy?.rooms ?? []).filter((r) => !filters.schoolId || String(r.schoolId) === filters.schoolId), [hierarchy, filters.schoolId]);
  const columns: Column<DeviceRow>[] = [
    { head: t('devices.name'), cell: (d) => <><Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</Link><div class="muted small">{d.id}</div><EdgeViaLabel edge={d.edge} testid={`device-edge-${d.id}`} /></> },
    { head: t('devices.kind'), cell: (d) => kindLabel(kinds, d.kind, lang) },
    { head: t('devices.school'), cell: (d) => d.schoolName },
    { head: t('devices.room'), cell: (d) => d.roomName },
    { head: t('devices.state'), cell: (d) => <StateBadge state={d.state} testid={`device-state-${d.id}`} /> },
    // Behind an active edge, the last seen is the edge's word and may lag: the tooltip says so.
    { head: t('devices.lastSeen'), cell: (d) => <span title={d.edge?.revokedAt === null ? t('edges.via.hint') : undefined}>{fmtDateTime(lang, d.lastSeen)}</span>, class: 'nowrap' },
    { head: t('devices.problems'), cell: (d) => <ProblemTags problems={d.problems} /> },
  ];
  // Live batches between two reads: the newest view of each device, laid over the rows the server sent.
  const rows = useLiveRows(data?.devices);

  return (
    <section>
      <div class="page-head"><h1>{t('devices.title')}</h1></div>
      <div class="card filters">
        <input class="search" type="search" data-testid="device-search" placeholder={t('devices.search')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <select data-testid="filter-school" value={filters.schoolId} onChange={(e) => update({ schoolId: e.currentTarget.value, roomId: '', offset: 0 })}>
          <option value="">{t('devices.allSchools')}</option>
          {hierarchy?.schools.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
        </select>
        <select data-testid="filter-room" value={filters.roomId} onChange={(e) => update({ roomId: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('devices.allRooms')}</option>
          {rooms.map((r) => <option key={r.id} value={String(r.id)}>{r.name}</option>)}
        </select>
        <select data-testid="filter-kind" value={filters.kind} onChange={(e) => update({ kind: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('devices.allKinds')}</option>
          {kinds?.map((k) => <option key={k.kind} value={k.kind}>{k.label[lang]}</option>)}
        </select>
        <select data-testid="filter-state" value={filters.state} onChange={(e) => update({ state: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('devices.allStates')}</option>
          {DEVICE_STATES.map((s) => <option key={s} value={s}>{t(`state.${s}`)}</option>)}
          <option value="problem">{t('devices.stateProblem')}</option>
        </select>
      </div>
      <ErrorLine message={error} />
      <div class="card table-wrap">
        <Table testid="device-table" rows={rows} columns={columns} rowKey={(d) => d.id} rowTestid={(d) => `device-row-${d.id}`} />
        {data && data.devices.length === 0 && <Empty>{t('devices.empty')}</Empty>}
        {!data && !error && <Loading inline />}
      </div>
      {data && <Pager offset={offset} shown={data.devices.length} total={data.total} pageSize={PAGE} onOffset={(o) => update({ offset: o })} />}
    </section>
  );
}
