import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegistryStore } from '../../registry/index.js';
import { exportPlaces, importFile, importPlacesFile, parseLevel, planPlaces, snapshotPlaces } from '../../registry/import/index.js';
import { readCsv } from '../../lib/sheets/index.js';
import { ENGINES, useEngines, type Engine } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';
import { MAU } from '../helpers/samples.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const TRUONG_MAU = fixture('truong-mau.csv');
const TRUONG_LOI = fixture('truong-loi.csv');

const run = promisify(execFile);
const dirs: string[] = [];
const engines = useEngines();
async function fresh(engine: Engine): Promise<{ dir: string; reg: RegistryStore; url: string }> {
  const dir = tempDir('edufleet-places-');
  dirs.push(dir);
  const url = await engines.url(engine);
  return { dir, reg: await engines.store(url, dir), url };
}
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const edufleet = (dir: string, url: string, ...args: string[]) =>
  run(process.execPath, ['bin/edufleet.mjs', '--data-dir', dir, ...args], { env: { ...process.env, EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_REGISTRY_URL: url } })
    .then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e);

/** The hierarchy as plain facts: district code, school code, level, pupils and site names, by school code. */
async function hierarchy(reg: RegistryStore) {
  const tree = await reg.places.tree(undefined, false);
  const district = new Map(tree.districts.map((d) => [d.id, d.code]));
  return {
    districts: Object.fromEntries(tree.districts.map((d) => [d.code, d.name])),
    schools: Object.fromEntries(tree.schools.map((s) => [s.code, {
      name: s.name, level: s.level, pupils: s.pupils, district: s.districtId === null ? null : district.get(s.districtId),
      sites: tree.sites.filter((t) => t.schoolId === s.id).map((t) => t.name).sort(),
    }])),
  };
}

/** The refused lines of truong-loi.csv with a word of each reason, read off the file by hand. */
const LOI_REFUSED: [number, RegExp][] = [
  [4, /duplicate school code 'LC-THCS-LQD'.* lines 3 and 4/],
  [5, /unknown level 'Đại học' \(column Cấp học\); known: Mầm non, Tiểu học, THCS, THPT, GDTX/],
  [6, /unknown district 'Huyện Mường Khương' \(column Phòng GDĐT\)/],
  [7, /pupil count '-12' is negative \(column Số học sinh\)/],
  [8, /pupil count 'bốn trăm' is not a number/],
  [9, /this row has 8 cells but the header has 7/],
  [10, /pupil count '312,5' is not a whole number/],
  [11, /missing school code \(column Mã trường\)/],
  [12, /missing school name \(column Tên trường\)/],
];

