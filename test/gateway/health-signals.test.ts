import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { Gateway } from '../../gateway/gateway.js';
import { HealthSignals } from '../../gateway/health-signals.js';
import { systemClock } from '../../lib/clock.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import { DeviceDirectory, type RegistryStore } from '../../registry/index.js';
import { useEngines } from '../helpers/engines.js';
import { connectDevice, seedSchool, tempDir, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;

describe('health signals recorded by the gateway', () => {
  const s = useTestStack({ overrides: { alerts: { flushMs: 50 } } });

  it('records presence, latest values, clock skew, errors, rejections and reconnects in the registry; another process continues the counts', async () => {
    const { room } = await seedSchool(s.registry);
    const d = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const id = d.device.id;
    const c = await connectDevice(s.mqttUrl, id, d.secret!);
    await c.publishAsync(topics.telemetry(id), JSON.stringify({ battery: 80, charging: false }), { qos: 1 });
    // 7 minutes ahead: beyond the gateway's sanity limit, so InfluxDB gets server time, but the skew is the device's.
    const sent = Date.now() + 7 * MIN;
    await c.publishAsync(topics.telemetry(id), JSON.stringify({ ts: sent, battery: 79, wifiRssi: -61 }), { qos: 1 });
    await c.publishAsync(topics.event(id), JSON.stringify({ type: 'app_error', code: 'E42', message: 'crash' }), { qos: 1 });
    await c.publishAsync(topics.event(id), JSON.stringify({ type: 'lesson_started' }), { qos: 1 });
    await c.publishAsync(topics.telemetry(id), '{not json', { qos: 1 });
    await c.endAsync();
    await waitFor('the disconnect', async () => (await s.registry.healthRows({ deviceIds: [id] }))[0]?.signals.presence === 'offline');
    const again = await connectDevice(s.mqttUrl, id, d.secret!);

    const row = await waitFor('the signals after the reconnect', async () => {
      const r = (await s.registry.healthRows({ deviceIds: [id] }))[0];
      return r?.signals.presence === 'online' && r.signals.reconnects.length === 2 ? r : null;
    });
    const sig = row.signals;
    expect(sig.latest).toEqual({ battery: 79, charging: false, wifiRssi: -61 });
    expect(sig.changedAt.charging).toBeLessThanOrEqual(sig.changedAt.battery!);
    expect(sig.skewMs).toBeGreaterThan(6 * MIN);
    expect(sig.skewMs).toBeLessThanOrEqual(7 * MIN);
    expect(sig.errors).toHaveLength(1);
    expect(sig.rejected).toHaveLength(1);
    expect(sig.lastRejection?.reason).toContain('JSON');
    expect(sig.intervalMs).toBeGreaterThanOrEqual(0);
    expect(sig.presenceSince).toBeGreaterThanOrEqual(sig.reconnects[1]!);
    expect(sig.lastSeen).toBeGreaterThanOrEqual(sig.lastReadingAt!);
    expect(s.gateway!.health().state).toBe('ok');

    // Another gateway process (or this one after a restart) sees the device for the first time and carries on.
    const other = new HealthSignals({ registry: s.registry, clock: { now: () => Date.now() }, log: createLogger('silent'), flushMs: 60_000 });
    other.rejection(id, 'battery: must be a number', Date.now());
    other.reading(id, { battery: 79, charging: true }, undefined, Date.now());
    await other.flush();
    const moved = (await s.registry.healthRows({ deviceIds: [id] }))[0]!.signals;
    expect(moved.rejected).toHaveLength(2);
    expect(moved.errors).toHaveLength(1);
    expect(moved.reconnects.length).toBeGreaterThanOrEqual(2);
    expect(moved.latest).toEqual({ battery: 79, charging: true, wifiRssi: -61 });
    // The battery did not change value across the move: it keeps the time it last changed.
    expect(moved.changedAt.battery).toBe(sig.changedAt.battery);
    expect(moved.skewMs).toBe(sig.skewMs);
    await other.stop();
    await again.endAsync();
  });

  it('judges a clock from live readings only: a backlog\'s old times are late data, a constant offset is a skewed clock', async () => {
    const { room } = await seedSchool(s.registry, 'SKEW-1');
    const [a, b] = (await s.registry.addDevices([{ kind: 'tablet', roomId: room.id }, { kind: 'tablet', roomId: room.id }])) as unknown as [{ device: { id: string } }, { device: { id: string } }];
    const rec = new HealthSignals({ registry: s.registry, clock: systemClock, log: createLogger('silent'), flushMs: 60_000 });
    const t0 = Date.UTC(2026, 11, 8, 2, 0);
    const skew = (id: string) => rec.get(id)!.skewMs;
    // Device a: a day's history sent in messages of several readings, then live readings a minute apart.
    let now = t0;
    for (let m = 0; m < 3; m++, now += 200) {
      for (let r = 0; r < 5; r++) rec.reading(a.device.id, { battery: 90 }, t0 - 86_400_000 + (m * 5 + r) * 300_000, now);
    }
    expect(skew(a.device.id)).toBeNull();
    // The first live reading still follows the backlog (its time leaps ahead of the arrival): unknown until the next.
    rec.reading(a.device.id, { battery: 89 }, now, now);
    expect(skew(a.device.id)).toBeNull();
    now += 60_000;
    rec.reading(a.device.id, { battery: 88 }, now + 1_500, now);
    expect(skew(a.device.id)).toBe(1_500);
    // Device b: a clock 9 minutes behind, reading after reading: a skew from its first reading on.
    for (let i = 0; i < 3; i++) rec.reading(b.device.id, { battery: 70 }, t0 + i * 60_000 - 9 * MIN, t0 + i * 60_000);
    expect(skew(b.device.id)).toBe(-9 * MIN);
    // Its clock set right: the time leaps 9 minutes ahead of the arrival, as a backlog's would (unknown), then right.
    rec.reading(b.device.id, { battery: 70 }, t0 + 3 * 60_000, t0 + 3 * 60_000);
    expect(skew(b.device.id)).toBeNull();
    rec.reading(b.device.id, { battery: 70 }, t0 + 4 * 60_000, t0 + 4 * 60_000);
    expect(skew(b.device.id)).toBe(0);
    await rec.stop();
  });

  it('records nothing for a device the registry does not know', async () => {
    const before = await s.registry.healthRows();
    await s.gateway!.ingest('no-such-device', 'telemetry', Buffer.from('{"battery":5}'));
    await s.gateway!.signals!.flush();
    expect((await s.registry.healthRows()).length).toBe(before.length);
  });
});

describe('HealthSignals on a registry that goes away and comes back', () => {
  const engines = useEngines();
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('works out the interval, keeps the lists to the last hour and 200 entries, and keeps a failed flush for the next one', async () => {
    let registry = await engines.store('', dir);
    const { room } = await seedSchool(registry);
    const id = (await registry.addDevice({ kind: 'sensor', roomId: room.id })).device.id;
    // The registry as the recorder reaches it: the store of the moment (closed, then opened again on the same files).
    const reach = {
      recordSignals: (...a: Parameters<RegistryStore['recordSignals']>) => registry.recordSignals(...a),
      healthRows: (...a: Parameters<RegistryStore['healthRows']>) => registry.healthRows(...a),
    } as RegistryStore;
    const t0 = Date.UTC(2026, 9, 13, 2, 0);
    let now = t0;
    const rec = new HealthSignals({ registry: reach, clock: { now: () => now }, log: createLogger('silent'), flushMs: 60_000 });
    for (const [dt, temperature] of [[0, 27.1], [30, 27.2], [60, 27.2], [90, 27.3], [150, 27.31]] as const) {
      rec.reading(id, { temperature, humidity: 70 }, undefined, t0 + dt * 1000);
    }
    now = t0 + 150_000;
    await rec.flush();
    let sig = (await registry.healthRows({ deviceIds: [id] }))[0]!.signals;
    expect(sig.intervalMs).toBe(30_000); // gaps 30, 30, 30, 60 s: an outlier does not move the median
    expect(sig.changedAt).toEqual({ temperature: t0 + 150_000, humidity: t0 });
    expect(sig.presence).toBe('online');

    for (let i = 0; i < 250; i++) rec.rejection(id, 'co2: out of range', t0 + 200_000 + i);
    expect(rec.get(id)!.rejected).toHaveLength(200);
    rec.event(id, 'sensor_error', t0 + 61 * MIN);
    now = t0 + 65 * MIN;
    await registry.close();
    await expect(rec.flush()).rejects.toThrow();
    expect(rec.health().state).toBe('degraded');

    registry = await engines.store('', dir);
    await rec.flush();
    expect(rec.health().state).toBe('ok');
    sig = (await registry.healthRows({ deviceIds: [id] }))[0]!.signals;
    expect(sig.rejected).toEqual([]); // all older than an hour by the time they were written
    expect(sig.errors).toEqual([t0 + 61 * MIN]);
    await rec.stop();
  });

  it('with alerts off, the gateway records no signals', async () => {
    const registry = await engines.store('', dir);
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, alerts: { enabled: false } } });
    const g = new Gateway({ config, influxUrl: 'http://127.0.0.1:1', directory: new DeviceDirectory(registry), metrics: createMetrics(), log: createLogger('silent'), clock: systemClock, registry });
    expect(g.signals).toBeUndefined();
    const on = new Gateway({ config: { ...config, alerts: { ...config.alerts, enabled: true } }, influxUrl: 'http://127.0.0.1:1', directory: new DeviceDirectory(registry), metrics: createMetrics(), log: createLogger('silent'), clock: systemClock, registry });
    expect(on.signals).toBeInstanceOf(HealthSignals);
  });
});
