/**
 * The columns a kind of sheet knows (equipment register, list of schools): a header names a column by its label or
 * an alias, with or without diacritics, and a missing required column stops the whole file, naming what it has.
 */
import { EdufleetError } from '../errors.js';
import { fold } from './cells.js';

export interface ColumnDef {
  /** The header the templates and exports use. */
  label: string;
  /** Its English name, for messages. */
  en: string;
  /** Folded spellings (see `fold`) a header may use. */
  aliases: readonly string[];
}
export interface HeaderMap<C extends string> { index: Map<C, number>; ignored: string[] }

export interface SheetColumns<C extends string> {
  /** Which column a header names, if any. */
  columnOf(header: string): C | undefined;
  /** The position of each known column (the first header naming it) and the header names not used. */
  mapHeader(header: string[]): HeaderMap<C>;
}

export function sheetColumns<C extends string>(columns: Record<C, ColumnDef>, required: readonly NoInfer<C>[]): SheetColumns<C> {
  const alias = new Map<string, C>();
  for (const c of Object.keys(columns) as C[]) for (const a of columns[c].aliases) alias.set(a, c);
  const columnOf = (header: string): C | undefined => alias.get(fold(header));
  const mapHeader = (header: string[]): HeaderMap<C> => {
    const index = new Map<C, number>();
    const ignored: string[] = [];
    header.forEach((h, i) => {
      const col = columnOf(h);
      if (col && !index.has(col)) index.set(col, i);
      else if (h.trim()) ignored.push(h.trim());
    });
    const missing = required.filter((c) => !index.has(c));
    if (missing.length) {
      throw new EdufleetError('EDUFLEET_ERR_IMPORT_COLUMNS',
        `missing required column(s): ${missing.map((c) => `'${columns[c].label}' (${columns[c].en})`).join(', ')}; ` +
        `the header line has: ${header.filter((h) => h.trim()).map((h) => `'${h.trim()}'`).join(', ') || 'nothing'}`);
    }
    return { index, ignored };
  };
  return { columnOf, mapHeader };
}
