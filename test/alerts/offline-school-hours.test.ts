/**
 * offline_school_hours against the real school day: the alert engine with the real SchoolHours (the registry's
 * timetables, or the level's defaults) and a controlled clock, signals written as a gateway writes them. A board
 * that stops at 09:30 on a teaching Tuesday fires once it has missed more than 15 timetabled minutes; the same board
 * switched off at 18:00 or on a holiday is not a failure and raises nothing.
 * The seeded school is a THPT: default periods 08:50–09:35, 09:40–10:25 …, first period at 07:00, Monday–Saturday.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptySignals, type DeviceSignals } from '../../domain/index.js';
import { localMidnight, SECONDARY_PERIODS } from '../../timetable/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { fixture, MIN, type Fixture } from './engine-fixture.js';

const engines = useEngines();

/** UTC ms of a local (Asia/Ho_Chi_Minh) date and time. */
const local = (date: string, hhmm: string) => localMidnight(date) + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
const TUESDAY = '2026-03-03';
/** The school's own term (entered on its timetable screen) with a holiday of its own on a Tuesday. */
const OWN_TERM_TUESDAY = '2026-10-13';
const OWN_HOLIDAY = '2026-10-20';

describe.each(ENGINES)('offline during school hours on %s', (kind) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture(engines, kind);
    await f.registry.setTimetables(f.school.id, [{
      term: 'Tháng hội thao 2026', start: '2026-10-01', end: '2026-10-31', teachingDays: [1, 2, 3, 4, 5, 6],
      periods: SECONDARY_PERIODS, holidays: [{ name: 'Hội khỏe Phù Đổng cấp trường', from: OWN_HOLIDAY, to: OWN_HOLIDAY }],
    }]);
  });
  afterAll(() => f.cleanup());

  /** A board that reported until `since` and then went offline (its Last Will), as the gateway records it. */
  const offlineSince = async (id: string, since: number) => {
    await f.addDevice(id, 'board');
    const s: DeviceSignals = {
      ...emptySignals(), presence: 'offline', presenceSince: since, lastSeen: since, lastReadingAt: since - MIN,
      latest: { power: true, temperature: 41 }, changedAt: { power: since - 60 * MIN, temperature: since - MIN }, intervalMs: MIN,
    };
    f.clock.t = since;
    await f.registry.recordSignals([{ deviceId: id, signals: s }], since);
  };
  const offlineAlerts = async (id: string) => (await f.registry.openAlerts([id])).filter((a) => a.rule === 'offline_school_hours');

  /** Runs a full pass of a fresh engine (a fresh school-day cache) at each time, returning the alerts after each. */
  const passes = async (id: string, times: number[]) => {
    const { engine, events } = await f.engine([id]);
    const seen: number[] = [];
    for (const t of times) {
      f.clock.t = t;
      await engine.runOnce();
      seen.push((await offlineAlerts(id)).length);
    }
    return { seen, events };
  };

  it('a board offline from 09:30 on a teaching Tuesday fires once 15 timetabled minutes have passed, not before', async () => {
    await offlineSince('board-0930', local(TUESDAY, '09:30'));
    // 09:30–09:35 is 5 minutes of period 3; the break to 09:40 does not count; at 09:50 it has missed exactly 15.
    const { seen, events } = await passes('board-0930', [local(TUESDAY, '09:37'), local(TUESDAY, '09:45'), local(TUESDAY, '09:50'), local(TUESDAY, '09:51')]);
    expect(seen).toEqual([0, 0, 0, 1]);
    expect(await offlineAlerts('board-0930')).toMatchObject([{ state: 'firing', severity: 'critical', startedAt: local(TUESDAY, '09:51'), value: 16 }]);
    expect(events).toMatchObject([{ type: 'fired', rule: 'offline_school_hours', deviceId: 'board-0930' }]);
    expect((await f.registry.healthRows({ deviceIds: ['board-0930'] }))[0]).toMatchObject({ level: 'critical', reasons: [{ rule: 'offline_school_hours' }] });
  });

  it('the same board switched off at 18:00 raises nothing at 21:00 nor at 06:30 the next morning, and fires once lessons have run 15 minutes without it', async () => {
    await offlineSince('board-1800', local(TUESDAY, '18:00'));
    const { seen, events } = await passes('board-1800', [local(TUESDAY, '21:00'), local('2026-03-04', '06:30'), local('2026-03-04', '07:15'), local('2026-03-04', '07:16')]);
    expect(seen).toEqual([0, 0, 0, 1]);
    expect(events.map((e) => e.type)).toEqual(['fired']);
    expect((await f.registry.healthRows({ deviceIds: ['board-1800'] }))[0]).toMatchObject({ level: 'critical' });
  });

  it('a board offline all day on a holiday raises nothing: 30 April, 2 September (before the term), and the school\'s own holiday', async () => {
    const days = [['board-3004', '2026-04-30'], ['board-0209', '2026-09-02'], ['board-own', OWN_HOLIDAY]] as const;
    for (const [id, date] of days) {
      await offlineSince(id, local(date, '06:00'));
      const { seen, events } = await passes(id, [local(date, '09:30'), local(date, '14:00'), local(date, '23:59')]);
      expect({ id, seen, events }).toEqual({ id, seen: [0, 0, 0], events: [] });
      expect((await f.registry.healthRows({ deviceIds: [id] }))[0]).toMatchObject({ level: 'ok', reasons: [] });
    }
    // The school's own term is in force and its ordinary Tuesday is a school day: only its holiday is not.
    await offlineSince('board-own-tue', local(OWN_TERM_TUESDAY, '06:00'));
    const { seen } = await passes('board-own-tue', [local(OWN_TERM_TUESDAY, '07:15'), local(OWN_TERM_TUESDAY, '07:16')]);
    expect(seen).toEqual([0, 1]);
  });
});
