import { describe, expect, it } from 'vitest';
import { evaluate, type DeviceContext, type Verdict } from '../../alerts/conditions.js';
import { RULES, effectiveParams, type RuleOverride } from '../../alerts/rules.js';
import { emptySignals, type DeviceSignals, type RuleId } from '../../domain/index.js';
import type { DeviceKind } from '../../protocol/index.js';

// A fixed instant: a teaching Tuesday morning (no clock is read by the conditions).
const NOW = Date.UTC(2026, 9, 13, 2, 30);
const MIN = 60_000;
const HOUR = 3_600_000;

const ctx = (kind: DeviceKind, over: Partial<DeviceContext> = {}): DeviceContext => ({
  id: `${kind}-1`, kind, recordState: 'in_use', roomId: 1, roomType: 'smart_classroom', siteId: 1, schoolId: 1, districtId: 1,
  schoolHours: false, offlineSchoolMinutes: 0, ...over,
});
const sig = (over: Partial<DeviceSignals> = {}): DeviceSignals => ({
  ...emptySignals(), presence: 'online', lastSeen: NOW, lastReadingAt: NOW, presenceSince: NOW - 5 * HOUR, ...over,
});

function verdict(rule: RuleId, d: DeviceContext, s: DeviceSignals, overrides: RuleOverride[] = [], now = NOW): Verdict | undefined {
  return evaluate(d, s, (r) => effectiveParams(r, d, overrides), now).find((v) => v.rule === rule);
}
const fires = (v: Verdict | undefined) => v?.fire === true && v.clear === false;
const clears = (v: Verdict | undefined) => v?.fire === false && v.clear === true;
const between = (v: Verdict | undefined) => v !== undefined && !v.fire && !v.clear;

describe('evaluate', () => {
  it('judges only the rules of the device kind, and nothing for a device in repair or retired', () => {
    const s = sig({ latest: { temperature: 70 } });
    expect(evaluate(ctx('board'), s, (r) => RULES[r].defaults, NOW).map((v) => v.rule)).toContain('board_overheat');
    expect(evaluate(ctx('board'), s, (r) => RULES[r].defaults, NOW).map((v) => v.rule)).not.toContain('room_hot');
    expect(evaluate(ctx('board', { recordState: 'in_repair' }), s, (r) => RULES[r].defaults, NOW)).toEqual([]);
    expect(evaluate(ctx('board', { recordState: 'retired' }), s, (r) => RULES[r].defaults, NOW)).toEqual([]);
  });

  it('skips a disabled rule', () => {
    const off: RuleOverride = { rule: 'board_overheat', kind: '', schoolId: 0, roomType: '', params: { enabled: false } };
    expect(verdict('board_overheat', ctx('board'), sig({ latest: { temperature: 70 } }), [off])).toBeUndefined();
  });
});

describe('offline_school_hours', () => {
  it('fires past the threshold of timetabled minutes while offline', () => {
    const s = sig({ presence: 'offline' });
    expect(fires(verdict('offline_school_hours', ctx('board', { offlineSchoolMinutes: 25 }), s))).toBe(true);
    expect(verdict('offline_school_hours', ctx('board', { offlineSchoolMinutes: 25 }), s)?.value).toBe(25);
  });
  it('a board switched off after school (0 timetabled minutes) raises nothing', () => {
    expect(fires(verdict('offline_school_hours', ctx('board', { offlineSchoolMinutes: 0 }), sig({ presence: 'offline' })))).toBe(false);
  });
  it('a device never seen raises nothing; online or asleep clears', () => {
    expect(verdict('offline_school_hours', ctx('board', { offlineSchoolMinutes: 100 }), sig({ presence: 'never' }))).toBeUndefined();
    expect(clears(verdict('offline_school_hours', ctx('board'), sig({ presence: 'online' })))).toBe(true);
    expect(clears(verdict('offline_school_hours', ctx('tablet'), sig({ presence: 'sleep' })))).toBe(true);
  });
});

describe('low_battery', () => {
  it('fires under 15 % when not charging, clears from 20 %, neither in between', () => {
    expect(fires(verdict('low_battery', ctx('tablet'), sig({ latest: { battery: 9, charging: false } })))).toBe(true);
    expect(between(verdict('low_battery', ctx('tablet'), sig({ latest: { battery: 17 } })))).toBe(true);
    expect(clears(verdict('low_battery', ctx('tablet'), sig({ latest: { battery: 20 } })))).toBe(true);
  });
  it('a tablet at 10 % on the charger is not low', () => {
    expect(clears(verdict('low_battery', ctx('tablet'), sig({ latest: { battery: 10, charging: true } })))).toBe(true);
  });
  it('a VR controller low fires with its field, even while the headset charges', () => {
    const v = verdict('low_battery', ctx('vr'), sig({ latest: { battery: 80, charging: true, leftController: 60, rightController: 8 } }));
    expect(fires(v)).toBe(true);
    expect(v).toMatchObject({ field: 'rightController', value: 8 });
    expect(clears(verdict('low_battery', ctx('vr'), sig({ latest: { battery: 80, leftController: 60, rightController: 25 } })))).toBe(true);
  });
  it('a board has no battery rule and a device without a battery field is not judged', () => {
    expect(verdict('low_battery', ctx('board'), sig({ latest: { battery: 5 } }))).toBeUndefined();
    expect(verdict('low_battery', ctx('sensor'), sig({ latest: { temperature: 25 } }))).toBeUndefined();
  });
});

