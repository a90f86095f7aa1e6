/** The arithmetic of coverage: what a room's data covers, utilisation over it, and who is judged or set apart. */
import { describe, expect, it } from 'vitest';
import { presenceCover, readingCover, roomCoverage } from '../../usage/coverage.js';
import { STALE_MS } from '../../usage/detect.js';
import { insufficientData, rankSchools, roomRows, statusOf, type RoomFacts, type SchoolFacts } from '../../usage/planning.js';
import { figures } from '../../usage/report.js';
import { groupRows } from '../../usage/planning.js';
import { addTotals, coverage, periodCovered, periodUtilisation, timeUtilisation, usageTotals, type UsageTotals } from '../../usage/utilisation.js';
import type { PeriodSlot } from '../../timetable/index.js';

const MIN = 60_000;
const slot = (start: number, end: number, no: number): PeriodSlot => ({ start, end, weekday: 1, period: { session: 'morning', no, start: '', end: '' } } as unknown as PeriodSlot);

describe('coverage of a room by its devices\' data', () => {
  it('lets a reading cover until the next one, for at most STALE_MS, in any order', () => {
    expect(readingCover([10 * MIN, 0, 5 * MIN])).toEqual([{ start: 0, end: 10 * MIN + STALE_MS }]);
    // A silent hour between two readings is not covered past the first one's STALE_MS.
    expect(readingCover([0, 90 * MIN], 100 * MIN)).toEqual([{ start: 0, end: STALE_MS }, { start: 90 * MIN, end: 100 * MIN }]);
  });

  it('counts a device connected from its online change, or from the start when it was online before, to its offline change', () => {
    expect(presenceCover({ onlineAtStart: true, changes: [{ ts: 30 * MIN, online: false }, { ts: 60 * MIN, online: true }] }, 0, 120 * MIN))
      .toEqual([{ start: 0, end: 30 * MIN }, { start: 60 * MIN, end: 120 * MIN }]);
    expect(presenceCover({ onlineAtStart: false, changes: [{ ts: 80 * MIN, online: false }] }, 0, 120 * MIN)).toEqual([]);
  });

  it('joins the devices of a room: any one of them connected or reporting covers the room', () => {
    const devices = [{ id: 'b', kind: 'board' as const, readings: [{ ts: 0, values: {} }] }];
    const presence = [{ onlineAtStart: false, changes: [{ ts: 60 * MIN, online: true }, { ts: 90 * MIN, online: false }] }];
    expect(roomCoverage(devices, presence, 0, 120 * MIN)).toEqual([{ start: 0, end: STALE_MS }, { start: 60 * MIN, end: 90 * MIN }]);
  });

  it('measures covered timetabled minutes and takes time utilisation over them', () => {
    // Two 45-minute periods; data only for the second; in use for 30 minutes of it.
    const slots = [slot(0, 45 * MIN, 1), slot(60 * MIN, 105 * MIN, 2)];
    const t = usageTotals([{ start: 60 * MIN, end: 90 * MIN }], slots, 0, 120 * MIN, [{ start: 55 * MIN, end: 120 * MIN }]);
    expect(t).toEqual({ timetabledMin: 90, inUseTimetabledMin: 30, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0, coveredMin: 45, periodsUncovered: 1 });
    expect(coverage(t)).toBe(0.5);
    expect(timeUtilisation(t)).toBeCloseTo(30 / 45);
    // Totals from before coverage was measured count as whole, and add up with measured ones.
    const old: UsageTotals = { timetabledMin: 90, inUseTimetabledMin: 30, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0 };
    expect(timeUtilisation(old)).toBeCloseTo(30 / 90);
    expect(addTotals(old, t).coveredMin).toBe(135);
    expect(addTotals(old, old).coveredMin).toBeUndefined();
  });
});

