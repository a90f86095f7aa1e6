import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { DeviceDetail, DeviceListResponse, LiveView, Me, OverviewResponse } from '../../api/index.js';
import { topics } from '../../protocol/index.js';
import type { Device } from '../../registry/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

describe('the dashboard API', () => {
  let s: TestStack;
  let base: string;
  let tabletA: Device;
  let secretA: string;
  let boardB: Device;
  let schoolAId: number;
  let schoolBId: number;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    base = s.dashboard!.url;
    const a = await seedSchool(s.registry, 'LC-THPT-CHUYEN');
    const schoolB = await s.registry.ensureSchool({ code: 'LC-THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: a.district.id });
    const siteB = await s.registry.ensureSite({ schoolId: schoolB.id, name: 'Điểm chính' });
    const roomB = await s.registry.ensureRoom({ siteId: siteB.id, code: 'P.TIN', name: 'Phòng Tin học', type: 'computer_room' });
    schoolAId = a.school.id;
    schoolBId = schoolB.id;
    const added = await s.registry.addDevice({ kind: 'tablet', roomId: a.room.id, name: 'Máy tính bảng 01' });
    tabletA = added.device;
    secretA = added.secret!;
    boardB = (await s.registry.addDevice({ kind: 'board', roomId: roomB.id, name: 'Bảng tương tác P.Tin', issueSecret: false })).device;
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv-a', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] }, displayName: 'Kỹ thuật viên A' });
    await s.directory.refresh();
  });

  afterAll(async () => {
    for (const c of closers) await c();
    await s?.close();
  });

  it('refuses every API route without a session with 401 and a coded error', async () => {
    const c = new ApiClient(base);
    for (const path of ['/api/me', '/api/overview', '/api/devices', `/api/devices/${tabletA.id}`, '/api/hierarchy', '/api/kinds']) {
      const r = await c.request('GET', path);
      expect(r.status, path).toBe(401);
      expect(r.body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_REQUIRED' });
    }
  });

  it('refuses a wrong password with 401 and sets no session', async () => {
    const c = new ApiClient(base);
    const r = await c.request('POST', '/api/login', { username: 'admin', password: 'sai-mật-khẩu' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_BAD_LOGIN' });
    expect((await c.request('GET', '/api/me')).status).toBe(401);
  });

  it('logs in with an httpOnly, SameSite=Lax cookie kept in the registry, and logs out', async () => {
    const c = new ApiClient(base);
    const r = await c.request('POST', '/api/login', { username: 'ktv-a', password: PASSWORD });
    expect(r.status).toBe(200);
    const setCookie = r.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(await c.get<Me>('/api/me')).toMatchObject({ username: 'ktv-a', role: 'technician', displayName: 'Kỹ thuật viên A' });
    expect(await s.registry.sessionCount()).toBeGreaterThan(0);
    expect((await c.request('POST', '/api/logout')).status).toBe(200);
    expect((await c.request('GET', '/api/me')).status).toBe(401);
  });

  it('answers /healthz and /metrics without a login', async () => {
    const c = new ApiClient(base);
    const h = await c.request('GET', '/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', influx: 'ok', spool: { pendingBytes: expect.any(Number) } });
    const m = await c.request('GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toContain('edufleet_readings_accepted_total');
  });

  it('keeps a technician of school A away from school B: 403 on its device, absent from lists and overview', async () => {
    const c = new ApiClient(base);
    await c.login('ktv-a', PASSWORD);
    const forbidden = await c.request('GET', `/api/devices/${boardB.id}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
    expect((await c.request('GET', `/api/devices/${tabletA.id}`)).status).toBe(200);

    const list = await c.get<DeviceListResponse>('/api/devices');
    expect(list.devices.map((d) => d.id)).toEqual([tabletA.id]);
    expect(list.total).toBe(1);
    const asked = await c.get<DeviceListResponse>(`/api/devices?schoolId=${schoolBId}`);
    expect(asked.total).toBe(0);

    const overview = await c.get<OverviewResponse>('/api/overview');
    expect(overview.bySchool.map((x) => x.schoolId)).toEqual([schoolAId]);
    expect(overview.totals.total).toBe(1);

    const hierarchy = await c.get<{ schools: { id: number }[] }>('/api/hierarchy');
    expect(hierarchy.schools.map((x) => x.id)).toEqual([schoolAId]);
  });

  it('lets an admin see the whole province', async () => {
    const c = new ApiClient(base);
    await c.login('admin', PASSWORD);
    const overview = await c.get<OverviewResponse>('/api/overview');
    expect(overview.totals.total).toBe(2);
    expect(overview.bySchool.map((x) => x.name).sort()).toEqual(['Trường THCS Cốc Lếu', 'Trường THPT Chuyên Lào Cai']);
    const detail = await c.get<DeviceDetail>(`/api/devices/${boardB.id}`);
    expect(detail.device).toMatchObject({ schoolName: 'Trường THCS Cốc Lếu', roomName: 'Phòng Tin học', state: 'unknown', problems: ['offline'] });
  });

  it('answers 404 with a coded error for an unknown device and 400 for a malformed filter', async () => {
    const c = new ApiClient(base);
    await c.login('admin', PASSWORD);
    const missing = await c.request('GET', '/api/devices/khong-co');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    expect((await c.request('GET', '/api/devices?kind=may-chieu')).status).toBe(400);
    expect((await c.request('GET', '/api/devices?limit=100000')).status).toBe(400);
  });

  it('refuses a Socket.IO connection without a session cookie', async () => {
    await expect(connectSocket(base)).rejects.toThrow(/Log in first/);
    await expect(connectSocket(base, 'edufleet.sid=forged.value')).rejects.toThrow(/Log in first/);
  });

  it('pushes a coalesced devices batch to a logged-in socket after a device publishes, with its problems', async () => {
    const c = new ApiClient(base);
    await c.login('ktv-a', PASSWORD);
    const socket: LiveSocket = await connectSocket(base, c.cookie);
    closers.push(() => socket.close());
    const batches: LiveView[][] = [];
    socket.on('devices', (b) => batches.push(b));

    const device: MqttClient = await connectDevice(s.mqttUrl, tabletA.id, secretA);
    closers.push(() => device.endAsync());
    // A backlog of five readings in one message: the browser gets the device once, with the newest values.
    const t0 = Date.now() - 5000;
    const backlog = [12, 11, 10, 9, 8].map((battery, i) => ({ ts: t0 + i * 1000, battery, charging: false }));
    await device.publishAsync(topics.telemetry(tabletA.id), JSON.stringify(backlog), { qos: 1 });
    const last = await waitFor('a batch with the last reading', () =>
      batches.flat().find((v) => v.id === tabletA.id && v.latest.battery !== undefined));
    expect(last).toMatchObject({ state: 'online', lastReadingTs: t0 + 4000, latest: { battery: 8, charging: false }, problems: ['low_battery'] });
    expect(batches.flat().filter((v) => v.id === tabletA.id && v.latest.battery !== undefined)).toHaveLength(1);
    expect(batches.every((b) => b.every((v) => v.id !== boardB.id))).toBe(true);
  });

  it('lets a socket watch a device in scope and refuses one out of scope', async () => {
    const c = new ApiClient(base);
    await c.login('ktv-a', PASSWORD);
    const socket: LiveSocket = await connectSocket(base, c.cookie);
    closers.push(() => socket.close());
    expect(await socket.emitWithAck('watch', tabletA.id)).toEqual({ ok: true });
    expect(await socket.emitWithAck('watch', boardB.id)).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
  });

  it('returns the last hour of readings from InfluxDB on the device page', async () => {
    const c = new ApiClient(base);
    await c.login('admin', PASSWORD);
    const detail = await waitFor('readings in InfluxDB', async () => {
      const d = await c.get<DeviceDetail>(`/api/devices/${tabletA.id}`);
      return d.readings.length >= 5 ? d : null;
    });
    expect(detail.readings.map((r) => r.values.battery)).toEqual([12, 11, 10, 9, 8]);
    expect(detail.device).toMatchObject({ schoolName: 'Trường THPT Chuyên Lào Cai', districtName: 'Thành phố Lào Cai', siteName: 'Điểm chính' });
  });
});
