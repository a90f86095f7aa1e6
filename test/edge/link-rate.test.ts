/** The edge account's rate at the province (edge/link-rate.ts): what its site's devices could send, in records. */
import { describe, expect, it } from 'vitest';
import { SiteRate } from '../../edge/link-rate.js';

describe('the edge account\'s rate', () => {
  it('lets an edge send its site\'s burst at once, then makes it wait at the site\'s rate, sized by its device count', () => {
    let now = 1_000_000;
    const devices = new Map([[1, 120], [2, 5]]);
    const rate = new SiteRate({ ratePerSec: 20, burst: 600, siteDevices: (s) => devices.get(s) ?? 0, now: () => now });
    // 120 devices: a burst of 72,000 records, then 2,400 a second.
    expect(rate.delay('edge-a', 1, 72_000)).toBe(0);
    expect(rate.delay('edge-a', 1, 2_400)).toBe(1000);
    now += 1000;
    expect(rate.delay('edge-a', 1, 1_200)).toBe(500);
    // Another edge, of a 5-device site, has its own bucket: 3,000 at once, 100 a second.
    expect(rate.delay('edge-b', 2, 3_000)).toBe(0);
    expect(rate.delay('edge-b', 2, 100)).toBe(1000);
  });

  it('recounts the site\'s devices after a minute, and limits nothing when the per-device rate is 0', () => {
    let now = 0;
    let count = 1;
    const rate = new SiteRate({ ratePerSec: 10, burst: 10, siteDevices: () => count, now: () => now });
    expect(rate.delay('e', 1, 10)).toBe(0);
    expect(rate.delay('e', 1, 10)).toBe(1000);
    count = 100;
    now += 61_000;
    // Refilled over the minute at the new size, up to its new burst of 1,000.
    expect(rate.delay('e', 1, 990)).toBe(0);
    expect(new SiteRate({ ratePerSec: 0, burst: 1, siteDevices: () => 1, now: () => 0 }).delay('e', 1, 1e9)).toBe(0);
  });
});
