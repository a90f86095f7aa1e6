/** The usage report's figures as tiles and tables: headline tiles, last term, flagged rooms, room types, rooms. */
import type { RoomUsageStatus, UsageFigures, UsageGroupRow, UsageReport, UsageRoomRow } from '../../../../../api/index.js';
import { kindLabel, useKinds } from '../../data.js';
import { fmtNumber, useI18n, type MessageKey } from '../../i18n.js';
import { fmtDay, fmtHours, fmtPct, fmtVnd, addDays } from './usage-format.js';

export function StatusBadge(p: { status: RoomUsageStatus; testid?: string }) {
  const { t } = useI18n();
  return <span class={`badge usage-status-${p.status}`} data-testid={p.testid} data-status={p.status}>{t(`usage.status.${p.status}`)}</span>;
}

function Tile(p: { testid: string; label: string; value: string; sub: string; tone?: 'ok' | 'warn' | 'muted' }) {
  return (
    <div class={`card stat ${p.tone ?? ''}`} data-testid={p.testid}>
      <span class="stat-label">{p.label}</span>
      <span class="stat-value">{p.value}</span>
      <span class="muted small">{p.sub}</span>
    </div>
  );
}

/** The headline figures of the level on screen, coverage among them. */
export function UsageTiles(p: { report: UsageReport }) {
  const { lang, t } = useI18n();
  const g = p.report.total;
  const f = g.figures;
  const h = (x: number) => fmtHours(lang, x);
  const flagTo = fmtDay(addDays(p.report.flagged.window.to, -1));
  return (
    <div class="cards usage-tiles" data-testid="usage-tiles">
      <Tile testid="usage-time-util" label={t('usage.tile.time')} value={fmtPct(lang, f.timeUtilisation)}
        sub={t('usage.tile.timeSub', { used: h(f.usedHours), timetabled: h(f.timetabledHours) })} />
      <Tile testid="usage-coverage" label={t('usage.tile.coverage')} value={fmtPct(lang, f.coverage)}
        sub={t('usage.tile.coverageSub', { covered: h(f.coveredHours), timetabled: h(f.timetabledHours) })} tone={p.report.flagged.noData.length ? 'warn' : 'muted'} />
      <Tile testid="usage-period-util" label={t('usage.tile.period')} value={fmtPct(lang, f.periodUtilisation)}
        sub={t('usage.tile.periodSub', { used: fmtNumber(lang, f.periodsUsed, 0), periods: fmtNumber(lang, f.periodsCovered, 0) })
          + (f.periodsUncovered ? ` · ${t('usage.periodsUncovered', { n: fmtNumber(lang, f.periodsUncovered, 0) })}` : '')} />
      <Tile testid="usage-outside" label={t('usage.tile.outside')} value={t('usage.hours', { n: h(f.outsideHours) })} sub={t('usage.tile.outsideSub')} tone="muted" />
      <Tile testid="usage-underused-count" label={t('usage.tile.underused')} value={fmtNumber(lang, p.report.flagged.underused.length, 0)}
        sub={`${t('usage.tile.flagSub', { to: flagTo })} · ${t('usage.tile.rooms', { rooms: fmtNumber(lang, g.rooms, 0) })}`} tone="warn" />
      <Tile testid="usage-saturated-count" label={t('usage.tile.saturated')} value={fmtNumber(lang, p.report.flagged.saturated.length, 0)}
        sub={t('usage.tile.flagSub', { to: flagTo })} tone="warn" />
      <Tile testid="usage-cost-per-hour" label={t('usage.tile.cost')} value={fmtVnd(lang, g.costPerUsedHourVnd)}
        sub={t('usage.tile.costSub', { cost: fmtVnd(lang, g.annualCostVnd) })} tone="ok" />
    </div>
  );
}

