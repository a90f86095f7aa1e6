import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readInfluxdCredentials } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { openRegistryStore } from '../../registry/index.js';
import { FaultLoad, countSurvivors, seedFaultDevices } from '../helpers/fault-load.js';
import { testInfluxClient } from '../helpers/influx.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** The children of a process (the managed influxd of an `edufleet start`), read from /proc. */
function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

/** Gone, or a zombie no one reaped yet: either way it runs no more. */
function dead(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * A power cut: EduFleet (broker and gateway) and the influxd it manages are killed with SIGKILL at the same moment,
 * mid-load, then EduFleet is started again from the same data directory. What the broker acknowledged was either in
 * InfluxDB's WAL or in the spool; both must be back.
 */
describe('the whole host rebooted: every process killed with SIGKILL mid-load', () => {
  const dir = tempDir();
  let proc: EdufleetProcess | undefined;

  afterAll(async () => {
    if (proc) {
      proc.child.kill('SIGTERM');
      await exited(proc.child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('has every acknowledged reading in InfluxDB after starting again from disk', async () => {
    const dataDir = path.join(dir, 'data');
    const registry = await openRegistryStore({ dataDir });
    const devices = await seedFaultDevices(registry, 10);
    await registry.close();
    // A fixed port, so the devices find the broker again after the reboot as they would on a real host.
    const port = await freePort();
    const env = {
      EDUFLEET_DATA_DIR: dataDir, EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: String(port),
      EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_MQTT_PUBLISH_RATE_PER_SEC: '0',
    };
    proc = await startEdufleetProcess(['--only', 'broker,gateway'], env);
    const first = proc.child;
    const [influxd] = childPids(first.pid!);
    expect(influxd).toBeGreaterThan(0);

    const load = await FaultLoad.start({ url: `mqtt://127.0.0.1:${port}`, devices, perDevice: 400 });
    try {
      await load.whenAcked(1500);
      // The managed influxd runs in its own process group (so that Ctrl-C reaches EduFleet only): kill that group too.
      process.kill(-influxd!, 'SIGKILL');
      first.kill('SIGKILL');
      await exited(first);
      await waitFor('the managed influxd to be gone', () => dead(influxd!));
      const before = load.ackedTotal;
      expect(before).toBeGreaterThanOrEqual(1500);
      expect(before).toBeLessThan(4000);

      proc = await startEdufleetProcess(['--only', 'broker,gateway'], env);
      // The devices reconnect by themselves and send again what was not acknowledged.
      await load.done();
    } finally {
      await load.stop();
    }
    const influxDir = path.join(dataDir, 'influxdb');
    const url = readFileSync(path.join(influxDir, 'url'), 'utf8').trim();
    const influx = testInfluxClient({ url, credentials: readInfluxdCredentials(influxDir) });
    const r = await countSurvivors('host rebooted (EduFleet and its influxd killed with SIGKILL)', influx, load);
    expect(r.acknowledged).toBe(10 * 400);
    expect(r.lost).toBe(0);
    expect(r.whole).toBe(10);
  }, 120_000);
});