describe('board_overheat and room_hot', () => {
  it('a board at 67 °C fires, at 59 °C it does not, and it clears at 55 °C', () => {
    expect(verdict('board_overheat', ctx('board'), sig({ latest: { temperature: 67 } }))).toMatchObject({ fire: true, value: 67, field: 'temperature' });
    expect(between(verdict('board_overheat', ctx('board'), sig({ latest: { temperature: 59 } })))).toBe(true);
    expect(clears(verdict('board_overheat', ctx('board'), sig({ latest: { temperature: 55 } })))).toBe(true);
  });
  it('a room at 36 °C fires, 34 °C is in between, 33 °C clears', () => {
    expect(fires(verdict('room_hot', ctx('sensor'), sig({ latest: { temperature: 36 } })))).toBe(true);
    expect(between(verdict('room_hot', ctx('sensor'), sig({ latest: { temperature: 34 } })))).toBe(true);
    expect(clears(verdict('room_hot', ctx('sensor'), sig({ latest: { temperature: 33 } })))).toBe(true);
  });
});

describe('co2_high', () => {
  it('fires in an occupied room (people counted, or a period running)', () => {
    expect(fires(verdict('co2_high', ctx('sensor'), sig({ latest: { co2: 1820, occupancy: 38 } })))).toBe(true);
    expect(fires(verdict('co2_high', ctx('sensor', { schoolHours: true }), sig({ latest: { co2: 1820 } })))).toBe(true);
  });
  it('1,800 ppm in an empty room out of hours raises nothing', () => {
    expect(fires(verdict('co2_high', ctx('sensor'), sig({ latest: { co2: 1800, occupancy: 0 } })))).toBe(false);
  });
  it('hysteresis: 1,300 ppm holds, 1,200 clears', () => {
    expect(between(verdict('co2_high', ctx('sensor', { schoolHours: true }), sig({ latest: { co2: 1300 } })))).toBe(true);
    expect(clears(verdict('co2_high', ctx('sensor', { schoolHours: true }), sig({ latest: { co2: 1200 } })))).toBe(true);
  });
});

describe('no_data', () => {
  const interval = 30_000;
  it('a connected device silent for more than 5 of its intervals fires, with the intervals missed', () => {
    const v = verdict('no_data', ctx('sensor'), sig({ intervalMs: interval, lastReadingAt: NOW - 6 * interval - 1000 }));
    expect(v).toMatchObject({ fire: true, clear: false, value: 6 });
  });
  it('a reading within its intervals clears; an offline device is the offline rule, not no data', () => {
    expect(clears(verdict('no_data', ctx('sensor'), sig({ intervalMs: interval, lastReadingAt: NOW - 2 * interval })))).toBe(true);
    expect(clears(verdict('no_data', ctx('sensor'), sig({ presence: 'offline', intervalMs: interval, lastReadingAt: NOW - HOUR })))).toBe(true);
  });
  it('without a known interval nothing is judged', () => {
    expect(verdict('no_data', ctx('sensor'), sig({ intervalMs: null, lastReadingAt: NOW - HOUR }))).toBeUndefined();
  });
  it('hysteresis with a lower clear level', () => {
    const o: RuleOverride = { rule: 'no_data', kind: '', schoolId: 0, roomType: '', params: { clearAt: 2 } };
    expect(between(verdict('no_data', ctx('sensor'), sig({ intervalMs: interval, lastReadingAt: NOW - 4 * interval }), [o]))).toBe(true);
  });
});

describe('sensor_stuck', () => {
  it('a reporting sensor whose humidity has not moved for 4 hours fires with the field', () => {
    const s = sig({ intervalMs: 60_000, lastReadingAt: NOW - 10_000, latest: { temperature: 27.3, humidity: 71 },
      changedAt: { temperature: NOW - 60_000, humidity: NOW - 10_000 - 4 * HOUR } });
    expect(verdict('sensor_stuck', ctx('sensor'), s)).toMatchObject({ fire: true, value: 4, field: 'humidity' });
  });
  it('an override in fractions of an hour is judged on the exact time, the value shown rounded', () => {
    const o: RuleOverride = { rule: 'sensor_stuck', kind: '', schoolId: 0, roomType: '', params: { threshold: 0.002, clearAt: 0.002 } };
    const s = (ms: number) => sig({ intervalMs: 1000, latest: { co2: 800 }, changedAt: { co2: NOW - ms } });
    expect(verdict('sensor_stuck', ctx('sensor'), s(8000), [o])).toMatchObject({ fire: true, clear: false, value: 0, field: 'co2' });
    expect(clears(verdict('sensor_stuck', ctx('sensor'), s(7000), [o]))).toBe(true);
  });
  it('a sensor changing by tiny amounts is not stuck', () => {
    const s = sig({ intervalMs: 60_000, latest: { temperature: 27.31, humidity: 70.9 }, changedAt: { temperature: NOW - 60_000, humidity: NOW - 120_000 } });
    expect(clears(verdict('sensor_stuck', ctx('sensor'), s))).toBe(true);
  });
  it('light at 0 all night and an empty room are not stuck values', () => {
    const s = sig({ intervalMs: 60_000, latest: { light: 0, occupancy: 0, temperature: 25 },
      changedAt: { light: NOW - 10 * HOUR, occupancy: NOW - 10 * HOUR, temperature: NOW - MIN } });
    expect(clears(verdict('sensor_stuck', ctx('sensor'), s))).toBe(true);
  });
  it('a silent sensor is not stuck (no data is)', () => {
    const s = sig({ intervalMs: 60_000, lastReadingAt: NOW - 2 * HOUR, latest: { humidity: 71 }, changedAt: { humidity: NOW - 8 * HOUR } });
    expect(fires(verdict('sensor_stuck', ctx('sensor'), s))).toBe(false);
  });
});

