import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ComponentHealth } from '../../lib/component.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BUDGET = 65_536;
const DEVICES = 4;

/** What a device sees of one QoS 1 publish: a PUBACK, or the connection closed without one. */
function publish(c: MqttClient, topic: string, payload: string): Promise<'acked' | 'refused'> {
  return new Promise((resolve) => {
    const onClose = () => resolve('refused');
    c.once('close', onClose);
    c.publish(topic, payload, { qos: 1 }, (err) => {
      c.off('close', onClose);
      resolve(err ? 'refused' : 'acked');
    });
  });
}

/**
 * The spool's disk budget with InfluxDB down: once it is full, devices get no PUBACK (they keep the reading and
 * retry), the broker stays up, /healthz says why; InfluxDB back, the spool empties, PUBACKs resume, and every
 * acknowledged reading is in InfluxDB.
 */
describe('the spool disk budget', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { gateway: { spoolMaxBytes: BUDGET, retryMaxMs: 300 } } });
  const healthz = async () => (await (await fetch(`${s.dashboard!.url}/healthz`)).json()) as { status: string; components: ComponentHealth[] };
  const component = async (name: string) => (await healthz()).components.find((c) => c.name === name)!;

  it('refuses PUBACKs while full, says why, and loses nothing acknowledged once InfluxDB is back', async () => {
    const { room } = await seedSchool(s.registry, 'BUDGET-1');
    const devices = await Promise.all(Array.from({ length: DEVICES }, () => s.registry.addDevice({ kind: 'tablet', roomId: room.id })));
    await s.directory.refresh();
    const t0 = Date.now() - 3_600_000;
    const reading = (i: number) => JSON.stringify({ ts: t0 + i, seq: i, battery: i % 100, charging: false, wifiRssi: -50, screenOn: true });
    // What each device has had acknowledged, and the next reading it holds (not acknowledged yet).
    const acked = devices.map(() => new Set<number>());
    const next = devices.map(() => 0);

    await s.influxd!.stop();
    let refusals = 0;
    try {
      await Promise.all(devices.map(async ({ device, secret }, k) => {
        const c = await connectDevice(s.mqttUrl, device.id, secret!);
        // Far more than the budget holds: ~250 bytes a reading, 64 KiB in all.
        while (next[k]! < 2000) {
          const outcome = await publish(c, topics.telemetry(device.id), reading(next[k]!));
          if (outcome === 'refused') { refusals += 1; break; }
          acked[k]!.add(next[k]!);
          next[k]! += 1;
        }
        c.end(true);
      }));
      const full = acked.reduce((n, a) => n + a.size, 0);
      expect(refusals).toBe(DEVICES);
      expect(full).toBeLessThan(2000 * DEVICES);
      expect(full).toBeGreaterThan(50);

      const gateway = await component('gateway');
      expect(gateway.state).toBe('degraded');
      expect(gateway.lastError).toMatchObject({ code: 'EDUFLEET_ERR_SPOOL_FULL', context: expect.stringContaining('spool full') });
      expect(gateway.lastError!.message).toMatch(/^spool full: [\d.]+ KiB of 64\.0 KiB, InfluxDB unreachable since \d{4}-/);
      expect(gateway.details).toMatchObject({ spoolMaxBytes: BUDGET });
      expect(Number(gateway.details!.spoolBytes)).toBeLessThanOrEqual(BUDGET);
      // The broker stays up: it still takes a connection; the reading it is sent is refused like the others.
      expect((await component('broker')).state).toBe('ok');
      const probe = await connectDevice(s.mqttUrl, devices[0]!.device.id, devices[0]!.secret!);
      expect(await publish(probe, topics.telemetry(devices[0]!.device.id), reading(next[0]!))).toBe('refused');
      probe.end(true);
      const metrics = await (await fetch(`${s.dashboard!.url}/metrics`)).text();
      expect(metrics).toMatch(/edufleet_spool_refused_total [1-9]/);
      expect(metrics).toMatch(/edufleet_resource_errors_total\{code="EDUFLEET_ERR_SPOOL_FULL",context="spool full \(messages are not acknowledged\)"\} [1-9]/);
    } finally {
      await s.influxd!.start();
    }

    // By itself: InfluxDB takes the readings out and the written segments are deleted.
    await waitFor('the spool written out', async () => (await component('gateway')).details?.spoolPendingBytes === 0, 60_000);
    // Each device re-sends the reading it holds, as a device does after a refusal, until it is acknowledged, then goes on.
    await Promise.all(devices.map(async ({ device, secret }, k) => {
      for (let sent = 0; sent < 20;) {
        const c = await connectDevice(s.mqttUrl, device.id, secret!);
        while (sent < 20 && (await publish(c, topics.telemetry(device.id), reading(next[k]!))) === 'acked') {
          acked[k]!.add(next[k]!);
          next[k]! += 1;
          sent += 1;
        }
        c.end(true);
      }
    }));
    const total = acked.reduce((n, a) => n + a.size, 0);
    const stored = await waitFor('every acknowledged reading in InfluxDB', async () => {
      const rows = await s.influx.query<{ device: string; count: number }>('SELECT count(battery) FROM telemetry_tablet GROUP BY device');
      const n = rows.reduce((sum, r) => sum + r.count, 0);
      return n >= total ? rows : null;
    }, 60_000);
    const byDevice = new Map(stored.map((r) => [r.device, r.count]));
    const lost = devices.reduce((n, d, k) => n + Math.max(0, acked[k]!.size - (byDevice.get(d.device.id) ?? 0)), 0);
    console.log(`spool budget: ${total} readings acknowledged, ${[...byDevice.values()].reduce((a, b) => a + b, 0)} in InfluxDB, lost ${lost}, refusals while full ${refusals}`);
    expect(lost).toBe(0);
    devices.forEach((d, k) => expect(byDevice.get(d.device.id)).toBe(acked[k]!.size));
    await waitFor('the gateway healthy again', async () => (await component('gateway')).state === 'ok');
  }, 120_000);
});
