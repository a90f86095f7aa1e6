/**
 * Redis stopped for a minute under load (issue 20, "Tests that must exist"), with real processes: two `--only
 * broker,gateway` nodes and one `--only dashboard` process on one PostgreSQL, one Redis and one InfluxDB behind
 * HAProxy (test/helpers/cluster.ts); 100 devices publishing QoS 1 readings all along. Redis is never on the durable
 * path, so while it is away every reading is still acknowledged and stored, a command sent through the dashboard
 * reaches a device on the other node by the registry sweep (a few seconds here), and every process says `degraded`
 * on /healthz, naming the component; when Redis returns, every process is ok again and the presence hash is whole.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { rmSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView } from '../../api/index.js';
import { PRESENCE_KEY } from '../../lib/cluster-keys.js';
import type { ComponentHealth } from '../../lib/component.js';
import type { HealthReport } from '../../lib/healthz.js';
import { createLogger } from '../../lib/logger.js';
import { openRedis, type Redis } from '../../lib/redis.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { ApiClient } from '../dashboard/client.js';
import { directUrl, startCluster, type ClusterProcess, type TestCluster } from '../helpers/cluster.js';
import { testInfluxClient } from '../helpers/influx.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 100;
const PASSWORD = 'mật-khẩu-đủ-dài';
/** The outage: a real minute, the one place where a fixed duration is the point of the test. */
const OUTAGE_MS = 60_000;
/** The components that work through Redis, and only they may be degraded while it is away. */
const REDIS_PARTS = ['redis', 'cluster-bus', 'live-fanout', 'live-feed'];

interface Dev { id: string; client: MqttClient }

