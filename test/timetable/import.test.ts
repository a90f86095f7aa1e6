import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { importTimetables } from '../../cli/timetable-commands.js';
import { openRegistryStore } from '../../registry/index.js';
import { parseTeachingDays } from '../../timetable/import.js';
import { tempDir } from '../helpers/stack.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const HEAD = 'Mã trường,Học kỳ,Bắt đầu học kỳ,Kết thúc học kỳ,Ngày học,Buổi,Tiết,Bắt đầu,Kết thúc';
const rows = (school: string, term: string, start: string, end: string, days: string, periods: [string, number, string, string][]) =>
  periods.map(([session, no, a, b]) => `${school},${term},${start},${end},${days},${session},${no},${a},${b}`);

async function setup(csv: string[]) {
  const dir = tempDir('edufleet-tt-');
  dirs.push(dir);
  const reg = await openRegistryStore({ dataDir: dir });
  const d = await reg.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
  const a = await reg.ensureSchool({ code: 'LC-THPT-A', name: 'Trường THPT A', level: 'thpt', districtId: d.id });
  const b = await reg.ensureSchool({ code: 'LC-TH-B', name: 'Trường Tiểu học B', level: 'tieu_hoc', districtId: d.id });
  const file = path.join(dir, 'tkb.csv');
  writeFileSync(file, [HEAD, ...csv].join('\n') + '\n');
  return { dir, reg, a, b, file };
}