// The same tests, with the same assertions, on the embedded SQLite files and on PostgreSQL.
describe.each(ENGINES)('on %s', (engine) => {
describe('importing a list of schools', () => {
  it('reads levels in any case, with or without diacritics, and the internal codes', () => {
    for (const [raw, level] of [['Mầm non', 'mam_non'], ['MAM NON', 'mam_non'], ['tiểu học', 'tieu_hoc'], ['Trung học cơ sở', 'thcs'], ['THPT', 'thpt'],
      ['gdtx', 'gdtx'], ['tieu_hoc', 'tieu_hoc'], ['Trung học phổ thông', 'thpt']] as const) expect(parseLevel(raw)).toEqual({ ok: true, value: level });
    expect(parseLevel('Đại học').ok).toBe(false);
  });

  it('creates the districts, schools and sites of truong-mau.csv, after which the equipment register imports without new sites', async () => {
    const { reg } = await fresh(engine);
    const r = await importPlacesFile(reg, TRUONG_MAU, { user: 'so.admin' });
    expect(r.applied).toBe(true);
    expect(r.plan.refused).toEqual([]);
    expect(r.plan.counts).toMatchObject({ create: 3 + 8, update: 0, unchanged: 0, newSites: 10 });
    const h = await hierarchy(reg);
    expect(h.districts).toEqual({ 'TP-LAO-CAI': 'Thành phố Lào Cai', 'TX-SA-PA': 'Thị xã Sa Pa', 'H-BAT-XAT': 'Huyện Bát Xát' });
    expect(h.schools['LC-THPT-CHUYEN']).toEqual({ name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', pupils: 1150, district: 'TP-LAO-CAI', sites: ['Điểm chính'] });
    expect(h.schools['LC-THCS-LQD']).toMatchObject({ level: 'thcs', sites: ['Điểm chính'] });
    expect(h.schools['LC-TH-TAVAN']).toMatchObject({ level: 'tieu_hoc', pupils: 430, sites: ['Điểm chính', 'Điểm trường Giàng Tả Chải'] });
    // Named, not coded, and once without diacritics: the district defined two lines up.
    expect(h.schools['LC-MN-BATXAT']).toEqual({ name: 'Trường Mầm non Bát Xát, Hoa Ban', level: 'mam_non', pupils: 285, district: 'H-BAT-XAT', sites: ['Điểm Quang Kim', 'Điểm chính'] });
    expect(h.schools['LC-GDTX-TINH']).toMatchObject({ level: 'gdtx', district: null });
    expect(Object.keys(h.schools)).toHaveLength(8);
    expect((await reg.auditLog()).entries.filter((e) => e.action === 'places.import').map((e) => e.byUser)).toEqual(['so.admin']);

    const devices = await importFile(reg, MAU);
    expect(devices.plan.refused).toEqual([]);
    expect(devices.plan.newSites).toEqual([]);
    expect(devices.plan.counts.create).toBe(53);
    await reg.close();
  });

  it('treats an XLSX of the same rows exactly like the CSV, with the same line numbers', async () => {
    const { dir, reg } = await fresh(engine);
    const rows = parse(readFileSync(TRUONG_LOI), { bom: true, relax_column_count: true }) as string[][];
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Trường');
    for (const row of rows) ws.addRow(row);
    const xlsx = path.join(dir, 'truong-loi.xlsx');
    await wb.xlsx.writeFile(xlsx);
    const fromCsv = await importPlacesFile(reg, TRUONG_LOI, { dryRun: true });
    const fromXlsx = await importPlacesFile(reg, xlsx, { dryRun: true });
    const lines = (r: typeof fromCsv) => [r.plan.schools.map((s) => [s.line, s.code, s.action]), r.plan.refused.map((x) => x.line)];
    expect(lines(fromXlsx)).toEqual(lines(fromCsv));
    // An XLSX row cannot be short, but the extra cell of line 9 still has no header above it.
    expect(fromXlsx.plan.refused.find((x) => x.line === 9)?.reason).toMatch(/value in column 8 but the header names only 7 columns/);
    await reg.close();
  });

  it('refuses each bad row of truong-loi.csv with its line and reason, and creates nothing', async () => {
    const { reg } = await fresh(engine);
    const r = await importPlacesFile(reg, TRUONG_LOI);
    expect(r.applied).toBe(false);
    expect(r.plan.refused.map((x) => x.line)).toEqual(LOI_REFUSED.map(([n]) => n));
    for (const [n, reason] of LOI_REFUSED) expect(r.plan.refused.find((x) => x.line === n)!.reason).toMatch(reason);
    expect(r.plan.refused.find((x) => x.line === 6)!.reason).toMatch(/Mã Phòng GDĐT/);
    expect(await reg.places.tree(undefined, true)).toMatchObject({ districts: [], schools: [], sites: [] });
    await reg.close();
  });

  it('creates exactly the valid rows of truong-loi.csv when asked to apply the valid ones', async () => {
    const { reg } = await fresh(engine);
    const r = await importPlacesFile(reg, TRUONG_LOI, { applyValid: true });
    expect(r.applied).toBe(true);
    const h = await hierarchy(reg);
    expect(Object.keys(h.schools).sort()).toEqual(['LC-THCS-LQD', 'LC-THCS-SAPA', 'LC-THPT-CHUYEN']);
    expect(Object.keys(h.districts).sort()).toEqual(['TP-LAO-CAI', 'TX-SA-PA']);
    await reg.close();
  });

  it('changes nothing when the same list is imported again, and says so', async () => {
    const { reg } = await fresh(engine);
    await importPlacesFile(reg, TRUONG_MAU);
    const before = await hierarchy(reg);
    const again = await importPlacesFile(reg, TRUONG_MAU);
    expect(again.plan.counts).toMatchObject({ create: 0, update: 0, unchanged: 11, newSites: 0, refused: 0 });
    expect(await hierarchy(reg)).toEqual(before);
    expect((await reg.auditLog()).entries.filter((e) => e.action === 'places.import')).toHaveLength(1);
    await reg.close();
  });

  it('updates a school by its code, moves it to another district with a note, and keeps what the file leaves empty', async () => {
    const { reg } = await fresh(engine);
    await importPlacesFile(reg, TRUONG_MAU);
    const sheet = readCsv('Mã trường,Tên trường,Cấp học,Số học sinh,Phòng GDĐT,Điểm trường\n' +
      'LC-THPT-CHUYEN,Trường THPT Chuyên Lào Cai,THPT,1200,TX-SA-PA,Điểm chính\n' +
      'LC-THCS-LQD,Trường THCS Lê Quý Đôn,,,Thành phố Lào Cai,\n');
    const plan = planPlaces(sheet, await snapshotPlaces(reg));
    expect(plan.schools.map((s) => [s.code, s.action, s.changes])).toEqual([['LC-THPT-CHUYEN', 'update', ['pupils', 'district']], ['LC-THCS-LQD', 'unchanged', []]]);
    expect(plan.notes).toEqual([expect.stringMatching(/line 2: school 'LC-THPT-CHUYEN' moves from district TP-LAO-CAI to district TX-SA-PA/)]);
    expect(plan.newSites).toEqual([]);
    await reg.close();
  });
});

describe('exporting the list of schools', () => {
  it('writes CSV and XLSX that import back as all unchanged, including a school without sites and a district without schools', async () => {
    const { dir, reg } = await fresh(engine);
    await importPlacesFile(reg, TRUONG_MAU);
    const d = await reg.ensureDistrict({ code: 'H-SI-MA-CAI', name: 'Huyện Si Ma Cai' });
    await reg.places.createSchool({ code: '=LC-NO-SITE', name: 'Trường "không" điểm; chưa có', level: 'thcs', districtId: d.id, pupils: 12 });
    const retired = await reg.places.createSchool({ code: 'LC-OLD', name: 'Trường cũ', level: 'thcs', districtId: null });
    await reg.places.setRetired('school', retired, true);
    await reg.ensureDistrict({ code: 'H-MUONG-KHUONG', name: 'Huyện Mường Khương' });
    for (const ext of ['csv', 'xlsx']) {
      const file = path.join(dir, `truong.${ext}`);
      expect(await exportPlaces(reg, file)).toBe(10 + 1 + 1);
      const back = await importPlacesFile(reg, file, { dryRun: true });
      expect(back.plan.refused).toEqual([]);
      expect(back.plan.counts).toMatchObject({ create: 0, update: 0, unchanged: 5 + 9, newSites: 0 });
    }
    const csv = readFileSync(path.join(dir, 'truong.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('\uFEFFMã Phòng GDĐT,Phòng GDĐT,Mã trường,Tên trường,Cấp học,Số học sinh,Điểm trường');
    expect(csv).toContain('TP-LAO-CAI,Thành phố Lào Cai,LC-THPT-CHUYEN,Trường THPT Chuyên Lào Cai,THPT,1150,Điểm chính');
    expect(csv).not.toContain('LC-OLD');
    await reg.close();
  });

  it('runs from the CLI: a refusal with exit code 1, then --apply-valid', async () => {
    const { dir, reg, url } = await fresh(engine);
    await reg.close();
    const loi = path.join(dir, 'truong-loi.csv');
    copyFileSync(TRUONG_LOI, loi);
    const refused = await edufleet(dir, url, 'places', 'import', loi);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('districts: 2 to create, 0 to update, 0 unchanged; schools: 3 to create, 0 to update, 0 unchanged; 3 new site(s); 9 refused');
    for (const [n] of LOI_REFUSED) expect(refused.stdout).toContain(`line ${n}: `);
    expect(refused.stdout).toContain('nothing applied');

    const valid = await edufleet(dir, url, 'places', 'import', loi, '--apply-valid', '--user', 'so.admin');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toContain('applied: 5 created, 0 updated, 3 site(s) added.');
    const check = await engines.store(url, dir);
    expect(Object.keys((await hierarchy(check)).schools).sort()).toEqual(['LC-THCS-LQD', 'LC-THCS-SAPA', 'LC-THPT-CHUYEN']);
    expect((await check.auditLog()).entries.filter((e) => e.action === 'places.import').map((e) => e.byUser)).toEqual(['so.admin']);
    await check.close();
  });

  it('runs from the CLI: a dry run as JSON, an export and a re-import of it that changes nothing', async () => {
    const { dir, reg, url } = await fresh(engine);
    await importPlacesFile(reg, TRUONG_LOI, { applyValid: true });
    await expect(exportPlaces(reg, path.join(dir, 'truong.pdf'))).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_FILE' });
    await reg.close();
    const dry = await edufleet(dir, url, 'places', 'import', TRUONG_MAU, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ applied: false, plan: { counts: { create: 1 + 6, unchanged: 2 + 2, refused: 0, newSites: 8 } } });
    const out = path.join(dir, 'export.xlsx');
    expect((await edufleet(dir, url, 'places', 'export', out)).stdout).toContain(`3 row(s) written to ${out}`);
    const again = await edufleet(dir, url, 'places', 'import', out);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change: the registry already matches the file.');
  });
});
});
