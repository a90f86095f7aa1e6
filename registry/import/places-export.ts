/**
 * Export of the province's districts, schools and sites with the headers the places import reads: one row per site
 * (a school without sites gets one row with no site), and a row of its own for a district without schools, so an
 * export imports back as all unchanged.
 */
import type { RegistryStore } from '../store/index.js';
import { csvText, writeSheetFile, xlsxBuffer } from '../../lib/sheets/write.js';
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

/** CSV text with a BOM (so Excel reads it as UTF-8), CRLF line ends. */
export function placesCsv(rows: PlacesRow[]): string {
  return csvText(PLACES_HEADER, rows);
}

export function placesXlsx(rows: PlacesRow[]): Promise<Buffer> {
  return xlsxBuffer([{ name: 'Trường', header: PLACES_HEADER, rows, width: 22 }]);
}

/** Writes the province's places to FILE.csv or FILE.xlsx; returns the number of rows. */
export async function exportPlaces(reg: RegistryStore, file: string): Promise<number> {
  const rows = await placesRows(reg);
  await writeSheetFile(file, { csv: () => placesCsv(rows), xlsx: () => placesXlsx(rows) });
  return rows.length;
}
