/** The arithmetic of coverage: what a room's data covers, utilisation over it, and who is judged or set apart. */
import { describe, expect, it } from 'vitest';
import { presenceCover, readingCover, roomCoverage } from '../../usage/coverage.js';
import { STALE_MS } from '../../usage/detect.js';
import { insufficientData, rankSchools, roomRows, statusOf, type RoomFacts, type SchoolFacts } from '../../usage/planning.js';
import { addTotals, coverage, timeUtilisation, usageTotals, type UsageTotals } from '../../usage/utilisation.js';
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
    expect(t).toEqual({ timetabledMin: 90, inUseTimetabledMin: 30, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0, coveredMin: 45 });
    expect(coverage(t)).toBe(0.5);
    expect(timeUtilisation(t)).toBeCloseTo(30 / 45);
    // Totals from before coverage was measured count as whole, and add up with measured ones.
    const old: UsageTotals = { timetabledMin: 90, inUseTimetabledMin: 30, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0 };
    expect(timeUtilisation(old)).toBeCloseTo(30 / 90);
    expect(addTotals(old, t).coveredMin).toBe(135);
    expect(addTotals(old, old).coveredMin).toBeUndefined();
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
