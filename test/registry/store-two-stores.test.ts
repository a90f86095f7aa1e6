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
});
