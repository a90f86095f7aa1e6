/**
 * The import plan: a pure function from the parsed rows and a snapshot of the registry to what would be created,
 * updated, left unchanged or refused (with line numbers and reasons), and which sites and rooms would be created.
 */
import { KINDS, type DeviceKind } from '../../protocol/index.js';
import { foldKey } from '../../lib/vn/text.js';
import { formatDay } from '../../lib/vn/format.js';
import type { RoomType } from '../types.js';
import { cellCountProblem, isBlankRow, parseDate, parseMoney, parseWhole, type Parsed, type Sheet } from '../../lib/sheets/index.js';
import {
  COLUMNS, addMonths, mapHeader, parseKind, parseRoomType, type Column,
} from './values.js';

/** What the plan needs to know about the registry. */
export interface RegistrySnapshot {
  /** By school code. */
  schools: Map<string, { id: number; name: string }>;
  /** By `${schoolId}|${siteKey(name)}`. */
  sites: Map<string, { id: number; name: string }>;
  /** By `${siteId}|${roomKey(code)}`. */
  rooms: Map<string, { id: number; code: string; type: RoomType }>;
  /** By device code. */
  devices: Map<string, SnapshotDevice>;
  /** Whether the importing user may change this school's records (absent: every school, as from the CLI). */
  mayUseSchool?: (schoolId: number) => boolean;
  /** Today in Vietnam (ISO), from the import's clock: a device cannot have been put into service after it. */
  today?: string;
}
export interface SnapshotDevice {
  id: string; kind: DeviceKind; roomId: number; schoolId: number; name: string; manufacturer: string | null; model: string | null; serial: string | null;
  inServiceDate: string | null; costVnd: number | null; warrantyEnd: string | null; serviceLifeYears: number | null;
}

/** The record fields an import sets (undefined: the file leaves it as it is). */
export interface ImportedRecord {
  /** A new device without a name is named after its code; an existing one keeps its name. */
  name?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  inServiceDate?: string;
  costVnd?: number;
  warrantyEnd?: string;
  serviceLifeYears?: number;
}

/** Where a row puts its device: a school known to the registry, a site and a room (either may be new). */
export interface Place { schoolCode: string; schoolId: number; site: string; room: string; roomType: RoomType }

export interface PlannedRow {
  line: number;
  action: 'create' | 'update' | 'unchanged';
  code: string;
  kind: DeviceKind;
  /** The existing device (update, unchanged). */
  deviceId?: string;
  /** Fields that differ (update). */
  changes: string[];
  record: ImportedRecord;
  place: Place;
}
export interface RefusedRow { line: number; code?: string; reason: string }

export interface ImportPlan {
  rows: PlannedRow[];
  refused: RefusedRow[];
  newSites: { schoolCode: string; name: string }[];
  newRooms: { schoolCode: string; site: string; code: string; type: RoomType }[];
  /** Header names the importer did not use. */
  ignoredColumns: string[];
  /** Things the user should know that do not refuse a row (e.g. a room type that differs from the existing room's). */
  notes: string[];
  counts: { create: number; update: number; unchanged: number; refused: number };
}

/** Sites and rooms match by name/code ignoring case, spacing and diacritics ("Diem chinh" = "Điểm chính"). */
export const siteKey = foldKey;
export const roomKey = siteKey;

const DEFAULT_SITE = 'Điểm chính';

