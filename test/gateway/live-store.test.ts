import { describe, expect, it } from 'vitest';
import type { LiveDevice } from '../../gateway/live-state.js';
import { encodeLive, parseLive } from '../../gateway/live-store.js';

const device: LiveDevice = {
  id: 'tab-0001', kind: 'tablet', state: 'online', lastSeen: 1_765_000_000_000, lastReadingTs: 1_764_999_999_000,
  latest: { battery: 57, charging: false }, rejected: 2, lastRejection: { ts: 1_764_999_000_000, reason: 'battery: must be <= 100' }, version: 41,
};

describe('the shared live entry', () => {
  it('reads back what a node wrote, without the node\'s own version counter', () => {
    const json = encodeLive(device);
    expect(JSON.parse(json)).not.toHaveProperty('version');
    expect(parseLive(json)).toEqual({ ...device, version: 0 });
    expect(parseLive(JSON.parse(json))).toEqual({ ...device, version: 0 });
  });

  it('skips a value that is not a live device rather than showing it', () => {
    for (const bad of ['not json', '[]', 'null', JSON.stringify({ ...device, kind: 'máy chiếu' }), JSON.stringify({ ...device, state: 'awake' }), JSON.stringify({ ...device, latest: null }), 42]) {
      expect(parseLive(bad)).toBeUndefined();
    }
  });
});
