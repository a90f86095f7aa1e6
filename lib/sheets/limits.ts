/**
 * How big a sheet EduFleet agrees to read. An XLSX is a zip: 20 MB uploaded can unpack to gigabytes of XML (a zip
 * bomb), so its central directory is checked before anything is inflated, and the parse itself runs in a worker
 * with a heap limit (isolated.ts). A CSV is bounded by its upload size; its rows and columns are counted too.
 */
import { EdufleetError } from '../errors.js';

export interface SheetLimits {
  /** Sum of the uncompressed sizes of the zip's parts. */
  maxUncompressedBytes: number;
  maxRows: number;
  maxColumns: number;
}

/** The configuration's defaults (config/schema.ts, imports.*), for the CLI commands that read a file without a config. */
export const DEFAULT_SHEET_LIMITS: SheetLimits = { maxUncompressedBytes: 104_857_600, maxRows: 100_000, maxColumns: 200 };

/** Excel writes a dozen parts; a workbook with many sheets and pictures a few hundred. */
export const MAX_ZIP_ENTRIES = 1000;
/**
 * A part that unpacks to more than this many times its packed size is a bomb: a real register's sheet XML packs
 * 5–20 times (every cell has its own reference and value); 1 MB of one repeated row packs ~1000 times.
 */
export const MAX_COMPRESSION_RATIO = 200;
/** Small parts may pack better than that (a few KB of styles); the ratio is judged above this size only. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

function limitError(message: string): EdufleetError {
  return new EdufleetError('EDUFLEET_ERR_IMPORT_LIMIT', message);
}

/**
 * Refuses a sheet that has more rows (data lines, the header not counted) or columns than allowed; `lines` names, when
 * known, the first line past the row limit and the widest line, so the user finds them.
 */
export function checkSheetSize(rows: number, columns: number, limits: SheetLimits, lines: { firstOver?: number; widest?: number } = {}): void {
  if (rows > limits.maxRows) {
    const at = lines.firstOver ? ` (line ${lines.firstOver} is the first past it)` : '';
    throw limitError(`the sheet has ${rows} rows; at most ${limits.maxRows} are imported at once (imports.maxRows)${at}: split the file`);
  }
  if (columns > limits.maxColumns) {
    const at = lines.widest ? ` (line ${lines.widest})` : '';
    throw limitError(`the sheet has ${columns} columns${at}; at most ${limits.maxColumns} are read (imports.maxColumns): delete the unused columns`);
  }
}

export function tooBig(what: string, size: number, limit: number, option: string): EdufleetError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return limitError(`${what} unpacks to ${mb(size)}, more than the ${mb(limit)} allowed (${option}); the file is refused before it is read`);
}

export function bombError(part: string, ratio: number): EdufleetError {
  return limitError(`the part '${part}' of this XLSX unpacks to ${Math.round(ratio)} times its packed size (at most ${MAX_COMPRESSION_RATIO}): ` +
    'this is not a sheet a spreadsheet program writes; save it again from Excel or LibreOffice');
}

export function entriesError(count: number): EdufleetError {
  return limitError(`this XLSX has ${count} parts, more than ${MAX_ZIP_ENTRIES}: it is not a plain workbook`);
}

/** "A1:AB1200" → its last row and column (1-based); undefined for a ref it cannot read. */
export function dimensionSize(ref: string): { rows: number; columns: number } | undefined {
  const end = ref.split(':').at(-1) ?? '';
  const m = /^\$?([A-Za-z]{1,3})\$?(\d{1,7})$/.exec(end);
  if (!m) return undefined;
  const columns = [...m[1]!.toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
  return { rows: Number(m[2]), columns };
}
