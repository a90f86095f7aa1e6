import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore } from '../../registry/index.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
/** A new, empty store of its own (SQLite files in a temporary directory). */
function freshStore() {
  const dir = tempDir('edufleet-records-');
  dirs.push(dir);
  return openRegistryStore({ dataDir: dir });
}

describe('device records', () => {
  it('keeps the asset facts of a device that has never connected, and edits them', async () => {
    const reg = await freshStore();
    const { room } = await seedSchool(reg);
    const { device, secret } = await reg.addDevice({
      kind: 'board', roomId: room.id, name: 'Màn hình tương tác 86 inch', code: 'THPT-CHUYEN-TM1-BANG', manufacturer: 'Samsung', model: 'WM85B',
      serial: 'SN53464097', inServiceDate: '2023-09-15', costVnd: 98_000_000, fundingSource: 'Ngân sách tỉnh', warrantyEnd: '2026-09-15', serviceLifeYears: 8, issueSecret: false,
    });
    expect(secret).toBeUndefined();
    expect(device).toMatchObject({ hasSecret: false, state: 'in_use', costVnd: 98_000_000, inServiceDate: '2023-09-15', serviceLifeYears: 8 });
    expect((await reg.deviceByCode('THPT-CHUYEN-TM1-BANG'))?.id).toBe(device.id);

    const edited = await reg.updateDevice(device.id, { state: 'in_repair', notes: 'Cảm ứng lỗi góc trái' });
    expect(edited).toMatchObject({ state: 'in_repair', notes: 'Cảm ứng lỗi góc trái', costVnd: 98_000_000 });

    await reg.addMaintenance(device.id, 'ktv.chuyen', 'Thay bộ cảm ứng', Date.parse('2026-11-20T03:00:00Z'));
    expect(await reg.maintenance(device.id)).toEqual([{ at: Date.parse('2026-11-20T03:00:00Z'), byUser: 'ktv.chuyen', text: 'Thay bộ cảm ứng' }]);
    await reg.close();
  });

  it('refuses a second device with the same asset code', async () => {
    const reg = await freshStore();
    const { room } = await seedSchool(reg);
    await reg.addDevice({ kind: 'tablet', roomId: room.id, code: 'MTB01', issueSecret: false });
    const b = await reg.addDevice({ kind: 'tablet', roomId: room.id, code: 'MTB02', issueSecret: false });
    await expect(reg.addDevice({ kind: 'tablet', roomId: room.id, code: 'MTB01', issueSecret: false })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    await expect(reg.updateDevice(b.device.id, { code: 'MTB01' })).rejects.toThrow(/already used/);
    await reg.close();
  });

  it('keeps an audit log that admins can read, newest first', async () => {
    const reg = await freshStore();
    await reg.audit('admin', 'device.revoke', 'device', 'tablet-1', { reason: 'lost' });
    await reg.audit('admin', 'user.add', 'user', 7);
    expect((await reg.auditLog()).entries.map((e) => e.action)).toEqual(['user.add', 'device.revoke']);
    expect((await reg.auditLog()).entries[1]).toMatchObject({ byUser: 'admin', entity: 'device', entityId: 'tablet-1', detail: { reason: 'lost' } });
    await reg.close();
  });
});