/** This window beside the same stretch of last term: time and period utilisation, hours outside. */
export function UsageLastTerm(p: { report: UsageReport }) {
  const { lang, t } = useI18n();
  const last = p.report.lastTerm;
  if (!last) return <p class="muted" data-testid="usage-last-term">{t('usage.lastTermNone')}</p>;
  const now = p.report.total.figures;
  const delta = (a: number | null, b: number | null) => {
    if (a === null || b === null) return '—';
    const d = (a - b) * 100;
    return t('usage.points', { sign: d > 0 ? '+' : d < 0 ? '−' : '±', n: fmtNumber(lang, Math.abs(d), 1) });
  };
  const row = (key: MessageKey, get: (f: UsageFigures) => number | null, fmt: (x: number | null) => string, pts: boolean) => (
    <tr>
      <th scope="row">{t(key)}</th>
      <td class="num">{fmt(get(now))}</td>
      <td class="num">{fmt(get(last.figures))}</td>
      <td class="num">{pts ? delta(get(now), get(last.figures)) : '—'}</td>
    </tr>
  );
  return (
    <div class="usage-compare-wrap" data-testid="usage-last-term">
      <table class="usage-compare">
        <caption>{t('usage.lastTerm', { from: fmtDay(last.from), to: fmtDay(addDays(last.to, -1)) })}</caption>
        <thead><tr><th /><th class="num">{t('usage.now')}</th><th class="num">{t('usage.then')}</th><th class="num">{t('usage.change')}</th></tr></thead>
        <tbody>
          {row('usage.tile.time', (f) => f.timeUtilisation, (x) => fmtPct(lang, x), true)}
          {row('usage.tile.period', (f) => f.periodUtilisation, (x) => fmtPct(lang, x), true)}
          {row('usage.tile.outside', (f) => f.outsideHours, (x) => (x === null ? '—' : fmtHours(lang, x)), false)}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Rooms flagged underused or saturated over the 8 weeks before the window's end, listed by name; and apart, the
 * rooms with too little data to judge.
 */
export function UsageFlagged(p: { report: UsageReport; onRoom: (r: UsageRoomRow) => void }) {
  const { lang, t } = useI18n();
  const byId = new Map(p.report.rooms.map((r) => [r.roomId, r]));
  const { underused, saturated, noData, window } = p.report.flagged;
  const title = (kind: 'underused' | 'saturated' | 'noData') =>
    kind === 'noData' ? t('usage.flagged.noData', { min: fmtPct(lang, p.report.minCoverage) }) : t(`usage.flagged.${kind}`);
  const list = (ids: number[], kind: 'underused' | 'saturated' | 'noData') => (
    <div class={`usage-flag-list ${kind}`} data-testid={`usage-flagged-${kind}`}>
      <h3>{title(kind)} · {fmtNumber(lang, ids.length, 0)}</h3>
      {ids.length === 0 ? <p class="muted small">—</p> : <ul>
        {ids.map((id) => {
          const r = byId.get(id);
          return (
            <li key={id} data-testid={`usage-flag-${id}`}>
              {r ? <button type="button" class="usage-link" onClick={() => p.onRoom(r)}>{r.roomName}</button> : `#${id}`}
              {r && <span class="muted small"> · {r.schoolName} · {kind === 'noData'
                ? `${t('usage.col.coverage')} ${fmtPct(lang, r.figures.coverage)}`
                : t('usage.onCoverage', { util: fmtPct(lang, r.figures.timeUtilisation), coverage: fmtPct(lang, r.figures.coverage) })}</span>}
            </li>
          );
        })}
      </ul>}
    </div>
  );
  return (
    <div class={`card usage-flagged ${underused.length + saturated.length + noData.length ? 'has' : ''}`} data-testid="usage-flagged">
      <h2>{t('usage.flagged', { to: fmtDay(addDays(window.to, -1)) })}</h2>
      {underused.length + saturated.length === 0 ? <p class="muted">{t('usage.flagged.none')}</p> : (
        <div class="grid-2">
          {list(saturated, 'saturated')}
          {list(underused, 'underused')}
        </div>
      )}
      {noData.length > 0 && list(noData, 'noData')}
    </div>
  );
}

/** Groups (room types) with their figures. */
export function UsageGroupTable(p: { rows: UsageGroupRow[]; label: (g: UsageGroupRow) => string; testid: string }) {
  const { lang, t } = useI18n();
  return (
    <div class="card table-wrap">
      <table data-testid={p.testid}>
        <thead>
          <tr>
            <th>{t('usage.col.type')}</th><th class="num">{t('usage.col.rooms')}</th><th class="num">{t('usage.col.time')}</th><th class="num">{t('usage.col.coverage')}</th>
            <th class="num">{t('usage.col.period')}</th><th class="num">{t('usage.col.outside')}</th><th class="num">{t('usage.col.costPerHour')}</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((g) => (
            <tr key={g.key} data-testid={`${p.testid}-${g.key}`}>
              <td>{p.label(g)}</td>
              <td class="num">{fmtNumber(lang, g.rooms, 0)}</td>
              <td class="num">{fmtPct(lang, g.figures.timeUtilisation)}</td>
              <td class="num">{fmtPct(lang, g.figures.coverage)}</td>
              <td class="num">{fmtPct(lang, g.figures.periodUtilisation)}</td>
              <td class="num">{fmtHours(lang, g.figures.outsideHours)}</td>
              <td class="num">{fmtVnd(lang, g.costPerUsedHourVnd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Every room of the level: figures, status, costs and kits; flagged rooms are marked. */
export function UsageRoomsTable(p: { report: UsageReport; onRoom: (r: UsageRoomRow) => void; showSchool: boolean }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const flagged = new Set([...p.report.flagged.underused, ...p.report.flagged.saturated]);
  return (
    <div class="card table-wrap">
      <table data-testid="usage-rooms">
        <thead>
          <tr>
            <th>{t('usage.col.room')}</th>
            {p.showSchool && <th>{t('usage.col.school')}</th>}
            <th>{t('usage.col.type')}</th>
            <th class="num">{t('usage.col.time')}</th>
            <th class="num">{t('usage.col.coverage')}</th>
            <th class="num">{t('usage.col.period')}</th>
            <th class="num">{t('usage.col.outside')}</th>
            <th>{t('usage.col.status')}</th>
            <th class="num">{t('usage.col.annualCost')}</th>
            <th class="num">{t('usage.col.costPerHour')}</th>
            <th>{t('usage.col.kits')}</th>
          </tr>
        </thead>
        <tbody>
          {p.report.rooms.map((r) => (
            <tr key={r.roomId} data-testid={`usage-room-${r.roomId}`} data-status={r.status} class={flagged.has(r.roomId) ? 'usage-row-flagged' : ''}>
              <td><button type="button" class="usage-link" onClick={() => p.onRoom(r)}>{r.roomName}</button></td>
              {p.showSchool && <td>{r.schoolName}</td>}
              <td>{t(`place.roomType.${r.roomType}`)}</td>
              <td class="num" data-testid={`usage-room-time-${r.roomId}`}>{fmtPct(lang, r.figures.timeUtilisation)}</td>
              <td class={`num ${r.status === 'no_data' ? 'usage-low-coverage' : ''}`} data-testid={`usage-room-coverage-${r.roomId}`}>{fmtPct(lang, r.figures.coverage)}</td>
              <td class="num">
                <span data-testid={`usage-room-period-${r.roomId}`}>{fmtPct(lang, r.figures.periodUtilisation)}</span>
                {/* Periods without enough data are left out of the ratio: the reader sees how many. */}
                {r.figures.periodsUncovered > 0 && <div class="muted small" data-testid={`usage-room-period-uncovered-${r.roomId}`}>
                  {t('usage.periodsUncovered', { n: fmtNumber(lang, r.figures.periodsUncovered, 0) })}</div>}
              </td>
              <td class="num">{fmtHours(lang, r.figures.outsideHours)}</td>
              <td>
                <StatusBadge status={r.status} testid={`usage-room-status-${r.roomId}`} />
                {/* Days still expected from the site's edge node are left out of the figures: neither idle nor without data. */}
                {r.pending && <div class="muted small" data-testid={`usage-room-pending-${r.roomId}`}>
                  {t('usage.pendingDays', { n: r.pending.days, since: fmtDay(r.pending.since) })}</div>}
              </td>
              <td class="num nowrap">{fmtVnd(lang, r.annualCostVnd)}</td>
              <td class="num nowrap" data-testid={`usage-room-cost-${r.roomId}`}>{fmtVnd(lang, r.costPerUsedHourVnd)}</td>
              <td class="small">
                {r.kits.map((k) => (
                  <div key={k.kind} class="nowrap">
                    {t('usage.kit', { kind: kindLabel(kinds, k.kind, lang), devices: fmtNumber(lang, k.devices, 0), hours: fmtHours(lang, k.usedHours), cost: fmtVnd(lang, k.costPerUsedHourVnd) })}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.report.rooms.length === 0 && <p class="muted empty">{t('usage.noRooms')}</p>}
    </div>
  );
}
