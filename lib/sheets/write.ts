/**
 * Writes sheets as CSV or XLSX for every export (equipment register, places, usage report), so each CSV opens in a
 * spreadsheet with its diacritics, keeps commas and semicolons inside their values and never runs a cell as a formula.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadExcel } from './excel.js';
import { EdufleetError } from '../errors.js';

export type Cell = string | number | null;

/** A text cell a spreadsheet would run as a formula gets a leading apostrophe (readCsv removes it again). */
export function defuseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvField(cell: Cell): string {
  const v = defuseFormula(cell === null ? '' : String(cell));
  // `;` is quoted too: readCsv takes `;` as the separator of a file whose header has more of them than commas.
  return /[",;\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text with a BOM (so Excel reads it as UTF-8), CRLF line ends. */
export function csvText(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) lines.push(r.map(csvField).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export interface XlsxSheet {
  name: string;
  header: readonly string[];
  /** Cells are typed strings or numbers in XLSX, never formulas, so text is written as it is. */
  rows: readonly (readonly Cell[])[];
  /** A bold line above the header. */
  title?: string;
  /** One width for every column, or 'fit' each column to its longest text (10 to 60 characters). */
  width?: number | 'fit';
  /** Number formats by column number (1 = first), e.g. `{ 14: '#,##0' }`. */
  numFmt?: Record<number, string>;
}

function fitWidth(s: XlsxSheet, i: number): number {
  const texts = [s.header[i] ?? '', ...s.rows.map((r) => String(r[i] ?? ''))];
  return Math.min(60, Math.max(10, ...texts.map((t) => t.length + 2)));
}

/** A workbook with one worksheet per sheet; `onRow` is called after each data row (for progress). */
export async function xlsxBuffer(sheets: readonly XlsxSheet[], opts: { creator?: string; onRow?: () => void } = {}): Promise<Buffer> {
  const wb = new (await loadExcel()).Workbook();
  if (opts.creator) wb.creator = opts.creator;
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    if (s.title !== undefined) ws.addRow([s.title]).font = { bold: true };
    ws.addRow([...s.header]).font = { bold: true };
    for (const r of s.rows) {
      ws.addRow([...r]);
      opts.onRow?.();
    }
    for (const [col, fmt] of Object.entries(s.numFmt ?? {})) ws.getColumn(Number(col)).numFmt = fmt;
    const width = s.width ?? 18;
    ws.columns.forEach((c, i) => { c.width = width === 'fit' ? fitWidth(s, i) : width; });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Writes FILE.csv or FILE.xlsx, the caller giving both forms; any other extension is refused. */
export async function writeSheetFile(file: string, forms: { csv: () => string; xlsx: () => Promise<Buffer> }): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') await writeFile(file, forms.csv());
  else if (ext === '.xlsx') await writeFile(file, await forms.xlsx());
  else throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `cannot export to '${ext || file}': use a file name ending in .csv or .xlsx`);
}
