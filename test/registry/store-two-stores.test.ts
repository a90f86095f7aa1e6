/** Two stores on one database (two processes sharing PostgreSQL, or two handles on one SQLite file): races that must have one winner. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function twoStores(engine: (typeof ENGINES)[number]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-two-'));
  dirs.push(dir);
  const url = await engines.url(engine);
  const a = await engines.store(url, dir);
  return [a, await engines.store(url, dir)] as const;
}

describe.each(ENGINES)('a store on %s', (engine) => {
  it('refuses close() on the store a transaction hands out, and stays open', async () => {
    const [a] = await twoStores(engine);
    await expect(a.transaction((tx) => tx.close())).rejects.toMatchObject({ code: 'EDUFLEET_ERR_INTERNAL' });
    expect(await a.districts()).toEqual([]);
  });
});

describe.each(ENGINES)('two stores on one %s database', (engine) => {
  it('let only one of them claim a month\'s report, and a released claim be taken again', async () => {
    const [a, b] = await twoStores(engine);
    const sub = await a.addSubscription({ email: 'so@laocai.gov.vn', districtId: null, createdBy: 'admin' });
    await a.markSent(sub.id, '2026-09');
    const wins = await Promise.all([a.claimReport(sub.id, '2026-10'), b.claimReport(sub.id, '2026-10')]);
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await a.claimReport(sub.id, '2026-10')).toBe(false);
    // The send failed: the claim goes back to the month sent before, and the retry may take it.
    await b.releaseReport(sub.id, '2026-10', '2026-09');
    expect((await a.subscriptions())[0]?.lastSent).toBe('2026-09');
    expect(await b.claimReport(sub.id, '2026-10')).toBe(true);
    expect((await a.subscriptions())[0]?.lastSent).toBe('2026-10');
  });

  it('let only one of them subscribe an address to the province-wide report', async () => {
    const [a, b] = await twoStores(engine);
    const sub = { email: 'so@laocai.gov.vn', districtId: null, createdBy: 'admin' };
    const results = await Promise.allSettled([a.addSubscription(sub), b.addSubscription(sub), a.addSubscription(sub)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT', message: 'so@laocai.gov.vn already receives this report' });
    expect(await b.subscriptions()).toHaveLength(1);
  });

  it('retire a place inside the caller\'s transaction, undone with it, and refuse one that still holds something', async () => {
    const [a, b] = await twoStores(engine);
    const school = await a.ensureSchool({ code: 'S1', name: 'Trường 1', level: 'thpt', districtId: null });
    const site = await a.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
    const room = await a.ensureRoom({ siteId: site.id, code: 'P1', name: 'P1', type: 'classroom' });
    await expect(a.transaction(async (tx) => {
      await tx.places.setRetired('room', room.id, true);
      await tx.places.update('room', room.id, { name: 'Phòng đổi tên' });
      throw new Error('undo');
    })).rejects.toThrow('undo');
    expect(await b.places.ref('room', room.id)).toMatchObject({ retired: false });
    expect((await b.room(room.id))?.name).toBe('P1');
    await expect(b.places.setRetired('site', site.id, true)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    // At once on PostgreSQL; one after the other on SQLite, whose two handles here share one thread.
    const edits = [() => a.places.setRetired('room', room.id, true), () => b.places.update('room', room.id, { name: 'P1 cũ' })];
    if (engine === 'postgres') await Promise.all(edits.map((f) => f()));
    else for (const f of edits) await f();
    expect(await a.places.ref('room', room.id)).toMatchObject({ retired: true });
    await b.places.setRetired('site', site.id, true);
    expect(await a.places.ref('site', site.id)).toMatchObject({ retired: true });
  });
});
