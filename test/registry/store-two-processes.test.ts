import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistryStore, type RegistryStore } from '../../registry/store/index.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let pg: TestPostgres;
let a: RegistryStore;
let b: RegistryStore;
beforeAll(async () => {
  pg = await startPostgres();
  const url = await pg.createDatabase();
  // Two stores on one database, opened (and migrated) at once: what two processes on two machines do.
  [a, b] = await Promise.all([openRegistryStore({ url, dataDir: '/nonexistent' }), openRegistryStore({ url, dataDir: '/nonexistent' })]);
});
afterAll(async () => { await a?.close(); await b?.close(); await pg?.stop(); });

describe('two stores on one PostgreSQL', () => {
  it('share sessions and users', async () => {
    await a.sessionSet('sid-1', '{"user":1}', Date.now() + 60_000);
    expect(await b.sessionGet('sid-1')).toBe('{"user":1}');
    const u = await a.addUser({ username: 'ktv', password: 'mat-khau-1', role: 'technician' });
    await b.updateUser(u.id, { disabled: true });
    expect((await a.user(u.id))?.disabled).toBe(true);
  });

  it('see each other\'s device changes in placementsSince, with no revision lost to concurrent writers', async () => {
    const school = await a.ensureSchool({ code: 'S1', name: 'Trường 1', level: 'thpt', districtId: null });
    const room = await a.ensureRoom({ siteId: (await a.ensureSite({ schoolId: school.id, name: 'Điểm chính' })).id, code: 'P1', name: 'P1', type: 'classroom' });
    const start = (await b.placementsSince(0)).rev;
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).addDevice({ kind: 'sensor', roomId: room.id, id: `s-${i}`, issueSecret: false })));
    const seen = await b.placementsSince(start);
    expect(seen.rev).toBe(start + 20);
    expect(seen.placements.map((p) => p.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `s-${i}`).sort());
    await b.updateDevice('s-3', { name: 'Cảm biến mới' });
    expect((await a.placementsSince(seen.rev)).placements).toEqual([expect.objectContaining({ id: 's-3', name: 'Cảm biến mới' })]);
  });
});
