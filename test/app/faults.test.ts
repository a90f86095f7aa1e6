import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ComponentHealth } from '../../lib/component.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

interface Healthz { status: string; components: ComponentHealth[] }

/**
 * Real faults inside one component of a running process: the process stays up, the other components keep working,
 * /healthz names the failing one, and it recovers once the fault is gone.
 */
describe('a fault in one component', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { usage: { analyseIntervalMs: 100 } } });

  const healthz = async (): Promise<Healthz> => (await (await fetch(`${s.dashboard!.url}/healthz`)).json()) as Healthz;
  const component = async (name: string) => (await healthz()).components.find((c) => c.name === name)!;

  async function device(code: string) {
    const { room } = await seedSchool(s.registry, code);
    const { device: d, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await s.directory.refresh();
    return { id: d.id, secret: secret! };
  }
  const reading = (id: string) => [topics.telemetry(id), JSON.stringify({ battery: 80, charging: false, wifiRssi: -50, screenOn: true })] as const;

  /**
   * The immutable attribute refuses writes even to root and even on a file already open (EPERM), as a full or
   * read-only disk would: a real failure of the spool's write and fsync, not a stand-in.
   */
  const immutable = (on: boolean) => {
    const dir = s.config.gateway.spoolDir;
    const files = [dir, ...readdirSync(dir).map((f) => path.join(dir, f))];
    execFileSync('chattr', [on ? '+i' : '-i', ...files]);
  };

  it('keeps broker and dashboard up while the spool disk refuses writes, shows the gateway degraded, and recovers', async () => {
    const a = await device('FAULT-A');
    const client = await connectDevice(s.mqttUrl, a.id, a.secret);
    await client.publishAsync(...reading(a.id), { qos: 1 });
    await client.endAsync();
    expect((await component('gateway')).state).toBe('ok');

    immutable(true);
    try {
      const refused = await connectDevice(s.mqttUrl, a.id, a.secret);
      // Not acknowledged: what was not stored is not confirmed, and the device keeps it to send again.
      const outcome = await Promise.race([
        refused.publishAsync(...reading(a.id), { qos: 1 }).then(() => 'acknowledged', () => 'refused'),
        new Promise((resolve) => refused.once('close', () => resolve('refused'))),
      ]);
      refused.end(true);
      expect(outcome).toBe('refused');

      const gateway = await waitFor('the gateway degraded on /healthz', async () => {
        const c = await component('gateway');
        return c.state === 'degraded' ? c : null;
      });
      // The write of a reading or the writer's checkpoint, whichever failed last: both are the spool's disk.
      expect(gateway.lastError).toMatchObject({ code: 'EPERM', context: expect.stringContaining('spool') });
      expect((await healthz()).status).toBe('degraded');
      // The broker still takes connections and the dashboard still answers: one component failed, not the process.
      const b = await device('FAULT-B');
      const other = await connectDevice(s.mqttUrl, b.id, b.secret);
      await other.endAsync();
      expect((await component('broker')).state).toBe('ok');
      expect((await fetch(`${s.dashboard!.url}/api/me`)).status).toBe(401);
    } finally {
      immutable(false);
    }

    const again = await connectDevice(s.mqttUrl, a.id, a.secret);
    await again.publishAsync(...reading(a.id), { qos: 1 });
    await again.endAsync();
    await waitFor('the gateway healthy again', async () => (await component('gateway')).state === 'ok');
    const rows = await waitFor('both acknowledged readings in InfluxDB', async () => {
      const r = await s.influx.query(`SELECT * FROM telemetry_tablet WHERE device = '${a.id}'`);
      return r.length === 2 ? r : null;
    });
    expect(rows).toHaveLength(2);
  }, 60_000);

  it('shows usage and influxd degraded while InfluxDB is down, keeps acknowledging readings, and recovers', async () => {
    const d = await device('FAULT-C');
    await s.influxd!.stop();
    try {
      const usage = await waitFor('the usage loop degraded on /healthz', async () => {
        const c = await component('usage');
        return c.state === 'degraded' ? c : null;
      });
      expect(usage.lastError?.context).toBe('room usage analysis');
      expect((await component('influxd')).state).toBe('degraded');
      // Readings are still acknowledged: the spool holds them until InfluxDB is back.
      const client = await connectDevice(s.mqttUrl, d.id, d.secret);
      await client.publishAsync(...reading(d.id), { qos: 1 });
      await client.endAsync();
    } finally {
      await s.influxd!.start();
    }
    await waitFor('usage and influxd healthy again', async () => {
      const h = await healthz();
      return ['usage', 'influxd', 'gateway'].every((n) => h.components.find((c) => c.name === n)?.state === 'ok');
    });
    await waitFor('the reading spooled during the outage in InfluxDB', async () =>
      (await s.influx.query(`SELECT * FROM telemetry_tablet WHERE device = '${d.id}'`)).length === 1);
  }, 60_000);
});
