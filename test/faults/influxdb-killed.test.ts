import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FaultLoad, countSurvivors, seedFaultDevices } from '../helpers/fault-load.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('InfluxDB killed with SIGKILL and restarted mid-load', () => {
  const s = useTestStack({ overrides: { gateway: { retryMaxMs: 300 }, mqtt: { publishRatePerSec: 0 } } });

  it('acknowledges through the outage and loses no acknowledged reading', async () => {
    const devices = await seedFaultDevices(s.registry, 20);
    await s.directory.refresh();
    const load = await FaultLoad.start({ url: s.mqttUrl, devices, perDevice: 300 });
    try {
      await load.whenAcked(1500);
      // A crash, not a stop: influxd gets no chance to flush its WAL or close its shards.
      const child = (s.influxd as unknown as { child: ChildProcess }).child;
      child.kill('SIGKILL');
      await waitFor('the gateway to notice the outage', () => s.gateway!.degraded);
      // Devices are still acknowledged while InfluxDB is down: the spool holds their readings.
      const during = load.ackedTotal;
      await load.whenAcked(during + 1000);
      await s.influxd!.stop();
      await s.influxd!.start();
      await load.done();
    } finally {
      await load.stop();
    }
    const r = await countSurvivors('InfluxDB killed (SIGKILL) and restarted mid-load', s.influx, load);
    expect(r.acknowledged).toBe(20 * 300);
    expect(r.lost).toBe(0);
    expect(r.whole).toBe(20);
    await waitFor('the gateway healthy again', () => !s.gateway!.degraded);
  }, 90_000);
});
