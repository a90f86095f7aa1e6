/**
 * Commands with proof of delivery through the whole stack: REST → registry → the broker publishes (QoS 1) to the
 * subscribed simulated device → its PUBACK → its answer → the registry, and what the device then reports.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResponse, CommandView, Me } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import { parseScenario, provision, Simulator, type SimDevice } from '../../device-sim/index.js';
import { ApiClient } from '../dashboard/client.js';
import { clockAt } from '../device-sim/fault-wire.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { topics } from '../../protocol/index.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));

describe('remote commands delivered with proof', () => {
  const s = useTestStack({ dashboard: startDashboard });
  const c: Record<'admin' | 'tech' | 'techOther' | 'planner', ApiClient> = {} as never;
  const dev: Record<string, SimDevice> = {};
  const sims: Simulator[] = [];
  const clock = clockAt(9, 0, [1, 2, 3, 4, 5]);
  let scenario: ReturnType<typeof parseScenario>;

  const simulate = async (devices: SimDevice[]) => {
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices, scenario, tickMs: 20, clock });
    sims.push(sim);
    await sim.start();
    return sim;
  };
  const send = async (who: ApiClient, d: SimDevice, body: object) => {
    const r = await who.request('POST', `/api/devices/${d.id}/commands`, body);
    if (r.status !== 201) throw new Error(`send answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as CommandView;
  };
  const stored = async (id: string) => (await s.registry.command(id))!;
  const reaches = (id: string, state: CommandView['state']) => waitFor(`command ${id} ${state}`, async () => {
    const x = await stored(id);
    return x.state === state ? x : undefined;
  });

  beforeAll(async () => {
    scenario = parseScenario({
      seed: 7, intervalS: 0.2, faults: NO_FAULTS,
      districts: [{ code: 'SA-PA', name: 'Thị xã Sa Pa' }],
      schools: [{ code: 'LC-THCS-SAPA', name: 'Trường THCS Sa Pa', level: 'thcs', district: 'SA-PA', sites: [
        { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 1, vr: 1, sensor: 1 } }] },
      ] }],
    });
    const devices = await provision(s.registry, scenario, path.join(s.dir, 'sim-credentials.json'));
    for (const d of devices) dev[d.kind] = d;
    const school = (await s.registry.schools()).find((x) => x.code === 'LC-THCS-SAPA')!;
    const other = await seedSchool(s.registry, 'LC-OTHER');
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'tech', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] } });
    await s.registry.addUser({ username: 'techOther', password: PASSWORD, role: 'technician', scope: { schoolIds: [other.school.id] } });
    await s.registry.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
    for (const u of ['admin', 'tech', 'techOther', 'planner'] as const) {
      c[u] = new ApiClient(s.dashboard!.url);
      await c[u].login(u, PASSWORD);
    }
  });
  afterAll(async () => {
    for (const sim of sims) await sim.stop();
  });

  it('an online board goes queued → sent → delivered → succeeded, and reports standby', async () => {
    const b = dev.board!;
    await simulate([b]);
    await waitFor('the board reporting power on', () => s.gateway!.live.get(b.id)?.latest.power === 'on');
    const cmd = await send(c.tech, b, { name: 'power', args: { state: 'standby' } });
    expect(cmd).toMatchObject({ deviceId: b.id, name: 'power', args: { state: 'standby' }, origin: { by: 'user', username: 'tech' } });
    const done = await reaches(cmd.id, 'succeeded');
    expect(done).toMatchObject({ resultOk: true, resultMessage: 'power standby', attempts: 1 });
    // The simulator answers before mqtt.js sends its PUBACK, so the answer may finish the command first.
    expect(done.sentAt).not.toBeNull();
    await waitFor('the board reporting standby', () => s.gateway!.live.get(b.id)?.latest.power === 'standby');
    const history = await c.tech.get<CommandView[]>(`/api/devices/${b.id}/commands`);
    expect(history.map((h) => [h.id, h.state])).toEqual([[cmd.id, 'succeeded']]);
    const audit = await c.admin.get<AuditResponse>('/api/audit?entity=device');
    expect(audit.entries.some((e) => e.action === 'command.send' && e.byUser === 'tech' && e.entityId === b.id)).toBe(true);
  });

  it('records the PUBACK of a device that has not answered yet, then its answer', async () => {
    const t = dev.tablet!;
    const device = await connectDevice(s.mqttUrl, t.id, t.secret);
    try {
      const got: string[] = [];
      device.on('message', (topic) => { if (!topic.endsWith('/result')) got.push(topic); });
      await device.subscribeAsync(topics.commandFilter(t.id), { qos: 1 });
      const cmd = await send(c.tech, t, { name: 'lock' });
      const delivered = await reaches(cmd.id, 'delivered');
      expect(delivered).toMatchObject({ attempts: 1, finishedAt: null });
      expect(delivered.deliveredAt!).toBeGreaterThanOrEqual(delivered.sentAt!);
      expect(got).toEqual([topics.command(t.id, cmd.id)]);
      await device.publishAsync(topics.commandResult(t.id, cmd.id), JSON.stringify({ ok: false, message: 'khóa hỏng' }), { qos: 1 });
      expect(await reaches(cmd.id, 'failed')).toMatchObject({ resultOk: false, resultMessage: 'khóa hỏng' });
    } finally {
      await device.endAsync();
    }
  });

  it('publishes again to a device that reconnects before its PUBACK; ignores an answer from another device', async () => {
    const t = dev.tablet!;
    const first = await connectDevice(s.mqttUrl, t.id, t.secret);
    const seen: string[] = [];
    // mqtt.js sends the PUBACK once its handler calls back: this one never does, as a device that crashed would.
    first.handleMessage = (packet) => { seen.push(packet.topic); };
    await first.subscribeAsync(topics.commandFilter(t.id), { qos: 1 });
    const cmd = await send(c.tech, t, { name: 'ring', args: { seconds: 10 } });
    await waitFor('the command reaching the device', () => seen.length === 1);
    expect(await stored(cmd.id)).toMatchObject({ state: 'sent', attempts: 1, deliveredAt: null });
    first.end(true);
    // Another device answering the tablet's command on its own topic: not the tablet's answer.
    const sensor = await connectDevice(s.mqttUrl, dev.sensor!.id, dev.sensor!.secret);
    await sensor.publishAsync(topics.commandResult(dev.sensor!.id, cmd.id), JSON.stringify({ ok: false, message: 'không phải của tôi' }), { qos: 1 });
    await sensor.endAsync();
    const second = await connectDevice(s.mqttUrl, t.id, t.secret);
    try {
      const got: string[] = [];
      second.on('message', (topic) => { if (!topic.endsWith('/result')) got.push(topic); });
      await second.subscribeAsync(topics.commandFilter(t.id), { qos: 1 });
      expect(await reaches(cmd.id, 'delivered')).toMatchObject({ attempts: 2 });
      expect(got).toEqual([topics.command(t.id, cmd.id)]);
      await second.publishAsync(topics.commandResult(t.id, cmd.id), JSON.stringify({ ok: true, message: 'ringing for 10 s' }), { qos: 1 });
      expect(await reaches(cmd.id, 'succeeded')).toMatchObject({ resultOk: true, resultMessage: 'ringing for 10 s', attempts: 2 });
    } finally {
      await second.endAsync();
    }
  });

  it('a command stored by another process reaches a device subscribed here at the next sweep', async () => {
    const b = dev.board!;
    const at = Date.now();
    const [id] = await s.registry.enqueueCommands([{ deviceId: b.id, name: 'input', args: { source: 'hdmi1' }, createdAt: at, expiresAt: at + 60_000, origin: { by: 'user', username: 'admin' } }]);
    expect(await reaches(id!, 'succeeded')).toMatchObject({ attempts: 1, resultMessage: expect.any(String) as string });
  });

  it('refuses an invalid command with the reason, and the wrong people', async () => {
    const b = dev.board!;
    const before = (await s.registry.commandsOfDevice(b.id)).length;
    const bad = await c.tech.request('POST', `/api/devices/${b.id}/commands`, { name: 'volume', args: { level: 300 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('args.level');
    const unknown = await c.tech.request('POST', `/api/devices/${b.id}/commands`, { name: 'lock' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain("unknown command 'lock'");
    expect((await c.techOther.request('POST', `/api/devices/${b.id}/commands`, { name: 'restart' })).status).toBe(403);
    expect((await c.planner.request('POST', `/api/devices/${b.id}/commands`, { name: 'restart' })).status).toBe(403);
    expect((await c.techOther.request('GET', `/api/devices/${b.id}/commands`)).status).toBe(403);
    expect((await c.admin.request('POST', '/api/devices/no-such-device/commands', { name: 'restart' })).status).toBe(404);
    expect((await s.registry.commandsOfDevice(b.id)).length).toBe(before);
    const me = async (who: ApiClient) => (await who.get<Me>('/api/me')).permissions.sendCommands;
    expect([await me(c.admin), await me(c.tech), await me(c.planner)]).toEqual([true, true, false]);
  });

  it('an offline sensor gets its command when it connects, and acts on it exactly once', async () => {
    const sensor = dev.sensor!;
    const cmd = await send(c.admin, sensor, { name: 'interval', args: { seconds: 30 } });
    expect(cmd.state).toBe('queued');
    const sim = await simulate([sensor]);
    const done = await reaches(cmd.id, 'succeeded');
    expect(done.attempts).toBe(1);
    expect(sim.stats.commands.done).toBe(1);
    expect(sim.stats.commands.repeats).toBe(0);
  });

  it('never sends an expired or a cancelled command; cancelling is scoped and audited', async () => {
    const vr = dev.vr!;
    const short = await send(c.tech, vr, { name: 'stop', ttlSeconds: 1 });
    const cancelled = await send(c.tech, vr, { name: 'kiosk', args: { app: 'vn.edu.he-mat-troi' } });
    expect((await c.techOther.request('POST', `/api/commands/${cancelled.id}/cancel`)).status).toBe(403);
    expect((await c.planner.request('POST', `/api/commands/${cancelled.id}/cancel`)).status).toBe(403);
    const r = await c.tech.request('POST', `/api/commands/${cancelled.id}/cancel`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'cancelled', cancelledBy: 'tech' });
    expect((await c.tech.request('POST', `/api/commands/${cancelled.id}/cancel`)).status).toBe(409);
    await reaches(short.id, 'expired');
    const later = await send(c.tech, vr, { name: 'stop' });
    const sim = await simulate([vr]);
    await reaches(later.id, 'succeeded');
    for (const id of [short.id, cancelled.id]) expect(await stored(id)).toMatchObject({ attempts: 0, sentAt: null, deliveredAt: null });
    expect((await stored(short.id)).state).toBe('expired');
    expect((await stored(cancelled.id)).state).toBe('cancelled');
    expect(sim.stats.commands.done).toBe(1);
    const audit = await c.admin.get<AuditResponse>('/api/audit?entity=device');
    expect(audit.entries.some((e) => e.action === 'command.cancel' && e.byUser === 'tech' && e.entityId === vr.id)).toBe(true);
  });
});
