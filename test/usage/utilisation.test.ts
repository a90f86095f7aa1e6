import { describe, expect, it } from 'vitest';
import { defaultTerms, localMidnight, periodSlots, timetableProblems, type TermTimetable } from '../../timetable/index.js';
import { periodUtilisation, rollup, timeUtilisation, usageTotals, type Interval } from '../../usage/utilisation.js';

const MIN = 60_000;
/** A local Vietnamese time as a UTC instant. */
const at = (date: string, hhmm: string) => localMidnight(date) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
const use = (date: string, from: string, to: string): Interval => ({ start: at(date, from), end: at(date, to) });

/** A small hand-written term: two 45-minute morning periods, Monday to Friday, one holiday. */
const TERM: TermTimetable = {
  term: 'Học kỳ thử', start: '2026-11-02', end: '2026-11-29', teachingDays: [1, 2, 3, 4, 5],
  periods: [{ session: 'morning', no: 1, start: '07:00', end: '07:45' }, { session: 'morning', no: 2, start: '07:50', end: '08:35' }],
  holidays: [{ name: 'Nghỉ bù', from: '2026-11-20', to: '2026-11-20' }],
};
const day = (date: string) => ({ from: localMidnight(date), to: localMidnight(date) + 86_400_000 });

describe('utilisation arithmetic on hand-made cases', () => {
  it('counts a period used for exactly half its length as used, and one used for less as not', () => {
    const { from, to } = day('2026-11-23'); // a Monday
    const slots = periodSlots([TERM], from, to);
    expect(slots.map((s) => s.period.no)).toEqual([1, 2]);
    // 22.5 of 45 minutes in period 1, 22 of 45 in period 2.
    const t = usageTotals([{ start: at('2026-11-23', '07:00'), end: at('2026-11-23', '07:22') + 30_000 }, use('2026-11-23', '08:13', '08:35')], slots, from, to);
    expect(t).toEqual({ timetabledMin: 90, inUseTimetabledMin: 44.5, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0 });
    expect(timeUtilisation(t)).toBeCloseTo(44.5 / 90);
    expect(periodUtilisation(t)).toBe(0.5);
  });

  it('offers no periods on a holiday: use then is outside timetabled hours', () => {
    const { from, to } = day('2026-11-20'); // a Friday, the holiday
    const slots = periodSlots([TERM], from, to);
    expect(slots).toEqual([]);
    const t = usageTotals([use('2026-11-20', '07:00', '08:00')], slots, from, to);
    expect(t).toEqual({ timetabledMin: 0, inUseTimetabledMin: 0, periodsAvailable: 0, periodsUsed: 0, outsideMin: 60 });
    expect(timeUtilisation(t)).toBeNull();
  });

  it('has Saturday periods in a Monday–Saturday school and none in a Monday–Friday one', () => {
    const { from, to } = day('2026-11-28'); // a Saturday
    const sixDays = { ...TERM, teachingDays: [1, 2, 3, 4, 5, 6] };
    expect(periodSlots([TERM], from, to)).toEqual([]);
    const slots = periodSlots([sixDays], from, to);
    expect(slots.map((s) => [s.weekday, s.period.no])).toEqual([[6, 1], [6, 2]]);
    const t = usageTotals([use('2026-11-28', '07:50', '08:35')], slots, from, to);
    expect(t).toMatchObject({ periodsAvailable: 2, periodsUsed: 1, inUseTimetabledMin: 45, timetabledMin: 90 });
  });

  it('reports use at 19:00 as outside timetabled hours, apart from the periods', () => {
    const { from, to } = day('2026-11-24');
    const slots = periodSlots([TERM], from, to);
    const t = usageTotals([use('2026-11-24', '07:00', '07:45'), use('2026-11-24', '19:00', '20:30')], slots, from, to);
    expect(t).toEqual({ timetabledMin: 90, inUseTimetabledMin: 45, periodsAvailable: 2, periodsUsed: 1, outsideMin: 90 });
  });

  it('counts the break between periods as outside, and overlapping evidence once', () => {
    const { from, to } = day('2026-11-25');
    const slots = periodSlots([TERM], from, to);
    // Board and tablets report the same lesson; it runs on through the 5-minute break.
    const t = usageTotals([use('2026-11-25', '07:00', '08:35'), use('2026-11-25', '07:10', '07:30')], slots, from, to);
    expect(t).toEqual({ timetabledMin: 90, inUseTimetabledMin: 90, periodsAvailable: 2, periodsUsed: 2, outsideMin: 5 });
  });

  it('splits a week into hourly and daily rollups that add up to the week', () => {
    const from = localMidnight('2026-11-16');
    const to = localMidnight('2026-11-23');
    const slots = periodSlots([TERM], from, to);
    expect(slots).toHaveLength(8); // Monday to Thursday: Friday 20 is the holiday
    const inUse = [use('2026-11-16', '07:30', '08:10'), use('2026-11-18', '19:00', '19:30'), use('2026-11-20', '07:00', '08:00')];
    const week = usageTotals(inUse, slots, from, to);
    for (const bucket of ['hour', 'day'] as const) {
      const parts = rollup(inUse, slots, from, to, bucket);
      const sum = parts.reduce((a, p) => ({
        timetabledMin: a.timetabledMin + p.totals.timetabledMin, inUseTimetabledMin: a.inUseTimetabledMin + p.totals.inUseTimetabledMin,
        periodsAvailable: a.periodsAvailable + p.totals.periodsAvailable, periodsUsed: a.periodsUsed + p.totals.periodsUsed, outsideMin: a.outsideMin + p.totals.outsideMin,
      }), { timetabledMin: 0, inUseTimetabledMin: 0, periodsAvailable: 0, periodsUsed: 0, outsideMin: 0 });
      expect(sum, bucket).toEqual(week);
    }
    expect(week).toEqual({ timetabledMin: 8 * 45, inUseTimetabledMin: 15 + 20, periodsAvailable: 8, periodsUsed: 0, outsideMin: 5 + 30 + 60 });
  });
});

describe('timetables', () => {
  it('has a default for every level that is valid, with Tết off', () => {
    for (const level of ['mam_non', 'tieu_hoc', 'thcs', 'thpt', 'gdtx'] as const) {
      for (const term of defaultTerms(level, 2026)) expect(timetableProblems(term), `${level} ${term.term}`).toEqual([]);
    }
    const [, hk2] = defaultTerms('thpt', 2026);
    const tet = periodSlots([hk2!], localMidnight('2027-02-06'), localMidnight('2027-02-07'));
    expect(tet).toEqual([]);
    expect(hk2!.holidays.find((h) => h.name.includes('Tết Nguyên đán'))).toMatchObject({ from: '2027-02-02', to: '2027-02-13' });
  });

  it('names what is wrong with a timetable', () => {
    const bad: TermTimetable = { ...TERM, start: '2026-12-01', end: '2026-11-01', teachingDays: [0, 8], periods: [
      { session: 'morning', no: 1, start: '07:00', end: '07:50' }, { session: 'morning', no: 2, start: '07:45', end: '07:40' },
    ] };
    expect(timetableProblems(bad)).toEqual([
      'the term ends (2026-11-01) before it starts (2026-12-01)',
      'teaching day 0 is not an ISO weekday (1 = Monday … 7 = Sunday)',
      'teaching day 8 is not an ISO weekday (1 = Monday … 7 = Sunday)',
      'period morning 2 (07:45) starts before period morning 1 (07:00–07:50) ends',
      'period morning 2 ends (07:40) before it starts (07:45)',
    ]);
  });
});
