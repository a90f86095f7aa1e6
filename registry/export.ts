/**
 * Export of the registry's device records to CSV or XLSX, with the Vietnamese headers of the sample register, dates as
 * dd/mm/yyyy and money with dots. An export imports back as all `unchanged`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { KINDS } from '../protocol/index.js';
import { EdufleetError } from '../lib/errors.js';
import type { RegistryStore } from './store/index.js';
import type { Scope } from './types.js';
import { formatDay, formatWhole } from '../lib/vn/format.js';
import { ROOM_TYPE_LABELS } from '../domain/index.js';
import { monthsBetween } from './import/values.js';

export const EXPORT_HEADER = [
  'Mã thiết bị', 'Tên thiết bị', 'Loại thiết bị', 'Mã trường', 'Tên trường', 'Phòng GDĐT', 'Điểm trường', 'Phòng', 'Loại phòng',
  'Hãng', 'Model', 'Số serial', 'Ngày đưa vào sử dụng', 'Nguyên giá (VNĐ)', 'Bảo hành (tháng)', 'Hết bảo hành', 'Thời gian sử dụng (năm)',
] as const;

interface ExportRow {
  code: string; name: string; kind: string; schoolCode: string; schoolName: string; district: string; site: string; room: string; roomType: string;
  manufacturer: string; model: string; serial: string; inServiceDate: string; costVnd: number | null; warrantyMonths: string; warrantyEnd: string; serviceLife: string;
}

/** One row per device, ordered by school, site, room and code. Devices without an asset code are exported with their id as code. */
export async function exportRows(reg: RegistryStore, scope?: Scope): Promise<ExportRow[]> {
  const rows = await reg.exportRows(scope);
  return rows.map((d) => {
    const months = d.inServiceDate && d.warrantyEnd ? monthsBetween(d.inServiceDate, d.warrantyEnd) : undefined;
    return {
      code: d.code ?? d.id, name: d.name, kind: KINDS[d.kind]?.label.vi ?? d.kind, schoolCode: d.schoolCode, schoolName: d.schoolName, district: d.district ?? '',
      site: d.site, room: d.room, roomType: ROOM_TYPE_LABELS[d.roomType] ?? d.roomType, manufacturer: d.manufacturer ?? '', model: d.model ?? '', serial: d.serial ?? '',
      inServiceDate: d.inServiceDate ? formatDay('vi', d.inServiceDate) : '', costVnd: d.costVnd, warrantyMonths: months === undefined ? '' : String(months),
      warrantyEnd: d.warrantyEnd && months === undefined ? formatDay('vi', d.warrantyEnd) : '', serviceLife: d.serviceLifeYears == null ? '' : String(d.serviceLifeYears),
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
  for (const r of rows) lines.push(cells(r).map((v) => csvField(v === null ? '' : typeof v === 'number' ? formatWhole('vi', v) : v)).join(','));
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
export async function exportRegistry(reg: RegistryStore, file: string): Promise<number> {
  const ext = path.extname(file).toLowerCase();
  const rows = await exportRows(reg);
  if (ext === '.csv') await writeFile(file, toCsv(rows));
  else if (ext === '.xlsx') await writeFile(file, await toXlsx(rows));
  else throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `cannot export to '${ext || file}': use a file name ending in .csv or .xlsx`);
  return rows.length;
}
