/** The equipment import from the web app: a background job that reads and plans a CSV/XLSX, then applies it. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ApiErrorBody } from './common.js';
import { lit, Obj } from './kit.js';

export { JobParams } from './kit.js';

/**
 * An import in the web app: POST /api/imports?name=FILE (the file as the body) starts a job that reads and plans;
 * GET /api/imports/:id polls it; POST /api/imports/:id/apply applies it (re-planned against the registry as it is
 * then). `progress` moves through the phases so a large file shows a progress bar.
 */
const importJobFields = <Plan extends TSchema>(plan: Plan) => ({
  id: Type.String(),
  file: Type.String(),
  status: lit(['planning', 'planned', 'applying', 'applied', 'failed']),
  progress: Obj({ phase: lit(['read', 'plan', 'apply']), done: Type.Integer(), total: Type.Integer() }),
  plan: Type.Optional(plan),
  error: Type.Optional(ApiErrorBody),
});

const Refused = Obj({ line: Type.Integer(), code: Type.Optional(Type.String()), reason: Type.String() });

export const ImportPlanView = Obj({
  counts: Obj({ create: Type.Integer(), update: Type.Integer(), unchanged: Type.Integer(), refused: Type.Integer() }),
  rows: Type.Array(Obj({
    line: Type.Integer(), action: lit(['create', 'update', 'unchanged']), code: Type.String(), kind: Type.String(), name: Type.String(),
    school: Type.String(), site: Type.String(), room: Type.String(), changes: Type.Array(Type.String()),
  })),
  refused: Type.Array(Refused),
  newSites: Type.Array(Obj({ schoolCode: Type.String(), name: Type.String() })),
  newRooms: Type.Array(Obj({ schoolCode: Type.String(), site: Type.String(), code: Type.String(), type: Type.String() })),
  ignoredColumns: Type.Array(Type.String()),
  notes: Type.Array(Type.String()),
});
export type ImportPlanView = Static<typeof ImportPlanView>;

export const ImportJob = Obj({
  ...importJobFields(ImportPlanView),
  created: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Devices created (code → id), once applied.' })),
});
export type ImportJob = Static<typeof ImportJob>;

export const ImportStartQuery = Obj({ name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\.(csv|CSV|xlsx|XLSX|txt)$' }) });
export type ImportStartQuery = Static<typeof ImportStartQuery>;
export const ApplyImportInput = Obj({
  applyValid: Type.Optional(Type.Boolean({ description: 'Apply the valid rows although some were refused (must be asked for explicitly).' })),
});
export type ApplyImportInput = Static<typeof ApplyImportInput>;
/** GET /api/register.csv|xlsx and /api/places.csv|xlsx. */
export const ExportFormatParams = Obj({ format: lit(['csv', 'xlsx']) });
export type ExportFormatParams = Static<typeof ExportFormatParams>;

// ── the places import (issue 9): a Sở's list of districts, schools and sites ───────────────────────────────────

/**
 * POST /api/imports/places?name=FILE (the file as the body) starts a job; GET /api/imports/places/:id polls it;
 * POST /api/imports/places/:id/apply applies it (ApplyImportInput). GET /api/places.csv|xlsx exports the list in
 * the same columns. All need the editSchools permission.
 */
export const PlacesAction = lit(['create', 'update', 'unchanged']);
export type PlacesAction = Static<typeof PlacesAction>;
export const PlacesPlanView = Obj({
  counts: Obj({ create: Type.Integer(), update: Type.Integer(), unchanged: Type.Integer(), refused: Type.Integer(), newSites: Type.Integer() }),
  districts: Type.Array(Obj({ line: Type.Integer(), action: PlacesAction, code: Type.String(), name: Type.String() })),
  schools: Type.Array(Obj({
    line: Type.Integer(), action: PlacesAction, code: Type.String(), name: Type.String(), level: Type.Optional(Type.String()), pupils: Type.Optional(Type.Integer()),
    district: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Its district\'s code; null = directly under the Sở; absent = the file does not say.' })),
    changes: Type.Array(Type.String()),
  })),
  newSites: Type.Array(Obj({ line: Type.Integer(), schoolCode: Type.String(), name: Type.String() })),
  refused: Type.Array(Refused),
  ignoredColumns: Type.Array(Type.String()),
  notes: Type.Array(Type.String()),
});
export type PlacesPlanView = Static<typeof PlacesPlanView>;
/** The school list's import job: the same steps and states as the equipment import's. */
export const PlacesImportJob = Obj(importJobFields(PlacesPlanView));
export type PlacesImportJob = Static<typeof PlacesImportJob>;
/** The job of an import whose plan has the shape `Plan`. */
export type ImportJobView<Plan> = Omit<PlacesImportJob, 'plan'> & { plan?: Plan };
