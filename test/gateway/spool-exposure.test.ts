/**
 * What a node's permanent loss would cost (issue 20, point 5): /healthz reports the acknowledged data that is only
 * in the node's spool, as bytes, points and the age of the oldest. The figures themselves are the benchmark's
 * (bench/spool-exposure.ts, docs/operations.md); here, the mechanism: present, growing while InfluxDB is away,
 * back to nothing once it has taken them; and the point count right across a restart of the spool.
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { Spool } from '../../gateway/spool.js';
import type { HealthReport } from '../../lib/healthz.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, tempDir, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

type SpoolFigures = NonNullable<HealthReport['spool']>;

describe('the spool figures on /healthz', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { logLevel: 'silent', gateway: { retryMaxMs: 200 } } });
  const spool = async (): Promise<SpoolFigures> => ((await (await fetch(`${s.dashboard!.url}/healthz`)).json()) as HealthReport).spool!;

  it('grows in bytes, points and age while InfluxDB is stopped, and falls back to nothing once it is back', async () => {
    const { room } = await seedSchool(s.registry);
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    await s.directory.refresh();
    const client = await connectDevice(s.mqttUrl, device.id, secret!);
    // Its connection's presence point written first: then nothing is pending, as in normal running between batches.
    await waitFor('the presence point in InfluxDB', async () => (await s.influx.query(`SELECT state FROM presence WHERE device = '${device.id}'`)).length > 0);
    await waitFor('nothing pending', async () => (await spool()).pendingPoints === 0);
    expect(await spool()).toEqual({ pendingBytes: 0, pendingPoints: 0, oldestPendingMs: 0 });

    await s.influxd!.stop();
    const t0 = Date.now() - 60_000;
    const publish = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) await client.publishAsync(topics.telemetry(device.id), JSON.stringify({ ts: t0 + i, battery: i % 100 }), { qos: 1 });
    };
    await publish(0, 10);
    const first = await spool();
    expect(first.pendingPoints).toBe(10);
    expect(first.pendingBytes).toBeGreaterThan(0);
    await publish(10, 10);
    const second = await spool();
    expect(second.pendingPoints).toBe(first.pendingPoints + 10);
    expect(second.pendingBytes).toBeGreaterThan(first.pendingBytes);
    // Measured from when the oldest was acknowledged, not reset by the writer's retries.
    await waitFor('the oldest pending reading older than at first', async () => (await spool()).oldestPendingMs > first.oldestPendingMs);
    await waitFor('the gateway degraded', () => s.gateway!.degraded);

    await s.influxd!.start();
    await waitFor('the spool drained into InfluxDB', async () => (await spool()).pendingBytes === 0, 60_000);
    expect(await spool()).toEqual({ pendingBytes: 0, pendingPoints: 0, oldestPendingMs: 0 });
    const rows = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${device.id}'`);
    expect(rows[0]?.count).toBe(20);
    await client.endAsync();
  });

  it('counts the points left in the spool again when it is reopened, as after a restart', async () => {
    const dir = tempDir('edufleet-spool-count-');
    try {
      const one = new Spool({ dir, groupCommitMs: 1, segmentBytes: 4096 });
      await one.open();
      // Across several segments, part of them committed.
      for (let i = 0; i < 30; i++) await one.append([`reading-${i}-${'x'.repeat(300)}`]);
      expect(one.pendingRecords()).toBe(30);
      one.commit(one.read(12).next);
      expect(one.pendingRecords()).toBe(18);
      await one.close();
      const again = new Spool({ dir, groupCommitMs: 1, segmentBytes: 4096 });
      await again.open();
      expect(again.pendingRecords()).toBe(18);
      await again.append(['one-more']);
      expect(again.pendingRecords()).toBe(19);
      // A commit of a position the spool did not just read (a tool, a test) is counted from the log itself.
      const batch = again.read(5);
      again.read(1);
      again.commit(batch.next);
      expect(again.pendingRecords()).toBe(14);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
