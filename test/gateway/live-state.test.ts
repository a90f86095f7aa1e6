import { describe, expect, it } from 'vitest';
import { LiveState } from '../../gateway/live-state.js';

describe('the live state', () => {
  it('tells each consumer every device changed after its version, once, however often it changed', () => {
    const live = new LiveState();
    live.reading('a', 'tablet', 1, { batteryLevel: 90 }, 1);
    live.reading('b', 'tablet', 1, { batteryLevel: 80 }, 1);
    const early = live.currentVersion;
    live.reading('a', 'tablet', 2, { batteryLevel: 89 }, 2);
    live.presence('c', 'tablet', 'online', 2);
    live.reading('a', 'tablet', 3, { batteryLevel: 88 }, 3);
    expect(live.changedSince(0).map((d) => d.id)).toEqual(['b', 'c', 'a']);
    expect(live.changedSince(early).map((d) => d.id)).toEqual(['c', 'a']);
    expect(live.changedSince(live.currentVersion)).toEqual([]);
    // An unchanged presence is no change.
    expect(live.presence('c', 'tablet', 'online', 4)).toBe(false);
    expect(live.changedSince(live.currentVersion)).toEqual([]);
  });

  it('keeps the answer whole after its change log is compacted (many changes of few devices)', () => {
    const live = new LiveState();
    const ids = ['a', 'b', 'c'];
    const slow = live.currentVersion;
    for (let i = 0; i < 10_000; i++) live.reading(ids[i % 3]!, 'tablet', i, { batteryLevel: i % 100 }, i);
    const mid = live.currentVersion;
    live.reading('b', 'tablet', 10_001, { batteryLevel: 1 }, 10_001);
    expect(live.changedSince(slow).map((d) => d.id).sort()).toEqual(ids);
    expect(live.changedSince(mid).map((d) => d.id)).toEqual(['b']);
    expect(live.get('a')!.latest.batteryLevel).toBe(9_999 % 100);
  });
});
