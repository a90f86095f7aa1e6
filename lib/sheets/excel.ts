import type ExcelJS from 'exceljs';

let loading: Promise<typeof ExcelJS> | undefined;

/**
 * exceljs, loaded on first use: its ~170 modules cost every process ~0.4 s of CPU at start (a broker restarting
 * into a reconnect storm included), and only sheet imports and exports need them.
 */
export function loadExcel(): Promise<typeof ExcelJS> {
  loading ??= import('exceljs').then((m) => m.default);
  return loading;
}
