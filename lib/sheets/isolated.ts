/**
 * Parses an uploaded sheet in a worker thread whose heap is capped (imports.parseMemoryMb): a file that gets past
 * the checks before parsing (a zip whose directory lies about its sizes, a sheet without a dimension) and would
 * need gigabytes exhausts the worker, not the dashboard, and the user gets an error saying so.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EdufleetError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { SheetLimits } from './limits.js';
import type { ParseReply, ParseRequest } from './parse-worker.js';
import type { Sheet } from './read.js';
import { checkXlsx } from './xlsx-guard.js';

export interface IsolatedLimits extends SheetLimits {
  /** The worker's old-generation heap, in MB. */
  parseMemoryMb: number;
}

/**
 * The worker's script. Compiled, it is the .js next to this file. From the sources (tests, `tsx`) a worker does not
 * inherit the TypeScript loader, so it registers tsx's hooks itself before importing the .ts.
 */
function startWorker(req: ParseRequest, memoryMb: number): Worker {
  const own = import.meta.url;
  const resourceLimits = { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(16, memoryMb / 4) };
  if (!own.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', own), { workerData: req, resourceLimits });
  const tsx = pathToFileURL(createRequire(own).resolve('tsx/esm')).href.replace(/\/esm\/index\.mjs$/, '/esm/api/index.mjs');
  const script = new URL('./parse-worker.ts', own).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(code, { eval: true, workerData: req, resourceLimits });
}

/**
 * Parses at once at most: each worker may take parseMemoryMb, so ten uploads at the same moment must not mean ten
 * times that; the others wait their turn (an upload is a rare, human-paced event).
 */
export const PARSE_CONCURRENCY = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function turn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= PARSE_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function memoryError(memoryMb: number): EdufleetError {
  return new EdufleetError('EDUFLEET_ERR_IMPORT_MEMORY',
    `reading this file needed more than the ${memoryMb} MB allowed (imports.parseMemoryMb) and was stopped; ` +
    'the file holds far more than a register: split it, or save it again from Excel or LibreOffice');
}

/** Checks, then parses `data` (named `name`, .csv or .xlsx) in a worker; resolves with the sheet or a coded error. */
export async function readSheetIsolated(name: string, data: Buffer, limits: IsolatedLimits): Promise<Sheet> {
  // Cheap and in this thread: a refused bomb never costs a worker.
  if (/\.xlsx$/i.test(name)) await checkXlsx(data, limits);
  const { parseMemoryMb, ...sheetLimits } = limits;
  return turn(() => parseInWorker({ name, data: new Uint8Array(data), limits: sheetLimits }, parseMemoryMb));
}

function parseInWorker(req: ParseRequest, parseMemoryMb: number): Promise<Sheet> {
  const worker = startWorker(req, parseMemoryMb);
  return new Promise<Sheet>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; f(); } };
    worker.once('message', (r: ParseReply) => settle(() => {
      if ('sheet' in r) resolve(r.sheet);
      else reject(new EdufleetError(r.error.code in ERROR_CODES ? r.error.code as ErrorCode : 'EDUFLEET_ERR_IMPORT_FILE', r.error.message));
      void worker.terminate();
    }));
    worker.once('error', (err: NodeJS.ErrnoException) => settle(() => reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? memoryError(parseMemoryMb)
      : new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `the file could not be read: ${err.message}`, { cause: err }))));
    worker.once('exit', (code) => settle(() => reject(new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `the file reader stopped (exit code ${code}) before it finished`))));
  });
}
