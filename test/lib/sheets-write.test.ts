import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { csvText, readCsv, readSheetFile, writeSheetFile, xlsxBuffer } from '../../lib/sheets/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edufleet-sheets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lib/sheets: one CSV and XLSX writer for every export', () => {
  const header = ['Mã', 'Tên', 'Số'];
  const rows = [
    ['A1', 'Lớp 10A1, tầng 2', 1250],
    ['A2', 'Phòng "STEM"; mới', null],
    ['A3', ' cách đầu', 0],
    ['A4', '=SUM(1;2)', 7],
  ];

  it('writes CSV with a BOM and CRLF, quotes what needs it, defuses formulas, and reads back as written', () => {
    const text = csvText(header, rows);
    expect(text.startsWith('\uFEFFMã,Tên,Số\r\n')).toBe(true);
    expect(text).toContain('\r\nA1,"Lớp 10A1, tầng 2",1250\r\n');
    expect(text).toContain('\r\nA2,"Phòng ""STEM""; mới",\r\n');
    expect(text).toContain('\r\nA4,"\'=SUM(1;2)",7\r\n');
    const sheet = readCsv(text);
    expect(sheet.header).toEqual(header);
    expect(sheet.rows.map((r) => r.cells)).toEqual(rows.map((r) => r.map((c) => (c === null ? '' : String(c)))));
  });

  it('writes XLSX sheets with a title line, number formats and typed cells', async () => {
    const buf = await xlsxBuffer([
      { name: 'Một', header, rows, numFmt: { 3: '#,##0' } },
      { name: 'Hai', title: 'Báo cáo', header, rows: [['B1', 'x', 2]], width: 'fit' },
    ], { creator: 'EduFleet' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ExcelJS.Buffer);
    expect(wb.creator).toBe('EduFleet');
    const [one, two] = wb.worksheets;
    expect(one!.getRow(1).getCell(1).value).toBe('Mã');
    expect(one!.getRow(2).getCell(3).value).toBe(1250);
    expect(one!.getColumn(3).numFmt).toBe('#,##0');
    expect(one!.getRow(5).getCell(2).value).toBe('=SUM(1;2)');
    expect(two!.getRow(1).getCell(1).value).toBe('Báo cáo');
    expect(two!.getRow(2).getCell(2).value).toBe('Tên');
    expect(two!.getRow(3).getCell(1).value).toBe('B1');
  });

  it('writes a file by its extension and refuses any other', async () => {
    const forms = { csv: () => csvText(header, rows), xlsx: () => xlsxBuffer([{ name: 'Một', header, rows }]) };
    await writeSheetFile(path.join(dir, 'a.csv'), forms);
    await writeSheetFile(path.join(dir, 'a.XLSX'), forms);
    expect(readFileSync(path.join(dir, 'a.csv'), 'utf8')).toBe(forms.csv());
    expect((await readSheetFile(path.join(dir, 'a.XLSX'))).rows[0]!.cells).toEqual(['A1', 'Lớp 10A1, tầng 2', '1250']);
    await expect(writeSheetFile(path.join(dir, 'a.pdf'), forms)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_FILE' });
  });
});
