/**
 * The web app's jobs in the registry (registry/store/jobs.ts) on both engines, two stores on one database standing for
 * two dashboards: a job is its user's only, lasts an hour after it was last looked at, keeps its file byte for byte,
 * at most a few per user, and changes state for one caller only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
const HOUR = 3_600_000;
const view = (id: string, status = 'running') => JSON.stringify({ id, status });

describe.each(ENGINES)('web app jobs on %s', (engine) => {
  const twoStores = async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edufleet-jobs-'));
    const url = await engines.url(engine);
    return [await engines.store(url, dir), await engines.store(url, dir)] as const;
  };

  it('shows a job to its own user and kind only, with its file byte for byte, until an hour after it was last looked at', async () => {
    const [one, two] = await twoStores();
    await one.jobs.add({ id: 'j1', kind: 'export', userId: 7, status: 'running', view: view('j1') }, { now: 1000, ttlMs: HOUR, keep: 5 });
    const bytes = Buffer.from([0, 1, 2, 255, 0x50, 0x4b, 0]);
    await one.jobs.save('j1', { status: 'done', view: view('j1', 'done'), file: bytes });
    expect(await two.jobs.touch({ kind: 'export', id: 'j1', userId: 7 }, 2000, HOUR)).toEqual({ view: view('j1', 'done'), file: null });
    expect((await two.jobs.touch({ kind: 'export', id: 'j1', userId: 7 }, 2000 + HOUR - 1, HOUR, true))!.file).toEqual(bytes);
    expect(await two.jobs.touch({ kind: 'export', id: 'j1', userId: 8 }, 3000, HOUR)).toBeUndefined();
    expect(await two.jobs.touch({ kind: 'import', id: 'j1', userId: 7 }, 3000, HOUR)).toBeUndefined();
    // Looked at last at 2000 + HOUR - 1: gone an hour later.
    expect(await one.jobs.touch({ kind: 'export', id: 'j1', userId: 7 }, 2000 + 2 * HOUR - 1, HOUR)).toBeUndefined();
  });

  it('keeps at most `keep` jobs of a kind per user, dropping the oldest, and drops expired ones when a job is added', async () => {
    const [one, two] = await twoStores();
    for (let i = 1; i <= 4; i++) await (i % 2 ? one : two).jobs.add({ id: `k${i}`, kind: 'import', userId: 1, status: 'planning', view: view(`k${i}`) }, { now: i * 1000, ttlMs: HOUR, keep: 3 });
    await one.jobs.add({ id: 'other', kind: 'export', userId: 1, status: 'running', view: view('other') }, { now: 5000, ttlMs: HOUR, keep: 3 });
    const seen = async (id: string, kind = 'import') => (await one.jobs.touch({ kind, id, userId: 1 }, 6000, HOUR)) !== undefined;
    expect(await Promise.all(['k1', 'k2', 'k3', 'k4'].map((id) => seen(id)))).toEqual([false, true, true, true]);
    expect(await seen('other', 'export')).toBe(true);
    await two.jobs.add({ id: 'late', kind: 'import', userId: 2, status: 'planning', view: view('late') }, { now: 6000 + HOUR, ttlMs: HOUR, keep: 3 });
    expect(await two.jobs.touch({ kind: 'import', id: 'k4', userId: 1 }, 0, Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });

  it('lets one of two dashboards claim a change of state, and only from the state named', async () => {
    const [one, two] = await twoStores();
    await one.jobs.add({ id: 'p1', kind: 'import', userId: 3, status: 'planned', view: view('p1', 'planned') }, { now: 1000, ttlMs: HOUR, keep: 5 });
    const key = { kind: 'import', id: 'p1', userId: 3 };
    const to = { status: 'applying', view: view('p1', 'applying') };
    const both = await Promise.all([one.jobs.claim(key, 'planned', to), two.jobs.claim(key, 'planned', to)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    expect(await one.jobs.claim({ ...key, userId: 4 }, 'applying', { status: 'applied', view: view('p1', 'applied') })).toBe(false);
    expect((await two.jobs.touch(key, 2000, HOUR))!.view).toBe(view('p1', 'applying'));
  });
});
