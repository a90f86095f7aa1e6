/**
 * A schedule's fire times in Asia/Ho_Chi_Minh (commands/schedule-times.ts): pure, no clock and no server.
 */
import { describe, expect, it } from 'vitest';
import { fireTimes, nextRuns, schoolDaySkips, type ScheduleTimesShape } from '../../commands/schedule-times.js';
import type { TermTimetable } from '../../timetable/index.js';
import { defaultPeriods } from '../../timetable/index.js';

/** A local (Hà Nội, UTC+7) date and time as UTC ms. */
const vn = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+07:00`);
const local = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

const standby: ScheduleTimesShape = { days: [1, 2, 3, 4, 5, 6], at: '17:30', command: 'board.power', until: null };
const lock: ScheduleTimesShape = { days: [1, 2, 3, 4, 5, 6, 7], at: '21:00', command: 'tablet.lock', until: { at: '06:00', command: 'tablet.unlock' } };
// 2026-03-07 is a Saturday.
const SATURDAY_AFTERNOON = vn('2026-03-07', '15:00');

const term: TermTimetable = {
  term: 'Học kỳ II 2025-2026', start: '2026-01-05', end: '2026-05-31', teachingDays: [1, 2, 3, 4, 5, 6], periods: defaultPeriods('thpt'),
  holidays: [{ name: 'Nghỉ giữa học kỳ', from: '2026-03-09', to: '2026-03-10' }],
};

describe('schedule fire times', () => {
  it('gives the next five of "Monday to Saturday at 17:30" from a Saturday afternoon, leaving out Sunday', () => {
    const runs = nextRuns(standby, SATURDAY_AFTERNOON, 5);
    expect(runs.map((r) => local(r.at))).toEqual(['2026-03-07 17:30', '2026-03-09 17:30', '2026-03-10 17:30', '2026-03-11 17:30', '2026-03-12 17:30']);
    expect(runs[0]).toEqual({ at: Date.UTC(2026, 2, 7, 10, 30), part: 'at', command: 'board.power' });
  });

  it('counts a fire exactly at the start of a window as already past, and one at its end as due', () => {
    const at = vn('2026-03-07', '17:30');
    expect(fireTimes(standby, at, at + 3600_000)).toEqual([]);
    expect(fireTimes(standby, at - 1, at).map((t) => t.at)).toEqual([at]);
  });

  it('puts the end of a range 21:00–06:00 on the next morning, after its start', () => {
    const runs = nextRuns(lock, SATURDAY_AFTERNOON, 5);
    expect(runs.map((r) => `${local(r.at)} ${r.command}`)).toEqual([
      '2026-03-07 21:00 tablet.lock', '2026-03-08 06:00 tablet.unlock', '2026-03-08 21:00 tablet.lock', '2026-03-09 06:00 tablet.unlock',
      '2026-03-09 21:00 tablet.lock',
    ]);
    expect(runs.map((r) => r.part)).toEqual(['at', 'until', 'at', 'until', 'at']);
  });

  it('gives the next morning\'s end of a range started the evening before the window, as part of that evening\'s day', () => {
    const weekdays = { ...lock, days: [1, 2, 3, 4, 5] };
    // Saturday 03:00 to Monday 08:00: Friday's lock ends on Saturday 06:00; nothing on the weekend; Sunday's is not a day.
    const times = fireTimes(weekdays, vn('2026-03-07', '03:00'), vn('2026-03-09', '08:00'));
    expect(times.map((t) => [local(t.at), t.part, t.date])).toEqual([['2026-03-07 06:00', 'until', '2026-03-06']]);
  });

  it('keeps a range within one day when it ends later than it starts', () => {
    const lesson = { days: [3], at: '08:00', command: 'vr.kiosk', until: { at: '09:30', command: 'vr.stop' } };
    expect(nextRuns(lesson, SATURDAY_AFTERNOON, 2).map((r) => local(r.at))).toEqual(['2026-03-11 08:00', '2026-03-11 09:30']);
  });

  it('skips the school\'s holidays and non-teaching days, and says why', () => {
    const skip = schoolDaySkips([term], 'thpt');
    expect(skip('2026-03-09')).toBe('ngày nghỉ: Nghỉ giữa học kỳ');
    expect(skip('2026-03-08')).toBe('không phải ngày học');
    expect(skip('2026-03-07')).toBeNull();
    const runs = nextRuns(standby, SATURDAY_AFTERNOON, 5, skip);
    expect(runs.map((r) => local(r.at))).toEqual(['2026-03-07 17:30', '2026-03-11 17:30', '2026-03-12 17:30', '2026-03-13 17:30', '2026-03-14 17:30']);
  });

  it('skips the end of a range with its start: a holiday evening\'s lock and the next morning\'s unlock', () => {
    const runs = nextRuns(lock, vn('2026-03-08', '12:00'), 4, schoolDaySkips([term], 'thpt'));
    // Sunday 8th (not a school day), Monday 9th and Tuesday 10th (holiday) are left out, with their mornings after.
    expect(runs.map((r) => `${local(r.at)} ${r.part}`)).toEqual(['2026-03-11 21:00 at', '2026-03-12 06:00 until', '2026-03-12 21:00 at', '2026-03-13 06:00 until']);
  });

  it('uses the level\'s default calendar when the school entered no timetable: Tết (13–24 February 2026) is a holiday', () => {
    const skip = schoolDaySkips([], 'thpt');
    expect(skip('2026-02-17')).toBe('ngày nghỉ: Nghỉ Tết Nguyên đán');
    const runs = nextRuns(standby, vn('2026-02-12', '18:00'), 1, skip);
    expect(local(runs[0]!.at)).toBe('2026-02-25 17:30');
  });
});
