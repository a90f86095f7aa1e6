import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRegistry } from '../../registry/index.js';
import { openRegistryStore } from '../../registry/store/index.js';
import { UsageStore } from '../../usage/store.js';
import { seedSchool } from '../helpers/stack.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a data directory made by the old SqliteRegistry and UsageStore', () => {
  it('opens with the new store and keeps its data', async () => {
    const old = SqliteRegistry.inDataDir(dir);
    const { room } = seedSchool(old);
    const { device, secret } = await old.addDevice({ kind: 'board', roomId: room.id, id: 'board-1', code: 'MA-1', costVnd: 98_000_000 });
    await old.addUser({ username: 'admin', password: 'mat-khau-1', role: 'admin' });
    old.audit('admin', 'device.add', 'device', 'board-1');
    const rev = old.placementsSince(0).rev;
    expect(old.db.pragma('user_version', { simple: true })).toBe(5);
    old.close();
    const usage = UsageStore.inDataDir(dir);
    usage.replaceDay('2026-10-01', [{ room: room.id, school: 1, totals: { timetabledMin: 90, inUseTimetabledMin: 45, periodsAvailable: 2, periodsUsed: 1, outsideMin: 0 } }], [], []);
    usage.close();

    const s = await openRegistryStore({ dataDir: dir });
    try {
      expect(await s.device('board-1')).toEqual(device);
      expect((await s.verifyUser('admin', 'mat-khau-1'))?.role).toBe('admin');
      expect((await s.auditLog()).total).toBe(1);
      expect((await s.usage.roomTotals({ from: '2026-10-01', to: '2026-10-02' })).get(room.id)?.periodsUsed).toBe(1);
      const next = await s.addDevice({ kind: 'sensor', roomId: room.id, id: 'sensor-1', issueSecret: false });
      expect((await s.placementsSince(rev)).placements.map((p) => p.id)).toEqual([next.device.id]);
      expect(secret).toBeDefined();
    } finally {
      await s.close();
    }
    // And the old code still reads what the new store wrote (phase A: both run side by side).
    const again = SqliteRegistry.inDataDir(dir);
    expect(again.device('sensor-1')?.kind).toBe('sensor');
    again.close();
  });
});
