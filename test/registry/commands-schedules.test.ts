/**
 * Schedules in the registry on SQLite and PostgreSQL: CRUD in scope, and the claim of a fire, which exactly one
 * caller wins: concurrent calls on one store, two stores (PostgreSQL), and two real processes on one registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryStore, ScheduleInput } from '../../registry/index.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands-claim-child.ts');
const engines = useEngines();
const children: ChildProcess[] = [];
afterAll(() => { for (const c of children) c.kill(); });
const T0 = Date.UTC(2025, 2, 4, 10, 30); // 17:30 in Hà Nội
const DAY = 24 * 3600_000;

async function claimProcess(dataDir: string, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the claiming process ended');
    return r.value;
  };
  expect(await next()).toBe('ready');
  return {
    async claim(scheduleId: number, owner: string, fireAts: number[]): Promise<number[]> {
      child.stdin!.write(`go ${scheduleId} ${owner} ${fireAts.join(',')}\n`);
      const answer = JSON.parse(await next()) as { won?: number[]; error?: string };
      if (answer.error) throw new Error(answer.error);
      return answer.won ?? [];
    },
  };
}

describe.each(ENGINES)('schedules on %s', (engine) => {
  let reg: RegistryStore;
  let dir: string;
  let url: string;
  let a: { district: number; school: number };
  let b: { school: number };
  const input = (o: Partial<ScheduleInput> = {}): ScheduleInput => ({
    schoolId: a.school, name: 'Bảng chờ cuối ngày', target: { type: 'school', id: String(a.school) }, command: 'board.power', args: { mode: 'standby' },
    days: [6, 1, 2, 3, 4, 5], at: '17:30', skipHolidays: true, enabled: true, ...o,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'schedules-'));
    url = await engines.url(engine);
    reg = await engines.store(url, dir);
    const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
    a = { district: d.id, school: (await reg.ensureSchool({ code: 'A', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: d.id })).id };
    b = { school: (await reg.ensureSchool({ code: 'B', name: 'Trường THCS Bát Xát', level: 'thcs', districtId: null })).id };
  });

  it('creates, reads, lists in scope, updates and deletes schedules', async () => {
    const s = await reg.createSchedule(input(), 'kythuat.a', T0);
    expect(s).toMatchObject({ schoolId: a.school, days: [1, 2, 3, 4, 5, 6], at: '17:30', until: null, skipHolidays: true, enabled: true, createdBy: 'kythuat.a', createdAt: T0, lastFireAt: null, args: { mode: 'standby' } });
    const range = await reg.createSchedule(input({
      schoolId: b.school, name: 'Khóa máy tính bảng', target: { type: 'kind', id: 'tablet' }, command: 'tablet.lock', args: {}, days: [1, 2, 3, 4, 5, 6, 7],
      at: '21:00', until: { at: '06:00', command: 'tablet.unlock', args: {} }, skipHolidays: false, ratePerMin: 100, abortFailedPct: 10,
    }), 'admin', T0);
    expect(range).toMatchObject({ until: { at: '06:00', command: 'tablet.unlock', args: {} }, skipHolidays: false, ratePerMin: 100, abortFailedPct: 10 });
    expect((await reg.listSchedules()).map((x) => x.id)).toEqual([s.id, range.id]);
    expect((await reg.listSchedules({ scope: { schoolIds: [b.school] } })).map((x) => x.id)).toEqual([range.id]);
    expect((await reg.listSchedules({ scope: { districtIds: [a.district] } })).map((x) => x.id)).toEqual([s.id]);
    expect((await reg.listSchedules({ schoolId: a.school })).map((x) => x.id)).toEqual([s.id]);
    expect(await reg.schedule(s.id, { schoolIds: [b.school] })).toBeUndefined();

    const off = await reg.updateSchedule(s.id, input({ enabled: false, at: '17:45' }), T0 + 1000);
    expect(off).toMatchObject({ enabled: false, at: '17:45', updatedAt: T0 + 1000, createdAt: T0 });
    expect((await reg.listSchedules({ enabledOnly: true })).map((x) => x.id)).toEqual([range.id]);
    await reg.deleteSchedule(range.id, T0 + 2000);
    expect(await reg.schedule(range.id)).toBeUndefined();
    expect((await reg.listSchedules()).map((x) => x.id)).toEqual([s.id]);
    await expect(reg.deleteSchedule(range.id, T0 + 3000)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
    await expect(reg.updateSchedule(range.id, input(), T0 + 3000)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_NOT_FOUND' });
  });

  it('refuses a schedule it could not run', async () => {
    for (const bad of [input({ days: [] }), input({ days: [0] }), input({ days: [8] }), input({ at: '24:00' }), input({ at: '7:30' }), input({ name: ' ' }),
      input({ until: { at: '17:30', command: 'board.power', args: {} } }), input({ until: { at: '06:00', command: '', args: {} } }),
      input({ target: { type: 'planet' as 'room', id: '1' } }), input({ abortFailedPct: 0 })]) {
      await expect(reg.createSchedule(bad, 'admin', T0)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_INVALID' });
    }
  });

  it('gives a fire to exactly one claimer, records its end by its owner only, and keeps the last fire', async () => {
    const s = await reg.createSchedule(input({ name: 'claims' }), 'admin', T0);
    expect(await reg.claimFire({ scheduleId: s.id, fireAt: T0, owner: 'p1', at: T0 })).toBe(true);
    expect(await reg.claimFire({ scheduleId: s.id, fireAt: T0, owner: 'p2', at: T0 })).toBe(false);
    expect(await reg.claimFire({ scheduleId: s.id, fireAt: T0, owner: 'p1', at: T0 + 5 })).toBe(false); // a restart of p1 too
    const same = await Promise.all(['x', 'y', 'z', 'w'].map((owner) => reg.claimFire({ scheduleId: s.id, fireAt: T0 + DAY, owner, at: T0 + DAY })));
    expect(same.filter(Boolean)).toHaveLength(1);

    const runId = await reg.createRun({ name: 'board.power', args: {}, target: { type: 'school', id: String(a.school) }, schoolId: a.school, districtId: a.district, origin: { by: 'schedule', scheduleId: s.id }, createdAt: T0 });
    expect(await reg.markFire({ scheduleId: s.id, fireAt: T0, owner: 'p2', state: 'done', runId, at: T0 + 1 })).toBe(false);
    expect(await reg.markFire({ scheduleId: s.id, fireAt: T0, owner: 'p1', state: 'done', runId, at: T0 + 1 })).toBe(true);
    expect(await reg.markFire({ scheduleId: s.id, fireAt: T0, owner: 'p1', state: 'missed', at: T0 + 2 })).toBe(false);
    expect((await reg.schedule(s.id))!.lastFireAt).toBe(T0);
    // A run missed while every process was down is recorded as missed at once; it does not move the last fire.
    expect(await reg.claimFire({ scheduleId: s.id, fireAt: T0 + 2 * DAY, owner: 'p3', at: T0 + 3 * DAY, state: 'missed', note: 'ngoài thời gian cho phép' })).toBe(true);
    expect(await reg.claimFire({ scheduleId: s.id, fireAt: T0 + 2 * DAY, owner: 'p4', at: T0 + 3 * DAY })).toBe(false);
    expect((await reg.schedule(s.id))!.lastFireAt).toBe(T0);
    const list = await reg.scheduleFires(s.id);
    expect(list.map((f) => [f.fireAt, f.state])).toEqual([[T0 + 2 * DAY, 'missed'], [T0 + DAY, 'claimed'], [T0, 'done']]);
    expect(list[2]).toMatchObject({ claimedBy: 'p1', runId, doneAt: T0 + 1, part: 'at' });
    expect(list[0]).toMatchObject({ note: 'ngoài thời gian cho phép', doneAt: T0 + 3 * DAY });
  });

  it('gives each fire to one of two processes claiming at once', async () => {
    const s = await reg.createSchedule(input({ name: 'race' }), 'admin', T0);
    const times = Array.from({ length: 30 }, (_, i) => T0 + i * DAY);
    const [p, q] = await Promise.all([claimProcess(dir, url), claimProcess(dir, url)]);
    const [wonP, wonQ] = await Promise.all([p.claim(s.id, 'p', times), q.claim(s.id, 'q', times)]);
    expect([...wonP, ...wonQ].sort((x, y) => x - y)).toEqual(times);
    const owners = new Map((await reg.scheduleFires(s.id, 100)).map((f) => [f.fireAt, f.claimedBy]));
    for (const t of wonP) expect(owners.get(t)).toBe('p');
    for (const t of wonQ) expect(owners.get(t)).toBe('q');
  }, 60_000);
});

describe('schedules on two PostgreSQL stores', () => {
  it('gives a fire to one of two stores on one database', async () => {
    const url = await engines.url('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'schedules-pg-'));
    const [one, two] = [await engines.store(url, dir), await engines.store(url, dir)];
    const school = await one.ensureSchool({ code: 'A', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: null });
    const s = await one.createSchedule({ schoolId: school.id, name: 'two stores', target: { type: 'school', id: String(school.id) }, command: 'board.power',
      args: {}, days: [1, 2, 3, 4, 5], at: '17:30', skipHolidays: true, enabled: true }, 'admin', T0);
    const times = Array.from({ length: 20 }, (_, i) => T0 + i * DAY);
    const results = await Promise.all(times.flatMap((fireAt) => [one, two].map((st, i) => st.claimFire({ scheduleId: s.id, fireAt, owner: `s${i}`, at: fireAt }))));
    for (let i = 0; i < times.length; i++) expect(Number(results[2 * i]) + Number(results[2 * i + 1])).toBe(1);
  });
});
