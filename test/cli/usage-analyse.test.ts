import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfluxSchema, ManagedInfluxd } from '../../lib/influx/index.js';
import { openRegistryStore } from '../../registry/index.js';
import { localDate } from '../../timetable/index.js';
import { testInfluxClient } from '../helpers/influx.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const run = promisify(execFile);

/**
 * `edufleet usage analyse` works on a data directory whose managed InfluxDB requires its credential: it reads the
 * credential file both when it uses a running server's influxd and when it starts that influxd itself.
 */
describe('edufleet usage analyse on a data directory with a managed InfluxDB', () => {
  const dir = tempDir('edufleet-cli-usage-');
  // The influxd a running `edufleet start` would have started in this data directory (it writes influxdb/url).
  const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'));
  const day = localDate(Date.now() - 86_400_000);
  const analyse = () => run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, 'usage', 'analyse', '--from', day, '--to', day], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn' } });

  beforeAll(async () => {
    const registry = await openRegistryStore({ dataDir: dir });
    await seedSchool(registry);
    await registry.close();
    await influxd.start();
    await ensureInfluxSchema(testInfluxClient(influxd), { database: 'edufleet', rawRetention: '90d', rollupRetention: '1825d' });
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the running server\'s InfluxDB with the credential kept in the data directory', async () => {
    expect((await analyse()).stdout).toContain('1 day(s) analysed');
  });

  it('starts the data directory\'s own InfluxDB with the same credential when the server is stopped', async () => {
    const creds = influxd.credentials;
    await influxd.stop();
    expect((await analyse()).stdout).toContain('1 day(s) analysed');
    // The command's influxd reused the file: the credential is unchanged for the server's next start.
    await influxd.start();
    expect(influxd.credentials).toEqual(creds);
  });
});