describe('counted rules', () => {
  const times = (n: number, spacingMin: number) => Array.from({ length: n }, (_, i) => NOW - (n - i) * spacingMin * MIN);
  it('error_events: 3 errors within the hour fire, older ones do not count', () => {
    expect(verdict('error_events', ctx('board'), sig({ errors: times(3, 10) }))).toMatchObject({ fire: true, value: 3 });
    expect(fires(verdict('error_events', ctx('board'), sig({ errors: [NOW - 2 * HOUR, NOW - 90 * MIN, NOW - 5 * MIN] })))).toBe(false);
  });
  it('error_events hysteresis: 1 or 2 errors hold, none clears', () => {
    expect(between(verdict('error_events', ctx('board'), sig({ errors: times(1, 10) })))).toBe(true);
    expect(clears(verdict('error_events', ctx('board'), sig({ errors: [] })))).toBe(true);
  });
  it('rejected_readings: 12 in an hour fire, 9 do not', () => {
    expect(verdict('rejected_readings', ctx('sensor'), sig({ rejected: times(12, 4) }))).toMatchObject({ fire: true, value: 12 });
    expect(fires(verdict('rejected_readings', ctx('sensor'), sig({ rejected: times(9, 4) })))).toBe(false);
  });
  it('reconnect_storm: 14 reconnects fire, 1 clears, 5 hold', () => {
    expect(fires(verdict('reconnect_storm', ctx('tablet'), sig({ reconnects: times(14, 4) })))).toBe(true);
    expect(clears(verdict('reconnect_storm', ctx('tablet'), sig({ reconnects: times(1, 4) })))).toBe(true);
    expect(between(verdict('reconnect_storm', ctx('tablet'), sig({ reconnects: times(5, 4) })))).toBe(true);
  });
});

describe('clock_skew', () => {
  it('7 minutes either way fires, 3 minutes holds, 1 minute clears, unknown is not judged', () => {
    expect(verdict('clock_skew', ctx('tablet'), sig({ skewMs: -7 * MIN }))).toMatchObject({ fire: true, value: 7 });
    expect(fires(verdict('clock_skew', ctx('tablet'), sig({ skewMs: 7 * MIN })))).toBe(true);
    expect(between(verdict('clock_skew', ctx('tablet'), sig({ skewMs: 3 * MIN })))).toBe(true);
    expect(clears(verdict('clock_skew', ctx('tablet'), sig({ skewMs: MIN })))).toBe(true);
    expect(verdict('clock_skew', ctx('tablet'), sig({ skewMs: null }))).toBeUndefined();
  });
});

describe('storage and Wi-Fi of a tablet', () => {
  it('warns of storage under 500 MB and clears only above 1,000 MB', () => {
    expect(fires(verdict('low_storage', ctx('tablet'), sig({ latest: { storageFree: 320 } })))).toBe(true);
    expect(between(verdict('low_storage', ctx('tablet'), sig({ latest: { storageFree: 700 } })))).toBe(true);
    expect(clears(verdict('low_storage', ctx('tablet'), sig({ latest: { storageFree: 4000 } })))).toBe(true);
    expect(verdict('low_storage', ctx('tablet'), sig({ latest: { storageFree: 320 } }))).toMatchObject({ value: 320, field: 'storageFree' });
  });

  it('calls Wi-Fi under −80 dBm weak while the tablet is online, not the last RSSI of one that left', () => {
    expect(fires(verdict('weak_wifi', ctx('tablet'), sig({ latest: { wifiRssi: -84 } })))).toBe(true);
    expect(between(verdict('weak_wifi', ctx('tablet'), sig({ latest: { wifiRssi: -76 } })))).toBe(true);
    expect(clears(verdict('weak_wifi', ctx('tablet'), sig({ latest: { wifiRssi: -60 } })))).toBe(true);
    expect(clears(verdict('weak_wifi', ctx('tablet'), sig({ presence: 'offline', latest: { wifiRssi: -90 } })))).toBe(true);
    // A duration: a tablet carried past a weak corner for a minute is not a failing access point.
    expect(RULES.weak_wifi.defaults.forMin).toBe(10);
  });
});
