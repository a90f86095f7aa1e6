import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { DeviceListResponse, LiveView } from '../../../../api/index.js';
import { DEVICE_STATES } from '../../../../api/index.js';
import { api, query } from '../api.js';
import { ProblemTags, StateBadge } from '../components/badges.js';
import { Link } from '../components/link.js';
import { kindLabel, useHierarchy, useKinds } from '../data.js';
import { fmtDateTime, fmtNumber, useI18n } from '../i18n.js';
import { useLiveBatches } from '../live.js';
import { navigate } from '../router.js';

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
  const [data, setData] = useState<DeviceListResponse | null>(null);
  const [error, setError] = useState('');
  const key = query({ ...filters, offset: offset || undefined });

  const update = (change: Partial<Filters> & { offset?: number }) => {
    const next = { ...filters, ...change };
    navigate('/devices' + query({ ...next, offset: change.offset || undefined }), true);
  };

  // Search as one types, a moment after the last key.
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => update({ q: text, offset: 0 }), 300);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    const ctl = new AbortController();
    api<DeviceListResponse>('/api/devices' + query({ ...filters, limit: PAGE, offset }), { signal: ctl.signal })
      .then((d) => { setData(d); setError(''); }, (e: Error) => { if (e.name !== 'AbortError') setError(e.message); });
    return () => ctl.abort();
  }, [key]);

  useLiveBatches(useCallback((batch: LiveView[]) => {
    setData((d) => {
      if (!d) return d;
      const byId = new Map(batch.map((v) => [v.id, v]));
      if (!d.devices.some((row) => byId.has(row.id))) return d;
      return { ...d, devices: d.devices.map((row) => { const v = byId.get(row.id); return v ? { ...row, ...v } : row; }) };
    });
  }, []));

  const rooms = useMemo(() => (hierarchy?.rooms ?? []).filter((r) => !filters.schoolId || String(r.schoolId) === filters.schoolId), [hierarchy, filters.schoolId]);
  const n = (x: number) => fmtNumber(lang, x);

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
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      <div class="card table-wrap">
        <table data-testid="device-table">
          <thead>
            <tr>
              <th>{t('devices.name')}</th>
              <th>{t('devices.kind')}</th>
              <th>{t('devices.school')}</th>
              <th>{t('devices.room')}</th>
              <th>{t('devices.state')}</th>
              <th>{t('devices.lastSeen')}</th>
              <th>{t('devices.problems')}</th>
            </tr>
          </thead>
          <tbody>
            {data?.devices.map((d) => (
              <tr key={d.id} data-testid={`device-row-${d.id}`}>
                <td><Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</Link><div class="muted small">{d.id}</div></td>
                <td>{kindLabel(kinds, d.kind, lang)}</td>
                <td>{d.schoolName}</td>
                <td>{d.roomName}</td>
                <td><StateBadge state={d.state} testid={`device-state-${d.id}`} /></td>
                <td class="nowrap">{fmtDateTime(lang, d.lastSeen)}</td>
                <td><ProblemTags problems={d.problems} /></td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.devices.length === 0 && <p class="muted empty">{t('devices.empty')}</p>}
        {!data && !error && <p class="muted empty">{t('devices.loading')}</p>}
      </div>
      {data && data.total > 0 && (
        <div class="pager">
          <button data-testid="page-prev" disabled={offset === 0} onClick={() => update({ offset: Math.max(0, offset - PAGE) })}>{t('devices.prev')}</button>
          <span data-testid="pagination-info">{t('devices.page', { from: n(offset + 1), to: n(Math.min(data.total, offset + data.devices.length)), total: data.total })}</span>
          <button data-testid="page-next" disabled={offset + PAGE >= data.total} onClick={() => update({ offset: offset + PAGE })}>{t('devices.next')}</button>
        </div>
      )}
    </section>
  );
}
