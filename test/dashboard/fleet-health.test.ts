/**
 * The health routes and the `health` push, in a dashboard-only process (no gateway: the health state is the
 * registry's, written here as a gateway and the alert engine would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHealthView, HealthListResponse, HealthSummaryResponse, RoomHealthResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { emptySignals } from '../../domain/index.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const USERS = ['admin', 'tech-a', 'tech-b', 'viewer-a', 'planner'] as const;
type UserName = (typeof USERS)[number];

describe('fleet health routes and live push', () => {
  let s: TestStack;
  const ids = { schoolA: 0, schoolB: 0, siteA: 0, siteB: 0, roomA: 0, roomB: 0, districtA: 0 };
  const clients = {} as Record<UserName | 'anonymous', ApiClient>;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const reg = s.registry;
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    const a = await reg.ensureSchool({ code: 'A', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: d.id });
    const b = await reg.ensureSchool({ code: 'B', name: 'Trường THCS Kim Tân', level: 'thcs', districtId: d.id });
    const siteA = await reg.ensureSite({ schoolId: a.id, name: 'Điểm chính' });
    const siteB = await reg.ensureSite({ schoolId: b.id, name: 'Điểm chính' });
    const roomA = await reg.ensureRoom({ siteId: siteA.id, code: 'P1', name: 'Phòng thông minh 1', type: 'smart_classroom' });
    const roomB = await reg.ensureRoom({ siteId: siteB.id, code: 'P1', name: 'Phòng thông minh B', type: 'smart_classroom' });
    Object.assign(ids, { schoolA: a.id, schoolB: b.id, siteA: siteA.id, siteB: siteB.id, roomA: roomA.id, roomB: roomB.id, districtA: d.id });
    for (const [id, kind, room] of [['a-board', 'board', roomA.id], ['a-tablet', 'tablet', roomA.id], ['a-sensor', 'sensor', roomA.id], ['b-board', 'board', roomB.id]] as const) {
      await reg.addDevice({ id, kind, roomId: room, name: id, issueSecret: false });
    }
    const now = Date.now();
    await reg.recordSignals(['a-board', 'a-tablet', 'b-board'].map((deviceId) => ({ deviceId, signals: { ...emptySignals(), presence: 'online' as const, presenceSince: now - 60_000 } })), now);
    await reg.recordVerdicts([{ deviceId: 'a-tablet', level: 'critical', reasons: [{ rule: 'low_battery', severity: 'critical', value: 4 }] },
      { deviceId: 'b-board', level: 'warning', reasons: [{ rule: 'board_overheat', severity: 'warning', value: 61 }] }], now);
    await reg.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await reg.addUser({ username: 'tech-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.id] } });
    await reg.addUser({ username: 'tech-b', password: PASSWORD, role: 'technician', scope: { schoolIds: [b.id] } });
    await reg.addUser({ username: 'viewer-a', password: PASSWORD, role: 'viewer', scope: { schoolIds: [a.id] } });
    await reg.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
    clients.anonymous = new ApiClient(s.dashboard!.url);
    for (const u of USERS) {
      clients[u] = new ApiClient(s.dashboard!.url);
      await clients[u].login(u, PASSWORD);
    }
  });
  afterAll(async () => {
    for (const so of sockets) so.close();
    await s?.close();
  });

  it('lists the devices of the technician’s school worst first, with the open-alert count and the reasons', async () => {
    const list = await clients['tech-a'].get<HealthListResponse>('/api/health/devices');
    expect(list.total).toBe(3);
    expect(list.devices.map((d) => [d.id, d.level, d.presence])).toEqual([['a-tablet', 'critical', 'online'], ['a-sensor', 'ok', 'never'], ['a-board', 'ok', 'online']]);
    expect(list.devices[0]!.reasons).toEqual([{ rule: 'low_battery', severity: 'critical', value: 4 }]);
    const admin = await clients.admin.get<HealthListResponse>('/api/health/devices?level=warning&limit=1');
    expect(admin).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(admin.devices.map((d) => d.id)).toEqual(['a-tablet']);
    expect((await clients.admin.request('GET', '/api/health/devices?limit=501')).status).toBe(400);
    expect((await clients.admin.request('GET', '/api/health/devices?level=bad')).status).toBe(400);
  });

  it('rolls up per school and per room of a site, within scope', async () => {
    const admin = await clients.admin.get<HealthSummaryResponse>('/api/health/summary?level=school');
    expect(admin.places.map((p) => [p.name, p.level])).toEqual([['Trường THCS Cốc Lếu', 'critical'], ['Trường THCS Kim Tân', 'warning']]);
    expect(admin.totals).toMatchObject({ devices: 4, critical: 1, warning: 1, ok: 2, never: 1 });
    const tech = await clients['tech-a'].get<HealthSummaryResponse>(`/api/health/summary?level=district`);
    expect(tech.places).toEqual([expect.objectContaining({ id: ids.districtA, devices: 3, critical: 1 })]);
    const rooms = await clients['viewer-a'].get<HealthSummaryResponse>(`/api/health/summary?level=room&parentId=${ids.siteA}`);
    expect(rooms.places).toEqual([expect.objectContaining({ id: ids.roomA, name: 'Phòng thông minh 1', devices: 3 })]);
  });

  it('shows a room at a glance', async () => {
    const room = await clients['tech-a'].get<RoomHealthResponse>(`/api/rooms/${ids.roomA}/devices`);
    expect(room.room).toEqual({ id: ids.roomA, name: 'Phòng thông minh 1', type: 'smart_classroom', siteName: 'Điểm chính', schoolId: ids.schoolA, schoolName: 'Trường THCS Cốc Lếu' });
    expect(room.rollup).toMatchObject({ devices: 3, critical: 1, ok: 2, never: 1, level: 'critical' });
    expect(room.devices.map((d) => d.id)).toEqual(['a-board', 'a-sensor', 'a-tablet']);
  });

  it('refuses planners and anonymous users, and another school to a technician', async () => {
    const status = async (u: UserName | 'anonymous', path: string) => (await clients[u].request('GET', path)).status;
    for (const path of ['/api/health/devices', '/api/health/summary?level=school', `/api/rooms/${ids.roomA}/devices`]) {
      expect(await status('planner', path)).toBe(403);
      expect(await status('anonymous', path)).toBe(401);
    }
    expect(await status('tech-a', `/api/health/devices?schoolId=${ids.schoolB}`)).toBe(403);
    expect(await status('tech-a', `/api/health/devices?roomId=${ids.roomB}`)).toBe(403);
    expect(await status('tech-a', `/api/health/summary?level=site&parentId=${ids.schoolB}`)).toBe(403);
    expect(await status('tech-a', `/api/rooms/${ids.roomB}/devices`)).toBe(403);
    expect(await status('tech-a', '/api/rooms/999999/devices')).toBe(404);
    expect((await clients['tech-a'].get<HealthSummaryResponse>(`/api/health/summary?level=room&parentId=${ids.siteB}`)).places).toEqual([]);
  });

  it('pushes changed health to the sockets of that school only, never to planners, without a gateway in the process', async () => {
    const got: Record<'a' | 'b' | 'planner', DeviceHealthView[][]> = { a: [], b: [], planner: [] };
    for (const [key, user] of [['a', 'tech-a'], ['b', 'tech-b'], ['planner', 'planner']] as const) {
      const so = await connectSocket(s.dashboard!.url, clients[user].cookie);
      sockets.push(so);
      so.on('health', (batch) => got[key].push(batch));
    }
    // The first tick with a client only finds where to start; a write after it is what gets pushed.
    await waitFor('the push to start', async () => {
      await s.registry.recordVerdicts([{ deviceId: 'a-board', level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 72 }] }], Date.now());
      // A tick may first push an older state of the board (a busy machine); what matters is that the write arrives.
      return got.a.flat().some((d) => d.id === 'a-board' && d.level === 'critical');
    }, 10_000, 300);
    const seen = got.a.flat().find((d) => d.id === 'a-board' && d.level === 'critical');
    expect(seen).toMatchObject({ level: 'critical', schoolId: ids.schoolA, reasons: [{ rule: 'board_overheat', value: 72 }] });
    expect(got.a.flat().every((d) => d.schoolId === ids.schoolA)).toBe(true);
    await s.registry.recordSignals([{ deviceId: 'b-board', signals: { ...emptySignals(), presence: 'offline', presenceSince: Date.now() } }], Date.now() + 10);
    await waitFor('school B’s push', () => got.b.flat().some((d) => d.id === 'b-board' && d.presence === 'offline'));
    expect(got.b.flat().every((d) => d.schoolId === ids.schoolB)).toBe(true);
    expect(got.a.flat().some((d) => d.schoolId === ids.schoolB)).toBe(false);
    expect(got.planner).toEqual([]);
  });
});
