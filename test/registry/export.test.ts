import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { openRegistryStore } from '../../registry/index.js';
import { exportRegistry } from '../../registry/export.js';
import { importFile } from '../../registry/import/index.js';
import { seedSchool, tempDir } from '../helpers/stack.js';
import { MAU, seedSchools } from '../helpers/samples.js';


const dir = tempDir('edufleet-export-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exporting the registry', () => {
  it('writes CSV and XLSX with the sample headers, dd/mm/yyyy dates and money with dots, and both import back as all unchanged', async () => {
    const reg = await openRegistryStore({ dataDir: path.join(dir, 'a') });
    await seedSchools(reg);
    await importFile(reg, MAU);
    // A device added by hand: no code, a warranty end that is not a whole number of months, a name with a comma and quotes.
    const { room } = await seedSchool(reg);
    await reg.addDevice({ kind: 'sensor', roomId: room.id, id: 'sensor-tay', name: 'Cảm biến "CO2", góc lớp', inServiceDate: '2024-01-31', warrantyEnd: '2024-03-15', costVnd: 1_250_000, issueSecret: false });

    await reg.updateDevice((await reg.deviceByCode('THPT-CHUYEN-TM1-MTB01'))!.id, { name: '=HYPERLINK("http://x";"bấm") Bảng' });
    const csv = path.join(dir, 'so-thiet-bi.csv');
    const xlsx = path.join(dir, 'so-thiet-bi.xlsx');
    expect(await exportRegistry(reg, csv)).toBe(54);
    expect(await exportRegistry(reg, xlsx)).toBe(54);

    const text = readFileSync(csv, 'utf8');
    expect(text.startsWith('\uFEFFMã thiết bị,Tên thiết bị,Loại thiết bị,Mã trường,Tên trường,Phòng GDĐT,Điểm trường,Phòng,Loại phòng,Hãng,Model,Số serial,Ngày đưa vào sử dụng,Nguyên giá (VNĐ),Bảo hành (tháng)')).toBe(true);
    expect(text).toContain('THPT-CHUYEN-TM1-BANG,Màn hình tương tác 86 inch,Bảng tương tác,LC-THPT-CHUYEN,Trường THPT Chuyên Lào Cai,Thành phố Lào Cai,Điểm chính,P.TM1,Phòng học thông minh,Samsung,WM85B,SN53464097,15/09/2023,98.000.000,36,,8');
    expect(text).toContain('"Cảm biến ""CO2"", góc lớp"');
    // A name that a spreadsheet would run as a formula is written defused, and reads back as it was.
    expect(text).toContain(`,"'=HYPERLINK(""http://x"";""bấm"") Bảng",`);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    expect(wb.worksheets[0]!.getRow(1).getCell(1).value).toBe('Mã thiết bị');
    expect(wb.worksheets[0]!.rowCount).toBe(55);

    const before = (await reg.listDevices({ includeRevoked: true })).devices;
    for (const file of [csv, xlsx]) {
      const r = await importFile(reg, file);
      expect(r.plan.counts, file).toEqual({ create: 0, update: 0, unchanged: 54, refused: 0 });
    }
    expect((await reg.listDevices({ includeRevoked: true })).devices).toEqual(before);
    expect((await reg.deviceByCode('THPT-CHUYEN-TM1-MTB01'))!.name).toBe('=HYPERLINK("http://x";"bấm") Bảng');
    await reg.close();
  });

  it('refuses a file name that is neither .csv nor .xlsx', async () => {
    const reg = await openRegistryStore({ dataDir: path.join(dir, 'b') });
    await expect(exportRegistry(reg, path.join(dir, 'x.pdf'))).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_FILE' });
    await reg.close();
  });
});
