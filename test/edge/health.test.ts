/** What an edge says of its own machine (edge/health.ts): the disk under its data directory, its spool when known. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { diskHealth } from '../../edge/health.js';
import { tempDir } from '../helpers/stack.js';

const dir = tempDir('edufleet-edge-health-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an edge\'s own health', () => {
  it('reports the free and total bytes of the disk under its data directory, and its spool only when it is known', () => {
    const h = diskHealth(dir);
    expect(h.diskTotalBytes).toBeGreaterThan(0);
    expect(h.diskFreeBytes).toBeGreaterThanOrEqual(0);
    expect(h.diskFreeBytes!).toBeLessThanOrEqual(h.diskTotalBytes!);
    expect(h).toMatchObject({ spoolBytes: null, spoolOldestMs: null, clockOffsetMs: null });
    expect(diskHealth(dir, { bytes: 4096, oldestMs: 800 })).toMatchObject({ spoolBytes: 4096, spoolOldestMs: 800 });
  });
});
