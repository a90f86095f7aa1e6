/**
 * A school's uplink down for a morning against a real stack: the room's afternoon arrives over MQTT, its morning
 * later as the device's backlog (readings with their past timestamps). Until the backlog arrives the room is reported
 * with the coverage it has and flagged "không đủ dữ liệu", neither underused nor ranked; once the gateway has marked
 * the day and the usage loop's pass analysed it again, the room is whole and judged on all its time. Its period
 * utilisation is taken over the covered periods likewise: the silent morning's periods are neither used nor unused.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { MARK_GAP_MS } from '../../gateway/late-days.js';
import { systemClock } from '../../lib/clock.js';
import { influxClient } from '../../lib/influx/index.js';
import { topics } from '../../protocol/index.js';
import { addDays, defaultTerms, isoWeekday, isTeachingDay, localDate, localMidnight, schoolYearOf } from '../../timetable/index.js';
import { SETTLE_MS, UsageAnalyser } from '../../usage/analyser.js';
import { reportCsv, reportPdf, reportXlsx } from '../../usage/export.js';
import { UsageQueries } from '../../usage/queries.js';
import { planningReport, usageReport } from '../../usage/report.js';
import { logIn, useChromium } from '../dashboard/browser.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;
/** A THPT teaching Monday at least a week ago: 5 morning periods from 07:00 and 4 afternoon ones from 13:30, 45 minutes each. */
function pastTeachingMonday(): string {
  let d = addDays(localDate(Date.now()), -7);
  while (isoWeekday(d) !== 1 || !defaultTerms('thpt', schoolYearOf(d)).some((t) => isTeachingDay(t, d))) d = addDays(d, -1);
  return d;
}
const DAY = pastTeachingMonday();
const at = (hhmm: string) => localMidnight(DAY) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

/** A board's readings over [from, to): used (on, touched) every minute inside `used`, a standby heartbeat every 15 minutes otherwise. */
function boardDay(from: string, to: string, used: [string, string][]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let t = at(from); t < at(to);) {
    const inUse = used.some(([a, b]) => t >= at(a) && t < at(b));
    out.push({ ts: t, power: inUse ? 'on' : 'standby', touches: inUse ? 6 : 0 });
    const nextStart = used.map(([a]) => at(a)).filter((x) => x > t).sort((a, b) => a - b)[0] ?? Infinity;
    t = inUse ? t + MIN : Math.min(t + 15 * MIN, nextStart);
  }
  return out;
}

