import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { aggregateKpi, hasCompleteRecord, isPastServiceLife, vnToday } from '../../dashboard/server/kpi.js';
import type { KpiFigures, KpiResponse } from '../../api/index.js';
import { topics } from '../../protocol/index.js';
import type { RegistryStore } from '../../registry/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient } from './client.js';

const PASSWORD = 'chỉ-số-số-hoá-2025';
const LIVE_ID = 'tablet-kpi-live';

/** A complete record: code, kind, room, model, in-service date and cost. */
const complete = (code: string) => ({ code, model: 'Samsung Galaxy Tab A9', manufacturer: 'Samsung', inServiceDate: '2024-09-05', costVnd: 6_500_000, serviceLifeYears: 5 });

async function room(registry: RegistryStore, schoolId: number, code: string) {
  const site = await registry.ensureSite({ schoolId, name: 'Điểm chính' });
  return registry.ensureRoom({ siteId: site.id, code, name: `Phòng ${code}`, type: 'classroom' });
}

describe('the digital-records KPI', () => {
  let s: TestStack;
  let base: string;
  let live: MqttClient | undefined;
  const ids = { a1: 0, a2: 0, b1: 0, so: 0, districtA: 0, districtB: 0 };

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    base = s.dashboard!.url;
    const r = s.registry;
    // District A (Thành phố Lào Cai): school A1 with 3 counted devices (+1 retired), school A2 with 1.
    const a = await seedSchool(r, 'LC-THPT-CHUYEN');
    const a2 = await r.ensureSchool({ code: 'LC-THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: a.district.id });
    // District B (Huyện Bát Xát): school B1 with 2 devices.
    const districtB = await r.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    const b1 = await r.ensureSchool({ code: 'BX-THCS-BAT-XAT', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: districtB.id });
    // Directly under the Sở: one GDTX centre with 1 device.
    const so = await r.ensureSchool({ code: 'LC-GDTX', name: 'Trung tâm GDTX tỉnh Lào Cai', level: 'gdtx', districtId: null });
    Object.assign(ids, { a1: a.school.id, a2: a2.id, b1: b1.id, so: so.id, districtA: a.district.id, districtB: districtB.id });

    // A1: live + complete; complete but past its service life (credentials, never heard of); incomplete (no cost) in repair; retired.
    const liveDevice = await r.addDevice({ kind: 'tablet', roomId: a.room.id, id: LIVE_ID, name: 'Máy tính bảng 01', ...complete('TB-001') });
    await r.addDevice({ kind: 'board', roomId: a.room.id, name: 'Bảng tương tác cũ', ...complete('BTT-001'), inServiceDate: '2012-08-20', serviceLifeYears: 8 });
    await r.addDevice({ kind: 'vr', roomId: a.room.id, name: 'Kính VR 01', issueSecret: false, code: 'VR-001', model: 'Meta Quest 3', inServiceDate: '2024-09-05', state: 'in_repair' });
    await r.addDevice({ kind: 'tablet', roomId: a.room.id, name: 'Máy tính bảng thanh lý', issueSecret: false, ...complete('TB-OLD'), state: 'retired' });
    // A2: complete, no credentials (a record before the device ever connects).
    await r.addDevice({ kind: 'board', roomId: (await room(r, a2.id, 'P.TIN')).id, name: 'Bảng P.Tin', issueSecret: false, ...complete('CL-BTT-01') });
    // A2: complete, credentials revoked: still an asset with a record, no longer in the base of the live share.
    const revoked = await r.addDevice({ kind: 'tablet', roomId: (await room(r, a2.id, 'P.TIN')).id, name: 'Máy tính bảng bị thu hồi khoá', ...complete('CL-TB-01') });
    await r.revokeDevice(revoked.device.id);
    // B1: complete with a serial but no model; incomplete (no code).
    const roomB = await room(r, b1.id, 'P.01');
    await r.addDevice({ kind: 'sensor', roomId: roomB.id, name: 'Cảm biến P.01', issueSecret: false, code: 'BX-CB-01', serial: 'SN-778899', inServiceDate: '2023-01-10', costVnd: 2_000_000 });
    await r.addDevice({ kind: 'sensor', roomId: roomB.id, name: 'Cảm biến P.01 (2)', issueSecret: false, serial: 'SN-778900', inServiceDate: '2023-01-10', costVnd: 2_000_000 });
    // Sở: incomplete (no in-service date).
    await r.addDevice({ kind: 'board', roomId: (await room(r, so.id, 'P.HOP')).id, name: 'Bảng phòng họp', issueSecret: false, code: 'GDTX-01', model: 'Promethean', costVnd: 80_000_000 });

    await r.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await r.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner', displayName: 'Phòng Kế hoạch Sở' });
    await r.addUser({ username: 'ke-hoach-a', password: PASSWORD, role: 'planner', scope: { districtIds: [a.district.id] } });
    await r.addUser({ username: 'ktv-b1', password: PASSWORD, role: 'technician', scope: { schoolIds: [b1.id] } });
    await r.addUser({ username: 'xem', password: PASSWORD, role: 'viewer' });
    await s.directory.refresh();

    // The live device reports over real MQTT.
    live = await connectDevice(s.mqttUrl, LIVE_ID, liveDevice.secret!);
    await live.publishAsync(topics.telemetry(LIVE_ID), JSON.stringify({ battery: 90, charging: false, wifiRssi: -50 }), { qos: 1 });
    await waitFor('the live device to be heard of', () => s.gateway!.live.get(LIVE_ID)?.lastSeen != null);
  });

  afterAll(async () => {
    await live?.endAsync();
    await s?.close();
  });

  const kpiAs = async (username: string): Promise<KpiResponse> => {
    const c = new ApiClient(base);
    await c.login(username, PASSWORD);
    return c.get<KpiResponse>('/api/kpi');
  };
  const school = (k: KpiResponse, id: number): KpiFigures => k.schools.find((x) => x.schoolId === id)!.figures;
  const district = (k: KpiResponse, id: number | null): KpiFigures => k.districts.find((x) => x.districtId === id)!.figures;

  it('refuses without a session with 401', async () => {
    const r = await new ApiClient(base).request('GET', '/api/kpi');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_REQUIRED' });
  });

  it('gives the exact shares per school, per district and for the province', async () => {
    const k = await kpiAs('ke-hoach');
    expect(k.targets).toEqual([{ year: 2025, share: 0.8 }, { year: 2030, share: 1 }]);
    expect(k.scoped).toBe(false);
    expect(school(k, ids.a1)).toEqual({ devices: 3, withRecord: 2, recordShare: 2 / 3, connected: 2, live24h: 1, liveShare: 0.5,
      pastLife: 1, pastLifeShare: 1 / 3, inRepair: 1, repairShare: 1 / 3 });
    expect(school(k, ids.a2)).toEqual({ devices: 2, withRecord: 2, recordShare: 1, connected: 0, live24h: 0, liveShare: null,
      pastLife: 0, pastLifeShare: 0, inRepair: 0, repairShare: 0 });
    expect(school(k, ids.b1)).toMatchObject({ devices: 2, withRecord: 1, recordShare: 0.5, liveShare: null, pastLifeShare: 0, repairShare: 0 });
    expect(school(k, ids.so)).toMatchObject({ devices: 1, withRecord: 0, recordShare: 0 });
    expect(district(k, ids.districtA)).toEqual({ devices: 5, withRecord: 4, recordShare: 0.8, connected: 2, live24h: 1, liveShare: 0.5,
      pastLife: 1, pastLifeShare: 0.2, inRepair: 1, repairShare: 0.2 });
    expect(district(k, ids.districtB)).toMatchObject({ devices: 2, withRecord: 1, recordShare: 0.5 });
    expect(district(k, null)).toMatchObject({ devices: 1, withRecord: 0, recordShare: 0 });
    expect(k.districts.map((d) => d.name)).toEqual(['Huyện Bát Xát', 'Thành phố Lào Cai', null]);
    expect(k.province).toEqual({ devices: 8, withRecord: 5, recordShare: 5 / 8, connected: 2, live24h: 1, liveShare: 0.5,
      pastLife: 1, pastLifeShare: 1 / 8, inRepair: 1, repairShare: 1 / 8 });
    expect(await kpiAs('admin')).toMatchObject({ province: k.province });
    expect((await kpiAs('xem')).province).toEqual(k.province);
  });

  it('shows a technician scoped to one school only that school', async () => {
    const k = await kpiAs('ktv-b1');
    expect(k.scoped).toBe(true);
    expect(k.schools.map((x) => x.schoolId)).toEqual([ids.b1]);
    expect(k.districts.map((x) => x.districtId)).toEqual([ids.districtB]);
    expect(k.province).toMatchObject({ devices: 2, withRecord: 1, recordShare: 0.5 });
  });

  it('shows a district planner only that district', async () => {
    const k = await kpiAs('ke-hoach-a');
    expect(k.schools.map((x) => x.schoolId).sort()).toEqual([ids.a1, ids.a2].sort());
    expect(k.province).toMatchObject({ devices: 5, withRecord: 4, recordShare: 0.8, liveShare: 0.5 });
  });
});

