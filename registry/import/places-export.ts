/**
 * Export of the province's districts, schools and sites with the headers the places import reads: one row per site
 * (a school without sites gets one row with no site), and a row of its own for a district without schools, so an
 * export imports back as all unchanged.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { EdufleetError } from '../../lib/errors.js';
import type { RegistryStore } from '../store/index.js';
import { defuseFormula } from '../export.js';
import { LEVEL_LABELS, PLACES_HEADER } from './places-columns.js';

/** Cells in the order of PLACES_HEADER. */
export type PlacesRow = [districtCode: string, district: string, code: string, name: string, level: string, pupils: number | '', site: string];

export async function placesRows(reg: RegistryStore): Promise<PlacesRow[]> {
  const tree = await reg.places.tree(undefined, false);
  const districts = new Map(tree.districts.map((d) => [d.id, d]));
  const sites = new Map<number, string[]>();
  for (const t of tree.sites) sites.set(t.schoolId, [...(sites.get(t.schoolId) ?? []), t.name]);
  const rows: PlacesRow[] = [];
  const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  for (const s of [...tree.schools].sort(byCode)) {
    const d = s.districtId === null ? undefined : districts.get(s.districtId);
    for (const site of (sites.get(s.id) ?? ['']).sort()) {
      rows.push([d?.code ?? '', d?.name ?? '', s.code, s.name, LEVEL_LABELS[s.level], s.pupils, site]);
    }
  }
  const used = new Set(tree.schools.map((s) => s.districtId));
  for (const d of [...tree.districts].sort(byCode)) if (!used.has(d.id)) rows.push([d.code, d.name, '', '', '', '', '']);
  return rows;
}

function csvField(raw: string): string {
  const v = defuseFormula(raw);
  return /[",;\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text with a BOM (so Excel reads it as UTF-8), CRLF line ends. */
export function placesCsv(rows: PlacesRow[]): string {
  const lines = [PLACES_HEADER.join(',')];
  for (const r of rows) lines.push(r.map((v) => csvField(String(v))).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function placesXlsx(rows: PlacesRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Trường');
  ws.addRow([...PLACES_HEADER]).font = { bold: true };
  // Cells are typed strings in XLSX, never formulas, so they are written as they are.
  for (const r of rows) ws.addRow(r);
  ws.columns.forEach((c) => { c.width = 22; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes the province's places to FILE.csv or FILE.xlsx; returns the number of rows. */
export async function exportPlaces(reg: RegistryStore, file: string): Promise<number> {
  const ext = path.extname(file).toLowerCase();
  const rows = await placesRows(reg);
  if (ext === '.csv') await writeFile(file, placesCsv(rows));
  else if (ext === '.xlsx') await writeFile(file, await placesXlsx(rows));
  else throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `cannot export to '${ext || file}': use a file name ending in .csv or .xlsx`);
  return rows.length;
}