describe('period utilisation over covered periods', () => {
  const H = 60 * MIN;
  // Eight 45-minute periods: four in the morning from 07:00, four in the afternoon from 13:30 (ms since midnight).
  const EIGHT = [7 * H, 7 * H + 50 * MIN, 8 * H + 50 * MIN, 9 * H + 40 * MIN, 13 * H + 30 * MIN, 14 * H + 20 * MIN, 15 * H + 20 * MIN, 16 * H + 10 * MIN]
    .map((start, i) => slot(start, start + 45 * MIN, i + 1));

  it('period utilisation of a room silent for a morning excludes the uncovered periods', () => {
    // The board's uplink came back at noon: a standby heartbeat every 15 minutes from 12:00 to 17:00, and use in
    // the first two afternoon periods. Its morning never arrived.
    const readings = Array.from({ length: 21 }, (_, i) => ({ ts: 12 * H + i * 15 * MIN, values: {} }));
    const covered = roomCoverage([{ id: 'b', kind: 'board', readings }], [], 0, 24 * H);
    const inUse = [{ start: 13 * H + 30 * MIN, end: 14 * H + 15 * MIN }, { start: 14 * H + 20 * MIN, end: 15 * H + 5 * MIN }];
    const t = usageTotals(inUse, EIGHT, 0, 24 * H, covered);
    expect(t).toMatchObject({ periodsAvailable: 8, periodsUsed: 2, periodsUncovered: 4 });
    // 2 used of the 4 covered periods: 50 %, not 2 of 8 (25 %) as if the silent morning had been idle.
    expect(periodUtilisation(t)).toBe(0.5);
    expect(timeUtilisation(t)).toBe(0.5);
    expect(figures(t)).toMatchObject({ periods: 8, periodsUsed: 2, periodsCovered: 4, periodsUncovered: 4, periodUtilisation: 0.5 });
    // A room with no data at all has no period utilisation, rather than 0 %.
    expect(periodUtilisation(usageTotals([], EIGHT, 0, 24 * H, []))).toBeNull();
  });

  it('counts a period covered when data covers at least half of it, and a used period always', () => {
    const p = slot(0, 45 * MIN, 1);
    expect(periodCovered([{ start: 22.5 * MIN, end: 60 * MIN }], p, false)).toBe(true);
    expect(periodCovered([{ start: 23 * MIN, end: 60 * MIN }], p, false)).toBe(false);
    expect(periodCovered([], p, true)).toBe(true);
    // Totals from before periods' coverage was measured count every period as covered.
    expect(periodUtilisation({ timetabledMin: 360, inUseTimetabledMin: 90, periodsAvailable: 8, periodsUsed: 2, outsideMin: 0 })).toBe(0.25);
  });

  it('adds used and covered periods across rooms, schools and districts and divides at the end, not a mean of ratios', () => {
    const room = (id: number, schoolId: number, districtId: number): RoomFacts => ({
      roomId: id, roomName: `P${id}`, roomType: 'smart_classroom', capacity: 40, schoolId, schoolName: `Trường ${schoolId}`, districtId, districtName: `Huyện ${districtId}`, devices: [],
    });
    const totals = (used: number, uncovered?: number): UsageTotals => ({
      timetabledMin: 360, inUseTimetabledMin: used * 45, periodsAvailable: 8, periodsUsed: used, outsideMin: 0,
      ...(uncovered === undefined ? {} : { coveredMin: 360 - uncovered * 45, periodsUncovered: uncovered }),
    });
    // Room 1 lost its morning (2 of 4 covered: 50 %), room 2 was whole (6 of 8: 75 %), room 3 was analysed before
    // periods' coverage was measured (4 of 8, all counted as covered).
    const rows = roomRows([room(1, 1, 1), room(2, 2, 1), room(3, 3, 2)], new Map([[1, totals(2, 4)], [2, totals(6, 0)], [3, totals(4)]]), new Map(), 1);
    expect(rows.map((r) => r.periodUtilisation)).toEqual([0.5, 0.75, 0.5]);
    const [district1, district2] = groupRows(rows, (r) => ({ key: String(r.room.districtId), name: r.room.districtName ?? '' }), 1);
    // District 1: 8 used of 12 covered periods, not the mean of 50 % and 75 %.
    expect(district1!.periodUtilisation).toBeCloseTo(8 / 12, 9);
    expect(figures(district1!.totals)).toMatchObject({ periods: 16, periodsCovered: 12, periodsUncovered: 4 });
    expect(district2!.periodUtilisation).toBe(0.5);
    const [province] = groupRows(rows, () => ({ key: 'province', name: '' }), 1);
    expect(province!.periodUtilisation).toBeCloseTo(12 / 20, 9);
    expect(figures(province!.totals)).toMatchObject({ periods: 24, periodsUsed: 12, periodsCovered: 20, periodsUncovered: 4 });
  });
});

describe('judging rooms by the data they have', () => {
  const totals = (tt: number, covered: number, used: number): UsageTotals => ({ timetabledMin: tt, inUseTimetabledMin: used, periodsAvailable: tt / 45, periodsUsed: 0, outsideMin: 0, coveredMin: covered });
  const room = (id: number, schoolId: number): RoomFacts => ({
    roomId: id, roomName: `P${id}`, roomType: 'smart_classroom', capacity: 40, schoolId, schoolName: `Trường ${schoolId}`, districtId: 1, districtName: 'TP', devices: [],
  });

  it('flags a room below the coverage threshold "no data", never underused, and judges the others over their covered time', () => {
    // 45 of 405 minutes in use: underused over the whole timetable, but the room had data for 180 minutes only.
    expect(statusOf(totals(405, 180, 45))).toBe('no_data');
    expect(statusOf(totals(405, 180, 45), 0.4)).toBe('normal');
    expect(statusOf(totals(405, 405, 45))).toBe('underused');
    expect(statusOf(totals(405, 0, 0))).toBe('no_data');
    expect(statusOf(totals(0, 0, 0))).toBe('no_timetable');
  });

  it('leaves schools whose rooms have too little data out of the ranking and lists them apart', () => {
    const schools: SchoolFacts[] = [1, 2].map((id) => ({ schoolId: id, schoolName: `Trường ${id}`, districtId: 1, districtName: 'TP', pupils: 1000, level: 'thpt' }));
    const rows = roomRows([room(1, 1), room(2, 2), room(3, 2)], new Map([[1, totals(405, 100, 90)], [2, totals(405, 405, 300)], [3, totals(405, 50, 0)]]), new Map(), 7);
    expect(rows.map((r) => r.status)).toEqual(['no_data', 'normal', 'no_data']);
    expect(insufficientData(schools, rows).map((x) => [x.school.schoolId, x.coverage, x.rooms])).toEqual([[1, 100 / 405, 1]]);
    const ranks = rankSchools(schools, rows, 2, '2026-11-23');
    expect(ranks.map((r) => r.school.schoolId)).toEqual([2]);
    // School 2 is judged on its room with data only: the silent room is not counted as idle.
    expect(ranks[0]!.utilisation).toBeCloseTo(300 / 405);
    expect(ranks[0]!.reasons[0]).toMatchObject({ code: 'busy_rooms', rooms: 1 });
  });
});
