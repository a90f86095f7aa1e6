/**
 * Broker nodes that behave as one broker for what crosses nodes (issue 20, point 1; broker/cluster/): two in-process
 * `broker,gateway` nodes (the first with a dashboard) and one spawned node, on one PostgreSQL registry, one Redis
 * and one InfluxDB. The nodes' registry sweep for commands is set to a minute, so a command that arrives within
 * seconds came through Redis; only the node of the Redis outage test keeps a short one.
 */
import { rmSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { parseLive } from '../../gateway/live-store.js';
import { LIVE_KEY, nodeKey, PRESENCE_KEY } from '../../lib/cluster-keys.js';
import { openRedis, type Redis } from '../../lib/redis.js';
import { createLogger } from '../../lib/logger.js';
import { topics } from '../../protocol/index.js';
import { ApiClient } from '../dashboard/client.js';
import { influxEnv, influxOptions } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { exited, startEdufleetProcess, type EdufleetProcess } from '../helpers/process.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const MINUTE = 60_000;

/** `p`, or a failure naming `what` after `ms` (a bound on a mechanism, not a timing). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('broker nodes sharing Redis', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let r: Redis;
  let one: TestStack;
  let two: TestStack;
  let roomId: number;
  const clients: MqttClient[] = [];
  const spawned: EdufleetProcess[] = [];
  const dirs: string[] = [];

  const device = async () => {
    const { device: d, secret } = await one.registry.addDevice({ kind: 'tablet', roomId });
    // Each node's directory refreshes from the shared registry on its own.
    await waitFor(`device ${d.id} in both directories`, () => one.directory.get(d.id) && two.directory.get(d.id));
    return { id: d.id, secret: secret! };
  };
  const connect = async (port: number, id: string, secret: string, extra: IClientOptions = {}) => {
    const c = await connectDevice(`mqtt://127.0.0.1:${port}`, id, secret, extra);
    clients.push(c);
    return c;
  };
  const holder = (id: string) => r.hget(PRESENCE_KEY, id);
  const presenceIn = async (id: string) => (await one.registry.healthRows({ deviceIds: [id] }))[0]?.signals.presence;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const url = await pg.createDatabase();
    const shared = { registry: { url }, redis: { url: redis.url, presenceCheckMs: 300 }, commands: { deliverySweepMs: MINUTE } };
    one = await startTestStack({ only: ['broker', 'gateway', 'dashboard'], dashboard: startDashboard, overrides: { ...shared, node: { name: 'node-1' } } });
    two = await startTestStack({ only: ['broker', 'gateway'], overrides: { ...shared, node: { name: 'node-2' }, influx: influxOptions(one) } });
    r = openRedis(redis.url, { name: 'test', log: createLogger('silent') });
    await r.connect();
    roomId = (await seedSchool(one.registry)).room.id;
    await one.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    for (const p of spawned) {
      p.child.kill('SIGKILL');
      await exited(p.child);
    }
    r?.disconnect();
    await two?.close();
    await one?.close();
    await redis?.close();
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('closes the connection on node 1 when the same device id connects to node 2, and the device stays online', async () => {
    const d = await device();
    // With the Last Will the simulator sets: published, it would mark the device offline after node 2 said online.
    const will = { topic: topics.status(d.id), payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1 as const, retain: true };
    const first = await connect(one.broker!.port, d.id, d.secret, { will });
    await waitFor('the presence hash naming node 1', async () => (await holder(d.id)) === 'node-1');
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));

    await connect(two.broker!.port, d.id, d.secret);
    await closed;
    await waitFor('the presence hash naming node 2', async () => (await holder(d.id)) === 'node-2');
    // The closed connection recorded no disconnect and published no Will: node 1 never saw the device go offline.
    expect(one.gateway!.live.get(d.id)?.state).toBe('online');
    expect(two.gateway!.live.get(d.id)?.state).toBe('online');
    await waitFor('the shared health view saying online', async () => (await presenceIn(d.id)) === 'online');
    expect(one.broker!.connectedClients + two.broker!.connectedClients).toBe(1);
  });

  it('delivers a command sent through node 1 to a device connected to node 2 at once, through Redis', async () => {
    const d = await device();
    const c = await connect(two.broker!.port, d.id, d.secret);
    await c.subscribeAsync(topics.commandFilter(d.id), { qos: 1 });
    await waitFor('the presence hash naming node 2', async () => (await holder(d.id)) === 'node-2');
    const got = new Promise<string>((resolve) => c.on('message', (topic) => resolve(topic)));

    const admin = new ApiClient(one.dashboard!.url);
    await admin.login('admin', PASSWORD);
    const res = await admin.request('POST', `/api/devices/${d.id}/commands`, { name: 'lock', args: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const cmd = res.body as CommandView;
    // Well inside the minute of the registry sweep: only the Redis bus can have brought it.
    expect(await within(got, 15_000, 'the command on the device')).toBe(topics.command(d.id, cmd.id));
    await waitFor('the command delivered', async () => (await one.registry.command(cmd.id))?.state === 'delivered');
    // A device that leaves leaves the presence hash.
    await c.endAsync();
    await waitFor('the device out of the presence hash', async () => (await holder(d.id)) === null);
  });

  it('marks the devices of a SIGKILLed node offline and takes them out of the presence hash', async () => {
    const dir = tempDir('edufleet-node-3-');
    dirs.push(dir);
    const node = await startEdufleetProcess(['--only', 'broker,gateway'], {
      ...influxEnv(one), EDUFLEET_DATA_DIR: dir, EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_NODE_NAME: 'node-3',
      EDUFLEET_REGISTRY_URL: one.config.registry.url, EDUFLEET_REDIS_URL: redis.url, EDUFLEET_REDIS_PRESENCE_CHECK_MS: '300',
      EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0', EDUFLEET_NODE_MANAGEMENT_PORT: '0',
    });
    spawned.push(node);
    const devices = [await device(), await device()];
    for (const d of devices) await waitFor(`device ${d.id} connected to node 3`, () => connect(node.mqttPort, d.id, d.secret).then(() => true, () => false));
    for (const d of devices) await waitFor('the presence hash naming node 3', async () => (await holder(d.id)) === 'node-3');
    for (const d of devices) await waitFor('node 3 recording the device online', async () => (await presenceIn(d.id)) === 'online');
    await waitFor('the heartbeat of node 3', () => r.exists(nodeKey('node-3')));

    node.child.kill('SIGKILL');
    await exited(node.child);
    // The heartbeat's 10 s to expire, two checks, and a generous margin.
    for (const d of devices) {
      await waitFor('the device out of the presence hash', async () => (await holder(d.id)) === null, 30_000, 200);
      await waitFor('the shared health view saying offline', async () => (await presenceIn(d.id)) === 'offline', 10_000);
      await waitFor('the shared live state saying offline', async () => parseLive(await r.hget(LIVE_KEY, d.id))?.state === 'offline', 10_000);
    }
  });

  it('keeps storing every acknowledged reading and delivering commands by the sweep while Redis is down, then re-asserts presence', async () => {
    const four = await startTestStack({
      only: ['broker', 'gateway'],
      overrides: { registry: { url: one.config.registry.url }, redis: { url: redis.url, presenceCheckMs: 300 }, node: { name: 'node-4' }, influx: influxOptions(one), commands: { deliverySweepMs: 200 } },
    });
    try {
      const [a, b] = [await device(), await device()];
      await waitFor('node 4 knowing the devices', () => four.directory.get(a.id) && four.directory.get(b.id));
      const ca = await connect(four.broker!.port, a.id, a.secret);
      await ca.subscribeAsync(topics.commandFilter(a.id), { qos: 1 });
      await connect(one.broker!.port, b.id, b.secret);
      await waitFor('both devices in the presence hash', async () => (await holder(a.id)) === 'node-4' && (await holder(b.id)) === 'node-1');

      await redis.stop();
      const t0 = Date.now() - MINUTE;
      const n = 20;
      for (let i = 0; i < n; i++) await ca.publishAsync(topics.telemetry(a.id), JSON.stringify({ ts: t0 + i * 1000, battery: 50 + i }), { qos: 1 });
      const got = new Promise<string>((resolve) => ca.on('message', (topic) => resolve(topic)));
      const [id] = await one.registry.enqueueCommands([{ deviceId: a.id, name: 'lock', args: {}, createdAt: Date.now(), expiresAt: Date.now() + MINUTE, origin: { by: 'user', username: 'admin' } }]);
      expect(await within(got, 15_000, 'the command delivered by the sweep')).toBe(topics.command(a.id, id!));
      await waitFor('every acknowledged reading in InfluxDB', async () => {
        const rows = await one.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${a.id}'`);
        return rows[0]?.count === n;
      });

      await redis.start();
      // The restarted Redis is empty: each node claims again the devices it holds.
      await waitFor('the presence hash whole again', async () => (await holder(a.id)) === 'node-4' && (await holder(b.id)) === 'node-1', 20_000, 100);
    } finally {
      await four.close();
    }
  });
});
