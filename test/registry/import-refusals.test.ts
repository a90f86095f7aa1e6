import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { importFile, planImport, snapshotRegistry } from '../../registry/import/index.js';
import { readCsv } from '../../lib/sheets/index.js';
import { ENGINES, useEngines, type Engine } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { MAU, seedSchools } from '../helpers/samples.js';

const dirs: string[] = [];
const engines = useEngines();
async function fresh(engine: Engine): Promise<{ dir: string; reg: RegistryStore }> {
  const dir = tempDir('edufleet-refusals-');
  dirs.push(dir);
  const reg = await engines.open(engine, dir);
  await seedSchools(reg);
  return { dir, reg };
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const HEADER = 'Mã thiết bị,Loại thiết bị,Mã trường,Phòng,Ngày đưa vào sử dụng';
/** 1 December 2026, 06:30 in Vietnam (still 30 November in UTC): "today" of these imports. */
const NOW = Date.UTC(2026, 10, 30, 23, 30);

describe.each(ENGINES)('equipment import refusals by line, on %s', (engine) => {
  it('refuses a row with more or fewer cells than the header, naming both counts', async () => {
    const { reg } = await fresh(engine);
    const sheet = readCsv(`${HEADER}\nA-1,Bảng tương tác,LC-THPT-CHUYEN,P.1,15/09/2023\nA-2,Máy tính bảng,LC-THPT-CHUYEN,P.1,15/09/2023,98.000.000\n` +
      'A-3,Kính VR,LC-THPT-CHUYEN,P.1\n\nA-4,Cảm biến,LC-THPT-CHUYEN,P.1,"1,5"\n');
    const plan = planImport(sheet, await snapshotRegistry(reg, NOW));
    // Line 6 holds a comma inside quotes: its cells line up, and only its date is wrong.
    expect(plan.rows.map((r) => [r.line, r.code])).toEqual([[2, 'A-1']]);
    expect(plan.refused).toEqual([
      { line: 3, code: 'A-2', reason: expect.stringMatching(/^line 3: this row has 6 cells but the header has 5; a value holding a comma/) },
      { line: 4, code: 'A-3', reason: expect.stringMatching(/^line 4: this row has 4 cells but the header has 5/) },
      { line: 6, code: 'A-4', reason: expect.stringMatching(/^line 6: date '1,5' is not a date/) },
    ]);
    await reg.close();
  });

  it('refuses an in-service date after today in Vietnam, and accepts today', async () => {
    const { reg } = await fresh(engine);
    const sheet = readCsv(`${HEADER}\nB-1,Bảng tương tác,LC-THPT-CHUYEN,P.1,01/12/2026\nB-2,Bảng tương tác,LC-THPT-CHUYEN,P.1,02/12/2026\nB-3,Bảng tương tác,LC-THPT-CHUYEN,P.1,2030-01-01\n`);
    const plan = planImport(sheet, await snapshotRegistry(reg, NOW));
    expect(plan.rows.map((r) => [r.line, r.record.inServiceDate])).toEqual([[2, '2026-12-01']]);
    expect(plan.refused.map((r) => r.line)).toEqual([3, 4]);
    expect(plan.refused[0]!.reason).toBe("line 3: date put into service '02/12/2026' is in the future (today is 01/12/2026) (column Ngày đưa vào sử dụng)");
    await reg.close();
  });

  it('refuses both from a file, CSV and XLSX, and still imports the sample register as it is', async () => {
    const { dir, reg } = await fresh(engine);
    const csv = path.join(dir, 'loi.csv');
    writeFileSync(csv, `${HEADER}\nC-1,Bảng tương tác,LC-THPT-CHUYEN,P.1,15/09/2023,x\nC-2,Bảng tương tác,LC-THPT-CHUYEN,P.1,01/01/2099\nC-3,Bảng tương tác,LC-THPT-CHUYEN,P.1,15/09/2023\n`);
    const r = await importFile(reg, csv, { now: NOW });
    expect(r.applied).toBe(false);
    expect(r.plan.refused.map((x) => x.line)).toEqual([2, 3]);
    expect(r.notAppliedReason).toMatch(/^2 rows refused; fix them/);
    const one = path.join(dir, 'mot-loi.csv');
    writeFileSync(one, `${HEADER}\nE-1,Bảng tương tác,LC-THPT-CHUYEN,P.1,01/01/2099\n`);
    expect((await importFile(reg, one, { now: NOW })).notAppliedReason).toMatch(/^1 row refused; fix them/);

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Thiết bị');
    ws.addRow(HEADER.split(','));
    ws.addRow(['D-1', 'Bảng tương tác', 'LC-THPT-CHUYEN', 'P.1', '15/09/2023', 'lạc cột']);
    ws.addRow(['D-2', 'Bảng tương tác', 'LC-THPT-CHUYEN', 'P.1', new Date(Date.UTC(2099, 0, 1))]);
    ws.addRow(['D-3', 'Bảng tương tác', 'LC-THPT-CHUYEN', 'P.1']);
    const xlsx = path.join(dir, 'loi.xlsx');
    await wb.xlsx.writeFile(xlsx);
    const x = await importFile(reg, xlsx, { now: NOW, dryRun: true });
    expect(x.plan.refused.map((y) => [y.line, y.reason.replace(/;.*/, '')])).toEqual([
      [2, 'line 2: this row has a value in column 6 but the header names only 5 columns'],
      [3, "line 3: date put into service '01/01/2099' is in the future (today is 01/12/2026) (column Ngày đưa vào sử dụng)"],
    ]);
    expect(x.plan.rows.map((y) => y.code)).toEqual(['D-3']);

    const mau = await importFile(reg, MAU, { now: NOW });
    expect(mau.plan.refused).toEqual([]);
    await reg.close();
  });
});