describe('the KPI rules', () => {
  it('reads today in Asia/Ho_Chi_Minh', () => {
    expect(vnToday(Date.UTC(2026, 0, 31, 16, 59))).toBe('2026-01-31');
    expect(vnToday(Date.UTC(2026, 0, 31, 17, 0))).toBe('2026-02-01');
  });

  it('is past service life only after in-service date + life', () => {
    expect(isPastServiceLife('2020-03-01', 5, '2025-03-01')).toBe(false);
    expect(isPastServiceLife('2020-03-01', 5, '2025-03-02')).toBe(true);
    expect(isPastServiceLife(null, 5, '2030-01-01')).toBe(false);
    expect(isPastServiceLife('2020-03-01', null, '2030-01-01')).toBe(false);
  });

  it('needs every field of a complete record, model or serial', () => {
    const full = { code: 'X', kind: 'board', roomId: 1, model: 'M', serial: null, inServiceDate: '2024-01-01', costVnd: 1 };
    expect(hasCompleteRecord(full)).toBe(true);
    expect(hasCompleteRecord({ ...full, model: null, serial: 'S' })).toBe(true);
    expect(hasCompleteRecord({ ...full, model: ' ' })).toBe(false);
    expect(hasCompleteRecord({ ...full, code: null })).toBe(false);
    expect(hasCompleteRecord({ ...full, inServiceDate: null })).toBe(false);
    expect(hasCompleteRecord({ ...full, costVnd: null })).toBe(false);
  });

  it('counts a device heard of more than 24 h ago as not live', () => {
    const now = Date.UTC(2026, 10, 23);
    const row = { schoolId: 1, schoolName: 'T', districtId: null, districtName: null, deviceId: 'd', kind: 'tablet', roomId: 1, code: null,
      model: null, serial: null, inServiceDate: null, costVnd: null, serviceLifeYears: null, state: 'in_use', connectable: 1 };
    expect(aggregateKpi([row], () => now - 24 * 3600_000, now).province.liveShare).toBe(1);
    expect(aggregateKpi([row], () => now - 24 * 3600_000 - 1, now).province.liveShare).toBe(0);
  });
});
