/**
 * A schedule is authorised again when it fires (commands/scheduler.ts), over the real dashboard and registry on a
 * controlled clock: a room moved to another school is not commanded, a schedule whose creator lost the right to
 * command its school is flagged and does not fire until someone who may saves it, and only an admin switches off
 * the rollout rate or the abort rule of a harmful schedule.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDetail, ScheduleView } from '../../api/index.js';
import { Scheduler } from '../../commands/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { can } from '../../dashboard/server/scope.js';
import { createLogger } from '../../lib/logger.js';
import { ApiClient } from '../dashboard/client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
/** A local (Hà Nội) time as UTC ms; 2026-03-07 is a Saturday. */
const vn = (date: string, hhmm: string, s = 0) => Date.parse(`${date}T${hhmm}:${String(s).padStart(2, '0')}+07:00`);

describe('schedules authorised when they fire', () => {
  let s: TestStack;
  let now = vn('2026-03-07', '15:00');
  const clock = { now: () => now };
  const as: Record<string, ApiClient> = {};
  const ids = { schoolA: 0, schoolB: 0, siteA: 0, siteB: 0 };
  const running: Scheduler[] = [];
  let rooms = 0;

  /** A fresh room of school A with two tablets. */
  const roomWithTablets = async () => {
    rooms += 1;
    const room = await s.registry.ensureRoom({ siteId: ids.siteA, code: `R${rooms}`, name: `Phòng 10A${rooms}`, type: 'smart_classroom' });
    const added = await s.registry.addDevices([1, 2].map((i) => ({ kind: 'tablet' as const, roomId: room.id, name: `Máy tính bảng ${rooms}.${i}` })));
    return { room: room.id, tablets: added.map((x) => x.device.id) };
  };
  const lockAt1730 = (room: number) => ({
    schoolId: ids.schoolA, name: 'Khoá máy tính bảng cuối ngày', target: { type: 'room', id: String(room), kind: 'tablet' }, command: 'lock', args: {},
    days: [1, 2, 3, 4, 5, 6, 7], at: '17:30', skipHolidays: false, enabled: true,
  });
  const send = async <T>(who: string, method: string, url: string, body?: object, status = 200) => {
    const r = await as[who]!.request(method, url, body);
    expect(r.status, `${who} ${method} ${url}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body as T;
  };
  const scheduler = async () => {
    const sc = new Scheduler({ config: s.config, registry: s.registry, clock, log: createLogger('silent'), mayCommand: (user, place) => can(user, 'commands.send', place) });
    running.push(sc);
    await sc.start();
    return sc;
  };
  const runsOf = async (scheduleId: number) => (await s.registry.listRuns({ limit: 1000 })).filter((r) => r.scheduleId === scheduleId);
  const commandsTo = async (deviceIds: string[]) => (await Promise.all(deviceIds.map((d) => s.registry.commandsOfDevice(d)))).flat();

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], overrides: { commands: { scheduleReloadMs: 3_600_000 } }, dashboard: (parts) => startDashboard({ ...parts, clock }) });
    const reg = s.registry;
    const a = await reg.ensureSchool({ code: 'A', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: null });
    const b = await reg.ensureSchool({ code: 'B', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: null });
    Object.assign(ids, {
      schoolA: a.id, schoolB: b.id, siteA: (await reg.ensureSite({ schoolId: a.id, name: 'Điểm chính' })).id, siteB: (await reg.ensureSite({ schoolId: b.id, name: 'Điểm chính' })).id,
    });
    await reg.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    for (const u of ['tech-a', 'tech-a2']) await reg.addUser({ username: u, password: PASSWORD, role: 'technician', scope: { schoolIds: [a.id] } });
    for (const u of ['admin', 'tech-a', 'tech-a2']) {
      as[u] = new ApiClient(s.dashboard!.url);
      await as[u].login(u, PASSWORD);
    }
  });
  afterEach(async () => {
    for (const sc of running.splice(0)) await sc.stop();
    for (const x of await s.registry.listSchedules()) await s.registry.deleteSchedule(x.id, now);
  });
  afterAll(async () => { await s?.close(); });

  it('a schedule whose room moved to another school fires nothing and records the fire skipped, saying the room moved', async () => {
    now = vn('2026-03-07', '15:00');
    const { room, tablets } = await roomWithTablets();
    const saved = await send<ScheduleView>('tech-a', 'POST', '/api/schedules', lockAt1730(room), 201);
    expect(saved).toMatchObject({ targetInSchool: true, creatorMayCommand: true });
    // The room, with its tablets, goes to school B after the schedule was saved.
    await send('admin', 'PATCH', `/api/rooms/${room}`, { siteId: ids.siteB });
    const [listed] = await send<ScheduleView[]>('admin', 'GET', `/api/schedules?schoolId=${ids.schoolA}`);
    expect(listed).toMatchObject({ id: saved.id, targetInSchool: false, creatorMayCommand: true });

    now = vn('2026-03-07', '16:00');
    const sc = await scheduler();
    now = vn('2026-03-07', '17:30', 1);
    await sc.tick();
    expect(await runsOf(saved.id)).toEqual([]);
    expect(await commandsTo(tablets)).toEqual([]);
    const detail = await send<ScheduleDetail>('admin', 'GET', `/api/schedules/${saved.id}`);
    expect(detail.fires).toEqual([expect.objectContaining({
      fireAt: vn('2026-03-07', '17:30'), state: 'skipped', runId: null, note: 'phòng Phòng 10A1 đã chuyển sang trường khác; không gửi lệnh nào',
    })]);
    const audit = (await s.registry.auditLog({ byUser: `schedule:${saved.id}` })).entries;
    expect(audit.map((e) => e.detail)).toEqual([expect.objectContaining({ outcome: 'skipped', note: expect.stringMatching(/đã chuyển sang trường khác/) })]);
  });

  it('a schedule whose creator may no longer command its school is flagged and not fired, until someone who may saves it again', async () => {
    now = vn('2026-03-07', '15:00');
    const { room, tablets } = await roomWithTablets();
    const saved = await send<ScheduleView>('tech-a2', 'POST', '/api/schedules', lockAt1730(room), 201);
    const techA2 = (await s.registry.userByName('tech-a2'))!;
    // Moved to school B by an admin: the schedule of school A is no longer theirs to run.
    await send('admin', 'PATCH', `/api/users/${techA2.id}`, { scope: { schoolIds: [ids.schoolB] } });
    const flagged = (await send<ScheduleView[]>('tech-a', 'GET', `/api/schedules?schoolId=${ids.schoolA}`)).find((x) => x.id === saved.id);
    expect(flagged).toMatchObject({ createdBy: 'tech-a2', creatorMayCommand: false, targetInSchool: true });
    // Demoted instead (or disabled): flagged all the same.
    await send('admin', 'PATCH', `/api/users/${techA2.id}`, { scope: { schoolIds: [ids.schoolA] }, role: 'viewer' });
    expect((await send<ScheduleView>('admin', 'GET', `/api/schedules/${saved.id}`)).creatorMayCommand).toBe(false);

    now = vn('2026-03-07', '16:00');
    const sc = await scheduler();
    now = vn('2026-03-07', '17:30', 1);
    await sc.tick();
    expect(await runsOf(saved.id)).toEqual([]);
    expect(await commandsTo(tablets)).toEqual([]);
    expect(await s.registry.scheduleFires(saved.id)).toEqual([expect.objectContaining({
      state: 'skipped', note: 'người tạo lịch (tech-a2) có thể không còn quyền ra lệnh cho trường này; lịch không chạy cho đến khi một người có quyền lưu lại lịch',
    })]);

    // tech-a saves it unchanged: they answer for it now, it is no longer flagged, and it fires the next day.
    now = vn('2026-03-07', '18:00');
    const taken = await send<ScheduleView>('tech-a', 'PUT', `/api/schedules/${saved.id}`, lockAt1730(room));
    expect(taken).toMatchObject({ createdBy: 'tech-a', creatorMayCommand: true });
    const update = (await s.registry.auditLog({ entity: 'schedule', entityId: String(saved.id) })).entries.find((e) => e.action === 'schedule.update');
    expect(update).toMatchObject({ byUser: 'tech-a', detail: { takenOverFrom: 'tech-a2' } });
    // No reload needed: the scheduler reads the schedule again when it fires.
    now = vn('2026-03-08', '17:30', 1);
    await sc.tick();
    const [run] = await runsOf(saved.id);
    expect(run).toMatchObject({ name: 'lock', schoolId: ids.schoolA });
    expect((await commandsTo(tablets)).map((c) => c.deviceId).sort()).toEqual([...tablets].sort());
  });

  it('only an admin switches off the rollout rate or the abort rule of a harmful schedule; a technician may keep what the admin chose', async () => {
    now = vn('2026-03-07', '15:00');
    const { room } = await roomWithTablets();
    const restart = { ...lockAt1730(room), name: 'Khởi động lại máy tính bảng', command: 'restart', ratePerMin: null, abortFailedPct: null };
    const refused = await as['tech-a']!.request('POST', '/api/schedules', restart);
    expect(refused).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_COMMAND_SAFETY' } });
    expect((refused.body as { message: string }).message).toMatch(/^only an admin may switch off the rollout rate and switch off the abort rule of a harmful command \('restart'\)/);
    expect(await s.registry.listSchedules()).toEqual([]);

    const saved = await send<ScheduleView>('admin', 'POST', '/api/schedules', restart, 201);
    expect(saved).toMatchObject({ ratePerMin: null, abortFailedPct: null });
    // Switching the admin's schedule off and on again keeps its rollout: allowed.
    expect(await send<ScheduleView>('tech-a', 'PUT', `/api/schedules/${saved.id}`, { ...restart, enabled: false })).toMatchObject({ enabled: false, ratePerMin: null });
    // Loosening a harmful schedule saved with the defaults is refused.
    const own = await send<ScheduleView>('tech-a', 'POST', '/api/schedules', { ...restart, name: 'Khởi động lại (mặc định)', ratePerMin: undefined, abortFailedPct: undefined }, 201);
    expect(own).toMatchObject({ ratePerMin: 120, abortFailedPct: 20 });
    const looser = await as['tech-a']!.request('PUT', `/api/schedules/${own.id}`, { ...restart, ratePerMin: 120, abortFailedPct: 50 });
    expect(looser).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_COMMAND_SAFETY', message: expect.stringMatching(/raise the abort threshold above 20 %/) } });
    expect(await send<ScheduleView>('tech-a', 'PUT', `/api/schedules/${own.id}`, { ...restart, ratePerMin: 30, abortFailedPct: 10 })).toMatchObject({ ratePerMin: 30, abortFailedPct: 10 });
  });
});
