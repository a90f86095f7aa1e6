/**
 * The schedule routes (dashboard/server/routes/schedules.ts) over real HTTP: create, preview, list, read, update and
 * delete; a schedule stays inside its school; a technician of another school and a planner are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDetail, SchedulePreview, ScheduleView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { defaultPeriods } from '../../timetable/index.js';
import { ApiClient } from '../dashboard/client.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
/** A local (Hà Nội) time as UTC ms; 2026-03-07 is a Saturday. */
const vn = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+07:00`);
const local = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

describe('schedule routes', () => {
  let s: TestStack;
  let now = vn('2026-03-07', '15:00');
  const clock = { now: () => now };
  const as: Record<string, ApiClient> = {};
  let a: { school: number; site: number; room: number };
  let b: { school: number; room: number };
  const body = (o: Record<string, unknown> = {}) => ({
    schoolId: a.school, name: 'Bảng chờ cuối ngày', target: { type: 'school', id: String(a.school), kind: 'board' }, command: 'power', args: { state: 'standby' },
    days: [1, 2, 3, 4, 5, 6], at: '17:30', skipHolidays: true, enabled: true, ...o,
  });

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: (parts) => startDashboard({ ...parts, clock }) });
    const reg = s.registry;
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    const sa = await reg.ensureSchool({ code: 'A', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: d.id });
    const sb = await reg.ensureSchool({ code: 'B', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: null });
    const siteA = await reg.ensureSite({ schoolId: sa.id, name: 'Điểm chính' });
    const roomA = await reg.ensureRoom({ siteId: siteA.id, code: '10A1', name: 'Phòng 10A1', type: 'smart_classroom' });
    const roomB = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: sb.id, name: 'Điểm chính' })).id, code: 'P1', name: 'Phòng 1', type: 'classroom' });
    await reg.addDevices([
      { kind: 'board', roomId: roomA.id, name: 'Bảng 1' }, { kind: 'board', roomId: roomA.id, name: 'Bảng 2' }, { kind: 'tablet', roomId: roomA.id, name: 'Máy tính bảng 1' },
      { kind: 'board', roomId: roomB.id, name: 'Bảng B' },
    ]);
    await reg.setTimetables(sa.id, [{
      term: 'Học kỳ II 2025-2026', start: '2026-01-05', end: '2026-05-31', teachingDays: [1, 2, 3, 4, 5, 6], periods: defaultPeriods('thpt'),
      holidays: [{ name: 'Nghỉ giữa học kỳ', from: '2026-03-09', to: '2026-03-10' }],
    }]);
    a = { school: sa.id, site: siteA.id, room: roomA.id };
    b = { school: sb.id, room: roomB.id };
    await reg.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await reg.addUser({ username: 'tech-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [sa.id] } });
    await reg.addUser({ username: 'tech-b', password: PASSWORD, role: 'technician', scope: { schoolIds: [sb.id] } });
    await reg.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
    await reg.addUser({ username: 'viewer-a', password: PASSWORD, role: 'viewer', scope: { schoolIds: [sa.id] } });
    for (const u of ['admin', 'tech-a', 'tech-b', 'planner', 'viewer-a']) {
      as[u] = new ApiClient(s.dashboard!.url);
      await as[u].login(u, PASSWORD);
    }
  });
  afterAll(async () => { await s?.close(); });

  it('previews a schedule without saving it: the next five runs, holidays left out, and the devices it reaches', async () => {
    const r = await as['tech-a']!.request('POST', '/api/schedules/preview', body());
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const p = r.body as SchedulePreview;
    expect(p.devices).toBe(2);
    expect(p.nextRuns.map((x) => local(x.at))).toEqual(['2026-03-07 17:30', '2026-03-11 17:30', '2026-03-12 17:30', '2026-03-13 17:30', '2026-03-14 17:30']);
    expect((await as['tech-a']!.get<ScheduleView[]>('/api/schedules'))).toEqual([]);
  });

  it('creates, lists, reads, updates and deletes a schedule, each change audited', async () => {
    const created = await as['tech-a']!.request('POST', '/api/schedules', body());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const v = created.body as ScheduleView;
    // power is harmful: the schedule keeps the rollout defaults it was saved with.
    expect(v).toMatchObject({
      schoolId: a.school, targetLabel: 'Bảng tương tác · Trường THPT Chuyên Lào Cai', command: 'power', args: { state: 'standby' }, days: [1, 2, 3, 4, 5, 6],
      until: null, ratePerMin: 120, abortFailedPct: 20, createdBy: 'tech-a', createdAt: now, lastFireAt: null,
    });
    expect(v.nextRuns).toHaveLength(5);
    expect(v.nextRuns[1]).toEqual({ at: vn('2026-03-11', '17:30'), part: 'at', command: 'power' });

    expect((await as['tech-a']!.get<ScheduleView[]>(`/api/schedules?schoolId=${a.school}`)).map((x) => x.id)).toEqual([v.id]);
    // Planners and viewers see no command screens: not even the list of their school's schedules.
    expect((await as['viewer-a']!.request('GET', `/api/schedules?schoolId=${a.school}`)).status).toBe(403);
    expect(await as['tech-b']!.get<ScheduleView[]>('/api/schedules')).toEqual([]);
    const detail = await as['tech-a']!.get<ScheduleDetail>(`/api/schedules/${v.id}`);
    expect(detail).toMatchObject({ id: v.id, fires: [] });

    now += 60_000;
    const range = body({
      name: 'Khoá máy tính bảng ban đêm', target: { type: 'room', id: String(a.room), kind: 'tablet' }, command: 'lock', args: {},
      days: [1, 2, 3, 4, 5, 6, 7], at: '21:00', until: { at: '06:00', command: 'unlock' }, skipHolidays: false,
    });
    const put = await as['tech-a']!.request('PUT', `/api/schedules/${v.id}`, range);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const u = put.body as ScheduleView;
    expect(u).toMatchObject({ targetLabel: 'Máy tính bảng · Phòng 10A1 · Trường THPT Chuyên Lào Cai', until: { at: '06:00', command: 'unlock', args: {} }, updatedAt: now, ratePerMin: null });
    expect(u.nextRuns.map((x) => `${local(x.at)} ${x.command}`)).toEqual([
      '2026-03-07 21:00 lock', '2026-03-08 06:00 unlock', '2026-03-08 21:00 lock', '2026-03-09 06:00 unlock', '2026-03-09 21:00 lock',
    ]);

    const del = await as['tech-a']!.request('DELETE', `/api/schedules/${v.id}`);
    expect(del).toMatchObject({ status: 200, body: { id: v.id, removed: true } });
    expect((await as['tech-a']!.request('GET', `/api/schedules/${v.id}`)).status).toBe(404);
    const audit = await s.registry.auditLog({ entity: 'schedule', entityId: String(v.id) });
    expect(audit.entries.map((e) => [e.action, e.byUser]).sort()).toEqual([['schedule.create', 'tech-a'], ['schedule.delete', 'tech-a'], ['schedule.update', 'tech-a']]);
  });

  it('keeps a schedule inside its school: another school\'s room, a district or a kind is refused, saying why', async () => {
    const tech = as['tech-a']!;
    const foreign = await tech.request('POST', '/api/schedules', body({ target: { type: 'room', id: String(b.room) } }));
    expect(foreign.status).toBe(400);
    expect((foreign.body as { message: string }).message).toMatch(/not in the schedule's school/);
    for (const target of [{ type: 'district', id: '1' }, { type: 'kind', id: 'board' }]) {
      const r = await as.admin!.request('POST', '/api/schedules', body({ target }));
      expect(r.status).toBe(400);
      expect((r.body as { message: string }).message).toMatch(/spans schools with different holidays/);
    }
    const badArgs = await tech.request('POST', '/api/schedules', body({ args: { state: 'sleep' } }));
    expect(badArgs.status).toBe(400);
    const unknown = await tech.request('POST', '/api/schedules', body({ command: 'self-destruct' }));
    expect(unknown.status).toBe(400);
    expect(await s.registry.listSchedules()).toEqual([]);
  });

  it('refuses a technician of another school and a planner (403), on every changing route', async () => {
    const mine = (await as['tech-a']!.request('POST', '/api/schedules', body())).body as ScheduleView;
    for (const u of ['tech-b', 'planner', 'viewer-a']) {
      for (const [method, path, payload] of [
        ['GET', `/api/schedules/${mine.id}`, undefined], ['POST', '/api/schedules', body()], ['POST', '/api/schedules/preview', body()], ['PUT', `/api/schedules/${mine.id}`, body({ at: '18:00' })],
        ['DELETE', `/api/schedules/${mine.id}`, undefined],
      ] as const) {
        const r = await as[u]!.request(method, path, payload);
        expect(r.status, `${u} ${method} ${path}`).toBe(403);
        expect(r.body, `${u} ${method} ${path}`).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
      }
    }
    // tech-b cannot read it either; a technician cannot move a schedule into a school outside their scope.
    expect((await as['tech-b']!.request('GET', `/api/schedules/${mine.id}`)).status).toBe(403);
    const moved = await as['tech-a']!.request('PUT', `/api/schedules/${mine.id}`, body({ schoolId: b.school, target: { type: 'school', id: String(b.school) } }));
    expect(moved.status).toBe(403);
    expect((await s.registry.schedule(mine.id))).toMatchObject({ at: '17:30', schoolId: a.school });
  });
});
