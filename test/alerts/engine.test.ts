/**
 * The alert engine against a real registry on both engines, driven pass by pass with a controlled clock:
 * durations, hysteresis, hold-off, re-notification, silences, devices in repair, restarts (two engines at once: engine-race.test.ts).
 * board_overheat: fires above 60 °C held 2 min, clears at 55 °C, resolves after 5 min clear, critical, re-notified every 240 min.
 * low_battery: fires under 15 % at once, clears at 20 %.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { fixture, MIN, T0, type Fixture } from './engine-fixture.js';

const engines = useEngines();

describe.each(ENGINES)('the alert engine on %s', (kind) => {
  let f: Fixture;
  beforeAll(async () => { f = await fixture(engines, kind); });
  afterAll(() => f.cleanup());

  const at = (min: number) => { f.clock.t = T0 + min * MIN; };
  const open = async (id: string) => f.registry.openAlerts([id]);

  it('keeps an alert pending for its duration, then fires it once and marks the device critical', async () => {
    at(0);
    await f.addDevice('board-dur', 'board');
    const { engine, events } = await f.engine(['board-dur']);
    await f.signals('board-dur', { temperature: 70 });
    await engine.runOnce();
    expect(await open('board-dur')).toMatchObject([{ rule: 'board_overheat', state: 'pending', startedAt: T0, severity: 'critical' }]);
    expect(events).toEqual([]);
    // Pending already counts for the device's health: a board at 70 °C is not ok while the duration runs.
    expect((await f.registry.healthRows({ deviceIds: ['board-dur'] }))[0]).toMatchObject({ level: 'critical', reasons: [{ rule: 'board_overheat', value: 70 }] });
    at(1.9);
    await engine.evaluate();
    expect((await open('board-dur'))[0]?.state).toBe('pending');
    at(2);
    await engine.runOnce();
    expect(await open('board-dur')).toMatchObject([{ state: 'firing', value: 70, notifyCount: 1, lastNotifiedAt: T0 + 2 * MIN }]);
    expect(events).toMatchObject([{ type: 'fired', rule: 'board_overheat', deviceId: 'board-dur', roomName: 'Phòng học thông minh 1', schoolName: 'Trường THPT Chuyên Lào Cai', startedAt: T0 }]);
    await engine.runOnce();
    expect(events).toHaveLength(1);
  });

  it('drops a pending alert whose condition stops before its duration', async () => {
    at(0);
    await f.addDevice('board-blip', 'board');
    const { engine, events } = await f.engine(['board-blip']);
    await f.signals('board-blip', { temperature: 65 });
    await engine.runOnce();
    expect(await open('board-blip')).toHaveLength(1);
    at(1);
    await f.signals('board-blip', { temperature: 58 });
    await engine.evaluate();
    expect(await open('board-blip')).toEqual([]);
    expect(events).toEqual([]);
    expect((await f.registry.healthRows({ deviceIds: ['board-blip'] }))[0]).toMatchObject({ level: 'ok', reasons: [] });
  });

  it('keeps one alert through a flapping value and resolves it once clear has held the hold-off', async () => {
    at(0);
    await f.addDevice('board-flap', 'board');
    const { engine, events } = await f.engine(['board-flap']);
    await f.signals('board-flap', { temperature: 70 });
    await engine.runOnce();
    at(2);
    await engine.runOnce();
    const id = (await open('board-flap'))[0]?.id;
    // Cool, hot, cool, hot … every minute: faster than the 5 min hold-off.
    for (let m = 3; m < 13; m++) {
      at(m);
      await f.signals('board-flap', { temperature: m % 2 ? 50 : 70 });
      await engine.runOnce();
      expect(await open('board-flap')).toMatchObject([{ id, state: 'firing', clearSince: m % 2 ? T0 + m * MIN : null }]);
    }
    // 57 °C is between clear (55) and fire (60): the clear that began at 13 keeps running.
    at(13);
    await f.signals('board-flap', { temperature: 50 });
    await engine.runOnce();
    at(15);
    await f.signals('board-flap', { temperature: 57 });
    await engine.runOnce();
    at(17.9);
    await engine.runOnce();
    expect(await open('board-flap')).toMatchObject([{ id, clearSince: T0 + 13 * MIN }]);
    at(18);
    await engine.runOnce();
    expect(await open('board-flap')).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['fired', 'resolved']);
    expect(events[1]).toMatchObject({ alertId: id, state: 'resolved', byUser: null, comment: 'cleared' });
    expect((await f.registry.healthRows({ deviceIds: ['board-flap'] }))[0]).toMatchObject({ level: 'ok', reasons: [] });
  });

  it('re-notifies a firing alert nobody acknowledged after renotifyMin, not before, and not once acknowledged', async () => {
    at(0);
    await f.addDevice('tablet-renotify', 'tablet');
    const { engine, events } = await f.engine(['tablet-renotify']);
    await f.signals('tablet-renotify', { battery: 9 });
    await engine.runOnce();
    expect(events.map((e) => e.type)).toEqual(['fired']);
    at(239);
    await engine.runOnce();
    expect(events).toHaveLength(1);
    at(240);
    await engine.runOnce();
    expect(events.map((e) => e.type)).toEqual(['fired', 'renotify']);
    await engine.runOnce();
    expect(events).toHaveLength(2);
    const [a] = await open('tablet-renotify');
    expect(a).toMatchObject({ notifyCount: 2, lastNotifiedAt: T0 + 240 * MIN });
    // A technician acknowledges it (the inbox's own transition); the engine then leaves it alone.
    expect(await f.registry.transitionAlert({ id: a!.id, from: 'firing', set: { state: 'acknowledged' } }, f.clock.t)).toBe(true);
    at(600);
    await engine.runOnce();
    expect(events).toHaveLength(2);
    expect(await open('tablet-renotify')).toMatchObject([{ state: 'acknowledged' }]);
  });

  it('opens a silenced device\'s alert without notifying it, and notifies it when the silence ends by itself', async () => {
    at(0);
    await f.addDevice('tablet-muted', 'tablet');
    await f.silence({ type: 'device', id: 'tablet-muted' }, T0 + 30 * MIN);
    const { engine, events } = await f.engine(['tablet-muted']);
    await f.signals('tablet-muted', { battery: 5 });
    await engine.runOnce();
    expect(await open('tablet-muted')).toMatchObject([{ state: 'firing', notifyCount: 0, lastNotifiedAt: null }]);
    at(29);
    await engine.runOnce();
    expect(events).toEqual([]);
    at(30);
    await engine.runOnce();
    expect(events).toMatchObject([{ type: 'fired', deviceId: 'tablet-muted', startedAt: T0, at: T0 + 30 * MIN }]);
  });

  it('raises nothing for a device in repair and resolves its open alerts', async () => {
    at(0);
    await f.addDevice('board-repair', 'board');
    const first = await f.engine(['board-repair']);
    await f.signals('board-repair', { temperature: 80 });
    await first.engine.runOnce();
    at(2);
    await first.engine.runOnce();
    expect(first.events.map((e) => e.type)).toEqual(['fired']);
    await f.registry.updateDevice('board-repair', { state: 'in_repair' });
    const { engine, events } = await f.engine(['board-repair']);
    at(3);
    await engine.runOnce();
    expect(events).toMatchObject([{ type: 'resolved', comment: 'in repair' }]);
    at(10);
    await f.signals('board-repair', { temperature: 90 });
    await engine.runOnce();
    expect(await open('board-repair')).toEqual([]);
    expect((await f.registry.healthRows({ deviceIds: ['board-repair'] }))[0]).toMatchObject({ level: 'ok' });
  });

  it('keeps a duration running across a restart: a new engine fires it at the right time', async () => {
    at(0);
    await f.addDevice('board-restart', 'board');
    const before = await f.engine(['board-restart']);
    await f.signals('board-restart', { temperature: 75 });
    await before.engine.runOnce();
    await before.engine.stop();
    const after = await f.engine(['board-restart'], { own: true });
    at(1);
    await after.engine.runOnce();
    expect(after.events).toEqual([]);
    at(2);
    await after.engine.runOnce();
    expect(after.events).toMatchObject([{ type: 'fired', deviceId: 'board-restart', startedAt: T0 }]);
    expect(before.events).toEqual([]);
  });
});
