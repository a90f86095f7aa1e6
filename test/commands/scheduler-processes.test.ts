/**
 * Two real processes, each with its Scheduler, against one registry (one SQLite file, one PostgreSQL database),
 * ticking at the same fire times: each fire makes exactly one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../commands/index.js';
import { loadConfig } from '../../config/index.js';
import { can } from '../../dashboard/server/scope.js';
import { createLogger } from '../../lib/logger.js';
import { ENGINES, useEngines } from '../helpers/engines.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scheduler-child.ts');
const engines = useEngines();
const children: ChildProcess[] = [];
afterAll(() => { for (const c of children) c.kill(); });
const vn = (date: string, hhmm: string, s = 0) => Date.parse(`${date}T${hhmm}:${String(s).padStart(2, '0')}+07:00`);

function otherProcess(dataDir: string, url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error('the scheduler process ended');
    return r.value;
  };
  const say = async (line: string): Promise<string> => {
    child.stdin!.write(`${line}\n`);
    const answer = await next();
    if (!answer.startsWith('ok ')) throw new Error(answer);
    return answer.slice(3);
  };
  return { ready: next(), say, end: () => child.stdin!.end() };
}

describe.each(ENGINES)('schedules fired by two processes on %s', (engine) => {
  it('makes exactly one run per fire time, whichever process claims it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scheduler-processes-'));
    const url = await engines.url(engine);
    const reg = await engines.store(url, dir);
    const school = (await reg.ensureSchool({ code: 'LC-THPT-CHUYEN', name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: null })).id;
    const room = await reg.ensureRoom({ siteId: (await reg.ensureSite({ schoolId: school, name: 'Điểm chính' })).id, code: '10A1', name: 'Phòng 10A1', type: 'smart_classroom' });
    await reg.addDevices([1, 2, 3].map((i) => ({ kind: 'board' as const, roomId: room.id, name: `Bảng ${i}` })));
    await reg.addUser({ username: 'kythuat.a', password: 'mật-khẩu-đủ-dài', role: 'technician', scope: { schoolIds: [school] } });
    let now = vn('2026-03-16', '12:00');
    const schedule = await reg.createSchedule({
      schoolId: school, name: 'Bảng chờ cuối ngày', target: { type: 'school', id: String(school), kind: 'board' }, command: 'power', args: { state: 'standby' },
      days: [1, 2, 3, 4, 5, 6], at: '17:30', skipHolidays: false, enabled: true, ratePerMin: null, abortFailedPct: null,
    }, 'kythuat.a', now);

    const other = otherProcess(dir, url);
    expect(await other.ready).toBe('ready');
    const mine = new Scheduler({
      config: loadConfig({ env: {}, overrides: { dataDir: dir, logLevel: 'silent', commands: { scheduleReloadMs: 3_600_000 } } }),
      registry: reg, clock: { now: () => now }, log: createLogger('silent'), mayCommand: (user, place) => can(user, 'commands.send', place),
    });
    await mine.start();
    const theirs = await other.say(`start ${now}`);
    const days = ['2026-03-16', '2026-03-17', '2026-03-18', '2026-03-19', '2026-03-20', '2026-03-21'];
    try {
      for (const day of days) {
        now = vn(day, '17:30', 2);
        await Promise.all([mine.tick(), other.say(`tick ${now}`)]);
      }
    } finally {
      await mine.stop();
      other.end();
    }
    const runs = (await reg.listRuns({ limit: 100 })).filter((r) => r.scheduleId === schedule.id);
    expect(runs).toHaveLength(days.length);
    const fires = await reg.scheduleFires(schedule.id);
    expect(fires.map((f) => [f.fireAt, f.state])).toEqual([...days].reverse().map((d) => [vn(d, '17:30'), 'done']));
    for (const f of fires) expect([mine.owner, theirs]).toContain(f.claimedBy);
    for (const r of runs) expect(await reg.commandsOfRun(r.id)).toHaveLength(3);
  });
});
