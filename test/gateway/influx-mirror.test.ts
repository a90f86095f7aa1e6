import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { InfluxV2Writer } from '../../gateway/influx-v2-writer.js';
import { MirrorLoop } from '../../gateway/mirror-loop.js';
import { Spool } from '../../gateway/spool.js';
import { createLogger } from '../../lib/logger.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Primary InfluxDB 1.x (the managed influxd) and a mirror that speaks the v2 write API (VictoriaMetrics): every
 * reading reaches both; a mirror outage holds nothing of the primary back, and the mirror catches up afterwards.
 */
describe('the InfluxDB mirror', () => {
  const vm = new VictoriaMetrics();
  let s: TestStack | undefined;
  let roomId = 0;

  beforeAll(async () => {
    await vm.start();
    s = await startTestStack({
      only: ['broker', 'gateway'],
      overrides: {
        influx: { mirror: { url: vm.url, token: 'ioc-token', org: 'ioc', bucket: 'edufleet' } },
        // A small spool, so the last case can fill it with the mirror's backlog in a second.
        gateway: { retryMaxMs: 300, spoolMaxBytes: 65_536, segmentBytes: 8192 },
        // A device's backlog at full speed (the publish rate would stretch 1,000 readings over half a minute).
        mqtt: { publishRatePerSec: 0 },
      },
    });
    roomId = (await seedSchool(s.registry)).room.id;
  });
  afterAll(async () => {
    await s?.close();
    await vm.close();
  });

  async function tablet(): Promise<{ id: string; client: MqttClient }> {
    const d = await s!.registry.addDevice({ kind: 'tablet', roomId });
    return { id: d.device.id, client: await connectDevice(s!.mqttUrl, d.device.id, d.secret!) };
  }

  /** Publishes readings i = from … to-1 at QoS 1; resolves once each was acknowledged. */
  async function publish(t: { id: string; client: MqttClient }, t0: number, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) await t.client.publishAsync(topics.telemetry(t.id), JSON.stringify({ ts: t0 + i, battery: i % 100 }), { qos: 1 });
  }

  async function primaryCount(id: string): Promise<number> {
    const r = await s!.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${id}'`);
    return r[0]?.count ?? 0;
  }

  async function mirrorTimes(id: string): Promise<number[]> {
    const series = (await vm.export('telemetry_tablet_battery')).filter((x) => x.metric.device === id);
    return series.flatMap((x) => x.timestamps).sort((a, b) => a - b);
  }

  it('writes every reading to the primary InfluxDB 1.x and to the v2 mirror', async () => {
    const t = await tablet();
    const t0 = Date.now() - 120_000;
    await publish(t, t0, 0, 100);
    await waitFor('every reading in the primary', async () => (await primaryCount(t.id)) === 100);
    await waitFor('every reading in the mirror', async () => (await mirrorTimes(t.id)).length === 100);
    expect(await mirrorTimes(t.id)).toEqual(Array.from({ length: 100 }, (_, i) => t0 + i));
    await t.client.endAsync();
  });

  it('keeps the primary writing while the mirror is down, and the mirror catches up on every reading once it is back', async () => {
    const t = await tablet();
    const t0 = Date.now() - 110_000;
    await vm.stop();
    await publish(t, t0, 0, 150);
    await waitFor('every reading in the primary while the mirror is down', async () => (await primaryCount(t.id)) === 150);
    await waitFor('the gateway to show the mirror unreachable', () => s!.gateway!.health().details?.mirror === 'unreachable');
    expect(s!.gateway!.degraded).toBe(false);
    await vm.start();
    await waitFor('every reading in the mirror', async () => (await mirrorTimes(t.id)).length === 150, 30_000);
    expect(await mirrorTimes(t.id)).toEqual(Array.from({ length: 150 }, (_, i) => t0 + i));
    await t.client.endAsync();
  });

  it('never refuses a device for the mirror: a backlog past the spool budget is left out of the mirror, oldest first, and counted', async () => {
    const t = await tablet();
    const t0 = Date.now() - 100_000;
    await vm.stop();
    // About 130 bytes a line: 1,000 readings are about twice the 64 KiB budget. Every one is acknowledged.
    await publish(t, t0, 0, 1000);
    await waitFor('every reading in the primary', async () => (await primaryCount(t.id)) === 1000);
    const skipped = Number(s!.gateway!.health().details?.mirrorSkippedPoints);
    expect(skipped).toBeGreaterThan(0);
    await vm.start();
    await waitFor('the mirror to catch up', async () => Number(s!.gateway!.health().details?.mirrorWrittenPoints) > 0 && s!.gateway!.health().details?.mirror === 'ok'
      && (await mirrorTimes(t.id)).at(-1) === t0 + 999, 30_000);
    // What the mirror lacks is the oldest part of the backlog, no more than was counted, and nothing after it.
    const times = await mirrorTimes(t.id);
    const first = times[0]! - t0;
    expect(times).toEqual(Array.from({ length: 1000 - first }, (_, i) => t0 + first + i));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(skipped);
    await t.client.endAsync();
  });

  it('resumes after a restart from its own checkpoint: what the primary wrote while the mirror was down reaches it, and the spool then frees the segments', async () => {
    const dir = tempDir('edufleet-mirror-restart-');
    const m = `telemetry_restart_${Date.now()}`;
    const t0 = Date.now() - 90_000;
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${m},device=TB-1 battery=${(from + i) % 100} ${t0 + from + i}`);
    /** A spool and its mirror as a gateway opens them at start; the primary's writer loop is played by `written`. */
    async function open() {
      const spool = new Spool({ dir, groupCommitMs: 1, segmentBytes: 4096 });
      await spool.open();
      const mirror = new MirrorLoop(spool, dir, new InfluxV2Writer({ url: vm.url, token: 'ioc-token', org: 'ioc', bucket: 'edufleet' }), { batchMaxPoints: 100, flushIntervalMs: 20, retryMaxMs: 200 }, createLogger('silent'));
      mirror.start();
      return { spool, mirror };
    }
    const written = (spool: Spool) => {
      // As the writer loop: commits each batch, and an empty read that reached a newer segment.
      for (let b = spool.read(1000); b.count > 0 || b.next.segment > spool.position().segment; b = spool.read(1000)) spool.commit(b.next);
    };
    try {
      await vm.stop();
      const first = await open();
      await first.spool.append(lines(0, 300));
      written(first.spool);
      await waitFor('the mirror to fail', () => first.mirror.health.degraded);
      await first.mirror.stop();
      await first.spool.close();

      const second = await open();
      await second.spool.append(lines(300, 500));
      written(second.spool);
      await vm.start();
      let times: number[] = [];
      await waitFor('all 500 points in the mirror', async () => (times = (await vm.export(`${m}_battery`)).flatMap((x) => x.timestamps)).length === 500, 30_000);
      expect(times.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => t0 + i));
      expect(second.mirror.skippedPoints).toBe(0);
      // Both readers are past the old segments: only the current one is left.
      await waitFor('the segments behind both readers to be deleted', () => second.spool.usage().usedBytes <= 4096);
      await second.mirror.stop();
      await second.spool.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