/** Builds the plan. `onProgress` is called with the number of rows looked at. */
export function planImport(sheet: Sheet, snap: RegistrySnapshot, onProgress?: (done: number, total: number) => void): ImportPlan {
  const { index, ignored } = mapHeader(sheet.header);
  const plan: ImportPlan = { rows: [], refused: [], newSites: [], newRooms: [], ignoredColumns: ignored, notes: [], counts: { create: 0, update: 0, unchanged: 0, refused: 0 } };
  const firstLineOfCode = new Map<string, number>();
  // New sites and rooms take the first spelling the file uses.
  const newSiteNames = new Map<string, string>();
  const newRoomCodes = new Map<string, string>();
  const notedRooms = new Set<number>();

  sheet.rows.forEach((row, i) => {
    if (i % 100 === 0) onProgress?.(i, sheet.rows.length);
    const get = (c: Column): string => {
      const at = index.get(c);
      return at === undefined ? '' : (row.cells[at] ?? '').trim();
    };
    if (isBlankRow(row)) return;
    const code = get('code');
    const refuse = (reason: string) => { plan.refused.push({ line: row.line, ...(code ? { code } : {}), reason: `line ${row.line}: ${reason}` }); };
    // Cells that do not line up with the header would put values under the wrong columns.
    const shape = cellCountProblem(sheet, row);
    if (shape) return refuse(shape);
    const col = (c: Column) => `column ${COLUMNS[c].label}`;
    const field = <T>(c: Column, parser: (s: string) => Parsed<T>, what: string): { value?: T; error?: string } => {
      const raw = get(c);
      if (!raw) return {};
      const p = parser(raw);
      return p.ok ? { value: p.value } : { error: `${what} '${raw}' ${p.reason} (${col(c)})` };
    };

    if (!code) return refuse(`missing device code (${col('code')})`);
    const first = firstLineOfCode.get(code);
    if (first !== undefined) return refuse(`duplicate device code '${code}' (${col('code')}); first seen on line ${first}`);
    firstLineOfCode.set(code, row.line);

    const errors: string[] = [];
    const kindRaw = get('kind');
    let kind: DeviceKind | undefined;
    if (!kindRaw) errors.push(`missing device kind (${col('kind')})`);
    else {
      const k = parseKind(kindRaw);
      if (k.ok) kind = k.value; else errors.push(`unknown device kind '${kindRaw}' (${col('kind')}); ${k.reason}`);
    }
    const schoolCode = get('school');
    const school = schoolCode ? snap.schools.get(schoolCode) : undefined;
    if (!schoolCode) errors.push(`missing school code (${col('school')})`);
    else if (!school) errors.push(`unknown school code '${schoolCode}' (${col('school')}); schools must exist in the registry first`);
    else if (snap.mayUseSchool && !snap.mayUseSchool(school.id)) errors.push(`school '${schoolCode}' is outside your scope (${col('school')})`);
    const roomCode = get('room');
    if (!roomCode) errors.push(`missing room (${col('room')})`);
    const siteName = get('site') || DEFAULT_SITE;
    let roomType: RoomType = 'classroom';
    const rt = field('roomType', parseRoomType, 'unknown room type');
    if (rt.error) errors.push(rt.error); else if (rt.value) roomType = rt.value;

    const date = field('inServiceDate', parseDate, 'date');
    if (date.error) errors.push(date.error);
    else if (date.value && snap.today && date.value > snap.today) {
      errors.push(`date put into service '${get('inServiceDate')}' is in the future (today is ${formatDay('vi', snap.today)}) (${col('inServiceDate')})`);
    }
    const cost = field('cost', parseMoney, 'cost');
    if (cost.error) errors.push(cost.error);
    const months = field('warrantyMonths', parseWhole, 'warranty');
    if (months.error) errors.push(`${months.error.replace('is not a whole number', 'is not a whole number of months')}`);
    const wEnd = field('warrantyEnd', parseDate, 'warranty end date');
    if (wEnd.error) errors.push(wEnd.error);
    if (months.value !== undefined && !date.value && !date.error) errors.push(`warranty in months needs the date put into service (${col('inServiceDate')})`);
    const life = field('serviceLife', parseWhole, 'service life');
    if (life.error) errors.push(`${life.error.replace('is not a whole number', 'is not a whole number of years')}`);
    if (errors.length || !kind || !school || !roomCode) return refuse(errors.join('; '));

    const record: ImportedRecord = {};
    if (get('name')) record.name = get('name');
    const opt = (c: Column) => get(c) || undefined;
    if (opt('manufacturer')) record.manufacturer = opt('manufacturer');
    if (opt('model')) record.model = opt('model');
    if (opt('serial')) record.serial = opt('serial');
    if (date.value) record.inServiceDate = date.value;
    if (cost.value !== undefined) record.costVnd = cost.value;
    if (months.value !== undefined && date.value) record.warrantyEnd = addMonths(date.value, months.value);
    else if (wEnd.value) record.warrantyEnd = wEnd.value;
    if (life.value !== undefined) record.serviceLifeYears = life.value;

    // Where: existing site and room, or new ones (listed once in the plan).
    const site = snap.sites.get(`${school.id}|${siteKey(siteName)}`);
    const room = site ? snap.rooms.get(`${site.id}|${roomKey(roomCode)}`) : undefined;
    const sKey = `${schoolCode}|${siteKey(siteName)}`;
    if (!site && !newSiteNames.has(sKey)) { newSiteNames.set(sKey, siteName); plan.newSites.push({ schoolCode, name: siteName }); }
    const rKey = `${sKey}|${roomKey(roomCode)}`;
    if (!room && !newRoomCodes.has(rKey)) {
      newRoomCodes.set(rKey, roomCode);
      plan.newRooms.push({ schoolCode, site: site?.name ?? newSiteNames.get(sKey) ?? siteName, code: roomCode, type: roomType });
    }
    if (room && rt.value && rt.value !== room.type && !notedRooms.has(room.id)) {
      notedRooms.add(room.id);
      plan.notes.push(`line ${row.line}: room '${room.code}' already exists as ${room.type}; room type '${get('roomType')}' (${col('roomType')}) is not changed by an import`);
    }
    const place: Place = {
      schoolCode, schoolId: school.id, site: site?.name ?? newSiteNames.get(sKey) ?? siteName, room: room?.code ?? newRoomCodes.get(rKey) ?? roomCode, roomType: room?.type ?? roomType,
    };

    const existing = snap.devices.get(code);
    if (existing && snap.mayUseSchool && !snap.mayUseSchool(existing.schoolId)) {
      return refuse(`device code '${code}' is already registered in a school outside your scope (${col('code')})`);
    }
    if (!existing) {
      record.name ??= code;
      plan.rows.push({ line: row.line, action: 'create', code, kind, changes: [], record, place });
      return;
    }
    if (existing.kind !== kind) {
      return refuse(`device '${code}' is registered as ${KINDS[existing.kind].label.vi}, the file says ${KINDS[kind].label.vi} (${col('kind')}); an import does not change a device's kind`);
    }
    const changes: string[] = [];
    for (const k of Object.keys(record) as (keyof ImportedRecord)[]) {
      if (record[k] !== undefined && record[k] !== existing[k]) changes.push(k);
    }
    if (!room || room.id !== existing.roomId) changes.push('room');
    plan.rows.push({ line: row.line, action: changes.length ? 'update' : 'unchanged', code, kind, deviceId: existing.id, changes, record, place });
  });
  onProgress?.(sheet.rows.length, sheet.rows.length);
  for (const r of plan.rows) plan.counts[r.action]++;
  plan.counts.refused = plan.refused.length;
  return plan;
}
