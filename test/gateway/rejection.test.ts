import { describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('gateway validation', () => {
  const s = useTestStack();

  it("rejects a reading with a wrong type or an unknown field, counts it against that device, and stores the other devices' readings of the same batch", async () => {
    const { room } = await seedSchool(s.registry);
    const bad = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const good = await s.registry.addDevice({ kind: 'sensor', roomId: room.id });
    const cb = await connectDevice(s.mqttUrl, bad.device.id, bad.secret!);
    const cg = await connectDevice(s.mqttUrl, good.device.id, good.secret!);
    const t0 = Date.now() - 10_000;
    // Interleaved, so that the good and the bad land in the same spool commit and the same InfluxDB batch.
    await Promise.all([
      cb.publishAsync(topics.telemetry(bad.device.id), JSON.stringify({ ts: t0, battery: 'full' }), { qos: 1 }),
      cg.publishAsync(topics.telemetry(good.device.id), JSON.stringify({ ts: t0, temperature: 29.5, co2: 850 }), { qos: 1 }),
      cb.publishAsync(topics.telemetry(bad.device.id), JSON.stringify({ ts: t0 + 1, battery: 50, colour: 'blue' }), { qos: 1 }),
      cg.publishAsync(topics.telemetry(good.device.id), JSON.stringify({ ts: t0 + 1, temperature: 29.6, occupancy: 31 }), { qos: 1 }),
      cb.publishAsync(topics.telemetry(bad.device.id), '{not json', { qos: 1 }),
    ]);
    await Promise.all([cb.endAsync(), cg.endAsync()]);

    const goodRows = await waitFor('the sensor readings', async () => {
      const r = await s.influx.query<{ temperature: number }>(`SELECT temperature, co2, occupancy FROM telemetry_sensor WHERE device = '${good.device.id}'`);
      return r.length === 2 ? r : null;
    });
    expect(goodRows.map((r) => r.temperature)).toEqual([29.5, 29.6]);

    const rejected = await waitFor('the rejections', async () => {
      const r = await s.influx.query<{ reason: string; channel: string }>(`SELECT reason, channel FROM rejected WHERE device = '${bad.device.id}'`);
      return r.length === 3 ? r : null;
    });
    const reasons = rejected.map((r) => r.reason).join(' | ');
    expect(reasons).toContain('battery');
    expect(reasons).toContain('colour');
    expect(reasons).toContain('not valid JSON');
    const stored = await s.influx.query(`SELECT * FROM telemetry_tablet WHERE device = '${bad.device.id}'`);
    expect(stored).toHaveLength(0);

    expect(s.gateway!.live.get(bad.device.id)?.rejected).toBe(3);
    expect(s.gateway!.live.get(good.device.id)?.rejected).toBe(0);
    const metrics = await s.metrics.registry.getSingleMetricAsString('edufleet_readings_rejected_total');
    expect(metrics).toMatch(/edufleet_readings_rejected_total 3/);
  });

  it('stores a backlog array with the device timestamps, and a re-sent reading with the same ts only once', async () => {
    const { room } = await seedSchool(s.registry);
    const d = await s.registry.addDevice({ kind: 'vr', roomId: room.id });
    const c = await connectDevice(s.mqttUrl, d.device.id, d.secret!);
    const t0 = Date.now() - 3_600_000;
    const backlog = Array.from({ length: 20 }, (_, i) => ({ ts: t0 + i * 60_000, battery: 90 - i, inSession: i % 2 === 0 }));
    await c.publishAsync(topics.telemetry(d.device.id), JSON.stringify(backlog), { qos: 1 });
    await c.publishAsync(topics.telemetry(d.device.id), JSON.stringify(backlog.slice(0, 5)), { qos: 1 });
    await c.endAsync();
    await waitFor('the backlog', async () => {
      const r = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_vr WHERE device = '${d.device.id}'`);
      return s.gateway!.pendingBytes() === 0 && r[0]?.count === 20;
    });
    const first = await s.influx.query<{ time: Date; battery: number }>(`SELECT battery FROM telemetry_vr WHERE device = '${d.device.id}' LIMIT 1`);
    expect(first[0]!.time.getTime()).toBe(t0);
    expect(first[0]!.battery).toBe(90);
  });

  it('replaces a device time far in the future by server time and marks it', async () => {
    const { room } = await seedSchool(s.registry);
    const d = await s.registry.addDevice({ kind: 'board', roomId: room.id });
    const c = await connectDevice(s.mqttUrl, d.device.id, d.secret!);
    const before = Date.now();
    await c.publishAsync(topics.telemetry(d.device.id), JSON.stringify({ ts: before + 86_400_000, power: 'on', temperature: 41 }), { qos: 1 });
    await c.endAsync();
    const rows = await waitFor('the board reading', async () => {
      const r = await s.influx.query<{ time: Date; clock_replaced: boolean }>(`SELECT * FROM telemetry_board WHERE device = '${d.device.id}'`);
      return r.length ? r : null;
    });
    expect(rows[0]!.clock_replaced).toBe(true);
    expect(rows[0]!.time.getTime()).toBeGreaterThanOrEqual(before);
    expect(rows[0]!.time.getTime()).toBeLessThan(before + 60_000);
  });
});
