/**
 * Live state across processes through Redis (issue 20, point 3): a node process with the broker, the gateway and a
 * dashboard, and a dashboard-only process, on one PostgreSQL registry and one Redis. A reading published to the
 * node shows on both dashboards' sockets and REST answers, each push sent once; with Redis away the dashboards keep
 * answering (stale, said on /healthz) and the node keeps ingesting, and everything resumes when Redis returns.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceDetail, DeviceListResponse, LiveView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ComponentHealth } from '../../lib/component.js';
import { topics } from '../../protocol/index.js';
import type { Device } from '../../registry/index.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';

const PASSWORD = 'mật-khẩu-đủ-dài';

/** What one socket heard. */
interface Heard { devices: LiveView[]; device: LiveView[] }

async function listen(base: string, deviceId: string): Promise<{ api: ApiClient; socket: LiveSocket; heard: Heard }> {
  const api = new ApiClient(base);
  await api.login('ktv', PASSWORD);
  const socket = await connectSocket(base, api.cookie);
  const heard: Heard = { devices: [], device: [] };
  socket.on('devices', (batch) => heard.devices.push(...batch));
  socket.on('device', (v) => heard.device.push(v));
  expect(await socket.emitWithAck('watch', deviceId)).toEqual({ ok: true });
  return { api, socket, heard };
}

const withBattery = (views: LiveView[], id: string, battery: number) => views.filter((v) => v.id === id && v.latest.battery === battery);

