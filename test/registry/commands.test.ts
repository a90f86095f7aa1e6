/** Commands and bulk runs in the registry, on SQLite and PostgreSQL: conditional transitions, pending order, expiry, scope. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_ID_PATTERN } from '../../domain/commands.js';
import type { NewCommand, RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const engines = useEngines();
const T0 = Date.UTC(2025, 2, 4, 10, 30); // 17:30 in Hà Nội
const MIN = 60_000;
const USER = { by: 'user', username: 'kythuat.a' } as const;

describe.each(ENGINES)('commands on %s', (engine) => {
  let reg: RegistryStore;
  let a: { district: number; school: number; boards: string[]; tablet: string };
  let b: { school: number; board: string };
  const cmd = (deviceId: string, o: Partial<NewCommand> = {}): NewCommand => ({
    deviceId, name: 'board.power', args: { mode: 'standby' }, createdAt: T0, expiresAt: T0 + 10 * MIN, origin: USER, ...o,
  });

  beforeAll(async () => {
    reg = await engines.open(engine, mkdtempSync(join(tmpdir(), 'commands-')));
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    const sa = await reg.ensureSchool({ code: 'A', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: d.id });
    const sb = await reg.ensureSchool({ code: 'B', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: null });
    const ra = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: sa.id, name: 'Điểm chính' })).id, code: 'P1', name: 'Phòng 1', type: 'smart_classroom' });
    const rb = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: sb.id, name: 'Điểm chính' })).id, code: 'P1', name: 'Phòng 1', type: 'classroom' });
    const added = await reg.addDevices([
      ...Array.from({ length: 5 }, (_, i) => ({ kind: 'board', roomId: ra.id, name: `Bảng ${i + 1}` })),
      { kind: 'tablet', roomId: ra.id, name: 'Máy tính bảng 01' }, { kind: 'board', roomId: rb.id, name: 'Bảng B' },
    ]);
    const ids = added.map((x) => x.device.id);
    a = { district: d.id, school: sa.id, boards: ids.slice(0, 5), tablet: ids[5]! };
    b = { school: sb.id, board: ids[6]! };
  });

  it('enqueues many devices in one call, with valid ids, each command queued in its device school', async () => {
    const ids = await reg.enqueueCommands([...a.boards, b.board].map((d) => cmd(d)));
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(id).toMatch(COMMAND_ID_PATTERN);
    const first = await reg.command(ids[0]!);
    expect(first).toMatchObject({ deviceId: a.boards[0], schoolId: a.school, state: 'queued', stateAt: T0, args: { mode: 'standby' }, attempts: 0, origin: USER, runId: null });
    expect((await reg.command(ids[5]!))!.schoolId).toBe(b.school);
    await expect(reg.enqueueCommands([cmd(a.tablet), cmd('no-such-device')])).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    expect(await reg.commandsOfDevice(a.tablet)).toEqual([]); // all or nothing
    await expect(reg.enqueueCommands([cmd(a.tablet, { id: 'bad/id+' })])).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
  });

  it('moves a command queued → sent → delivered → succeeded, each step once', async () => {
    const [id] = await reg.enqueueCommands([cmd(a.tablet, { name: 'tablet.lock', args: {} })]);
    expect(await reg.markCommandDelivered(id!, T0 + 1)).toBe(false); // not sent yet
    expect(await reg.finishCommand(id!, true, null, T0 + 1)).toBe(false);
    expect(await reg.markCommandSent(id!, T0 + 1000)).toBe(true);
    expect(await reg.markCommandSent(id!, T0 + 1001)).toBe(false);
    expect(await reg.markCommandResent(id!, T0 + 2000)).toBe(true);
    expect(await reg.markCommandDelivered(id!, T0 + 3000)).toBe(true);
    expect(await reg.markCommandDelivered(id!, T0 + 3001)).toBe(false);
    expect(await reg.cancelCommand(id!, 'kythuat.a', T0 + 3500)).toBe(false); // the device has it
    expect(await reg.finishCommand(id!, true, 'Đã khóa', T0 + 4000)).toBe(true);
    expect(await reg.finishCommand(id!, false, 'again', T0 + 4001)).toBe(false);
    expect(await reg.command(id!)).toMatchObject({ state: 'succeeded', sentAt: T0 + 2000, deliveredAt: T0 + 3000, finishedAt: T0 + 4000, resultOk: true, resultMessage: 'Đã khóa', attempts: 2 });
  });

  it('takes a result that overtakes the PUBACK, and a failure with its message', async () => {
    const [x, y] = await reg.enqueueCommands([cmd(a.tablet, { name: 'tablet.ring' }), cmd(a.tablet, { name: 'tablet.ring' })]);
    await reg.markCommandSent(x!, T0 + 1);
    expect(await reg.finishCommand(x!, false, 'loa hỏng', T0 + 2)).toBe(true);
    expect(await reg.markCommandDelivered(x!, T0 + 3)).toBe(false);
    expect(await reg.command(x!)).toMatchObject({ state: 'failed', resultOk: false, resultMessage: 'loa hỏng', deliveredAt: null });
    expect(await reg.cancelCommand(y!, 'kythuat.a', T0 + 5)).toBe(true);
    expect(await reg.cancelCommand(y!, 'kythuat.a', T0 + 6)).toBe(false);
    expect(await reg.markCommandSent(y!, T0 + 7)).toBe(false);
    expect(await reg.command(y!)).toMatchObject({ state: 'cancelled', cancelledBy: 'kythuat.a', finishedAt: T0 + 5 });
  });

  it('cancels a sent but undelivered command', async () => {
    const [id] = await reg.enqueueCommands([cmd(a.tablet)]);
    await reg.markCommandSent(id!, T0 + 1);
    expect(await reg.cancelCommand(id!, 'admin', T0 + 2)).toBe(true);
    expect(await reg.finishCommand(id!, true, null, T0 + 3)).toBe(false);
    expect((await reg.command(id!))!.state).toBe('cancelled');
  });

  it('lists what waits for a device oldest first, without expired or final commands, and expires only what ran out', async () => {
    const dev = a.boards[4]!;
    const before = (await reg.pendingCommands(dev, T0)).map((c) => c.id); // one queued by the first test
    const [late] = await reg.enqueueCommands([cmd(dev, { name: 'late', createdAt: T0 + 20, expiresAt: T0 + 60 * MIN })]);
    const [early] = await reg.enqueueCommands([cmd(dev, { name: 'early', createdAt: T0 + 10, expiresAt: T0 + 2 * MIN })]);
    const [sent] = await reg.enqueueCommands([cmd(dev, { name: 'sent', createdAt: T0 + 15, expiresAt: T0 + 60 * MIN })]);
    const [delivered] = await reg.enqueueCommands([cmd(dev, { name: 'delivered', createdAt: T0 + 16, expiresAt: T0 + MIN })]);
    await reg.markCommandSent(sent!, T0 + 30);
    await reg.markCommandSent(delivered!, T0 + 30);
    await reg.markCommandDelivered(delivered!, T0 + 31);
    expect((await reg.pendingCommands(dev, T0 + 100)).map((c) => c.id)).toEqual([...before, early, sent, late]);
    expect((await reg.pendingCommands(dev, T0 + 3 * MIN)).map((c) => c.id)).toEqual([...before, sent, late]);
    // A queued command past its time to live is not sent even before the sweep runs.
    expect(await reg.markCommandSent(early!, T0 + 3 * MIN)).toBe(false);

    const expired = await reg.expireCommands(T0 + 3 * MIN);
    expect(expired).toContain(early);
    expect(expired).not.toContain(late);
    expect(expired).toContain(delivered); // delivered but never answered in its time to live
    expect(await reg.expireCommands(T0 + 3 * MIN)).toEqual([]);
    expect(await reg.command(early!)).toMatchObject({ state: 'expired', finishedAt: T0 + 3 * MIN });
    expect(await reg.command(delivered!)).toMatchObject({ state: 'expired', deliveredAt: T0 + 31, finishedAt: T0 + 3 * MIN });

    const swept = await reg.expireCommands(T0 + 61 * MIN); // also what earlier tests left queued
    expect(swept).toEqual(expect.arrayContaining([late, sent, ...before]));
    expect(swept).not.toContain(delivered);
    expect(await reg.finishCommand(sent!, true, 'muộn', T0 + 62 * MIN)).toBe(false); // a result after expiry
    expect(await reg.cancelCommand(late!, 'admin', T0 + 62 * MIN)).toBe(false);
    expect(await reg.command(sent!)).toMatchObject({ state: 'expired', resultOk: null });
    expect(await reg.pendingCommands(dev, T0 + 62 * MIN)).toEqual([]);
  });

  it('lists a device history newest first, limited and scoped', async () => {
    const dev = a.boards[3]!;
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(...await reg.enqueueCommands([cmd(dev, { name: `n${i}`, createdAt: T0 + i * 1000, expiresAt: T0 + 9e6 })]));
    const all = await reg.commandsOfDevice(dev);
    expect(all.slice(0, 3).map((c) => c.name)).toEqual(['n3', 'n2', 'n1']);
    expect((await reg.commandsOfDevice(dev, { limit: 2 })).map((c) => c.name)).toEqual(['n3', 'n2']);
    expect(await reg.commandsOfDevice(dev, { scope: { schoolIds: [b.school] } })).toEqual([]);
    expect(await reg.commandsOfDevice(dev, { scope: { districtIds: [a.district] } })).toHaveLength(all.length);
    expect(await reg.command(ids[0]!, { schoolIds: [b.school] })).toBeUndefined();
    expect((await reg.command(ids[0]!, { schoolIds: [a.school] }))!.name).toBe('n1');
  });

  it('groups a bulk run, counts its progress per state, and ends it once', async () => {
    const runId = await reg.createRun({
      name: 'board.power', args: { mode: 'standby' }, target: { type: 'school', id: String(a.school) }, schoolId: a.school, districtId: a.district,
      origin: { by: 'schedule', scheduleId: 7 }, createdAt: T0, ratePerMin: 60, abortFailedPct: 20,
    });
    const ids = await reg.enqueueCommands(a.boards.map((d) => cmd(d, { runId, origin: { by: 'schedule', scheduleId: 7 } })));
    await reg.markCommandSent(ids[0]!, T0 + 1);
    await reg.markCommandSent(ids[1]!, T0 + 1);
    await reg.markCommandSent(ids[2]!, T0 + 1);
    await reg.finishCommand(ids[0]!, true, null, T0 + 2);
    await reg.markCommandDelivered(ids[1]!, T0 + 2);
    await reg.finishCommand(ids[2]!, false, 'lỗi', T0 + 2);
    expect(await reg.runProgress(runId)).toEqual({ total: 5, queued: 2, sent: 0, delivered: 1, succeeded: 1, failed: 1, expired: 0, cancelled: 0 });
    expect((await reg.commandsOfRun(runId)).map((c) => c.deviceId)).toEqual([...a.boards].sort());
    expect((await reg.commandsOfRun(runId, { state: 'failed' })).map((c) => c.id)).toEqual([ids[2]]);
    expect(await reg.commandsOfRun(runId, { scope: { schoolIds: [b.school] } })).toEqual([]);
    expect(await reg.commandRun(runId)).toMatchObject({ state: 'running', target: { type: 'school', id: String(a.school) }, ratePerMin: 60, abortFailedPct: 20, origin: { by: 'schedule', scheduleId: 7 } });

    expect(await reg.abortRun(runId, 'quá 20 % thất bại', T0 + 3)).toBe(true);
    expect(await reg.abortRun(runId, 'again', T0 + 4)).toBe(false);
    expect(await reg.finishRun(runId, T0 + 4)).toBe(false);
    expect(await reg.cancelRun(runId, 'admin', T0 + 4)).toBe(false);
    expect(await reg.commandRun(runId)).toMatchObject({ state: 'aborted', endedAt: T0 + 3, endReason: 'quá 20 % thất bại' });
    // The abort cancels what was not sent yet; what the devices have keeps going.
    expect(await reg.runProgress(runId)).toMatchObject({ total: 5, queued: 0, cancelled: 2, delivered: 1 });
    expect(await reg.finishCommand(ids[1]!, true, null, T0 + 5)).toBe(true);
  });

  it('cancels a run with its undelivered commands, finishes another, and scopes runs', async () => {
    const base = { name: 'tablet.lock', args: {}, origin: USER, createdAt: T0 + 100 } as const;
    const r1 = await reg.createRun({ ...base, target: { type: 'room', id: '1' }, schoolId: a.school, districtId: a.district });
    const [q, s, d] = await reg.enqueueCommands([a.boards[0]!, a.boards[1]!, a.boards[2]!].map((dev) => cmd(dev, { runId: r1 })));
    await reg.markCommandSent(s!, T0 + 1);
    await reg.markCommandSent(d!, T0 + 1);
    await reg.markCommandDelivered(d!, T0 + 2);
    expect(await reg.cancelRun(r1, 'kythuat.a', T0 + 3)).toBe(true);
    expect([(await reg.command(q!))!.state, (await reg.command(s!))!.state, (await reg.command(d!))!.state]).toEqual(['cancelled', 'cancelled', 'delivered']);
    const r2 = await reg.createRun({ ...base, createdAt: T0 + 200, target: { type: 'school', id: String(b.school) }, schoolId: b.school, districtId: null });
    expect(await reg.finishRun(r2, T0 + 300)).toBe(true);
    expect(await reg.finishRun(r2, T0 + 301)).toBe(false);
    const r3 = await reg.createRun({ ...base, createdAt: T0 + 300, target: { type: 'district', id: String(a.district) }, schoolId: null, districtId: a.district });
    const r4 = await reg.createRun({ ...base, createdAt: T0 + 400, target: { type: 'kind', id: 'tablet' }, schoolId: null, districtId: null });
    expect((await reg.listRuns()).slice(0, 4).map((r) => r.id)).toEqual([r4, r3, r2, r1]);
    expect((await reg.listRuns({ scope: { schoolIds: [b.school] } })).map((r) => r.id)).toEqual([r2]);
    const inDistrict = (await reg.listRuns({ scope: { districtIds: [a.district] } })).map((r) => r.id);
    expect(inDistrict).toContain(r3);
    expect(inDistrict).toContain(r1);
    expect(inDistrict).not.toContain(r2);
    expect(inDistrict).not.toContain(r4);
    expect((await reg.listRuns({ state: 'done' })).map((r) => r.id)).toEqual([r2]);
    expect(await reg.commandRun(r4, { schoolIds: [a.school] })).toBeUndefined();
    await expect(reg.createRun({ ...base, target: { type: 'kind', id: 'x' }, schoolId: null, districtId: null, ratePerMin: 0 })).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
  });

  it('stores a run of a school of 600 devices in one call, and expires them in one sweep', async () => {
    const room = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: b.school, name: 'Điểm phụ' })).id, code: 'HT', name: 'Hội trường', type: 'classroom' });
    const devices = (await reg.addDevices(Array.from({ length: 600 }, (_, i) => ({ kind: 'tablet', roomId: room.id, name: `Máy ${i + 1}`, issueSecret: false }))))
      .map((x) => x.device.id);
    const runId = await reg.createRun({ name: 'tablet.lock', args: {}, target: { type: 'school', id: String(b.school) }, schoolId: b.school, districtId: null, origin: USER, createdAt: T0 + 5 * MIN });
    const ids = await reg.enqueueCommands(devices.map((d) => cmd(d, { runId, name: 'tablet.lock', args: {}, createdAt: T0 + 5 * MIN, expiresAt: T0 + 90 * MIN })));
    expect(new Set(ids).size).toBe(600);
    expect(await reg.runProgress(runId)).toMatchObject({ total: 600, queued: 600 });
    expect((await reg.commandsOfRun(runId, { scope: { schoolIds: [b.school] } }))).toHaveLength(600);
    const swept = new Set(await reg.expireCommands(T0 + 90 * MIN));
    expect(ids.every((id) => swept.has(id))).toBe(true);
    expect(await reg.runProgress(runId)).toMatchObject({ total: 600, expired: 600, queued: 0 });
  });
});
