/**
 * The down direction by file (issue 21, "back the other way"): a provincial stack and an edge stack, each on its own
 * registry and InfluxDB, with real MQTT boards at the edge. `makeBundle` at the province, `applyBundle` at the edge
 * (what `edufleet edge bundle` and `edufleet edge apply` run), the edge's downlink and E's export file bringing the
 * outcomes up, the province's import recording them on its run.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startRun } from '../../commands/runs.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { applyBundle, edgeOfSite, makeBundle } from '../../edge/bundle.js';
import { EdgeDownlink } from '../../edge/downlink.js';
import type { ForwardLog } from '../../edge/forward-log.js';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { edgeDir, exportEdge, importEdgeFile, openForwardLog } from '../../edge/sneakernet.js';
import { InfluxV1Writer } from '../../gateway/telemetry-writer.js';
import { createLogger } from '../../lib/logger.js';
import { parseTopic, topics } from '../../protocol/index.js';
import { EDGE_META, type DevicePlacement, type RegistryStore } from '../../registry/index.js';
import { ApiClient } from '../dashboard/client.js';
import { connectDevice, refusalCode, startTestStack, tempDir, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const SITE = 'LC-THPT-BAT-XAT';
const OTHER = 'LC-THCS-SA-PA';
const PASSWORD = 'mật-khẩu-đủ-dài';

/** A board or tablet at the edge: answers every command it gets (ok unless told to fail) and remembers them. */
interface Board { id: string; client: MqttClient; got: string[] }

