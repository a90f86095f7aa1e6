import { describe, expect, it } from 'vitest';
import { HealthSignals } from '../../gateway/health-signals.js';
import { createLogger } from '../../lib/logger.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
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

  it('records nothing for a device the registry does not know', async () => {
    const before = await s.registry.healthRows();
    await s.gateway!.ingest('no-such-device', 'telemetry', Buffer.from('{"battery":5}'));
    await s.gateway!.signals!.flush();
    expect((await s.registry.healthRows()).length).toBe(before.length);
  });
});
