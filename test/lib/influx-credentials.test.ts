import { spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS_FILE, ensureInfluxSchema, influxClient, ManagedInfluxd, RAW_RP } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { exited } from '../helpers/process.js';
import { influxHeaders, testInfluxClient, type InfluxSource } from '../helpers/influx.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SCHEMA = { database: 'edufleet', rawRetention: '3650d', rollupRetention: '3650d' };
const POINTS = 25;

/** How many readings the managed influxd holds, read with its credential. */
async function count(src: InfluxSource): Promise<number> {
  const rows = await testInfluxClient(src).query<{ count: number }>(`SELECT count("battery") FROM "${RAW_RP}"."telemetry_tablet"`);
  return rows[0]?.count ?? 0;
}

async function seed(src: InfluxSource): Promise<void> {
  const influx = testInfluxClient(src);
  await ensureInfluxSchema(influx, SCHEMA);
  const t0 = Date.now() - 60_000;
  await influx.writePoints(Array.from({ length: POINTS }, (_, i) => ({ measurement: 'telemetry_tablet', tags: { device: 'tablet-1' }, fields: { battery: i }, timestamp: t0 + i })), { retentionPolicy: RAW_RP, precision: 'ms' });
}

describe('the managed InfluxDB runs with authentication', () => {
  const dir = tempDir('edufleet-influx-auth-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influxdb'));
  beforeAll(async () => {
    await influxd.start();
    await seed(influxd);
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses /query and /write without the credential (401), so a DROP DATABASE from anyone else leaves the readings intact', async () => {
    expect(await count(influxd)).toBe(POINTS);
    // What a webhook aimed at loopback would send: the statement in the URL, by GET or by POST.
    const drop = `${influxd.url}/query?q=${encodeURIComponent('DROP DATABASE edufleet')}`;
    expect((await fetch(drop, { method: 'POST' })).status).toBe(401);
    expect((await fetch(drop)).status).toBe(401);
    const write = await fetch(`${influxd.url}/write?db=edufleet&rp=${RAW_RP}&precision=ms`, { method: 'POST', body: `telemetry_tablet,device=intruder battery=1 ${Date.now()}` });
    expect(write.status).toBe(401);
    // A wrong password is no better than none.
    const guessed = await fetch(drop, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('edufleet:edufleet').toString('base64')}` } });
    expect(guessed.status).toBe(401);
    expect(await count(influxd)).toBe(POINTS);
    // /ping stays open: it says only that the server is up.
    expect((await fetch(`${influxd.url}/ping`)).status).toBe(204);
    // With the credential the same API answers.
    expect((await fetch(`${influxd.url}/query?q=SHOW+DATABASES`, { headers: influxHeaders(influxd) })).status).toBe(200);
  });

  it('keeps its credential in a 0600 file in its directory and reuses it after a restart', async () => {
    const file = path.join(influxd.dir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = readFileSync(file, 'utf8');
    const creds = influxd.credentials!;
    expect(JSON.parse(before)).toEqual(creds);
    expect(creds.password.length).toBeGreaterThanOrEqual(32);
    await influxd.stop();
    await influxd.start();
    expect(influxd.credentials).toEqual(creds);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await count(influxd)).toBe(POINTS);
  });

  it('refuses to start with a coded error when users exist but the credential file is lost, foreign or garbled, and starts once it is back', async () => {
    const file = path.join(influxd.dir, CREDENTIALS_FILE);
    await influxd.stop();
    renameSync(file, `${file}.bak`);
    try {
      const err = await influxd.start().then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(err?.code).toBe('EDUFLEET_ERR_INFLUX_CREDENTIALS');
      expect(err?.message).toContain(file);
      expect(err?.message).toContain('docs/operations.md');
      expect(influxd.running).toBe(false);
      // A credential that is not this server's is refused the same way, not silently replaced.
      writeFileSync(file, JSON.stringify({ username: 'edufleet', password: 'not-this-one' }), { mode: 0o600 });
      const wrong = await influxd.start().then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(wrong?.code).toBe('EDUFLEET_ERR_INFLUX_CREDENTIALS');
      expect(wrong?.message).not.toContain('not-this-one');
      writeFileSync(file, 'password=not-json', { mode: 0o600 });
      const garbled = await influxd.start().then(() => undefined, (e: unknown) => e as Error & { code?: string });
      expect(garbled?.code).toBe('EDUFLEET_ERR_INFLUX_CREDENTIALS');
    } finally {
      renameSync(`${file}.bak`, file);
    }
    await influxd.start();
    expect(await count(influxd)).toBe(POINTS);
  });

  it('never puts the password into the log line of a refused InfluxDB request', async () => {
    let out = '';
    const log = pino({ level: 'info' }, { write: (line: string) => { out += line; } });
    const creds = influxd.credentials!;
    const err = await influxClient(influxd.url, { database: 'edufleet', ...creds }).query('SELECT nonsense FROM').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    log.warn({ err }, 'usage analysis failed');
    expect(out).toContain('usage analysis failed');
    expect(out).not.toContain(creds.password);
    expect(out).not.toContain(Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
  });
});

describe('a data directory from a version without InfluxDB authentication', () => {
  const dir = tempDir('edufleet-influx-upgrade-');
  const influxDir = path.join(dir, 'influxdb');
  const influxd = new ManagedInfluxd(influxDir);
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is upgraded in place: its readings stay, an admin is created, anonymous requests are refused', async () => {
    // The layout the older ManagedInfluxd left (meta, data, wal under influxdb/), written by an influxd without auth.
    const [port, rpc] = [await freePort(), await freePort()];
    const conf = path.join(dir, 'old.conf');
    writeFileSync(conf, [
      'reporting-disabled = true', `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]', `  dir = "${path.join(influxDir, 'meta')}"`,
      '[data]', `  dir = "${path.join(influxDir, 'data')}"`, `  wal-dir = "${path.join(influxDir, 'wal')}"`,
      '[http]', `  bind-address = "127.0.0.1:${port}"`, '  log-enabled = false', '[logging]', '  level = "warn"', '',
    ].join('\n'));
    const old = spawn('influxd', ['-config', conf], { stdio: 'ignore' });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor('the old influxd to answer', async () => (await fetch(`${url}/ping`)).status === 204);
      await seed({ url, credentials: undefined });
    } finally {
      old.kill('SIGTERM');
      await exited(old);
    }

    await influxd.start();
    expect(influxd.credentials?.username).toBe('edufleet');
    expect(statSync(path.join(influxDir, CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(await count(influxd)).toBe(POINTS);
    expect((await fetch(`${influxd.url}/query?q=${encodeURIComponent('DROP DATABASE edufleet')}`, { method: 'POST' })).status).toBe(401);
    expect(await count(influxd)).toBe(POINTS);
  });
});
