/**
 * The operations-centre wall's API (issue 22 point 5; docs/integration.md, "The operations-centre wall"): an admin makes a
 * wall token, a read-only planner's whatever was asked; GET /api/wall answers devices by presence (the fleet-health
 * screen's numbers), open alerts by severity, the week's room use ("no data" where the analysis has not covered it) and
 * the records KPI, per district, within the token's scope; a wall token is refused every other route and every write,
 * and opens no live socket; admins and planners may preview the wall with their session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthSummaryResponse, KpiResponse, NewApiTokenResponse, WallResponse } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { wallUsage, wallWeek } from '../../dashboard/server/wall.js';
import { newApiToken } from '../../dashboard/server/security/api-tokens.js';
import { emptySignals, type Presence } from '../../domain/index.js';
import { localDate } from '../../timetable/index.js';
import { insertAlert } from '../helpers/alerts-seed.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient, connectSocketWithToken } from './client.js';

const PASSWORD = 'màn-hình-tường-2026';
const DAY = 86_400_000;

describe('the operations-centre wall API', () => {
  let s: TestStack;
  let admin: ApiClient;
  let d1 = 0;
  let d2 = 0;
  let deviceD1 = '';
  let schoolD1 = 0;
  let provinceWall = '';
  let districtWall = '';

  /** A request as the wall screen sends it: the token, no cookie. */
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(s.dashboard!.url + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown, headers: res.headers };
  };
  const wall = async (token: string) => {
    const r = await call(token, 'GET', '/api/wall');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as WallResponse;
  };
  const makeWall = async (body: Record<string, unknown>) => {
    const r = await admin.request('POST', '/api/tokens', { name: 'Màn hình tường', role: 'planner', kind: 'wall', expiresAt: Date.now() + 30 * DAY, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as NewApiTokenResponse;
  };

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    const reg = s.registry;
    d1 = (await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' })).id;
    d2 = (await reg.ensureDistrict({ code: 'TX-SA-PA', name: 'Thị xã Sa Pa' })).id;
    const room = async (code: string, name: string, districtId: number | null) => {
      const school = await reg.ensureSchool({ code, name, level: 'thpt', districtId, pupils: 900 });
      const site = await reg.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
      return { schoolId: school.id, roomId: (await reg.ensureRoom({ siteId: site.id, code: 'P.TM1', name: 'Phòng học thông minh', type: 'smart_classroom' })).id };
    };
    const a = await room('LC-THPT-A', 'Trường THPT Lào Cai số 1', d1);
    const b = await room('SP-THPT-B', 'Trường THPT Sa Pa', d2);
    const c = await room('SO-THPT-C', 'Trường THPT Chuyên', null);
    schoolD1 = a.schoolId;
    // District 1: one online, one asleep, one offline; district 2: one offline, one never seen; under the Sở: one online.
    const devices: [typeof a, Presence][] = [[a, 'online'], [a, 'sleep'], [a, 'offline'], [b, 'offline'], [b, 'never'], [c, 'online']];
    const ids: string[] = [];
    for (const [place, presence] of devices) {
      const id = (await reg.addDevice({ kind: 'sensor', roomId: place.roomId, name: `Cảm biến ${ids.length + 1}` })).device.id;
      ids.push(id);
      if (presence !== 'never') await reg.recordSignals([{ deviceId: id, signals: { ...emptySignals(), presence, presenceSince: Date.now(), lastSeen: Date.now() } }], Date.now());
    }
    deviceD1 = ids[0]!;
    await insertAlert(reg, { deviceId: ids[0]!, schoolId: a.schoolId, roomId: a.roomId, severity: 'critical', state: 'firing' });
    await insertAlert(reg, { deviceId: ids[1]!, schoolId: a.schoolId, roomId: a.roomId, severity: 'warning', state: 'acknowledged', rule: 'no_data' });
    await insertAlert(reg, { deviceId: ids[3]!, schoolId: b.schoolId, roomId: b.roomId, severity: 'warning', state: 'pending', rule: 'no_data' });
    await insertAlert(reg, { deviceId: ids[4]!, schoolId: b.schoolId, roomId: b.roomId, severity: 'critical', state: 'resolved' });
    // Today analysed for district 1's room only: half its covered timetabled time in use. District 2 and the Sở: no data.
    await reg.usage.replaceDay(localDate(Date.now()), [{ room: a.roomId, school: a.schoolId, totals: {
      timetabledMin: 300, inUseTimetabledMin: 150, periodsAvailable: 6, periodsUsed: 3, outsideMin: 0, coveredMin: 300, periodsUncovered: 0,
    } }], [], []);
    for (const [username, role] of [['quan-tri', 'admin'], ['ke-hoach', 'planner'], ['ky-thuat', 'technician'], ['nguoi-xem', 'viewer']] as const) {
      await reg.addUser({ username, password: PASSWORD, role, scope: role === 'technician' || role === 'viewer' ? { schoolIds: [a.schoolId] } : {} });
    }
    await s.directory.refresh();
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('quan-tri', PASSWORD);
    provinceWall = (await makeWall({ name: 'Màn hình tường của Sở' })).token;
    districtWall = (await makeWall({ name: 'Màn hình Phòng GDĐT Lào Cai', scope: { districtIds: [d1] } })).token;
  });
  afterAll(async () => { await s?.close(); });

  it('makes a wall token a read-only planner\'s whatever role was asked, audits its kind, and refuses one that would write', async () => {
    const { token, view } = await makeWall({ name: 'Màn hình thử', role: 'admin' });
    expect(token).toMatch(/^efk_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({ kind: 'wall', role: 'planner', write: false, state: 'active' });
    const audit = await admin.get<{ entries: { action: string; entityId: string; detail: unknown }[] }>('/api/audit?entity=api_token');
    expect(audit.entries.find((e) => e.action === 'token.create' && e.entityId === String(view.id))?.detail).toMatchObject({ kind: 'wall', role: 'planner', write: false });
    const writing = await admin.request('POST', '/api/tokens', { name: 'Màn hình ghi', role: 'planner', kind: 'wall', write: true, expiresAt: Date.now() + DAY });
    expect(writing.status).toBe(400);
    expect((writing.body as { code: string }).code).toBe('EDUFLEET_ERR_REQUEST_INVALID');
    const ordinary = await admin.request('POST', '/api/tokens', { name: 'Cơ sở dữ liệu ngành', role: 'planner', expiresAt: Date.now() + DAY });
    expect((ordinary.body as NewApiTokenResponse).view.kind).toBe('api');
  });

  it('answers the province: devices by presence as the fleet-health screen counts them, open alerts by severity, the week\'s use and the KPI', async () => {
    const r = await call(provinceWall, 'GET', '/api/wall');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const w = r.body as WallResponse;
    expect(w.scoped).toBe(false);
    expect(w.province.devices).toEqual({ total: 6, online: 2, sleep: 1, offline: 2, never: 1 });
    expect(w.province.alerts).toEqual({ critical: 1, warning: 2 });
    expect(w.districts.map((d) => d.name)).toEqual(['Thành phố Lào Cai', 'Thị xã Sa Pa', null]);
    const [lc, sp, so] = w.districts;
    expect(lc!.figures.devices).toEqual({ total: 3, online: 1, sleep: 1, offline: 1, never: 0 });
    expect(lc!.figures.alerts).toEqual({ critical: 1, warning: 1 });
    expect(sp!.figures.alerts).toEqual({ critical: 0, warning: 1 });
    expect(so!.figures.devices).toEqual({ total: 1, online: 1, sleep: 0, offline: 0, never: 0 });
    // The fleet-health screen's rollups, read by an admin: the same numbers per district (id 0 there: under the Sở).
    const health = await admin.get<HealthSummaryResponse>('/api/health/summary?level=district');
    expect(health.places).toHaveLength(3);
    for (const place of health.places) {
      const d = w.districts.find((x) => (x.districtId ?? 0) === place.id)!;
      expect({ devices: d.figures.devices.total, offline: d.figures.devices.offline, never: d.figures.devices.never }, place.name)
        .toEqual({ devices: place.devices, offline: place.offline, never: place.never });
    }
    // The week Monday to today (Asia/Ho_Chi_Minh); district 1 analysed, the others honestly without data.
    expect(w.week).toEqual(wallWeek(Date.now()));
    expect(lc!.figures.usage).toMatchObject({ rooms: 1, timeUtilisation: 0.5, coverage: 1 });
    expect(sp!.figures.usage).toBeNull();
    expect(so!.figures.usage).toBeNull();
    expect(w.province.usage?.timeUtilisation).toBe(0.5);
    // The KPI page's figure.
    const kpi = await admin.get<KpiResponse>('/api/kpi');
    expect(w.province.kpi).toEqual({ devices: kpi.province.devices, withRecord: kpi.province.withRecord, recordShare: kpi.province.recordShare });
    expect(w.kpiTarget?.share).toBeGreaterThanOrEqual(0.8);
  });

  it('shows a district wall token its district only', async () => {
    const w = await wall(districtWall);
    expect(w.scoped).toBe(true);
    expect(w.districts.map((d) => d.districtId)).toEqual([d1]);
    expect(w.province.devices).toEqual({ total: 3, online: 1, sleep: 1, offline: 1, never: 0 });
    expect(w.province.alerts).toEqual({ critical: 1, warning: 1 });
    expect(JSON.stringify(w)).not.toContain('Sa Pa');
  });

  it('follows a device going offline on the next request', async () => {
    const before = (await wall(districtWall)).province.devices;
    await s.registry.recordSignals([{ deviceId: deviceD1, signals: { ...emptySignals(), presence: 'offline', presenceSince: Date.now(), lastSeen: Date.now() } }], Date.now());
    const after = (await wall(districtWall)).province.devices;
    expect(after).toEqual({ ...before, online: before.online - 1, offline: before.offline + 1 });
  });

  it('refuses a wall token every other route, public ones and writes included, with a coded 403', async () => {
    const refused: [string, string, unknown?][] = [
      ['GET', '/api/kpi'], ['GET', '/api/overview'], ['GET', '/api/devices'], ['GET', '/api/usage'], ['GET', '/api/me'],
      ['GET', '/api/hierarchy/tree'], ['GET', '/api/tokens'], ['GET', '/api/openapi.json'], ['GET', '/api/no-such-route'],
      ['POST', '/api/devices', { kind: 'board', roomId: 1, name: 'Bảng mới' }], ['PATCH', `/api/devices/${deviceD1}`, { notes: 'Ghi chú' }],
      ['PUT', `/api/schools/${schoolD1}/timetable`, { terms: [] }], ['DELETE', '/api/schedules/1'], ['POST', '/api/tokens', { name: 'x', role: 'admin', expiresAt: Date.now() + DAY }],
      ['POST', '/api/logout'], ['POST', '/api/login', { username: 'quan-tri', password: PASSWORD }], ['POST', '/api/wall'],
    ];
    for (const [method, path, body] of refused) {
      const r = await call(provinceWall, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body, `${method} ${path}`).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_WALL_ONLY' });
    }
    // Nothing was written: the device kept its record, no token was made.
    expect((await admin.get<{ notes: string | null }>(`/api/devices/${deviceD1}/record`)).notes).not.toBe('Ghi chú');
    expect((await admin.get<{ tokens: { name: string }[] }>('/api/tokens')).tokens.map((t) => t.name)).not.toContain('x');
  });

  it('opens no live socket for a wall token', async () => {
    await expect(connectSocketWithToken(s.dashboard!.url, provinceWall)).rejects.toThrow(/Log in first/);
  });

  it('lets admins and planners preview the wall with their session, and not technicians or viewers', async () => {
    for (const [username, status] of [['quan-tri', 200], ['ke-hoach', 200], ['ky-thuat', 403], ['nguoi-xem', 403]] as const) {
      const c = new ApiClient(s.dashboard!.url);
      await c.login(username, PASSWORD);
      expect((await c.request('GET', '/api/wall')).status, username).toBe(status);
    }
    expect((await new ApiClient(s.dashboard!.url).request('GET', '/api/wall')).status).toBe(401);
    // An ordinary planner token reads the wall too (the planner role may); only a wall token is held to it.
    const { token } = (await admin.request('POST', '/api/tokens', { name: 'Kế hoạch', role: 'planner', expiresAt: Date.now() + DAY })).body as NewApiTokenResponse;
    expect((await call(token, 'GET', '/api/wall')).status).toBe(200);
    expect((await call(token, 'GET', '/api/kpi')).status).toBe(200);
  });

  it('answers 401 to a revoked or an expired wall token, saying which', async () => {
    const { token, view } = await makeWall({ name: 'Màn hình sẽ thu hồi' });
    expect((await call(token, 'GET', '/api/wall')).status).toBe(200);
    expect((await admin.request('POST', `/api/tokens/${view.id}/revoke`)).status).toBe(200);
    expect((await call(token, 'GET', '/api/wall')).body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_TOKEN_REVOKED' });
    const old = newApiToken();
    await s.registry.apiTokens.add({ ...old, name: 'Màn hình cũ', role: 'planner', scope: {}, write: false, expiresAt: Date.now() - 1000, kind: 'wall' }, 'quan-tri', Date.now() - DAY);
    expect((await call(old.token, 'GET', '/api/wall')).body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_TOKEN_EXPIRED' });
  });

  it('says "no data" for a group no analysed data covered, never 0 %', () => {
    const figures = { timetabledHours: 5, usedHours: 0, outsideHours: 0, periods: 6, periodsUsed: 0, periodsCovered: 0, periodsUncovered: 6, timeUtilisation: null, periodUtilisation: null, coveredHours: 0, coverage: 0 };
    const group = { key: '1', name: 'Thành phố Lào Cai', rooms: 2, figures, underused: 0, saturated: 0, noData: 2, annualCostVnd: 0, costPerUsedHourVnd: null };
    expect(wallUsage(group)).toBeNull();
    expect(wallUsage(undefined)).toBeNull();
    expect(wallUsage({ ...group, figures: { ...figures, coveredHours: 2.5, coverage: 0.5, usedHours: 1, timeUtilisation: 0.4 } })).toMatchObject({ timeUtilisation: 0.4, coverage: 0.5 });
    // A Sunday belongs to the week that began the Monday before; Monday starts a new one.
    expect(wallWeek(Date.parse('2026-12-06T10:00:00+07:00'))).toEqual({ from: '2026-11-30', to: '2026-12-07' });
    expect(wallWeek(Date.parse('2026-12-07T00:30:00+07:00'))).toEqual({ from: '2026-12-07', to: '2026-12-08' });
  });
});
