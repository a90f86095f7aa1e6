/**
 * Export of the registry's device records to CSV or XLSX, with the Vietnamese headers of the sample register, dates as
 * dd/mm/yyyy and money with dots. An export imports back as all `unchanged`.
 */
import { KINDS } from '../protocol/index.js';
import { csvText, writeSheetFile, xlsxBuffer, type Cell } from '../lib/sheets/write.js';
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

const cells = (r: ExportRow): Cell[] => [r.code, r.name, r.kind, r.schoolCode, r.schoolName, r.district, r.site, r.room, r.roomType,
  r.manufacturer, r.model, r.serial, r.inServiceDate, r.costVnd, r.warrantyMonths, r.warrantyEnd, r.serviceLife];

/** CSV: the cost as the sample register writes it ("98.000.000"), which the importer reads back. */
export function toCsv(rows: ExportRow[]): string {
  return csvText(EXPORT_HEADER, rows.map((r) => cells(r).map((v) => (typeof v === 'number' ? formatWhole('vi', v) : v))));
}

/** XLSX: the cost stays a number, shown grouped. */
export function toXlsx(rows: ExportRow[]): Promise<Buffer> {
  return xlsxBuffer([{ name: 'Thiết bị', header: EXPORT_HEADER, rows: rows.map(cells), numFmt: { 14: '#,##0' } }]);
}

/** Writes the whole registry's devices to FILE.csv or FILE.xlsx; returns the number of devices. */
export async function exportRegistry(reg: RegistryStore, file: string): Promise<number> {
  const rows = await exportRows(reg);
  await writeSheetFile(file, { csv: () => toCsv(rows), xlsx: () => toXlsx(rows) });
  return rows.length;
}
