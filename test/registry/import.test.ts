import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { applyPlan, importFile, parseKind, columnOf, planImport, snapshotRegistry } from '../../registry/import/index.js';
import { fold, parseDate, parseMoney, readCsv } from '../../lib/sheets/index.js';
import { ENGINES, useEngines, type Engine } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { LOI, MAU, sampleRecords, seedSchools } from '../helpers/samples.js';


/** Every device with its room code, site and school code, by asset code (the registry's columns, read through the store). */
async function devicesByCode(reg: RegistryStore) {
  const snap = await reg.importSnapshot();
  const rooms = new Map(snap.rooms.map((r) => [r.id, r]));
  const sites = new Map(snap.sites.map((t) => [t.id, t]));
  const schools = new Map(snap.schools.map((x) => [x.id, x]));
  const rows = await Promise.all((await reg.listDevices({ includeRevoked: true })).devices.map(async (d) => {
    const room = rooms.get(d.roomId)!;
    const site = sites.get(room.siteId)!;
    return {
      id: d.id, code: d.code, name: d.name, kind: d.kind, manufacturer: d.manufacturer, model: d.model, serial: d.serial, in_service_date: d.inServiceDate,
      cost_vnd: d.costVnd, warranty_end: d.warrantyEnd, service_life_years: d.serviceLifeYears, secret_hash: (await reg.secretHashes([d.id])).get(d.id)?.hash ?? null,
      room_code: room.code, room_type: room.type, site: site.name, school_code: schools.get(site.schoolId)!.code,
    } as Record<string, unknown>;
  }));
  return new Map(rows.map((r) => [r.code as string, r]));
}

/** Every device record, revoked ones too: the store's full view of the devices. */
const allDevices = async (reg: RegistryStore) => (await reg.listDevices({ includeRevoked: true })).devices;
const countDevices = async (reg: RegistryStore) => ({ n: (await reg.listDevices({ includeRevoked: true })).total });

const run = promisify(execFile);
const dirs: string[] = [];
const engines = useEngines();
async function freshRegistry(engine: Engine): Promise<{ dir: string; reg: RegistryStore; url: string }> {
  const dir = tempDir('edufleet-import-');
  dirs.push(dir);
  const url = await engines.url(engine);
  const reg = await engines.store(url, dir);
  await seedSchools(reg);
  return { dir, reg, url };
}
const edufleet = (dir: string, url: string, ...args: string[]) =>
  run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, ...args], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_REGISTRY_URL: url } })
    .then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);

/** The refused lines of thiet-bi-loi.csv, read off the file by hand. */
const LOI_REFUSED = [4, 5, 6, 7, 8, 9];
const LOI_VALID_CODES = ['THPT-CHUYEN-TM1-BANG', 'THPT-CHUYEN-TM1-MTB01', 'THPT-CHUYEN-TM1-MTB08', 'THPT-CHUYEN-TM1-VR01', 'THPT-CHUYEN-TM1-VR02', 'THPT-CHUYEN-TM1-VR03', 'LC-X-1'];

afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('reading register values', () => {
  it('matches headers with or without diacritics, case, spaces and units, and English aliases', () => {
    expect(fold('  Nguyên giá (VNĐ) ')).toBe('nguyen gia');
    expect(columnOf('Nguyen Gia')).toBe('cost');
    expect(columnOf('MÃ THIẾT BỊ')).toBe('code');
    expect(columnOf('ma  thiet bi')).toBe('code');
    expect(columnOf('Room type')).toBe('roomType');
    expect(columnOf('Thời gian sử dụng (năm)')).toBe('serviceLife');
  });

  it('reads dates as dd/mm/yyyy, d/m/yyyy and ISO, and refuses impossible ones', () => {
    expect(parseDate('15/09/2023')).toEqual({ ok: true, value: '2023-09-15' });
    expect(parseDate('1/3/2022')).toEqual({ ok: true, value: '2022-03-01' });
    expect(parseDate('2023-09-15')).toEqual({ ok: true, value: '2023-09-15' });
    expect(parseDate('29/02/2024').ok).toBe(true);
    expect(parseDate('31/02/2023').ok).toBe(false);
    expect(parseDate('29/02/2023').ok).toBe(false);
    expect(parseDate('hôm qua').ok).toBe(false);
  });

  it('reads money with dots, commas, plain digits and a currency sign, and refuses words', () => {
    for (const s of ['98.000.000', '98,000,000', '98000000', '98.000.000 ₫', '98.000.000đ', '98.000.000 VNĐ']) expect(parseMoney(s)).toEqual({ ok: true, value: 98_000_000 });
    expect(parseMoney('chín mươi triệu').ok).toBe(false);
    expect(parseMoney('98.5').ok).toBe(false);
  });

  it('reads kinds from Vietnamese labels with or without diacritics, synonyms and English ids', () => {
    expect(parseKind('Màn hình tương tác')).toEqual({ ok: true, value: 'board' });
    expect(parseKind('bang tuong tac')).toEqual({ ok: true, value: 'board' });
    expect(parseKind('Kính VR')).toEqual({ ok: true, value: 'vr' });
    expect(parseKind('tablet')).toEqual({ ok: true, value: 'tablet' });
    expect(parseKind('Máy chiếu đa năng').ok).toBe(false);
  });

  it('keeps line numbers right across a quoted field holding a line break and a BOM', () => {
    const sheet = readCsv('\uFEFFMã thiết bị,Tên thiết bị\nA,"hai\ndòng"\n\nB,x\n');
    expect(sheet.header[0]).toBe('Mã thiết bị');
    expect(sheet.rows.map((r) => [r.line, r.cells[0]])).toEqual([[2, 'A'], [4, ''], [5, 'B']]);
  });
});

