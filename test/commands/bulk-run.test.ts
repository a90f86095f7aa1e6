/**
 * Bulk runs through the whole stack: REST → one run and one command per device in the registry → the broker
 * publishes to simulated devices over real MQTT → their answers → the run's progress, its end, its audit; the
 * rollout rate and the abort rule; and who may start or follow a run (REST and Socket.IO).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandView, RunDetail, RunPreview, RunView } from '../../api/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { FAULTS } from '../../device-sim/faults.js';
import { parseScenario, provision, Simulator, type SimDevice } from '../../device-sim/index.js';
import { ApiClient, connectSocket, type LiveSocket } from '../dashboard/client.js';
import { clockAt } from '../device-sim/fault-wire.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const NO_FAULTS = Object.fromEntries(Object.values(FAULTS).map((f) => [f.rate, 0]));
const FINAL = new Set(['succeeded', 'failed', 'expired', 'cancelled']);
type Who = 'admin' | 'techA' | 'techAB' | 'planner';

describe('bulk runs to simulated devices', () => {
  const s = useTestStack({ dashboard: startDashboard, overrides: { commands: { watchMs: 200 } } });
  const c = {} as Record<Who, ApiClient>;
  const sims: Simulator[] = [];
  const sockets: LiveSocket[] = [];
  const clock = clockAt(9, 0, [1, 2, 3, 4, 5]);
  let devices: SimDevice[] = [];
  const ids = { room81: 0, roomFail: 0, schoolA: 0, schoolB: 0, roomB: 0, districtA: 0, districtB: 0 };

  const base = { seed: 21, intervalS: 5, faults: NO_FAULTS };
  const layout = {
    ...base,
    districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }, { code: 'SA-PA', name: 'Thị xã Sa Pa' }],
    schools: [
      { code: 'LC-THPT-BX', name: 'Trường THPT Bát Xát', level: 'thpt', district: 'BAT-XAT', sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P10A1', name: 'Phòng 10A1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 40, vr: 40 } },
        { code: 'P10A2', name: 'Phòng 10A2', type: 'smart_classroom', use: 1, devices: { tablet: 12 } },
      ] }] },
      { code: 'LC-THCS-SP', name: 'Trường THCS Sa Pa', level: 'thcs', district: 'SA-PA', sites: [{ name: 'Điểm chính', rooms: [
        { code: 'P01', name: 'Phòng 6A1', type: 'smart_classroom', use: 1, devices: { board: 1, tablet: 1 } },
      ] }] },
    ],
  };
  const simulate = async (list: SimDevice[], commands: { failRate?: number; silentRate?: number }) => {
    const sim = new Simulator({ brokerUrl: s.mqttUrl, devices: list, scenario: parseScenario({ ...layout, commands }), tickMs: 50, clock });
    sims.push(sim);
    await sim.start();
    return sim;
  };
  const post = async <T>(who: Who, url: string, body: object, status = 201) => {
    const r = await c[who].request('POST', url, body);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    return r.body as T;
  };
  const detail = (id: number) => c.techA.get<RunDetail>(`/api/command-runs/${id}`);
  const socketOf = async (who: Who) => {
    const socket = await connectSocket(s.dashboard!.url, c[who].cookie);
    sockets.push(socket);
    return socket;
  };
  const inRoom = (roomId: number) => devices.filter((d) => d.roomId === roomId);

  beforeAll(async () => {
    devices = await provision(s.registry, parseScenario(layout), path.join(s.dir, 'sim-credentials.json'));
    const schools = await s.registry.schools();
    const a = schools.find((x) => x.code === 'LC-THPT-BX')!;
    const b = schools.find((x) => x.code === 'LC-THCS-SP')!;
    Object.assign(ids, {
      schoolA: a.id, schoolB: b.id, districtA: a.districtId!, districtB: b.districtId!,
      room81: devices.find((d) => d.room.code === 'P10A1')!.roomId, roomFail: devices.find((d) => d.room.code === 'P10A2')!.roomId,
      roomB: devices.find((d) => d.school.code === 'LC-THCS-SP')!.roomId,
    });
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'techA', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.id] } });
    await s.registry.addUser({ username: 'techAB', password: PASSWORD, role: 'technician', scope: { schoolIds: [a.id, b.id] } });
    await s.registry.addUser({ username: 'planner', password: PASSWORD, role: 'planner' });
    for (const u of ['admin', 'techA', 'techAB', 'planner'] as const) {
      c[u] = new ApiClient(s.dashboard!.url);
      await c[u].login(u, PASSWORD);
    }
  });
  afterAll(async () => {
    for (const x of sockets) x.close();
    for (const sim of sims) await sim.stop();
  });

  it('a restart of a room of 81 devices all at once, which only an admin may order, reports every device\'s outcome and lists those that did not answer', async () => {
    const room = inRoom(ids.room81);
    expect(room).toHaveLength(81);
    const sim = await simulate(room, { silentRate: 0.1, failRate: 0.05 });
    await waitFor('all 81 devices connected', () => room.every((d) => s.gateway!.live.get(d.id)?.state === 'online'));

    const target = { type: 'room', id: String(ids.room81) };
    const preview = await post<RunPreview>('techA', '/api/command-runs/preview', { target, name: 'restart' }, 200);
    expect(preview).toEqual({
      devices: 81, byKind: { board: 1, tablet: 40, vr: 40 }, online: 81, skipped: 0, schools: 1, harmful: true,
      targetLabel: 'Phòng 10A1 · Trường THPT Bát Xát', defaults: { ratePerMin: 120, abortFailedPct: 20, ttlSeconds: 600 },
    });
    const boards = await post<RunPreview>('techA', '/api/command-runs/preview', { target: { ...target, kind: 'board' }, name: 'restart' }, 200);
    expect(boards).toMatchObject({ devices: 1, byKind: { board: 1 }, skipped: 0, targetLabel: 'Bảng tương tác · Phòng 10A1 · Trường THPT Bát Xát' });
    // Only the tablets know 'lock': the board and the headsets are left out, and said so.
    expect(await post<RunPreview>('techA', '/api/command-runs/preview', { target, name: 'lock' }, 200)).toMatchObject({ devices: 40, byKind: { tablet: 40 }, skipped: 41, harmful: false });

    const watcher = await socketOf('techA');
    const pushes: RunView[] = [];
    const batches: CommandView[][] = [];
    watcher.on('run', (v) => pushes.push(v));
    watcher.on('commands', (b) => batches.push(b));
    const planner = await socketOf('planner');
    let plannerBatches = 0;
    planner.on('commands', () => { plannerBatches += 1; });
    // All at once and never aborted: the safety switches of a harmful command, an admin's to turn off, not a technician's.
    const body = { target, name: 'restart', ttlSeconds: 12, ratePerMin: null, abortFailedPct: null };
    const runsBefore = (await s.registry.listRuns({ limit: 500 })).length;
    const refused = await c.techA.request('POST', '/api/command-runs', body);
    expect(refused).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_COMMAND_SAFETY' } });
    expect((refused.body as { message: string }).message).toMatch(/^only an admin may switch off the rollout rate and switch off the abort rule of a harmful command \('restart'\)/);
    expect(await c.techA.request('POST', '/api/command-runs', { ...body, ratePerMin: 120, abortFailedPct: 50 })).toMatchObject({ status: 403, body: { code: 'EDUFLEET_ERR_COMMAND_SAFETY' } });
    expect(await s.registry.listRuns({ limit: 500 })).toHaveLength(runsBefore);
    const run = await post<RunView>('admin', '/api/command-runs', body);
    expect(run).toMatchObject({ state: 'running', origin: { by: 'user', username: 'admin' }, ratePerMin: null, abortFailedPct: null, targetLabel: 'Phòng 10A1 · Trường THPT Bát Xát', progress: { total: 81 } });
    expect(await watcher.emitWithAck('watchRun', run.id)).toEqual({ ok: true });

    const done = await waitFor('the run done', async () => {
      const d = await detail(run.id);
      return d.state === 'done' ? d : undefined;
    }, 60_000, 250);
    expect(done.commands).toHaveLength(81);
    expect(new Set(done.commands.map((x) => x.deviceId))).toEqual(new Set(room.map((d) => d.id)));
    expect(done.commands.every((x) => FINAL.has(x.state))).toBe(true);
    const p = done.progress;
    expect(p.total).toBe(81);
    expect(p.queued + p.sent + p.delivered + p.cancelled).toBe(0);
    expect(p.succeeded + p.failed + p.expired).toBe(81);
    // What the devices did is what the registry says they did.
    expect(p.failed).toBe(sim.stats.commands.refused);
    expect(p.expired).toBe(sim.stats.commands.silent);
    expect(p.expired).toBeGreaterThan(0);
    expect(done.notAnswered.sort()).toEqual(done.commands.filter((x) => x.state === 'expired').map((x) => x.deviceId).sort());
    expect(done.commands.filter((x) => x.state === 'succeeded').every((x) => x.resultMessage === 'restarting')).toBe(true);

    const last = await waitFor('the progress pushed to 100 %', () => pushes.find((v) => v.state === 'done'));
    expect(last.progress).toEqual(p);
    // Each command's changes reached its school's room, coalesced per tick, up to its final state; never to a planner.
    const seen = new Map<string, CommandView>();
    for (const b of batches) for (const x of b) if (x.runId === run.id) seen.set(x.id, x);
    expect(seen.size).toBe(81);
    expect([...seen.values()].every((x) => FINAL.has(x.state))).toBe(true);
    expect(batches.length).toBeLessThan(81 * 3);
    expect(plannerBatches).toBe(0);
    const audit = (await s.registry.auditLog({ entity: 'run', entityId: String(run.id) })).entries;
    expect(audit.map((e) => e.action).sort()).toEqual(['command.run', 'command.run.done']);
    expect(audit.find((e) => e.action === 'command.run.done')!.detail).toMatchObject({ total: 81, expired: p.expired, failed: p.failed, succeeded: p.succeeded });
    expect((await c.techA.get<RunView[]>(`/api/command-runs?schoolId=${ids.schoolA}`)).map((r) => r.id)).toContain(run.id);
    const history = await c.techA.get<CommandView[]>(`/api/schools/${ids.schoolA}/commands?limit=200`);
    expect(history.filter((x) => x.runId === run.id)).toHaveLength(81);
  });

  it('a rollout at 60 devices a minute is aborted by its rule after the first failures; the rest is never sent', async () => {
    const room = inRoom(ids.roomFail);
    await simulate(room, { failRate: 1 });
    const run = await post<RunView>('admin', '/api/command-runs', { target: { type: 'room', id: String(ids.roomFail) }, name: 'restart', ratePerMin: 60, abortFailedPct: 20 });
    expect(run).toMatchObject({ ratePerMin: 60, abortFailedPct: 20, ttlMs: 600_000 });
    const stored = await s.registry.commandsOfRun(run.id);
    expect(stored).toHaveLength(12);
    // One a second, the first at once; each keeps its whole time to live from its release.
    const release = stored.map((x) => x.notBefore ?? x.createdAt);
    expect(release.map((t) => t - run.createdAt)).toEqual(Array.from({ length: 12 }, (_, i) => i * 1000));
    expect(stored.map((x, i) => x.expiresAt - release[i]!)).toEqual(Array(12).fill(600_000));

    const aborted = await waitFor('the run aborted', async () => {
      const d = await detail(run.id);
      return d.state === 'aborted' ? d : undefined;
    }, 30_000, 100);
    expect(aborted.endedBy).toBe('abort');
    expect(aborted.endReason).toMatch(/^\d+ of \d+ finished failed \(100 % > 20 %\)$/);
    expect(aborted.progress.failed).toBeGreaterThanOrEqual(5);
    const cancelled = aborted.commands.filter((x) => x.state === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((x) => x.sentAt === null && x.attempts === 0 && x.cancelledBy === 'abort')).toBe(true);
    // Past every release time, nothing cancelled has been published.
    await waitFor('every release time passed', () => Date.now() > run.createdAt + 12_000, 20_000, 200);
    const after = await s.registry.commandsOfRun(run.id);
    expect(after.filter((x) => x.state === 'cancelled').map((x) => x.id)).toEqual(cancelled.map((x) => x.id));
    expect(after.filter((x) => x.sentAt !== null)).toHaveLength(12 - cancelled.length);
    const aborts = (await s.registry.auditLog({ entity: 'run', entityId: String(run.id) })).entries.filter((e) => e.action === 'command.run.abort');
    expect(aborts).toHaveLength(1);
    expect(aborts[0]!.byUser).toBe('abort');
    expect(await c.admin.request('POST', `/api/command-runs/${run.id}/cancel`)).toMatchObject({ status: 409 });
  });

  it('a technician commands only within their schools, a planner not at all (REST and Socket.IO)', async () => {
    const forbidden = { status: 403, body: { code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' } };
    for (const target of [{ type: 'room', id: String(ids.roomB) }, { type: 'school', id: String(ids.schoolB) }, { type: 'district', id: String(ids.districtB) }]) {
      expect(await c.techA.request('POST', '/api/command-runs', { target, name: 'restart' }), JSON.stringify(target)).toMatchObject(forbidden);
      expect(await c.techA.request('POST', '/api/command-runs/preview', { target, name: 'restart' })).toMatchObject(forbidden);
    }
    expect(await c.planner.request('POST', '/api/command-runs', { target: { type: 'room', id: String(ids.room81) }, name: 'restart' })).toMatchObject(forbidden);
    expect(await c.planner.request('GET', '/api/command-runs')).toMatchObject(forbidden);
    expect(await c.planner.request('GET', `/api/schools/${ids.schoolA}/commands`)).toMatchObject(forbidden);
    expect(await c.techA.request('GET', `/api/schools/${ids.schoolB}/commands`)).toMatchObject(forbidden);

    // A kind across the province reaches only the technician's schools.
    const kind = { target: { type: 'kind', id: 'tablet' }, name: 'message', args: { text: 'Nộp bài trước 10:00', minutes: 5 } };
    expect(await post<RunPreview>('techA', '/api/command-runs/preview', kind, 200)).toMatchObject({ devices: 52, schools: 1, harmful: false });
    const run = await post<RunView>('techA', '/api/command-runs', kind);
    const reached = await s.registry.commandsOfRun(run.id);
    expect(reached).toHaveLength(52);
    expect(reached.every((x) => x.schoolId === ids.schoolA)).toBe(true);
    expect(await c.admin.request('POST', '/api/command-runs/preview', kind)).toMatchObject({ status: 200, body: { devices: 53, schools: 2 } });

    // A run across two districts has no school or district of its own: its starter follows it, others in scope not.
    const boards = { target: { type: 'kind', id: 'board' }, name: 'message', args: { text: 'Họp hội đồng lúc 16:00', minutes: 30 } };
    const wide = await post<RunView>('techAB', '/api/command-runs', boards);
    expect(wide).toMatchObject({ schoolId: null, districtId: null, progress: { total: 2 }, targetLabel: 'Bảng tương tác · mọi trường trong phạm vi' });
    expect((await c.techAB.get<RunDetail>(`/api/command-runs/${wide.id}`)).commands).toHaveLength(2);
    expect((await c.techAB.get<RunView[]>('/api/command-runs')).map((r) => r.id)).toContain(wide.id);
    expect((await c.techA.get<RunView[]>('/api/command-runs')).map((r) => r.id)).not.toContain(wide.id);
    expect(await c.techA.request('GET', `/api/command-runs/${wide.id}`)).toMatchObject(forbidden);
    expect(await c.techA.request('POST', `/api/command-runs/${wide.id}/cancel`)).toMatchObject(forbidden);
    expect(await c.techAB.request('POST', `/api/command-runs/${wide.id}/cancel`)).toMatchObject({ status: 200, body: { state: 'cancelled', endedBy: 'techAB' } });

    const deviceB = devices.find((d) => d.roomId === ids.roomB)!;
    const deviceA = inRoom(ids.roomFail)[0]!;
    const tech = await socketOf('techA');
    const planner = await socketOf('planner');
    expect(await tech.emitWithAck('command', { deviceId: deviceB.id, name: 'restart' })).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
    expect(await planner.emitWithAck('command', { deviceId: deviceA.id, name: 'restart' })).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
    expect(await planner.emitWithAck('watchRun', run.id)).toMatchObject({ code: 'EDUFLEET_ERR_AUTH_FORBIDDEN' });
    expect(await tech.emitWithAck('command', { deviceId: deviceA.id, name: 'volume', args: { level: 101 } })).toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    const sent = await tech.emitWithAck('command', { deviceId: deviceA.id, name: 'lock', ttlSeconds: 60 });
    expect(sent).toMatchObject({ ok: true, value: { deviceId: deviceA.id, name: 'lock', origin: { by: 'user', username: 'techA' } } });
    // The same path as REST: audited alike.
    const audit = (await s.registry.auditLog({ entity: 'device', entityId: deviceA.id })).entries;
    expect(audit.find((e) => e.action === 'command.send')).toMatchObject({ byUser: 'techA' });
    expect(await s.registry.command((sent as { value: CommandView }).value.id)).toBeDefined();
  });
});
