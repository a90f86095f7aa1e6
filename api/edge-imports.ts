/**
 * The sneakernet up in the web app (docs/edge.md): POST /api/edges/imports?name=FILE with an edge's export file as the
 * body (application/octet-stream) starts a job that verifies and applies it; GET /api/edges/imports/:id polls it.
 * Admins only (`edges.import`); one upload at a time per user, as the other imports.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ApiErrorBody } from './common.js';
import { JobId, lit, Obj } from './kit.js';

/** What the import did, as `edufleet edge import` prints it. */
export const EdgeImportResult = Obj({
  edge: Type.String(),
  site: Type.String(),
  records: Type.Integer({ description: 'Records in the file.' }),
  applied: Type.Integer({ description: 'New records applied.' }),
  present: Type.Integer({ description: 'Records the province already had.' }),
  refused: Type.Integer({ description: 'Records refused (another site\'s devices, malformed).' }),
  invalid: Type.Integer({ description: 'New records the gateway\'s validation refused (stored as rejected).' }),
  gaps: Type.Integer({ description: 'New records that did not follow their device\'s previous one.' }),
  devices: Type.Integer(),
  refusedDevices: Type.Array(Type.String()),
  days: Type.Array(Type.String(), { description: 'Local days (yyyy-mm-dd) marked for re-analysis.' }),
});
export type EdgeImportResult = Static<typeof EdgeImportResult>;

export const EdgeImportJob = Obj({
  id: Type.String(),
  file: Type.String(),
  status: lit(['importing', 'done', 'failed']),
  progress: Obj({ done: Type.Integer(), total: Type.Integer() }),
  result: Type.Optional(EdgeImportResult),
  error: Type.Optional(ApiErrorBody),
});
export type EdgeImportJob = Static<typeof EdgeImportJob>;
export const EdgeImportStartQuery = Obj({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\.(efe|EFE)$' }) });
export type EdgeImportStartQuery = Static<typeof EdgeImportStartQuery>;
export const EdgeImportParams = Obj({ id: JobId });
export type EdgeImportParams = Static<typeof EdgeImportParams>;
