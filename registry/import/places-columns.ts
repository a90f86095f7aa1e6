/**
 * The columns and values of a Sở's list of districts, schools and sites (Vietnamese headers with or without
 * diacritics, English aliases), and the school levels as offices write them.
 */
import { EdufleetError } from '../../lib/errors.js';
import { bad, fold, ok, type Parsed } from '../../lib/sheets/index.js';
import { SCHOOL_LEVELS, type SchoolLevel } from '../types.js';

export const PLACE_COLUMNS = {
  districtCode: { label: 'Mã Phòng GDĐT', en: 'district code', aliases: ['ma phong gddt', 'ma phong gd&dt', 'ma phong giao duc', 'district code'] },
  district: { label: 'Phòng GDĐT', en: 'district', aliases: ['phong gddt', 'phong gd&dt', 'ten phong gddt', 'ten phong gd&dt', 'phong giao duc', 'district', 'district name'] },
  code: { label: 'Mã trường', en: 'school code', aliases: ['ma truong', 'school code', 'code'] },
  name: { label: 'Tên trường', en: 'school name', aliases: ['ten truong', 'school name', 'name', 'school'] },
  level: { label: 'Cấp học', en: 'level', aliases: ['cap hoc', 'bac hoc', 'level', 'school level'] },
  pupils: { label: 'Số học sinh', en: 'pupils', aliases: ['so hoc sinh', 'hoc sinh', 'pupils', 'students', 'number of pupils'] },
  site: { label: 'Điểm trường', en: 'site', aliases: ['diem truong', 'site'] },
} as const;
export type PlaceColumn = keyof typeof PLACE_COLUMNS;
export const REQUIRED_PLACE_COLUMNS: readonly PlaceColumn[] = ['code', 'name'];
/** The header of an export, in the order the Sở's template has them. */
export const PLACES_HEADER = (['districtCode', 'district', 'code', 'name', 'level', 'pupils', 'site'] as const).map((c) => PLACE_COLUMNS[c].label);

const ALIAS = new Map<string, PlaceColumn>();
for (const [col, def] of Object.entries(PLACE_COLUMNS) as [PlaceColumn, (typeof PLACE_COLUMNS)[PlaceColumn]][]) for (const a of def.aliases) ALIAS.set(a, col);

export function placeColumnOf(header: string): PlaceColumn | undefined {
  return ALIAS.get(fold(header));
}

/** Which column each header names; a missing required column stops the whole file, naming what the header has. */
export function mapPlaceHeader(header: string[]): { index: Map<PlaceColumn, number>; ignored: string[] } {
  const index = new Map<PlaceColumn, number>();
  const ignored: string[] = [];
  header.forEach((h, i) => {
    const col = placeColumnOf(h);
    if (col && !index.has(col)) index.set(col, i);
    else if (h.trim()) ignored.push(h.trim());
  });
  const missing = REQUIRED_PLACE_COLUMNS.filter((c) => !index.has(c));
  if (missing.length) {
    throw new EdufleetError('EDUFLEET_ERR_IMPORT_COLUMNS',
      `missing required column(s): ${missing.map((c) => `'${PLACE_COLUMNS[c].label}' (${PLACE_COLUMNS[c].en})`).join(', ')}; ` +
      `the header line has: ${header.filter((h) => h.trim()).map((h) => `'${h.trim()}'`).join(', ') || 'nothing'}`);
  }
  return { index, ignored };
}

export const LEVEL_LABELS: Record<SchoolLevel, string> = { mam_non: 'Mầm non', tieu_hoc: 'Tiểu học', thcs: 'THCS', thpt: 'THPT', gdtx: 'GDTX' };
const LEVEL_WORDS: Record<string, SchoolLevel> = {
  'mau giao': 'mam_non', 'nha tre': 'mam_non', 'kindergarten': 'mam_non', 'preschool': 'mam_non',
  'primary': 'tieu_hoc', 'primary school': 'tieu_hoc',
  'trung hoc co so': 'thcs', 'lower secondary': 'thcs',
  'trung hoc pho thong': 'thpt', 'upper secondary': 'thpt', 'high school': 'thpt',
  'giao duc thuong xuyen': 'gdtx', 'gdnn-gdtx': 'gdtx', 'gdnn gdtx': 'gdtx', 'continuing education': 'gdtx',
};
for (const l of SCHOOL_LEVELS) { LEVEL_WORDS[fold(LEVEL_LABELS[l])] = l; LEVEL_WORDS[fold(l)] = l; }

/** "Mầm non", "mam non", "TIỂU HỌC", "Trung học cơ sở", "thpt", "gdtx", the internal codes … → a level. */
export function parseLevel(raw: string): Parsed<SchoolLevel> {
  const l = LEVEL_WORDS[fold(raw)] ?? LEVEL_WORDS[fold(raw).replace(/^(truong|cap)\s+/, '')];
  return l ? ok(l) : bad(`known: ${SCHOOL_LEVELS.map((x) => LEVEL_LABELS[x]).join(', ')}`);
}