describe('importing the timetables of many schools', () => {
  it('reads teaching days as written on Vietnamese timetables', () => {
    expect(parseTeachingDays('T2-T7')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseTeachingDays('2-6')).toEqual([1, 2, 3, 4, 5]);
    expect(parseTeachingDays('Thứ 2, Thứ 4, CN')).toEqual([1, 3, 7]);
    expect(parseTeachingDays('T7-T2')).toBeUndefined();
    expect(parseTeachingDays('hằng ngày')).toBeUndefined();
  });

  it('reports every bad row by line, applies nothing unless asked, then only the schools whose rows are all good', async () => {
    const { reg, a, b, file } = await setup([
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T7', [['Sáng', 1, '07:00', '07:45'], ['Sáng', 2, '7h50', '08:35'], ['Chiều', 1, '13:30', '14:15']]),
      ...rows('LC-TH-B', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T6', [['Sáng', 1, '07:15', '07:50'], ['Sáng', 2, '07:55', 'trưa']]),
      ...rows('LC-KHONG-CO', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T6', [['Sáng', 1, '07:15', '07:50']]),
    ]);
    const dry = await importTimetables(reg, file, {});
    expect(dry.applied).toBe(false);
    expect(dry.refused.map((r) => r.reason)).toEqual([
      'line 6: column "Kết thúc": \'trưa\' is not a time like 07:45',
      "line 7: unknown school code 'LC-KHONG-CO'; schools must exist in the registry first",
    ]);
    expect(await reg.timetables(a.id)).toEqual([]);

    const applied = await importTimetables(reg, file, { applyValid: true });
    expect(applied).toMatchObject({ applied: true, schools: 1, terms: 1 });
    const [term] = await reg.timetables(a.id);
    expect(term).toMatchObject({ term: 'Học kỳ I 2026-2027', start: '2026-09-05', end: '2027-01-16', teachingDays: [1, 2, 3, 4, 5, 6] });
    expect(term!.periods).toEqual([
      { session: 'morning', no: 1, start: '07:00', end: '07:45' }, { session: 'morning', no: 2, start: '07:50', end: '08:35' }, { session: 'afternoon', no: 1, start: '13:30', end: '14:15' },
    ]);
    // The school year's default holidays come with it (Tết 2027 falls in the term).
    expect(term!.holidays.map((h) => h.name)).toContain('Nghỉ Tết Nguyên đán');
    expect(await reg.timetables(b.id)).toEqual([]);
    await reg.close();
  });

  it('takes a Saturday with a morning session only, and days with their own periods, from the rows as a school writes them', async () => {
    const { reg, a } = await setup([]);
    const { planTimetables } = await import('../../timetable/import.js');
    const { periodSlots, localMidnight } = await import('../../timetable/index.js');
    const csv = [HEAD,
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T7', [['Sáng', 1, '07:00', '07:45'], ['Sáng', 2, '07:50', '08:35']]),
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T6', [['Chiều', 1, '13:30', '14:15']]),
      // Monday's flag ceremony: a period of its own before the others, on Mondays only.
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2', [['Chiều', 2, '14:20', '15:05']]),
    ];
    const plan = planTimetables({ header: csv[0]!.split(','), rows: csv.slice(1).map((l, i) => ({ line: i + 2, cells: l.split(',') })) });
    expect(plan.refused).toEqual([]);
    const [term] = plan.schools.get('LC-THPT-A')!;
    expect(term!.teachingDays).toEqual([1, 2, 3, 4, 5, 6]);
    expect(term!.periods.map((p) => p.days)).toEqual([undefined, undefined, [1, 2, 3, 4, 5], [1]]);
    // Monday 2026-11-02: four periods; Tuesday: three; Saturday 2026-11-07: the two of the morning.
    const count = (date: string) => periodSlots([term!], localMidnight(date), localMidnight(date) + 86_400_000).length;
    expect([count('2026-11-02'), count('2026-11-03'), count('2026-11-07')]).toEqual([4, 3, 2]);
    await reg.setTimetables(a.id, [term!]);
    expect((await reg.timetables(a.id))[0]!.periods[3]).toEqual({ session: 'afternoon', no: 2, start: '14:20', end: '15:05', days: [1] });
    await reg.close();
  });

  it('reports each problem on the row that causes it, with its column', async () => {
    const { planTimetables } = await import('../../timetable/import.js');
    const csv = [HEAD,
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T7', [['Sáng', 1, '07:00', '07:45'], ['Sáng', 2, '07:40', '08:35']]),
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '05/09/2026', '16/01/2027', 'T2-T6', [['Chiều', 1, '14:15', '13:30']]),
      ...rows('LC-THPT-A', 'Học kỳ I 2026-2027', '06/09/2026', '16/01/2027', 'T2-T6', [['Chiều', 2, '14:20', '15:05']]),
    ];
    const plan = planTimetables({ header: csv[0]!.split(','), rows: csv.slice(1).map((l, i) => ({ line: i + 2, cells: l.split(',') })) });
    expect(plan.refused.map((r) => r.reason)).toEqual([
      'line 3: column "Bắt đầu": Học kỳ I 2026-2027 of LC-THPT-A: period morning 2 (07:40) starts before period morning 1 (07:00–07:45) ends',
      'line 4: column "Kết thúc": Học kỳ I 2026-2027 of LC-THPT-A: period afternoon 1 ends (13:30) before it starts (14:15)',
      'line 5: column "Bắt đầu học kỳ": \'06/09/2026\' is not the date Học kỳ I 2026-2027 of LC-THPT-A has on line 2',
    ]);
    expect(plan.schools.size).toBe(0);
  });

  it('runs from the CLI and keeps a school\'s other terms', async () => {
    const { dir, reg, a, file } = await setup(rows('LC-THPT-A', 'Học kỳ II 2026-2027', '18/01/2027', '31/05/2027', 'T2-T7', [['Sáng', 1, '07:00', '07:45']]));
    await reg.setTimetables(a.id, [{ term: 'Học kỳ I 2026-2027', start: '2026-09-05', end: '2027-01-16', teachingDays: [1, 2, 3, 4, 5, 6], periods: [{ session: 'morning', no: 1, start: '07:00', end: '07:45' }], holidays: [] }]);
    await reg.close();
    const out = await run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, 'timetable', 'import', file], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn' } });
    expect(out.stdout).toContain('1 term(s) for 1 school(s), 0 problem(s)');
    const check = await openRegistryStore({ dataDir: dir });
    expect((await check.timetables(a.id)).map((t) => t.term)).toEqual(['Học kỳ I 2026-2027', 'Học kỳ II 2026-2027']);
    await check.close();
  });
});
