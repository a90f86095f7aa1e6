/**
 * Reads a CSV or XLSX sheet (an equipment register, a list of schools, timetables) into rows of text, each with the
 * line number the user sees, so every importer can name the line it refuses.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { loadExcel } from './excel.js';
import { EdufleetError } from '../errors.js';
import { checkSheetSize, DEFAULT_SHEET_LIMITS, type SheetLimits } from './limits.js';
import { checkXlsx } from './xlsx-guard.js';

export interface SheetRow { line: number; cells: string[] }
export interface Sheet { header: string[]; rows: SheetRow[] }

/** A row with nothing in any cell (importers skip it silently). */
export function isBlankRow(row: SheetRow): boolean {
  return row.cells.every((c) => !c.trim());
}

/**
 * Why a row's cells do not line up with the header, or undefined when they do. In a CSV every row must have as many
 * cells as the header (one more usually means a comma inside an unquoted value, one fewer a lost separator). An XLSX
 * row cannot be short (an empty cell is just empty), so there only a value under no header is refused.
 */
export function cellCountProblem(sheet: Sheet, row: SheetRow): string | undefined {
  const hint = 'a value holding a comma or semicolon must be in double quotes';
  if (row.cells.length !== sheet.header.length) {
    return `this row has ${row.cells.length} cells but the header has ${sheet.header.length}; ${hint}`;
  }
  let width = sheet.header.length;
  while (width > 0 && !sheet.header[width - 1]!.trim()) width--;
  const lastFilled = row.cells.reduce((last, c, i) => (c.trim() ? i + 1 : last), 0);
  if (lastFilled > width) return `this row has a value in column ${lastFilled} but the header names only ${width} columns; ${hint}`;
  return undefined;
}

/** CSV text (UTF-8, with or without BOM, quoted fields; `,` or `;` separated). Header = line 1. */
export function readCsv(text: string, limits: SheetLimits = DEFAULT_SHEET_LIMITS): Sheet {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true }) as unknown as typeof records;
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `the CSV file could not be read: ${(err as Error).message}`, { cause: err });
  }
  const [head, ...rest] = records;
  if (!head) throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', 'the file is empty (no header line)');
  checkCsvSize(records, limits);
  const rows: SheetRow[] = [];
  let prevEnd = head.info.lines;
  for (const r of rest) {
    // An exported text cell that starts like a formula carries a leading apostrophe (see write.ts).
    rows.push({ line: prevEnd + 1, cells: r.record.map((c) => (/^'[=+\-@\t\r]/.test(c) ? c.slice(1) : c)) });
    prevEnd = r.info.lines;
  }
  return { header: head.record, rows };
}

/** Rows and columns of a parsed CSV against the limits, naming the first line past the row limit and the widest line. */
function checkCsvSize(records: { record: string[]; info: { lines: number } }[], limits: SheetLimits): void {
  let widest = 0;
  records.forEach((r, i) => { if (r.record.length > records[widest]!.record.length) widest = i; });
  // info.lines is the line a record ends on: the next record starts one line later.
  const lineOf = (i: number) => (i === 0 ? 1 : records[i - 1]!.info.lines + 1);
  const dataRows = records.length - 1;
  checkSheetSize(dataRows, records[widest]!.record.length, limits, { firstOver: dataRows > limits.maxRows ? lineOf(limits.maxRows + 1) : undefined, widest: lineOf(widest) });
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${p(v.getUTCDate())}/${p(v.getUTCMonth() + 1)}/${v.getUTCFullYear()}`;
  }
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return '';
    return '';
  }
  return String(v);
}

/**
 * The first sheet of an XLSX workbook; row numbers are the sheet's own (header = row 1). Checked before it is
 * parsed (xlsx-guard.ts); run it through `readSheetIsolated` where a bomb must not reach this process's heap.
 */
export async function readXlsx(data: Buffer, limits: SheetLimits = DEFAULT_SHEET_LIMITS): Promise<Sheet> {
  await checkXlsx(data, limits);
  const wb = new (await loadExcel()).Workbook();
  try {
    // exceljs's types want its own Buffer flavour; a Node Buffer is what it reads.
    await wb.xlsx.load(data as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `the XLSX file could not be read: ${(err as Error).message}`, { cause: err });
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', 'the workbook has no sheet');
  // A sheet without a <dimension> got past the guard; its real size is known now, before any row is copied.
  checkSheetSize(Math.max(0, ws.actualRowCount - 1), ws.columnCount, limits);
  let header: string[] | undefined;
  const rows: SheetRow[] = [];
  const width = ws.columnCount;
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellText(row.getCell(c).value));
    if (n === 1) header = cells;
    else rows.push({ line: n, cells });
  });
  if (!header) throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', 'the first sheet has no header in row 1');
  return { header, rows };
}

/** Reads a .csv or .xlsx file by its extension. */
export async function readSheetFile(file: string, limits: SheetLimits = DEFAULT_SHEET_LIMITS): Promise<Sheet> {
  let data: Buffer;
  try { data = await readFile(file); } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `cannot read '${file}': ${(err as Error).message}`, { cause: err });
  }
  return readSheet(path.basename(file), data, limits);
}

/** Reads an uploaded file by its name's extension (.csv or .xlsx). */
export async function readSheet(name: string, data: Buffer, limits: SheetLimits = DEFAULT_SHEET_LIMITS): Promise<Sheet> {
  const ext = path.extname(name).toLowerCase();
  if (ext === '.xlsx') return readXlsx(data, limits);
  if (ext === '.csv' || ext === '.txt') return readCsv(data.toString('utf8'), limits);
  throw new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `unsupported file type '${ext || name}': use .csv or .xlsx`);
}
