/**
 * Every process is a node an operator and HAProxy can check (issue 20, point 6): `edufleet start` refuses a
 * multi-node set-up it cannot run (a SQLite registry, an unreachable Redis) saying why; a `--only broker,gateway`
 * node serves /healthz and /metrics on its management port, writes its heartbeat to Redis, rides out a Redis outage,
 * and leaves the node list at a clean stop. Real processes, Redis, PostgreSQL and InfluxDB.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeRow } from '../../app/nodes.js';
import { nodeKey, parseHeartbeat } from '../../lib/cluster-keys.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { freePort } from '../../lib/net.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { influxEnv, influxOptions } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');
const run = promisify(execFile);
const TOKEN = 'metrics-token-of-the-province-0123456789';

/** Runs an `edufleet` command to its end; resolves with its exit code and output, whatever the code. */
async function edufleet(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

describe('a node of a deployment on several machines', () => {
  const dir = tempDir('edufleet-cluster-node-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let pg: TestPostgres;
  let redis: TestRedis;
  let registryUrl: string;
  let registry: RegistryStore;
  let node: EdufleetProcess | undefined;
  let management: string;
  let rds: Redis;

  /** The environment of a node: PostgreSQL, Redis, the test's InfluxDB, free loopback ports. */
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_REGISTRY_URL: registryUrl, EDUFLEET_REDIS_URL: redis.url, ...influxEnv(influxd),
    EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_NODE_MANAGEMENT_PORT: '0', ...extra,
  });

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis(), influxd.start()]);
    registryUrl = await pg.createDatabase();
    registry = await openRegistryStore({ url: registryUrl, dataDir: dir });
    rds = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    node = await startEdufleetProcess(['--only', 'broker,gateway'], env({ EDUFLEET_DATA_DIR: path.join(dir, 'node-a'), EDUFLEET_NODE_NAME: 'node-a', EDUFLEET_DASHBOARD_METRICS_TOKEN: TOKEN }));
    management = await waitFor('the management URL', () => /Management:\s+(http:\/\/\S+)/.exec(node!.output())?.[1]);
  }, 120_000);
  afterAll(async () => {
    if (node && node.child.exitCode === null) {
      node.child.kill('SIGTERM');
      await exited(node.child);
    }
    rds?.disconnect();
    await registry?.close();
    await Promise.all([redis?.close(), pg?.stop(), influxd.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with redis.url and a SQLite registry, saying that several machines need PostgreSQL', async () => {
    const r = await edufleet(['start', '--only', 'broker,gateway'], env({ EDUFLEET_REGISTRY_URL: '', EDUFLEET_DATA_DIR: path.join(dir, 'sqlite') }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EDUFLEET_ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('redis.url (EDUFLEET_REDIS_URL) is set');
    expect(r.stderr).toContain('a SQLite registry is a file on this machine that the other nodes cannot share');
    expect(r.stderr).toContain('Set registry.url to the PostgreSQL every node uses');
  });

  it('refuses to start when Redis cannot be reached, naming its URL', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const r = await edufleet(['start', '--only', 'broker,gateway'], env({ EDUFLEET_REDIS_URL: url, EDUFLEET_DATA_DIR: path.join(dir, 'no-redis') }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`EDUFLEET_ERR_REDIS_UNREACHABLE: Redis at ${url} (redis.url) cannot be reached`);
    expect(r.stdout).not.toContain('MQTT:');
  });

  it('serves /healthz (200) and /metrics on the management port of a broker+gateway node', async () => {
    const res = await fetch(`${management}/healthz`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as { status: string; node: { name: string }; spool: unknown; components: { name: string; state: string }[] };
    expect(h).toMatchObject({ status: 'ok', node: { name: 'node-a' }, spool: { pendingBytes: expect.any(Number), oldestPendingMs: expect.any(Number) } });
    expect(h.components.map((c) => [c.name, c.state])).toEqual(expect.arrayContaining([['redis', 'ok'], ['gateway', 'ok'], ['broker', 'ok'], ['management', 'ok']]));
    // /metrics keeps the dashboard's rule: loopback, but not through a proxy unless with the token.
    const metrics = await fetch(`${management}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('edufleet_component_degraded{component="redis"} 0');
    expect((await fetch(`${management}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(401);
    expect((await fetch(`${management}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${management}/api/me`)).status).toBe(404);
  });

  it('refuses to start on a management port another process holds, naming the option', async () => {
    const taken = new URL(management).port;
    const r = await edufleet(['start', '--only', 'broker,gateway'], env({ EDUFLEET_NODE_MANAGEMENT_PORT: taken, EDUFLEET_NODE_NAME: 'node-b', EDUFLEET_DATA_DIR: path.join(dir, 'node-b') }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`EDUFLEET_ERR_CONFIG_INVALID: the management port 127.0.0.1:${taken} (node.managementHost, node.managementPort`);
    // It stopped what it had started: its heartbeat is gone with it.
    expect(await rds.exists(nodeKey('node-b'))).toBe(0);
  });

  it('writes its heartbeat with its connections, and `edufleet nodes --json` lists it', async () => {
    const { room } = await seedSchool(registry, 'CLUSTER-NODE');
    const { device, secret } = await registry.addDevice({ kind: 'tablet', roomId: room.id });
    // The node's device directory refreshes from PostgreSQL on its own: the device connects once it is known.
    const client = await waitFor('the device connected to node-a', () => connectDevice(`mqtt://127.0.0.1:${node!.mqttPort}`, device.id, secret!).catch(() => undefined));
    try {
      const hb = await waitFor('a heartbeat with one connection', async () => {
        const v = parseHeartbeat((await rds.get(nodeKey('node-a'))) ?? '');
        return v?.connections === 1 ? v : undefined;
      });
      expect(hb).toMatchObject({ name: 'node-a', pid: node!.child.pid, spool: { bytes: expect.any(Number), oldestMs: expect.any(Number) } });
      expect(hb.components.map((c) => c.name)).toEqual(expect.arrayContaining(['redis', 'gateway', 'broker']));
      const ttl = await rds.pttl(nodeKey('node-a'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);

      const r = await edufleet(['nodes', '--json'], env({ EDUFLEET_DATA_DIR: path.join(dir, 'cli') }));
      expect(r.code, r.stderr).toBe(0);
      const rows = JSON.parse(r.stdout) as NodeRow[];
      expect(rows).toEqual([expect.objectContaining({ name: 'node-a', pid: node!.child.pid, connections: 1, ageMs: expect.any(Number) })]);
      const text = await edufleet(['nodes'], env({ EDUFLEET_DATA_DIR: path.join(dir, 'cli') }));
      expect(text.stdout).toMatch(/^node-a\t.*\t1\t/m);
    } finally {
      await client.endAsync();
    }
  });

  it('shows redis degraded on /healthz while Redis is stopped, and ok once it is back, without exiting', async () => {
    const redisState = async () => {
      const res = await fetch(`${management}/healthz`);
      const h = (await res.json()) as { status: string; components: { name: string; state: string }[] };
      return { code: res.status, status: h.status, redis: h.components.find((c) => c.name === 'redis')?.state };
    };
    await redis.stop();
    try {
      // Still serving: readings go to the spool whatever Redis does, so HAProxy keeps the node (200).
      expect(await waitFor('redis degraded on /healthz', async () => ((await redisState()).redis === 'degraded' ? redisState() : undefined)))
        .toEqual({ code: 200, status: 'degraded', redis: 'degraded' });
    } finally {
      await redis.start();
    }
    await waitFor('redis ok again on /healthz', async () => (await redisState()).redis === 'ok', 30_000);
    expect(node!.child.exitCode).toBeNull();
    // The restarted Redis kept nothing: the heartbeat is written again.
    await waitFor('the heartbeat back in Redis', async () => (await rds.get(nodeKey('node-a'))) !== null, 30_000);
  }, 60_000);

  it('answers the same report on a dashboard of one machine (SQLite, no redis.url): node name, spool age, 200', async () => {
    const one = await startTestStack({ dashboard: startDashboard, overrides: { influx: influxOptions(influxd), node: { name: 'may-chu-truong' } } });
    try {
      const res = await fetch(`${one.dashboard!.url}/healthz`);
      expect(res.status).toBe(200);
      const h = (await res.json()) as { node: unknown; spool: unknown; components: { name: string }[] };
      expect(h).toMatchObject({ node: { name: 'may-chu-truong' }, spool: { pendingBytes: expect.any(Number), oldestPendingMs: 0 } });
      // One machine: no Redis, no heartbeat, no management port beside the dashboard.
      expect(h.components.map((c) => c.name)).not.toContain('redis');
      expect(h.components.map((c) => c.name)).not.toContain('management');
    } finally {
      await one.close();
    }
  });

  it('says on /healthz how long the oldest acknowledged reading has waited in the spool while InfluxDB is away', async () => {
    // Nothing listens on port 9: every write fails, so the reading stays in the spool.
    const down = await startTestStack({ dashboard: startDashboard, overrides: { logLevel: 'silent', influx: { url: 'http://127.0.0.1:9' }, gateway: { retryMaxMs: 200 } } });
    try {
      const { room } = await seedSchool(down.registry, 'SPOOL-AGE');
      const { device, secret } = await down.registry.addDevice({ kind: 'tablet', roomId: room.id });
      await down.directory.refresh();
      const client = await connectDevice(down.mqttUrl, device.id, secret!);
      await client.publishAsync(topics.telemetry(device.id), JSON.stringify({ ts: Date.now(), battery: 50 }), { qos: 1 });
      await client.endAsync();
      const spool = async () => ((await (await fetch(`${down.dashboard!.url}/healthz`)).json()) as { spool: { pendingBytes: number; oldestPendingMs: number } }).spool;
      const first = await waitFor('the acknowledged reading pending in the spool', async () => ((await spool()).pendingBytes > 0 ? spool() : undefined));
      // The age grows while the reading waits: it is measured from when it was acknowledged, not reset by retries.
      await waitFor('the oldest reading older than at first', async () => (await spool()).oldestPendingMs > first.oldestPendingMs);
    } finally {
      await down.close();
    }
  });

  it('deletes its heartbeat at a clean stop', async () => {
    expect(await rds.exists(nodeKey('node-a'))).toBe(1);
    node!.child.kill('SIGTERM');
    await exited(node!.child);
    expect(node!.child.exitCode).toBe(0);
    expect(await rds.exists(nodeKey('node-a'))).toBe(0);
  });
});
