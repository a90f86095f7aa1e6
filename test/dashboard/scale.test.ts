import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { DeviceListResponse, OverviewResponse } from '../../api/index.js';
import { DEVICE_KINDS } from '../../protocol/index.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { ApiClient } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const SCHOOLS = 40;
const ROOMS_PER_SCHOOL = 5;
const PER_ROOM = 100; // 40 × 5 × 100 = 20,000 devices
const TOTAL = SCHOOLS * ROOMS_PER_SCHOOL * PER_ROOM;
const ONLINE_EVERY = 40; // every 40th device connected: 500

describe('the dashboard with 20,000 devices', () => {
  let s: TestStack;
  let admin: ApiClient;
  const schoolIds: number[] = [];

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    const r = s.registry;
    // The places in one transaction, then the 20,000 devices in batched bulk inserts: seconds, not minutes.
    const ids = await r.ensurePlaces({
      districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
      schools: Array.from({ length: SCHOOLS }, (_, si) => ({
        code: `BX-TH-${si}`, name: `Trường Tiểu học số ${si + 1} Bát Xát`, level: 'tieu_hoc' as const, district: 'BAT-XAT',
        sites: [{ name: 'Điểm chính', rooms: Array.from({ length: ROOMS_PER_SCHOOL }, (_, ri) => ({ code: `P${ri + 1}`, name: `Phòng học ${ri + 1}`, type: 'classroom' as const })) }],
      })),
    });
    const devices = [];
    let n = 0;
    for (const school of ids.schools) {
      schoolIds.push(school.id);
      for (const roomId of school.sites[0]!.rooms) {
        for (let k = 0; k < PER_ROOM; k++, n++) devices.push({ kind: DEVICE_KINDS[n % DEVICE_KINDS.length]!, roomId, id: `dev-${String(n).padStart(5, '0')}`, issueSecret: false });
      }
    }
    await r.addDevices(devices);
    await r.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await r.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [schoolIds[3]!] } });
    await s.directory.refresh();
    for (let n = 0; n < TOTAL; n += ONLINE_EVERY) await s.gateway!.presence(`dev-${String(n).padStart(5, '0')}`, 'online');
    admin = new ApiClient(s.dashboard!.url);
    await admin.login('admin', PASSWORD);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('counts every device in the overview, per kind and per school, with the online ones', async () => {
    const o = await admin.get<OverviewResponse>('/api/overview');
    expect(o.totals).toEqual({ total: TOTAL, online: TOTAL / ONLINE_EVERY, offline: TOTAL - TOTAL / ONLINE_EVERY, problems: 0 });
    expect(o.byKind.map((k) => k.counts.total)).toEqual(DEVICE_KINDS.map(() => TOTAL / DEVICE_KINDS.length));
    expect(o.bySchool).toHaveLength(SCHOOLS);
    for (const school of o.bySchool) expect(school.counts.total).toBe(ROOMS_PER_SCHOOL * PER_ROOM);
    expect(o.bySchool.reduce((sum, x) => sum + x.counts.online, 0)).toBe(TOTAL / ONLINE_EVERY);
  });

  it('pages through the whole list in server-side pages without gaps or repeats', async () => {
    const first = await admin.get<DeviceListResponse>('/api/devices?limit=500');
    expect(first.total).toBe(TOTAL);
    expect(first.devices).toHaveLength(500);
    expect(first.devices[0]).toMatchObject({ id: 'dev-00000', state: 'online', schoolName: 'Trường Tiểu học số 1 Bát Xát', roomName: 'Phòng học 1' });
    const last = await admin.get<DeviceListResponse>(`/api/devices?limit=500&offset=${TOTAL - 100}`);
    expect(last.devices.map((d) => d.id)).toEqual(Array.from({ length: 100 }, (_, i) => `dev-${TOTAL - 100 + i}`));
    const seen = new Set<string>();
    for (let offset = 0; offset < TOTAL; offset += 500) {
      for (const d of (await admin.get<DeviceListResponse>(`/api/devices?limit=500&offset=${offset}`)).devices) seen.add(d.id);
    }
    expect(seen.size).toBe(TOTAL);
  });

  it('filters by school, room, kind, text and live state with correct totals', async () => {
    const bySchool = await admin.get<DeviceListResponse>(`/api/devices?schoolId=${schoolIds[7]}&limit=10`);
    expect(bySchool.total).toBe(ROOMS_PER_SCHOOL * PER_ROOM);
    const room = bySchool.devices[0]!.roomId;
    expect((await admin.get<DeviceListResponse>(`/api/devices?roomId=${room}`)).total).toBe(PER_ROOM);
    expect((await admin.get<DeviceListResponse>('/api/devices?kind=vr&limit=1')).total).toBe(TOTAL / DEVICE_KINDS.length);
    expect((await admin.get<DeviceListResponse>('/api/devices?q=dev-0199')).total).toBe(10); // dev-01990 … dev-01999
    const online = await admin.get<DeviceListResponse>('/api/devices?state=online&limit=50&offset=450');
    expect(online.total).toBe(TOTAL / ONLINE_EVERY);
    expect(online.devices).toHaveLength(50);
    expect(online.devices.every((d) => d.state === 'online')).toBe(true);
    expect((await admin.get<DeviceListResponse>('/api/devices?state=unknown&limit=1')).total).toBe(TOTAL - TOTAL / ONLINE_EVERY);
  });

  it('limits a technician to their one school among forty', async () => {
    const ktv = new ApiClient(s.dashboard!.url);
    await ktv.login('ktv', PASSWORD);
    const o = await ktv.get<OverviewResponse>('/api/overview');
    expect(o.totals.total).toBe(ROOMS_PER_SCHOOL * PER_ROOM);
    expect(o.bySchool.map((x) => x.schoolId)).toEqual([schoolIds[3]]);
    expect((await ktv.get<DeviceListResponse>('/api/devices?limit=1')).total).toBe(ROOMS_PER_SCHOOL * PER_ROOM);
    expect((await ktv.get<DeviceListResponse>(`/api/devices?schoolId=${schoolIds[4]}`)).total).toBe(0);
  });

  it("counts tablets whose live battery fell below their kind's threshold as problems", async () => {
    const tablets = Array.from({ length: TOTAL }, (_, n) => n).filter((n) => DEVICE_KINDS[n % DEVICE_KINDS.length] === 'tablet' && n % ONLINE_EVERY !== 0).slice(0, 250);
    const now = Date.now();
    for (const n of tablets) s.gateway!.live.reading(`dev-${String(n).padStart(5, '0')}`, 'tablet', now, { battery: 5, charging: false }, now);
    const o = await admin.get<OverviewResponse>('/api/overview');
    expect(o.totals.problems).toBe(tablets.length);
    expect(o.byProblem.low_battery).toBe(tablets.length);
    expect((await admin.get<DeviceListResponse>('/api/devices?state=problem&limit=1')).total).toBe(tablets.length);
  });
});
