/**
 * The RegistryStore contract, run against every engine (store-sqlite.test.ts, store-postgres.test.ts) in the style of
 * aedes-persistence's shared tests: every method, its coded errors, scope filtering and transactions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/store/index.js';
import { moreContract } from './store-contract-more.js';

export type OpenStore = () => Promise<RegistryStore>;

/** Two districts, a school in each and one under the Sở, a room per school, a device per room. */
async function seed(s: RegistryStore) {
  const d1 = await s.ensureDistrict({ code: 'BX', name: 'Huyện Bát Xát' });
  const d2 = await s.ensureDistrict({ code: 'SP', name: 'Thị xã Sa Pa' });
  const schools = [
    await s.ensureSchool({ code: 'TH-BX', name: 'Trường TH Bát Xát', level: 'tieu_hoc', districtId: d1.id, pupils: 400 }),
    await s.ensureSchool({ code: 'TH-SP', name: 'Trường TH Sa Pa', level: 'tieu_hoc', districtId: d2.id }),
    await s.ensureSchool({ code: 'THPT-CHUYEN', name: 'Trường THPT Chuyên', level: 'thpt', districtId: null }),
  ];
  const rooms = [];
  for (const sc of schools) {
    const site = await s.ensureSite({ schoolId: sc.id, name: 'Điểm chính' });
    rooms.push(await s.ensureRoom({ siteId: site.id, code: 'P1', name: `Phòng 1 ${sc.code}`, type: 'smart_classroom', capacity: 40 }));
  }
  const devices = [];
  for (const [i, r] of rooms.entries()) devices.push((await s.addDevice({ kind: 'board', roomId: r.id, id: `board-${i}`, code: `MA-${i}`, serial: `Serial-${i}`, issueSecret: i !== 2 })).device);
  return { d1, d2, schools, rooms, devices };
}


