/** The second half of the RegistryStore contract: users, sessions, timetables, subscriptions, named queries, transactions, reports. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/store/index.js';
import { defaultTerms } from '../../timetable/index.js';

export function moreContract(open: () => Promise<RegistryStore>): void {
  let s: RegistryStore;
  beforeEach(async () => { s = await open(); });
  afterEach(async () => { await s.close(); });

  async function place() {
    const d = await s.ensureDistrict({ code: 'BX', name: 'Huyện Bát Xát' });
    const school = await s.ensureSchool({ code: 'TH-BX', name: 'Trường TH Bát Xát', level: 'tieu_hoc', districtId: d.id, pupils: 300 });
    const other = await s.ensureSchool({ code: 'THPT-1', name: 'Trường THPT 1', level: 'thpt', districtId: null });
    const room = await s.ensureRoom({ siteId: (await s.ensureSite({ schoolId: school.id, name: 'Điểm chính' })).id, code: 'P1', name: 'Phòng 1', type: 'computer_room', capacity: 35 });
    await s.ensureRoom({ siteId: (await s.ensureSite({ schoolId: other.id, name: 'Điểm chính' })).id, code: 'P9', name: 'Phòng trống', type: 'classroom' });
    return { d, school, other, room };
  }

  it('keeps users, verifies passwords and refuses disabled accounts', async () => {
    const u = await s.addUser({ username: 'ktv', password: 'mat-khau-1', role: 'technician', scope: { schoolIds: [3] }, displayName: 'Kỹ thuật viên' });
    expect(u).toMatchObject({ username: 'ktv', displayName: 'Kỹ thuật viên', role: 'technician', scope: { schoolIds: [3] }, disabled: false });
    await expect(s.addUser({ username: 'ktv', password: 'mat-khau-1', role: 'technician' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    await expect(s.addUser({ username: 'x', password: 'short', role: 'admin' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    await expect(s.addUser({ username: 'x', password: 'long enough', role: 'king' as never })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    expect((await s.verifyUser('ktv', 'mat-khau-1'))?.id).toBe(u.id);
    expect(await s.verifyUser('ktv', 'sai-mat-khau')).toBeUndefined();
    expect(await s.verifyUser('nobody', 'mat-khau-1')).toBeUndefined();
    await s.setPassword('ktv', 'mat-khau-2');
    expect(await s.verifyUser('ktv', 'mat-khau-2')).toBeDefined();
    const off = await s.updateUser(u.id, { disabled: true, role: 'viewer', scope: {} });
    expect(off).toMatchObject({ disabled: true, role: 'viewer', scope: {} });
    expect(await s.verifyUser('ktv', 'mat-khau-2')).toBeUndefined();
    await expect(s.updateUser(999, { displayName: 'x' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    await expect(s.updateUser(u.id, { password: 'short' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    expect((await s.users()).map((x) => x.username)).toEqual(['ktv']);
    expect((await s.userByName('ktv'))?.id).toBe(u.id);
    expect(await s.user(999)).toBeUndefined();
  });

  it('stores sessions until they expire', async () => {
    const now = Date.now();
    await s.sessionSet('a', '{"u":1}', now + 60_000);
    await s.sessionSet('a', '{"u":2}', now + 60_000);
    await s.sessionSet('old', '{}', now - 1);
    expect(await s.sessionGet('a')).toBe('{"u":2}');
    expect(await s.sessionGet('old')).toBeUndefined();
    expect(await s.sessionCount()).toBe(2);
    expect(await s.sessionPurge()).toBe(1);
    await s.sessionDestroy('a');
    expect(await s.sessionGet('a')).toBeUndefined();
  });

  it('keeps timetables per school and term, refusing overlaps', async () => {
    const { school, other } = await place();
    const [t1, t2] = defaultTerms('tieu_hoc', 2025);
    await s.setTimetables(school.id, [t2!, t1!]);
    expect((await s.timetables(school.id)).map((t) => t.term)).toEqual([t1!.term, t2!.term]);
    await expect(s.setTimetables(school.id, [t1!, { ...t2!, start: t1!.end }])).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    await s.mergeTimetables(new Map([[other.id, (existing) => [...existing, t1!]], [school.id, (existing) => existing.slice(0, 1)]]),
      { byUser: 'cli', action: 'timetable.import', entity: 'import', entityId: 'tkb.csv', detail: { schools: 2 } });
    const all = await s.allTimetables();
    expect([...all.entries()].map(([id, t]) => [id, t.length]).sort()).toEqual([[school.id, 1], [other.id, 1]].sort());
    expect((await s.auditLog({ entity: 'import' })).total).toBe(1);
    await expect(s.mergeTimetables(new Map([[other.id, () => []], [school.id, () => [t1!, t1!]]]))).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    expect((await s.timetables(other.id)).length).toBe(1);
  });

  it('keeps report subscriptions, one per address and district', async () => {
    const { d } = await place();
    const a = await s.addSubscription({ email: 'so@laocai.gov.vn', districtId: null, createdBy: 'admin' });
    await s.addSubscription({ email: 'so@laocai.gov.vn', districtId: d.id, createdBy: 'admin' });
    await expect(s.addSubscription({ email: 'so@laocai.gov.vn', districtId: null, createdBy: 'admin' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    await expect(s.addSubscription({ email: 'so@laocai.gov.vn', districtId: d.id, createdBy: 'admin' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    await expect(s.addSubscription({ email: 'x@laocai.gov.vn', districtId: 999, createdBy: 'admin' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    await s.markSent(a.id, '2026-10');
    expect((await s.subscriptions()).find((x) => x.id === a.id)).toMatchObject({ lastSent: '2026-10', districtId: null, createdBy: 'admin' });
    await s.removeSubscription(a.id);
    await expect(s.removeSubscription(a.id)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    expect((await s.subscriptions()).length).toBe(1);
  });

  it('answers the named queries of usage, KPI, export and import, within scope', async () => {
    const { d, school, other, room } = await place();
    await s.addDevice({ kind: 'board', roomId: room.id, id: 'b1', code: 'MA-1', model: 'WM85B', inServiceDate: '2010-01-01', serviceLifeYears: 5, costVnd: 90_000_000 });
    await s.addDevice({ kind: 'sensor', roomId: room.id, id: 's1', issueSecret: false });
    await s.addMaintenance('s1', 'ktv', 'sửa', Date.now());
    expect(await s.analysisRooms()).toEqual([{ id: room.id, type: 'computer_room', siteId: room.siteId, schoolId: school.id, districtId: d.id, level: 'tieu_hoc' }]);
    expect((await s.roomFactRows(undefined)).map((r) => [r.roomId, r.deviceId, r.districtName])).toEqual([[room.id, 'b1', 'Huyện Bát Xát'], [room.id, 's1', 'Huyện Bát Xát']]);
    expect(await s.roomFactRows({ schoolIds: [other.id] })).toEqual([]);
    const att = await s.attentionRows(undefined, Date.now() - 86_400_000);
    expect(att.map((r) => [r.deviceId, r.repairs12m])).toEqual([['b1', 0], ['s1', 1]]);
    const kpi = await s.kpiRows(undefined);
    expect(kpi.map((r) => [r.schoolName, r.deviceId, r.connectable])).toEqual([['Trường TH Bát Xát', 'b1', 1], ['Trường TH Bát Xát', 's1', 0], ['Trường THPT 1', null, null]]);
    expect((await s.kpiRows({ districtIds: [d.id] })).length).toBe(2);
    const exp = await s.exportRows({ districtIds: [d.id] });
    expect(exp[0]).toMatchObject({ id: 'b1', code: 'MA-1', room: 'P1', roomType: 'computer_room', site: 'Điểm chính', schoolCode: 'TH-BX', district: 'Huyện Bát Xát', costVnd: 90_000_000 });
    const snap = await s.importSnapshot();
    expect(snap.devices.map((x) => x.code).sort()).toEqual(['MA-1', 's1']);
    expect(snap.rooms.length).toBe(2);
    expect(await s.roomAt(room.siteId, 'P1')).toEqual({ id: room.id });
    expect(await s.roomAt(room.siteId, 'P7')).toBeUndefined();
    const ids = await s.ensurePlaces({ districts: [{ code: 'BX', name: 'Huyện Bát Xát' }], schools: [{ code: 'TH-BX', name: 'Trường TH Bát Xát', level: 'tieu_hoc', district: 'BX', sites: [{ name: 'Điểm chính', rooms: [{ code: 'P1', name: 'Phòng 1', type: 'computer_room' }, { code: 'P2', name: 'Phòng 2', type: 'classroom' }] }] }] });
    expect(ids.schools[0]!.id).toBe(school.id);
    expect(ids.schools[0]!.sites[0]!.rooms[0]).toBe(room.id);
  });

  it('commits a transaction as a whole and rolls it back on a throw', async () => {
    const { room } = await place();
    await s.transaction(async (tx) => {
      await tx.addDevice({ kind: 'board', roomId: room.id, id: 'in-tx', issueSecret: false });
      await tx.audit('cli', 'x', 'device', 'in-tx');
    });
    expect(await s.device('in-tx')).toBeDefined();
    const before = await s.placementsSince(0);
    await expect(s.transaction(async (tx) => {
      await tx.addDevice({ kind: 'board', roomId: room.id, id: 'rolled-back', issueSecret: false });
      await tx.places.createRoom({ siteId: room.siteId, code: 'P5', name: 'Phòng 5', type: 'classroom' });
      expect(await tx.device('rolled-back')).toBeDefined();
      throw new Error('stop');
    })).rejects.toThrow('stop');
    expect(await s.device('rolled-back')).toBeUndefined();
    expect(await s.roomAt(room.siteId, 'P5')).toBeUndefined();
    expect((await s.placementsSince(0)).rev).toBe(before.rev);
  });

  it('keeps report rollups and answers any window as its days add up', async () => {
    const totals = (n: number) => ({ timetabledMin: 45 * n, inUseTimetabledMin: 30 * n, periodsAvailable: n, periodsUsed: n - 1, outsideMin: 2.5 });
    for (const day of ['2026-09-29', '2026-09-30', '2026-10-01', '2026-10-02']) {
      await s.usage.replaceDay(day, [{ room: 1, school: 10, totals: totals(4) }, { room: 2, school: 20, totals: totals(2) }],
        [{ school: 10, weekday: 1, slot: 'm1', used: 1, available: 1 }, { school: 10, weekday: 1, slot: 'm1', used: 0, available: 1 }], [{ device: 'b1', school: 10, activeMin: 90 }]);
    }
    await s.usage.replaceDay('2026-10-02', [{ room: 1, school: 10, totals: totals(4) }], [], []);
    const rooms = await s.usage.roomTotals({ from: '2026-09-01', to: '2026-11-01' });
    // Days stored without a coverage count as fully covered (report-store steps v2 and v3).
    expect(rooms.get(1)).toEqual({ timetabledMin: 720, inUseTimetabledMin: 480, periodsAvailable: 16, periodsUsed: 12, outsideMin: 10, coveredMin: 720, periodsUncovered: 0 });
    expect(rooms.get(2)?.periodsAvailable).toBe(6);
    expect((await s.usage.roomTotals({ from: '2026-09-30', to: '2026-10-02', schoolIds: [20] })).get(2)?.periodsAvailable).toBe(4);
    expect((await s.usage.roomTotals({ from: '2026-09-01', to: '2026-11-01', schoolIds: [] })).size).toBe(0);
    expect((await s.usage.weeks({ from: '2026-09-29', to: '2026-10-06' })).map((w) => [w.week, w.totals.periodsAvailable])).toEqual([['2026-09-28', 22]]);
    expect(await s.usage.heatmap({ from: '2026-09-01', to: '2026-11-01', schoolIds: [10] })).toEqual([{ weekday: 1, slot: 'm1', used: 3, available: 6 }]);
    expect((await s.usage.deviceHours({ from: '2026-09-30', to: '2026-10-02' })).get('b1')).toBe(3);
  });
}