describe('live state shared through Redis', () => {
  let pg: TestPostgres;
  let redis: TestRedis;
  let node: TestStack;
  let dash: TestStack;
  let dev: Device;
  let device: MqttClient;
  /** A second device that sends nothing while Redis is away. */
  let quiet: Device;
  let quietClient: MqttClient;
  let schoolId: number;
  let onNode: Awaited<ReturnType<typeof listen>>;
  let onDash: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    pg = await startPostgres();
    redis = await startRedis();
    const registry = { url: await pg.createDatabase() };
    node = await startTestStack({ only: ['broker', 'gateway', 'dashboard'], dashboard: startDashboard, overrides: { registry, redis: { url: redis.url }, node: { name: 'node-a' } } });
    // The dashboard-only process reads the node's InfluxDB (the device page's last hour) with its credential.
    dash = await startTestStack({ only: ['dashboard'], dashboard: startDashboard, overrides: { registry, redis: { url: redis.url }, node: { name: 'dash-1' }, influx: { ...node.config.influx } } });
    const place = await seedSchool(node.registry);
    schoolId = place.school.id;
    const added = await node.registry.addDevice({ kind: 'tablet', roomId: place.room.id, name: 'Máy tính bảng 01' });
    dev = added.device;
    const second = await node.registry.addDevice({ kind: 'tablet', roomId: place.room.id, name: 'Máy tính bảng 02' });
    quiet = second.device;
    await node.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [schoolId] } });
    await node.directory.refresh();
    await dash.directory.refresh();
    onNode = await listen(node.dashboard!.url, dev.id);
    onDash = await listen(dash.dashboard!.url, dev.id);
    device = await connectDevice(node.mqttUrl, dev.id, added.secret!);
    quietClient = await connectDevice(node.mqttUrl, quiet.id, second.secret!);
  });

  afterAll(async () => {
    onNode?.socket.close();
    onDash?.socket.close();
    await device?.endAsync();
    await quietClient?.endAsync();
    await dash?.close();
    await node?.close();
    await redis?.close();
    await pg?.stop();
  });

  const publish = (battery: number) => device.publishAsync(topics.telemetry(dev.id), JSON.stringify({ ts: Date.now(), battery, charging: false }), { qos: 1 });

  it('a reading on the node reaches a socket of the dashboard-only process, as a school batch and a watched-device push', async () => {
    await publish(57);
    await waitFor('the school batch on the dashboard-only process', () => withBattery(onDash.heard.devices, dev.id, 57).length > 0);
    await waitFor('the watched-device push on the dashboard-only process', () => withBattery(onDash.heard.device, dev.id, 57).length > 0);
    expect(withBattery(onDash.heard.device, dev.id, 57)[0]).toMatchObject({ id: dev.id, state: 'online', latest: { battery: 57, charging: false } });
  });

  it('the dashboard-only process answers the device list and the device page with the real state and latest values', async () => {
    await waitFor('the reading in the shared hash', async () => (await onDash.api.get<DeviceDetail>(`/api/devices/${dev.id}`)).device.latest.battery === 57);
    const list = await onDash.api.get<DeviceListResponse>(`/api/devices?schoolId=${schoolId}`);
    expect(list.devices.find((d) => d.id === dev.id)).toMatchObject({ state: 'online', latest: { battery: 57 } });
    const online = await onDash.api.get<DeviceListResponse>('/api/devices?state=online');
    expect(online.devices.map((d) => d.id).sort()).toEqual([dev.id, quiet.id].sort());
    const page = await onDash.api.get<DeviceDetail>(`/api/devices/${dev.id}`);
    expect(page.device).toMatchObject({ state: 'online', latest: { battery: 57, charging: false }, problems: [] });
    expect(page.device.lastReadingTs).toEqual(expect.any(Number));
  });

  it('a process with both a gateway and a dashboard pushes each change once', async () => {
    await publish(61);
    await waitFor('the first reading on the node process', () => withBattery(onNode.heard.device, dev.id, 61).length > 0);
    // Pushes on one socket arrive in order: once the next reading is there, a second push of the first would be too.
    await publish(62);
    await waitFor('the next reading on the node process', () => withBattery(onNode.heard.device, dev.id, 62).length > 0);
    await waitFor('the next reading on the dashboard-only process', () => withBattery(onDash.heard.device, dev.id, 62).length > 0);
    for (const heard of [onNode.heard, onDash.heard]) {
      expect(withBattery(heard.device, dev.id, 61)).toHaveLength(1);
      expect(withBattery(heard.devices, dev.id, 61)).toHaveLength(1);
    }
  });

  it('with Redis away the dashboard answers the last values and says they may be stale, the node keeps ingesting, and live resumes when Redis returns', async () => {
    await quietClient.publishAsync(topics.telemetry(quiet.id), JSON.stringify({ ts: Date.now(), battery: 70, charging: false }), { qos: 1 });
    await waitFor('the quiet device in the shared hash', async () => (await onDash.api.get<DeviceDetail>(`/api/devices/${quiet.id}`)).device.latest.battery === 70);
    await redis.stop();
    const feed = async () => ((await onDash.api.get<{ components: ComponentHealth[] }>('/healthz')).components.find((c) => c.name === 'live-feed'));
    const page = await onDash.api.get<DeviceDetail>(`/api/devices/${dev.id}`);
    expect(page.device).toMatchObject({ state: 'online', latest: { battery: 62 } });
    expect(await feed()).toMatchObject({ state: 'degraded', lastError: { context: 'live state read from Redis' } });

    // Acknowledged by the node and stored, Redis or not.
    const ts = Date.now();
    await device.publishAsync(topics.telemetry(dev.id), JSON.stringify({ ts, battery: 44, charging: false }), { qos: 1 });
    await waitFor('the reading in InfluxDB', async () => (await node.influx.query(`SELECT battery FROM telemetry_tablet WHERE device = '${dev.id}' AND time = ${ts}ms`)).length === 1);

    await redis.start();
    // The change made while Redis was away is pushed once it is back (Redis restarted empty: the node writes it all again).
    await waitFor('the reading made during the outage on the dashboard-only socket', () => withBattery(onDash.heard.device, dev.id, 44).length > 0, 30_000);
    await waitFor('the device page from Redis again', async () => (await onDash.api.get<DeviceDetail>(`/api/devices/${dev.id}`)).device.latest.battery === 44, 30_000);
    expect(await feed()).toMatchObject({ state: 'ok' });
    // A device that did not change meanwhile is written again too: the node refills a Redis that came back empty.
    await waitFor('the quiet device read from Redis again', async () => (await onDash.api.get<DeviceDetail>(`/api/devices/${quiet.id}`)).device.latest.battery === 70, 30_000);
    expect(await feed()).toMatchObject({ state: 'ok' });
  });
});
