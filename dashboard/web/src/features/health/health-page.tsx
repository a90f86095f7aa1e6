import type { DeviceHealthView, HealthRollup, HealthSummaryQuery } from '../../../../../api/index.js';
import { HEALTH_LEVELS, type HealthLevel } from '../../../../../domain/index.js';
import { kindLabel, useHierarchy, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { navigate, withQuery } from '../../router.js';
import { Link } from '../../ui/link.js';
import { Pager } from '../../ui/pager.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';
import { LevelBadge, PresenceCell, Reasons, useLiveHealth } from './health-parts.js';

const PAGE = 50;
/** Rollups are counts over the whole scope: read again now and then, the list below is what moves live. */
const SUMMARY_POLL_MS = 15_000;
type At = HealthSummaryQuery['level'];
const KEYS = ['at', 'parent', 'districtId', 'schoolId', 'siteId', 'roomId', 'kind', 'level'] as const;
type Filters = Record<(typeof KEYS)[number], string>;

const readFilters = (search: URLSearchParams): Filters => Object.fromEntries(KEYS.map((k) => [k, search.get(k) ?? ''])) as Filters;
const num = (v: string) => (v ? Number(v) : undefined);

/**
 * "Sức khỏe thiết bị", the technician's first screen: the rollup of the user's places (click to drill down district →
 * school → site → room), then every device worst first, live. Filters and the drill-down live in the URL.
 */
export function HealthPage(p: { search: URLSearchParams }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const hierarchy = useHierarchy();
  const f = readFilters(p.search);
  const offset = Math.max(0, Number(p.search.get('offset') ?? 0) || 0);
  const top: At = (hierarchy?.districts.length ?? 0) > 1 ? 'district' : 'school';
  const at = (f.at || top) as At;
  const update = (change: Partial<Filters> & { offset?: number }) => navigate(withQuery('/health', { ...f, ...change, offset: change.offset || undefined }), true);

  const summary = useGet('/api/health/summary', { query: { level: at, parentId: num(f.parent) } }, { keepPrevious: true, pollMs: SUMMARY_POLL_MS });
  const list = useGet('/api/health/devices', {
    query: {
      districtId: num(f.districtId), schoolId: num(f.schoolId), siteId: num(f.siteId), roomId: num(f.roomId), kind: f.kind || undefined,
      level: (f.level || undefined) as HealthLevel | undefined, limit: PAGE, offset,
    },
  }, { keepPrevious: true });
  const rows = useLiveHealth(list.data?.devices, list.reload);

  const drill = (place: HealthRollup) => {
    if (at === 'district') update({ at: 'school', parent: String(place.id), districtId: place.id ? String(place.id) : '', offset: 0 });
    else if (at === 'school') update({ at: 'site', parent: String(place.id), schoolId: String(place.id), roomId: '', offset: 0 });
    else if (at === 'site') update({ at: 'room', parent: String(place.id), siteId: String(place.id), offset: 0 });
    else navigate(`/rooms/${place.id}`);
  };
  const up = () => {
    if (at === 'room') update({ at: 'site', parent: f.schoolId, siteId: '', offset: 0 });
    else if (at === 'site') {
      const district = hierarchy?.schools.find((s) => String(s.id) === f.schoolId)?.districtId;
      update({ at: 'school', parent: f.districtId || (top === 'district' && district ? String(district) : ''), schoolId: '', roomId: '', offset: 0 });
    } else update({ at: top, parent: '', districtId: '', offset: 0 });
  };
  const rooms = (hierarchy?.rooms ?? []).filter((r) => !f.schoolId || String(r.schoolId) === f.schoolId);

  const columns: Column<DeviceHealthView>[] = [
    { head: t('health.col.level'), cell: (d) => <LevelBadge level={d.level} testid={`health-level-${d.id}`} /> },
    { head: t('health.col.device'), cell: (d) => <><Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</Link><div class="muted small">{kindLabel(kinds, d.kind, lang)} · {d.id}</div></> },
    { head: t('health.col.reasons'), cell: (d) => <Reasons reasons={d.reasons} /> },
    { head: t('health.col.place'), cell: (d) => <>{d.schoolName}<div class="small"><Link to={`/rooms/${d.roomId}`} testid={`health-room-${d.id}`}>{d.roomName}</Link></div></> },
    { head: t('health.col.presence'), cell: (d) => <PresenceCell presence={d.presence} since={d.presenceSince} /> },
    { head: t('health.col.alerts'), cell: (d) => (d.openAlerts ? fmtNumber(lang, d.openAlerts) : ''), class: 'num' },
  ];

  return (
    <section>
      <div class="page-head"><h1>{t('health.title')}</h1></div>
      <div class="card">
        <div class="health-places-head">
          <h2>{t(`health.places.${at}`)}</h2>
          {(at !== top || f.parent) && <button class="link-button" data-testid="health-up" onClick={up}>{t('health.up')}</button>}
        </div>
        <ErrorLine message={summary.error} />
        {!summary.data && !summary.error && <Loading inline />}
        {summary.data?.places.length === 0 && <Empty>{t('health.noPlaces')}</Empty>}
        <div class="health-cards" data-testid="health-places">
          {summary.data?.places.map((pl) => (
            <button key={pl.id} class={`health-card level-${pl.level}`} data-testid={`health-place-${pl.id}`} data-level={pl.level} onClick={() => drill(pl)}>
              <b>{pl.name || t('health.underSo')}</b>
              <span class="muted small">{t('health.devicesOf', { devices: pl.devices })}</span>
              <span class="health-counts">
                {(['critical', 'warning', 'offline', 'ok'] as const).map((k) => (
                  <span key={k} class={`count count-${k}`} title={t(`health.count.${k}`)}>{t(`health.count.${k}`)}: <b>{fmtNumber(lang, pl[k])}</b></span>
                ))}
              </span>
            </button>
          ))}
        </div>
      </div>
      <div class="card filters">
        <select data-testid="health-filter-school" value={f.schoolId} onChange={(e) => update({ schoolId: e.currentTarget.value, siteId: '', roomId: '', offset: 0 })}>
          <option value="">{t('devices.allSchools')}</option>
          {hierarchy?.schools.map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
        </select>
        <select data-testid="health-filter-room" value={f.roomId} onChange={(e) => update({ roomId: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('devices.allRooms')}</option>
          {rooms.map((r) => <option key={r.id} value={String(r.id)}>{r.name}</option>)}
        </select>
        <select data-testid="health-filter-kind" value={f.kind} onChange={(e) => update({ kind: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('devices.allKinds')}</option>
          {kinds?.map((k) => <option key={k.kind} value={k.kind}>{k.label[lang]}</option>)}
        </select>
        <select data-testid="health-filter-level" value={f.level} onChange={(e) => update({ level: e.currentTarget.value, offset: 0 })}>
          <option value="">{t('health.allLevels')}</option>
          {HEALTH_LEVELS.filter((l) => l !== 'ok').map((l) => <option key={l} value={l}>{t(`health.level.${l}`)}</option>)}
        </select>
      </div>
      <ErrorLine message={list.error} />
      <div class="card table-wrap">
        <Table testid="health-table" rows={rows} columns={columns} rowKey={(d) => d.id} rowTestid={(d) => `health-row-${d.id}`} rowData={(d) => ({ 'data-level': d.level })} />
        {list.data && list.data.devices.length === 0 && <Empty>{t('health.empty')}</Empty>}
        {!list.data && !list.error && <Loading inline />}
      </div>
      {list.data && <Pager offset={offset} shown={list.data.devices.length} total={list.data.total} pageSize={PAGE} testids="health" onOffset={(o) => update({ offset: o })} />}
    </section>
  );
}