async function healthz(p: ClusterProcess): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`http://127.0.0.1:${p.healthPort}/healthz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as HealthReport };
}

/** The components a process reports degraded, by name. */
const degradedParts = (h: HealthReport): string[] => h.components.filter((c: ComponentHealth) => c.state === 'degraded').map((c) => c.name).sort();

describe('Redis stopped for a minute under load', () => {
  const dir = tempDir('edufleet-redis-outage-');
  let c: TestCluster;
  let registry: RegistryStore;
  let r: Redis;
  const devices: Dev[] = [];
  const acked = new Map<string, number>();
  let running = true;
  let loads: Promise<void>[] = [];
  const t0 = Date.now() - 10 * 60_000;
  const holders = async () => new Map(Object.entries(await r.hgetall(PRESENCE_KEY)));
  const total = () => [...acked.values()].reduce((a, b) => a + b, 0);

  /** One device's readings, each with its own ts, sent again until a PUBACK comes (as a device keeps its buffer). */
  const load = async (d: Dev) => {
    for (let seq = 0; running; seq++) {
      const reading = JSON.stringify({ ts: t0 + seq, battery: 20 + (seq % 80) });
      for (;;) {
        try {
          await d.client.publishAsync(topics.telemetry(d.id), reading, { qos: 1 });
          break;
        } catch {
          if (!d.client.connected) await new Promise<void>((resolve) => d.client.once('connect', () => resolve()));
        }
      }
      acked.set(d.id, seq + 1);
      // The device's own pace: a reading a second (not a wait for a condition).
      await delay(1000);
    }
  };

  beforeAll(async () => {
    // The sweep every 3 s: with Redis away it is the only way a command reaches a device on another node.
    c = await startCluster({ nodes: 2, dashboards: 1, env: { EDUFLEET_COMMANDS_DELIVERY_SWEEP_MS: '3000' } });
    registry = await openRegistryStore({ url: c.registryUrl, dataDir: dir });
    r = openRedis(c.redis.url, { name: 'test', log: createLogger('silent') });
    await r.connect();
    const { room } = await seedSchool(registry);
    await registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    const added = await registry.addDevices(Array.from({ length: DEVICES }, (_, i) => ({ kind: 'tablet', roomId: room.id, name: `Máy tính bảng ${i + 1}` })));
    await waitFor('both nodes and the dashboard up in HAProxy', async () => (await c.haproxy.servers()).every((s) => s.status === 'UP'));
    for (const { device, secret } of added) {
      const client = mqtt.connect(c.mqttUrl, { clientId: device.id, username: device.id, password: secret!, reconnectPeriod: 500, connectTimeout: 5000 });
      client.on('error', () => undefined);
      devices.push({ id: device.id, client });
    }
    await waitFor('every device connected', () => devices.every((d) => d.client.connected), 60_000);
    await waitFor('every device in the presence hash', async () => (await r.hlen(PRESENCE_KEY)) === DEVICES, 30_000);
    for (const d of devices) acked.set(d.id, 0);
    loads = devices.map((d) => load(d));
    await waitFor('every device acknowledged', () => [...acked.values()].every((n) => n > 0), 30_000);
  }, 180_000);

  afterAll(async () => {
    running = false;
    for (const d of devices) d.client.end(true);
    await Promise.allSettled(loads);
    r?.disconnect();
    await registry?.close();
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acknowledging readings and delivering commands by the sweep, says degraded on every /healthz, and is whole again once Redis is back', async () => {
    const before = new Map(await holders());
    const onNode2 = devices.filter((d) => before.get(d.id) === 'node-2');
    expect(onNode2.length).toBeGreaterThan(0);
    expect(devices.length - onNode2.length).toBeGreaterThan(0);
    const target = onNode2[0]!;
    await target.client.subscribeAsync(topics.commandFilter(target.id), { qos: 1 });
    const admin = new ApiClient(directUrl(c.dashboards[0]!));
    await admin.login('admin', PASSWORD);
    for (const p of [...c.nodes, ...c.dashboards]) expect((await healthz(p)).body.status, p.name).toBe('ok');

    const all = [...c.nodes, ...c.dashboards];
    const logLines = () => all.map((p) => p.output().split('\n').length);
    const linesBefore = logLines();
    await c.redis.stop();
    const end = Date.now() + OUTAGE_MS;

    // Every process stays up and says which part is degraded: Redis, and the dashboard's live feed behind it.
    // The heartbeat (`redis`) on every process, the live fan-out on nodes, the live feed on the dashboard; InfluxDB,
    // the spool and the registry stay ok.
    const expected = (p: ClusterProcess) => (c.dashboards.includes(p) ? ['live-feed', 'redis'] : ['live-fanout', 'redis']);
    for (const p of all) {
      const h = await waitFor(`${p.name} degraded on /healthz`, async () => {
        const got = await healthz(p);
        const parts = degradedParts(got.body);
        return got.status === 200 && got.body.status === 'degraded' && expected(p).every((n) => parts.includes(n)) ? got.body : undefined;
      }, 20_000, 200);
      expect(degradedParts(h).filter((n) => !REDIS_PARTS.includes(n)), p.name).toEqual([]);
    }

    // A command through the dashboard's HTTP API to a device on node 2: no Redis to announce it, the sweep brings it.
    const got = new Promise<string>((resolve) => target.client.once('message', (topic) => resolve(topic)));
    const sent = await admin.request('POST', `/api/devices/${target.id}/commands`, { name: 'lock', args: {} });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const cmd = sent.body as CommandView;
    expect(await Promise.race([got, delay(20_000, 'not delivered')])).toBe(topics.command(target.id, cmd.id));
    await waitFor('the command marked delivered', async () => (await registry.command(cmd.id))?.state === 'delivered');

    // The dashboard's pages answer (from what it last knew) rather than hang.
    const list = await admin.request('GET', '/api/devices?limit=10');
    expect(list.status).toBe(200);

    // The rest of the minute: readings keep being acknowledged on both nodes, every process stays degraded and up.
    while (Date.now() < end) {
      const mark = total();
      await waitFor('more readings acknowledged while Redis is away', () => total() > mark, 10_000);
      for (const p of all) {
        expect(p.child?.exitCode, p.name).toBeNull();
        expect((await healthz(p)).body.status, p.name).toBe('degraded');
      }
      await delay(Math.min(5000, Math.max(0, end - Date.now())));
    }
    const acknowledgedDuringOutage = total();
    // A few lines per process for the whole minute (one per connection and failing part), not one per retry.
    logLines().forEach((n, i) => expect(n - linesBefore[i]!, all[i]!.name).toBeLessThan(30));

    await c.redis.start();
    for (const p of all) {
      await waitFor(`${p.name} ok again on /healthz`, async () => (await healthz(p)).body.status === 'ok', 30_000, 200);
    }
    // The restarted Redis is empty: each node claims again the devices it holds.
    await waitFor('the presence hash whole again', async () => {
      const h = await holders();
      return h.size === DEVICES && devices.every((d) => h.get(d.id) === 'node-1' || h.get(d.id) === 'node-2');
    }, 30_000, 200);

    running = false;
    await Promise.all(loads);
    expect(total()).toBeGreaterThan(acknowledgedDuringOutage);
    const influx = testInfluxClient(c.influxd);
    const stored = async () => {
      const rows = await influx.query<{ device: string; count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE time >= ${t0}ms GROUP BY device`);
      return new Map(rows.map((row) => [row.device, row.count]));
    };
    const counts = await waitFor(`the ${total()} acknowledged readings in InfluxDB`, async () => {
      const m = await stored();
      return [...m.values()].reduce((a, b) => a + b, 0) >= total() ? m : undefined;
    }, 30_000, 250);
    // Each device: as many points as readings acknowledged to it, none lost and none twice.
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(acked));
  }, 180_000);
});