// The same tests, with the same assertions, on the embedded SQLite files and on PostgreSQL.
describe.each(ENGINES)('on %s', (engine) => {
describe('importing an equipment register', () => {
  it('reports missing required columns once, naming them', async () => {
    const sheet = readCsv('Tên thiết bị,Phòng\nA,P.1\nB,P.2\n');
    const { reg } = await freshRegistry(engine);
    const snap = await snapshotRegistry(reg);
    expect(() => planImport(sheet, snap)).toThrow(/missing required column\(s\): 'Mã thiết bị' .*'Loại thiết bị' .*'Mã trường'/);
    await reg.close();
  });

  it('creates exactly the 53 devices of thiet-bi-mau.csv in the right rooms with the right kinds, costs and dates', async () => {
    const { reg } = await freshRegistry(engine);
    const progress: number[] = [];
    const r = await importFile(reg, MAU, { user: 'ktv.chuyen', onProgress: (p) => progress.push(p.done) });
    expect(r.applied).toBe(true);
    expect(r.plan.counts).toEqual({ create: 53, update: 0, unchanged: 0, refused: 0 });
    expect(progress.at(-1)).toBe(53);
    const devices = await devicesByCode(reg);
    expect(devices.size).toBe(53);
    const kinds: Record<string, string> = { 'Bảng tương tác': 'board', 'Máy tính bảng': 'tablet', 'Kính VR': 'vr', 'Cảm biến': 'sensor' };
    for (const row of sampleRecords(MAU)) {
      const d = devices.get(row['Mã thiết bị']!)!;
      expect(d, row['Mã thiết bị']).toBeDefined();
      const [dd, mm, yyyy] = row['Ngày đưa vào sử dụng']!.split('/');
      expect(d).toMatchObject({
        name: row['Tên thiết bị'], kind: kinds[row['Loại thiết bị']!], school_code: row['Mã trường'], site: row['Điểm trường'], room_code: row['Phòng'],
        manufacturer: row['Hãng'], model: row['Model'], serial: row['Số serial'], in_service_date: `${yyyy}-${mm}-${dd}`,
        cost_vnd: Number(row['Nguyên giá (VNĐ)']!.replace(/\./g, '')), service_life_years: Number(row['Thời gian sử dụng (năm)']),
        secret_hash: null,
      });
      expect(d.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    }
    expect(devices.get('THPT-CHUYEN-TM1-BANG')).toMatchObject({ kind: 'board', cost_vnd: 98_000_000, in_service_date: '2023-09-15', warranty_end: '2026-09-15', room_type: 'smart_classroom' });
    expect(devices.get('THPT-CHUYEN-TIN1-CB')).toMatchObject({ room_type: 'computer_room', warranty_end: '2022-09-01' });
    const audit = (await reg.auditLog()).entries.filter((e) => e.action === 'registry.import');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ byUser: 'ktv.chuyen', entityId: 'thiet-bi-mau.csv', detail: { create: 53, refused: 0 } });
    await reg.close();
  });

  it('changes nothing when the same file is imported again', async () => {
    const { reg } = await freshRegistry(engine);
    await importFile(reg, MAU);
    const before = await allDevices(reg);
    const roomsBefore = (await reg.rooms()).length;
    const again = await importFile(reg, MAU);
    expect(again.plan.counts).toEqual({ create: 0, update: 0, unchanged: 53, refused: 0 });
    expect(again.plan.newRooms).toEqual([]);
    expect(again.plan.newSites).toEqual([]);
    expect(await allDevices(reg)).toEqual(before);
    expect(await reg.rooms()).toHaveLength(roomsBefore);
    await reg.close();
  });

  it('updates a device by its code and lists the fields that changed', async () => {
    const { dir, reg } = await freshRegistry(engine);
    await importFile(reg, MAU);
    const file = path.join(dir, 'sua.csv');
    writeFileSync(file, readFileSync(MAU, 'utf8').replace('SN53464097,15/09/2023,98.000.000', 'SN53464097,15/09/2023,99.000.000').replace('P.TM1,Phòng học thông minh,Samsung,Galaxy Tab A9+,SN30246633', 'P.101,Phòng học,Samsung,Galaxy Tab A9+,SN30246633'));
    const r = await importFile(reg, file, { dryRun: true });
    expect(r.plan.counts).toMatchObject({ update: 2, unchanged: 51 });
    expect(r.plan.rows.filter((x) => x.action === 'update').map((x) => [x.line, x.changes])).toEqual([[2, ['costVnd']], [3, ['room']]]);
    expect(r.plan.notes).toEqual([]);
    await importFile(reg, file);
    expect((await devicesByCode(reg)).get('THPT-CHUYEN-TM1-MTB01')).toMatchObject({ room_code: 'P.101' });
    expect((await reg.deviceByCode('THPT-CHUYEN-TM1-BANG'))?.costVnd).toBe(99_000_000);
    await reg.close();
  });

  it('reports each bad row of thiet-bi-loi.csv with its line number and reason, and creates nothing', async () => {
    const { reg } = await freshRegistry(engine);
    const r = await importFile(reg, LOI);
    expect(r.applied).toBe(false);
    expect(r.plan.refused.map((x) => x.line)).toEqual(LOI_REFUSED);
    const reasons = r.plan.refused.map((x) => x.reason);
    expect(reasons[0]).toBe("line 4: duplicate device code 'THPT-CHUYEN-TM1-MTB01' (column Mã thiết bị); first seen on line 3");
    expect(reasons[1]).toMatch(/^line 5: date '31\/02\/2023' is not a real date \(column Ngày đưa vào sử dụng\)/);
    expect(reasons[2]).toBe("line 6: unknown device kind 'Máy chiếu đa năng' (column Loại thiết bị); known: Bảng tương tác, Máy tính bảng, Kính thực tế ảo, Cảm biến");
    expect(reasons[3]).toBe('line 7: missing room (column Phòng)');
    expect(reasons[4]).toMatch(/^line 8: cost 'chín mươi triệu' is not an amount of money/);
    expect(reasons[5]).toMatch(/^line 9: unknown school code 'LC-KHONG-CO' \(column Mã trường\)/);
    expect(r.plan.rows.map((x) => x.code).sort()).toEqual([...LOI_VALID_CODES].sort());
    expect(r.plan.rows.find((x) => x.code === 'LC-X-1')).toMatchObject({ line: 15, record: { name: 'Thiết bị có dấu phẩy, trong tên', inServiceDate: '2023-09-15' } });
    expect(await countDevices(reg)).toEqual({ n: 0 });
    expect(await reg.rooms()).toEqual([]);
    await reg.close();
  });

  it('creates exactly the valid rows of thiet-bi-loi.csv when asked to apply the valid ones', async () => {
    const { reg } = await freshRegistry(engine);
    const r = await importFile(reg, LOI, { applyValid: true });
    expect(r.applied).toBe(true);
    expect([...(await devicesByCode(reg)).keys()].sort()).toEqual([...LOI_VALID_CODES].sort());
    expect((await reg.deviceByCode('THPT-CHUYEN-TM1-MTB01'))?.name).toBe('Máy tính bảng học sinh 01');
    await reg.close();
  });

  it('treats an XLSX of the same rows exactly like the CSV, with the same line numbers', async () => {
    const { dir, reg } = await freshRegistry(engine);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Thiết bị');
    for (const cells of parse(readFileSync(LOI), { bom: true, relax_column_count: true, skip_empty_lines: false }) as string[][]) ws.addRow(cells);
    const file = path.join(dir, 'thiet-bi-loi.xlsx');
    await wb.xlsx.writeFile(file);
    const x = await importFile(reg, file);
    const c = await importFile(reg, LOI);
    expect(x.applied).toBe(false);
    expect(x.plan.refused).toEqual(c.plan.refused);
    expect(x.plan.rows).toEqual(c.plan.rows);
    const v = await importFile(reg, file, { applyValid: true });
    expect(v.plan.counts.create).toBe(LOI_VALID_CODES.length);
    expect((await devicesByCode(reg)).size).toBe(LOI_VALID_CODES.length);
    await reg.close();
  });

  it('notes, without refusing, a room type that differs from the existing room', async () => {
    const { dir, reg } = await freshRegistry(engine);
    await importFile(reg, MAU);
    const file = path.join(dir, 'loai-phong.csv');
    writeFileSync(file, 'Mã thiết bị,Loại thiết bị,Mã trường,Phòng,Loại phòng\nTHPT-CHUYEN-TM1-BANG,board,LC-THPT-CHUYEN,P.TM1,Phòng STEM\n');
    const r = await importFile(reg, file, { dryRun: true });
    expect(r.plan.counts).toMatchObject({ unchanged: 1, refused: 0 });
    expect(r.plan.notes).toEqual(["line 2: room 'P.TM1' already exists as smart_classroom; room type 'Phòng STEM' (column Loại phòng) is not changed by an import"]);
    await reg.close();
  });

  it('reads XLSX cells typed by Excel: real dates, numbers, rich text and formula results', async () => {
    const { dir, reg } = await freshRegistry(engine);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['MA THIET BI', 'Ten thiet bi', 'Loai thiet bi', 'Ma truong', 'Diem truong', 'Phong', 'Loai phong', 'Ngay dua vao su dung', 'Nguyen gia', 'Bao hanh (thang)', 'Thoi gian su dung']);
    ws.addRow(['XL-1', { richText: [{ text: 'Bảng ' }, { text: 'đậm', font: { bold: true } }] }, 'Bang tuong tac', 'LC-THPT-CHUYEN', 'Diem chinh', 'P.STEM', 'Phong STEM',
      new Date(Date.UTC(2024, 1, 29)), 98_000_000, { formula: '12*2', result: 24 }, 8]);
    const file = path.join(dir, 'kieu.xlsx');
    await wb.xlsx.writeFile(file);
    const r = await importFile(reg, file);
    expect(r.plan.refused).toEqual([]);
    expect(r.plan.newRooms).toEqual([{ schoolCode: 'LC-THPT-CHUYEN', site: 'Diem chinh', code: 'P.STEM', type: 'stem_room' }]);
    expect(await reg.deviceByCode('XL-1')).toMatchObject({ kind: 'board', name: 'Bảng đậm', inServiceDate: '2024-02-29', costVnd: 98_000_000, warrantyEnd: '2026-02-28', serviceLifeYears: 8 });
    await reg.close();
  });

  it('matches sites and rooms without diacritics or case to the existing ones, and to the first spelling in the file', async () => {
    const { dir, reg } = await freshRegistry(engine);
    await importFile(reg, MAU);
    const rooms = (await reg.rooms()).length;
    const file = path.join(dir, 'khong-dau.csv');
    writeFileSync(file, 'ma thiet bi,loai thiet bi,ma truong,diem truong,phong\nN-1,sensor,LC-THPT-CHUYEN,diem chinh,p.ly\nN-2,sensor,LC-THPT-CHUYEN,DIEM CHINH,P.TM1\n'
      + 'N-3,sensor,LC-THPT-CHUYEN,Điểm phụ,P.Hóa\nN-4,sensor,LC-THPT-CHUYEN,diem phu,p.hoa\n');
    const r = await importFile(reg, file);
    expect(r.plan.newSites).toEqual([{ schoolCode: 'LC-THPT-CHUYEN', name: 'Điểm phụ' }]);
    expect(r.plan.newRooms).toEqual([{ schoolCode: 'LC-THPT-CHUYEN', site: 'Điểm phụ', code: 'P.Hóa', type: 'classroom' }]);
    expect(await reg.rooms()).toHaveLength(rooms + 1);
    const d = await devicesByCode(reg);
    expect([1, 2, 3, 4].map((n) => [d.get(`N-${n}`)!.site, d.get(`N-${n}`)!.room_code])).toEqual([['Điểm chính', 'P.Lý'], ['Điểm chính', 'P.TM1'], ['Điểm phụ', 'P.Hóa'], ['Điểm phụ', 'P.Hóa']]);
    await reg.close();
  });

  it('keeps a device name with <script> as plain text', async () => {
    const { dir, reg } = await freshRegistry(engine);
    const file = path.join(dir, 'xss.csv');
    const name = '<script>alert("x")</script> Bảng & <b>';
    writeFileSync(file, `Mã thiết bị,Tên thiết bị,Loại thiết bị,Mã trường,Phòng\nXSS-1,"${name.replace(/"/g, '""')}",Bảng tương tác,LC-THPT-CHUYEN,P.TM1\n`);
    await importFile(reg, file);
    expect((await reg.deviceByCode('XSS-1'))?.name).toBe(name);
    await reg.close();
  });

  it('runs from the CLI: a dry run, a refusal with exit code 1, --apply-valid and --json', async () => {
    const { dir, reg, url } = await freshRegistry(engine);
    await reg.close();
    const loi = path.join(dir, 'thiet-bi-loi.csv');
    copyFileSync(LOI, loi);
    const refused = await edufleet(dir, url, 'import', loi);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('7 to create, 0 to update, 0 unchanged, 6 refused');
    for (const n of LOI_REFUSED) expect(refused.stdout).toContain(`line ${n}: `);
    expect(refused.stdout).toContain('nothing applied');

    const dry = await edufleet(dir, url, 'import', MAU, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ applied: false, plan: { counts: { create: 53, refused: 0 } } });

    const valid = await edufleet(dir, url, 'import', loi, '--apply-valid', '--user', 'ktv.chuyen');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('applied: 7 created, 0 updated.');
    const again = await edufleet(dir, url, 'import', loi, '--apply-valid');
    expect(again.stdout).toContain('nothing to change.');
    const mau = await edufleet(dir, url, 'import', MAU);
    expect(mau.code).toBe(0);
    expect(mau.stdout).toMatch(/47 to create, 0 to update, 6 unchanged, 0 refused/);
    const check = await engines.store(url, dir);
    expect(await countDevices(check)).toEqual({ n: 54 });
    expect((await check.auditLog()).entries.filter((e) => e.action === 'registry.import').map((e) => e.byUser)).toContain('ktv.chuyen');
    await check.close();
  });
});

