import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import type { LiveView } from '../../api/index.js';
import { loadConfig } from '../../config/index.js';
import { influxClient } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import type { Device } from '../../registry/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

/**
 * The device tick (issue 13, live under a second): the test drives it by hand (its timer is set to an hour), so
 * "one tick" is exact and no assertion depends on how fast the machine is.
 */
describe('the live device tick', () => {
  let s: TestStack;
  let app: FastifyInstance;
  let socket: LiveSocket;
  let watchedDev: Device;
  let other: Device;
  let watchedClient: MqttClient;
  let otherClient: MqttClient;
  const deviceEvents: LiveView[] = [];
  const batches: LiveView[][] = [];

  beforeAll(async () => {
    s = await startTestStack({ only: ['broker', 'gateway'], overrides: { dashboard: { liveDeviceIntervalMs: 3_600_000 } } });
    const a = await seedSchool(s.registry);
    const w = await s.registry.addDevice({ kind: 'tablet', roomId: a.room.id, name: 'Máy tính bảng theo dõi' });
    const o = await s.registry.addDevice({ kind: 'tablet', roomId: a.room.id, name: 'Máy tính bảng khác' });
    watchedDev = w.device;
    other = o.device;
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.school.id] } });
    await s.directory.refresh();
    app = await buildApp({
      config: s.config, log: createLogger('silent'), metrics: createMetrics(), clock: s.clock, registry: s.registry, usageStore: s.registry.usage,
      directory: s.directory, gateway: s.gateway, broker: s.broker, readings: new RecentReadings(s.influxUrl, s.config.influx),
      usage: new UsageQueries(influxClient(s.influxUrl, s.config.influx), s.config.influx.database),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const c = new ApiClient(base);
    await c.login('ktv', PASSWORD);
    socket = await connectSocket(base, c.cookie);
    socket.on('device', (v) => deviceEvents.push(v));
    socket.on('devices', (b) => batches.push(b));
    expect(await socket.emitWithAck('watch', watchedDev.id)).toEqual({ ok: true });
    watchedClient = await connectDevice(s.mqttUrl, watchedDev.id, w.secret!);
    otherClient = await connectDevice(s.mqttUrl, other.id, o.secret!);
    // The connections themselves changed the devices' presence: one tick takes those changes out of the way.
    await waitFor('both devices online in the live state', () => s.gateway!.live.get(watchedDev.id)?.state === 'online' && s.gateway!.live.get(other.id)?.state === 'online');
    app.live.tick();
    await waitFor('the presence push', () => deviceEvents.length >= 1);
  });

  afterAll(async () => {
    socket?.close();
    await watchedClient?.endAsync();
    await otherClient?.endAsync();
    await app?.close();
    await s?.close();
  });

  /** Publishes readings as separate messages and waits until the gateway's live state holds the last one. */
  async function publish(client: MqttClient, id: string, batteries: number[]): Promise<void> {
    for (const battery of batteries) await client.publishAsync(topics.telemetry(id), JSON.stringify({ ts: Date.now(), battery, charging: true }), { qos: 1 });
    await waitFor('the last reading in the live state', () => s.gateway!.live.get(id)?.latest.battery === batteries.at(-1));
  }

  const forDevice = (id: string) => batches.flat().filter((v) => v.id === id);

  it('pushes N readings of a watched device within one tick as ONE device event and one batch entry, with the newest value', async () => {
    deviceEvents.length = 0;
    batches.length = 0;
    await publish(watchedClient, watchedDev.id, [71, 72, 73, 74, 75]);
    expect(deviceEvents).toEqual([]); // nothing is pushed per reading: only the tick sends
    app.live.tick();
    await waitFor('the device event', () => deviceEvents.length >= 1);
    // A tick with nothing new sends nothing; the next reading's event then follows the first directly.
    app.live.tick();
    await publish(watchedClient, watchedDev.id, [76]);
    app.live.tick();
    await waitFor('the second device event', () => deviceEvents.length >= 2);
    expect(deviceEvents.map((v) => v.latest.battery)).toEqual([75, 76]);
    expect(deviceEvents[0]).toMatchObject({ id: watchedDev.id, state: 'online', latest: { battery: 75, charging: true } });
    expect(forDevice(watchedDev.id).map((v) => v.latest.battery)).toEqual([75, 76]);
  });

  it('sends an unwatched device only in its school batch, never as a device event', async () => {
    deviceEvents.length = 0;
    batches.length = 0;
    await publish(otherClient, other.id, [40, 41, 42]);
    app.live.tick();
    await waitFor('the school batch', () => forDevice(other.id).length >= 1);
    await publish(watchedClient, watchedDev.id, [77]);
    app.live.tick();
    await waitFor('the watched device event after it', () => deviceEvents.length >= 1);
    expect(forDevice(other.id).map((v) => v.latest.battery)).toEqual([42]);
    expect(deviceEvents.map((v) => v.id)).toEqual([watchedDev.id]);
  });

  it('ticks devices more often than the registry-polling pushes, and well within a second, by default', () => {
    const d = loadConfig({ env: {} }).dashboard;
    expect(d.liveDeviceIntervalMs).toBeLessThanOrEqual(250);
    expect(d.liveDeviceIntervalMs).toBeLessThan(d.liveIntervalMs);
  });
});
