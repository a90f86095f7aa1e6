import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { emptySignals, type DeviceSignals } from '../../domain/index.js';
import type { RegistryStore } from '../../registry/index.js';
import type { Ctx } from '../../registry/store/context.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';

const engines = useEngines();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const T0 = Date.parse('2026-11-17T02:30:00Z'); // 09:30 on a Tuesday in Hà Nội time
const sig = (presence: DeviceSignals['presence'], since: number): DeviceSignals => ({ ...emptySignals(), presence, presenceSince: since, lastSeen: since, latest: { temp: 41 } });

/** Two schools in two districts; school A has a room of four devices in every state, school B one critical board. */
async function seed(reg: RegistryStore) {
  const dA = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
  const dB = await reg.ensureDistrict({ code: 'SA-PA', name: 'Thị xã Sa Pa' });
  const a = await reg.ensureSchool({ code: 'A', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: dA.id });
  const b = await reg.ensureSchool({ code: 'B', name: 'Trường THPT Sa Pa', level: 'thpt', districtId: dB.id });
  const siteA = await reg.ensureSite({ schoolId: a.id, name: 'Điểm chính' });
  const siteB = await reg.ensureSite({ schoolId: b.id, name: 'Điểm chính' });
  const roomA = await reg.ensureRoom({ siteId: siteA.id, code: 'P1', name: 'Phòng 1', type: 'smart_classroom' });
  const roomA2 = await reg.ensureRoom({ siteId: siteA.id, code: 'P2', name: 'Phòng 2', type: 'smart_classroom' });
  const roomB = await reg.ensureRoom({ siteId: siteB.id, code: 'P1', name: 'Phòng B1', type: 'smart_classroom' });
  const add = (id: string, kind: string, roomId: number) => reg.addDevice({ id, kind, roomId, name: id, issueSecret: false });
  for (const [id, kind, room] of [['a-board', 'board', roomA], ['a-tab-old', 'tablet', roomA], ['a-tab-new', 'tablet', roomA], ['a-off', 'tablet', roomA],
    ['a-ok', 'sensor', roomA], ['a-never', 'vr', roomA2], ['a-retired', 'tablet', roomA], ['b-board', 'board', roomB]] as const) await add(id, kind, room.id);
  await reg.retireDevice('a-retired');
  await reg.recordSignals([
    { deviceId: 'a-board', signals: sig('online', T0 - 3_600_000) }, { deviceId: 'a-tab-old', signals: sig('online', T0 - 7_200_000) },
    { deviceId: 'a-tab-new', signals: sig('online', T0 - 60_000) }, { deviceId: 'a-off', signals: sig('offline', T0 - 600_000) },
    { deviceId: 'a-ok', signals: sig('online', T0 - 900_000) }, { deviceId: 'a-retired', signals: sig('offline', T0 - 900_000) },
    { deviceId: 'b-board', signals: sig('online', T0 - 60_000) },
  ], T0);
  await reg.recordVerdicts([
    { deviceId: 'a-board', level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 71 }] },
    { deviceId: 'a-tab-old', level: 'warning', reasons: [{ rule: 'low_battery', severity: 'warning', value: 9 }] },
    { deviceId: 'a-tab-new', level: 'warning', reasons: [{ rule: 'low_battery', severity: 'warning', value: 12 }] },
    { deviceId: 'a-retired', level: 'critical', reasons: [{ rule: 'no_data', severity: 'critical' }] },
    { deviceId: 'b-board', level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 65 }] },
  ], T0 + 1000);
  // Open alerts are the engine's to write; the queries only count them (a resolved one does not count).
  const c = (reg as unknown as { c: Ctx }).c;
  const alert = (device_id: string, state: string, started_at: number, rule = 'board_overheat') => c.db.insertInto('alerts').values({
    rule, device_id, school_id: a.id, room_id: roomA.id, severity: 'critical', state, value: null, field: null, started_at, updated_at: started_at,
  }).execute();
  await alert('a-board', 'firing', T0 - 1_800_000);
  await alert('a-board', 'acknowledged', T0 - 1_200_000, 'error_events');
  await alert('a-board', 'resolved', T0 - 9_000_000, 'clock_skew');
  return { dA, dB, a, b, siteA, roomA, roomA2, roomB };
}

