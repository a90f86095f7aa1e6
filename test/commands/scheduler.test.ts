/**
 * The Scheduler (commands/scheduler.ts) against the registry alone, on SQLite and PostgreSQL, on a controlled clock:
 * it fires at 17:30 Asia/Ho_Chi_Minh, skips a Sunday and a holiday, handles runs missed while it was down by the
 * grace rule, and of two processes ticking at the same fire time exactly one starts the run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../commands/index.js';
import { loadConfig } from '../../config/index.js';
import { can } from '../../dashboard/server/scope.js';
import { createLogger } from '../../lib/logger.js';
import type { RegistryStore, ScheduleInput } from '../../registry/index.js';
import { defaultPeriods } from '../../timetable/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
/** A local (Hà Nội, UTC+7) date and time as UTC ms. 2026-03-07 is a Saturday. */
const vn = (date: string, hhmm: string, s = 0) => Date.parse(`${date}T${hhmm}:${String(s).padStart(2, '0')}+07:00`);
const log = createLogger('silent');

describe.each(ENGINES)('the scheduler on %s', (engine) => {
  let reg: RegistryStore;
  let url: string;
  let dir: string;
  let school: number;
  let boards: string[];
  let tablets: string[];
  let now = 0;
  const clock = { now: () => now };
  const running: Scheduler[] = [];
  const config = () => loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent', commands: { graceMin: 15, scheduleReloadMs: 3_600_000 } } });
  const scheduler = async (registry = reg) => {
    const s = new Scheduler({ config: config(), registry, clock, log, mayCommand: (user, place) => can(user, 'commands.send', place) });
    running.push(s);
    await s.start();
    return s;
  };
  const input = (o: Partial<ScheduleInput> = {}): ScheduleInput => ({
    schoolId: school, name: 'Bảng chờ cuối ngày', target: { type: 'school', id: String(school), kind: 'board' }, command: 'power', args: { state: 'standby' },
    days: [1, 2, 3, 4, 5, 6], at: '17:30', skipHolidays: true, enabled: true, ratePerMin: null, abortFailedPct: null, ...o,
  });
  const runsOf = async (scheduleId: number) => (await reg.listRuns({ limit: 1000 })).filter((r) => r.scheduleId === scheduleId).sort((a, b) => a.id - b.id);
  const at = async (t: number, ...schedulers: Scheduler[]) => {
    now = t;
    await Promise.all(schedulers.map((s) => s.tick()));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scheduler-'));
    url = await engines.url(engine);
    reg = await engines.store(url, dir);
    school = (await reg.ensureSchool({ code: 'LC-THPT-CHUYEN', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: null })).id;
    const room = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: school, name: 'Điểm chính' })).id, code: '10A1', name: 'Phòng 10A1', type: 'smart_classroom' });
    const added = await reg.addDevices([
      ...[1, 2, 3].map((i) => ({ kind: 'board' as const, roomId: room.id, name: `Bảng ${i}` })),
      ...[1, 2].map((i) => ({ kind: 'tablet' as const, roomId: room.id, name: `Máy tính bảng ${i}` })),
    ]);
    await reg.addUser({ username: 'kythuat.a', password: 'mật-khẩu-đủ-dài', role: 'technician', scope: { schoolIds: [school] } });
    boards = added.slice(0, 3).map((x) => x.device.id).sort();
    tablets = added.slice(3).map((x) => x.device.id).sort();
    await reg.setTimetables(school, [{
      term: 'Học kỳ II 2025-2026', start: '2026-01-05', end: '2026-05-31', teachingDays: [1, 2, 3, 4, 5, 6], periods: defaultPeriods('thpt'),
      holidays: [{ name: 'Nghỉ giữa học kỳ', from: '2026-03-09', to: '2026-03-10' }],
    }]);
  });

  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    for (const s of await reg.listSchedules()) await reg.deleteSchedule(s.id, now);
  });

  it('fires "Monday to Saturday at 17:30" at 10:30 UTC and skips a Sunday and a holiday, saying why', async () => {
    now = vn('2026-03-07', '12:00');
    const standby = await reg.createSchedule(input(), 'kythuat.a', now);
    const lock = await reg.createSchedule(input({
      name: 'Khoá máy tính bảng ban đêm', target: { type: 'school', id: String(school), kind: 'tablet' }, command: 'lock', args: {},
      days: [1, 2, 3, 4, 5, 6, 7], at: '21:00', until: { at: '06:00', command: 'unlock', args: {} },
    }), 'kythuat.a', now);
    const s = await scheduler();

    await at(vn('2026-03-07', '17:29', 59), s);
    expect(await runsOf(standby.id)).toEqual([]);
    await at(vn('2026-03-07', '17:30', 1), s);
    await s.tick(); // a second look at the same moment (the timer and a test both ticking) fires nothing more
    const [run] = await runsOf(standby.id);
    expect(run).toMatchObject({ name: 'power', args: { state: 'standby' }, origin: { by: 'schedule', scheduleId: standby.id }, schoolId: school, createdAt: now });
    expect(await runsOf(standby.id)).toHaveLength(1);
    const commands = await reg.commandsOfRun(run!.id);
    expect(commands.map((c) => c.deviceId).sort()).toEqual(boards);
    expect(commands.every((c) => c.name === 'power' && c.state === 'queued')).toBe(true);
    expect(await reg.scheduleFires(standby.id)).toEqual([
      expect.objectContaining({ fireAt: Date.UTC(2026, 2, 7, 10, 30), part: 'at', state: 'done', runId: run!.id, claimedBy: s.owner }),
    ]);
    expect((await reg.schedule(standby.id))!.lastFireAt).toBe(Date.UTC(2026, 2, 7, 10, 30));

    // Saturday night's lock, its unlock on Sunday morning; Sunday (not a school day) and Monday (a holiday) skipped.
    for (const t of [vn('2026-03-07', '21:00', 1), vn('2026-03-08', '06:00', 1), vn('2026-03-08', '17:31'), vn('2026-03-08', '21:00', 1),
      vn('2026-03-09', '06:00', 1), vn('2026-03-09', '17:30', 1)]) await at(t, s);
    expect((await runsOf(standby.id))).toHaveLength(1);
    expect((await runsOf(lock.id)).map((r) => r.name)).toEqual(['lock', 'unlock']);
    expect((await reg.commandsOfRun((await runsOf(lock.id))[0]!.id)).map((c) => c.deviceId).sort()).toEqual(tablets);
    const note = (f: { fireAt: number; part: string; state: string; note: string | null }) => [f.fireAt, f.part, f.state, f.note];
    expect((await reg.scheduleFires(standby.id)).map(note)).toEqual([
      [vn('2026-03-09', '17:30'), 'at', 'skipped', 'ngày nghỉ: Nghỉ giữa học kỳ'],
      [vn('2026-03-07', '17:30'), 'at', 'done', null],
    ]);
    expect((await reg.scheduleFires(lock.id)).map(note)).toEqual([
      [vn('2026-03-09', '06:00'), 'until', 'skipped', 'không phải ngày học'],
      [vn('2026-03-08', '21:00'), 'at', 'skipped', 'không phải ngày học'],
      [vn('2026-03-08', '06:00'), 'until', 'done', null],
      [vn('2026-03-07', '21:00'), 'at', 'done', null],
    ]);
    const audit = (await reg.auditLog({ byUser: `schedule:${standby.id}` })).entries.filter((e) => e.action === 'schedule.fire');
    expect(audit.map((e) => (e.detail as { outcome: string }).outcome).sort()).toEqual(['done', 'skipped']);
    expect(audit.find((e) => (e.detail as { outcome: string }).outcome === 'done')).toMatchObject({ entity: 'schedule', entityId: String(standby.id), detail: { runId: run!.id, devices: 3 } });
  });

  it('fires a run missed while it was down once at start when within the grace window, and records the older one as missed', async () => {
    now = vn('2026-03-11', '10:00');
    const standby = await reg.createSchedule(input({ skipHolidays: false }), 'kythuat.a', now);
    // Down from before Wednesday 17:30 until Thursday 17:40: Wednesday's run is past the grace, Thursday's within it.
    now = vn('2026-03-12', '17:40');
    const first = await scheduler();
    const runs = await runsOf(standby.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.createdAt).toBe(now);
    const fires = await reg.scheduleFires(standby.id);
    expect(fires.map((f) => [f.fireAt, f.state, f.runId])).toEqual([[vn('2026-03-12', '17:30'), 'done', runs[0]!.id], [vn('2026-03-11', '17:30'), 'missed', null]]);
    expect(fires[1]!.note).toBe('EduFleet không chạy lúc 17:30 11/03/2026, quá 15 phút cho phép');

    // A restart (or a second process starting) a minute later does not fire Thursday's run again.
    await first.stop();
    now = vn('2026-03-12', '17:41');
    await scheduler();
    expect(await runsOf(standby.id)).toHaveLength(1);

    // Down again from Friday 17:29 to 17:50: 20 minutes late is past the grace, so the run is recorded, not made.
    for (const s of running.splice(0)) await s.stop();
    now = vn('2026-03-13', '17:50');
    await scheduler();
    expect(await runsOf(standby.id)).toHaveLength(1);
    expect((await reg.scheduleFires(standby.id, 1))[0]).toMatchObject({ fireAt: vn('2026-03-13', '17:30'), state: 'missed', runId: null });
  });

  it('records a run that reaches no device as missed, with the reason', async () => {
    now = vn('2026-03-11', '10:00');
    const vr = await reg.createSchedule(input({ target: { type: 'school', id: String(school), kind: 'vr' }, command: 'stop', args: {}, skipHolidays: false }), 'kythuat.a', now);
    const s = await scheduler();
    await at(vn('2026-03-11', '17:30', 1), s);
    expect(await runsOf(vr.id)).toEqual([]);
    expect((await reg.scheduleFires(vr.id))[0]).toMatchObject({ state: 'missed', note: expect.stringContaining('reaches no device that knows') });
  });

  it('of two processes (two registry connections) ticking at the same fire times, exactly one starts each run', async () => {
    now = vn('2026-03-16', '12:00');
    const standby = await reg.createSchedule(input({ skipHolidays: false }), 'kythuat.a', now);
    const other = await engines.store(url, dir);
    const [a, b] = [await scheduler(reg), await scheduler(other)];
    const days = ['2026-03-16', '2026-03-17', '2026-03-18', '2026-03-19', '2026-03-20', '2026-03-21'];
    for (const day of days) await at(vn(day, '17:30', 1), a, b);
    const runs = await runsOf(standby.id);
    expect(runs).toHaveLength(days.length);
    const fires = await reg.scheduleFires(standby.id);
    expect(fires.map((f) => f.state)).toEqual(days.map(() => 'done'));
    expect(new Set(fires.map((f) => f.runId))).toEqual(new Set(runs.map((r) => r.id)));
    for (const f of fires) expect([a.owner, b.owner]).toContain(f.claimedBy);
    expect((await reg.auditLog({ byUser: `schedule:${standby.id}` })).entries.filter((e) => e.action === 'command.run')).toHaveLength(days.length);
    await other.close();
  });
});
