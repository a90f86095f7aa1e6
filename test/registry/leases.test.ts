/**
 * The background jobs' leases (registry/store/leases.ts, registry/lease.ts) on both engines, two stores on one
 * database standing for two processes: one holder at a time, renewed while it lives, taken over once it runs out,
 * given back at a clean stop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Health } from '../../lib/component.js';
import { createLogger } from '../../lib/logger.js';
import { JobLease } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { waitFor } from '../helpers/wait.js';

const engines = useEngines();
const log = createLogger('silent');

describe.each(ENGINES)('job leases on %s', (engine) => {
  it('lets one process hold a lease until it runs out, then the next to try takes it in a new term', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edufleet-leases-'));
    const url = await engines.url(engine);
    const [one, two] = [await engines.store(url, dir), await engines.store(url, dir)];
    const both = await Promise.all([one.holdLease('job:alerts', 'p1', 1000, 15_000), two.holdLease('job:alerts', 'p2', 1000, 15_000)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    const [holder, other] = both[0] ? [one, two] : [two, one];
    const [me, them] = both[0] ? ['p1', 'p2'] : ['p2', 'p1'];
    expect(await holder.holdLease('job:alerts', me, 6000, 15_000)).toBe(true);
    // Renewed at 6 s, so it holds until 21 s: not taken at 20 s, taken at 21 s.
    expect(await other.holdLease('job:alerts', them, 20_000, 15_000)).toBe(false);
    expect(await other.holdLease('job:alerts', them, 21_000, 15_000)).toBe(true);
    expect(await holder.holdLease('job:alerts', me, 21_500, 15_000)).toBe(false);
    expect(await one.leases()).toEqual([{ name: 'job:alerts', owner: them, term: 2, acquiredAt: 21_000, expiresAt: 36_000 }]);
    await other.releaseLease('job:alerts', them, 22_000);
    expect(await holder.holdLease('job:alerts', me, 22_000, 15_000)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a lease over from a holder that stopped renewing it, and tells the job it has just taken it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edufleet-leases-'));
    const url = await engines.url(engine);
    const [one, two] = [await engines.store(url, dir), await engines.store(url, dir)];
    const dead = new JobLease({ registry: one, name: 'job:scheduler', owner: 'dead', ttlMs: 600, log });
    expect(await dead.hold()).toBe(true);
    // The holder "dies": it never renews. The standby's own timer takes over once the lease has run out.
    let taken = 0;
    const standby = new JobLease({ registry: two, name: 'job:scheduler', owner: 'standby', ttlMs: 600, log });
    standby.keep(new Health('scheduler', log), () => { taken++; });
    await waitFor('the standby to take the lease over', () => standby.held && taken === 1, 10_000);
    expect(await two.leases()).toMatchObject([{ name: 'job:scheduler', owner: 'standby', term: 2 }]);
    // Kept while it lives (renewed every 200 ms), and given back at its stop.
    await waitFor('a renewal', async () => (await two.leases())[0]!.expiresAt > Date.now() + 450, 10_000);
    await standby.stop();
    expect((await one.leases())[0]!.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(taken).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
