/**
 * The sneakernet up in the web app (docs/edge.md): POST /api/edges/imports?name=FILE with an edge's export file as the
 * body (application/octet-stream) starts a job that verifies and applies it; GET /api/edges/imports/:id polls it.
 * Admins only (`edges.import`); one upload at a time per user, as the other imports.
 */
import type { ApiErrorBody } from './common.js';

/** What the import did, as `edufleet edge import` prints it. */
export interface EdgeImportResult {
  edge: string;
  site: string;
  /** Records in the file. */
  records: number;
  /** New records applied; records the province already had; records refused (another site's devices, malformed). */
  applied: number;
  present: number;
  refused: number;
  /** New records the gateway's validation refused (stored as rejected). */
  invalid: number;
  /** New records that did not follow their device's previous one. */
  gaps: number;
  devices: number;
  refusedDevices: string[];
  /** Local days (yyyy-mm-dd) marked for re-analysis. */
  days: string[];
}

export interface EdgeImportJob {
  id: string;
  file: string;
  status: 'importing' | 'done' | 'failed';
  progress: { done: number; total: number };
  result?: EdgeImportResult;
  error?: ApiErrorBody;
}
export interface EdgeImportStartQuery { name: string }
export interface EdgeImportParams { id: string }