export function storeContract(engine: string, open: OpenStore): void {
  describe(`RegistryStore on ${engine}`, () => {
    let s: RegistryStore;
    beforeEach(async () => { s = await open(); });
    afterEach(async () => { await s.close(); });

    it('upserts and reads the hierarchy, with scope filtering', async () => {
      const { d1, d2, schools, rooms } = await seed(s);
      expect((await s.ensureDistrict({ code: 'BX', name: 'Huyện Bát Xát mới' })).id).toBe(d1.id);
      expect((await s.districts()).map((d) => d.name)).toEqual(['Huyện Bát Xát mới', 'Thị xã Sa Pa']);
      expect(await s.school('TH-BX')).toEqual({ id: schools[0]!.id, code: 'TH-BX', name: 'Trường TH Bát Xát', level: 'tieu_hoc', districtId: d1.id, pupils: 400 });
      expect(await s.school('NONE')).toBeUndefined();
      expect(await s.room(rooms[0]!.id)).toMatchObject({ code: 'P1', type: 'smart_classroom', capacity: 40 });
      expect((await s.schools()).length).toBe(3);
      expect((await s.schools({ districtIds: [d2.id] })).map((x) => x.code)).toEqual(['TH-SP']);
      expect((await s.schools({ schoolIds: [schools[2]!.id] })).map((x) => x.code)).toEqual(['THPT-CHUYEN']);
      expect((await s.schools({ districtIds: [d1.id], schoolIds: [schools[2]!.id] })).map((x) => x.code).sort()).toEqual(['TH-BX', 'THPT-CHUYEN']);
      expect((await s.schools({})).length).toBe(3);
      expect((await s.rooms({ districtIds: [d1.id] })).map((r) => r.schoolId)).toEqual([schools[0]!.id]);
      const places = await s.roomPlaces([rooms[0]!.id, rooms[2]!.id, rooms[0]!.id]);
      expect(places.get(rooms[2]!.id)).toMatchObject({ schoolName: 'Trường THPT Chuyên', districtId: null, districtName: null, siteName: 'Điểm chính' });
      expect(places.get(rooms[0]!.id)?.districtName).toBe('Huyện Bát Xát mới');
      expect((await s.roomPlaces([])).size).toBe(0);
      await expect(s.ensureSchool({ code: 'X', name: 'X', level: 'dai_hoc' as never, districtId: null })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      await expect(s.ensureRoom({ siteId: rooms[0]!.siteId, code: 'X', name: 'X', type: 'hall' as never })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    });

    it('creates, edits, finds, lists and retires devices with coded errors', async () => {
      const { d1, schools, rooms, devices } = await seed(s);
      await expect(s.addDevice({ kind: 'toaster', roomId: rooms[0]!.id })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      await expect(s.addDevice({ kind: 'board', roomId: 9999 })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND', message: 'no room with id 9999' });
      await expect(s.addDevice({ kind: 'board', roomId: rooms[0]!.id, id: 'bad id!' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      await expect(s.addDevice({ kind: 'board', roomId: rooms[0]!.id, id: 'board-0' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      await expect(s.addDevice({ kind: 'board', roomId: rooms[0]!.id, code: 'MA-1', issueSecret: false })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      expect(devices[0]).toMatchObject({ hasSecret: true, state: 'in_use', code: 'MA-0' });
      expect(devices[2]).toMatchObject({ hasSecret: false });
      const edited = await s.updateDevice('board-0', { state: 'in_repair', costVnd: 98_000_000, inServiceDate: '2023-09-15', roomId: rooms[1]!.id });
      expect(edited).toMatchObject({ state: 'in_repair', costVnd: 98_000_000, roomId: rooms[1]!.id });
      expect(await s.updateDevice('board-0', {})).toEqual(edited);
      await expect(s.updateDevice('board-1', { code: 'MA-0' })).rejects.toThrow(/already used/);
      await expect(s.updateDevice('nope', { name: 'x' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
      await expect(s.updateDevice('board-0', { roomId: 9999 })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
      expect((await s.deviceByCode('MA-1'))?.id).toBe('board-1');
      expect(await s.device('nope')).toBeUndefined();
      expect((await s.listDevices()).total).toBe(3);
      expect((await s.listDevices({ q: 'serial-2' })).devices.map((d) => d.id)).toEqual(['board-2']);
      expect((await s.listDevices({ q: 'MA-' , limit: 1, offset: 1 })).devices.map((d) => d.id)).toEqual(['board-1']);
      expect((await s.listDevices({ scope: { districtIds: [d1.id] } })).total).toBe(0);
      expect((await s.listDevices({ schoolId: schools[1]!.id })).devices.map((d) => d.id)).toEqual(['board-0', 'board-1']);
      expect((await s.listDevices({ kind: 'sensor' })).total).toBe(0);
      expect((await s.listDevices({ roomId: rooms[2]!.id, scope: { schoolIds: [schools[2]!.id] } })).total).toBe(1);
      await s.revokeDevice('board-1');
      expect((await s.secretHashes(['board-1'])).get('board-1')?.revoked).toBe(true);
      expect((await s.listDevices()).total).toBe(2);
      expect((await s.listDevices({ includeRevoked: true })).total).toBe(3);
      const secret = await s.rotateSecret('board-1');
      expect(secret).toMatch(/^[\w-]{43}$/);
      expect((await s.secretHashes(['board-1'])).get('board-1')).toMatchObject({ revoked: false });
      const retired = await s.retireDevice('board-2');
      expect(retired.state).toBe('retired');
      expect(retired.revokedAt).not.toBeNull();
      for (const f of [() => s.revokeDevice('nope'), () => s.rotateSecret('nope'), () => s.retireDevice('nope')]) {
        await expect(f()).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND', message: "no device 'nope'" });
      }
    });

    it('creates many devices in one transaction, all or none', async () => {
      const { rooms } = await seed(s);
      const made = await s.addDevices(Array.from({ length: 1200 }, (_, i) => ({ kind: 'sensor', roomId: rooms[i % 3]!.id, id: `s-${i}`, issueSecret: i < 3 })));
      expect(made.filter((m) => m.secret).length).toBe(3);
      expect((await s.listDevices()).total).toBe(1203);
      expect((await s.device('s-0'))?.hasSecret).toBe(true);
      await expect(s.addDevices([{ kind: 'sensor', roomId: rooms[0]!.id, id: 'new-1', issueSecret: false }, { kind: 'sensor', roomId: rooms[0]!.id, id: 's-5', issueSecret: false }]))
        .rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      expect(await s.device('new-1')).toBeUndefined();
      await expect(s.addDevices([{ kind: 'sensor', roomId: 9999, issueSecret: false }])).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    });

    it('tells what changed since a revision', async () => {
      const { rooms } = await seed(s);
      const all = await s.placementsSince(0);
      expect(all.placements.map((p) => p.id).sort()).toEqual(['board-0', 'board-1', 'board-2']);
      expect(all.placements.find((p) => p.id === 'board-2')).toMatchObject({ credential: null, districtId: null, revoked: false });
      expect(await s.placementsSince(all.rev)).toEqual({ rev: all.rev, placements: [] });
      await s.updateDevice('board-1', { name: 'Bảng mới' });
      const next = await s.placementsSince(all.rev);
      expect(next.placements.map((p) => [p.id, p.name])).toEqual([['board-1', 'Bảng mới']]);
      const site = (await s.room(rooms[0]!.id))!.siteId;
      await s.places.update('room', rooms[1]!.id, { siteId: site, code: 'P7' });
      expect((await s.placementsSince(next.rev)).placements.map((p) => p.id)).toEqual(['board-1']);
    });

    it('edits places one at a time (store.places)', async () => {
      const { d1, schools, rooms } = await seed(s);
      const id = await s.places.createSchool({ code: ' MN-1 ', name: 'Trường MN 1', level: 'mam_non', districtId: d1.id, pupils: 90 });
      await expect(s.places.createSchool({ code: 'MN-1', name: 'x', level: 'mam_non', districtId: null })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      await expect(s.places.createSchool({ code: 'MN-2', name: ' ', level: 'mam_non', districtId: null })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      await expect(s.places.createSite({ schoolId: 9999, name: 'x' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
      const site = await s.places.createSite({ schoolId: id, name: 'Điểm lẻ' });
      const room = await s.places.createRoom({ siteId: site, code: 'P2', name: 'Phòng 2', type: 'classroom' });
      const district = await s.places.createDistrict({ code: 'MK', name: 'Huyện Mường Khương' });
      expect(await s.places.ref('room', room)).toEqual({ level: 'room', id: room, schoolId: id, districtId: d1.id, retired: false });
      expect(await s.places.ref('district', district)).toEqual({ level: 'district', id: district, schoolId: null, districtId: district, retired: false });
      expect(await s.places.ref('site', 9999)).toBeUndefined();
      await s.places.update('school', id, { districtId: district, name: ' Trường Mầm non 1 ' });
      expect(await s.places.ref('room', room)).toMatchObject({ districtId: district });
      await expect(s.places.update('school', id, { code: 'TH-BX' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      await expect(s.places.update('school', 9999, { name: 'x' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
      await expect(s.places.setRetired('room', rooms[0]!.id, true)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT', message: 'this room still holds 1 device(s) not retired; move or retire them first' });
      await expect(s.places.setRetired('school', id, true)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      await s.places.setRetired('room', room, true);
      await expect(s.places.createRoom({ siteId: site, code: 'P2', name: 'x', type: 'classroom' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
      await s.places.setRetired('site', site, true);
      await expect(s.places.createRoom({ siteId: site, code: 'P3', name: 'x', type: 'classroom' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      await expect(s.places.setRetired('room', room, false)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
      const tree = await s.places.tree({ districtIds: [d1.id] }, false);
      expect(tree.schools.map((x) => x.code)).toEqual(['TH-BX']);
      expect(tree.rooms.map((r) => [r.code, r.devices])).toEqual([['P1', 1]]);
      const full = await s.places.tree(undefined, true);
      expect(full.schools.map((x) => x.code).sort()).toEqual(['MN-1', 'TH-BX', 'TH-SP', 'THPT-CHUYEN']);
      expect(full.sites.find((t) => t.id === site)?.retired).toBe(true);
      expect(full.rooms.find((r) => r.id === rooms[1]!.id)).toMatchObject({ devices: 1, schoolId: schools[1]!.id, retired: false });
      expect((await s.places.tree({}, false)).schools.length).toBe(4);
    });

    it('keeps maintenance and audit logs', async () => {
      await seed(s);
      await s.addMaintenance('board-0', 'ktv', 'Thay bộ cảm ứng', 1000);
      await s.addMaintenance('board-0', 'ktv', 'Vệ sinh', 2000);
      expect(await s.maintenance('board-0')).toEqual([{ at: 2000, byUser: 'ktv', text: 'Vệ sinh' }, { at: 1000, byUser: 'ktv', text: 'Thay bộ cảm ứng' }]);
      await expect(s.addMaintenance('nope', 'ktv', 'x')).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
      await s.audit('admin', 'device.revoke', 'device', 'board-1', { reason: 'lost' });
      await s.audit('admin', 'user.add', 'user', 7);
      await s.audit('ktv', 'device.edit', 'device', 'board-1');
      expect((await s.auditLog()).entries.map((e) => e.action)).toEqual(['device.edit', 'user.add', 'device.revoke']);
      expect(await s.auditLog({ entity: 'device', entityId: 'board-1', byUser: 'admin' })).toEqual({ total: 1, entries: [expect.objectContaining({ detail: { reason: 'lost' }, entityId: 'board-1' })] });
      expect((await s.auditLog({ limit: 1, offset: 1 })).entries.map((e) => e.entityId)).toEqual(['7']);
    });

    moreContract(open);
  });
}
