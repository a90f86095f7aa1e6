/**
 * The end-to-end proof of issue 20 with real processes: three `--only broker,gateway` nodes and two `--only dashboard`
 * processes, each with its own data directory, on one PostgreSQL, one Redis and one InfluxDB, behind a real HAProxy
 * (test/helpers/cluster.ts); 300 devices as plain MQTT clients provisioned through the registry, connected through
 * HAProxy's one address. The nodes' registry sweep for commands is set to a minute, so a command that arrives within
 * seconds came through Redis. Then node 2 is SIGKILLed while every device publishes QoS 1 readings, and restarted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { rmSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, HealthListResponse } from '../../api/index.js';
import { PRESENCE_KEY } from '../../lib/cluster-keys.js';
import { createLogger } from '../../lib/logger.js';
import { openRedis, type Redis } from '../../lib/redis.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore, type RegistryStore } from '../../registry/index.js';
import { logIn, useChromium } from '../dashboard/browser.js';
import { ApiClient } from '../dashboard/client.js';
import { directUrl, startCluster, type TestCluster } from '../helpers/cluster.js';
import { testInfluxClient } from '../helpers/influx.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const DEVICES = 300;
const PASSWORD = 'mật-khẩu-đủ-dài';

interface Dev { id: string; secret: string; client: MqttClient }

/** `p`, or a failure naming `what` after `ms` (a bound on a mechanism, not a timing). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A device as the simulator runs it: it reconnects on its own (every half second) whatever happens to its node. */
function connectDevice(url: string, id: string, secret: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId: id, username: id, password: secret, reconnectPeriod: 500, connectTimeout: 5000 });
  c.on('error', () => undefined);
  return new Promise((resolve) => c.once('connect', () => resolve(c)));
}