describe('coverage of room usage', () => {
  const s = useTestStack({ overrides: { usage: { analyseIntervalMs: 0 } }, dashboard: startDashboard });
  const chromium = useChromium();
  const PASSWORD = 'kế-hoạch-2026';
  /** What the planner sees of the room on /usage and of its school on /planning. */
  const screens = async (page: Page, roomId: number, schoolId: number) => {
    await page.goto(`${s.dashboard!.url}/usage?from=${DAY}&to=${addDays(DAY, 1)}`);
    const status = page.getByTestId(`usage-room-status-${roomId}`);
    await status.waitFor();
    const seen = {
      status: await status.getAttribute('data-status'), coverage: await page.getByTestId(`usage-room-coverage-${roomId}`).innerText(),
      tile: await page.getByTestId('usage-coverage').innerText(), noDataListed: await page.getByTestId(`usage-flag-${roomId}`).count(),
      period: await page.getByTestId(`usage-room-period-${roomId}`).innerText(), periodTile: await page.getByTestId('usage-period-util').innerText(),
      uncovered: await page.getByTestId(`usage-room-period-uncovered-${roomId}`).allInnerTexts(),
    };
    await page.goto(`${s.dashboard!.url}/planning?rooms=1&from=${DAY}&to=${addDays(DAY, 1)}`);
    await page.getByTestId('planning-how').waitFor();
    await page.getByTestId('planning-table').waitFor();
    return { ...seen, apart: await page.getByTestId(`planning-no-data-${schoolId}`).count(), ranked: await page.getByTestId(`planning-row-${schoolId}`).count() };
  };

  it('reports a room silent for a morning with its coverage, its period utilisation over the covered periods, not as underused, and whole again once its backlog arrives', async () => {
    const { room, school } = await seedSchool(s.registry);
    const board = await s.registry.addDevice({ kind: 'board', roomId: room.id, id: 'board-cov-1' });
    await s.registry.addUser({ username: 'kh-tinh', password: PASSWORD, role: 'planner', displayName: 'Kế hoạch Sở' });
    const page = await chromium.page();
    await logIn(page, s.dashboard!.url, 'kh-tinh', PASSWORD);
    await s.directory.refresh();
    const send = async (readings: Record<string, unknown>[]) => {
      const c = await connectDevice(s.mqttUrl, board.device.id, board.secret!);
      for (let i = 0; i < readings.length; i += 100) await c.publishAsync(topics.telemetry(board.device.id), JSON.stringify(readings.slice(i, i + 100)), { qos: 1 });
      await c.endAsync();
    };
    const stored = async (n: number) => waitFor(`${n} readings stored`, async () =>
      (await s.influx.query<{ n: number }>(`SELECT count(touches) AS n FROM raw.telemetry_board WHERE device = 'board-cov-1'`))[0]?.n === n);
    const influx = influxClient(s.influxUrl, s.config.influx);
    // The gateway's last mark of a backlog may trail its readings by MARK_GAP_MS, and is written through the registry's
    // queue: a pass that must clear the day waits until no mark has come for longer than that.
    const markSettled = async (what: string) => {
      let lastMark = -1;
      await waitFor(`the last mark of the ${what}`, async () => {
        const mark = (await s.usageStore.dirtyDays()).find((d) => d.day === DAY)?.markedAt ?? 0;
        const settled = mark === lastMark && Date.now() > mark + MARK_GAP_MS + 500;
        lastMark = mark;
        return settled;
      }, 20_000, 100);
    };
    const queries = new UsageQueries(influx, s.config.influx.database);
    const report = async () => {
      const args = { registry: s.registry, store: s.usageStore, scope: undefined, from: DAY, to: addDays(DAY, 1), now: Date.now(), minCoverage: s.config.usage.minCoverage };
      const r = await usageReport({ ...args, queries });
      return { r, row: r.rooms.find((x) => x.roomId === room.id)!, plan: await planningReport({ ...args, rooms: 1 }) };
    };

    // The uplink came back at noon: the afternoon, with the board used in the first afternoon period.
    const afternoon = boardDay('12:00', '17:00', [['13:30', '14:15']]);
    await send(afternoon);
    await stored(afternoon.length);
    await new UsageAnalyser({ influx, database: s.config.influx.database, registry: s.registry, store: s.usageStore, clock: systemClock }).analyseDay(DAY);

    const before = await report();
    // 4 afternoon periods of the 9 have data: 180 of 405 minutes. Over them, 45 minutes in use: 25 %. Counted over
    // the whole timetable it would have been 11 %, "underused".
    expect(before.row.figures.coverage).toBeCloseTo(180 / 405, 6);
    expect(before.row.figures.coveredHours).toBeCloseTo(3, 6);
    expect(before.row.figures.timeUtilisation).toBeCloseTo(45 / 180, 6);
    // Period utilisation of a room silent for a morning excludes the uncovered periods: 1 used of the 4 covered
    // afternoon periods (25 %), not 1 of 9 (11 %); the 5 morning periods are counted apart.
    expect(before.row.figures).toMatchObject({ periods: 9, periodsUsed: 1, periodsCovered: 4, periodsUncovered: 5, periodUtilisation: 0.25 });
    expect(before.r.total.figures).toMatchObject({ periodsCovered: 4, periodsUncovered: 5, periodUtilisation: 0.25 });
    // The files say so: XLSX and CSV carry used / covered periods and the uncovered ones, the PDF's overview both.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await reportXlsx(before.r, 'Báo cáo') as unknown as ExcelJS.Buffer);
    const sheet = wb.getWorksheet('Phòng')!;
    expect([6, 7, 12].map((c) => sheet.getRow(2).getCell(c).text)).toEqual(['Sử dụng theo tiết (trên tiết có dữ liệu)', 'Tiết có sử dụng / tiết có dữ liệu', 'Tiết không đủ dữ liệu']);
    expect([6, 7, 12].map((c) => sheet.getRow(3).getCell(c).text)).toEqual(['25 %', '1/4', '5']);
    expect(reportCsv(before.r)).toContain(',25 %,1/4,');
    const pdfFile = path.join(s.dir, 'periods.pdf');
    writeFileSync(pdfFile, await reportPdf(before.r, 'Báo cáo'));
    expect(execFileSync('pdftotext', ['-raw', pdfFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' '))
      .toContain('theo tiết: 25 % trên 4 tiết có dữ liệu (5 tiết không đủ dữ liệu, không tính)');
    expect(before.row.status).toBe('no_data');
    expect(before.r.flagged.underused).not.toContain(room.id);
    expect(before.r.flagged.noData).toEqual([room.id]);
    expect(before.r.total.noData).toBe(1);
    expect(before.plan.ranking.map((x) => x.schoolId)).not.toContain(school.id);
    expect(before.plan.insufficientData).toEqual([expect.objectContaining({ schoolId: school.id, rooms: 1, coverage: expect.closeTo(180 / 405, 6) })]);
    const [daily] = await s.influx.query<Record<string, unknown>>(`SELECT covered_min, timetabled_min FROM rollup.usage_daily WHERE room = '${room.id}'`);
    expect(daily).toMatchObject({ covered_min: 180, timetabled_min: 405 });
    const [rollup] = await s.influx.query<Record<string, unknown>>(`SELECT periods_uncovered, periods_used, m1, a1, a2 FROM rollup.usage_daily WHERE room = '${room.id}'`);
    // The heatmap leaves the uncovered periods out too: no m1 for the day, a1 used, a2 not.
    expect(rollup).toMatchObject({ periods_uncovered: 5, periods_used: 1, m1: null, a1: 1, a2: 0 });
    // The screens: the room's badge and coverage column, listed apart among the rooms without enough data; its school
    // listed apart by the planner instead of ranked.
    const seenBefore = await screens(page, room.id, school.id);
    expect(seenBefore).toMatchObject({ status: 'no_data', coverage: '44,4 %', noDataListed: 1, apart: 1, ranked: 0, period: '25 %', uncovered: ['5 tiết không đủ dữ liệu, không tính'] });
    expect(seenBefore.tile).toContain('44,4 %');
    expect(seenBefore.periodTile).toContain('1 / 4 tiết có dữ liệu · 5 tiết không đủ dữ liệu, không tính');

    await markSettled('afternoon');
    // The live loop's pass, once the afternoon's mark has settled: the day is analysed and no longer waits.
    const later = { now: () => Date.now() + SETTLE_MS + MIN };
    await new UsageAnalyser({ influx, database: s.config.influx.database, registry: s.registry, store: s.usageStore, clock: later }).analyseRecent();
    expect((await s.usageStore.dirtyDays()).map((d) => d.day)).not.toContain(DAY);

    // The morning's backlog: the board was used through all five morning periods (07:00–11:15).
    const morning = boardDay('06:45', '12:00', [['07:00', '11:15']]);
    await send(morning);
    await stored(afternoon.length + morning.length);
    // The gateway marks the day the backlog's readings fall on (at most once a second, then once more for the rest).
    await waitFor('the day marked for re-analysis', async () => (await s.usageStore.dirtyDays()).some((d) => d.day === DAY));

    // The loop's next pass (a fresh process: today and yesterday, and the days late data reached) analyses it again.
    const loop = new UsageAnalyser({ influx, database: s.config.influx.database, registry: s.registry, store: s.usageStore, clock: systemClock });
    expect((await loop.analyseRecent()).map((d) => d.date)).toContain(DAY);
    // Analysed within SETTLE_MS of the mark: the day stays marked, in case more of the backlog is still on its way.
    expect((await s.usageStore.dirtyDays()).map((d) => d.day)).toContain(DAY);

    const after = await report();
    expect(after.row.figures.coverage).toBe(1);
    expect(after.row.figures.timeUtilisation).toBeCloseTo((225 + 45) / 405, 6);
    expect(after.row.figures).toMatchObject({ periodsUsed: 6, periodsCovered: 9, periodsUncovered: 0 });
    expect(after.row.figures.periodUtilisation).toBeCloseTo(6 / 9, 6);
    expect(after.row.status).toBe('normal');
    expect(after.r.flagged.noData).toEqual([]);
    expect(after.r.flagged.underused).toEqual([]);
    expect(after.plan.insufficientData).toEqual([]);
    expect(after.plan.ranking.map((x) => x.schoolId)).toContain(school.id);
    expect(await screens(page, room.id, school.id)).toMatchObject({ status: 'normal', coverage: '100 %', noDataListed: 0, apart: 0, ranked: 1, period: '66,7 %', uncovered: [] });

    await markSettled('morning');
    await new UsageAnalyser({ influx, database: s.config.influx.database, registry: s.registry, store: s.usageStore, clock: later }).analyseRecent();
    expect((await s.usageStore.dirtyDays()).map((d) => d.day)).not.toContain(DAY);
  });
});
