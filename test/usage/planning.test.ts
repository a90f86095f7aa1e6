import { describe, expect, it } from 'vitest';
import { groupRows, rankSchools, roomRows, type RoomFacts, type SchoolFacts } from '../../usage/planning.js';
import type { UsageTotals } from '../../usage/utilisation.js';

const totals = (tt: number, used: number, outside = 0): UsageTotals => ({ timetabledMin: tt, inUseTimetabledMin: used, periodsAvailable: tt / 45, periodsUsed: Math.round(used / 45), outsideMin: outside });
const room = (id: number, schoolId: number, type: RoomFacts['roomType'], devices: RoomFacts['devices'] = []): RoomFacts => ({
  roomId: id, roomName: `P${id}`, roomType: type, capacity: 40, schoolId, schoolName: `Trường ${schoolId}`, districtId: 1, districtName: 'Thành phố Lào Cai', devices,
});

describe('planning arithmetic', () => {
  it('prices a used hour from straight-line annual cost over the window, per room and per kit', () => {
    const devices = [
      { id: 'b', kind: 'board', costVnd: 100_000_000, serviceLifeYears: 5, inServiceDate: '2024-09-01', state: 'in_use' },
      { id: 't1', kind: 'tablet', costVnd: 8_000_000, serviceLifeYears: 4, inServiceDate: '2024-09-01', state: 'in_use' },
      { id: 't2', kind: 'tablet', costVnd: 8_000_000, serviceLifeYears: 4, inServiceDate: '2024-09-01', state: 'in_use' },
      { id: 'old', kind: 'tablet', costVnd: 8_000_000, serviceLifeYears: 4, inServiceDate: '2018-09-01', state: 'retired' },
    ];
    // 73 days = a fifth of a year; 20 h in lessons + 5 h out of hours.
    const [r] = roomRows([room(1, 1, 'smart_classroom', devices)], new Map([[1, totals(2400, 1200, 300)]]), new Map([['b', 25], ['t1', 10], ['t2', 30]]), 73);
    expect(r!.annualCostVnd).toBe(20_000_000 + 2 * 2_000_000);
    expect(r!.usedHours).toBe(25);
    expect(r!.costPerUsedHourVnd).toBeCloseTo((24_000_000 / 5) / 25);
    expect(r!.status).toBe('normal');
    expect(r!.kits).toEqual([
      { kind: 'board', devices: 1, annualCostVnd: 20_000_000, usedHours: 25, costPerUsedHourVnd: 4_000_000 / 25 },
      { kind: 'tablet', devices: 2, annualCostVnd: 4_000_000, usedHours: 20, costPerUsedHourVnd: 800_000 / 20 },
    ]);
  });

  it('flags underused below 20 % and saturated above 80 %, and rolls rooms up to groups', () => {
    const rooms = [room(1, 1, 'smart_classroom'), room(2, 1, 'computer_room'), room(3, 2, 'smart_classroom'), room(4, 2, 'classroom')];
    const rows = roomRows(rooms, new Map([[1, totals(1000, 190)], [2, totals(1000, 810)], [3, totals(1000, 200)], [4, totals(0, 0, 60)]]), new Map(), 28);
    expect(rows.map((r) => r.status)).toEqual(['underused', 'saturated', 'normal', 'no_timetable']);
    const byType = groupRows(rows, (r) => ({ key: r.room.roomType, name: r.room.roomType }), 28);
    expect(byType.find((g) => g.key === 'smart_classroom')).toMatchObject({ rooms: 2, timeUtilisation: 390 / 2000, underused: 1 });
  });

  it('ranks schools by the use of their rooms, pupils per smart classroom and years since investment, with reasons', () => {
    const schools: SchoolFacts[] = [
      { schoolId: 1, schoolName: 'Trường A', districtId: 1, districtName: 'TP', pupils: 1200, level: 'thpt' },
      { schoolId: 2, schoolName: 'Trường B', districtId: 1, districtName: 'TP', pupils: 400, level: 'thcs' },
      { schoolId: 3, schoolName: 'Trường C', districtId: 1, districtName: 'TP', pupils: 900, level: 'thcs' },
    ];
    const board = (date: string) => [{ id: `b${date}`, kind: 'board', costVnd: 1, serviceLifeYears: 1, inServiceDate: date, state: 'in_use' }];
    const rows = roomRows([
      room(1, 1, 'smart_classroom', board('2025-09-01')), room(2, 2, 'smart_classroom', board('2021-09-01')), room(3, 3, 'computer_room', board('2020-01-01')),
    ], new Map([[1, totals(1000, 900)], [2, totals(1000, 150)], [3, totals(1000, 600)]]), new Map(), 28);
    const ranks = rankSchools(schools, rows, 2, '2026-11-23');
    // A: 0.5 × 0.9 + 0.3 × 1 + 0.2 × 1/5 = 0.79; C: 0.5 × 0.6 + 0.3 × 0.9 + 0.2 × 1 = 0.77; B: 0.075 + 0.12 + 0.2 = 0.395.
    expect(ranks.map((r) => [r.school.schoolName, r.funded])).toEqual([['Trường A', true], ['Trường C', true], ['Trường B', false]]);
    expect(ranks[1]!.reasons).toEqual([{ code: 'busy_rooms', utilisation: 0.6, rooms: 1 }, { code: 'no_smart_room', pupils: 900 }, { code: 'never_invested' }]);
    expect(ranks[0]!.reasons).toEqual([
      { code: 'saturated_rooms', utilisation: 0.9, rooms: 1 }, { code: 'pupils_per_smart_room', pupils: 1200, smartRooms: 1, perRoom: 1200 }, { code: 'last_investment', year: 2025, yearsAgo: 1 },
    ]);
  });
});
