/**
 * The thread that parses an upload (isolated.ts starts it with a heap limit). A refusal comes back as a message with
 * its code; running out of heap ends the thread, which the parent reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EdufleetError } from '../errors.js';
import type { SheetLimits } from './limits.js';
import { readSheet, type Sheet } from './read.js';

export interface ParseRequest { name: string; data: Uint8Array; limits: SheetLimits }
export type ParseReply = { sheet: Sheet } | { error: { code: string; message: string } };

const req = workerData as ParseRequest;
const reply = (r: ParseReply) => parentPort!.postMessage(r);
readSheet(req.name, Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength), req.limits).then(
  (sheet) => reply({ sheet }),
  (err: unknown) => reply({
    error: err instanceof EdufleetError ? { code: err.code, message: err.message } : { code: 'EDUFLEET_ERR_IMPORT_FILE', message: `the file could not be read: ${(err as Error).message}` },
  }),
);
