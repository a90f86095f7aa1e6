/** The people's side of alerts in the registry, on SQLite and PostgreSQL: inbox order, filters, scope, acks, silences. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { insertAlert } from '../helpers/alerts-seed.js';

const engines = useEngines();
const T0 = Date.UTC(2025, 2, 4, 2, 30); // 09:30 in Hà Nội, a teaching Tuesday

describe.each(ENGINES)('alert views on %s', (engine) => {
  let reg: RegistryStore;
  let a: { school: number; room: number; room2: number; board: string; tablet: string; sensor: string };
  let b: { school: number; room: number; board: string };
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    reg = await engines.open(engine, mkdtempSync(join(tmpdir(), 'alert-views-')));
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    const sa = await reg.ensureSchool({ code: 'A', name: 'Trường THCS Cốc Lếu', level: 'thcs', districtId: d.id });
    const sb = await reg.ensureSchool({ code: 'B', name: 'Trường THPT Số 1', level: 'thpt', districtId: null });
    const siteA = await reg.ensureSite({ schoolId: sa.id, name: 'Điểm chính' });
    const siteB = await reg.ensureSite({ schoolId: sb.id, name: 'Điểm chính' });
    const ra = await reg.ensureRoom({ siteId: siteA.id, code: 'P1', name: 'Phòng 1', type: 'smart_classroom' });
    const ra2 = await reg.ensureRoom({ siteId: siteA.id, code: 'P2', name: 'Phòng 2', type: 'lab' });
    const rb = await reg.ensureRoom({ siteId: siteB.id, code: 'P1', name: 'Phòng B1', type: 'classroom' });
    const add = async (kind: string, roomId: number, name: string) => (await reg.addDevice({ kind, roomId, name })).device.id;
    a = { school: sa.id, room: ra.id, room2: ra2.id, board: await add('board', ra.id, 'Bảng 86 inch'), tablet: await add('tablet', ra.id, 'Máy tính bảng 01'), sensor: await add('sensor', ra2.id, 'Cảm biến') };
    b = { school: sb.id, room: rb.id, board: await add('board', rb.id, 'Bảng B') };
    ids.warnOld = await insertAlert(reg, { rule: 'low_battery', deviceId: a.tablet, schoolId: a.school, roomId: a.room, severity: 'warning', value: 12, startedAt: T0 - 3600_000 });
    ids.critNew = await insertAlert(reg, { deviceId: a.board, schoolId: a.school, roomId: a.room, value: 64, startedAt: T0 - 60_000 });
    ids.critOld = await insertAlert(reg, { rule: 'offline_school_hours', deviceId: a.sensor, schoolId: a.school, roomId: a.room2, startedAt: T0 - 7200_000 });
    ids.pending = await insertAlert(reg, { rule: 'co2_high', deviceId: a.sensor, schoolId: a.school, roomId: a.room2, severity: 'warning', state: 'pending', startedAt: T0 - 10 });
    ids.resolved = await insertAlert(reg, { rule: 'clock_skew', deviceId: a.board, schoolId: a.school, roomId: a.room, severity: 'warning', state: 'resolved', startedAt: T0 - 9e6 });
    ids.other = await insertAlert(reg, { deviceId: b.board, schoolId: b.school, roomId: b.room, startedAt: T0 - 5000 });
  });

  it('lists open alerts worst and oldest first, with names, and filters them', async () => {
    const all = await reg.listAlerts({}, undefined, T0);
    expect(all.alerts.map((x) => x.id)).toEqual([ids.critOld, ids.critNew, ids.other, ids.warnOld, ids.pending]);
    expect(all.total).toBe(5);
    const first = all.alerts[0]!;
    expect(first).toMatchObject({ deviceName: 'Cảm biến', roomName: 'Phòng 2', schoolName: 'Trường THCS Cốc Lếu', kind: 'sensor', silenced: false });
    expect((await reg.listAlerts({ state: 'resolved' }, undefined, T0)).alerts.map((x) => x.id)).toEqual([ids.resolved]);
    expect((await reg.listAlerts({ state: 'all' }, undefined, T0)).total).toBe(6);
    expect((await reg.listAlerts({ severity: 'warning' }, undefined, T0)).alerts.map((x) => x.id)).toEqual([ids.warnOld, ids.pending]);
    expect((await reg.listAlerts({ kind: 'board' }, undefined, T0)).alerts.map((x) => x.id)).toEqual([ids.critNew, ids.other]);
    expect((await reg.listAlerts({ roomId: a.room2 }, undefined, T0)).total).toBe(2);
    expect((await reg.listAlerts({ rule: 'low_battery' }, undefined, T0)).alerts[0]!.value).toBe(12);
    const page = await reg.listAlerts({ limit: 2, offset: 2 }, undefined, T0);
    expect(page.alerts.map((x) => x.id)).toEqual([ids.other, ids.warnOld]);
    expect(page.total).toBe(5);
  });

  it('keeps another school out of a scoped list', async () => {
    const scoped = await reg.listAlerts({ state: 'all' }, { schoolIds: [a.school] }, T0);
    expect(scoped.alerts.every((x) => x.schoolId === a.school)).toBe(true);
    expect(scoped.total).toBe(5);
    expect((await reg.listAlerts({}, { schoolIds: [b.school] }, T0)).alerts.map((x) => x.id)).toEqual([ids.other]);
  });

  it('acknowledges once (conditional), keeping who, when and the comment in the alert and its history', async () => {
    const first = await reg.acknowledgeAlert(ids.critNew!, { byUser: 'ktv', comment: 'Đang kiểm tra quạt', at: T0 + 1000 });
    expect(first?.before).toBe('firing');
    expect(first?.alert).toMatchObject({ state: 'acknowledged', ackedBy: 'ktv', ackedAt: T0 + 1000, ackComment: 'Đang kiểm tra quạt', updatedAt: T0 + 1000 });
    expect(await reg.acknowledgeAlert(ids.critNew!, { byUser: 'other', comment: null, at: T0 + 2000 })).toBeUndefined();
    expect(await reg.acknowledgeAlert(ids.resolved!, { byUser: 'ktv', comment: null, at: T0 + 2000 })).toBeUndefined();
    const d = await reg.alertDetail(ids.critNew!, T0);
    expect(d?.alert.ackedBy).toBe('ktv');
    expect(d?.history.map((h) => [h.state, h.byUser, h.comment])).toEqual([['firing', null, null], ['acknowledged', 'ktv', 'Đang kiểm tra quạt']]);
    // Acknowledged sorts after every pending and firing alert.
    const list = (await reg.listAlerts({ schoolId: a.school }, undefined, T0)).alerts.map((x) => x.id);
    expect(list.indexOf(ids.critNew!)).toBeGreaterThan(list.indexOf(ids.pending!));
  });

  it('resolves by hand with who and why, once', async () => {
    const r = await reg.resolveAlert(ids.warnOld!, { byUser: 'ktv', reason: 'Đã thay pin', at: T0 + 3000 });
    expect(r?.alert).toMatchObject({ state: 'resolved', resolvedBy: 'ktv', resolveReason: 'Đã thay pin' });
    expect(await reg.resolveAlert(ids.warnOld!, { byUser: 'ktv', reason: 'lại', at: T0 + 4000 })).toBeUndefined();
  });

  it('lists changes after a cursor for the live push', async () => {
    const changed = await reg.alertsChangedSince(T0 + 500, T0);
    expect(changed.map((x) => x.id).sort()).toEqual([ids.critNew, ids.warnOld].sort());
  });

  it('flags alerts covered by a device, room or school silence while it lasts, and lists and ends silences', async () => {
    const flagged = async (at: number) => (await reg.listAlerts({ state: 'all' }, undefined, at)).alerts.filter((x) => x.silenced).map((x) => x.id).sort();
    const dev = await reg.createSilence({ targetType: 'device', targetId: a.board, until: T0 + 60_000, reason: 'Đang sửa', byUser: 'ktv', at: T0 });
    expect(dev).toMatchObject({ targetName: 'Bảng 86 inch', schoolId: a.school, endedAt: null });
    // The open alert it covers records the silence in its history; a resolved one is left alone.
    expect((await reg.alertDetail(ids.critNew!, T0))?.history.find((h) => h.state === 'silenced')).toEqual({ at: T0, state: 'silenced', byUser: 'ktv', comment: 'Đang sửa' });
    expect((await reg.alertDetail(ids.resolved!, T0))?.history.map((h) => h.state)).not.toContain('silenced');
    expect(await flagged(T0 + 1)).toEqual([ids.critNew, ids.resolved].sort());
    expect(await flagged(T0 + 60_001)).toEqual([]); // expired by itself
    const room = await reg.createSilence({ targetType: 'room', targetId: String(a.room2), until: T0 + 60_000, reason: 'Thi', byUser: 'ktv', at: T0 });
    expect(room.targetName).toBe('Phòng 2');
    expect(await flagged(T0 + 1)).toEqual([ids.critNew, ids.resolved, ids.critOld, ids.pending].sort());
    await reg.createSilence({ targetType: 'school', targetId: String(b.school), until: T0 + 60_000, reason: 'Nghỉ', byUser: 'admin', at: T0 });
    expect(await flagged(T0 + 1)).toContain(ids.other);
    expect((await reg.listSilences({ schoolIds: [a.school] }, T0 + 1)).map((s) => s.id)).toEqual([room.id, dev.id]);
    await expect(reg.createSilence({ targetType: 'device', targetId: a.board, until: T0 - 1, reason: 'x', byUser: 'ktv', at: T0 })).rejects.toThrow(/future/);
    await expect(reg.createSilence({ targetType: 'device', targetId: a.board, until: T0 + 1, reason: '  ', byUser: 'ktv', at: T0 })).rejects.toThrow(/reason/);
    const ended = await reg.endSilence(room.id, 'ktv', T0 + 10);
    expect(ended).toMatchObject({ endedAt: T0 + 10, endedBy: 'ktv' });
    expect(await flagged(T0 + 11)).toEqual([ids.critNew, ids.resolved, ids.other].sort());
    await expect(reg.endSilence(room.id, 'ktv', T0 + 20)).rejects.toThrow(/no silence/);
  });

  it('upserts rule overrides by (rule, kind, school, room type) and deletes them', async () => {
    const o = await reg.upsertRuleOverride('board_overheat', { kind: 'board', schoolId: 0, roomType: '', params: { threshold: 65, clearAt: 58 }, byUser: 'admin', at: T0 });
    const again = await reg.upsertRuleOverride('board_overheat', { kind: 'board', schoolId: 0, roomType: '', params: { threshold: 70 }, byUser: 'admin', at: T0 + 1 });
    expect(again.id).toBe(o.id);
    await reg.upsertRuleOverride('board_overheat', { kind: 'board', schoolId: a.school, roomType: '', params: { enabled: false }, byUser: 'ktv', at: T0 });
    const all = await reg.alertRuleOverrides();
    expect(all.map((x) => [x.schoolId, x.params])).toEqual([[0, { threshold: 70 }], [a.school, { enabled: false }]]);
    await reg.deleteRuleOverride(o.id);
    expect((await reg.alertRuleOverrides()).length).toBe(1);
    await expect(reg.deleteRuleOverride(o.id)).rejects.toThrow(/no rule override/);
  });
});
