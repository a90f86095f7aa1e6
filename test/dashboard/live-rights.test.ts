/**
 * Rights follow the user on live connections (docs/security.md, "Rights on live connections"): a technician moved
 * to another school or demoted to viewer through the REST API is refused the old school's commands at once, on this
 * dashboard and on a second dashboard process sharing the registry (SQLite file), and gets no live push of the old
 * school after the re-scope; a planner gets no alert batch, as GET /api/alerts refuses them.
 *
 * No sleeping: "nothing arrived" is always fenced by something that left the server later on the same socket (a push
 * of the new school, or the answer to a request sent after a witness saw the push).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView, CommandView, LiveView, UserRow } from '../../api/index.js';
import { loadConfig } from '../../config/index.js';
import { buildApp } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import { SOCKET_RECHECK_MS } from '../../dashboard/server/security/index.js';
import { influxClient } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { topics } from '../../protocol/index.js';
import { openRegistryStore, type Device, type RegistryStore } from '../../registry/index.js';
import { UsageQueries } from '../../usage/queries.js';
import { insertAlert } from '../helpers/alerts-seed.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { ApiClient, connectSocket, type LiveSocket } from './client.js';
import { buildDashboard } from './security-helpers.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const FORBIDDEN = { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' };
const lock = (deviceId: string) => ({ deviceId, name: 'lock', ttlSeconds: 60 });

/** A socket and everything pushed to it. */
interface Watched {
  socket: LiveSocket;
  devices: LiveView[];
  device: LiveView[];
  commands: CommandView[];
  alerts: AlertView[];
}

