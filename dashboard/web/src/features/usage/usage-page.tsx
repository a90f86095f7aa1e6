import type { Me, UsageReport, UsageRoomRow } from '../../../../../api/index.js';
import { ROOM_TYPES } from '../../../../../api/constants.js';
import { useGet } from '../../hooks/api-query.js';
import { Link } from '../../ui/link.js';
import { UsageBars, UsageHeatmap, UsageWeeks, type BarRow, type DrillLevel } from './usage-charts.js';
import { UsageExport } from './usage-export.js';
import { fmtDay, addDays, type DayWindow } from './usage-format.js';
import { UsageFlagged, UsageGroupTable, UsageLastTerm, UsageRoomsTable, UsageTiles } from './usage-tables.js';
import { UsageWindowPicker } from './usage-window.js';
import { useHierarchy } from '../../data.js';
import { useI18n, type T } from '../../i18n.js';
import { navigate, withQuery } from '../../router.js';
import { Loading } from '../../ui/states.js';

/** The drill-down and the window, as kept in the URL (`to` exclusive, as the API takes it). */
interface UsageParams { districtId?: number | 'so'; schoolId?: number; roomId?: number; from?: string; to?: string }

const posInt = (s: string | null): number | undefined => (s && /^\d+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
function readParams(search: URLSearchParams): UsageParams {
  const d = search.get('districtId');
  return {
    districtId: d === 'so' ? 'so' : posInt(d), schoolId: posInt(search.get('schoolId')), roomId: posInt(search.get('roomId')),
    from: search.get('from') ?? undefined, to: search.get('to') ?? undefined,
  };
}
const href = (p: UsageParams) => withQuery('/usage', { ...p, districtId: p.districtId === undefined ? undefined : String(p.districtId) });

const roomTypeLabel = (t: T, key: string) => ((ROOM_TYPES as readonly string[]).includes(key) ? t(`place.roomType.${key as (typeof ROOM_TYPES)[number]}`) : key);

/**
 * Room usage for planners (every role, within scope): a window, a drill-down province → district → school → room
 * kept in the URL, headline tiles, last term, the next level's bars, heatmap, weekly trend, flagged rooms, the rooms
 * table and the exports.
 */
export function UsagePage(p: { me: Me; search: URLSearchParams }) {
  const { t } = useI18n();
  const hierarchy = useHierarchy();
  const params = readParams(p.search);
  // While another window or level loads, the previous report stays on screen, dimmed.
  const q = useGet('/api/usage', { query: { from: params.from, to: params.to, districtId: params.districtId, schoolId: params.schoolId, roomId: params.roomId } }, { keepPrevious: true });
  const report = q.data ?? null;

  const go = (next: UsageParams) => navigate(href({ from: params.from, to: params.to, ...next }));
  // Names of the levels: from the hierarchy, else from the report (a room without devices is not in the report).
  const school = params.schoolId !== undefined ? hierarchy?.schools.find((s) => s.id === params.schoolId) : undefined;
  const districtId = params.districtId ?? (school ? (school.districtId ?? 'so') : undefined);
  const districtName = districtId === 'so' ? t('usage.underSo')
    : hierarchy?.districts.find((d) => d.id === districtId)?.name ?? report?.districts.find((d) => d.key === String(districtId))?.name ?? `#${districtId}`;
  const schoolName = school?.name ?? report?.schools.find((s) => s.key === String(params.schoolId))?.name ?? `#${params.schoolId}`;
  const roomName = hierarchy?.rooms.find((r) => r.id === params.roomId)?.name ?? report?.rooms.find((r) => r.roomId === params.roomId)?.roomName ?? `#${params.roomId}`;

  const openRoom = (r: UsageRoomRow) => go({ districtId: r.districtId ?? 'so', schoolId: r.schoolId, roomId: r.roomId });
  const crumbs: { label: string; to: UsageParams | null }[] = [{ label: report?.scoped ? t('usage.scope') : t('usage.province'), to: {} }];
  if (districtId !== undefined) crumbs.push({ label: districtName, to: { districtId } });
  if (params.schoolId !== undefined) crumbs.push({ label: schoolName, to: { districtId, schoolId: params.schoolId } });
  if (params.roomId !== undefined) crumbs.push({ label: roomName, to: { districtId, schoolId: params.schoolId, roomId: params.roomId } });
  crumbs[crumbs.length - 1]!.to = null;

  const window: DayWindow | null = report ? { from: report.from, to: report.to } : params.from && params.to ? { from: params.from, to: params.to } : null;

  return (
    <section class="usage-page">
      <div class="page-head">
        <h1>{t('usage.title')}</h1>
        {report && <UsageExport scope={{ from: report.from, to: report.to, districtId: params.districtId, schoolId: params.schoolId, roomId: params.roomId }} />}
      </div>
      <nav class="usage-breadcrumb" data-testid="usage-breadcrumb" aria-label="breadcrumb">
        {crumbs.map((c, i) => (
          <span key={i} class="usage-crumb">
            {i > 0 && <span class="usage-crumb-sep" aria-hidden="true">›</span>}
            {c.to ? <Link to={href({ from: params.from, to: params.to, ...c.to })} testid={`usage-crumb-${i}`}>{c.label}</Link>
              : <b data-testid={`usage-crumb-${i}`}>{c.label}</b>}
          </span>
        ))}
        {params.schoolId !== undefined && (
          <Link to={withQuery('/timetable', { schoolId: params.schoolId })} class="usage-timetable-link" testid="usage-timetable-link">{t('usage.timetableLink')} ›</Link>
        )}
      </nav>
      <UsageWindowPicker window={window} schoolId={params.schoolId} onChange={(w) => navigate(href({ ...params, ...w }))} />
      {q.error && <p class="error" data-testid="usage-error">{q.status === 403 ? t('common.forbidden') : t('common.error', { message: q.error })}</p>}
      {!report && !q.error && <Loading label="usage.loading" />}
      {report && <UsageBody report={report} params={params} loading={q.loading} go={go} openRoom={openRoom} />}
    </section>
  );
}

function UsageBody(p: { report: UsageReport; params: UsageParams; loading: boolean; go: (n: UsageParams) => void; openRoom: (r: UsageRoomRow) => void }) {
  const { t } = useI18n();
  const { report, params } = p;
  const next = nextLevel(t, report, params);
  const districtId = params.districtId;
  const pick = (id: string) => {
    if (next.level === 'district') p.go({ districtId: id === 'so' ? 'so' : Number(id) });
    else if (next.level === 'school') p.go({ districtId, schoolId: Number(id) });
    else { const r = report.rooms.find((x) => String(x.roomId) === id); if (r) p.openRoom(r); }
  };
  return (
    <div class={p.loading ? 'usage-stale' : ''} data-testid="usage-report" data-from={report.from} data-to={report.to}>
      <p class="muted small usage-window-note">{fmtDay(report.from)} – {fmtDay(addDays(report.to, -1))}</p>
      <UsageTiles report={report} />
      <UsageFlagged report={report} onRoom={p.openRoom} />
      <div class="grid-2 usage-grid">
        <div class="card">
          <h2>{t('usage.lastTermTitle')}</h2>
          <UsageLastTerm report={report} />
        </div>
        <div class="card">
          <h2>{t('usage.weeks')}</h2>
          <UsageWeeks weeks={report.weeks} />
        </div>
      </div>
      {params.roomId === undefined && (
        <div class="card">
          <h2>{t(`usage.bars.${next.level}`)}</h2>
          <p class="muted small">{t('usage.bars.hint')}</p>
          <UsageBars level={next.level} rows={next.rows} onPick={pick} />
        </div>
      )}
      <h2>{t('usage.heatmap')}</h2>
      <div class="card"><UsageHeatmap cells={report.heatmap} /></div>
      {params.roomId === undefined && report.roomTypes.length > 0 && (
        <>
          <h2>{t('usage.roomTypes')}</h2>
          <UsageGroupTable rows={report.roomTypes} label={(g) => roomTypeLabel(t, g.key)} testid="usage-room-types" />
        </>
      )}
      <h2>{t('usage.rooms')}</h2>
      <UsageRoomsTable report={report} onRoom={p.openRoom} showSchool={params.schoolId === undefined} />
      <p class="muted small usage-definition">{t('usage.definition')}</p>
    </div>
  );
}

/** The level below the one on screen and its bars: districts of the province, schools of a district, rooms of a school. */
function nextLevel(t: T, r: UsageReport, params: UsageParams): { level: DrillLevel; rows: BarRow[] } {
  if (params.schoolId !== undefined || params.roomId !== undefined) {
    return { level: 'room', rows: r.rooms.map((x) => ({ id: String(x.roomId), label: x.roomName, share: x.figures.timeUtilisation, coverage: x.figures.coverage, sub: roomTypeLabel(t, x.roomType) })) };
  }
  if (params.districtId !== undefined) {
    return { level: 'school', rows: r.schools.map((s) => ({ id: s.key, label: s.name, share: s.figures.timeUtilisation, coverage: s.figures.coverage })) };
  }
  return { level: 'district', rows: r.districts.map((d) => ({ id: d.key, label: d.key === 'so' ? t('usage.underSo') : d.name, share: d.figures.timeUtilisation, coverage: d.figures.coverage })) };
}