describe('applying an import', () => {
  it('never half-applies: a failure in the middle rolls back every device, room and site of the import', async () => {
    const { reg } = await freshRegistry(engine);
    const plan = planImport(readCsv(readFileSync(MAU, 'utf8')), await snapshotRegistry(reg));
    expect(plan.counts.create).toBe(53);
    // Another hand takes the code of the 30th row after the plan was made: its create fails mid-way.
    const school = (await reg.school('LC-THPT-SAPA'))!;
    const site = await reg.ensureSite({ schoolId: school.id, name: 'Kho' });
    const room = await reg.ensureRoom({ siteId: site.id, code: 'KHO', name: 'Kho', type: 'classroom' });
    await reg.addDevice({ kind: 'board', roomId: room.id, code: plan.rows[29]!.code, issueSecret: false });
    const roomsBefore = (await reg.rooms()).length;
    await expect(applyPlan(reg, plan)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_REGISTRY_CONFLICT' });
    // The failed import let go of its transaction: the store takes another one at once (on SQLite it would wait forever).
    expect(await reg.transaction(async () => false)).toBe(false);
    expect(await countDevices(reg)).toEqual({ n: 1 });
    expect(await reg.rooms()).toHaveLength(roomsBefore);
    expect({ n: (await reg.importSnapshot()).sites.length }).toEqual({ n: 1 });
    expect((await reg.auditLog()).entries.filter((e) => e.action === 'registry.import')).toEqual([]);
    await reg.close();
  });

  it('reports progress while planning and applying', async () => {
    const { reg } = await freshRegistry(engine);
    const seen: string[] = [];
    await importFile(reg, MAU, { onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`) });
    expect(seen).toContain('plan 53/53');
    expect(seen).toContain('apply 53/53');
    await reg.close();
  });
});
});