describe('the down bundle from the province to an edge', () => {
  let province: TestStack;
  let edge: TestStack;
  let log: ForwardLog;
  let downlink: EdgeDownlink;
  const secrets = new Map<string, string>();
  const boards: Board[] = [];
  const files = tempDir('edufleet-bundle-');
  let siteId = 0;

  const bundle = async (site = SITE) => {
    const e = await edgeOfSite(province.registry, site);
    return makeBundle(province.registry, e, { site, now: Date.now(), byUser: 'admin' });
  };
  const apply = (file: Buffer) => applyBundle(edge.registry, file, { dataDir: edge.dir, now: Date.now() });
  const refusal = (file: Buffer) => apply(file).then(() => 'applied', (err: unknown) => (err as { code?: string }).code);
  /** Outcomes up: the downlink appends them to the forward log, E's export writes the file, the province imports it. */
  const bringUp = async () => {
    await downlink.sync();
    const out = path.join(files, `up-${Date.now()}.efe`);
    await exportEdge({ dataDir: edge.dir, log, site: SITE, out, now: Date.now });
    const placements = new Map<string, DevicePlacement>((await province.registry.placementsSince(0)).placements.map((p) => [p.id, p]));
    const writer = new InfluxV1Writer({ ...province.config.influx });
    await writer.ensureSchema();
    return importEdgeFile({
      registry: province.registry, writer, placements, window: { maxFutureSkewMs: 60_000, maxAgeMs: 30 * 86_400_000 }, log: createLogger('warn'), now: Date.now,
    }, out, { byUser: 'admin' });
  };
  const connectBoard = async (id: string, fail = false): Promise<Board> => {
    const client = await connectDevice(edge.mqttUrl, id, secrets.get(id)!);
    const b: Board = { id, client, got: [] };
    client.on('message', (topic) => {
      const parsed = parseTopic(topic);
      if (parsed?.channel !== 'cmd') return;
      const cmd = parsed.commandId!;
      b.got.push(cmd);
      client.publish(topics.commandResult(id, cmd), JSON.stringify(fail ? { ok: false, message: 'nguồn hdmi1 không có tín hiệu' } : { ok: true }), { qos: 1 });
    });
    await client.subscribeAsync(topics.commandFilter(id), { qos: 1 });
    boards.push(b);
    return b;
  };
  /** What must not change when a bundle is refused. */
  const edgeState = async (r: RegistryStore) => ({
    version: await r.edgeSlices.meta<number>(EDGE_META.version),
    devices: (await r.listDevices({ includeRevoked: true })).devices.map((d) => [d.id, d.name, d.revokedAt, d.hasSecret]),
    users: (await r.users()).map((u) => [u.username, u.disabled]),
    audit: (await r.auditLog()).total,
    commands: (await r.commandsOfSchool((await r.schools())[0]!.id, { limit: 1000 })).length,
  });

  beforeAll(async () => {
    [province, edge] = await Promise.all([
      startTestStack({ only: ['dashboard'], dashboard: startDashboard }),
      startTestStack({ only: ['gateway', 'broker'], overrides: { commands: { deliverySweepMs: 100 } } }),
    ]);
    const p = province.registry;
    const district = await p.ensureDistrict({ code: 'BAT-XAT', name: 'Huyện Bát Xát' });
    const school = await p.ensureSchool({ code: SITE, name: 'Trường THPT Bát Xát', level: 'thpt', districtId: district.id, pupils: 900 });
    const site = await p.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
    siteId = site.id;
    const rooms = [
      await p.ensureRoom({ siteId: site.id, code: 'P10A1', name: 'Phòng 10A1', type: 'smart_classroom', capacity: 40 }),
      await p.ensureRoom({ siteId: site.id, code: 'P10A2', name: 'Phòng 10A2', type: 'smart_classroom', capacity: 40 }),
    ];
    for (const [id, kind, room] of [['bx-board-1', 'board', rooms[0]!], ['bx-board-2', 'board', rooms[1]!], ['bx-board-3', 'board', rooms[1]!], ['bx-tablet-1', 'tablet', rooms[0]!]] as const) {
      secrets.set(id, (await p.addDevice({ id, kind, roomId: room.id, name: `Thiết bị ${id}` })).secret!);
    }
    await p.addUser({ username: 'kt-batxat', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] }, displayName: 'Kỹ thuật viên Bát Xát' });
    await p.addUser({ username: 'kt-khac', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id + 1000] } });
    // A second site with its own edge, for a bundle that is not ours.
    const other = await p.ensureSchool({ code: OTHER, name: 'Trường THCS Sa Pa', level: 'thcs', districtId: district.id });
    await p.ensureSite({ schoolId: other.id, name: 'Điểm chính' });
    const k = edgeKeys(edgeDir(edge.dir));
    await registerEdge(p, { site: SITE, name: 'Máy trạm biên Bát Xát', signKey: k.signKey, boxKey: k.boxKey }, { byUser: 'admin', at: Date.now() });
    const o = edgeKeys(path.join(files, 'other-edge'));
    await registerEdge(p, { site: OTHER, name: 'Máy trạm biên Sa Pa', signKey: o.signKey, boxKey: o.boxKey }, { byUser: 'admin', at: Date.now() });
    log = await openForwardLog(edge.dir, { groupCommitMs: 5, segmentBytes: 1 << 20 });
    downlink = new EdgeDownlink({ registry: edge.registry, log, intervalMs: 60_000 });
  }, 60_000);

  afterAll(async () => {
    for (const b of boards) b.client.end(true);
    await log?.close();
    await Promise.all([province?.close(), edge?.close()]);
  });

  it('a first bundle brings the site\'s places, devices, technicians and timetable, and the devices log in at the edge with their own secrets', async () => {
    const made = await bundle();
    expect(made).toMatchObject({ devices: 4, users: 1, commands: 0 });
    const a = await apply(made.file);
    expect(a.pinned).toBe(true);
    expect(a.applied).toMatchObject({ version: made.header.version, devices: { added: 4, changed: 0, revoked: 0 }, users: { added: 1 } });
    expect(await edge.registry.verifyUser('kt-batxat', PASSWORD)).toMatchObject({ role: 'technician', displayName: 'Kỹ thuật viên Bát Xát' });
    expect(await edge.registry.userByName('kt-khac')).toBeUndefined();
    expect((await edge.registry.school(SITE))?.name).toBe('Trường THPT Bát Xát');
    expect((await edge.registry.auditLog({})).entries.some((e) => e.byUser === `province (bundle v${made.header.version})` && e.action === 'edge.bundle.apply')).toBe(true);
    for (const id of ['bx-board-1', 'bx-board-2', 'bx-board-3']) await connectBoard(id, id === 'bx-board-3');
    expect(a.fingerprint).toBe(made.fingerprint);
  });

  it('while the uplink is cut, a bulk command issued at the province for the site\'s boards is queued; after the link returns, every board carries it out and the run shows each outcome', async () => {
    const { runId } = await startRun(province.registry, {
      target: { type: 'site', id: String(siteId), kind: 'board' }, name: 'input', args: { source: 'hdmi1' }, origin: { by: 'user', username: 'admin' }, at: Date.now(), ratePerMin: null,
    });
    // The province's broker neither sends nor expires what waits for the edge.
    expect(await province.registry.devicesWithQueuedCommands(Date.now())).toEqual([]);
    expect((await province.registry.runProgress(runId)).queued).toBe(3);
    // The web app shows "Chờ máy trạm biên {edge name}": the command names the edge it waits for.
    expect((await province.registry.commandsOfRun(runId)).map((c) => c.edgeName)).toEqual(Array(3).fill('Máy trạm biên Bát Xát'));
    const file = (await bundle()).file;
    expect((await apply(file)).applied.commands).toEqual({ queued: 3, expired: 0, present: 0, cancelled: 0 });
    await waitFor('every board answered at the edge', async () => (await Promise.all((await province.registry.commandsOfRun(runId)).map((c) => edge.registry.command(c.id)))).every((c) => c && ['succeeded', 'failed'].includes(c.state)));
    // The same bundle again queues nothing twice.
    expect((await apply(file)).applied.commands).toEqual({ queued: 0, expired: 0, present: 3, cancelled: 0 });
    const up = await bringUp();
    expect(up.outcomes).toBe(3);
    const progress = await province.registry.runProgress(runId);
    expect(progress).toMatchObject({ total: 3, succeeded: 2, failed: 1, queued: 0 });
    const failed = (await province.registry.commandsOfRun(runId)).find((c) => c.state === 'failed')!;
    expect(failed).toMatchObject({ deviceId: 'bx-board-3', resultMessage: 'nguồn hdmi1 không có tín hiệu' });
    for (const b of boards) expect(b.got).toHaveLength(1);
    // The same outcomes brought up again change nothing.
    expect((await bringUp()).outcomes).toBe(0);
  });

  it('a bundle with one changed byte, one made for another edge, a cut one and one older than the applied one are each refused, and nothing changes at the edge', async () => {
    const older = (await bundle()).file;
    const newer = (await bundle()).file;
    expect(await refusal(newer)).toBe('applied');
    const before = await edgeState(edge.registry);
    const changed = Buffer.from(newer);
    changed[changed.length - 40]! ^= 0x01;
    const header = Buffer.from(newer);
    header[30]! ^= 0x01;
    expect(await refusal(changed)).toBe('EDUFLEET_ERR_EDGE_BUNDLE_TAMPERED');
    expect(await refusal(header)).toMatch(/^EDUFLEET_ERR_EDGE_BUNDLE_(TAMPERED|FILE)$/);
    expect(await refusal(newer.subarray(0, newer.length - 100))).toBe('EDUFLEET_ERR_EDGE_BUNDLE_TRUNCATED');
    expect(await refusal((await bundle(OTHER)).file)).toBe('EDUFLEET_ERR_EDGE_BUNDLE_FOREIGN');
    expect(await refusal(older)).toBe('EDUFLEET_ERR_EDGE_BUNDLE_OLD');
    expect(await refusal(Buffer.from('not a bundle'))).toBe('EDUFLEET_ERR_EDGE_BUNDLE_FILE');
    await expect(applyBundle(edge.registry, (await bundle()).file, { dataDir: edge.dir, now: Date.now(), expectFingerprint: '0000 0000' })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_EDGE_BUNDLE_SIGNATURE' });
    expect(await edgeState(edge.registry)).toEqual(before);
  });

  it('a device revoked at the province is refused at the edge after the bundle is applied, and a new device added at the province can connect there', async () => {
    const revoked = boards.find((b) => b.id === 'bx-board-1')!;
    await province.registry.revokeDevice('bx-board-1');
    const rotatedOld = secrets.get('bx-tablet-1')!;
    const rotatedNew = await province.registry.rotateSecret('bx-tablet-1');
    const room = (await province.registry.rooms()).find((r) => r.code === 'P10A1')!;
    secrets.set('bx-board-4', (await province.registry.addDevice({ id: 'bx-board-4', kind: 'board', roomId: room.id })).secret!);
    expect(await refusalCode(edge.mqttUrl, 'bx-board-4', 'bx-board-4', secrets.get('bx-board-4')!)).not.toBe('accepted');
    expect((await apply((await bundle()).file)).applied.devices).toEqual({ added: 1, changed: 2, revoked: 0 });
    await waitFor('the revoked board disconnected at the edge', () => !revoked.client.connected);
    expect(await refusalCode(edge.mqttUrl, 'bx-board-1', 'bx-board-1', secrets.get('bx-board-1')!)).not.toBe('accepted');
    expect(await refusalCode(edge.mqttUrl, 'bx-tablet-1', 'bx-tablet-1', rotatedOld)).not.toBe('accepted');
    expect(await refusalCode(edge.mqttUrl, 'bx-tablet-1', 'bx-tablet-1', rotatedNew)).toBe('accepted');
    expect(await refusalCode(edge.mqttUrl, 'bx-board-4', 'bx-board-4', secrets.get('bx-board-4')!)).toBe('accepted');
  });

  it('a command whose expiry passed while the bundle travelled is reported expired at the province', async () => {
    const now = Date.now();
    const [id] = await province.registry.enqueueCommands([{ deviceId: 'bx-board-2', name: 'volume', args: { level: 30 }, createdAt: now, expiresAt: now + 300, origin: { by: 'user', username: 'admin' } }]);
    const file = (await bundle()).file;
    await waitFor('the command\'s expiry to pass on the way', () => Date.now() > now + 300);
    // The province leaves its expiry to the edge.
    expect(await province.registry.expireCommands(Date.now())).not.toContain(id);
    expect((await apply(file)).applied.commands).toMatchObject({ expired: 1, queued: 0 });
    expect((await edge.registry.command(id!))?.state).toBe('expired');
    expect((await bringUp()).outcomes).toBe(1);
    expect(await province.registry.command(id!)).toMatchObject({ state: 'expired', resultOk: null });
  });

  it('`edufleet edge bundle` at the province prints the key\'s fingerprint, and `edufleet edge apply` at the edge refuses another one and applies with it', async () => {
    const cli = (dataDir: string, args: string[]) => run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dataDir, ...args], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn' } });
    const file = path.join(files, 'bat-xat.efb');
    const made = JSON.parse((await cli(province.dir, ['edge', 'bundle', '--site', SITE, '--out', file, '--json'])).stdout) as { version: number; fingerprint: string; devices: number };
    expect(made.fingerprint).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){4}$/);
    const refused = await cli(edge.dir, ['edge', 'apply', file, '--province-fingerprint', '0000 0000 0000 0000 0000']).then(() => '', (err: { stderr: string }) => err.stderr);
    expect(refused).toContain('EDUFLEET_ERR_EDGE_BUNDLE_SIGNATURE');
    const applied = (await cli(edge.dir, ['edge', 'apply', file, '--province-fingerprint', made.fingerprint])).stdout;
    expect(applied).toContain(`bundle v${made.version}: devices`);
    expect(await edge.registry.edgeSlices.meta<number>(EDGE_META.version)).toBe(made.version);
  });

  it('an admin downloads the next bundle of an edge from the web app, and a technician may not', async () => {
    await province.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    const admin = new ApiClient(province.dashboard!.url);
    const tech = new ApiClient(province.dashboard!.url);
    await admin.login('admin', PASSWORD);
    await tech.login('kt-batxat', PASSWORD);
    const id = (await edgeOfSite(province.registry, SITE)).id;
    expect((await tech.request('GET', `/api/edges/${id}/bundle`)).status).toBe(403);
    const res = await fetch(`${admin.base}/api/edges/${id}/bundle`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`attachment; filename="${id}-v\\d+\\.efb"`));
    const a = await apply(Buffer.from(await res.arrayBuffer()));
    expect(a.applied.version).toBe(await edge.registry.edgeSlices.meta<number>(EDGE_META.version));
    expect((await admin.request('GET', '/api/edges/edge-0000000000000000/bundle')).status).toBe(404);
  });

  it('the province wins for registry data while what the edge made itself stays', async () => {
    await edge.registry.updateDevice('bx-board-2', { name: 'Tên sửa tại trường' });
    await edge.registry.addMaintenance('bx-board-2', 'kt-batxat', 'Thay cáp HDMI', Date.now());
    const [local] = await edge.registry.enqueueCommands([{ deviceId: 'bx-board-2', name: 'volume', args: { level: 10 }, createdAt: Date.now(), expiresAt: Date.now() + 3_600_000, origin: { by: 'user', username: 'kt-batxat' } }]);
    await apply((await bundle()).file);
    expect((await edge.registry.device('bx-board-2'))?.name).toBe('Thiết bị bx-board-2');
    expect((await edge.registry.maintenance('bx-board-2')).map((m) => m.text)).toContain('Thay cáp HDMI');
    expect(await edge.registry.command(local!)).toBeDefined();
    // A local command's outcome stays at the edge: only the province's commands travel up.
    expect((await edge.registry.edgeSlices.provinceOutcomes(undefined, 1000)).map((o) => o.id)).not.toContain(local);
  });
});
