import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Device } from '../../registry/index.js';
import { openRegistryStore } from '../../registry/store/index.js';

/**
 * A data directory written by the old SqliteRegistry and UsageStore (schema user_version 5), kept as a fixture now that
 * those classes are gone: a seeded school, device board-1 with a secret, user admin, one audit entry, one analysed day.
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/old-data-dir', import.meta.url));
const made = JSON.parse(readFileSync(path.join(FIXTURE, 'made-by-old-code.json'), 'utf8')) as { device: Device; secret: string; rev: number; roomId: number };

const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a data directory made by the old SqliteRegistry and UsageStore', () => {
  it('opens with the new store and keeps its data', async () => {
    cpSync(FIXTURE, dir, { recursive: true });
    const { device, secret, rev } = made;
    const room = { id: made.roomId };
    // SQLite keeps user_version as a big-endian integer at byte 60 of the file header.
    expect(readFileSync(path.join(dir, 'registry.sqlite')).readUInt32BE(60)).toBe(5);

    const s = await openRegistryStore({ dataDir: dir });
    try {
      expect(await s.device('board-1')).toEqual(device);
      expect((await s.verifyUser('admin', 'mat-khau-1'))?.role).toBe('admin');
      expect((await s.auditLog()).total).toBe(1);
      expect((await s.usage.roomTotals({ from: '2026-10-01', to: '2026-10-02' })).get(room.id)?.periodsUsed).toBe(1);
      // Days analysed before coverage was measured count as wholly covered.
      const old = (await s.usage.roomTotals({ from: '2026-10-01', to: '2026-10-02' })).get(room.id)!;
      expect(old.coveredMin).toBe(old.timetabledMin);
      expect(old.periodsUncovered).toBe(0);
      const next = await s.addDevice({ kind: 'sensor', roomId: room.id, id: 'sensor-1', issueSecret: false });
      expect((await s.placementsSince(rev)).placements.map((p) => p.id)).toEqual([next.device.id]);
      expect(secret).toBeDefined();
    } finally {
      await s.close();
    }
    // And what the new store wrote to the old files is there when they are opened again.
    const again = await openRegistryStore({ dataDir: dir });
    expect((await again.device('sensor-1'))?.kind).toBe('sensor');
    await again.close();
  });
});
