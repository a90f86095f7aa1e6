/**
 * The store's side of the down bundle (registry/store/edge-slice.ts, edge-slice-apply.ts) on both engines: a province
 * registry and an edge registry, a slice read at one and applied at the other, commands of an edge site left to the
 * edge, and an edge's outcome recorded once.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBundle, edgeOfSite, makeBundle } from '../../edge/bundle.js';
import { edgeKeys } from '../../edge/keys.js';
import { registerEdge } from '../../edge/register.js';
import { EDGE_META, type RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { seedSchool, tempDir } from '../helpers/stack.js';

const SITE = 'LC-THPT-SI-MA-CAI';

describe.each(ENGINES)('the down bundle in the registry on %s', (engine) => {
  const engines = useEngines();

  const setUp = async () => {
    const dir = tempDir('edufleet-edge-slices-');
    const province = await engines.open(engine, path.join(dir, 'province'));
    const edge = await engines.open(engine, path.join(dir, 'edge'));
    const { school, site, room } = await seedSchool(province, SITE);
    await province.addDevices([{ id: 'smc-board-1', kind: 'board', roomId: room.id }, { id: 'smc-board-2', kind: 'board', roomId: room.id }]);
    await province.addUser({ username: 'kt-simacai', password: 'mật-khẩu-đủ-dài', role: 'technician', scope: { schoolIds: [school.id] } });
    await province.setTimetables(school.id, []);
    const keys = edgeKeys(path.join(dir, 'edge', 'edge'));
    await registerEdge(province, { site: SITE, name: 'Máy chủ Si Ma Cai', signKey: keys.signKey, boxKey: keys.boxKey }, { byUser: 'admin', at: Date.now() });
    const send = async (now = Date.now()) => {
      // The long form: the school gets a second site in a test below.
      const code = `${SITE}:Điểm chính`;
      const made = await makeBundle(province, await edgeOfSite(province, code), { site: code, now, byUser: 'admin' });
      return applyBundle(edge, made.file, { dataDir: path.join(dir, 'edge'), now });
    };
    return { province, edge, site, send };
  };
  const states = async (r: RegistryStore, ids: string[]) => Promise.all(ids.map(async (id) => (await r.command(id))?.state));

  it('a slice applied twice gives the same edge registry, and a device the next slice lacks is revoked there', async () => {
    const { province, edge, send } = await setUp();
    expect((await send()).applied).toMatchObject({ devices: { added: 2, changed: 0, revoked: 0 }, users: { added: 1 } });
    expect((await send()).applied).toMatchObject({ devices: { added: 0, changed: 0, revoked: 0 }, users: { added: 0, changed: 0, disabled: 0 } });
    const other = await province.ensureSite({ schoolId: (await province.school(SITE))!.id, name: 'Điểm bản Lùng Sui' });
    const room = await province.ensureRoom({ siteId: other.id, code: 'LS1', name: 'Phòng Lùng Sui', type: 'smart_classroom' });
    await province.updateDevice('smc-board-2', { roomId: room.id });
    expect((await send()).applied.devices).toEqual({ added: 0, changed: 0, revoked: 1 });
    expect((await edge.device('smc-board-2'))?.revokedAt).not.toBeNull();
    expect(await edge.edgeSlices.meta<number>(EDGE_META.version)).toBe(3);
  });

  it('the province leaves an edge site\'s commands to the edge, which queues each once and reports its expiry once', async () => {
    const { province, edge, send } = await setUp();
    await send();
    const now = Date.now();
    const ids = await province.enqueueCommands([
      { deviceId: 'smc-board-1', name: 'volume', args: { level: 20 }, createdAt: now, expiresAt: now + 3_600_000, origin: { by: 'user', username: 'admin' } },
      { deviceId: 'smc-board-2', name: 'volume', args: { level: 20 }, createdAt: now, expiresAt: now + 1000, origin: { by: 'user', username: 'admin' } },
    ]);
    expect(await province.devicesWithQueuedCommands(now + 5000)).toEqual([]);
    expect(await province.pendingCommands('smc-board-1', now)).toEqual([]);
    expect(await province.expireCommands(now + 5000)).toEqual([]);
    // Applied after the second one's expiry: stored expired at the edge, the first queued.
    expect((await send(now + 5000)).applied.commands).toEqual({ queued: 1, expired: 1, present: 0, cancelled: 0 });
    expect((await send(now + 6000)).applied.commands).toEqual({ queued: 0, expired: 0, present: 2, cancelled: 0 });
    expect(await states(edge, ids)).toEqual(['queued', 'expired']);
    const outcomes = await edge.edgeSlices.provinceOutcomes(undefined);
    expect(outcomes).toEqual([{ id: ids[1], deviceId: 'smc-board-2', state: 'expired', message: null, at: now + 5000 }]);
    expect(await edge.edgeSlices.provinceOutcomes({ at: outcomes[0]!.at, id: outcomes[0]!.id })).toEqual([]);
    // Recorded once at the province, and only for that device's command.
    expect(await province.edgeSlices.recordOutcome({ id: ids[1]!, deviceId: 'smc-board-1', state: 'expired', message: null, at: now + 7000 })).toBe(false);
    expect(await province.edgeSlices.recordOutcome({ id: ids[1]!, deviceId: 'smc-board-2', state: 'expired', message: null, at: now + 7000 })).toBe(true);
    expect(await province.edgeSlices.recordOutcome({ id: ids[1]!, deviceId: 'smc-board-2', state: 'succeeded', message: null, at: now + 8000 })).toBe(false);
    expect(await states(province, ids)).toEqual(['queued', 'expired']);
    // Cancelled at the province after it left in a bundle: the next bundle drops it at the edge, which reports it so.
    expect(await province.cancelCommand(ids[0]!, 'admin', now + 9000)).toBe(true);
    expect((await send(now + 10_000)).applied.commands).toEqual({ queued: 0, expired: 0, present: 0, cancelled: 1 });
    expect(await states(edge, ids)).toEqual(['cancelled', 'expired']);
    expect((await send(now + 11_000)).applied.commands.cancelled).toBe(0);
  });
});
