import { describe, expect, it } from 'vitest';
import { activeIntervals, roomUse, STALE_MS, type RoomDevice } from '../../usage/detect.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 0, 0); // 07:00 in Vietnam
const at = (m: number) => T0 + m * MIN;
const every = (from: number, to: number, step: number, values: (m: number) => Record<string, unknown>) => {
  const out: { ts: number; values: Record<string, never> }[] = [];
  for (let m = from; m < to; m += step) out.push({ ts: at(m), values: values(m) as Record<string, never> });
  return out;
};

describe('usage detection rules', () => {
  it('takes a board as active when on with touches, not when merely on', () => {
    const readings = [
      ...every(0, 45, 1, () => ({ power: 'on', touches: 12 })),
      ...every(45, 90, 1, () => ({ power: 'on', touches: 0 })),
      { ts: at(90), values: { power: 'standby', touches: 0 } },
    ];
    expect(activeIntervals('board', readings)).toEqual([{ start: at(0), end: at(45) }]);
  });

  it('does not stretch a state past STALE_MS when a device goes silent', () => {
    expect(activeIntervals('tablet', [{ ts: at(0), values: { screenOn: true } }])).toEqual([{ start: at(0), end: at(0) + STALE_MS }]);
    expect(activeIntervals('tablet', [{ ts: at(0), values: { screenOn: true } }], at(5))).toEqual([{ start: at(0), end: at(5) }]);
  });

  it('keeps the last value of a field a reading leaves out, but not of a counter', () => {
    const readings = [{ ts: at(0), values: { power: 'on', touches: 3 } }, { ts: at(1), values: { touches: 4 } }, { ts: at(2), values: { power: 'on' } }, { ts: at(3), values: { power: 'off' } }];
    expect(activeIntervals('board', readings)).toEqual([{ start: at(0), end: at(2) }]);
  });

  it('needs three active tablets in a smart classroom, and 30 % of them in a computer room', () => {
    const tablets = (n: number, active: number): RoomDevice[] => Array.from({ length: n }, (_, i) => ({
      id: `t${i}`, kind: 'tablet', readings: [...every(0, 40, 10, () => ({ screenOn: i < active })), { ts: at(40), values: { screenOn: false } }],
    }));
    expect(roomUse('smart_classroom', tablets(10, 2)).intervals).toEqual([]);
    expect(roomUse('smart_classroom', tablets(10, 3)).intervals).toEqual([{ start: at(0), end: at(40), evidence: { boards: 0, tablets: 3, vr: 0, sensors: 0, by: ['tablets'] } }]);
    expect(roomUse('computer_room', tablets(20, 5)).intervals).toEqual([]);
    expect(roomUse('computer_room', tablets(20, 6)).intervals).toHaveLength(1);
  });

  it('joins evidence from several devices into one interval and names every condition that held', () => {
    const devices: RoomDevice[] = [
      { id: 'b', kind: 'board', readings: [...every(0, 30, 1, () => ({ power: 'on', touches: 5 })), { ts: at(30), values: { power: 'standby', touches: 0 } }] },
      { id: 's', kind: 'sensor', readings: [...every(20, 50, 5, () => ({ occupancy: 31 })), { ts: at(50), values: { occupancy: 2 } }] },
      { id: 'v1', kind: 'vr', readings: [{ ts: at(60), values: { inSession: true } }, { ts: at(70), values: { inSession: false } }] },
    ];
    const { intervals, devices: perDevice } = roomUse('vr_room', devices);
    expect(intervals).toEqual([{ start: at(0), end: at(50), evidence: { boards: 1, tablets: 0, vr: 0, sensors: 1, by: ['board', 'occupancy'] } }]);
    // One headset is not a class: the room is not in use, but the headset's own hours count.
    expect(perDevice.get('v1')).toEqual([{ start: at(60), end: at(70) }]);
  });

  it('takes a sensor counting four people (a cleaner, a teacher preparing) as an empty room', () => {
    const s: RoomDevice = { id: 's', kind: 'sensor', readings: [{ ts: at(0), values: { occupancy: 4 } }, { ts: at(10), values: { occupancy: 5 } }, { ts: at(20), values: { occupancy: 0 } }] };
    expect(roomUse('classroom', [s]).intervals.map((x) => [x.start, x.end])).toEqual([[at(10), at(20)]]);
  });
});
