/** The lifecycle of one (rule, device) as a pure function, and a device's health from its verdicts and alerts. */
import { describe, expect, it } from 'vitest';
import { deviceHealth } from '../../alerts/health.js';
import { step, type OpenAlert } from '../../alerts/lifecycle.js';
import { RULES } from '../../alerts/rules.js';

const MIN = 60_000;
const p = RULES.board_overheat.defaults; // > 60 °C for 2 min, clears at 55, 5 min hold-off, re-notify 240 min
const hot = { rule: 'board_overheat' as const, fire: true, clear: false, value: 70, field: 'temperature' };
const cool = { rule: 'board_overheat' as const, fire: false, clear: true, value: 50, field: 'temperature' };
const between = { rule: 'board_overheat' as const, fire: false, clear: false, value: 57, field: 'temperature' };
const alert = (o: Partial<OpenAlert> = {}): OpenAlert =>
  ({ id: 1, state: 'firing', startedAt: 0, clearSince: null, lastNotifiedAt: 2 * MIN, value: 70, field: 'temperature', severity: 'critical', ...o });

describe('the alert lifecycle', () => {
  it('opens pending when the rule has a duration, firing at once when it has none, and nothing when the condition is false', () => {
    expect(step(undefined, hot, p, 0)).toEqual({ type: 'open', state: 'pending', severity: 'critical', value: 70, field: 'temperature' });
    expect(step(undefined, hot, { ...p, forMin: 0 }, 0)).toMatchObject({ type: 'open', state: 'firing' });
    expect(step(undefined, between, p, 0)).toBeUndefined();
    expect(step(undefined, undefined, p, 0)).toBeUndefined();
  });

  it('fires a pending alert once the condition has held its duration, and drops it when the condition stops first', () => {
    const pending = alert({ state: 'pending', lastNotifiedAt: null });
    expect(step(pending, hot, p, 2 * MIN - 1)).toBeUndefined();
    expect(step(pending, hot, p, 2 * MIN)).toEqual({ type: 'fire', value: 70 });
    expect(step(pending, between, p, MIN)).toEqual({ type: 'drop' });
    expect(step(pending, undefined, p, MIN)).toEqual({ type: 'drop' });
  });

  it('starts the hold-off on clear, keeps it between the levels, cancels it on fire, and resolves after it', () => {
    expect(step(alert(), cool, p, 10 * MIN)).toEqual({ type: 'clearing' });
    const clearing = alert({ clearSince: 10 * MIN });
    expect(step(clearing, between, p, 12 * MIN)).toBeUndefined();
    expect(step(clearing, cool, p, 15 * MIN - 1)).toBeUndefined();
    expect(step(clearing, hot, p, 12 * MIN)).toEqual({ type: 'unclear' });
    expect(step(clearing, cool, p, 15 * MIN)).toEqual({ type: 'resolve', reason: 'cleared', value: 50 });
    expect(step(clearing, between, p, 15 * MIN)).toEqual({ type: 'resolve', reason: 'cleared', value: 57 });
    expect(step(alert(), cool, { ...p, holdOffMin: 0 }, 10 * MIN)).toMatchObject({ type: 'resolve' });
    // Acknowledged alerts resolve the same way.
    expect(step(alert({ state: 'acknowledged', clearSince: 10 * MIN }), cool, p, 15 * MIN)).toMatchObject({ type: 'resolve' });
  });

  it('notifies a firing alert never notified, re-notifies after renotifyMin, and leaves acknowledged or clearing ones alone', () => {
    expect(step(alert({ lastNotifiedAt: null }), hot, p, 3 * MIN)).toEqual({ type: 'notify', renotify: false });
    expect(step(alert(), hot, p, 242 * MIN - 1)).toBeUndefined();
    expect(step(alert(), hot, p, 242 * MIN)).toEqual({ type: 'notify', renotify: true });
    expect(step(alert(), hot, { ...p, renotifyMin: 0 }, 9999 * MIN)).toBeUndefined();
    expect(step(alert({ state: 'acknowledged' }), hot, p, 9999 * MIN)).toBeUndefined();
    expect(step(alert({ clearSince: 240 * MIN }), between, p, 242 * MIN)).toBeUndefined();
  });

  it('resolves the open alerts of a device in repair or retired, and opens none', () => {
    expect(step(undefined, hot, p, 0, 'in repair')).toBeUndefined();
    expect(step(alert(), hot, p, 0, 'in repair')).toEqual({ type: 'resolve', reason: 'in repair', value: 70 });
    expect(step(alert({ state: 'pending' }), hot, p, 0, 'retired')).toEqual({ type: 'drop' });
  });
});

describe('a device\'s health', () => {
  const paramsOf = (rule: keyof typeof RULES) => RULES[rule].defaults;
  it('is the worst severity among conditions firing now and alerts firing or acknowledged, reasons worst first', () => {
    const battery = { rule: 'low_battery' as const, fire: true, clear: false, value: 9, field: 'battery' };
    expect(deviceHealth([battery], [], paramsOf)).toEqual({ level: 'warning', reasons: [{ rule: 'low_battery', severity: 'warning', value: 9, field: 'battery' }] });
    // The board cooled but its alert is still in its hold-off: still critical, with the value it fired at.
    const h = deviceHealth([battery, { ...cool }], [{ ...alert(), rule: 'board_overheat' }], paramsOf);
    expect(h.level).toBe('critical');
    expect(h.reasons.map((r) => r.rule)).toEqual(['board_overheat', 'low_battery']);
    expect(deviceHealth([cool], [{ ...alert({ state: 'pending' }), rule: 'board_overheat' }], paramsOf)).toEqual({ level: 'ok', reasons: [] });
  });
});
