/**
 * The columns and values of a Sở's list of districts, schools and sites (Vietnamese headers with or without
 * diacritics, English aliases), and the school levels as offices write them.
 */
import { bad, fold, ok, sheetColumns, type Parsed } from '../../lib/sheets/index.js';
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

export const { columnOf: placeColumnOf, mapHeader: mapPlaceHeader } = sheetColumns(PLACE_COLUMNS, REQUIRED_PLACE_COLUMNS);

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
