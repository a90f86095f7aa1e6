/**
 * Tolerant reading of the values of an equipment register (Vietnamese headers, dates, money, kinds, room types).
 * Every parser returns either a value or a reason a user can act on.
 */
import { DEVICE_KINDS, KINDS, type DeviceKind } from '../../protocol/index.js';
import { ROOM_TYPE_LABELS, type RoomType } from '../../domain/index.js';
import { stripDiacritics } from '../../lib/vn/text.js';
import { bad, fold, isoDate, ok, sheetColumns, type Parsed } from '../../lib/sheets/index.js';

export const COLUMNS = {
  code: { label: 'Mã thiết bị', en: 'code', aliases: ['ma thiet bi', 'ma tai san', 'code', 'device code', 'asset code'] },
  name: { label: 'Tên thiết bị', en: 'name', aliases: ['ten thiet bi', 'name', 'device name'] },
  kind: { label: 'Loại thiết bị', en: 'kind', aliases: ['loai thiet bi', 'kind', 'device kind', 'type'] },
  school: { label: 'Mã trường', en: 'school code', aliases: ['ma truong', 'school code', 'school'] },
  schoolName: { label: 'Tên trường', en: 'school name', aliases: ['ten truong', 'school name'] },
  district: { label: 'Phòng GDĐT', en: 'district', aliases: ['phong gddt', 'district'] },
  site: { label: 'Điểm trường', en: 'site', aliases: ['diem truong', 'site'] },
  room: { label: 'Phòng', en: 'room', aliases: ['phong', 'room', 'room code'] },
  roomType: { label: 'Loại phòng', en: 'room type', aliases: ['loai phong', 'room type'] },
  manufacturer: { label: 'Hãng', en: 'manufacturer', aliases: ['hang', 'hang san xuat', 'manufacturer', 'brand'] },
  model: { label: 'Model', en: 'model', aliases: ['model'] },
  serial: { label: 'Số serial', en: 'serial', aliases: ['so serial', 'serial', 'serial number', 'so seri'] },
  inServiceDate: { label: 'Ngày đưa vào sử dụng', en: 'in service date', aliases: ['ngay dua vao su dung', 'in service date', 'in service'] },
  cost: { label: 'Nguyên giá (VNĐ)', en: 'cost', aliases: ['nguyen gia', 'cost', 'cost vnd', 'price'] },
  warrantyMonths: { label: 'Bảo hành (tháng)', en: 'warranty months', aliases: ['bao hanh', 'warranty months', 'warranty'] },
  warrantyEnd: { label: 'Hết bảo hành', en: 'warranty end', aliases: ['het bao hanh', 'ngay het bao hanh', 'warranty end'] },
  serviceLife: { label: 'Thời gian sử dụng (năm)', en: 'service life years', aliases: ['thoi gian su dung', 'service life years', 'service life'] },
} as const;
export type Column = keyof typeof COLUMNS;
export const REQUIRED_COLUMNS: readonly Column[] = ['code', 'kind', 'school', 'room'];
export const { columnOf, mapHeader } = sheetColumns(COLUMNS, REQUIRED_COLUMNS);

const iso = isoDate;

/** ISO date + months, the day clamped to the end of the month (31/01 + 1 month = 28/02 or 29/02). */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12), nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return iso(ny, nm, Math.min(d, last));
}

/** Whole months from one ISO date to another, when `addMonths` gives exactly the second; else undefined. */
export function monthsBetween(from: string, to: string): number | undefined {
  const [y1, m1] = from.split('-').map(Number) as [number, number];
  const [y2, m2] = to.split('-').map(Number) as [number, number];
  const months = (y2 - y1) * 12 + (m2 - m1);
  return months >= 0 && addMonths(from, months) === to ? months : undefined;
}

const KIND_SYNONYMS: Record<string, DeviceKind> = {
  'man hinh tuong tac': 'board', 'bang thong minh': 'board', 'interactive board': 'board', 'interactive panel': 'board',
  'kinh vr': 'vr', 'vr headset': 'vr', 'kinh ar/vr': 'vr',
  'may tinh bang hoc sinh': 'tablet', 'tablet': 'tablet',
  'cam bien moi truong': 'sensor', 'sensor': 'sensor',
};
for (const k of DEVICE_KINDS) { KIND_SYNONYMS[fold(KINDS[k].label.vi)] = k; KIND_SYNONYMS[fold(KINDS[k].label.en)] = k; KIND_SYNONYMS[k] = k; }

export const KNOWN_KIND_LABELS = DEVICE_KINDS.map((k) => KINDS[k].label.vi);

export function parseKind(raw: string): Parsed<DeviceKind> {
  const k = KIND_SYNONYMS[fold(raw)];
  return k ? ok(k) : bad(`known: ${KNOWN_KIND_LABELS.join(', ')}`);
}

const ROOM_SYNONYMS: Record<string, RoomType> = {
  'phong may tinh': 'computer_room', 'phong thuc hanh': 'lab', 'phong hop': 'meeting_room', 'studio': 'studio',
};
for (const [t, label] of Object.entries(ROOM_TYPE_LABELS) as [RoomType, string][]) { ROOM_SYNONYMS[fold(label)] = t; ROOM_SYNONYMS[t.replace(/_/g, ' ')] = t; }

export function parseRoomType(raw: string): Parsed<RoomType> {
  const t = ROOM_SYNONYMS[fold(raw)];
  return t ? ok(t) : bad(`known: ${Object.values(ROOM_TYPE_LABELS).join(', ')}`);
}

/** A device id (protocol DEVICE_ID_PATTERN) from an asset code. */
export function slugId(code: string): string {
  const s = stripDiacritics(code).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return s || 'device';
}