describe('rights on live connections', () => {
  let s: TestStack;
  let one: FastifyInstance;
  let two: FastifyInstance;
  let otherRegistry: RegistryStore;
  let base1: string;
  let base2: string;
  let devA: Device;
  let devB: Device;
  let place: { schoolA: number; schoolB: number; roomA: number };
  const clients: MqttClient[] = [];
  const sockets: LiveSocket[] = [];
  let admin: ApiClient;
  let users: Record<string, number>;

  beforeAll(async () => {
    // Process one runs the gateway's live state; its device tick is driven by hand and its periodic re-check is
    // an hour away, so whatever it does "at once" is the change path's doing, not the timer's.
    s = await startTestStack({ only: ['broker', 'gateway'], overrides: { dashboard: { liveDeviceIntervalMs: 3_600_000 } } });
    const a = await seedSchool(s.registry);
    const schoolB = await s.registry.ensureSchool({ code: 'LC-THCS-COC-LEU', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: a.district.id, pupils: 640 });
    const siteB = await s.registry.ensureSite({ schoolId: schoolB.id, name: 'Điểm chính' });
    const roomB = await s.registry.ensureRoom({ siteId: siteB.id, code: 'P.TIN1', name: 'Phòng Tin học 1', type: 'computer_room', capacity: 35 });
    place = { schoolA: a.school.id, schoolB: schoolB.id, roomA: a.room.id };
    const da = await s.registry.addDevice({ kind: 'tablet', roomId: a.room.id, name: 'Máy tính bảng trường cũ' });
    const db = await s.registry.addDevice({ kind: 'tablet', roomId: roomB.id, name: 'Máy tính bảng trường mới' });
    devA = da.device;
    devB = db.device;
    users = {};
    for (const [username, role, schoolIds] of [
      ['admin', 'admin', []], ['kt.chuyen', 'technician', [a.school.id]], ['kt.ha', 'technician', [a.school.id]],
      ['kh.sapa', 'planner', [a.school.id]], ['kt.coc-leu', 'technician', [schoolB.id]], ['kt.canh', 'technician', [a.school.id]],
    ] as const) {
      users[username] = (await s.registry.addUser({ username, password: PASSWORD, role, scope: { schoolIds: [...schoolIds] } })).id;
    }
    await s.directory.refresh();
    one = await buildApp({
      config: { ...s.config, dashboard: { ...s.config.dashboard, socketRecheckMs: 3_600_000 } }, log: createLogger('silent'), metrics: createMetrics(),
      clock: s.clock, registry: s.registry, usageStore: s.registry.usage, directory: s.directory, gateway: s.gateway, broker: s.broker,
      readings: new RecentReadings(s.influxUrl, s.config.influx), usage: new UsageQueries(influxClient(s.influxUrl, s.config.influx), s.config.influx.database),
    });
    await one.listen({ host: '127.0.0.1', port: 0 });
    // Process two: a dashboard only, on the same SQLite registry (and so the same sessions and cookie secret).
    otherRegistry = await openRegistryStore({ dataDir: s.dir });
    two = await buildDashboard(otherRegistry, s.clock, { dataDir: s.dir, dashboard: { socketRecheckMs: 300, liveIntervalMs: 200, loginsPerAddressPerMin: 10_000, loginsPerUserPerMin: 10_000 } });
    await two.listen({ host: '127.0.0.1', port: 0 });
    base1 = `http://127.0.0.1:${(one.server.address() as AddressInfo).port}`;
    base2 = `http://127.0.0.1:${(two.server.address() as AddressInfo).port}`;
    clients.push(await connectDevice(s.mqttUrl, devA.id, da.secret!), await connectDevice(s.mqttUrl, devB.id, db.secret!));
    await waitFor('both devices online in the live state', () => s.gateway!.live.get(devA.id)?.state === 'online' && s.gateway!.live.get(devB.id)?.state === 'online');
    one.live.tick(); // the connections' own changes, out of the way
    admin = await login('admin');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    for (const c of clients) await c.endAsync();
    await one?.close();
    await two?.close();
    await otherRegistry?.close();
    await s?.close();
  });

  async function login(username: string): Promise<ApiClient> {
    const c = new ApiClient(base1);
    await c.login(username, PASSWORD);
    return c;
  }

  /** A socket with the session of `c` on the dashboard at `base`, recording what is pushed to it. */
  async function open(c: ApiClient, base: string): Promise<Watched> {
    const socket = await connectSocket(base, c.cookie);
    sockets.push(socket);
    const w: Watched = { socket, devices: [], device: [], commands: [], alerts: [] };
    socket.on('devices', (batch) => w.devices.push(...batch));
    socket.on('device', (view) => w.device.push(view));
    socket.on('commands', (batch) => w.commands.push(...batch));
    socket.on('alerts', (batch) => w.alerts.push(...batch));
    return w;
  }
  /** A request's answer (whatever it says) leaves the server after everything pushed to the socket before it. */
  const roundTrip = (w: Watched) => w.socket.emitWithAck('watch', devA.id);
  const clear = (...ws: Watched[]) => {
    for (const w of ws) for (const list of [w.devices, w.device, w.commands, w.alerts]) list.length = 0;
  };

  /** A reading of `id`, in the gateway's live state, then one device tick. */
  let battery = 50;
  async function changeDevice(id: string): Promise<void> {
    const value = ++battery;
    await clients[id === devA.id ? 0 : 1]!.publishAsync(topics.telemetry(id), JSON.stringify({ ts: Date.now(), battery: value, charging: false }), { qos: 1 });
    await waitFor('the reading in the live state', () => s.gateway!.live.get(id)?.latest.battery === value);
    one.live.tick();
  }

  /** A command sent by the admin through REST (it is pushed to the device's school room when its state changes). */
  async function adminCommand(id: string): Promise<CommandView> {
    const r = await admin.request('POST', `/api/devices/${id}/commands`, { name: 'lock', ttlSeconds: 60 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as CommandView;
  }

  const patchUser = async (username: string, body: object) => {
    const r = await admin.request('PATCH', `/api/users/${users[username]}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as UserRow;
  };

  it('refuses a technician moved to another school the old school\'s commands at once on both processes, and pushes nothing of the old school after the move', async () => {
    const tech = await login('kt.chuyen');
    const t1 = await open(tech, base1);
    const t1silent = await open(tech, base1); // sends nothing after the change: only the change path can move it
    const t2 = await open(tech, base2); // sends nothing: only the periodic re-check can move it
    const t2asks = await open(tech, base2);
    const w1 = await open(admin, base1);
    const w2 = await open(admin, base2);

    // Before: the old school is theirs.
    expect(await t1silent.socket.emitWithAck('watch', devA.id)).toEqual({ ok: true });
    const sent = await t1.socket.emitWithAck('command', lock(devA.id));
    expect(sent).toMatchObject({ ok: true, value: { deviceId: devA.id } });
    const sentId = (sent as { value: CommandView }).value.id;
    await waitFor('the old school\'s command pushed on the second process', () => t2.commands.some((c) => c.id === sentId));

    await patchUser('kt.chuyen', { scope: { schoolIds: [place.schoolB] } });
    clear(t1, t1silent, t2, w1, w2);

    // The next command to the old school: refused on this process and on the other one, at once.
    expect(await t1.socket.emitWithAck('command', lock(devA.id))).toMatchObject(FORBIDDEN);
    expect(await t2asks.socket.emitWithAck('command', lock(devA.id))).toMatchObject(FORBIDDEN);
    expect(await t1.socket.emitWithAck('watch', devA.id)).toMatchObject(FORBIDDEN);
    expect(await t1.socket.emitWithAck('command', lock(devB.id))).toMatchObject({ ok: true, value: { deviceId: devB.id } });

    // This process: the old school's device changes (the admin sees it), then the new school's; the silent socket
    // gets the second and never the first (neither in its school batch nor as the device it watched).
    await changeDevice(devA.id);
    await waitFor('the admin\'s push of the old school\'s device', () => w1.devices.some((v) => v.id === devA.id));
    await changeDevice(devB.id);
    await waitFor('the new school\'s device pushed to the moved technician', () => t1silent.devices.some((v) => v.id === devB.id));
    expect([...t1silent.devices, ...t1silent.device].filter((v) => v.id === devA.id)).toEqual([]);

    // The other process: the silent socket is re-scoped by the periodic re-check, seen by the first push of the new
    // school's commands that reaches it (a fresh command each probe: a command is pushed when its state changes).
    await waitFor('the silent socket on the second process re-scoped', async () => {
      if (t2.commands.some((c) => c.deviceId === devB.id)) return true;
      await adminCommand(devB.id);
      return false;
    }, 20_000, 500);
    t2.commands.length = 0;
    const oldSchool = await adminCommand(devA.id);
    await waitFor('the admin\'s push of the old school\'s command on the second process', () => w2.commands.some((c) => c.id === oldSchool.id));
    const newSchool = await adminCommand(devB.id);
    await waitFor('the new school\'s command pushed to the silent socket', () => t2.commands.some((c) => c.id === newSchool.id));
    expect(t2.commands.filter((c) => c.deviceId === devA.id)).toEqual([]);
    expect(t2.socket.connected).toBe(true); // re-scoped in place, not cut off
  });

  it('refuses a technician demoted to viewer every command at once on both processes, and pushes them no more commands', async () => {
    const tech = await login('kt.ha');
    const d1 = await open(tech, base1);
    const d1silent = await open(tech, base1); // sends nothing after the change: only the change path can move it
    const d2 = await open(tech, base2);
    const w1 = await open(admin, base1);
    const before = await d1.socket.emitWithAck('command', lock(devA.id));
    expect(before).toMatchObject({ ok: true });
    await waitFor('the command pushed to the technician', () => d1silent.commands.some((c) => c.id === (before as { value: CommandView }).value.id));

    await patchUser('kt.ha', { role: 'viewer' });
    clear(d1, d1silent, d2, w1);
    expect(await d1.socket.emitWithAck('command', lock(devA.id))).toMatchObject({ ...FORBIDDEN, message: expect.stringContaining('viewer') });
    expect(await d2.socket.emitWithAck('command', lock(devA.id))).toMatchObject({ ...FORBIDDEN, message: expect.stringContaining('viewer') });

    // A command of their school changes; the admin sees it; the viewer's next answer comes after it, and nothing before.
    const cmd = await adminCommand(devA.id);
    await waitFor('the admin\'s push of the command', () => w1.commands.some((c) => c.id === cmd.id));
    expect(await roundTrip(d1silent)).toEqual({ ok: true }); // a viewer still reads their school
    expect(d1silent.commands).toEqual([]);
    // And the viewer still gets the school's device pushes: re-scoped, not cut off.
    await changeDevice(devA.id);
    await waitFor('the school\'s device pushed to the viewer', () => d1silent.devices.some((v) => v.id === devA.id));
  });

  it('sends a planner no live alert batch, as GET /api/alerts refuses them, and a technician only their schools\' alerts', async () => {
    const planner = await login('kh.sapa');
    expect((await planner.request('GET', '/api/alerts')).status).toBe(403);
    const p1 = await open(planner, base1);
    const p2 = await open(planner, base2);
    const inScope = await open(await login('kt.canh'), base1);
    const elsewhere = await open(await login('kt.coc-leu'), base1);
    const witness2 = await open(admin, base2);
    clear(p1, p2, inScope, elsewhere, witness2);

    const id = await insertAlert(s.registry, { deviceId: devA.id, schoolId: place.schoolA, roomId: place.roomA, rule: 'board_overheat' });
    await waitFor('the alert pushed to a technician of its school', () => inScope.alerts.some((a) => a.id === id));
    await waitFor('the alert pushed on the second process', () => witness2.alerts.some((a) => a.id === id));
    // Each socket's answer to a request sent now leaves the server after the batch it would have had.
    for (const w of [p1, p2, elsewhere]) await roundTrip(w);
    expect(p1.alerts).toEqual([]);
    expect(p2.alerts).toEqual([]);
    expect(elsewhere.alerts.filter((a) => a.id === id)).toEqual([]);
  });

  it('re-checks live sockets every five seconds by default', () => {
    expect(loadConfig({ env: {} }).dashboard.socketRecheckMs).toBe(SOCKET_RECHECK_MS);
    expect(SOCKET_RECHECK_MS).toBe(5_000);
  });
});
