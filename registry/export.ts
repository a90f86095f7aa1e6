/**
 * Export of the registry's device records to CSV or XLSX, with the Vietnamese headers of the sample register, dates as
 * dd/mm/yyyy and money with dots. An export imports back as all `unchanged`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { KINDS } from '../protocol/index.js';
import { EdufleetError } from '../lib/errors.js';
import { scopeSql, type SqliteRegistry } from './sqlite-registry.js';
import type { RoomType, Scope } from './types.js';
import { ROOM_TYPE_LABELS, formatDate, formatMoney, monthsBetween } from './import/values.js';

export const EXPORT_HEADER = [
  'Mã thiết bị', 'Tên thiết bị', 'Loại thiết bị', 'Mã trường', 'Tên trường', 'Phòng GDĐT', 'Điểm trường', 'Phòng', 'Loại phòng',
  'Hãng', 'Model', 'Số serial', 'Ngày đưa vào sử dụng', 'Nguyên giá (VNĐ)', 'Bảo hành (tháng)', 'Hết bảo hành', 'Thời gian sử dụng (năm)',
] as const;

interface ExportRow {
  code: string; name: string; kind: string; schoolCode: string; schoolName: string; district: string; site: string; room: string; roomType: string;
  manufacturer: string; model: string; serial: string; inServiceDate: string; costVnd: number | null; warrantyMonths: string; warrantyEnd: string; serviceLife: string;
}

/** One row per device, ordered by school, site, room and code. Devices without an asset code are exported with their id as code. */
export function exportRows(reg: SqliteRegistry, scope?: Scope): ExportRow[] {
  const params: unknown[] = [];
  const where = scopeSql(scope, params);
  const rows = reg.db.prepare(`SELECT d.id, d.code, d.name, d.kind, d.manufacturer, d.model, d.serial, d.in_service_date AS inServiceDate, d.cost_vnd AS costVnd,
      d.warranty_end AS warrantyEnd, d.service_life_years AS serviceLifeYears, r.code AS room, r.type AS roomType, t.name AS site,
      s.code AS schoolCode, s.name AS schoolName, di.name AS district
    FROM devices d JOIN rooms r ON r.id = d.room_id JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id
    LEFT JOIN districts di ON di.id = s.district_id
    WHERE ${where}
    ORDER BY s.code, t.name, r.code, COALESCE(d.code, d.id)`).all(...params) as {
      id: string; code: string | null; name: string; kind: keyof typeof KINDS; manufacturer: string | null; model: string | null; serial: string | null;
      inServiceDate: string | null; costVnd: number | null; warrantyEnd: string | null; serviceLifeYears: number | null; room: string; roomType: RoomType;
      site: string; schoolCode: string; schoolName: string; district: string | null;
    }[];
  return rows.map((d) => {
    const months = d.inServiceDate && d.warrantyEnd ? monthsBetween(d.inServiceDate, d.warrantyEnd) : undefined;
    return {
      code: d.code ?? d.id, name: d.name, kind: KINDS[d.kind]?.label.vi ?? d.kind, schoolCode: d.schoolCode, schoolName: d.schoolName, district: d.district ?? '',
      site: d.site, room: d.room, roomType: ROOM_TYPE_LABELS[d.roomType] ?? d.roomType, manufacturer: d.manufacturer ?? '', model: d.model ?? '', serial: d.serial ?? '',
      inServiceDate: d.inServiceDate ? formatDate(d.inServiceDate) : '', costVnd: d.costVnd, warrantyMonths: months === undefined ? '' : String(months),
      warrantyEnd: d.warrantyEnd && months === undefined ? formatDate(d.warrantyEnd) : '', serviceLife: d.serviceLifeYears == null ? '' : String(d.serviceLifeYears),
    };
  });
}

const cells = (r: ExportRow): (string | number | null)[] => [r.code, r.name, r.kind, r.schoolCode, r.schoolName, r.district, r.site, r.room, r.roomType,
  r.manufacturer, r.model, r.serial, r.inServiceDate, r.costVnd, r.warrantyMonths, r.warrantyEnd, r.serviceLife];

/** A text cell a spreadsheet would run as a formula gets a leading apostrophe (the importer removes it again). */
export function defuseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvField(raw: string): string {
  const v = defuseFormula(raw);
  return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text with a BOM (so Excel reads it as UTF-8), CRLF line ends. */
export function toCsv(rows: ExportRow[]): string {
  const lines = [EXPORT_HEADER.join(',')];
  for (const r of rows) lines.push(cells(r).map((v) => csvField(v === null ? '' : typeof v === 'number' ? formatMoney(v) : v)).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function toXlsx(rows: ExportRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Thiết bị');
  ws.addRow([...EXPORT_HEADER]).font = { bold: true };
  for (const r of rows) ws.addRow(cells(r));
  ws.getColumn(14).numFmt = '#,##0';
  ws.columns.forEach((c) => { c.width = 18; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes the whole registry's devices to FILE.csv or FILE.xlsx; returns the number of devices. */
export async function exportRegistry(reg: SqliteRegistry, file: string): Promise<number> {
  const ext = path.extname(file).toLowerCase();
  const rows = exportRows(reg);
  if (ext === '.csv') await writeFile(file, toCsv(rows));
  else if (ext === '.xlsx') await writeFile(file, await toXlsx(rows));
  else throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `cannot export to '${ext || file}': use a file name ending in .csv or .xlsx`);
  return rows.length;
}