describe('three broker nodes and two dashboards behind HAProxy', () => {
  const browser = useChromium();
  const dir = tempDir('edufleet-cluster-e2e-');
  let c: TestCluster;
  let registry: RegistryStore;
  let r: Redis;
  const devices: Dev[] = [];
  const holder = (id: string) => r.hget(PRESENCE_KEY, id);
  /** Every device's node, from the presence hash. */
  const holders = async () => new Map(Object.entries(await r.hgetall(PRESENCE_KEY)));
  const serverStates = async () => Object.fromEntries((await c.haproxy.servers()).map((s) => [`${s.backend}/${s.server}`, s.status]));
  const onNode = async (name: string) => {
    const h = await holders();
    return devices.filter((d) => h.get(d.id) === name);
  };

  beforeAll(async () => {
    c = await startCluster({
      nodes: 3, dashboards: 2, env: { EDUFLEET_COMMANDS_DELIVERY_SWEEP_MS: '60000' },
      // Node 2 keeps a short batch 3 s before writing it: when it dies, acknowledged readings wait in its spool.
      envOf: { 'node-2': { EDUFLEET_GATEWAY_FLUSH_INTERVAL_MS: '3000' } },
    });
    registry = await openRegistryStore({ url: c.registryUrl, dataDir: dir });
    r = openRedis(c.redis.url, { name: 'test', log: createLogger('silent') });
    await r.connect();
    const { room } = await seedSchool(registry);
    await registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    const added = await registry.addDevices(Array.from({ length: DEVICES }, (_, i) => ({ kind: 'tablet', roomId: room.id, name: `Máy tính bảng ${i + 1}` })));
    // Spread over the nodes only once HAProxy sees all three up (leastconn would otherwise fill the first).
    await waitFor('every node and dashboard up in HAProxy', async () => Object.values(await serverStates()).every((s) => s === 'UP'));
    for (let i = 0; i < added.length; i += 50) {
      const batch = added.slice(i, i + 50);
      devices.push(...await within(Promise.all(batch.map(async ({ device, secret }) => ({ id: device.id, secret: secret!, client: await connectDevice(c.mqttUrl, device.id, secret!) }))), 60_000, 'a batch of devices connected through HAProxy'));
    }
    await waitFor('every device in the presence hash', async () => (await r.hlen(PRESENCE_KEY)) === DEVICES);
  }, 120_000);

  afterAll(async () => {
    for (const d of devices) d.client.end(true);
    r?.disconnect();
    await registry?.close();
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads the devices over the three nodes, each counted under its own node in the presence hash', async () => {
    const h = await holders();
    const per = (n: string) => [...h.values()].filter((v) => v === n).length;
    expect(per('node-1') + per('node-2') + per('node-3')).toBe(DEVICES);
    for (const n of ['node-1', 'node-2', 'node-3']) expect(per(n), n).toBeGreaterThan(0);
  });

  it('delivers a command sent through dashboard 2 to a device connected to node 3 through Redis, not the sweep', async () => {
    const d = (await onNode('node-3'))[0]!;
    await d.client.subscribeAsync(topics.commandFilter(d.id), { qos: 1 });
    const got = new Promise<string>((resolve) => d.client.once('message', (topic) => resolve(topic)));
    const admin = new ApiClient(directUrl(c.dashboards[1]!));
    await admin.login('admin', PASSWORD);
    const res = await admin.request('POST', `/api/devices/${d.id}/commands`, { name: 'lock', args: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const cmd = res.body as CommandView;
    // Well inside the minute of the registry sweep: only the Redis bus can have brought it.
    expect(await within(got, 15_000, 'the command on the device')).toBe(topics.command(d.id, cmd.id));
    expect(await holder(d.id)).toBe('node-3');
    await waitFor('the command delivered', async () => (await registry.command(cmd.id))?.state === 'delivered');
  });

  it('shows a reading published through node 1 in a Chromium page served by dashboard 2 through HAProxy', async () => {
    const d = (await onNode('node-1'))[0]!;
    // HAProxy's sticky cookie pins this browser to dashboard 2 (server cookie d2).
    const pinned = await fetch(`${c.dashboardUrl}/healthz`, { headers: { cookie: 'EDUFLEET_NODE=d2' } });
    expect(((await pinned.json()) as { node: { name: string } }).node.name).toBe('dash-2');
    const page: Page = await browser.page();
    await page.context().addCookies([{ name: 'EDUFLEET_NODE', value: 'd2', url: c.dashboardUrl }]);
    await logIn(page, c.dashboardUrl, 'admin', PASSWORD);
    await page.goto(`${c.dashboardUrl}/devices/${d.id}`);
    await page.getByTestId('field-storageFree').filter({ hasText: '—' }).waitFor();
    const value = 7_000_301;
    await d.client.publishAsync(topics.telemetry(d.id), JSON.stringify({ ts: Date.now(), storageFree: value }), { qos: 1 });
    await page.getByTestId('field-storageFree').filter({ hasText: value.toLocaleString('vi-VN') }).waitFor({ timeout: 20_000 });
    expect(await holder(d.id)).toBe('node-1');
  });

  it('counts every device once, online, in the fleet-health list of either dashboard', async () => {
    for (const dash of c.dashboards) {
      const api = new ApiClient(directUrl(dash));
      await api.login('admin', PASSWORD);
      const list = await waitFor(`every device online on ${dash.name}`, async () => {
        const l = await api.get<HealthListResponse>(`/api/health/devices?limit=500`);
        return l.total === DEVICES && l.devices.every((v) => v.presence === 'online') ? l : undefined;
      });
      expect(new Set(list.devices.map((v) => v.id)).size, dash.name).toBe(DEVICES);
      expect(list.devices.map((v) => v.id).sort()).toEqual(devices.map((v) => v.id).sort());
    }
  });

  it('refuses /metrics at HAProxy\'s public address, while each dashboard still serves it to a scraper on loopback', async () => {
    expect((await fetch(`${c.dashboardUrl}/metrics`)).status).toBe(403);
    for (const dash of c.dashboards) expect((await fetch(`${directUrl(dash)}/metrics`)).status, dash.name).toBe(200);
  });

  it('moves the devices of a SIGKILLed node 2 to the other nodes, and stores exactly the readings acknowledged to the devices once it is back', async () => {
    const t0 = Date.now() - 60_000;
    const acked = new Map<string, number>(devices.map((d) => [d.id, 0]));
    let running = true;
    /** One device's readings: each with its own ts, sent again until a PUBACK comes (as a device keeps its buffer). */
    const load = async (d: Dev) => {
      for (let seq = 0; running; seq++) {
        const reading = JSON.stringify({ ts: t0 + seq, battery: 20 + (seq % 80) });
        for (;;) {
          try {
            await d.client.publishAsync(topics.telemetry(d.id), reading, { qos: 1 });
            break;
          } catch {
            // Refused while its connection was down: sent again once it is back.
            if (!d.client.connected) await new Promise<void>((resolve) => d.client.once('connect', () => resolve()));
          }
        }
        acked.set(d.id, seq + 1);
        // The device's own pace: a reading a second (not a wait for a condition).
        await delay(1000);
      }
    };
    const loads = devices.map((d) => load(d));
    await waitFor('every device acknowledged', () => [...acked.values()].every((n) => n > 0));
    const moved = await onNode('node-2');
    expect(moved.length).toBeGreaterThan(0);
    // Killed while a fresh batch of acknowledged readings waits in its spool (2 s at least before it would be written).
    const spool = async () => ((await (await fetch(`http://127.0.0.1:${c.nodes[1]!.healthPort}/healthz`)).json()) as { spool: { pendingBytes: number; oldestPendingMs: number } }).spool;
    await waitFor('node 2 holding acknowledged readings not yet written', async () => {
      const s = await spool();
      return s.pendingBytes > 0 && s.oldestPendingMs < 1000;
    });
    await c.nodes[1]!.stop('SIGKILL');
    const before = new Map(moved.map((d) => [d.id, acked.get(d.id)!]));

    await waitFor('HAProxy marking node 2 down', async () => (await serverStates())['mqtt_nodes/node-2']?.startsWith('DOWN'), 10_000);
    await waitFor('every device of node 2 connected to another node', async () => {
      const h = await holders();
      return moved.every((d) => d.client.connected && ['node-1', 'node-3'].includes(h.get(d.id) ?? ''));
    }, 30_000, 200);
    // And publishing there: each has readings acknowledged since.
    await waitFor('new readings acknowledged to the moved devices', () => moved.every((d) => acked.get(d.id)! > before.get(d.id)!), 20_000);

    const influx = testInfluxClient(c.influxd);
    // Readings node 2 acknowledged before it died: some are only in its spool, missing from InfluxDB for now.
    const points = await influx.query<{ device: string; time: Date }>(`SELECT battery FROM telemetry_tablet WHERE time >= ${t0}ms GROUP BY device`);
    const beforeKill = points.filter((p) => before.has(p.device) && p.time.getTime() < t0 + before.get(p.device)!).length;
    expect(beforeKill).toBeLessThan([...before.values()].reduce((a, b) => a + b, 0));

    // Back with the same data directory and spool: what it had acknowledged and not yet written goes to InfluxDB.
    await c.nodes[1]!.start();
    await waitFor('HAProxy marking node 2 up again', async () => (await serverStates())['mqtt_nodes/node-2'] === 'UP', 20_000);
    running = false;
    await Promise.all(loads);

    const stored = async () => {
      const rows = await influx.query<{ device: string; count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE time >= ${t0}ms GROUP BY device`);
      return new Map(rows.map((row) => [row.device, row.count]));
    };
    const total = [...acked.values()].reduce((a, b) => a + b, 0);
    const counts = await waitFor(`the ${total} acknowledged readings in InfluxDB`, async () => {
      const m = await stored();
      return [...m.values()].reduce((a, b) => a + b, 0) >= total ? m : undefined;
    }, 30_000, 250);
    // Each device: as many points as readings acknowledged to it, no fewer (none lost) and no more (none twice).
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(acked));
    // Node 2's return took no device back and marked none offline: each is counted once, online.
    expect(await r.hlen(PRESENCE_KEY)).toBe(DEVICES);
    const api = new ApiClient(directUrl(c.dashboards[0]!));
    await api.login('admin', PASSWORD);
    const health = await api.get<HealthListResponse>('/api/health/devices?limit=500');
    expect(health.total).toBe(DEVICES);
    expect(health.devices.filter((v) => v.presence !== 'online').map((v) => v.id)).toEqual([]);
  }, 90_000);
});
