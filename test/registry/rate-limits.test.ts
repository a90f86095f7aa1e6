/** Shared fixed-window counters (login limits) on SQLite and PostgreSQL: every hit counted, windows start over. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
const T0 = Date.UTC(2026, 11, 2, 2, 0);
const MIN = 60_000;

describe.each(ENGINES)('rate limits in the registry on %s', (engine) => {
  let reg: RegistryStore;
  beforeAll(async () => {
    reg = await engines.open(engine, mkdtempSync(join(tmpdir(), 'rate-limits-')));
  });

  it('counts hits in a window, starts a new window once it ran out, and peeks without counting', async () => {
    expect(await reg.hitRateLimit('user:gv.an', T0, MIN)).toEqual({ count: 1, windowStart: T0 });
    expect(await reg.hitRateLimit('user:gv.an', T0 + 10_000, MIN)).toEqual({ count: 2, windowStart: T0 });
    expect(await reg.hitRateLimit('addr:203.0.113.9', T0 + 10_000, MIN)).toEqual({ count: 1, windowStart: T0 + 10_000 });
    expect(await reg.peekRateLimit('user:gv.an', T0 + 20_000, MIN)).toEqual({ count: 2, windowStart: T0 });
    expect(await reg.hitRateLimit('user:gv.an', T0 + MIN, MIN)).toEqual({ count: 1, windowStart: T0 + MIN });
    expect(await reg.peekRateLimit('user:gv.an', T0 + 3 * MIN, MIN)).toMatchObject({ count: 0 });
    expect(await reg.purgeRateLimits(T0 + MIN)).toBe(1); // the address's window; the user's started at T0 + MIN
  });

  it('counts every one of many concurrent hits on one key', async () => {
    const hits = await Promise.all(Array.from({ length: 40 }, () => reg.hitRateLimit('user:dong-thoi', T0, MIN)));
    expect(hits.map((h) => h.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});