for (const engine of ENGINES) {
  describe(`health views (${engine})`, () => {
    let reg: RegistryStore;
    let p: Awaited<ReturnType<typeof seed>>;
    it('lists devices worst first: critical, warning (longest-standing first), offline, never seen, ok; retired ones not at all', async () => {
      const dir = tempDir('edufleet-health-views-');
      dirs.push(dir);
      reg = await engines.open(engine, dir);
      p = await seed(reg);
      const { total, devices } = await reg.healthViews({ scope: { schoolIds: [p.a.id] } });
      expect(total).toBe(6);
      expect(devices.map((d) => d.id)).toEqual(['a-board', 'a-tab-old', 'a-tab-new', 'a-off', 'a-never', 'a-ok']);
      expect(devices[0]).toMatchObject({
        level: 'critical', reasons: [{ rule: 'board_overheat', severity: 'critical', value: 71 }], openAlerts: 2, presence: 'online',
        presenceSince: T0 - 3_600_000, latest: { temp: 41 }, roomName: 'Phòng 1', siteName: 'Điểm chính', schoolName: 'Trường THCS Cốc Lếu', districtId: p.dA.id,
      });
      expect(devices.find((d) => d.id === 'a-never')).toMatchObject({ presence: 'never', level: 'ok', reasons: [], openAlerts: 0, presenceSince: null });
    });

    it('filters by place, kind, level or worse, presence and text, and pages', async () => {
      const ids = async (f: Parameters<RegistryStore['healthViews']>[0], page?: { limit?: number; offset?: number }) => (await reg.healthViews(f, page)).devices.map((d) => d.id);
      expect(await ids({ level: 'warning' })).toEqual(['a-board', 'b-board', 'a-tab-old', 'a-tab-new']);
      expect(await ids({ level: 'critical', districtId: p.dB.id })).toEqual(['b-board']);
      expect(await ids({ kind: 'tablet', schoolId: p.a.id })).toEqual(['a-tab-old', 'a-tab-new', 'a-off']);
      expect(await ids({ roomId: p.roomA2.id })).toEqual(['a-never']);
      expect(await ids({ siteId: p.siteA.id, presence: 'offline' })).toEqual(['a-off']);
      expect(await ids({ q: 'TAB' })).toEqual(['a-tab-old', 'a-tab-new']);
      const page = await reg.healthViews({ schoolId: p.a.id }, { limit: 2, offset: 2 });
      expect(page.total).toBe(6);
      expect(page.devices.map((d) => d.id)).toEqual(['a-tab-new', 'a-off']);
    });

    it('never shows another school to a scoped user', async () => {
      expect((await reg.healthViews({ scope: { schoolIds: [p.b.id] } })).devices.map((d) => d.id)).toEqual(['b-board']);
      expect((await reg.healthViews({ scope: { districtIds: [p.dA.id] }, schoolId: p.b.id })).total).toBe(0);
      expect((await reg.healthSummary({ level: 'school' }, { schoolIds: [p.b.id] })).places.map((s) => s.id)).toEqual([p.b.id]);
    });

    it('rolls up per district, school, site and room, worst first', async () => {
      const schools = await reg.healthSummary({ level: 'school' });
      expect(schools.places.map((s) => s.name)).toEqual(['Trường THCS Cốc Lếu', 'Trường THPT Sa Pa']);
      expect(schools.places[0]).toMatchObject({ id: p.a.id, devices: 6, critical: 1, warning: 2, ok: 3, offline: 1, never: 1, level: 'critical' });
      expect(schools.totals).toMatchObject({ devices: 7, critical: 2, warning: 2, ok: 3, level: 'critical' });
      const rooms = await reg.healthSummary({ level: 'room', parentId: p.siteA.id });
      expect(rooms.places.map((r) => [r.name, r.level, r.devices])).toEqual([['Phòng 1', 'critical', 5], ['Phòng 2', 'ok', 1]]);
      const districts = await reg.healthSummary({ level: 'district' });
      expect(districts.places.map((d) => d.id).sort()).toEqual([p.dA.id, p.dB.id].sort());
      const sites = await reg.healthSummary({ level: 'site', parentId: p.b.id });
      expect(sites.places).toEqual([expect.objectContaining({ name: 'Điểm chính', devices: 1, critical: 1 })]);
    });

    it("shows a room's devices in place order, and the devices changed after a time", async () => {
      const room = await reg.roomHealth(p.roomA.id);
      expect(room?.room).toMatchObject({ name: 'Phòng 1', schoolId: p.a.id, schoolName: 'Trường THCS Cốc Lếu', districtId: p.dA.id });
      expect(room?.devices.map((d) => d.id)).toEqual(['a-board', 'a-ok', 'a-off', 'a-tab-new', 'a-tab-old']);
      expect(await reg.roomHealth(999_999)).toBeUndefined();
      // Verdicts (judged_at) and signals (updated_at) both count as a change.
      expect((await reg.changedHealthViews(T0)).map((d) => d.id)).toEqual(['a-board', 'a-tab-new', 'a-tab-old', 'b-board']);
      await reg.recordSignals([{ deviceId: 'a-ok', signals: sig('offline', T0 + 5000) }], T0 + 5000);
      const changed = await reg.changedHealthViews(T0 + 1000, { schoolIds: [p.a.id] });
      expect(changed).toEqual([expect.objectContaining({ id: 'a-ok', presence: 'offline', stamp: T0 + 5000 })]);
      await reg.close();
    });
  });
}
